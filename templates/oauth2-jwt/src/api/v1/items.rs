//! The signed-in user's items. Another user's item answers 404, never 403, so ids of other
//! users' items cannot be discovered.

use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

use super::PREFIX;
use crate::api::current_user::CurrentUser;
use crate::api::extract::{ApiPath, ApiQuery};
use crate::api::json::ApiJson;
use crate::error::{Error, Problem};
use crate::schemas::item::{CreateItem, ItemPage, ItemResponse, ListItems, UpdateItem};
use crate::services::items;
use crate::state::AppState;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(create_item, list_items))
        .routes(routes!(get_item, update_item, delete_item))
}

/// Create an item
#[utoipa::path(
    post,
    path = "/items",
    tag = "items",
    security(("oauth2" = [])),
    request_body = CreateItem,
    responses(
        (status = CREATED, description = "The new item; `Location` points at it", body = ItemResponse),
        (status = UNAUTHORIZED, description = "Missing or invalid access token", body = Problem,
            content_type = "application/problem+json"),
        (status = UNPROCESSABLE_ENTITY, description = "Invalid fields", body = Problem,
            content_type = "application/problem+json"),
    )
)]
async fn create_item(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    ApiJson(body): ApiJson<CreateItem>,
) -> Result<Response, Error> {
    let item = items::create(&state, &user, body.validate()?).await?;
    let location = HeaderValue::from_str(&format!("{PREFIX}/items/{}", item.id))
        .map_err(|error| Error::Internal(error.into()))?;
    let body = ApiJson(ItemResponse::from(item));
    Ok((StatusCode::CREATED, [(header::LOCATION, location)], body).into_response())
}

/// List items
///
/// The caller's items, newest first, with the total count for paging.
#[utoipa::path(
    get,
    path = "/items",
    tag = "items",
    security(("oauth2" = [])),
    params(ListItems),
    responses(
        (status = OK, description = "A page of items", body = ItemPage),
        (status = UNAUTHORIZED, description = "Missing or invalid access token", body = Problem,
            content_type = "application/problem+json"),
        (status = UNPROCESSABLE_ENTITY, description = "limit or offset out of range", body = Problem,
            content_type = "application/problem+json"),
    )
)]
async fn list_items(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    ApiQuery(query): ApiQuery<ListItems>,
) -> Result<ApiJson<ItemPage>, Error> {
    let page = query.validate()?;
    let (found, total) = items::list(&state, &user, page).await?;
    Ok(ApiJson(ItemPage {
        items: found.into_iter().map(ItemResponse::from).collect(),
        total,
        limit: page.limit,
        offset: page.offset,
    }))
}

/// Get an item
#[utoipa::path(
    get,
    path = "/items/{id}",
    tag = "items",
    security(("oauth2" = [])),
    params(("id" = Uuid, Path, description = "The item's id")),
    responses(
        (status = OK, description = "The item", body = ItemResponse),
        (status = UNAUTHORIZED, description = "Missing or invalid access token", body = Problem,
            content_type = "application/problem+json"),
        (status = NOT_FOUND, description = "No such item for this user", body = Problem,
            content_type = "application/problem+json"),
    )
)]
async fn get_item(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    ApiPath(id): ApiPath<Uuid>,
) -> Result<ApiJson<ItemResponse>, Error> {
    let item = items::get(&state, &user, id).await?;
    Ok(ApiJson(item.into()))
}

/// Update an item
///
/// Absent fields are kept; `"description": null` clears the description.
#[utoipa::path(
    patch,
    path = "/items/{id}",
    tag = "items",
    security(("oauth2" = [])),
    params(("id" = Uuid, Path, description = "The item's id")),
    request_body = UpdateItem,
    responses(
        (status = OK, description = "The updated item", body = ItemResponse),
        (status = UNAUTHORIZED, description = "Missing or invalid access token", body = Problem,
            content_type = "application/problem+json"),
        (status = NOT_FOUND, description = "No such item for this user", body = Problem,
            content_type = "application/problem+json"),
        (status = UNPROCESSABLE_ENTITY, description = "Invalid fields", body = Problem,
            content_type = "application/problem+json"),
    )
)]
async fn update_item(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(body): ApiJson<UpdateItem>,
) -> Result<ApiJson<ItemResponse>, Error> {
    let item = items::update(&state, &user, id, body.validate()?).await?;
    Ok(ApiJson(item.into()))
}

/// Delete an item
#[utoipa::path(
    delete,
    path = "/items/{id}",
    tag = "items",
    security(("oauth2" = [])),
    params(("id" = Uuid, Path, description = "The item's id")),
    responses(
        (status = NO_CONTENT, description = "The item is deleted"),
        (status = UNAUTHORIZED, description = "Missing or invalid access token", body = Problem,
            content_type = "application/problem+json"),
        (status = NOT_FOUND, description = "No such item for this user", body = Problem,
            content_type = "application/problem+json"),
    )
)]
async fn delete_item(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    ApiPath(id): ApiPath<Uuid>,
) -> Result<StatusCode, Error> {
    items::delete(&state, &user, id).await?;
    Ok(StatusCode::NO_CONTENT)
}
