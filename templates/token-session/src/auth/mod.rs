//! Session-token authentication, the only way into the API.
//!
//! `POST /auth/token/` trades an e-mail and password for a random token. Header clients send it
//! back as `Authorization: Bearer <token>`; browsers get it in the HttpOnly `__Host-session`
//! cookie and must echo the session's CSRF token in `X-CSRF-Token` on every unsafe request.
//! Only the token's SHA-256 hash is stored, with an absolute and an idle expiry. Handlers
//! never look at credentials themselves: they take [`CurrentUser`] or [`CurrentSession`].

pub mod cookies;
pub mod csrf;
mod extractor;
pub mod password;
pub mod service;

pub use extractor::{CurrentSession, CurrentUser, Transport};
