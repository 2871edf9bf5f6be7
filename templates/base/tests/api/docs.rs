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
