use reqwest::StatusCode;
use serde_json::Value;

use crate::helpers::spawn_app;

#[tokio::test]
async fn openapi_document_lists_the_health_endpoints() {
    let app = spawn_app().await;

    let response = app.get("/openapi.json").await;

    assert_eq!(response.status(), StatusCode::OK);
    let document: Value = response.json().await.expect("the document must be JSON");
    assert_eq!(document["info"]["title"], env!("CARGO_PKG_NAME"));
    assert_eq!(document["info"]["version"], env!("CARGO_PKG_VERSION"));
    assert_ne!(
        document["info"]["license"]["name"], "",
        "an empty license is invalid OpenAPI"
    );
    for path in ["/health/live", "/health/ready"] {
        assert!(
            document["paths"][path]["get"].is_object(),
            "GET {path} is missing from the OpenAPI document: {document:#}"
        );
    }
}

#[tokio::test]
async fn docs_serve_swagger_ui() {
    let app = spawn_app().await;

    let response = app.get("/docs").await;

    assert_eq!(response.status(), StatusCode::OK);
    let content_type = response.headers()["content-type"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(content_type.starts_with("text/html"), "{content_type}");
    let page = response.text().await.unwrap();
    assert!(page.contains("swagger-ui"), "{page}");
}

#[tokio::test]
async fn docs_pages_may_run_only_their_own_scripts() {
    let app = spawn_app().await;

    let response = app.get("/docs/").await;

    assert_eq!(response.status(), StatusCode::OK);
    let policy = response.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_owned();
    let directive = |name: &str| {
        policy
            .split(';')
            .map(str::trim)
            .find(|directive| directive.split_whitespace().next() == Some(name))
            .unwrap_or_else(|| panic!("{name} is missing from {policy}"))
            .to_owned()
    };
    assert_eq!(directive("script-src"), "script-src 'self'");
    assert_eq!(directive("default-src"), "default-src 'none'");
    assert_eq!(directive("frame-ancestors"), "frame-ancestors 'none'");
    // The policy allows no inline script, so the page must have none: every script is a file.
    let page = response.text().await.unwrap();
    let scripts: Vec<&str> = page.split("<script").skip(1).collect();
    assert!(!scripts.is_empty(), "{page}");
    for script in scripts {
        let tag = script.split('>').next().unwrap_or_default();
        assert!(
            tag.contains("src="),
            "an inline script would be blocked: {page}"
        );
    }
}

#[tokio::test]
async fn every_operation_declares_the_refusals_its_inputs_can_cause() {
    let app = spawn_app().await;

    let document: Value = app.get("/openapi.json").await.json().await.unwrap();

    for (path, item) in document["paths"].as_object().unwrap() {
        for (method, operation) in item.as_object().unwrap() {
            let responses = &operation["responses"];
            let declares = |status: &str| responses.get(status).is_some();
            let is_health = operation["tags"]
                .as_array()
                .is_some_and(|tags| tags.iter().any(|tag| tag == "health"));
            if is_health {
                continue;
            }
            for status in ["408", "500", "503"] {
                assert!(
                    declares(status),
                    "{method} {path} does not declare {status}"
                );
            }
            let body = &operation["requestBody"]["content"];
            if body.get("application/json").is_some() {
                for status in ["400", "413", "415", "422"] {
                    assert!(
                        declares(status),
                        "{method} {path} does not declare {status}"
                    );
                }
            }
            let parameters = operation["parameters"]
                .as_array()
                .cloned()
                .unwrap_or_default();
            if parameters.iter().any(|parameter| parameter["in"] == "path") {
                assert!(declares("400"), "{method} {path} does not declare 400");
            }
            if parameters
                .iter()
                .any(|parameter| parameter["in"] == "query")
            {
                assert!(declares("422"), "{method} {path} does not declare 422");
            }
            for (status, response) in responses.as_object().unwrap() {
                if status.starts_with('4') || status.starts_with('5') {
                    let content = response["content"].as_object().unwrap();
                    assert!(
                        content.contains_key("application/problem+json")
                            || content.contains_key("application/json"),
                        "{method} {path} {status} has no error body: {response}"
                    );
                }
            }
        }
    }
}
