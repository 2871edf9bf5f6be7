//! What clients send and receive: request bodies with their validation, and response bodies.
//!
//! Requests are validated into the values the services work with ("parse, don't validate"):
//! a handler never passes unchecked input on.

pub mod item;
pub mod token;
pub mod user;
mod validate;

pub use validate::Invalid;
