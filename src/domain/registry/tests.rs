//! The registry's operations on the pure domain: update, delete, import,
//! passes, undo, time profiles and apartments and their bounds.

use super::Registry;
use crate::domain::identifier::BodyError;
use crate::domain::test_support::*;
use serde_json::{json, Value};

#[test]
fn update_replaces_and_ignores_itself() {
    let mut reg = registry();
    let a = create(&mut reg, &full());
    let b = create(&mut reg, &body("card", "1"));
    // Same number in another form: itself is no duplicate.
    for n in ["12:34:56:79", "12-34-56-79", "305419897", "0305419897"] {
        let v = with(full(), "identifier_number", json!(n));
        let change = reg.update(a, &v.to_string()).unwrap();
        reg.apply(&change);
        assert_eq!(reg.get(a).unwrap()["identifier_number"], n);
    }
    // Into the other's number: duplicate, and nothing changes.
    let v = with(full(), "identifier_number", json!("00:01"));
    assert_eq!(
        reg.update(a, &v.to_string()).unwrap_err(),
        BodyError::Duplicate
    );
    // The old number is free after moving away from it.
    let change = reg.update(b, &body("card", "2").to_string()).unwrap();
    reg.apply(&change);
    create(&mut reg, &body("card", "1"));
    assert_eq!(
        create_err(&reg, &body("card", "02")),
        "Identifier with that type and number already exist"
    );
    // Changing the type frees the number for the old type.
    let change = reg.update(b, &body("ukey", "2").to_string()).unwrap();
    reg.apply(&change);
    create(&mut reg, &body("card", "2"));
    // Update replaces: `valid` left out reads back as permanent.
    let change = reg
        .update(a, &body("card", "305419897").to_string())
        .unwrap();
    reg.apply(&change);
    let item = reg.get(a).unwrap();
    assert_eq!(
        item["valid"],
        json!({"time": {"is_permanent": true}, "passes": {"is_permanent": true}})
    );
    assert_eq!(
        item["identifier_owner"],
        json!({"name": "Bob", "type": "guest"})
    );
    assert_eq!(item["lock"], "all");
    assert_eq!(item["additional"]["passes_left"], -1);
    // The validation of Update is the one of Create.
    assert_eq!(reg.update(a, "[]").unwrap_err(), BodyError::WrongBody);
    assert_eq!(
        reg.update(a, &without(full(), "lock").to_string())
            .unwrap_err(),
        BodyError::Missing("lock")
    );
}

#[test]
fn unknown_uids() {
    let mut reg = registry();
    let uid = create(&mut reg, &full());
    for bad in [0, uid + 1, u32::MAX] {
        assert_eq!(reg.get(bad).unwrap_err(), BodyError::WrongUid);
        assert_eq!(
            reg.update(bad, &full().to_string()).unwrap_err(),
            BodyError::WrongUid
        );
        assert_eq!(reg.delete(bad).unwrap_err(), BodyError::WrongUid);
        assert_eq!(reg.reset_passes(bad).unwrap_err(), BodyError::WrongUid);
        let many = json!({"uid_items": [uid, bad]}).to_string();
        assert_eq!(reg.delete_many(&many).unwrap_err(), BodyError::WrongUid);
    }
    // Deleted: unknown from then on.
    let change = reg.delete(uid).unwrap();
    reg.apply(&change);
    assert_eq!(reg.get(uid).unwrap_err(), BodyError::WrongUid);
    assert_eq!(reg.delete(uid).unwrap_err(), BodyError::WrongUid);
}

