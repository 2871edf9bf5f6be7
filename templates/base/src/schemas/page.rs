//! Offset paging for list endpoints: `?limit=&offset=`, checked before any query runs.

use serde::Deserialize;
use utoipa::IntoParams;

use super::Invalid;
use crate::error::Error;

pub const DEFAULT_PAGE_LIMIT: i64 = 20;
pub const MAX_PAGE_LIMIT: i64 = 100;

/// The paging query of every list endpoint.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PageQuery {
    /// How many entries to return, 1 to 100 (default 20).
    #[param(minimum = 1, maximum = 100)]
    pub limit: Option<i64>,
    /// How many entries to skip (default 0).
    #[param(minimum = 0)]
    pub offset: Option<i64>,
}

/// A checked page request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Page {
    pub limit: i64,
    pub offset: i64,
}

impl PageQuery {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_documented_bounds_are_the_checked_ones() {
        let parameters = serde_json::to_value(PageQuery::into_params(|| None)).unwrap();
        let bound = |name: &str, key: &str| {
            parameters
                .as_array()
                .unwrap()
                .iter()
                .find(|parameter| parameter["name"] == name)
                .map(|parameter| parameter["schema"][key].clone())
                .unwrap()
        };
        assert_eq!(bound("limit", "minimum"), 1);
        assert_eq!(bound("limit", "maximum"), MAX_PAGE_LIMIT);
        assert_eq!(bound("offset", "minimum"), 0);
    }

    #[test]
    fn paging_defaults_and_bounds() {
        let page = |limit, offset| PageQuery { limit, offset }.validate();
        assert_eq!(
            page(None, None).unwrap(),
            Page {
                limit: DEFAULT_PAGE_LIMIT,
                offset: 0
            }
        );
        assert_eq!(
            page(Some(MAX_PAGE_LIMIT), Some(5)).unwrap(),
            Page {
                limit: MAX_PAGE_LIMIT,
                offset: 5
            }
        );
        for (limit, offset) in [(Some(0), None), (Some(101), None), (None, Some(-1))] {
            assert!(matches!(page(limit, offset), Err(Error::Validation(_))));
        }
    }
}
