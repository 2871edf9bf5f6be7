use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::helpers::{TestApp, spawn_app};
use crate::session::{Tokens, assert_problem};

async fn create_item(app: &TestApp, tokens: &Tokens, title: &str) -> Value {
    let response = app
        .authorized(Method::POST, "/api/v1/items", &tokens.access)
        .json(&json!({"title": title, "description": "details"}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::CREATED);
    response.json().await.unwrap()
}

#[tokio::test]
async fn a_created_item_can_be_read_back_at_its_location() {
    let app = spawn_app().await;
    let (_, tokens) = app.signed_in_user().await;

    let response = app
        .authorized(Method::POST, "/api/v1/items", &tokens.access)
        .json(&json!({"title": "  Buy milk ", "description": "Two litres"}))
        .send()
        .await
        .unwrap();

    assert_eq!(response.status(), StatusCode::CREATED);
    let location = response.headers()["location"].to_str().unwrap().to_owned();
    let created: Value = response.json().await.unwrap();
    assert_eq!(created["title"], "Buy milk");
    assert_eq!(
        location,
        format!("/api/v1/items/{}", created["id"].as_str().unwrap())
    );
    let fetched: Value = app
        .authorized(Method::GET, &location, &tokens.access)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(fetched, created);
}

#[tokio::test]
async fn the_list_is_paged_newest_first_with_a_total() {
    let app = spawn_app().await;
    let (_, tokens) = app.signed_in_user().await;
    for title in ["first", "second", "third"] {
        create_item(&app, &tokens, title).await;
    }

    let page: Value = app
        .authorized(
            Method::GET,
            "/api/v1/items?limit=2&offset=1",
            &tokens.access,
        )
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();

    assert_eq!(page["total"], 3);
    assert_eq!(page["limit"], 2);
    assert_eq!(page["offset"], 1);
    let titles: Vec<&str> = page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|item| item["title"].as_str().unwrap())
        .collect();
    assert_eq!(titles, ["second", "first"]);
}

#[tokio::test]
async fn paging_bounds_are_validated() {
    let app = spawn_app().await;
    let (_, tokens) = app.signed_in_user().await;

    for (query, field) in [
        ("limit=0", "limit"),
        ("limit=101", "limit"),
        ("offset=-1", "offset"),
    ] {
        let response = app
            .authorized(
                Method::GET,
                &format!("/api/v1/items?{query}"),
                &tokens.access,
            )
            .send()
            .await
            .unwrap();
        let problem = assert_problem(response, StatusCode::UNPROCESSABLE_ENTITY).await;
        assert!(problem["errors"][field].is_array(), "{query}: {problem}");
    }
    let not_a_number = app
        .authorized(Method::GET, "/api/v1/items?limit=ten", &tokens.access)
        .send()
        .await
        .unwrap();
    assert_problem(not_a_number, StatusCode::BAD_REQUEST).await;
}

#[tokio::test]
async fn another_users_items_do_not_exist_for_you() {
    let app = spawn_app().await;
    let (_, owner) = app.signed_in_user().await;
    let (_, stranger) = app.signed_in_user().await;
    let item = create_item(&app, &owner, "private").await;
    let path = format!("/api/v1/items/{}", item["id"].as_str().unwrap());

    for method in [Method::GET, Method::PATCH, Method::DELETE] {
        let response = app
            .authorized(method.clone(), &path, &stranger.access)
            .json(&json!({"title": "mine now"}))
            .send()
            .await
            .unwrap();
        assert_problem(response, StatusCode::NOT_FOUND).await;
    }
    let list: Value = app
        .authorized(Method::GET, "/api/v1/items", &stranger.access)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(list["total"], 0);
    let unchanged: Value = app
        .authorized(Method::GET, &path, &owner.access)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(unchanged["title"], "private");
}

#[tokio::test]
async fn patch_changes_only_the_given_fields_and_null_clears_the_description() {
    let app = spawn_app().await;
    let (_, tokens) = app.signed_in_user().await;
    let item = create_item(&app, &tokens, "draft").await;
    let path = format!("/api/v1/items/{}", item["id"].as_str().unwrap());
    let patch = |body: Value| {
        app.authorized(Method::PATCH, &path, &tokens.access)
            .json(&body)
            .send()
    };

    let renamed: Value = patch(json!({"title": "final"}))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(renamed["title"], "final");
    assert_eq!(renamed["description"], "details");

    let cleared: Value = patch(json!({"description": null}))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(cleared["title"], "final");
    assert_eq!(cleared["description"], Value::Null);

    let invalid = patch(json!({"title": ""})).await.unwrap();
    assert_problem(invalid, StatusCode::UNPROCESSABLE_ENTITY).await;
}

#[tokio::test]
async fn a_deleted_item_is_gone() {
    let app = spawn_app().await;
    let (_, tokens) = app.signed_in_user().await;
    let item = create_item(&app, &tokens, "temporary").await;
    let path = format!("/api/v1/items/{}", item["id"].as_str().unwrap());

    let deleted = app
        .authorized(Method::DELETE, &path, &tokens.access)
        .send()
        .await
        .unwrap();
    assert_eq!(deleted.status(), StatusCode::NO_CONTENT);

    let again = app
        .authorized(Method::GET, &path, &tokens.access)
        .send()
        .await
        .unwrap();
    assert_problem(again, StatusCode::NOT_FOUND).await;
}

#[tokio::test]
async fn item_ids_must_be_uuids() {
    let app = spawn_app().await;
    let (_, tokens) = app.signed_in_user().await;

    let response = app
        .authorized(Method::GET, "/api/v1/items/42", &tokens.access)
        .send()
        .await
        .unwrap();

    assert_problem(response, StatusCode::BAD_REQUEST).await;
}

#[tokio::test]
async fn items_need_an_access_token() {
    let app = spawn_app().await;

    let response = app
        .post_json("/api/v1/items", &json!({"title": "anonymous"}))
        .await;

    assert_problem(response, StatusCode::UNAUTHORIZED).await;
}
