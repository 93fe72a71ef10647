//! org.latchd.Panel1.Locks over a real bus, with virtual locks.

use crate::common;
use common::*;
use futures_util::StreamExt;
use std::collections::HashMap;
use std::time::Duration;

fn state<'a>(states: &'a HashMap<String, String>, lock: &str) -> &'a str {
    states.get(lock).map(String::as_str).unwrap_or("missing")
}

#[tokio::test]
async fn open_pulses_and_announces() {
    let s = Setup::start(
        "[[lock]]\nname = \"first\"\nopen_time_ms = 400\n\n[[lock]]\nname = \"second\"\nopen_time_ms = 400\n",
    )
    .await;
    // Reads go to the daemon each time; the cached proxy only streams changes.
    let locks = LocksProxy::builder(&s.conn)
        .cache_properties(zbus::proxy::CacheProperties::No)
        .build()
        .await
        .unwrap();
    let states = locks.states().await.unwrap();
    assert_eq!(
        (state(&states, "first"), state(&states, "second")),
        ("locked", "locked")
    );

    let watcher = LocksProxy::new(&s.conn).await.unwrap();
    let mut changes = watcher.receive_states_changed().await;
    locks.open("first").await.unwrap();
    // PropertiesChanged carries the new states: open, then locked again.
    // The stream may start with the value it had cached ("locked").
    let mut seen: Vec<String> = Vec::new();
    let collect = async {
        while let Some(change) = changes.next().await {
            let states = change.get().await.unwrap();
            let first = state(&states, "first").to_string();
            if (seen.is_empty() && first == "locked") || seen.last() == Some(&first) {
                continue;
            }
            seen.push(first);
            if seen.len() == 2 {
                break;
            }
        }
    };
    tokio::time::timeout(Duration::from_secs(10), collect)
        .await
        .unwrap();
    assert_eq!(seen, vec!["open", "locked"]);

    locks.open("all").await.unwrap();
    let states = locks.states().await.unwrap();
    assert_eq!(
        (state(&states, "first"), state(&states, "second")),
        ("open", "open")
    );

    let (name, message) = error_of(locks.open("third").await);
    assert_eq!(
        (name.as_str(), message.as_str()),
        (BAD_REQUEST, "Wrong lock")
    );
}

#[tokio::test]
async fn missing_lock_is_not_found_and_sigterm_exits_cleanly() {
    let mut s = Setup::start("[[lock]]\nname = \"first\"\nopen_time_ms = 40000\n").await;
    let locks = LocksProxy::new(&s.conn).await.unwrap();
    let (name, message) = error_of(locks.open("second").await);
    assert_eq!(name, "org.latchd.Panel1.Error.NotFound");
    assert_eq!(message, "This feature is disabled on your device");
    // SIGTERM while a lock is open: latchd locks it and exits 0.
    locks.open("first").await.unwrap();
    assert_eq!(s.daemon.stop(), Some(0));
}
