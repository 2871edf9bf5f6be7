//! Who is calling: tokens from the identity provider, checked against its published keys.

pub mod credentials;
mod extractor;
pub mod keys;
pub mod provider;
mod verified_tokens;
pub mod verifier;

pub use extractor::{Admin, Caller, CurrentUser};
pub use verifier::{Identity, TokenVerifier};
