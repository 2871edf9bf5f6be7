//! Every request is logged as one JSON line carrying its method, route, status and request id.

use serde_json::Value;

use crate::logged_service::spawn_logged_app;

#[tokio::test]
async fn each_request_is_a_json_log_line_with_its_request_id() {
    let (app, service) = spawn_logged_app().await;

    let response = app
        .client
        .get(app.url("/health/live"))
        .header("x-request-id", "trace-me-42")
        .send()
        .await
        .unwrap();
    assert_eq!(response.headers()["x-request-id"], "trace-me-42");

    let logs = service.stop();
    let entry = logs
        .lines()
        .filter_map(|line| serde_json::from_str::<Value>(line).ok())
        .find(|entry| {
            entry["span"]["request_id"] == "trace-me-42" && entry["fields"]["status"] == 200
        })
        .unwrap_or_else(|| panic!("no JSON line for the request:\n{logs}"));
    assert_eq!(entry["span"]["method"], "GET");
    assert_eq!(entry["span"]["route"], "/health/live");
}
