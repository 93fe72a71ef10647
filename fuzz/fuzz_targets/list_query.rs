//! A List query, as any text, over a small database of every type: parsing
//! never panics and refuses with `Wrong JSON body` only; a page holds at most
//! `limit` items, exactly the filter's matches in the order asked for, with
//! pagination that adds up, and its JSON reads back as it was sent.
#![no_main]

mod common;

use latchd::domain::identifier::{BodyError, IdentifierType};
use latchd::domain::list::Query;
use latchd::domain::registry::Registry;
use libfuzzer_sys::fuzz_target;
use serde_json::{json, Value};
use std::cmp::Ordering;
use std::sync::OnceLock;

fn registry() -> &'static Registry {
    static REGISTRY: OnceLock<Registry> = OnceLock::new();
    REGISTRY.get_or_init(|| {
        let mut r = Registry::new(common::rule_sets()[1].clone());
        let items = [
            ("card", "12:34:56:79", "first"),
            ("card", "305419898", "second"),
            ("card", "0000000007", "all"),
            ("card", "ab-cd-ef", "first"),
            ("ukey", "12:34:56:79", "all"),
            ("ukey", "99", "first"),
            ("inputCode", "4711", "second"),
            ("inputCode", "04711", "first"),
            ("qr", "123e4567-e89b-12d3-a456-426614174000", "all"),
            ("qr", "ABCDEF01-2345-6789-abcd-ef0123456789", "second"),
            ("license_plate", "AB 123-CD", "first"),
            ("license_plate", "Ж 123 КХ", "all"),
            ("face_id", "AACAPwAAAEA=", "second"),
        ];
        for (n, (kind, number, lock)) in items.iter().enumerate() {
            let body = json!({
                "identifier_owner": {"name": format!("Owner {n}"), "type": "owner"},
                "identifier_type": kind,
                "identifier_number": number,
                "lock": lock,
            });
            let (_, change) = r
                .create(&body.to_string())
                .expect("a valid seed identifier");
            r.apply(&change);
            if n % 4 == 3 {
                // A gap in the uids.
                r.set_next_uid(r.next_uid() + 2);
            }
        }
        r
    })
}

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let registry = registry();
    let query = match Query::parse(&text) {
        Err(e) => {
            assert_eq!(e, BodyError::WrongBody, "{text:?}");
            assert_eq!(registry.list(&text), Err(BodyError::WrongBody));
            return;
        }
        Ok(q) => q,
    };
    assert!((1..=1000).contains(&query.limit));
    assert!((1..=u32::MAX as usize).contains(&query.page_number));
    let hits = registry.matching(&query);
    let total = hits.len();
    let page = query.page(hits.clone());
    assert_eq!(registry.list(&text).as_ref(), Ok(&page));

    // The reply as sent reads back as the same JSON.
    let sent = page.to_string();
    let back: Value = serde_json::from_str(&sent).expect("the reply is JSON");
    assert_eq!(back, page);

    let pagination = &page["list_option"]["pagination"];
    assert_eq!(pagination["total_items"], json!(total));
    assert_eq!(pagination["items_limit"], json!(query.limit));
    assert_eq!(
        pagination["total_pages"],
        json!(total.div_ceil(query.limit))
    );
    assert_eq!(pagination["current_page"], json!(query.page_number));
    let items = page["list_items"].as_array().expect("list_items");
    let start = (query.page_number - 1).saturating_mul(query.limit);
    assert!(items.len() <= query.limit);
    assert_eq!(items.len(), total.saturating_sub(start).min(query.limit));

    // Exactly the filter's matches: what the filter field names is equal.
    let filter = page["list_option"]["filter"].clone();
    for item in registry.iter() {
        let hit = hits.iter().any(|h| h.uid == item.uid);
        let expected = match filter["field"].as_str() {
            None => true,
            Some(field) => {
                let value = filter["value"].as_str().unwrap();
                match field {
                    "identifier_uid" => item.uid.to_string() == value,
                    "identifier_type" => item.body.kind.as_str() == value,
                    "lock" => item.body.lock.as_str() == value,
                    "identifier_number" => {
                        item.body.kind.canonical(value) == Some(item.body.canonical())
                    }
                    other => panic!("filter on {other}"),
                }
            }
        };
        assert_eq!(hit, expected, "uid {} for {text:?}", item.uid);
    }

    // Sorted as asked, ties by uid.
    let sort = &page["list_option"]["sort"];
    let field = sort["field"].as_str().unwrap();
    let ascending = sort["asc"].as_bool().unwrap();
    for pair in items.windows(2) {
        let key = |v: &Value| v[field].clone();
        let uid = |v: &Value| v["identifier_uid"].as_u64().unwrap();
        let order = match field {
            "identifier_uid" => Ordering::Equal,
            _ => key(&pair[0]).as_str().cmp(&key(&pair[1]).as_str()),
        }
        .then(uid(&pair[0]).cmp(&uid(&pair[1])));
        let order = if ascending { order } else { order.reverse() };
        assert_eq!(order, Ordering::Less, "{} then {}", pair[0], pair[1]);
    }
    for item in items {
        let kind = item["identifier_type"].as_str().unwrap();
        assert!(IdentifierType::parse(kind).is_some());
    }
});
