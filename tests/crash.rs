//! Durability under SIGKILL.
//!
//! One data folder and one bus for the whole test. Each cycle starts latchd,
//! lets several clients (each owning its own identifier numbers) run a random
//! mix of mutations as fast as they can, kills latchd with SIGKILL at a random
//! moment, and then reads the data folder back. Every acknowledged mutation
//! must be there exactly; the one mutation each client had in flight at the
//! kill must be there wholly or not at all (an Import of k items: all k or
//! none; a DeleteMany: all or none). The journal grows well past the
//! compaction threshold; every third cycle waits for the journal to rotate
//! and kills a few milliseconds later, in the middle of a compaction.
//!
//! `LATCHD_CRASH_SEED` repeats a run's random choices (the kill timing and the
//! interleaving of the clients still vary); `LATCHD_CRASH_CYCLES` changes the
//! number of cycles (default 50).

mod common;
use common::mutations::*;
use common::*;

use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use serde_json::{json, Value};
use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::path::Path;
use std::time::{Duration, Instant};

const CLIENTS: usize = 4;
const DEFAULT_CYCLES: usize = 50;
/// The kill comes this long after the clients started (ms).
const KILL_AFTER_MS: std::ops::RangeInclusive<u64> = 20..=300;
/// Every third cycle waits at most this long (ms) for a compaction to start,
/// then kills.
const HUNT_MS: u64 = 1500;
/// Until a first snapshot is written, a hunting cycle instead waits up to
/// this long (ms) for a compaction to finish: on a slow machine (arm64 under
/// emulation) every compaction would otherwise be cut short by a kill.
const FIRST_SNAPSHOT_MS: u64 = 60_000;
const CALL_TIMEOUT: Duration = Duration::from_secs(20);

fn owner_of(number: &str) -> Option<usize> {
    (0..CLIENTS).find(|&c| pool(c).iter().any(|n| n == number))
}

struct Client {
    id: usize,
    rng: StdRng,
    model: Model,
    /// Makes every body unique, so an applied Update is told from one that was not.
    serial: u64,
    acked: u64,
    /// Uids answered in this cycle.
    answered: Vec<u32>,
    in_flight: Option<Op>,
}

impl Client {
    fn body(&mut self, number: &str) -> Value {
        self.serial += 1;
        let rng = &mut self.rng;
        let kind = if number.starts_with('C') {
            "license_plate"
        } else {
            "card"
        };
        // Names of varying length make journal lines of varying length.
        let name = format!(
            "client {} op {} {}",
            self.id,
            self.serial,
            "x".repeat(rng.gen_range(0..60))
        );
        let time = if rng.gen_bool(0.5) {
            json!({"is_permanent": true})
        } else {
            let from = rng.gen_range(1_700_000_000i64..1_800_000_000);
            json!({"is_permanent": false, "from": from, "to": from + rng.gen_range(0..100_000_000)})
        };
        let passes = if rng.gen_bool(0.5) {
            json!({"is_permanent": true})
        } else {
            json!({"is_permanent": false, "max_passes": rng.gen_range(1..=100)})
        };
        json!({
            "identifier_owner": {"name": name, "type": *["owner", "guest"].choose(rng).unwrap()},
            "identifier_type": kind,
            "identifier_number": number,
            "lock": *["first", "second", "all"].choose(rng).unwrap(),
            "valid": {"time": time, "passes": passes},
        })
    }

    fn next_op(&mut self) -> Op {
        let used: Vec<String> = self.model.keys().cloned().collect();
        let free: Vec<String> = pool(self.id)
            .into_iter()
            .filter(|n| !self.model.contains_key(n))
            .collect();
        let pick = self.rng.gen_range(0..100);
        if pick < 20 && !free.is_empty() {
            let number = free.choose(&mut self.rng).unwrap().clone();
            return Op::Create {
                body: self.body(&number),
            };
        }
        if pick < 32 && free.len() >= 2 {
            let k = self.rng.gen_range(2..=5).min(free.len());
            let numbers: Vec<String> = free.choose_multiple(&mut self.rng, k).cloned().collect();
            let bodies = numbers.iter().map(|n| self.body(n)).collect();
            return Op::Import { bodies };
        }
        if used.is_empty() {
            let number = free.choose(&mut self.rng).unwrap().clone();
            return Op::Create {
                body: self.body(&number),
            };
        }
        if pick < 55 {
            let old_number = used.choose(&mut self.rng).unwrap().clone();
            let uid = self.model[&old_number].uid.unwrap();
            let number = if self.rng.gen_bool(0.2) && !free.is_empty() {
                free.choose(&mut self.rng).unwrap().clone()
            } else {
                old_number.clone()
            };
            return Op::Update {
                uid,
                old_number,
                body: self.body(&number),
            };
        }
        if pick < 72 {
            let number = used.choose(&mut self.rng).unwrap().clone();
            let uid = self.model[&number].uid.unwrap();
            return Op::Delete { uid, number };
        }
        if pick < 84 && used.len() >= 2 {
            let k = self.rng.gen_range(2..=4).min(used.len());
            let numbers: Vec<String> = used.choose_multiple(&mut self.rng, k).cloned().collect();
            let uids = numbers.iter().map(|n| self.model[n].uid.unwrap()).collect();
            return Op::DeleteMany { uids, numbers };
        }
        let number = used.choose(&mut self.rng).unwrap().clone();
        let uid = self.model[&number].uid.unwrap();
        Op::ResetPasses { uid, number }
    }

