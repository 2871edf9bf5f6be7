//! `ApiJson<T>`: axum's `Json`, with every way a body can be wrong answered as a problem
//! document: not declared as JSON (415), not JSON at all (400), too large (413), or JSON of the
//! wrong shape (422 naming the field, like every other validation failure).
//!
//! Use it instead of `axum::Json` for request bodies and responses.

use axum::Json;
use axum::body::Bytes;
use axum::extract::{FromRequest, Request};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::error::Category;

use crate::api::shape::shape_error;
use crate::error::Error;

#[derive(Debug, Clone, Copy, Default)]
pub struct ApiJson<T>(pub T);

impl<T, S> FromRequest<S> for ApiJson<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = Error;

    async fn from_request(request: Request, state: &S) -> Result<Self, Self::Rejection> {
        if !declares_json(request.headers()) {
            return Err(Error::Rejected {
                status: StatusCode::UNSUPPORTED_MEDIA_TYPE,
                detail: "Expected a request with `Content-Type: application/json`.".to_owned(),
            });
        }
        let body = Bytes::from_request(request, state).await?;
        parse(&body).map(Self)
    }
}

/// `application/json`, or a `+json` type such as `application/merge-patch+json`, with or
/// without parameters.
fn declares_json(headers: &HeaderMap) -> bool {
    let Some(value) = headers
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
    else {
        return false;
    };
    let essence = value.split(';').next().unwrap_or_default().trim();
    let Some(subtype) = essence
        .split_once('/')
        .filter(|(kind, _)| kind.eq_ignore_ascii_case("application"))
        .map(|(_, subtype)| subtype.to_ascii_lowercase())
    else {
        return false;
    };
    subtype == "json" || subtype.ends_with("+json")
}

fn parse<T: DeserializeOwned>(body: &[u8]) -> Result<T, Error> {
    let mut deserializer = serde_json::Deserializer::from_slice(body);
    let value = serde_path_to_error::deserialize(&mut deserializer).map_err(|error| {
        let inner = error.inner();
        match inner.classify() {
            Category::Data => shape_error(error.path(), &inner.to_string(), "body"),
            Category::Syntax | Category::Eof | Category::Io => not_json(inner),
        }
    })?;
    deserializer.end().map_err(|error| not_json(&error))?;
    Ok(value)
}

fn not_json(error: &serde_json::Error) -> Error {
    Error::Rejected {
        status: StatusCode::BAD_REQUEST,
        detail: format!("The body is not valid JSON: {error}."),
    }
}

impl<T: Serialize> IntoResponse for ApiJson<T> {
    fn into_response(self) -> Response {
        Json(self.0).into_response()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::PROBLEM_CONTENT_TYPE;
    use axum::Router;
    use axum::body::{Body, to_bytes};
    use axum::http::{StatusCode, header};
    use axum::routing::post;
    use serde::Deserialize;
    use tower::ServiceExt;

    #[derive(Serialize, Deserialize)]
    struct Greeting {
        name: String,
    }

    async fn greet(ApiJson(greeting): ApiJson<Greeting>) -> ApiJson<Greeting> {
        ApiJson(greeting)
    }

    async fn post_body(content_type: Option<&str>, body: &str) -> (StatusCode, String, String) {
        let mut request = Request::post("/greet");
        if let Some(content_type) = content_type {
            request = request.header(header::CONTENT_TYPE, content_type);
        }
        let response = Router::new()
            .route("/greet", post(greet))
            .oneshot(request.body(Body::from(body.to_owned())).unwrap())
            .await
            .unwrap();
        let status = response.status();
        let content_type = response.headers()[header::CONTENT_TYPE]
            .to_str()
            .unwrap()
            .to_owned();
        let body = to_bytes(response.into_body(), usize::MAX).await.unwrap();
        (
            status,
            content_type,
            String::from_utf8(body.to_vec()).unwrap(),
        )
    }

    fn problem_status(body: &str) -> u64 {
        let problem: serde_json::Value = serde_json::from_str(body).unwrap();
        assert_eq!(problem["type"], "about:blank", "{body}");
        assert!(problem["detail"].as_str().is_some_and(|d| !d.is_empty()));
        problem["status"].as_u64().unwrap()
    }

    #[tokio::test]
    async fn valid_json_is_accepted() {
        let (status, content_type, body) =
            post_body(Some("application/json"), r#"{"name":"Ada"}"#).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(content_type, "application/json");
        assert_eq!(body, r#"{"name":"Ada"}"#);
    }

    #[tokio::test]
    async fn malformed_json_is_a_400_problem() {
        let (status, content_type, body) = post_body(Some("application/json"), "{\"name\":").await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        assert_eq!(content_type, PROBLEM_CONTENT_TYPE);
        assert_eq!(problem_status(&body), 400);
    }

    #[tokio::test]
    async fn missing_json_content_type_is_a_415_problem() {
        let (status, content_type, body) = post_body(None, r#"{"name":"Ada"}"#).await;
        assert_eq!(status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
        assert_eq!(content_type, PROBLEM_CONTENT_TYPE);
        assert_eq!(problem_status(&body), 415);
    }

    #[tokio::test]
    async fn a_missing_field_is_a_422_naming_it() {
        let (status, content_type, body) =
            post_body(Some("application/json"), r#"{"nom":"Ada"}"#).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(content_type, PROBLEM_CONTENT_TYPE);
        assert_eq!(problem_status(&body), 422);
        let problem: serde_json::Value = serde_json::from_str(&body).unwrap();
        assert_eq!(problem["errors"]["name"][0], "is required", "{body}");
    }

    #[tokio::test]
    async fn a_field_of_the_wrong_type_is_a_422_naming_it() {
        let (status, _, body) = post_body(Some("application/json"), r#"{"name":7}"#).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        let problem: serde_json::Value = serde_json::from_str(&body).unwrap();
        let message = problem["errors"]["name"][0].as_str().unwrap_or_default();
        assert!(message.starts_with("invalid type: integer"), "{body}");
    }

    #[tokio::test]
    async fn trailing_garbage_after_the_document_is_a_400() {
        let (status, _, body) = post_body(Some("application/json"), r#"{"name":"Ada"} x"#).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    }

    #[tokio::test]
    async fn json_suffix_types_and_parameters_count_as_json() {
        for content_type in [
            "application/json; charset=utf-8",
            "Application/JSON",
            "application/merge-patch+json",
        ] {
            let (status, _, body) = post_body(Some(content_type), r#"{"name":"Ada"}"#).await;
            assert_eq!(status, StatusCode::OK, "{content_type}: {body}");
        }
        for content_type in ["text/json", "application/jsonx", "application", "json"] {
            let (status, _, _) = post_body(Some(content_type), r#"{"name":"Ada"}"#).await;
            assert_eq!(status, StatusCode::UNSUPPORTED_MEDIA_TYPE, "{content_type}");
        }
    }
}
