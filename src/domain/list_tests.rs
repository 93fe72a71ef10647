//! List queries over identifiers: paging, sorting, filtering, bad queries.

use crate::domain::identifier::BodyError;
use crate::domain::test_support::*;
use serde_json::{json, Value};

fn uids_of(page: &Value) -> Vec<u64> {
    page["list_items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["identifier_uid"].as_u64().unwrap())
        .collect()
}

#[test]
fn list_paging_sorting_filtering() {
    let mut reg = registry();
    for n in 1..=18u32 {
        let kind = if n % 3 == 0 { "ukey" } else { "card" };
        let lock = ["first", "second", "all"][n as usize % 3];
        let v = with(
            body(kind, &format!("{:02}:{:02}", n, 100 - n)),
            "lock",
            json!(lock),
        );
        assert_eq!(create(&mut reg, &v), n);
    }
    // Defaults: limit 10, page 1, by uid ascending.
    for q in ["", "  ", "{}"] {
        let page = reg.list(q).unwrap();
        assert_eq!(uids_of(&page), (1..=10).collect::<Vec<_>>(), "{q:?}");
        assert_eq!(
            page["list_option"],
            json!({
                "pagination": {"total_items": 18, "items_limit": 10, "total_pages": 2, "current_page": 1},
                "filter": {}, "sort": {"field": "identifier_uid", "asc": true}
            })
        );
    }
    let page = list(&reg, json!({"page_number": 2}));
    assert_eq!(uids_of(&page), (11..=18).collect::<Vec<_>>());
    assert_eq!(page["list_option"]["pagination"]["current_page"], 2);
    // Past the end: empty, with the totals.
    for n in [3u64, 1000, u32::MAX as u64] {
        let page = list(&reg, json!({"page_number": n}));
        assert_eq!(page["list_items"], json!([]));
        assert_eq!(page["list_option"]["pagination"]["total_items"], 18);
    }
    let page = list(&reg, json!({"limit": 5, "page_number": 4}));
    assert_eq!(uids_of(&page), vec![16, 17, 18]);
    assert_eq!(page["list_option"]["pagination"]["total_pages"], 4);
    let page = list(&reg, json!({"limit": 1000}));
    assert_eq!(uids_of(&page).len(), 18);
    assert_eq!(page["list_option"]["pagination"]["total_pages"], 1);
    let page = list(&reg, json!({"limit": 1, "page_number": 18}));
    assert_eq!(uids_of(&page), vec![18]);
    // Sorting.
    let page = list(&reg, json!({"sort_type": "desc", "limit": 3}));
    assert_eq!(uids_of(&page), vec![18, 17, 16]);
    assert_eq!(
        page["list_option"]["sort"],
        json!({"field": "identifier_uid", "asc": false})
    );
    let page = list(&reg, json!({"sort_field": "identifier_type", "limit": 100}));
    let kinds: Vec<&str> = page["list_items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["identifier_type"].as_str().unwrap())
        .collect();
    let mut sorted = kinds.clone();
    sorted.sort();
    assert_eq!(kinds, sorted);
    // Ties keep uid order.
    assert_eq!(&uids_of(&page)[..3], &[1, 2, 4]);
    let page = list(
        &reg,
        json!({"sort_field": "lock", "sort_type": "desc", "limit": 100}),
    );
    let locks: Vec<&str> = page["list_items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["lock"].as_str().unwrap())
        .collect();
    assert!(locks.windows(2).all(|w| w[0] >= w[1]), "{locks:?}");
    let page = list(
        &reg,
        json!({"sort_field": "identifier_number", "sort_type": "desc", "limit": 2}),
    );
    assert_eq!(uids_of(&page), vec![18, 17]);
    // Filtering on the number compares canonically.
    for value in ["05:95", "05-95", "1429", "0001429", "00:05:95"] {
        let q = json!({"filter_field": "identifier_number", "filter_type": "equal",
                       "filter_format": "string", "filter_value": value});
        let page = list(&reg, q);
        assert_eq!(uids_of(&page), vec![5], "{value}");
        assert_eq!(page["list_option"]["pagination"]["total_items"], 1);
        assert_eq!(
            page["list_option"]["filter"],
            json!({"field": "identifier_number", "type": "equal", "format": "string", "value": value})
        );
    }
    let q = json!({"filter_field": "identifier_number", "filter_value": "99:99"});
    assert_eq!(list(&reg, q)["list_items"], json!([]));
    let q = json!({"filter_field": "identifier_type", "filter_value": "ukey", "limit": 2, "page_number": 3});
    let page = list(&reg, q);
    assert_eq!(uids_of(&page), vec![15, 18]);
    assert_eq!(page["list_option"]["pagination"]["total_items"], 6);
    assert_eq!(page["list_option"]["pagination"]["total_pages"], 3);
    let q = json!({"filter_field": "lock", "filter_value": "all", "sort_type": "desc"});
    assert_eq!(uids_of(&list(&reg, q)), vec![17, 14, 11, 8, 5, 2]);
    let q = json!({"filter_field": "identifier_uid", "filter_value": "7"});
    assert_eq!(uids_of(&list(&reg, q)), vec![7]);
    // Empty database.
    let page = registry().list("").unwrap();
    assert_eq!(page["list_items"], json!([]));
    assert_eq!(page["list_option"]["pagination"]["total_items"], 0);
}

#[test]
fn list_bad_queries() {
    let reg = registry();
    let bad = [
        "[]",
        "1",
        "\"x\"",
        "{",
        r#"{"limit": 0}"#,
        r#"{"limit": 1001}"#,
        r#"{"limit": -1}"#,
        r#"{"limit": 1.5}"#,
        r#"{"limit": "10"}"#,
        r#"{"page_number": 0}"#,
        r#"{"page_number": -1}"#,
        r#"{"page_number": "1"}"#,
        r#"{"page_number": 4294967296}"#,
        r#"{"sort_field": "nope"}"#,
        r#"{"sort_field": "identifier_owner"}"#,
        r#"{"sort_field": 1}"#,
        r#"{"sort_type": "up"}"#,
        r#"{"sort_type": "ASC"}"#,
        r#"{"sort_type": true}"#,
        r#"{"filter_field": "lock"}"#,
        r#"{"filter_value": "first"}"#,
        r#"{"filter_field": "nope", "filter_value": "x"}"#,
        r#"{"filter_field": "lock", "filter_value": 1}"#,
        r#"{"filter_field": "lock", "filter_value": "first", "filter_type": "like"}"#,
        r#"{"filter_field": "lock", "filter_value": "first", "filter_format": "number"}"#,
    ];
    for q in bad {
        assert_eq!(reg.list(q).unwrap_err(), BodyError::WrongBody, "{q}");
    }
    for q in [
        r#"{"limit": 1}"#,
        r#"{"limit": 1000}"#,
        r#"{"limit": null}"#,
        r#"{"sort_type": "asc"}"#,
        r#"{"sort_field": "identifier_uid"}"#,
        r#"{"sort_field": "identifier_number"}"#,
        r#"{"unknown": 1}"#,
    ] {
        reg.list(q).unwrap_or_else(|e| panic!("{q}: {e}"));
    }
}
