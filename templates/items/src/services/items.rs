//! Items belong to the user who created them; nobody else can see or change them.
//!
//! Writes run through `db::retry::write`, so a transaction that conflicts with a concurrent
//! one is retried instead of failing the request.

use uuid::Uuid;

use crate::db::retry;
use crate::error::Error;
use crate::models::Item;
use crate::repositories::items;
use crate::schemas::item::{ItemChanges, NewItem};
use crate::schemas::page::Page;
use crate::state::AppState;

fn not_found() -> Error {
    Error::NotFound("No item with this id exists.".into())
}

pub async fn create(state: &AppState, owner: Uuid, item: NewItem) -> Result<Item, Error> {
    let (title, description) = (item.title.as_str(), item.description.as_deref());
    let item = retry::write(&state.pool, |mut tx| {
        Box::pin(async move {
            let item = items::insert(&mut tx, owner, title, description).await?;
            Ok((item, tx))
        })
    })
    .await?;
    Ok(item)
}

/// A page of the owner's items and how many they have in all.
pub async fn list(state: &AppState, owner: Uuid, page: Page) -> Result<(Vec<Item>, i64), Error> {
    let items = items::list(&state.pool, owner, page.limit, page.offset).await?;
    let total = items::count(&state.pool, owner).await?;
    Ok((items, total))
}

/// Another user's item answers 404, exactly like a missing one.
pub async fn get(state: &AppState, owner: Uuid, id: Uuid) -> Result<Item, Error> {
    items::find(&state.pool, owner, id)
        .await?
        .ok_or_else(not_found)
}

pub async fn update(
    state: &AppState,
    owner: Uuid,
    id: Uuid,
    changes: ItemChanges,
) -> Result<Item, Error> {
    let title = changes.title.as_deref();
    let description = changes.description.as_ref().map(Option::as_deref);
    retry::write(&state.pool, |mut tx| {
        Box::pin(async move {
            let item = items::update(&mut tx, owner, id, title, description).await?;
            Ok((item, tx))
        })
    })
    .await?
    .ok_or_else(not_found)
}

pub async fn delete(state: &AppState, owner: Uuid, id: Uuid) -> Result<(), Error> {
    let deleted = retry::write(&state.pool, |mut tx| {
        Box::pin(async move {
            let deleted = items::delete(&mut tx, owner, id).await?;
            Ok((deleted, tx))
        })
    })
    .await?;
    if deleted { Ok(()) } else { Err(not_found()) }
}
