//! Is the access path slowed by management? 100,000 identifiers stored; the
//! median and 99th percentile time of a decision at the door, first idle,
//! then while four clients storm the daemon over D-Bus with management calls
//! (Imports of 100 identifiers, Lists of 1,000 items sorted by number,
//! Deletes) that also drive journal compactions. Same daemon, same run; the
//! ratio is the figure that counts. Measured two ways:
//!
//! - reader path: `Gate::present` in the daemon's process, what a keypad or
//!   card reader calls (decision + lock opening), with latchd's objects served
//!   in this process on a private dbus-daemon;
//! - D-Bus path: `Access.Present` round trips from another connection, which
//!   also wait in the dbus-daemon behind the storm's large replies.
//!
//! Run with `cargo bench --bench access_under_load`.

#[path = "../tests/common/mod.rs"]
mod common;
use common::*;

use latchd::access::gate::Gate;
use latchd::domain::identifier::IdentifierType;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

const STORED: usize = 100_000;
const SAMPLES: usize = 300;

fn import_body(from: usize, n: usize) -> String {
    let items: Vec<serde_json::Value> = (from..from + n)
        .map(|i| {
            serde_json::json!({
                "identifier_owner": {"name": format!("Resident {i}"), "type": "owner"},
                "identifier_type": "card",
                "identifier_number": (1_000_000_000u64 + i as u64).to_string(),
                "lock": "first",
            })
        })
        .collect();
    serde_json::json!({ "list_items": items }).to_string()
}

/// A different stored card each time, in its hex form.
fn card(i: usize) -> String {
    let number = format!("{:08x}", 1_000_000_000u64 + (i * 7 % STORED) as u64);
    number
        .as_bytes()
        .chunks(2)
        .map(|c| std::str::from_utf8(c).unwrap())
        .collect::<Vec<_>>()
        .join(":")
}

async fn sample_dbus(access: &AccessProxy<'_>) -> Vec<Duration> {
    let mut times = Vec::with_capacity(SAMPLES);
    for i in 0..SAMPLES {
        let number = card(i);
        let start = Instant::now();
        let (granted, reason) = access.present("card", &number).await.unwrap();
        times.push(start.elapsed());
        assert!(granted, "{number}: {reason}");
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
    times.sort();
    times
}

async fn sample_gate(gate: &Gate) -> Vec<Duration> {
    let mut times = Vec::with_capacity(SAMPLES);
    for i in 0..SAMPLES {
        let number = card(i);
        let start = Instant::now();
        let outcome = gate
            .present("bench".into(), IdentifierType::Card, number.clone())
            .await
            .unwrap();
        times.push(start.elapsed());
        assert!(outcome.granted, "{number}: {}", outcome.reason);
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
    times.sort();
    times
}

fn pct(times: &[Duration], p: f64) -> Duration {
    times[((times.len() as f64 - 1.0) * p).round() as usize]
}

#[tokio::main]
async fn main() {
    let quick = !std::env::args().any(|a| a == "--bench");
    if quick {
        println!("access_under_load: run with `cargo bench --bench access_under_load`");
        return;
    }
    // latchd's own parts, served in this process on a private bus.
    let bus = Bus::start();
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let config_path = write_config(
        dir.path(),
        &data,
        "[clock]\nrequire_sync = false\n\n[[lock]]\nname = \"first\"\nopen_time_ms = 1000\n",
    );
    let config = latchd::config::Config::load(&config_path).unwrap();
    let (storage, registry) = latchd::storage::Storage::open(&data, config.rules()).unwrap();
    let (store, _owner) = latchd::store::Store::start(registry, storage).unwrap();
    // The access path on its own runtime thread, as in the daemon.
    let shared =
        latchd::access::Shared::open(&config, latchd::process::notify::Notifier::none()).unwrap();
    let relays = latchd::access::request_relays(&config, Default::default()).unwrap();
    let access_path = latchd::access::start(&config, relays, store.clone(), &shared).unwrap();
    let access_rt = access_path.runtime().clone();
    let gate = access_path.gate.clone();
    let server = bus.connect().await;
    let current = latchd::access::Current::new(&access_path, &shared);
    let groups = latchd::dbus::auth::Groups::new(config.auth.clone());
    latchd::dbus::serve(&server, store, &current, groups)
        .await
        .unwrap();

    let conn = bus.connect().await;
    let ids = IdentifiersProxy::new(&conn).await.unwrap();
    for chunk in 0..(STORED / 1000) {
        ids.import(&import_body(chunk * 1000, 1000)).await.unwrap();
    }
    // Let the compaction of the import finish before the idle figures.
    tokio::time::sleep(Duration::from_secs(3)).await;
    let access = AccessProxy::new(&conn).await.unwrap();
    let on_access = |gate: Gate| {
        let rt = access_rt.clone();
        async move {
            rt.spawn(async move { sample_gate(&gate).await })
                .await
                .unwrap()
        }
    };
    let idle_gate = on_access(gate.clone()).await;
    let idle_dbus = sample_dbus(&access).await;

    let stop = Arc::new(AtomicBool::new(false));
    let calls = Arc::new(AtomicU64::new(0));
    let mut storm = Vec::new();
    for client in 0..4 {
        let (stop, calls, address) = (stop.clone(), calls.clone(), bus.address.clone());
        storm.push(tokio::spawn(async move {
            let conn = zbus::connection::Builder::address(address.as_str())
                .unwrap()
                .build()
                .await
                .unwrap();
            let ids = IdentifiersProxy::new(&conn).await.unwrap();
            let mut next = 10_000_000 + client * 1_000_000;
            while !stop.load(Ordering::Relaxed) {
                let uids = ids.import(&import_body(next, 100)).await.unwrap();
                next += 100;
                ids.list(r#"{"limit":1000,"sort_field":"identifier_number","sort_type":"desc"}"#)
                    .await
                    .unwrap();
                for uid in uids.iter().take(50) {
                    ids.delete(*uid).await.unwrap();
                }
                calls.fetch_add(52, Ordering::Relaxed);
            }
        }));
    }
    tokio::time::sleep(Duration::from_millis(500)).await;
    let started = Instant::now();
    let loaded_gate = on_access(gate.clone()).await;
    let loaded_dbus = sample_dbus(&access).await;
    let storm_time = started.elapsed();
    stop.store(true, Ordering::Relaxed);
    for task in storm {
        task.await.unwrap();
    }
    let rate = calls.load(Ordering::Relaxed) as f64 / storm_time.as_secs_f64();
    println!("access_under_load: {STORED} identifiers stored, {SAMPLES} decisions per row");
    println!("{:<32} {:>10} {:>10}", "", "median µs", "p99 µs");
    for (name, t) in [
        ("reader path, idle", &idle_gate),
        ("reader path, management storm", &loaded_gate),
        ("D-Bus Present, idle", &idle_dbus),
        ("D-Bus Present, management storm", &loaded_dbus),
    ] {
        println!(
            "{:<32} {:>10} {:>10}",
            name,
            pct(t, 0.5).as_micros(),
            pct(t, 0.99).as_micros()
        );
    }
    let ratio =
        |a: &[Duration], b: &[Duration]| pct(a, 0.5).as_secs_f64() / pct(b, 0.5).as_secs_f64();
    println!(
        "storm: {rate:.0} management calls/s from 4 clients; median ratio storm/idle: reader path {:.2}, D-Bus {:.2}",
        ratio(&loaded_gate, &idle_gate),
        ratio(&loaded_dbus, &idle_dbus)
    );
}
