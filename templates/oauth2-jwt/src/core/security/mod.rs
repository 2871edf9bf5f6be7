//! Access tokens: short-lived HS256 JWTs.

pub mod access_token;
