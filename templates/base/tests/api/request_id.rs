use uuid::Uuid;

use crate::helpers::spawn_app;

#[tokio::test]
async fn a_request_id_is_generated_when_the_client_sends_none() {
    let app = spawn_app().await;

    let response = app.get("/health/live").await;

    let id = response.headers()["x-request-id"].to_str().unwrap();
    assert!(
        Uuid::parse_str(id).is_ok(),
        "x-request-id {id:?} is not a UUID"
    );
}

#[tokio::test]
async fn the_client_request_id_is_echoed() {
    let app = spawn_app().await;

    let response = app
        .client
        .get(app.url("/health/live"))
        .header("x-request-id", "trace-me-42")
        .send()
        .await
        .unwrap();

    assert_eq!(response.headers()["x-request-id"], "trace-me-42");
}

#[tokio::test]
async fn error_responses_carry_the_request_id_too() {
    let app = spawn_app().await;

    let response = app.get("/no/such/route").await;

    assert!(response.headers().contains_key("x-request-id"));
}
