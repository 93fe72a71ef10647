//! Placeholder of the time profile module (replaced by the real one).
use super::identifier::BodyError;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProfileBody {
    name: String,
}

pub fn parse_profile(text: &str) -> Result<ProfileBody, BodyError> {
    let value: Value = serde_json::from_str(text).map_err(|_| BodyError::WrongBody)?;
    parse_profile_value(&value)
}

pub fn parse_profile_value(value: &Value) -> Result<ProfileBody, BodyError> {
    let name = value
        .get("name")
        .and_then(Value::as_str)
        .ok_or(BodyError::Missing("name"))?;
    Ok(ProfileBody { name: name.into() })
}

impl ProfileBody {
    pub fn name(&self) -> &str {
        &self.name
    }
    pub fn to_json(&self) -> Map<String, Value> {
        let mut m = Map::new();
        m.insert("name".into(), self.name.clone().into());
        m
    }
    pub fn check(&self) -> Result<(), String> {
        Ok(())
    }
    pub fn contains(&self, _now_unix: i64, _tz: &jiff::tz::TimeZone) -> bool {
        true
    }
}