#[test]
fn delete_many_is_all_or_nothing() {
    let mut reg = registry();
    let uids: Vec<u32> = (1..=4)
        .map(|n| create(&mut reg, &body("card", &n.to_string())))
        .collect();
    let bad = json!({"uid_items": [uids[0], uids[1], 99]}).to_string();
    assert_eq!(reg.delete_many(&bad).unwrap_err(), BodyError::WrongUid);
    assert_eq!(reg.len(), 4);
    let change = reg
        .delete_many(&json!({"uid_items": [uids[0], uids[2], uids[0]]}).to_string())
        .unwrap();
    reg.apply(&change);
    assert_eq!(reg.len(), 2);
    assert!(reg.get(uids[0]).is_err() && reg.get(uids[2]).is_err());
    assert!(reg.get(uids[1]).is_ok() && reg.get(uids[3]).is_ok());
    // Empty list: nothing to do.
    assert!(reg.delete_many(r#"{"uid_items":[]}"#).unwrap().is_empty());
    // Malformed bodies.
    assert_eq!(reg.delete_many("[1]").unwrap_err(), BodyError::WrongBody);
    assert_eq!(reg.delete_many("").unwrap_err(), BodyError::WrongBody);
    assert_eq!(
        reg.delete_many("{}").unwrap_err(),
        BodyError::Missing("uid_items")
    );
    assert_eq!(
        reg.delete_many(r#"{"uid_items": 2}"#).unwrap_err(),
        BodyError::WrongType("uid_items")
    );
    assert_eq!(
        reg.delete_many(r#"{"uid_items": ["2"]}"#).unwrap_err(),
        BodyError::WrongType("uid_items")
    );
}

#[test]
fn import_is_all_or_nothing_with_item_index() {
    let mut reg = registry();
    create(&mut reg, &body("card", "100"));
    let list = |items: Vec<Value>| json!({ "list_items": items }).to_string();
    let cases: Vec<(Vec<Value>, &str)> = vec![
        (
            vec![body("card", "1"), body("card", "0100")],
            "list_items[1]: Identifier with that type and number already exist",
        ),
        (
            // Two items clashing with each other, in different forms.
            vec![body("card", "1"), body("card", "2"), body("card", "00:02")],
            "list_items[2]: Identifier with that type and number already exist",
        ),
        (
            vec![body("card", "1"), without(body("card", "2"), "lock")],
            "list_items[1]: Wrong JSON body: no value for `lock`",
        ),
        (vec![json!([])], "list_items[0]: Wrong JSON body"),
        (vec![json!(null)], "list_items[0]: Wrong JSON body"),
        (
            vec![body("card", "1"), with(body("card", "2"), "lock", json!(2))],
            "list_items[1]: Wrong JSON body: value `lock` was of the wrong type",
        ),
        (
            vec![body("card", "1"), body("card", "2"), body("card", "3"), body("inputCode", "1234")],
            "list_items[3]: Cannot create identifier with the same input code number as master code",
        ),
        (
            vec![body("card", "12-34-56-78")],
            "list_items[0]: Cannot create identifier with same card number as master card",
        ),
        (
            vec![body("face_id", "AAAA")],
            "list_items[0]: You cannot create face_id identifier on this panel",
        ),
        (
            vec![body("card", "1"), with(full(), "valid.time.to", json!(0))],
            "list_items[1]: Date `from` must be greater than `to`",
        ),
    ];
    for (items, message) in cases {
        let text = list(items);
        assert_eq!(
            reg.import(&text).unwrap_err().to_string(),
            message,
            "{text}"
        );
    }
    assert_eq!(reg.len(), 1);
    // The first failing item is the one reported.
    let text = list(vec![body("card", "100"), json!(5)]);
    assert_eq!(
        reg.import(&text).unwrap_err().to_string(),
        "list_items[0]: Identifier with that type and number already exist"
    );
    // Whole-body errors have no index.
    assert_eq!(reg.import("[]").unwrap_err(), BodyError::WrongBody);
    assert_eq!(
        reg.import(r#"{"items": []}"#).unwrap_err(),
        BodyError::Missing("list_items")
    );
    assert_eq!(
        reg.import(r#"{"list_items": {}}"#).unwrap_err(),
        BodyError::WrongType("list_items")
    );
    // Success: uids in order, next_uid past them; same type twice with
    // different numbers and the same number with different types are fine.
    let next = reg.next_uid();
    let (uids, change) = reg
        .import(&list(vec![
            body("card", "1"),
            body("ukey", "1"),
            body("card", "2"),
        ]))
        .unwrap();
    assert_eq!(uids, vec![next, next + 1, next + 2]);
    reg.apply(&change);
    assert_eq!(reg.len(), 4);
    assert_eq!(reg.next_uid(), next + 3);
    let (uids, change) = reg.import(&list(vec![])).unwrap();
    assert!(uids.is_empty() && change.is_empty());
}

#[test]
fn reset_passes_and_passes_left() {
    let mut reg = registry();
    let limited = create(&mut reg, &full());
    let permanent = create(&mut reg, &body("card", "5"));
    assert_eq!(reg.get(limited).unwrap()["additional"]["passes_left"], 10);
    assert_eq!(reg.get(permanent).unwrap()["additional"]["passes_left"], -1);
    // Nothing used yet: a no-op, like on permanent passes.
    assert!(reg.reset_passes(limited).unwrap().is_empty());
    assert!(reg.reset_passes(permanent).unwrap().is_empty());
    // Use some passes (what the access path does), then reset.
    let mut used = crate::domain::identifier::Identifier::clone(reg.iter().next().unwrap());
    used.passes_left = 3;
    let change = crate::domain::registry::Change {
        put: vec![std::sync::Arc::new(used)],
        remove: vec![],
        next_uid: reg.next_uid(),
        ..Default::default()
    };
    reg.apply(&change);
    assert_eq!(reg.get(limited).unwrap()["additional"]["passes_left"], 3);
    let change = reg.reset_passes(limited).unwrap();
    reg.apply(&change);
    assert_eq!(reg.get(limited).unwrap()["additional"]["passes_left"], 10);
}

#[test]
fn update_keeps_used_passes_profiles_and_apartment() {
    let mut reg = registry();
    let uid = create(&mut reg, &full());
    // 7 of 10 passes used, a profile attached, bound to an apartment.
    let mut used = crate::domain::identifier::Identifier::clone(reg.iter().next().unwrap());
    used.passes_left = 3;
    used.time_profiles = vec![4];
    used.apartment = 2;
    reg.apply(&crate::domain::registry::Change {
        put: vec![std::sync::Arc::new(used)],
        remove: vec![],
        next_uid: reg.next_uid(),
        ..Default::default()
    });
    let left_after = |reg: &mut Registry, max: Option<i64>| {
        let v = match max {
            Some(m) => with(full(), "valid.passes.max_passes", json!(m)),
            None => with(full(), "valid.passes", json!({"is_permanent": true})),
        };
        let change = reg.update(uid, &v.to_string()).unwrap();
        reg.apply(&change);
        reg.get(uid).unwrap()
    };
    let item = left_after(&mut reg, Some(20));
    assert_eq!(item["additional"]["passes_left"], 13);
    assert_eq!(item["time_profiles"], json!({"count": 1, "uid_items": [4]}));
    assert_eq!(item["apartment"], json!({"uid": 2}));
    assert_eq!(
        left_after(&mut reg, Some(5))["additional"]["passes_left"],
        0
    );
    assert_eq!(left_after(&mut reg, None)["additional"]["passes_left"], -1);
    // From permanent to limited: all passes left.
    assert_eq!(
        left_after(&mut reg, Some(4))["additional"]["passes_left"],
        4
    );
}

/// A snapshot of what a registry answers: items, clashes and the next uid.
fn state(reg: &Registry) -> (Value, Vec<bool>, u32) {
    let clashes = ["1", "2", "3", "00:04", "5"]
        .iter()
        .map(|n| reg.create(&body("card", n).to_string()).is_err())
        .collect();
    (list(reg, json!({"limit": 1000})), clashes, reg.next_uid())
}

#[test]
fn undo_restores_the_state() {
    let mut reg = registry();
    create(&mut reg, &body("card", "1"));
    create(&mut reg, &body("card", "2"));
    let import = json!({"list_items": [body("card", "3"), body("card", "4")]}).to_string();
    let changes = [
        reg.create(&body("card", "5").to_string()).unwrap().1,
        reg.update(1, &body("card", "5").to_string()).unwrap(),
        reg.update(2, &body("ukey", "2").to_string()).unwrap(),
        reg.delete(2).unwrap(),
        reg.delete_many(r#"{"uid_items":[1,2]}"#).unwrap(),
        reg.import(&import).unwrap().1,
    ];
    let before = state(&reg);
    for change in &changes {
        let undo = reg.apply(change);
        assert_ne!(state(&reg), before, "{change:?}");
        reg.apply(&undo);
        assert_eq!(state(&reg), before, "{change:?}");
    }
    // A batch undone in reverse order.
    let first = reg.apply(&changes[1]);
    let second = reg.apply(&reg.delete(2).unwrap());
    reg.apply(&second);
    reg.apply(&first);
    assert_eq!(state(&reg), before);
}

/// uids are never reused: with the last one taken, Create and Import are
/// refused instead of wrapping onto identifier 1 (found by fuzzing).
#[test]
fn no_uid_left_refuses_instead_of_wrapping() {
    let mut r = registry();
    r.set_next_uid(u32::MAX - 1);
    assert_eq!(create(&mut r, &body("card", "11:22:33:44")), u32::MAX - 1);
    assert_eq!(
        create_err(&r, &body("card", "55:66:77:88")),
        "No identifier uid is left"
    );
    let import = json!({ "list_items": [body("card", "99:99:99:99")] }).to_string();
    assert_eq!(
        r.import(&import).unwrap_err().to_string(),
        "list_items[0]: No identifier uid is left"
    );
}

/// Time profiles and apartments: every operation's change undoes exactly
/// (a failed journal write undoes a whole batch), and the indexes hold.
#[test]
fn profile_and_apartment_changes_undo_exactly() {
    let mut reg = Registry::new(rules());
    let profile = r#"{"name":"P","time_options":{"is_all_day":true,"date_from":0,"date_to":0},"repeat_options":{"repeat_enable":false}}"#;
    let flat = |room: u32| {
        json!({"apartment_name": "F", "apartment_address": {"building": 1, "unit": 0, "floor": 0, "room": room}})
            .to_string()
    };
    let run = |reg: &mut Registry, change: Result<crate::domain::registry::Change, BodyError>| {
        let change = change.unwrap();
        let before: Vec<Value> = (1..4)
            .flat_map(|u| {
                [
                    reg.get(u).ok(),
                    reg.get_profile(u).ok(),
                    reg.get_apartment(u).ok(),
                ]
            })
            .flatten()
            .collect();
        let undo = reg.apply(&change);
        reg.check_invariants().unwrap();
        let mut copy = reg.clone();
        copy.apply(&undo);
        copy.check_invariants().unwrap();
        let after_undo: Vec<Value> = (1..4)
            .flat_map(|u| {
                [
                    copy.get(u).ok(),
                    copy.get_profile(u).ok(),
                    copy.get_apartment(u).ok(),
                ]
            })
            .flatten()
            .collect();
        assert_eq!(before, after_undo, "undo of {change:?}");
    };
    for n in ["11", "12"] {
        let c = reg.create(&body("card", n).to_string()).map(|(_, c)| c);
        run(&mut reg, c);
    }
    let c = reg.create_profile(profile).map(|(_, c)| c);
    run(&mut reg, c);
    let c = reg.create_profile(profile).map(|(_, c)| c);
    run(&mut reg, c);
    let c = reg.create_apartment(&flat(1)).map(|(_, c)| c);
    run(&mut reg, c);
    assert_eq!(
        reg.create_apartment(&flat(1)).unwrap_err(),
        BodyError::ApartmentExists
    );
    let c = reg.create_apartment(&flat(2)).map(|(_, c)| c);
    run(&mut reg, c);
    for (uid, p) in [(1, 1), (1, 2), (2, 1)] {
        let c = reg.attach_profile(uid, p);
        run(&mut reg, c);
    }
    let c = reg.bind(1, 1);
    run(&mut reg, c);
    let c = reg.bind(1, 2);
    run(&mut reg, c);
    let c = reg.bind(2, 2);
    run(&mut reg, c);
    let c = reg.update_apartment(2, &flat(3));
    run(&mut reg, c);
    let c = reg.detach_profile(1, 2);
    run(&mut reg, c);
    // Deleting a profile or apartment touches every identifier using it.
    let c = reg.delete_profile(1);
    run(&mut reg, c);
    assert!(reg.get(2).unwrap()["time_profiles"]["uid_items"]
        .as_array()
        .unwrap()
        .is_empty());
    let c = reg.delete_apartment(2);
    run(&mut reg, c);
    assert_eq!(reg.get(2).unwrap()["apartment"]["uid"], -1);
    let c = reg.delete(1);
    run(&mut reg, c);
    assert_eq!(reg.get_apartment(1).unwrap()["identifiers"]["count"], 0);
    // Errors name what is wrong, the identifier first.
    assert_eq!(reg.attach_profile(9, 9).unwrap_err(), BodyError::WrongUid);
    assert_eq!(
        reg.attach_profile(2, 9).unwrap_err(),
        BodyError::WrongTimeProfileUid
    );
    assert_eq!(reg.bind(9, 2).unwrap_err(), BodyError::WrongApartmentUid);
    assert_eq!(reg.unbind(9).unwrap_err(), BodyError::WrongUid);
}

/// At most 32 profiles per identifier, 1000 profiles in all.
#[test]
fn profiles_are_bounded() {
    let mut reg = Registry::new(rules());
    let profile = r#"{"name":"P","time_options":{"is_all_day":true,"date_from":0,"date_to":0},"repeat_options":{"repeat_enable":false}}"#;
    let (uid, c) = reg.create(&body("card", "11").to_string()).unwrap();
    reg.apply(&c);
    for _ in 0..crate::domain::limits::MAX_TIME_PROFILES {
        let (_, c) = reg.create_profile(profile).unwrap();
        reg.apply(&c);
    }
    assert_eq!(
        reg.create_profile(profile).unwrap_err(),
        BodyError::TooManyTimeProfiles
    );
    for p in 1..=crate::domain::limits::MAX_ATTACHED_PROFILES as u32 {
        let c = reg.attach_profile(uid, p).unwrap();
        reg.apply(&c);
    }
    assert_eq!(
        reg.attach_profile(uid, 999).unwrap_err(),
        BodyError::TooManyAttached
    );
    // The messages the bus replies with.
    assert_eq!(
        BodyError::TooManyAttached.to_string(),
        "Too many time profiles on this identifier"
    );
    assert_eq!(
        BodyError::TooManyTimeProfiles.to_string(),
        "No more time profiles can be created"
    );
    reg.check_invariants().unwrap();
}

/// At most 100,000 apartments: the next Create is refused with its message.
#[test]
fn apartments_are_bounded() {
    use crate::domain::apartment::{Apartment, ApartmentBody, LogicalAddress};
    let mut reg = Registry::new(rules());
    // Loaded as from disk: 100 rooms on each of 99 floors of 11 buildings.
    let max = crate::domain::limits::MAX_APARTMENTS;
    for n in 0..max {
        let address = LogicalAddress {
            building: (n / 9_900 + 1) as u16,
            unit: 0,
            floor: (n / 100 % 99) as u8,
            room: (n % 100) as u8,
        };
        let body = ApartmentBody {
            name: format!("Flat {n}"),
            address,
            residents: 0,
        };
        reg.load_apartment(Apartment {
            uid: n as u32 + 1,
            body,
        })
        .unwrap();
    }
    let flat = json!({"apartment_name": "One more", "apartment_address": {"building": 999, "unit": 0, "floor": 0, "room": 0}});
    assert_eq!(
        reg.create_apartment(&flat.to_string()).unwrap_err(),
        BodyError::TooManyApartments
    );
    assert_eq!(
        BodyError::TooManyApartments.to_string(),
        "No more apartments can be created"
    );
}
