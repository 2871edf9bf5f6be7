use serde::{Deserialize, Deserializer, Serialize};
use time::OffsetDateTime;
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use super::Invalid;
use crate::error::Error;
use crate::models::Item;

pub const MAX_TITLE_CHARS: usize = 200;
pub const MAX_DESCRIPTION_CHARS: usize = 5000;
pub const DEFAULT_PAGE_LIMIT: i64 = 20;
pub const MAX_PAGE_LIMIT: i64 = 100;

/// Body of `POST /api/v1/items`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateItem {
    #[schema(example = "Buy milk")]
    pub title: String,
    #[schema(example = "Two litres, semi-skimmed")]
    pub description: Option<String>,
}

#[derive(Debug)]
pub struct NewItem {
    pub title: String,
    pub description: Option<String>,
}

impl CreateItem {
    pub fn validate(self) -> Result<NewItem, Error> {
        let mut invalid = Invalid::default();
        let title = invalid.text("title", &self.title, MAX_TITLE_CHARS);
        let description = self
            .description
            .map(|text| invalid.text("description", &text, MAX_DESCRIPTION_CHARS));
        invalid.finish(NewItem { title, description })
    }
}

/// Body of `PATCH /api/v1/items/{id}`: absent fields are kept; `"description": null` clears it.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateItem {
    pub title: Option<String>,
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>)]
    pub description: Option<Option<String>>,
}

/// Tells a field that is absent (`None`) from one that is `null` (`Some(None)`).
fn present<'de, D, T>(deserializer: D) -> Result<Option<Option<T>>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    Option::<T>::deserialize(deserializer).map(Some)
}

#[derive(Debug)]
pub struct ItemChanges {
    pub title: Option<String>,
    pub description: Option<Option<String>>,
}

impl UpdateItem {
    pub fn validate(self) -> Result<ItemChanges, Error> {
        let mut invalid = Invalid::default();
        let title = self
            .title
            .map(|text| invalid.text("title", &text, MAX_TITLE_CHARS));
        let description = self.description.map(|description| {
            description.map(|text| invalid.text("description", &text, MAX_DESCRIPTION_CHARS))
        });
        invalid.finish(ItemChanges { title, description })
    }
}

/// Query of `GET /api/v1/items`.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListItems {
    /// How many items to return, 1 to 100 (default 20).
    pub limit: Option<i64>,
    /// How many items to skip (default 0).
    pub offset: Option<i64>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Page {
    pub limit: i64,
    pub offset: i64,
}

impl ListItems {
    pub fn validate(self) -> Result<Page, Error> {
        let mut invalid = Invalid::default();
        let limit = self.limit.unwrap_or(DEFAULT_PAGE_LIMIT);
        if !(1..=MAX_PAGE_LIMIT).contains(&limit) {
            invalid.add("limit", format!("must be between 1 and {MAX_PAGE_LIMIT}"));
        }
        let offset = self.offset.unwrap_or(0);
        if offset < 0 {
            invalid.add("offset", "must be 0 or more");
        }
        invalid.finish(Page { limit, offset })
    }
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ItemResponse {
    pub id: Uuid,
    #[schema(example = "Buy milk")]
    pub title: String,
    pub description: Option<String>,
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub updated_at: OffsetDateTime,
}

impl From<Item> for ItemResponse {
    fn from(item: Item) -> Self {
        Self {
            id: item.id,
            title: item.title,
            description: item.description,
            created_at: item.created_at,
            updated_at: item.updated_at,
        }
    }
}

/// One page of the caller's items, newest first.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ItemPage {
    pub items: Vec<ItemResponse>,
    /// How many items the caller has in all.
    pub total: i64,
    pub limit: i64,
    pub offset: i64,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paging_defaults_and_bounds() {
        let page = |limit, offset| ListItems { limit, offset }.validate();
        assert_eq!(
            page(None, None).unwrap(),
            Page {
                limit: 20,
                offset: 0
            }
        );
        assert_eq!(
            page(Some(100), Some(5)).unwrap(),
            Page {
                limit: 100,
                offset: 5
            }
        );
        for (limit, offset) in [(Some(0), None), (Some(101), None), (None, Some(-1))] {
            assert!(matches!(page(limit, offset), Err(Error::Validation(_))));
        }
    }

    #[test]
    fn an_absent_description_differs_from_null() {
        let absent: UpdateItem = serde_json::from_str(r#"{"title":"t"}"#).unwrap();
        assert_eq!(absent.description, None);
        let null: UpdateItem = serde_json::from_str(r#"{"description":null}"#).unwrap();
        assert_eq!(null.description, Some(None));
        let set: UpdateItem = serde_json::from_str(r#"{"description":"d"}"#).unwrap();
        assert_eq!(set.description, Some(Some("d".to_owned())));
    }

    #[test]
    fn an_empty_title_is_refused() {
        let create = CreateItem {
            title: " ".to_owned(),
            description: None,
        };
        assert!(matches!(create.validate(), Err(Error::Validation(_))));
    }
}
