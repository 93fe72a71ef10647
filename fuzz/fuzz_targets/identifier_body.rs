//! A Create or Update body, as any bytes: parsing never panics; a refused
//! body gets one of the contract's errors; an accepted body is created as
//! given and reads back as the same body, in every form it is shown.
#![no_main]

mod common;

use latchd::domain::identifier::{
    parse_body, parse_body_value, Body, BodyError, IdentifierType, Rules,
};
use latchd::domain::limits::{MAX_BODY, MAX_OWNER_NAME};
use latchd::domain::number;
use latchd::domain::registry::Registry;
use latchd::fuzzing::check_registry;
use libfuzzer_sys::fuzz_target;
use serde_json::{json, Value};

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let value: Option<Value> = serde_json::from_str(&text).ok();
    for rules in common::rule_sets() {
        let parsed = parse_body(&text, &rules);
        // The text and its JSON value are judged alike.
        match &value {
            Some(v) if text.len() <= MAX_BODY => {
                assert_eq!(parse_body_value(v, &rules), parsed, "{text:?}")
            }
            _ => assert_eq!(parsed, Err(BodyError::WrongBody), "{text:?}"),
        }
        match parsed {
            Err(e) => {
                assert!(common::is_parse_error(&e, &rules), "{e:?} for {text:?}");
                assert!(common::is_contract_message(&e.to_string()), "{e}");
            }
            Ok(body) => accepted(&body, value.as_ref().expect("parsed"), &text, &rules),
        }
    }
});

fn accepted(body: &Body, given: &Value, text: &str, rules: &Rules) {
    // What validation promises about a body it lets through.
    let canonical = body
        .kind
        .canonical(&body.number)
        .unwrap_or_else(|| panic!("accepted {:?} has no canonical form", body.number));
    let name = body.owner_name.chars().count();
    assert!((1..=MAX_OWNER_NAME).contains(&name));
    if !body.time.is_permanent {
        let (from, to) = (body.time.from.expect("from"), body.time.to.expect("to"));
        assert!(from <= to);
    }
    assert!(body.passes.max_passes.is_none_or(|m| m >= 1));

    // Create on an empty database: only the master credentials can refuse it.
    let mut registry = Registry::new(rules.clone());
    let (uid, change) = match registry.create(text) {
        Ok(created) => created,
        Err(e) => {
            assert!(
                matches!(e, BodyError::MasterCode | BodyError::MasterCard),
                "{e:?} for an accepted body"
            );
            assert!(latchd::domain::identifier::check_master(body, rules).is_err());
            return;
        }
    };
    assert_eq!(uid, 1);
    registry.apply(&change);
    check_registry(&registry).unwrap();

    // The item shows the fields as given.
    let item = registry.get(uid).unwrap();
    let field = |v: &Value, path: &str| -> Value {
        path.split('.')
            .fold(Some(v), |v, k| v.and_then(|v| v.get(k)))
            .filter(|v| !v.is_null())
            .cloned()
            .unwrap_or(Value::Null)
    };
    for path in [
        "identifier_owner.name",
        "identifier_owner.type",
        "identifier_type",
        "identifier_number",
        "lock",
        "valid.time.from",
        "valid.time.to",
        "valid.passes.max_passes",
    ] {
        assert_eq!(field(&item, path), field(given, path), "{path} of {text:?}");
    }
    for path in ["valid.time.is_permanent", "valid.passes.is_permanent"] {
        let given = field(given, path);
        let shown = if given.is_null() { json!(true) } else { given };
        assert_eq!(field(&item, path), shown, "{path} of {text:?}");
    }
    let passes_left = match body.passes.max_passes {
        Some(max) if !body.passes.is_permanent => max,
        _ => -1,
    };
    assert_eq!(item["additional"]["passes_left"], json!(passes_left));
    assert_eq!(item["identifier_uid"], json!(uid));

    // The item is itself a body: it reads back as the same body.
    assert_eq!(parse_body_value(&item, rules).as_ref(), Ok(body), "{item}");

    // Found by its number as given, and a card by the number a reader
    // looks its value up by.
    assert_eq!(
        registry.find(body.kind, &body.number).map(|i| i.uid),
        Some(uid)
    );
    if matches!(body.kind, IdentifierType::Card | IdentifierType::Ukey) {
        let value = number::card_value(&body.number).expect("a card's value");
        assert_eq!(canonical, value.to_string());
        let looked_up = number::card_number(value);
        assert_eq!(
            registry.find(body.kind, &looked_up).map(|i| i.uid),
            Some(uid),
            "{looked_up}"
        );
    }

    // The same body again is a duplicate, but not for the identifier itself.
    assert_eq!(registry.create(text).unwrap_err(), BodyError::Duplicate);
    let update = registry
        .update(uid, text)
        .expect("update with its own body");
    registry.apply(&update);
    assert_eq!(registry.get(uid).unwrap(), item);

    // Import judges each item as Create does.
    let one = json!({ "list_items": [given] }).to_string();
    assert_eq!(
        Registry::new(rules.clone())
            .import(&one)
            .map(|(uids, _)| uids),
        Ok(vec![1])
    );
    let twice = json!({ "list_items": [given, given] }).to_string();
    assert_eq!(
        Registry::new(rules.clone()).import(&twice).unwrap_err(),
        BodyError::Item(1, Box::new(BodyError::Duplicate))
    );
}
