//! Rows as they are stored: one struct per table, read with `sqlx::FromRow`.
//!
//! Models never leave the service as they are; `schemas` decides what clients see.

mod item;
mod refresh_token;
mod user;

pub use item::Item;
pub use refresh_token::RefreshToken;
pub use user::User;
