//! A script of operations on the database, one a line, each planned as the
//! owner thread plans it (a `Change`) and applied:
//!
//! ```text
//! create BODY            update UID BODY        delete UID
//! delete_many BODY       import BODY            reset UID
//! load UID BODY          next UID               undo
//! ```
//!
//! `load` stores an identifier as the snapshot reader does, `next` raises
//! the next uid as a snapshot's `next_uid` does, and `undo` applies the undo
//! of the last applied change. After every step the database's invariants
//! hold (uids unique, from 1 and below the next uid; no two identifiers of
//! one type with the same canonical number; the index of numbers exact),
//! each plan did what it says, a refusal changed nothing and is one of the
//! contract's errors, and applying a change's undo gives back the database
//! as it was.
#![no_main]

mod common;

use latchd::domain::identifier::{parse_body, BodyError, Identifier, Rules};
use latchd::domain::registry::{Change, Registry};
use latchd::fuzzing::check_registry;
use libfuzzer_sys::fuzz_target;
use std::sync::Arc;

/// Everything about a registry that callers can see.
#[derive(Debug, PartialEq)]
struct State {
    items: Vec<Arc<Identifier>>,
    next_uid: u32,
}

fn state(r: &Registry) -> State {
    State {
        items: r.iter().cloned().collect(),
        next_uid: r.next_uid(),
    }
}

fn rules() -> Rules {
    common::rule_sets()[1].clone()
}

fn uid_and_rest(rest: &str) -> Option<(u32, &str)> {
    let (uid, rest) = rest.split_once(' ').unwrap_or((rest, ""));
    Some((uid.trim().parse().ok()?, rest))
}

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let mut registry = Registry::new(rules());
    // Undo changes of the applied operations, the last one last.
    let mut undos: Vec<(Change, State)> = Vec::new();
    for line in text.lines().take(64) {
        let (op, rest) = line.split_once(' ').unwrap_or((line, ""));
        let before = state(&registry);
        let planned: Result<Change, BodyError> = match op {
            "create" => registry.create(rest).map(|(uid, change)| {
                assert_eq!(uid, before.next_uid);
                assert_eq!(change.put.len(), 1);
                assert_eq!(change.put[0].uid, uid);
                change
            }),
            "update" => {
                let Some((uid, body)) = uid_and_rest(rest) else {
                    continue;
                };
                registry.update(uid, body).inspect(|change| {
                    assert_eq!(change.put.len(), 1);
                    let (old, new) = (registry.get(uid).unwrap(), &change.put[0]);
                    assert_eq!(new.uid, uid);
                    // Passes already used stay used.
                    if let (Some(max), Some(old_max)) = (
                        new.max_passes(),
                        old["valid"]["passes"]["max_passes"].as_i64(),
                    ) {
                        let old_left = old["additional"]["passes_left"].as_i64().unwrap();
                        if old["valid"]["passes"]["is_permanent"] == false {
                            let used = (old_max - old_left).max(0);
                            assert_eq!(new.passes_left, (max - used).max(0));
                        }
                    }
                })
            }
            "delete" => {
                let Some((uid, _)) = uid_and_rest(rest) else {
                    continue;
                };
                registry
                    .delete(uid)
                    .inspect(|change| assert_eq!(change.remove, [uid]))
            }
            "delete_many" => registry.delete_many(rest).inspect(|change| {
                assert!(change.put.is_empty());
                for uid in &change.remove {
                    assert!(registry.get(*uid).is_ok());
                }
            }),
            "import" => registry.import(rest).map(|(uids, change)| {
                let expected: Vec<u32> = (0..uids.len() as u32)
                    .map(|n| before.next_uid + n)
                    .collect();
                assert_eq!(uids, expected);
                change
            }),
            "reset" => {
                let Some((uid, _)) = uid_and_rest(rest) else {
                    continue;
                };
                registry.reset_passes(uid).inspect(|change| {
                    for item in &change.put {
                        assert_eq!(Some(item.passes_left), item.max_passes());
                    }
                })
            }
            "load" => {
                // As the snapshot reader does: checked insertion, no plan.
                let Some((uid, body)) = uid_and_rest(rest) else {
                    continue;
                };
                let permissive = Rules {
                    face_recognition: true,
                    ..Rules::default()
                };
                let Ok(body) = parse_body(body, &permissive) else {
                    continue;
                };
                // Undo changes are relative to the state they were made in.
                undos.clear();
                if registry.load(Identifier::new(uid, body)).is_err() {
                    assert_eq!(state(&registry), before, "a refused load changed nothing");
                }
                check_registry(&registry).unwrap_or_else(|e| panic!("after {line:?}: {e}"));
                continue;
            }
            "next" => {
                let Some((uid, _)) = uid_and_rest(rest) else {
                    continue;
                };
                undos.clear();
                registry.set_next_uid(uid);
                assert_eq!(registry.next_uid(), before.next_uid.max(uid));
                check_registry(&registry).unwrap_or_else(|e| panic!("after {line:?}: {e}"));
                continue;
            }
            "undo" => {
                let Some((undo, was)) = undos.pop() else {
                    continue;
                };
                registry.apply(&undo);
                assert_eq!(state(&registry), was, "undo did not restore the state");
                check_registry(&registry).unwrap_or_else(|e| panic!("after undo: {e}"));
                continue;
            }
            _ => continue,
        };
        // Planning never changes the database.
        assert_eq!(state(&registry), before);
        let change = match planned {
            Err(e) => {
                assert!(common::is_contract_message(&e.to_string()), "{e:?}");
                continue;
            }
            Ok(change) => change,
        };
        let undo = registry.apply(&change);
        check_registry(&registry).unwrap_or_else(|e| panic!("after {line:?}: {e}"));
        for item in &change.put {
            assert_eq!(registry.get(item.uid).unwrap(), item.to_item());
        }
        for uid in &change.remove {
            assert_eq!(registry.get(*uid), Err(BodyError::WrongUid));
        }
        // The undo gives back the state before, exactly.
        let mut undone = registry.clone();
        undone.apply(&undo);
        assert_eq!(state(&undone), before, "undo of {line:?}");
        check_registry(&undone).unwrap_or_else(|e| panic!("after undoing {line:?}: {e}"));
        undos.push((undo, before));
    }
});
