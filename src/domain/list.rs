//! The List query: paging, sorting and one equality filter.

use super::identifier::{BodyError, Identifier};
use serde_json::{json, Map, Value};
use std::cmp::Ordering;
use std::sync::Arc;

/// What a list can hold: identifiers, time profiles, apartments. Each
/// sorts and filters by its uid and its top-level strings.
pub trait Listed {
    /// The uid's field name, the default sort.
    const UID_FIELD: &'static str;
    /// The fields a list of these can be sorted or filtered by, uid first.
    const FIELDS: &'static [&'static str];
    fn uid(&self) -> u32;
    /// The value of a string field of [`Self::FIELDS`], for sorting.
    fn text(&self, field: &str) -> &str;
    /// Whether the string field equals `value` (identifier numbers compare
    /// canonically).
    fn equals(&self, field: &str, value: &str) -> bool {
        self.text(field) == value
    }
}

impl Listed for Identifier {
    const UID_FIELD: &'static str = "identifier_uid";
    const FIELDS: &'static [&'static str] = &[
        "identifier_uid",
        "identifier_type",
        "identifier_number",
        "lock",
    ];
    fn uid(&self) -> u32 {
        self.uid
    }
    fn text(&self, field: &str) -> &str {
        match field {
            "identifier_type" => self.body.kind.as_str(),
            "identifier_number" => &self.body.number,
            "lock" => self.body.lock.as_str(),
            _ => "",
        }
    }
    fn equals(&self, field: &str, value: &str) -> bool {
        let b = &self.body;
        match field {
            // Numbers compare canonically: `12:34:56:78` finds card 305419896.
            "identifier_number" => b.kind.canonical(value).is_some_and(|c| c == b.canonical()),
            _ => self.text(field) == value,
        }
    }
}

pub struct Query {
    pub limit: usize,
    pub page_number: usize,
    pub sort_field: &'static str,
    pub ascending: bool,
    pub filter: Option<Filter>,
}

pub struct Filter {
    field: &'static str,
    value: String,
}

impl Query {
    /// Parses a query of the identifier list; an empty string is `{}`.
    /// Every bad value is `Wrong JSON body`.
    pub fn parse(text: &str) -> Result<Query, BodyError> {
        Self::parse_for::<Identifier>(text)
    }

    /// Parses a query of a list of `T`.
    pub fn parse_for<T: Listed>(text: &str) -> Result<Query, BodyError> {
        let bad = || BodyError::WrongBody;
        if text.len() > super::limits::MAX_QUERY {
            return Err(bad());
        }
        let map: Map<String, Value> = if text.trim().is_empty() {
            Map::new()
        } else {
            match serde_json::from_str(text).map_err(|_| bad())? {
                Value::Object(m) => m,
                _ => return Err(bad()),
            }
        };
        let get = |k: &str| map.get(k).filter(|v| !v.is_null());
        let number = |k: &str, default: u64, max: u64| match get(k) {
            None => Ok(default as usize),
            Some(v) => v
                .as_u64()
                .filter(|n| (1..=max).contains(n))
                .map(|n| n as usize)
                .ok_or_else(bad),
        };
        let text_of = |k: &str| match get(k) {
            None => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.as_str())),
            Some(_) => Err(bad()),
        };
        let field = |k: &str| -> Result<Option<&'static str>, BodyError> {
            match text_of(k)? {
                None => Ok(None),
                Some(name) => T::FIELDS
                    .iter()
                    .find(|f| **f == name)
                    .copied()
                    .map(Some)
                    .ok_or_else(bad),
            }
        };
        let limit = number("limit", 10, 1000)?;
        let page_number = number("page_number", 1, u32::MAX as u64)?;
        let sort_field = field("sort_field")?.unwrap_or(T::UID_FIELD);
        let ascending = match text_of("sort_type")? {
            None | Some("asc") => true,
            Some("desc") => false,
            Some(_) => return Err(bad()),
        };
        let filter = match (field("filter_field")?, text_of("filter_value")?) {
            (None, None) => None,
            (Some(field), Some(value)) => {
                if !matches!(text_of("filter_type")?, None | Some("equal"))
                    || !matches!(text_of("filter_format")?, None | Some("string"))
                    || value.len() > super::limits::MAX_FILTER_VALUE
                {
                    return Err(bad());
                }
                Some(Filter {
                    field,
                    value: value.to_string(),
                })
            }
            _ => return Err(bad()),
        };
        Ok(Query {
            limit,
            page_number,
            sort_field,
            ascending,
            filter,
        })
    }

    /// Sorts `hits` and renders the requested page with its list options.
    pub fn page(&self, hits: Vec<Arc<Identifier>>) -> Value {
        self.page_with(hits, |i| i.to_item())
    }

    /// As [`Query::page`], for any listed item rendered by `item`.
    pub fn page_with<T: Listed>(&self, hits: Vec<Arc<T>>, item: impl Fn(&T) -> Value) -> Value {
        let (total, page) = self.slice(hits);
        self.render(total, page.iter().map(|i| item(i)).collect())
    }

    /// Sorts `hits`: their number, and the items of the requested page.
    pub fn slice<T: Listed>(&self, mut hits: Vec<Arc<T>>) -> (usize, Vec<Arc<T>>) {
        self.sort(&mut hits);
        let total = hits.len();
        let start = (self.page_number - 1).saturating_mul(self.limit);
        let page = hits.into_iter().skip(start).take(self.limit).collect();
        (total, page)
    }

    /// The reply: a page's rendered items with the list options.
    pub fn render(&self, total: usize, items: Vec<Value>) -> Value {
        json!({
            "list_option": {
                "pagination": {
                    "total_items": total,
                    "items_limit": self.limit,
                    "total_pages": total.div_ceil(self.limit),
                    "current_page": self.page_number,
                },
                "filter": self.filter.as_ref().map_or(json!({}), |f| f.to_json()),
                "sort": {"field": self.sort_field, "asc": self.ascending},
            },
            "list_items": items,
        })
    }

    pub fn sort<T: Listed>(&self, items: &mut [Arc<T>]) {
        let field = self.sort_field;
        let by_uid = field == T::UID_FIELD;
        items.sort_by(|a, b| {
            let order = if by_uid {
                Ordering::Equal
            } else {
                a.text(field).cmp(b.text(field))
            };
            let order = order.then_with(|| a.uid().cmp(&b.uid()));
            if self.ascending {
                order
            } else {
                order.reverse()
            }
        });
    }
}

impl Filter {
    pub fn matches<T: Listed>(&self, item: &T) -> bool {
        if self.field == T::UID_FIELD {
            self.value == item.uid().to_string()
        } else {
            item.equals(self.field, &self.value)
        }
    }

    pub fn to_json(&self) -> Value {
        json!({"field": self.field, "type": "equal", "format": "string", "value": self.value})
    }
}

#[cfg(test)]
#[path = "list_tests.rs"]
mod tests;
