//! `ApiJson<T>`: axum's `Json` with rejections turned into problem documents.
//!
//! Use it instead of `axum::Json` for request bodies and responses, so a client that sends
//! broken JSON gets the same error format as every other error.

use axum::Json;
use axum::extract::{FromRequest, Request};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use serde::de::DeserializeOwned;

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
        let Json(value) = Json::<T>::from_request(request, state).await?;
        Ok(Self(value))
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
    async fn json_of_the_wrong_shape_is_a_422_problem() {
        let (status, content_type, body) =
            post_body(Some("application/json"), r#"{"nom":"Ada"}"#).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(content_type, PROBLEM_CONTENT_TYPE);
        assert_eq!(problem_status(&body), 422);
    }
}
