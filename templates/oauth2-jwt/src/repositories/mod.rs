//! All SQL lives here: one module per table, plain functions taking an executor.
//!
//! Queries are checked at runtime (`sqlx::query_as`), so the crate builds without a database.
//! Every query binds its values; none is assembled from input.

pub mod items;
pub mod refresh_tokens;
pub mod users;

/// Whether `error` is a unique-constraint violation on `constraint` (SQLSTATE 23505).
pub fn is_unique_violation(error: &sqlx::Error, constraint: &str) -> bool {
    match error {
        sqlx::Error::Database(database) => {
            database.is_unique_violation() && database.constraint() == Some(constraint)
        }
        _ => false,
    }
}
