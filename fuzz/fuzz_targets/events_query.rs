//! A ListEvents query, as any text, over logs of a few sizes: parsing never
//! panics and refuses with `Wrong JSON body` only; a reply is JSON with at
//! most `limit` events, the newest first from the page asked for, and
//! pagination that adds up. Whatever List accepts as `limit` and
//! `page_number`, ListEvents reads the same way.
#![no_main]

use latchd::domain::list::Query;
use latchd::fuzzing::list_events;
use libfuzzer_sys::fuzz_target;
use serde_json::{json, Value};
use std::collections::VecDeque;
use std::sync::OnceLock;

fn logs() -> &'static [VecDeque<String>] {
    static LOGS: OnceLock<Vec<VecDeque<String>>> = OnceLock::new();
    LOGS.get_or_init(|| {
        [0usize, 1, 9, 31]
            .iter()
            .map(|&n| {
                (0..n)
                    .map(|i| {
                        json!({"time": 1795872922 + i, "source": "keypad", "n": i, "granted": i % 2 == 0})
                            .to_string()
                    })
                    .collect()
            })
            .collect()
    })
}

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let list = Query::parse(&text).ok();
    for recent in logs() {
        let reply = match list_events(&text, recent) {
            Err(message) => {
                assert_eq!(message, "Wrong JSON body");
                assert!(list.is_none(), "List accepts {text:?}, ListEvents does not");
                continue;
            }
            Ok(reply) => reply,
        };
        let reply: Value = serde_json::from_str(&reply).expect("the reply is JSON");
        let pagination = &reply["list_option"]["pagination"];
        let limit = pagination["items_limit"].as_u64().expect("items_limit") as usize;
        let page = pagination["current_page"].as_u64().expect("current_page") as usize;
        assert!((1..=1000).contains(&limit));
        assert!((1..=u32::MAX as usize).contains(&page));
        if let Some(q) = &list {
            assert_eq!((q.limit, q.page_number), (limit, page), "{text:?}");
        }
        let total = recent.len();
        assert_eq!(pagination["total_items"], json!(total));
        assert_eq!(pagination["total_pages"], json!(total.div_ceil(limit)));
        let items = reply["list_items"].as_array().expect("list_items");
        let start = limit.saturating_mul(page - 1);
        assert!(items.len() <= limit);
        assert_eq!(items.len(), total.saturating_sub(start).min(limit));
        for (i, item) in items.iter().enumerate() {
            let want: Value = serde_json::from_str(&recent[total - 1 - start - i]).unwrap();
            assert_eq!(item, &want);
        }
    }
});
