//! `ApiQuery<T>` and `ApiPath<T>`: axum's `Query` and `Path` with rejections turned into
//! problem documents, like `ApiJson`. A query parameter of the wrong type or out of its type's
//! range is a 422 naming the parameter; a path that cannot be parsed is a 400.

use axum::extract::{FromRequestParts, Path};
use axum::http::request::Parts;
use serde::de::DeserializeOwned;

use crate::api::shape::shape_error;
use crate::error::Error;

#[derive(Debug, Clone, Copy, Default)]
pub struct ApiQuery<T>(pub T);

impl<T, S> FromRequestParts<S> for ApiQuery<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = Error;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        let query = parts.uri.query().unwrap_or_default();
        let deserializer =
            serde_urlencoded::Deserializer::new(form_urlencoded::parse(query.as_bytes()));
        serde_path_to_error::deserialize(deserializer)
            .map(Self)
            .map_err(|error| shape_error(error.path(), &error.inner().to_string(), "query"))
    }
}

#[derive(Debug, Clone, Copy, Default)]
pub struct ApiPath<T>(pub T);

impl<T, S> FromRequestParts<S> for ApiPath<T>
where
    T: DeserializeOwned + Send,
    S: Send + Sync,
{
    type Rejection = Error;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let Path(value) = Path::<T>::from_request_parts(parts, state).await?;
        Ok(Self(value))
    }
}

#[cfg(test)]
mod tests {
    use axum::http::Request;
    use serde::Deserialize;

    use super::*;

    #[derive(Debug, Deserialize)]
    struct Paging {
        limit: Option<i64>,
        #[allow(dead_code)]
        order: Option<String>,
    }

    async fn query(uri: &str) -> Result<Paging, Error> {
        let (mut parts, ()) = Request::get(uri).body(()).unwrap().into_parts();
        ApiQuery::<Paging>::from_request_parts(&mut parts, &())
            .await
            .map(|ApiQuery(paging)| paging)
    }

    #[tokio::test]
    async fn a_parameter_out_of_its_range_is_a_422_naming_it() {
        let error = query("/items?limit=9223372036854775808").await.unwrap_err();
        match error {
            Error::Validation(fields) => assert!(fields.contains_key("limit"), "{fields:?}"),
            other => panic!("expected field errors, got {other:?}"),
        }
    }

    #[tokio::test]
    async fn absent_and_well_formed_parameters_are_accepted() {
        assert_eq!(query("/items").await.unwrap().limit, None);
        assert_eq!(
            query("/items?limit=5&order=new").await.unwrap().limit,
            Some(5)
        );
    }
}