    /// Runs mutations until one fails (the kill); that one is left in flight.
    async fn run(mut self, conn: zbus::Connection) -> Client {
        let ids = IdentifiersProxy::builder(&conn)
            .cache_properties(zbus::proxy::CacheProperties::No)
            .build()
            .await
            .unwrap();
        loop {
            let op = self.next_op();
            let result = tokio::time::timeout(CALL_TIMEOUT, execute(&ids, &op)).await;
            match result {
                Ok(Ok(uids)) => {
                    if let Some(uids) = &uids {
                        self.answered.extend(uids);
                    }
                    self.model = apply(&self.model, &op, uids.as_deref());
                    self.acked += 1;
                }
                Ok(Err(latchd::dbus::Error::BadRequest(msg))) => {
                    panic!(
                        "client {}: {} was refused ({msg:?}), so the model of acknowledged state is wrong: {op:?}",
                        self.id,
                        op.name()
                    );
                }
                // No reply (latchd died with the call pending), no owner of the
                // name, a timeout: the outcome is unknown.
                Ok(Err(_)) | Err(_) => {
                    self.in_flight = Some(op);
                    return self;
                }
            }
        }
    }
}

/// Makes the call; Some(uids) for Create and Import.
async fn execute(
    ids: &IdentifiersProxy<'_>,
    op: &Op,
) -> Result<Option<Vec<u32>>, latchd::dbus::Error> {
    Ok(match op {
        Op::Create { body } => Some(vec![ids.create(&body.to_string()).await?]),
        Op::Update { uid, body, .. } => {
            ids.update(*uid, &body.to_string()).await?;
            None
        }
        Op::Delete { uid, .. } => {
            ids.delete(*uid).await?;
            None
        }
        Op::Import { bodies } => {
            let uids = ids
                .import(&json!({ "list_items": bodies }).to_string())
                .await?;
            assert_eq!(uids.len(), bodies.len(), "Import answered a uid per item");
            Some(uids)
        }
        Op::DeleteMany { uids, .. } => {
            ids.delete_many(&json!({ "uid_items": uids }).to_string())
                .await?;
            None
        }
        Op::ResetPasses { uid, .. } => {
            ids.reset_passes(*uid).await?;
            None
        }
    })
}

/// Every item on disk, by uid, read the way latchd reads it at start.
fn items_on_disk(data: &Path, rules: &latchd::domain::identifier::Rules) -> BTreeMap<u32, Value> {
    let loaded = latchd::storage::load(data, rules.clone())
        .unwrap_or_else(|e| panic!("the data folder does not load after SIGKILL: {e}"));
    loaded
        .registry
        .iter()
        .map(|i| (i.uid, i.to_item()))
        .collect()
}

/// Every item latchd serves, by uid, through List; retried while the new
/// latchd is still taking its name.
async fn items_served(ids: &IdentifiersProxy<'_>) -> BTreeMap<u32, Value> {
    let deadline = Instant::now() + Duration::from_secs(30);
    'again: loop {
        let mut items = BTreeMap::new();
        for page in 1.. {
            let query = json!({"limit": 1000, "page_number": page}).to_string();
            let text = match ids.list(&query).await {
                Ok(text) => text,
                Err(_) if Instant::now() < deadline => {
                    tokio::time::sleep(Duration::from_millis(20)).await;
                    continue 'again;
                }
                Err(e) => panic!("List failed after restart: {e}"),
            };
            let page: Value = serde_json::from_str(&text).unwrap();
            let list = page["list_items"].as_array().unwrap();
            if list.is_empty() {
                break;
            }
            for item in list {
                items.insert(
                    item["identifier_uid"].as_u64().unwrap() as u32,
                    item.clone(),
                );
            }
        }
        return items;
    }
}

