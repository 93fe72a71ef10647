//! A stored time profile: its uid and body ([`super::schedule`] parses and
//! evaluates the body), and how it reads back and lists.

use super::list::Listed;
use super::schedule::ProfileBody;
use serde_json::Value;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TimeProfile {
    pub uid: u32,
    pub body: ProfileBody,
}

impl TimeProfile {
    /// The item of Get and List, with the identifiers attached to it.
    pub fn to_item(&self, identifiers: &[u32]) -> Value {
        let mut item = serde_json::Map::new();
        item.insert("timeprofile_uid".into(), self.uid.into());
        item.extend(self.body.to_json());
        item.insert(
            "identifiers".into(),
            serde_json::json!({"count": identifiers.len(), "uid_items": identifiers}),
        );
        Value::Object(item)
    }
}

impl Listed for TimeProfile {
    const UID_FIELD: &'static str = "timeprofile_uid";
    const FIELDS: &'static [&'static str] = &["timeprofile_uid", "name"];
    fn uid(&self) -> u32 {
        self.uid
    }
    fn text(&self, field: &str) -> &str {
        match field {
            "name" => self.body.name(),
            _ => "",
        }
    }
}

impl Listed for super::apartment::Apartment {
    const UID_FIELD: &'static str = "apartment_uid";
    const FIELDS: &'static [&'static str] = &["apartment_uid", "apartment_name"];
    fn uid(&self) -> u32 {
        self.uid
    }
    fn text(&self, field: &str) -> &str {
        match field {
            "apartment_name" => &self.body.name,
            _ => "",
        }
    }
}
