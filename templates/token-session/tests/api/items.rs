//! Items over HTTP: the owner's CRUD, paging, validation, and other users' items as 404.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::helpers::{TestApp, spawn_app};
use crate::session::assert_problem;

async fn create_item(app: &TestApp, token: &str, title: &str) -> Value {
    let response = app
        .bearer(Method::POST, "/api/items/", token)
        .json(&json!({"title": title}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::CREATED);
    response.json().await.unwrap()
}

#[tokio::test]
async fn an_item_is_created_read_updated_and_deleted_by_its_owner() {
    let app = spawn_app().await;
    let (_, token) = app.signed_in_user().await;

    let response = app
        .bearer(Method::POST, "/api/items/", &token)
        .json(&json!({"title": " Buy milk ", "description": "Two litres"}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::CREATED);
    let location = response.headers()["location"].to_str().unwrap().to_owned();
    let created: Value = response.json().await.unwrap();
    assert_eq!(created["title"], "Buy milk");
    assert_eq!(
        location,
        format!("/api/items/{}/", created["id"].as_str().unwrap())
    );

    let fetched: Value = app
        .bearer(Method::GET, &location, &token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(fetched, created);

    let updated: Value = app
        .bearer(Method::PATCH, &location, &token)
        .json(&json!({"description": null}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(updated["title"], "Buy milk");
    assert!(updated["description"].is_null());

    let deleted = app
        .bearer(Method::DELETE, &location, &token)
        .send()
        .await
        .unwrap();
    assert_eq!(deleted.status(), StatusCode::NO_CONTENT);
    let gone = app
        .bearer(Method::GET, &location, &token)
        .send()
        .await
        .unwrap();
    assert_eq!(gone.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn the_list_is_paged_newest_first_with_a_total() {
    let app = spawn_app().await;
    let (_, token) = app.signed_in_user().await;
    for title in ["first", "second", "third"] {
        create_item(&app, &token, title).await;
    }

    let page: Value = app
        .bearer(Method::GET, "/api/items/?limit=2&offset=1", &token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();

    assert_eq!(page["total"], 3);
    let titles: Vec<&str> = page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|item| item["title"].as_str().unwrap())
        .collect();
    assert_eq!(titles, ["second", "first"]);
}

#[tokio::test]
async fn paging_bounds_and_fields_are_validated() {
    let app = spawn_app().await;
    let (_, token) = app.signed_in_user().await;

    let page = app
        .bearer(Method::GET, "/api/items/?limit=0", &token)
        .send()
        .await
        .unwrap();
    let body = assert_problem(page, StatusCode::UNPROCESSABLE_ENTITY, "invalid").await;
    assert!(body["errors"]["limit"].is_array(), "{body}");

    let blank = app
        .bearer(Method::POST, "/api/items/", &token)
        .json(&json!({"title": "   "}))
        .send()
        .await
        .unwrap();
    let body = assert_problem(blank, StatusCode::UNPROCESSABLE_ENTITY, "invalid").await;
    assert!(body["errors"]["title"].is_array(), "{body}");
}

#[tokio::test]
async fn another_users_item_is_not_found_and_untouched() {
    let app = spawn_app().await;
    let (_, owner) = app.signed_in_user().await;
    let (_, intruder) = app.signed_in_user().await;
    let item = create_item(&app, &owner, "private").await;
    let path = format!("/api/items/{}/", item["id"].as_str().unwrap());

    for method in [Method::GET, Method::PATCH, Method::DELETE] {
        let mut request = app.bearer(method.clone(), &path, &intruder);
        if method == Method::PATCH {
            request = request.json(&json!({"title": "mine now"}));
        }
        let response = request.send().await.unwrap();
        assert_problem(response, StatusCode::NOT_FOUND, "No item").await;
    }
    let list: Value = app
        .bearer(Method::GET, "/api/items/", &intruder)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(list["total"], 0);
    let still: Value = app
        .bearer(Method::GET, &path, &owner)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(still["title"], "private");
}

#[tokio::test]
async fn items_need_a_session() {
    let app = spawn_app().await;

    let response = app.get("/api/items/").await;

    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(response.headers()["www-authenticate"], "Bearer");
}
