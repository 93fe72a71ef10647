//! A relay that cannot be driven, over a real bus: latchd's own objects
//! (`dbus::serve`) and access path (`access::start`) run in this process on
//! a private dbus-daemon, with the relay of lock "first" a test relay whose
//! line writes fail while told to. No configuration key selects it: the
//! access path takes the relays it is given, as `request_relays` gives the
//! daemon its GPIO lines.
//!
//! Locks.Open answers HardwareFailed "Relay could not be driven", Health
//! says which lock and why (announced with PropertiesChanged),
//! Access.Present answers granted=false, "relay failure", the access event
//! says so and the pass the grant took is given back.

use crate::common;
use common::*;
use futures_util::StreamExt;
use latchd::access::locks::{LockSpec, Relay};
use serde_json::Value;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

/// A relay whose line writes fail while `broken` is set.
struct Flaky {
    broken: Arc<AtomicBool>,
}

impl Relay for Flaky {
    fn set(&mut self, _open: bool) -> std::io::Result<()> {
        if self.broken.load(Ordering::SeqCst) {
            return Err(std::io::Error::other("GPIO line write failed"));
        }
        Ok(())
    }
}

const HARDWARE_FAILED: &str = "org.latchd.Panel1.Error.HardwareFailed";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_relay_that_cannot_be_driven_is_an_error_and_costs_no_pass() {
    let bus = Bus::start();
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let path = write_config(
        dir.path(),
        &data,
        "[clock]\nrequire_sync = false\n\n[[lock]]\nname = \"first\"\nopen_time_ms = 3000\n",
    );
    let config = latchd::config::Config::load(&path).unwrap();
    let (storage, registry) = latchd::storage::Storage::open(&data, config.rules()).unwrap();
    let (store, owner) = latchd::store::Store::start(registry, storage).unwrap();
    let shared =
        latchd::access::Shared::open(&config, latchd::process::notify::Notifier::none()).unwrap();
    let broken = Arc::new(AtomicBool::new(false));
    let relays = vec![LockSpec {
        name: "first".into(),
        open_time: Duration::from_secs(3),
        relay: Box::new(Flaky {
            broken: broken.clone(),
        }),
    }];
    let access = latchd::access::start(&config, relays, store.clone(), &shared).unwrap();
    let current = latchd::access::Current::new(&access, &shared);
    let server = bus.connect().await;
    latchd::dbus::serve(
        &server,
        store,
        &current,
        latchd::dbus::auth::Groups::new(config.auth.clone()),
    )
    .await
    .unwrap();

    let conn = bus.connect().await;
    let ids = IdentifiersProxy::new(&conn).await.unwrap();
    let body = serde_json::json!({
        "identifier_owner": {"name": "Guest", "type": "guest"},
        "identifier_type": "inputCode", "identifier_number": "4711", "lock": "first",
        "valid": {"time": {"is_permanent": true},
                  "passes": {"is_permanent": false, "max_passes": 2}},
    });
    let uid = ids.create(&body.to_string()).await.unwrap();
    let passes_left = || async {
        let item: Value = serde_json::from_str(&ids.get(uid).await.unwrap()).unwrap();
        item["additional"]["passes_left"].as_i64().unwrap()
    };
    let locks = LocksProxy::builder(&conn)
        .cache_properties(zbus::proxy::CacheProperties::No)
        .build()
        .await
        .unwrap();
    let watcher = LocksProxy::new(&conn).await.unwrap();
    let mut health_changes = watcher.receive_health_changed().await;
    let access_proxy = AccessProxy::new(&conn).await.unwrap();
    let mut events = access_proxy.receive_access_event().await.unwrap();
    assert_eq!(locks.health().await.unwrap()["first"], "ok");

    broken.store(true, Ordering::SeqCst);
    // Locks.Open: its own error, the lock still locked.
    let (name, message) = error_of(locks.open("first").await);
    assert_eq!(
        (name.as_str(), message.as_str()),
        (HARDWARE_FAILED, "Relay could not be driven")
    );
    assert_eq!(locks.states().await.unwrap()["first"], "locked");
    assert_eq!(
        locks.health().await.unwrap()["first"],
        "GPIO line write failed"
    );
    // PropertiesChanged carries the new health (the stream may first give
    // the value it had cached).
    let announced = tokio::time::timeout(Duration::from_secs(10), async {
        while let Some(change) = health_changes.next().await {
            let health = change.get().await.unwrap();
            if health["first"] != "ok" {
                return health["first"].clone();
            }
        }
        String::new()
    })
    .await
    .unwrap();
    assert_eq!(announced, "GPIO line write failed");

    // Access.Present: an answer, not an error; the pass is given back.
    assert_eq!(
        access_proxy.present("inputCode", "4711").await.unwrap(),
        (false, "relay failure".to_string())
    );
    assert_eq!(passes_left().await, 2);
    let event: Value =
        serde_json::from_str(events.next().await.unwrap().args().unwrap().event()).unwrap();
    assert_eq!(event["reason"], "relay failure");
    assert_eq!(event["granted"], false);
    assert_eq!(event["identifier_uid"], uid);
    assert_eq!(event["locks"], serde_json::json!([]));

    // Repaired: the door opens, the pass is taken, the health is ok.
    broken.store(false, Ordering::SeqCst);
    assert_eq!(
        access_proxy.present("inputCode", "4711").await.unwrap(),
        (true, "granted".to_string())
    );
    assert_eq!(passes_left().await, 1);
    assert_eq!(locks.states().await.unwrap()["first"], "open");
    assert_eq!(locks.health().await.unwrap()["first"], "ok");
    locks.open("first").await.unwrap();

    latchd::dbus::unserve(&server).await;
    drop(current);
    drop(access.stop());
    drop(server);
    tokio::task::spawn_blocking(move || owner.join().unwrap())
        .await
        .unwrap();
}
