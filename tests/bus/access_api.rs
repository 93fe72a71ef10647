//! org.latchd.Panel1.Access over a real bus: decisions, passes taken durably,
//! locks opened, and AccessEvent signals without secrets.

use crate::common;
use common::*;
use futures_util::StreamExt;
use serde_json::Value;
use std::collections::HashMap;
use std::time::{SystemTime, UNIX_EPOCH};

const LOCKS: &str = "[[lock]]\nname = \"first\"\nopen_time_ms = 30000\n\n[[lock]]\nname = \"second\"\nopen_time_ms = 30000\n";

fn now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

fn body(kind: &str, number: &str, lock: &str, valid: Value) -> String {
    let mut b = serde_json::json!({
        "identifier_owner": {"name": "Guest", "type": "guest"},
        "identifier_type": kind,
        "identifier_number": number,
        "lock": lock,
    });
    if !valid.is_null() {
        b["valid"] = valid;
    }
    b.to_string()
}

async fn states(s: &Setup) -> HashMap<String, String> {
    LocksProxy::builder(&s.conn)
        .cache_properties(zbus::proxy::CacheProperties::No)
        .build()
        .await
        .unwrap()
        .states()
        .await
        .unwrap()
}

#[tokio::test]
async fn grants_open_locks_and_events_carry_no_secrets() {
    let mut s = Setup::start(&format!("[clock]\nrequire_sync = false\n\n{LOCKS}")).await;
    let ids = s.identifiers().await;
    ids.create(&body("card", "11:22:33:44", "second", Value::Null))
        .await
        .unwrap();
    let access = AccessProxy::new(&s.conn).await.unwrap();
    let mut events = access.receive_access_event().await.unwrap();

    // The card in another form than it was stored in.
    let answer = access.present("card", "287454020").await.unwrap();
    assert_eq!(answer, (true, "granted".to_string()));
    let st = states(&s).await;
    assert_eq!(
        (st["first"].as_str(), st["second"].as_str()),
        ("locked", "open")
    );
    let event: Value =
        serde_json::from_str(events.next().await.unwrap().args().unwrap().event()).unwrap();
    assert_eq!(event["granted"], true);
    assert_eq!(event["identifier_uid"], 1);
    assert_eq!(event["identifier_type"], "card");
    assert_eq!(event["locks"], serde_json::json!(["second"]));
    assert_eq!(
        event["source"],
        format!("dbus:uid={}", nix::unistd::getuid())
    );
    assert!(event["time"].as_i64().unwrap() >= now() - 60);
    // Masked: only the last digits show.
    assert_eq!(event["identifier_number"], "*****4020");

    let answer = access.present("card", "99:99:99:99").await.unwrap();
    assert_eq!(answer, (false, "unknown identifier".to_string()));
    let event: Value =
        serde_json::from_str(events.next().await.unwrap().args().unwrap().event()).unwrap();
    assert_eq!(
        (event["granted"].clone(), event["identifier_uid"].clone()),
        (Value::Bool(false), Value::from(-1))
    );

    // The master code opens all locks, and no event or reply shows it.
    let answer = access.present("inputCode", "1234").await.unwrap();
    assert_eq!(answer, (true, "master code".to_string()));
    let raw = events
        .next()
        .await
        .unwrap()
        .args()
        .unwrap()
        .event()
        .to_string();
    assert!(!raw.contains("1234"), "{raw}");
    let event: Value = serde_json::from_str(&raw).unwrap();
    assert_eq!(event["locks"], serde_json::json!(["first", "second"]));
    assert_eq!(event["identifier_number"], "");

    let (name, message) = error_of(access.present("fingerprint", "1").await);
    assert_eq!(
        (name.as_str(), message.as_str()),
        (BAD_REQUEST, "Wrong identifier type")
    );

    // The event log: newest first, kept across a restart.
    let page: Value =
        serde_json::from_str(&access.list_events(r#"{"limit":2}"#).await.unwrap()).unwrap();
    assert_eq!(page["list_option"]["pagination"]["total_items"], 3);
    assert_eq!(page["list_option"]["pagination"]["total_pages"], 2);
    assert_eq!(page["list_items"][0]["reason"], "master code");
    assert_eq!(page["list_items"][1]["reason"], "unknown identifier");
    let (name, message) = error_of(access.list_events(r#"{"limit":0}"#).await);
    assert_eq!(
        (name.as_str(), message.as_str()),
        (BAD_REQUEST, "Wrong JSON body")
    );
    s.restart();
    let access = AccessProxy::new(&s.conn).await.unwrap();
    let page: Value = serde_json::from_str(&access.list_events("").await.unwrap()).unwrap();
    assert_eq!(page["list_option"]["pagination"]["total_items"], 3);
    assert_eq!(page["list_items"][2]["reason"], "granted");
    let log = std::fs::read_to_string(s.data.join("events.toml")).unwrap();
    assert!(!log.contains("1234") && !log.contains("287454020"), "{log}");
    // The daemon's own log: every attempt, masked, no code.
    let log = s.daemon.log();
    assert!(
        log.contains("access granted") && log.contains("identifier_number=*****4020"),
        "{log}"
    );
    assert!(log.contains("reason=master code"), "{log}");
    assert!(
        !log.contains("1234") && !log.contains("287454020") && !log.contains("11:22:33:44"),
        "{log}"
    );
}

#[tokio::test]
async fn passes_are_taken_once_and_durably() {
    let mut s = Setup::start(&format!("[clock]\nrequire_sync = false\n\n{LOCKS}")).await;
    let ids = s.identifiers().await;
    let limited = serde_json::json!({
        "time": {"is_permanent": true},
        "passes": {"is_permanent": false, "max_passes": 2},
    });
    ids.create(&body("inputCode", "4711", "first", limited))
        .await
        .unwrap();
    let access = AccessProxy::new(&s.conn).await.unwrap();
    assert!(access.present("inputCode", "4711").await.unwrap().0);
    // A crash right after the grant keeps the pass taken.
    s.daemon.kill();
    s.daemon = Daemon::start(&s.bus, &s.daemon.config.clone());
    let ids = s.identifiers().await;
    let item: Value = serde_json::from_str(&ids.get(1).await.unwrap()).unwrap();
    assert_eq!(item["additional"]["passes_left"], 1);
    let access = AccessProxy::new(&s.conn).await.unwrap();
    assert!(access.present("inputCode", "4711").await.unwrap().0);
    assert_eq!(
        access.present("inputCode", "4711").await.unwrap(),
        (false, "no passes left".to_string())
    );
    ids.reset_passes(1).await.unwrap();
    assert!(access.present("inputCode", "4711").await.unwrap().0);
}

#[tokio::test]
async fn validity_windows_and_the_unsynchronised_clock() {
    let window = |from: i64, to: i64| {
        serde_json::json!({
            "time": {"is_permanent": false, "from": from, "to": to},
            "passes": {"is_permanent": true},
        })
    };
    let t = now();
    let s = Setup::start(&format!("[clock]\nrequire_sync = false\n\n{LOCKS}")).await;
    let ids = s.identifiers().await;
    ids.create(&body(
        "qr",
        "123e4567-e89b-12d3-a456-426614174000",
        "first",
        window(t - 3600, t + 3600),
    ))
    .await
    .unwrap();
    ids.create(&body(
        "license_plate",
        "AB 123-CD",
        "first",
        window(t - 7200, t - 3600),
    ))
    .await
    .unwrap();
    ids.create(&body("ukey", "42", "first", window(t + 3600, t + 7200)))
        .await
        .unwrap();
    let access = AccessProxy::new(&s.conn).await.unwrap();
    assert_eq!(
        access
            .present("qr", "123E4567-E89B-12D3-A456-426614174000")
            .await
            .unwrap(),
        (true, "granted".to_string())
    );
    assert_eq!(
        access.present("license_plate", "ab123cd").await.unwrap(),
        (false, "expired".to_string())
    );
    assert_eq!(
        access.present("ukey", "42").await.unwrap(),
        (false, "not yet valid".to_string())
    );

    // With require_sync (the default), the window is believed only when the
    // kernel says the clock is synchronised.
    let s = Setup::start(LOCKS).await;
    let ids = s.identifiers().await;
    ids.create(&body(
        "qr",
        "123e4567-e89b-12d3-a456-426614174000",
        "first",
        window(t - 3600, t + 3600),
    ))
    .await
    .unwrap();
    let access = AccessProxy::new(&s.conn).await.unwrap();
    let answer = access
        .present("qr", "123e4567-e89b-12d3-a456-426614174000")
        .await
        .unwrap();
    if latchd::access::clock::kernel_synchronised() {
        assert_eq!(answer, (true, "granted".to_string()));
    } else {
        assert_eq!(answer, (false, "clock not synchronised".to_string()));
    }
}
