//! Round-trip time of a durable `Create` over D-Bus, with 1,000 and with
//! 100,000 identifiers already stored.
//!
//! A real private dbus-daemon and the release `latchd` binary; the client is
//! zbus on a tokio runtime. Each size gets a fresh data folder written as a
//! snapshot (`storage::write_fresh`), a fresh latchd, 20 warm-up creates and
//! then 300 measured ones, one after the other: each reply means the
//! identifier's journal line is fdatasync'd.
//!
//! Run with `cargo bench --bench create_roundtrip`.

#[path = "../tests/common/mod.rs"]
mod common;
use common::*;

use latchd::domain::identifier::{
    Body, Identifier, IdentifierType, LockChoice, OwnerType, PassLimit, TimeLimit,
};
use latchd::domain::registry::Registry;
use std::path::Path;
use std::time::{Duration, Instant};

const SIZES: [usize; 2] = [1_000, 100_000];
const WARMUP: usize = 20;
const SAMPLES: usize = 300;

struct Row {
    stored: usize,
    snapshot_bytes: u64,
    prepare: Duration,
    load: Duration,
    ready: Duration,
    median: Duration,
    p90: Duration,
}

/// Writes `n` card identifiers (numbers 100000000 and up) as a snapshot.
fn prepare(data: &Path, rules: latchd::domain::identifier::Rules, n: usize) {
    let mut registry = Registry::new(rules);
    for i in 0..n {
        let limited = i % 3 == 0;
        let body = Body {
            owner_name: format!("Resident {i}"),
            owner_type: if i % 2 == 0 {
                OwnerType::Owner
            } else {
                OwnerType::Guest
            },
            kind: IdentifierType::Card,
            number: (100_000_000 + i).to_string(),
            lock: LockChoice::First,
            time: TimeLimit {
                is_permanent: !limited,
                from: limited.then_some(1_767_225_600),
                to: limited.then_some(1_798_761_600),
            },
            passes: PassLimit {
                is_permanent: !limited,
                max_passes: limited.then_some(10),
            },
        };
        registry
            .load(Identifier::new(i as u32 + 1, body))
            .expect("distinct numbers");
    }
    latchd::storage::write_fresh(data, &registry).unwrap();
}

async fn measure(bus: &Bus, stored: usize) -> Vec<Duration> {
    let conn = bus.connect().await;
    let ids = IdentifiersProxy::builder(&conn)
        .cache_properties(zbus::proxy::CacheProperties::No)
        .build()
        .await
        .unwrap();
    assert_eq!(ids.count().await.unwrap() as usize, stored);
    let mut samples = Vec::with_capacity(SAMPLES);
    for j in 0..WARMUP + SAMPLES {
        let body = card(&(200_000_000 + j).to_string(), "Bench");
        let started = Instant::now();
        ids.create(&body).await.unwrap();
        let took = started.elapsed();
        if j >= WARMUP {
            samples.push(took);
        }
    }
    assert_eq!(
        ids.count().await.unwrap() as usize,
        stored + WARMUP + SAMPLES
    );
    samples
}

fn micros(d: Duration) -> f64 {
    d.as_secs_f64() * 1e6
}

fn main() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let bus = Bus::start();
    let mut rows = Vec::new();
    for stored in SIZES {
        let dir = tempfile::tempdir().unwrap();
        let data = dir.path().join("data");
        let config = write_config(dir.path(), &data, "");
        let rules = latchd::config::Config::load(&config).unwrap().rules();

        let started = Instant::now();
        prepare(&data, rules.clone(), stored);
        let prepare_time = started.elapsed();
        let snapshot_bytes = std::fs::metadata(data.join("identifiers.toml"))
            .unwrap()
            .len();

        // What latchd does at start before anything else: read the snapshot and journal.
        let started = Instant::now();
        let loaded = latchd::storage::load(&data, rules).unwrap();
        let load = started.elapsed();
        assert_eq!(loaded.registry.len(), stored);
        eprintln!(
            "{stored} identifiers: prepared in {:.1} ms, loaded in {:.1} ms; starting latchd",
            prepare_time.as_secs_f64() * 1e3,
            load.as_secs_f64() * 1e3
        );
        drop(loaded);

        // Process start to name owned on the bus (polled every 20 ms).
        let started = Instant::now();
        let mut daemon = Daemon::start(&bus, &config);
        let ready = started.elapsed();

        let mut samples = runtime.block_on(measure(&bus, stored));
        assert_eq!(daemon.stop(), Some(0), "latchd exits 0 on SIGTERM");
        samples.sort();
        rows.push(Row {
            stored,
            snapshot_bytes,
            prepare: prepare_time,
            load,
            ready,
            median: samples[samples.len() / 2],
            p90: samples[samples.len() * 9 / 10],
        });
    }

    println!(
        "create_roundtrip: durable Create over D-Bus, private dbus-daemon, release latchd, \
         {WARMUP} warm-ups + {SAMPLES} sequential creates per size"
    );
    println!(
        "{:>8} {:>13} {:>11} {:>11} {:>11} {:>11} {:>9}",
        "stored", "snapshot B", "prepare ms", "load ms", "ready ms", "median µs", "p90 µs"
    );
    for r in &rows {
        println!(
            "{:>8} {:>13} {:>11.1} {:>11.1} {:>11.1} {:>11.0} {:>9.0}",
            r.stored,
            r.snapshot_bytes,
            r.prepare.as_secs_f64() * 1e3,
            r.load.as_secs_f64() * 1e3,
            r.ready.as_secs_f64() * 1e3,
            micros(r.median),
            micros(r.p90)
        );
    }
    let (small, large) = (&rows[0], &rows[rows.len() - 1]);
    println!(
        "median ratio {}/{}: {:.2}",
        large.stored,
        small.stored,
        micros(large.median) / micros(small.median)
    );
    println!(
        "load ms: storage::load in process (snapshot + journal into the registry); \
         ready ms: latchd spawned until it owns org.latchd.Panel1"
    );
}
