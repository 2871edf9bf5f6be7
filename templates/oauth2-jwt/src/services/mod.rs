//! Business rules. Services call repositories for data and `core::security` for secrets; they
//! know nothing of HTTP beyond the error type they return.

pub mod auth;
pub mod items;
pub mod users;