/// Journal segments and an unfinished snapshot in the data folder, and the
/// snapshot's `last_seq`.
fn inspect(data: &Path) -> (usize, bool, Option<i64>) {
    let mut segments = 0;
    let mut tmp = false;
    for entry in std::fs::read_dir(data).unwrap() {
        let name = entry.unwrap().file_name().to_string_lossy().into_owned();
        if name.starts_with("journal-") && name.ends_with(".toml") {
            segments += 1;
        }
        tmp |= name.ends_with(".tmp");
    }
    let last_seq = std::fs::read_to_string(data.join("identifiers.toml"))
        .ok()
        .map(|text| {
            let table: toml::Table = toml::from_str(&text).unwrap();
            table["last_seq"].as_integer().unwrap()
        });
    (segments, tmp, last_seq)
}

fn segment_names(data: &Path) -> BTreeSet<String> {
    std::fs::read_dir(data)
        .map(|entries| {
            entries
                .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
                .filter(|n| n.starts_with("journal-"))
                .collect()
        })
        .unwrap_or_default()
}

/// Whether the journal rotated (a compaction began) since `before`, or a
/// snapshot is being written.
fn compaction_started(data: &Path, before: &BTreeSet<String>) -> bool {
    data.join("identifiers.toml.tmp").exists()
        || segment_names(data).iter().any(|n| !before.contains(n))
}

