//! The middleware every request passes through, outermost first:
//!
//! 1. mark `Authorization` and `Cookie` as sensitive, so they are never logged;
//! 2. give the request an `x-request-id` unless the client sent one;
//! 3. trace the request in a span carrying method, route, path and request id;
//! 4. copy `x-request-id` onto the response;
//! 5. answer CORS requests from the allowed origins (only if some are configured);
//! 6. turn bare error responses from the layers below into problem documents;
//! 7. answer `408 Request Timeout` when a request takes too long;
//! 8. refuse request bodies larger than [`REQUEST_BODY_LIMIT_BYTES`] with `413`.

use axum::body::{Body, Bytes, HttpBody};
use axum::extract::{MatchedPath, Request};
use axum::http::{HeaderName, HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::{BoxError, Router};
use tower::ServiceBuilder;
use tower_http::cors::{AllowOrigin, CorsLayer};
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::sensitive_headers::SetSensitiveRequestHeadersLayer;
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::{DefaultOnResponse, TraceLayer};
use tracing::{Level, Span};

use crate::core::config::ServerConfig;
use crate::error::Problem;

/// The largest request body accepted, in bytes (1 MiB).
pub const REQUEST_BODY_LIMIT_BYTES: usize = 1024 * 1024;

pub const REQUEST_ID_HEADER: HeaderName = HeaderName::from_static("x-request-id");

pub fn apply(router: Router, config: &ServerConfig) -> Router {
    router.layer(
        ServiceBuilder::new()
            .layer(SetSensitiveRequestHeadersLayer::new([
                header::AUTHORIZATION,
                header::COOKIE,
            ]))
            .layer(SetRequestIdLayer::new(REQUEST_ID_HEADER, MakeRequestUuid))
            .layer(
                TraceLayer::new_for_http()
                    .make_span_with(request_span)
                    .on_response(DefaultOnResponse::new().level(Level::INFO)),
            )
            .layer(PropagateRequestIdLayer::new(REQUEST_ID_HEADER))
            .option_layer(cors(&config.cors_allowed_origins))
            .layer(axum::middleware::map_response(problem_for_bare_errors))
            .layer(TimeoutLayer::with_status_code(
                StatusCode::REQUEST_TIMEOUT,
                config.request_timeout,
            ))
            .layer(RequestBodyLimitLayer::new(REQUEST_BODY_LIMIT_BYTES)),
    )
}

fn request_span(request: &Request) -> Span {
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map(MatchedPath::as_str)
        .unwrap_or_default();
    let request_id = request
        .headers()
        .get(REQUEST_ID_HEADER)
        .and_then(|value| value.to_str().ok())
        .unwrap_or_default();
    tracing::info_span!(
        "request",
        method = %request.method(),
        route,
        path = request.uri().path(),
        request_id,
    )
}

fn cors(allowed_origins: &[HeaderValue]) -> Option<CorsLayer> {
    if allowed_origins.is_empty() {
        return None;
    }
    Some(
        CorsLayer::new()
            .allow_origin(AllowOrigin::list(allowed_origins.iter().cloned()))
            .allow_methods([
                Method::GET,
                Method::POST,
                Method::PUT,
                Method::PATCH,
                Method::DELETE,
            ])
            .allow_headers([header::AUTHORIZATION, header::CONTENT_TYPE])
            .expose_headers([REQUEST_ID_HEADER]),
    )
}

/// The timeout and body-limit layers answer with an empty or plain-text body. Give those
/// responses the problem document every other error has, keeping their status and headers.
/// Typed error bodies (problem documents, OAuth2 errors) pass through untouched.
async fn problem_for_bare_errors<B>(response: Response<B>) -> Response
where
    B: HttpBody<Data = Bytes> + Send + 'static,
    B::Error: Into<BoxError>,
{
    let status = response.status();
    let is_error = status.is_client_error() || status.is_server_error();
    // Bodies without a type, or plain text, come from middleware; JSON came from a handler.
    let is_bare = response
        .headers()
        .get(header::CONTENT_TYPE)
        .is_none_or(|value| value.as_bytes().starts_with(b"text/plain"));
    if !is_error || !is_bare {
        return response.map(Body::new);
    }
    let detail = match status {
        StatusCode::REQUEST_TIMEOUT => "The request took too long to complete.".to_owned(),
        StatusCode::PAYLOAD_TOO_LARGE => {
            format!("The request body is larger than {REQUEST_BODY_LIMIT_BYTES} bytes.")
        }
        _ => "The request could not be completed.".to_owned(),
    };
    let (mut parts, _) = response.into_parts();
    let (problem_parts, body) = Problem::new(status, detail).into_response().into_parts();
    parts.headers.remove(header::CONTENT_LENGTH);
    parts.headers.extend(problem_parts.headers);
    Response::from_parts(parts, body)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::PROBLEM_CONTENT_TYPE;
    use axum::body::to_bytes;
    use axum::routing::get;
    use tower::ServiceExt;

    #[tokio::test]
    async fn a_slow_handler_is_cut_off_with_a_408_problem() {
        let config = ServerConfig {
            request_timeout: std::time::Duration::from_millis(50),
            ..ServerConfig::default()
        };
        let router = Router::new().route(
            "/slow",
            get(|| async {
                tokio::time::sleep(std::time::Duration::from_secs(5)).await;
                "too late"
            }),
        );
        let response = apply(router, &config)
            .oneshot(Request::get("/slow").body(Body::empty()).unwrap())
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::REQUEST_TIMEOUT);
        assert_eq!(
            response.headers()[header::CONTENT_TYPE],
            PROBLEM_CONTENT_TYPE
        );
        assert!(response.headers().contains_key(REQUEST_ID_HEADER));
        let body = to_bytes(response.into_body(), usize::MAX).await.unwrap();
        let problem: Problem = serde_json::from_slice(&body).unwrap();
        assert_eq!(problem.status, 408);
        assert_eq!(problem.title, "Request Timeout");
    }
}
