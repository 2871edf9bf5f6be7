//! Access tokens (JWT) and refresh tokens (opaque, stored hashed).

pub mod access_token;
pub mod refresh_token;