fn blocking<T>(f: impl FnOnce() -> T) -> T {
    tokio::task::block_in_place(f)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn acknowledged_mutations_survive_sigkill() {
    let started = Instant::now();
    let seed: u64 = match std::env::var("LATCHD_CRASH_SEED") {
        Ok(s) => s.parse().expect("LATCHD_CRASH_SEED is a number"),
        Err(_) => std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_nanos() as u64,
    };
    let cycles: usize = std::env::var("LATCHD_CRASH_CYCLES")
        .map(|s| s.parse().expect("LATCHD_CRASH_CYCLES is a number"))
        .unwrap_or(DEFAULT_CYCLES);
    println!("crash test: seed {seed} (LATCHD_CRASH_SEED={seed} repeats the random choices)");
    let mut rng = StdRng::seed_from_u64(seed);

    let bus = Bus::start();
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let config = write_config(dir.path(), &data, "");
    let rules = latchd::config::Config::load(&config).unwrap().rules();
    let checker = bus.connect().await;
    let ids = IdentifiersProxy::builder(&checker)
        .cache_properties(zbus::proxy::CacheProperties::No)
        .build()
        .await
        .unwrap();
    let mut conns = Vec::new();
    for _ in 0..CLIENTS {
        conns.push(bus.connect().await);
    }
    let mut clients: Vec<Client> = (0..CLIENTS)
        .map(|id| Client {
            id,
            rng: StdRng::seed_from_u64(rng.gen()),
            model: Model::new(),
            serial: 0,
            acked: 0,
            answered: Vec::new(),
            in_flight: None,
        })
        .collect();

    // Every uid ever answered or seen: uids are never handed out twice.
    let mut known_uids: HashSet<u32> = HashSet::new();
    let mut expected: BTreeMap<u32, Value> = BTreeMap::new();
    let (mut acked, mut lost, mut torn, mut uid_errors) = (0u64, 0u64, 0u64, 0u64);
    let (mut in_flight, mut applied) = (0u64, 0u64);
    let (mut snapshots, mut kills_mid_compaction, mut last_snapshot_seq) = (0u64, 0u64, None);

    for cycle in 0..cycles {
        let mut daemon = blocking(|| Daemon::start(&bus, &config));
        // What latchd serves after a restart is what is on disk.
        let served = items_served(&ids).await;
        assert!(
            served == expected,
            "cycle {cycle}: latchd serves other items than the data folder holds"
        );
        assert_eq!(ids.count().await.unwrap() as usize, expected.len());

        let segments_at_start = segment_names(&data);
        let tasks: Vec<_> = clients
            .drain(..)
            .zip(conns.iter().cloned())
            .map(|(client, conn)| tokio::spawn(client.run(conn)))
            .collect();
        if cycle % 3 == 2 && snapshots == 0 {
            let until = Instant::now() + Duration::from_millis(FIRST_SNAPSHOT_MS);
            while inspect(&data).2 == last_snapshot_seq && Instant::now() < until {
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
        } else if cycle % 3 == 2 {
            // Aim at a compaction: kill shortly after the journal rotates.
            let jitter = Duration::from_millis(rng.gen_range(0..=5));
            let until = Instant::now() + Duration::from_millis(HUNT_MS);
            while !compaction_started(&data, &segments_at_start) && Instant::now() < until {
                tokio::time::sleep(Duration::from_millis(1)).await;
            }
            tokio::time::sleep(jitter).await;
        } else {
            tokio::time::sleep(Duration::from_millis(rng.gen_range(KILL_AFTER_MS))).await;
        }
        blocking(|| daemon.kill());
        for task in tasks {
            clients.push(task.await.expect("client task"));
        }

        let (segments, tmp, snapshot_seq) = inspect(&data);
        // A compaction that began in this cycle and had not deleted the old segments yet.
        if tmp || (segments > 1 && compaction_started(&data, &segments_at_start)) {
            kills_mid_compaction += 1;
        }
        if snapshot_seq.is_some() && snapshot_seq != last_snapshot_seq {
            snapshots += 1;
            last_snapshot_seq = snapshot_seq;
        }

        let on_disk = blocking(|| items_on_disk(&data, &rules));
        let mut by_client: Vec<BTreeMap<String, (u32, Value)>> = vec![BTreeMap::new(); CLIENTS];
        for (uid, item) in &on_disk {
            let number = item["identifier_number"].as_str().unwrap().to_string();
            match owner_of(&number) {
                Some(c) => {
                    by_client[c].insert(number, (*uid, item.clone()));
                }
                None => {
                    eprintln!("cycle {cycle}: an identifier no client made: {item}");
                    lost += 1;
                }
            }
        }
        for client in &mut clients {
            known_uids.extend(client.answered.drain(..));
        }
        for (client, observed) in clients.iter_mut().zip(&by_client) {
            acked += client.acked;
            client.acked = 0;
            let op = client.in_flight.take();
            let footprint = op.as_ref().map(Op::footprint).unwrap_or_default();
            // Acknowledged state outside the in-flight mutation: exactly as acknowledged.
            let outside: BTreeSet<String> = client
                .model
                .keys()
                .chain(observed.keys())
                .filter(|n| !footprint.contains(*n))
                .cloned()
                .collect();
            for number in &outside {
                if !agrees(&client.model, observed, &[number.clone()].into()) {
                    eprintln!(
                        "cycle {cycle}: client {} number {number}: acknowledged {:?}, on disk {:?}",
                        client.id,
                        client.model.get(number),
                        observed.get(number)
                    );
                    lost += 1;
                }
            }
            // The in-flight mutation: wholly applied or not at all.
            if let Some(op) = op {
                in_flight += 1;
                let after = apply(&client.model, &op, None);
                if agrees(&client.model, observed, &footprint) {
                    // Not applied.
                } else if agrees(&after, observed, &footprint) {
                    applied += 1;
                    let new_uids: Vec<u32> = match &op {
                        Op::Create { body } => vec![observed[&number_of(body)].0],
                        Op::Import { bodies } => {
                            bodies.iter().map(|b| observed[&number_of(b)].0).collect()
                        }
                        _ => vec![],
                    };
                    let consecutive = new_uids.windows(2).all(|w| w[1] == w[0] + 1);
                    if !consecutive || new_uids.iter().any(|u| known_uids.contains(u)) {
                        eprintln!(
                            "cycle {cycle}: client {} in-flight {} got uids {new_uids:?}: reused or not consecutive",
                            client.id,
                            op.name()
                        );
                        uid_errors += 1;
                    }
                } else {
                    eprintln!(
                        "cycle {cycle}: client {} in-flight {} is partly applied: {op:?}; on disk {:?}",
                        client.id,
                        op.name(),
                        footprint
                            .iter()
                            .map(|n| observed.get(n))
                            .collect::<Vec<_>>()
                    );
                    torn += 1;
                }
            }
            // Go on from what is on disk.
            client.model = observed
                .iter()
                .map(|(number, (uid, item))| {
                    let entry = Entry {
                        uid: Some(*uid),
                        body: body_of_item(item),
                        passes_left: item["additional"]["passes_left"].as_i64().unwrap(),
                    };
                    (number.clone(), entry)
                })
                .collect();
        }
        known_uids.extend(on_disk.keys());
        expected = on_disk;
    }

    // A last start: latchd serves what is on disk, and stops cleanly.
    let mut daemon = blocking(|| Daemon::start(&bus, &config));
    assert!(items_served(&ids).await == expected);
    assert_eq!(ids.count().await.unwrap() as usize, expected.len());
    assert_eq!(blocking(|| daemon.stop()), Some(0));
    println!(
        "crash test: {cycles} cycles, {acked} acknowledged mutations, {lost} lost, {in_flight} in flight ({applied} applied)"
    );
    println!(
        "crash test: snapshot replaced in {snapshots} cycles, {kills_mid_compaction} kills in the middle of a compaction, \
         {} identifiers, {:.1} s",
        expected.len(),
        started.elapsed().as_secs_f64()
    );
    std::fs::metadata(data.join("identifiers.toml"))
        .expect("the journal outgrew 64 KiB, so a snapshot was written");
    assert_eq!(lost, 0, "acknowledged mutations were lost");
    assert_eq!(torn, 0, "in-flight mutations were partly applied");
    assert_eq!(
        uid_errors, 0,
        "uids were reused or an Import's uids are not consecutive"
    );
    assert!(snapshots > 0, "no compaction happened");
}
