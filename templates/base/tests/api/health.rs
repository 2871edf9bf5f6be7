use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{spawn_app, spawn_app_without_database};

#[tokio::test]
async fn live_answers_ok() {
    let app = spawn_app().await;

    let response = app.get("/health/live").await;

    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(
        response.json::<Value>().await.unwrap(),
        json!({"status": "ok"})
    );
}

#[tokio::test]
async fn live_stays_ok_when_the_database_is_unreachable() {
    let app = spawn_app_without_database().await;

    let response = app.get("/health/live").await;

    assert_eq!(response.status(), StatusCode::OK);
}

#[tokio::test]
async fn ready_answers_ready_when_the_database_responds() {
    let app = spawn_app().await;

    let response = app.get("/health/ready").await;

    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(
        response.json::<Value>().await.unwrap(),
        json!({"status": "ready"})
    );
}

#[tokio::test]
async fn ready_answers_503_problem_when_the_database_is_unreachable() {
    let app = spawn_app_without_database().await;

    let response = app.get("/health/ready").await;

    assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(
        response.headers()["content-type"],
        "application/problem+json"
    );
    let problem: Value = response.json().await.unwrap();
    assert_eq!(problem["status"], 503);
    assert_eq!(problem["title"], "Service Unavailable");
    assert_eq!(problem["detail"], "The database is not reachable.");
}
