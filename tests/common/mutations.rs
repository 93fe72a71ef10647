//! The model of acknowledged state that the SIGKILL crash test
//! (tests/lifecycle/crash.rs) and the power-cut clients (tests/kernel/power_cut.rs) share:
//! what each client expects of its identifiers after every acknowledged
//! mutation, and whether what latchd serves agrees with it. A mutation in
//! flight when latchd died must be there wholly or not at all.
#![allow(dead_code)]

use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use std::collections::{BTreeMap, BTreeSet};

/// Identifier numbers each client owns.
pub const POOL: usize = 48;

/// What a client expects of one of its identifiers.
#[derive(Clone, Debug)]
pub struct Entry {
    /// None for an identifier created by an in-flight call (its uid was never answered).
    pub uid: Option<u32>,
    /// The fields of the item that come from the body, as sent.
    pub body: Value,
    pub passes_left: i64,
}

/// A client's identifiers, by number.
pub type Model = BTreeMap<String, Entry>;

#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(tag = "kind")]
pub enum Op {
    Create {
        body: Value,
    },
    Update {
        uid: u32,
        old_number: String,
        body: Value,
    },
    Delete {
        uid: u32,
        number: String,
    },
    Import {
        bodies: Vec<Value>,
    },
    DeleteMany {
        uids: Vec<u32>,
        numbers: Vec<String>,
    },
    ResetPasses {
        uid: u32,
        number: String,
    },
}

impl Op {
    pub fn name(&self) -> &'static str {
        match self {
            Op::Create { .. } => "Create",
            Op::Update { .. } => "Update",
            Op::Delete { .. } => "Delete",
            Op::Import { .. } => "Import",
            Op::DeleteMany { .. } => "DeleteMany",
            Op::ResetPasses { .. } => "ResetPasses",
        }
    }

    /// The numbers this mutation touches.
    pub fn footprint(&self) -> BTreeSet<String> {
        match self {
            Op::Create { body } => [number_of(body)].into(),
            Op::Update {
                old_number, body, ..
            } => [old_number.clone(), number_of(body)].into(),
            Op::Delete { number, .. } | Op::ResetPasses { number, .. } => [number.clone()].into(),
            Op::Import { bodies } => bodies.iter().map(number_of).collect(),
            Op::DeleteMany { numbers, .. } => numbers.iter().cloned().collect(),
        }
    }
}

pub fn number_of(body: &Value) -> String {
    body["identifier_number"].as_str().unwrap().to_string()
}

pub fn max_passes(body: &Value) -> Option<i64> {
    let passes = &body["valid"]["passes"];
    if passes["is_permanent"].as_bool().unwrap() {
        None
    } else {
        passes["max_passes"].as_i64()
    }
}

/// `passes_left` of a new identifier with this body.
pub fn fresh_passes_left(body: &Value) -> i64 {
    max_passes(body).unwrap_or(-1)
}

/// The model after `op`; `uids` are the uids it answered (Create, Import), if known.
pub fn apply(model: &Model, op: &Op, uids: Option<&[u32]>) -> Model {
    let mut next = model.clone();
    match op {
        Op::Create { body } => {
            let entry = Entry {
                uid: uids.map(|u| u[0]),
                body: body.clone(),
                passes_left: fresh_passes_left(body),
            };
            next.insert(number_of(body), entry);
        }
        Op::Update {
            uid,
            old_number,
            body,
        } => {
            let old = next
                .remove(old_number)
                .expect("updated identifier in model");
            // Passes already used stay used.
            let passes_left = match (max_passes(&old.body), max_passes(body)) {
                (Some(old_max), Some(new_max)) => {
                    (new_max - (old_max - old.passes_left).max(0)).max(0)
                }
                _ => fresh_passes_left(body),
            };
            next.insert(
                number_of(body),
                Entry {
                    uid: Some(*uid),
                    body: body.clone(),
                    passes_left,
                },
            );
        }
        Op::Delete { number, .. } => {
            next.remove(number);
        }
        Op::Import { bodies } => {
            for (n, body) in bodies.iter().enumerate() {
                let entry = Entry {
                    uid: uids.map(|u| u[n]),
                    body: body.clone(),
                    passes_left: fresh_passes_left(body),
                };
                next.insert(number_of(body), entry);
            }
        }
        Op::DeleteMany { numbers, .. } => {
            for number in numbers {
                next.remove(number);
            }
        }
        Op::ResetPasses { number, .. } => {
            let entry = next.get_mut(number).expect("reset identifier in model");
            if let Some(max) = max_passes(&entry.body) {
                entry.passes_left = max;
            }
        }
    }
    next
}

/// The part of an item that comes from the body.
pub fn body_of_item(item: &Value) -> Value {
    json!({
        "identifier_owner": item["identifier_owner"],
        "identifier_type": item["identifier_type"],
        "identifier_number": item["identifier_number"],
        "lock": item["lock"],
        "valid": item["valid"],
    })
}

pub fn uid_of_item(item: &Value) -> u32 {
    item["identifier_uid"].as_u64().expect("identifier_uid") as u32
}

pub fn entry_matches(entry: &Entry, uid: u32, item: &Value) -> bool {
    entry.uid.is_none_or(|u| u == uid)
        && body_of_item(item) == entry.body
        && item["additional"]["passes_left"].as_i64() == Some(entry.passes_left)
}

/// A client's identifiers as latchd served them, by number.
pub type Observed = BTreeMap<String, (u32, Value)>;

/// Whether `observed` agrees with `model` on `numbers`.
pub fn agrees(model: &Model, observed: &Observed, numbers: &BTreeSet<String>) -> bool {
    numbers
        .iter()
        .all(|n| match (model.get(n), observed.get(n)) {
            (None, None) => true,
            (Some(e), Some((uid, item))) => entry_matches(e, *uid, item),
            _ => false,
        })
}

/// The numbers client `c` owns: even slots are cards, odd ones licence plates.
pub fn pool(c: usize) -> Vec<String> {
    (0..POOL)
        .map(|k| {
            if k % 2 == 0 {
                ((c + 1) * 10_000_000 + k).to_string()
            } else {
                format!("C{c}-K{k:02}")
            }
        })
        .collect()
}
