//! Password hashing, access tokens (JWT) and refresh tokens (opaque, stored hashed).

pub mod access_token;
pub mod password;
pub mod refresh_token;
