//! Bodies, rules and registry helpers shared by the domain's unit tests.

use super::identifier::{parse_body, BodyError, Rules};
use super::registry::Registry;
use base64::Engine;
use serde_json::{json, Value};

pub(crate) const MASTER_CARD: u64 = 0x1234_5678; // 12:34:56:78

pub(crate) fn rules() -> Rules {
    Rules {
        master_code: Some("1234".into()),
        master_card: Some(MASTER_CARD),
        face_recognition: false,
        face_dimensions: 4,
        ..Default::default()
    }
}

pub(crate) fn face_rules() -> Rules {
    Rules {
        face_recognition: true,
        ..rules()
    }
}

/// A body with every field, both limits on, in the contract's example order.
pub(crate) fn full() -> Value {
    json!({
        "identifier_owner": {"name": "Alice", "type": "owner"},
        "identifier_type": "card",
        "identifier_number": "12:34:56:79",
        "lock": "first",
        "valid": {
            "time": {"is_permanent": false, "from": 1767225600, "to": 1798761600},
            "passes": {"is_permanent": false, "max_passes": 10}
        }
    })
}

/// A minimal body of `kind` with `number`.
pub(crate) fn body(kind: &str, number: &str) -> Value {
    json!({
        "identifier_owner": {"name": "Bob", "type": "guest"},
        "identifier_type": kind,
        "identifier_number": number,
        "lock": "all",
    })
}

/// The value at a dotted path, created as needed (objects only).
pub(crate) fn at<'a>(v: &'a mut Value, path: &str) -> &'a mut Value {
    path.split('.').fold(v, |v, key| &mut v[key])
}

pub(crate) fn with(mut v: Value, path: &str, value: Value) -> Value {
    *at(&mut v, path) = value;
    v
}

pub(crate) fn without(mut v: Value, path: &str) -> Value {
    let (parent, key) = match path.rsplit_once('.') {
        Some((parent, key)) => (at(&mut v, parent), key),
        None => (&mut v, path),
    };
    parent.as_object_mut().unwrap().remove(key);
    v
}

pub(crate) fn parse(v: &Value) -> Result<super::identifier::Body, BodyError> {
    parse_body(&v.to_string(), &rules())
}

pub(crate) fn err(v: &Value) -> BodyError {
    parse(v).expect_err(&v.to_string())
}

pub(crate) fn err_with(v: &Value, rules: &Rules) -> BodyError {
    parse_body(&v.to_string(), rules).expect_err(&v.to_string())
}

pub(crate) fn registry() -> Registry {
    Registry::new(rules())
}

/// Creates and applies; returns the uid.
pub(crate) fn create(reg: &mut Registry, v: &Value) -> u32 {
    let (uid, change) = reg
        .create(&v.to_string())
        .unwrap_or_else(|e| panic!("{v}: {e}"));
    reg.apply(&change);
    uid
}

pub(crate) fn create_err(reg: &Registry, v: &Value) -> String {
    reg.create(&v.to_string())
        .expect_err(&v.to_string())
        .to_string()
}

pub(crate) fn face(values: &[f32]) -> String {
    let bytes: Vec<u8> = values.iter().flat_map(|f| f.to_le_bytes()).collect();
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

pub(crate) fn list(reg: &Registry, query: Value) -> Value {
    reg.list(&query.to_string())
        .unwrap_or_else(|e| panic!("{query}: {e}"))
}
