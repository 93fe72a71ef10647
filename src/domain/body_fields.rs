//! What the panel API's bodies share in validation: a list of fields in
//! the contract's order, each with its dotted path, its JSON kind and
//! whether it is required given the values around it; then steps 2 (the
//! first missing required field) and 3 (the first of the wrong type) of
//! the contract's order. Identifier and time profile bodies build their
//! lists; their step 4 (values) is their own.

use super::identifier::BodyError;
use serde_json::Value;

#[derive(Clone, Copy)]
pub(super) enum Kind {
    Object,
    Str,
    Bool,
    /// Integers beyond i64 cannot be timestamps or counts; 1.5 is no integer.
    Int,
    Array,
    /// Either, while the kind depends on a value not yet known to be valid.
    ArrayOrObject,
}

impl Kind {
    fn matches(self, v: &Value) -> bool {
        match self {
            Kind::Object => v.is_object(),
            Kind::Str => v.is_string(),
            Kind::Bool => v.is_boolean(),
            Kind::Int => v.is_i64(),
            Kind::Array => v.is_array(),
            Kind::ArrayOrObject => v.is_array() || v.is_object(),
        }
    }
}

pub(super) struct Field<'a> {
    pub path: &'static str,
    pub kind: Kind,
    pub required: bool,
    /// None when absent or null.
    pub value: Option<&'a Value>,
}

/// Steps 2 and 3: a required field missing (`null` counts as missing),
/// then a field given with the wrong type, each the first in order.
pub(super) fn check_present_and_typed(fields: &[Field]) -> Result<(), BodyError> {
    if let Some(missing) = fields.iter().find(|f| f.required && f.value.is_none()) {
        return Err(BodyError::Missing(missing.path));
    }
    for field in fields {
        if field.value.is_some_and(|v| !field.kind.matches(v)) {
            return Err(BodyError::WrongType(field.path));
        }
    }
    Ok(())
}

/// A child of `parent`, and whether it could be there at all: only a
/// parent that is an object has children (one of another type is reported
/// by the type check instead of its children as missing).
pub(super) fn child<'a>(parent: Option<&'a Value>, key: &str) -> (bool, Option<&'a Value>) {
    match parent {
        Some(Value::Object(m)) => (true, m.get(key).filter(|v| !v.is_null())),
        _ => (false, None),
    }
}

/// The value of the field at `path`, if given.
pub(super) fn value_at<'a>(fields: &[Field<'a>], path: &str) -> Option<&'a Value> {
    fields.iter().find(|f| f.path == path).and_then(|f| f.value)
}
