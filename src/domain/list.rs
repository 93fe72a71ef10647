//! The List query: paging, sorting and one equality filter.

use super::identifier::{BodyError, Identifier};
use serde_json::{json, Map, Value};
use std::cmp::Ordering;
use std::sync::Arc;

/// Fields a list can be sorted or filtered by: the uid and the top-level strings.
const FIELDS: [&str; 4] = [
    "identifier_uid",
    "identifier_type",
    "identifier_number",
    "lock",
];

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
    /// Parses a query object; an empty string is `{}`. Every bad value is `Wrong JSON body`.
    pub fn parse(text: &str) -> Result<Query, BodyError> {
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
                Some(name) => FIELDS
                    .iter()
                    .find(|f| **f == name)
                    .copied()
                    .map(Some)
                    .ok_or_else(bad),
            }
        };
        let limit = number("limit", 10, 1000)?;
        let page_number = number("page_number", 1, u32::MAX as u64)?;
        let sort_field = field("sort_field")?.unwrap_or("identifier_uid");
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
    pub fn page(&self, mut hits: Vec<Arc<Identifier>>) -> Value {
        self.sort(&mut hits);
        let total = hits.len();
        let start = (self.page_number - 1).saturating_mul(self.limit);
        let items: Vec<Value> = hits
            .iter()
            .skip(start)
            .take(self.limit)
            .map(|i| i.to_item())
            .collect();
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

    pub fn sort(&self, items: &mut [Arc<Identifier>]) {
        let by_uid = |a: &Identifier, b: &Identifier| a.uid.cmp(&b.uid);
        let cmp: fn(&Identifier, &Identifier) -> Ordering = match self.sort_field {
            "identifier_type" => |a, b| a.body.kind.as_str().cmp(b.body.kind.as_str()),
            "identifier_number" => |a, b| a.body.number.cmp(&b.body.number),
            "lock" => |a, b| a.body.lock.as_str().cmp(b.body.lock.as_str()),
            _ => |_, _| Ordering::Equal,
        };
        items.sort_by(|a, b| {
            let order = cmp(a, b).then_with(|| by_uid(a, b));
            if self.ascending {
                order
            } else {
                order.reverse()
            }
        });
    }
}

impl Filter {
    pub fn matches(&self, item: &Identifier) -> bool {
        let b = &item.body;
        match self.field {
            "identifier_uid" => self.value == item.uid.to_string(),
            "identifier_type" => self.value == b.kind.as_str(),
            "lock" => self.value == b.lock.as_str(),
            // Numbers compare canonically: `12:34:56:78` finds card 305419896.
            _ => b
                .kind
                .canonical(&self.value)
                .is_some_and(|c| c == b.canonical()),
        }
    }

    pub fn to_json(&self) -> Value {
        json!({"field": self.field, "type": "equal", "format": "string", "value": self.value})
    }
}
