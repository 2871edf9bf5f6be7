//! The one error type of the HTTP layer.
//!
//! Handlers return `Result<_, Error>` and use `?`. Every error becomes an RFC 9457 problem
//! document (`application/problem+json`). Internal errors are logged with their whole cause
//! chain and answered with a generic 500, so no internals reach the client.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::fmt;

use axum::extract::rejection::{JsonRejection, PathRejection, QueryRejection};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::db::retry::WriteError;

pub const PROBLEM_CONTENT_TYPE: &str = "application/problem+json";

/// Messages per field, e.g. `{"email": ["must contain @"]}`.
pub type FieldErrors = BTreeMap<String, Vec<String>>;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The request was well-formed but some fields are invalid (422, with `errors`).
    #[error("the request has invalid fields")]
    Validation(FieldErrors),
    /// An extractor refused the request, e.g. malformed JSON (400), a missing JSON content type
    /// (415), a body that does not match the expected shape (422) or one that is too large (413).
    #[error("{detail}")]
    Rejected { status: StatusCode, detail: String },
    #[error("{0}")]
    NotFound(Cow<'static, str>),
    #[error("this endpoint does not support the request method")]
    MethodNotAllowed,
    /// Missing or invalid credentials (401, with `WWW-Authenticate: Bearer`).
    #[error("authentication is required")]
    Unauthorized,
    /// Authenticated but not allowed (403); the text says why.
    #[error("{0}")]
    Forbidden(Cow<'static, str>),
    #[error("{0}")]
    Conflict(Cow<'static, str>),
    #[error("{0}")]
    ServiceUnavailable(Cow<'static, str>),
    #[error("database error")]
    Sqlx(#[from] sqlx::Error),
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

impl Error {
    /// Builds a validation error from `(field, message)` pairs; a field may appear more than once.
    pub fn validation<F, M>(errors: impl IntoIterator<Item = (F, M)>) -> Self
    where
        F: Into<String>,
        M: Into<String>,
    {
        let mut fields = FieldErrors::new();
        for (field, message) in errors {
            fields.entry(field.into()).or_default().push(message.into());
        }
        Self::Validation(fields)
    }

    pub fn status(&self) -> StatusCode {
        match self {
            Self::Validation(_) => StatusCode::UNPROCESSABLE_ENTITY,
            Self::Rejected { status, .. } => *status,
            Self::NotFound(_) => StatusCode::NOT_FOUND,
            Self::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            Self::Unauthorized => StatusCode::UNAUTHORIZED,
            Self::Forbidden(_) => StatusCode::FORBIDDEN,
            Self::Conflict(_) => StatusCode::CONFLICT,
            Self::ServiceUnavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            Self::Sqlx(_) | Self::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }
}

/// A transaction that kept conflicting is the database being busy, not a bug: 503, so the
/// client may try again.
impl From<WriteError> for Error {
    fn from(error: WriteError) -> Self {
        match error {
            WriteError::Database(error) => Self::Sqlx(error),
            gave_up @ WriteError::GaveUp { .. } => {
                tracing::warn!(error = %Chain(&gave_up), "giving up on a write transaction");
                Self::ServiceUnavailable(
                    "The change conflicted with concurrent ones too often; try again.".into(),
                )
            }
        }
    }
}

impl From<JsonRejection> for Error {
    fn from(rejection: JsonRejection) -> Self {
        Self::Rejected {
            status: rejection.status(),
            detail: rejection.body_text(),
        }
    }
}

impl From<QueryRejection> for Error {
    fn from(rejection: QueryRejection) -> Self {
        Self::Rejected {
            status: rejection.status(),
            detail: rejection.body_text(),
        }
    }
}

impl From<PathRejection> for Error {
    fn from(rejection: PathRejection) -> Self {
        Self::Rejected {
            status: rejection.status(),
            detail: rejection.body_text(),
        }
    }
}

impl IntoResponse for Error {
    fn into_response(self) -> Response {
        let status = self.status();
        let detail: Cow<'static, str> = match &self {
            Self::Validation(_) => "The request has invalid fields.".into(),
            Self::Rejected { detail, .. } => detail.clone().into(),
            Self::NotFound(detail)
            | Self::Forbidden(detail)
            | Self::Conflict(detail)
            | Self::ServiceUnavailable(detail) => detail.clone(),
            Self::MethodNotAllowed => {
                "This endpoint does not support the request method; see the Allow header.".into()
            }
            Self::Unauthorized => "Authentication is required.".into(),
            Self::Sqlx(_) | Self::Internal(_) => {
                tracing::error!(error = %Chain(&self), "request failed");
                "An unexpected error occurred.".into()
            }
        };
        let mut problem = Problem::new(status, detail);
        if let Self::Validation(errors) = self {
            problem.errors = Some(errors);
        }
        let mut response = problem.into_response();
        if status == StatusCode::UNAUTHORIZED {
            response
                .headers_mut()
                .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        }
        response
    }
}

/// An RFC 9457 problem document.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Problem {
    /// A URI identifying the problem type; `about:blank` means "see the status code".
    #[serde(rename = "type")]
    #[schema(example = "about:blank")]
    pub problem_type: String,
    /// The reason phrase of the status code.
    #[schema(example = "Service Unavailable")]
    pub title: String,
    #[schema(example = 503)]
    pub status: u16,
    /// What went wrong with this request, in words meant for the client developer.
    #[schema(example = "The database is not reachable.")]
    pub detail: String,
    /// Present on validation errors (422): messages per field.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(inline)]
    pub errors: Option<FieldErrors>,
}

impl Problem {
    pub fn new(status: StatusCode, detail: impl Into<String>) -> Self {
        Self {
            problem_type: "about:blank".to_owned(),
            title: status.canonical_reason().unwrap_or("Error").to_owned(),
            status: status.as_u16(),
            detail: detail.into(),
            errors: None,
        }
    }
}

impl IntoResponse for Problem {
    fn into_response(self) -> Response {
        let status = StatusCode::from_u16(self.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        (
            status,
            [(
                header::CONTENT_TYPE,
                HeaderValue::from_static(PROBLEM_CONTENT_TYPE),
            )],
            axum::Json(self),
        )
            .into_response()
    }
}

/// Displays an error followed by each of its causes: `outer: middle: root`.
pub struct Chain<'a>(pub &'a (dyn std::error::Error + 'static));

impl fmt::Display for Chain<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)?;
        let mut source = self.0.source();
        while let Some(cause) = source {
            write!(f, ": {cause}")?;
            source = cause.source();
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use anyhow::Context;
    use axum::body::to_bytes;

    async fn problem_of(error: Error) -> (StatusCode, axum::http::HeaderMap, serde_json::Value) {
        let response = error.into_response();
        let status = response.status();
        let headers = response.headers().clone();
        let body = to_bytes(response.into_body(), usize::MAX).await.unwrap();
        (status, headers, serde_json::from_slice(&body).unwrap())
    }

    #[tokio::test]
    async fn every_error_is_a_problem_document() {
        let (status, headers, body) = problem_of(Error::NotFound("No such widget.".into())).await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        assert_eq!(headers[header::CONTENT_TYPE], PROBLEM_CONTENT_TYPE);
        assert_eq!(
            body,
            serde_json::json!({
                "type": "about:blank",
                "title": "Not Found",
                "status": 404,
                "detail": "No such widget."
            })
        );
    }

    #[tokio::test]
    async fn validation_errors_are_422_with_messages_per_field() {
        let error = Error::validation([
            ("email", "must contain @"),
            ("email", "is too long"),
            ("name", "must not be empty"),
        ]);
        let (status, _, body) = problem_of(error).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(
            body["errors"],
            serde_json::json!({
                "email": ["must contain @", "is too long"],
                "name": ["must not be empty"]
            })
        );
    }

    #[tokio::test]
    async fn unauthorized_carries_a_bearer_challenge() {
        let (status, headers, _) = problem_of(Error::Unauthorized).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
        assert_eq!(headers[header::WWW_AUTHENTICATE], "Bearer");
    }

    #[tokio::test]
    async fn internal_errors_hide_their_cause_from_the_client() {
        let error: anyhow::Error = Err::<(), _>(std::io::Error::other("disk on fire"))
            .context("saving the invoice")
            .unwrap_err();
        let (status, _, body) = problem_of(Error::Internal(error)).await;
        assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR);
        let text = body.to_string();
        assert!(
            !text.contains("disk on fire") && !text.contains("invoice"),
            "{text}"
        );
    }

    #[test]
    fn chain_lists_every_cause() {
        let error: anyhow::Error = Err::<(), _>(std::io::Error::other("connection reset"))
            .context("loading the user")
            .unwrap_err();
        let wrapped = Error::Internal(error);
        assert_eq!(
            Chain(&wrapped).to_string(),
            "loading the user: connection reset"
        );
    }
}
