//! Local users of identity-provider subjects.

use crate::db::retry;
use crate::error::Error;
use crate::models::User;
use crate::repositories::users;
use crate::schemas::page::Page;
use crate::state::AppState;

/// The user of `subject`: one read when it is known, else created through the retry helper.
pub async fn for_subject(state: &AppState, subject: &str) -> Result<User, Error> {
    if let Some(user) = users::find_by_subject(&state.pool, subject).await? {
        return Ok(user);
    }
    let user = retry::write(&state.pool, |mut tx| {
        Box::pin(async move {
            let user = users::upsert(&mut tx, subject).await?;
            Ok((user, tx))
        })
    })
    .await?;
    tracing::info!(user_id = %user.id, "first request of a new user");
    Ok(user)
}

/// A page of all users, with their total count.
pub async fn list(state: &AppState, page: Page) -> Result<(Vec<User>, i64), Error> {
    let found = users::list(&state.pool, page.limit, page.offset).await?;
    let total = users::count(&state.pool).await?;
    Ok((found, total))
}
