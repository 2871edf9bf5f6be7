//! Every request is logged as one JSON line carrying its method, route, status and request id:
//! at `info`, except the probes', at `debug`.

use serde_json::Value;

use crate::logged_service::{spawn_logged_app, spawn_logged_app_at};

/// The JSON lines of `logs` that end the request with id `request_id`.
fn closing_lines<'a>(logs: &'a str, request_id: &'a str) -> impl Iterator<Item = Value> + 'a {
    logs.lines()
        .filter_map(|line| serde_json::from_str::<Value>(line).ok())
        .filter(move |entry| {
            entry["span"]["request_id"] == request_id
                && entry["fields"]["message"] == "finished processing request"
        })
}

#[tokio::test]
async fn at_info_requests_are_logged_but_the_probes_are_not() {
    let (app, service) = spawn_logged_app_at("info").await;
    for (path, request_id) in [("/health/live", "probe-1"), ("/openapi.json", "other-1")] {
        let response = app
            .client
            .get(app.url(path))
            .header("x-request-id", request_id)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200, "{path}");
    }
    let logs = service.stop();
    assert_eq!(closing_lines(&logs, "probe-1").count(), 0, "{logs}");
    let other: Vec<Value> = closing_lines(&logs, "other-1").collect();
    assert_eq!(other.len(), 1, "{logs}");
    assert_eq!(other[0]["level"], "INFO");
    assert_eq!(other[0]["fields"]["status"], 200);
    assert_eq!(other[0]["span"]["route"], "/openapi.json");
}

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
    assert_eq!(entry["level"], "DEBUG", "a probe's line is at debug");
}
