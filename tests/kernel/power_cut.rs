//! The two halves of the power-cut test (`tests/kernel/power-cut.sh`).
//!
//! ```text
//! power_cut guest --config FILE --data DIR --bus ADDRESS --latchd BIN
//!                 --boot N --seed S [--clients C] [--load]
//! power_cut emit JSON
//! power_cut check BEFORE.log AFTER.log [--final]
//! ```
//!
//! `guest` runs in the kernel rig's guest, on a disk that loses whatever was
//! not flushed when the host kills QEMU. It checks the data folder with
//! `latchd --check-config`, starts latchd, lists every identifier, and with
//! `--load` lets several clients (each owning its own identifier numbers) run
//! a random mix of Create, Update, Delete, Import, DeleteMany and ResetPasses
//! until the power goes. Without `--load` it stops latchd with SIGTERM.
//!
//! Everything it has to say is an event line on standard output, the serial
//! console, which the host reads as it comes:
//!
//! ```text
//! PCUT {"e":"begin","c":2,"op":{...}} 5d41402a
//! ```
//!
//! a JSON object and the CRC-32 of its text; a line that does not check is
//! not counted (the last one may be cut short by the power cut). A client
//! writes its `begin` line and waits until the console has sent it
//! (`tcdrain`) before it makes the call, so every mutation latchd may have
//! received is known to the host; `ack` follows the reply.
//!
//! `check` runs on the host with the log of the boot before a cut and the log
//! of the boot after it: every acknowledged mutation must be there exactly, a
//! client's mutation in flight wholly or not at all (an Import of k items: all
//! k or none), latchd must have started on the data (a torn last journal line
//! is dropped; anything else refuses the start and fails the check), and what
//! `--check-config` read must be what latchd serves. It prints one
//! `power-cut-counts` line of figures and exits 1 on a failure.

use latchd::dbus::IdentifiersProxy;
// The model of acknowledged state, shared with the SIGKILL crash test.
#[path = "../common/mutations.rs"]
mod mutations;
use mutations::*;
use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use serde::Serialize;
use serde_json::{json, Value};
use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode, Stdio};
use std::time::{Duration, Instant};

/// Identifier numbers each client owns.
const DEFAULT_CLIENTS: usize = 4;
const CALL_TIMEOUT: Duration = Duration::from_secs(120);
const TAG: &str = "PCUT ";

// ---------------------------------------------------------------------------
// Event lines

/// Writes one event line and waits until the terminal has sent it.
fn emit(event: &Value) {
    let text = event.to_string();
    let line = format!("{TAG}{text} {:08x}\n", crc32fast::hash(text.as_bytes()));
    let stdout = std::io::stdout();
    // The lock keeps lines whole and in order across the clients.
    let mut out = stdout.lock();
    out.write_all(line.as_bytes())
        .and_then(|_| out.flush())
        .expect("standard output");
    // On the serial console: return only once the UART has handed the line
    // to QEMU, so it outlives a power cut that comes right after. Not a
    // terminal (a pipe, a file): nothing to wait for.
    let _ = nix::sys::termios::tcdrain(std::io::stdout());
    drop(out);
}

/// The events of a log, in order; lines that do not check are skipped. The
/// second value counts skipped lines that were not the last event line (a
/// garbled console, not a power cut).
fn read_events(path: &Path) -> (Vec<Value>, usize) {
    let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let text = String::from_utf8_lossy(&bytes);
    let lines: Vec<&str> = text
        .lines()
        .filter_map(|l| l.find(TAG).map(|at| l[at + TAG.len()..].trim_end()))
        .collect();
    let mut events = Vec::new();
    let mut garbled = 0;
    for (n, line) in lines.iter().enumerate() {
        let parsed = line.rsplit_once(' ').and_then(|(json, crc)| {
            let crc = u32::from_str_radix(crc, 16).ok()?;
            (crc32fast::hash(json.as_bytes()) == crc)
                .then(|| serde_json::from_str::<Value>(json).ok())
                .flatten()
        });
        match parsed {
            Some(event) => events.push(event),
            None if n + 1 == lines.len() => {}
            None => {
                eprintln!("{}: a garbled event line: {line:?}", path.display());
                garbled += 1;
            }
        }
    }
    (events, garbled)
}

/// The served items split by the client owning their number; items no
/// client owns come back on their own.
fn split_by_client(items: &[Value], clients: usize) -> (Vec<Observed>, Vec<Value>) {
    let owners: BTreeMap<String, usize> = (0..clients)
        .flat_map(|c| pool(c).into_iter().map(move |n| (n, c)))
        .collect();
    let mut by_client = vec![Observed::new(); clients];
    let mut strays = Vec::new();
    for item in items {
        let number = item["identifier_number"].as_str().unwrap_or("").to_string();
        match owners.get(&number) {
            Some(&c) => {
                by_client[c].insert(number, (uid_of_item(item), item.clone()));
            }
            None => strays.push(item.clone()),
        }
    }
    (by_client, strays)
}

fn model_of(observed: &Observed) -> Model {
    observed
        .iter()
        .map(|(number, (uid, item))| {
            let entry = Entry {
                uid: Some(*uid),
                body: body_of_item(item),
                passes_left: item["additional"]["passes_left"].as_i64().unwrap(),
            };
            (number.clone(), entry)
        })
        .collect()
}

// ---------------------------------------------------------------------------
// The guest side

struct Client {
    id: usize,
    boot: u64,
    rng: StdRng,
    model: Model,
    /// Makes every body unique, so an applied Update is told from one that was not.
    serial: u64,
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
            "client {} boot {} op {} {}",
            self.id,
            self.boot,
            self.serial,
            "x".repeat(rng.gen_range(0..40))
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

    /// Runs mutations until the power goes; returns only on an error, which
    /// before a power cut is a failure.
    async fn run(mut self, conn: zbus::Connection) {
        let ids = match identifiers(&conn).await {
            Ok(ids) => ids,
            Err(e) => {
                emit(&json!({"e": "error", "c": self.id, "error": e.to_string()}));
                return;
            }
        };
        loop {
            let op = self.next_op();
            // Sent, and drained, before the call: the host knows every
            // mutation latchd may have received.
            emit(&json!({"e": "begin", "c": self.id, "op": op}));
            match tokio::time::timeout(CALL_TIMEOUT, execute(&ids, &op)).await {
                Ok(Ok(uids)) => {
                    self.model = apply(&self.model, &op, uids.as_deref());
                    emit(&json!({"e": "ack", "c": self.id, "uids": uids}));
                }
                Ok(Err(e)) => {
                    let (name, message) = e.name_and_message();
                    emit(&json!({"e": "error", "c": self.id, "op": op.name(),
                                 "error": format!("{name}: {message}")}));
                    return;
                }
                Err(_) => {
                    emit(&json!({"e": "error", "c": self.id, "op": op.name(),
                                 "error": "no reply within the call timeout"}));
                    return;
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

async fn identifiers(conn: &zbus::Connection) -> zbus::Result<IdentifiersProxy<'static>> {
    IdentifiersProxy::builder(conn)
        .cache_properties(zbus::proxy::CacheProperties::No)
        .build()
        .await
}

async fn connect(address: &str) -> zbus::Result<zbus::Connection> {
    zbus::connection::Builder::address(address)?.build().await
}

/// Every item latchd serves, through List.
async fn list_all(ids: &IdentifiersProxy<'_>) -> Result<Vec<Value>, latchd::dbus::Error> {
    let mut items = Vec::new();
    for page in 1.. {
        let query = json!({"limit": 1000, "page_number": page}).to_string();
        let page: Value =
            serde_json::from_str(&ids.list(&query).await?).expect("List answers JSON");
        let list = page["list_items"].as_array().expect("list_items");
        if list.is_empty() {
            break;
        }
        items.extend(list.iter().cloned());
    }
    Ok(items)
}

/// The data folder's files with their sizes, and the snapshot's `last_seq`.
fn files_event(data: &Path) -> Value {
    let mut files = BTreeMap::new();
    if let Ok(entries) = std::fs::read_dir(data) {
        for entry in entries.flatten() {
            let size = entry.metadata().map(|m| m.len()).unwrap_or(0);
            files.insert(entry.file_name().to_string_lossy().into_owned(), size);
        }
    }
    let last_seq = std::fs::read_to_string(data.join("identifiers.toml"))
        .ok()
        .and_then(|text| toml::from_str::<toml::Table>(&text).ok())
        .and_then(|t| t.get("last_seq").and_then(|v| v.as_integer()));
    json!({"e": "files", "files": files, "last_seq": last_seq})
}

fn journal_segments(data: &Path) -> BTreeSet<String> {
    std::fs::read_dir(data)
        .map(|entries| {
            entries
                .flatten()
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .filter(|n| n.starts_with("journal-"))
                .collect()
        })
        .unwrap_or_default()
}

struct GuestArgs {
    config: PathBuf,
    data: PathBuf,
    bus: String,
    latchd: PathBuf,
    boot: u64,
    seed: u64,
    clients: usize,
    load: bool,
}

fn tail(path: &Path, lines: usize) -> String {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let all: Vec<&str> = text.lines().collect();
    all[all.len().saturating_sub(lines)..].join("\n")
}

async fn guest(args: GuestArgs) -> ExitCode {
    emit(&json!({"e": "boot", "boot": args.boot, "seed": args.seed,
                 "clients": args.clients, "load": args.load}));
    emit(&files_event(&args.data));

    // What is on the disk, read without writing, before latchd touches it.
    let checked = Command::new(&args.latchd)
        .arg("--check-config")
        .arg(&args.config)
        .output();
    let checked = match checked {
        Ok(out) => {
            let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
            let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
            let count = stdout
                .split_once("; ")
                .and_then(|(_, rest)| rest.split(' ').next())
                .and_then(|n| n.parse::<u64>().ok());
            json!({"e": "checked", "ok": out.status.success(), "identifiers": count,
                   "torn_tail": stdout.contains("incomplete last journal line"),
                   "output": format!("{stdout}{stderr}").trim()})
        }
        Err(e) => json!({"e": "checked", "ok": false, "output": e.to_string()}),
    };
    let ok = checked["ok"] == json!(true);
    emit(&checked);
    if !ok {
        return ExitCode::FAILURE;
    }

    let log = args.config.with_file_name("latchd.log");
    let mut daemon = match Command::new(&args.latchd)
        .arg("--config")
        .arg(&args.config)
        .arg("--bus-address")
        .arg(&args.bus)
        .env("LATCHD_LOG", "info")
        .env_remove("JOURNAL_STREAM")
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(&log).expect("latchd log"))
        .spawn()
    {
        Ok(child) => child,
        Err(e) => {
            emit(&json!({"e": "start-failed", "error": e.to_string()}));
            return ExitCode::FAILURE;
        }
    };
    let started = Instant::now();
    let checker = match connect(&args.bus).await {
        Ok(conn) => conn,
        Err(e) => {
            emit(&json!({"e": "start-failed", "error": format!("bus: {e}")}));
            return ExitCode::FAILURE;
        }
    };
    let dbus = zbus::fdo::DBusProxy::new(&checker)
        .await
        .expect("bus proxy");
    let name = zbus::names::BusName::try_from(latchd::dbus::BUS_NAME).expect("bus name");
    loop {
        if let Ok(Some(status)) = daemon.try_wait() {
            emit(
                &json!({"e": "start-failed", "error": format!("latchd exited: {status}"),
                         "log": tail(&log, 20)}),
            );
            return ExitCode::FAILURE;
        }
        if dbus.name_has_owner(name.clone()).await.unwrap_or(false) {
            break;
        }
        if started.elapsed() > Duration::from_secs(120) {
            emit(
                &json!({"e": "start-failed", "error": "latchd did not take its name in 120 s",
                         "log": tail(&log, 20)}),
            );
            let _ = daemon.kill();
            return ExitCode::FAILURE;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    emit(
        &json!({"e": "started", "millis": started.elapsed().as_millis() as u64,
                 "log": tail(&log, 5)}),
    );

    let ids = identifiers(&checker).await.expect("proxy");
    let items = match list_all(&ids).await {
        Ok(items) => items,
        Err(e) => {
            emit(&json!({"e": "start-failed", "error": format!("List: {e}")}));
            return ExitCode::FAILURE;
        }
    };
    for item in &items {
        emit(&json!({"e": "item", "item": item}));
    }
    let count = ids.count().await.ok();
    emit(&json!({"e": "dumped", "items": items.len(), "count": count}));

    if !args.load {
        let pid = nix::unistd::Pid::from_raw(daemon.id() as i32);
        let _ = nix::sys::signal::kill(pid, nix::sys::signal::Signal::SIGTERM);
        let status = tokio::task::block_in_place(|| daemon.wait());
        let code = status.ok().and_then(|s| s.code());
        emit(&json!({"e": "stopped", "status": code, "log": tail(&log, 5)}));
        return if code == Some(0) {
            ExitCode::SUCCESS
        } else {
            ExitCode::FAILURE
        };
    }

    let (by_client, _) = split_by_client(&items, args.clients);
    let mut seeder = StdRng::seed_from_u64(args.seed);
    let mut tasks = Vec::new();
    for (id, observed) in by_client.iter().enumerate() {
        let conn = match connect(&args.bus).await {
            Ok(conn) => conn,
            Err(e) => {
                emit(&json!({"e": "error", "c": id, "error": format!("bus: {e}")}));
                return ExitCode::FAILURE;
            }
        };
        let client = Client {
            id,
            boot: args.boot,
            rng: StdRng::seed_from_u64(seeder.gen()),
            model: model_of(observed),
            serial: 0,
        };
        tasks.push(tokio::spawn(client.run(conn)));
    }
    // The journal rotates when a compaction begins: say so, the host may
    // aim its cut there.
    let data = args.data.clone();
    tokio::spawn(async move {
        let mut seen = journal_segments(&data);
        loop {
            tokio::time::sleep(Duration::from_millis(5)).await;
            let now = journal_segments(&data);
            for name in now.difference(&seen) {
                emit(&json!({"e": "rotated", "segment": name}));
            }
            seen = now;
        }
    });
    // Clients return only on errors.
    for task in tasks {
        let _ = task.await;
    }
    emit(&json!({"e": "clients-stopped", "log": tail(&log, 20)}));
    let _ = daemon.kill();
    ExitCode::FAILURE
}

// ---------------------------------------------------------------------------
// The host side

#[derive(Default, Serialize)]
struct Counts {
    cuts: u64,
    failed: u64,
    acked: u64,
    lost: u64,
    in_flight: u64,
    applied: u64,
    torn: u64,
    uid_errors: u64,
    torn_tails: u64,
    rotations: u64,
    /// Cuts that left a compaction unfinished (a snapshot being written, or
    /// segments it covers not yet deleted).
    mid_compaction: u64,
    items: u64,
}

/// One boot's log, read.
struct Boot {
    path: PathBuf,
    events: Vec<Value>,
    garbled: usize,
}

impl Boot {
    fn read(path: &Path) -> Boot {
        let (events, garbled) = read_events(path);
        Boot {
            path: path.to_path_buf(),
            events,
            garbled,
        }
    }

    fn first(&self, kind: &str) -> Option<&Value> {
        self.events.iter().find(|e| e["e"] == kind)
    }

    fn clients(&self) -> usize {
        self.first("boot")
            .and_then(|b| b["clients"].as_u64())
            .unwrap_or(DEFAULT_CLIENTS as u64) as usize
    }

    /// The items latchd served at this boot's start, if it got that far.
    fn items(&self) -> Option<Vec<Value>> {
        self.first("dumped")?;
        Some(
            self.events
                .iter()
                .filter(|e| e["e"] == "item")
                .map(|e| e["item"].clone())
                .collect(),
        )
    }

    /// Why latchd did not start or serve here, if it did not.
    fn start_problem(&self) -> Option<String> {
        if self.first("mount-failed").is_some() {
            return Some("the disk did not mount".into());
        }
        let Some(checked) = self.first("checked") else {
            return Some("no --check-config result (the guest did not get that far)".into());
        };
        if checked["ok"] != json!(true) {
            return Some(format!(
                "latchd --check-config refused the data: {}",
                checked["output"].as_str().unwrap_or("?")
            ));
        }
        if let Some(failed) = self.first("start-failed") {
            return Some(format!(
                "latchd did not start: {} {}",
                failed["error"],
                failed["log"].as_str().unwrap_or("")
            ));
        }
        let dumped = self.first("dumped")?.clone();
        let items = self.items().unwrap_or_default().len() as u64;
        if dumped["count"].as_u64() != Some(items) {
            return Some(format!(
                "Count says {} but List gave {items} items",
                dumped["count"]
            ));
        }
        if checked["identifiers"].as_u64() != Some(items) {
            return Some(format!(
                "--check-config read {} identifiers but latchd serves {items}",
                checked["identifiers"]
            ));
        }
        None
    }
}

/// Checks one power cut: `before` is the boot that was cut, `after` the next.
fn check(before: &Boot, after: &Boot, last: bool) -> Counts {
    let mut counts = Counts {
        cuts: 1,
        ..Counts::default()
    };
    let fail = |what: String| {
        eprintln!("{what}");
        1u64
    };
    let mut failures = 0u64;
    let cut = before.path.display();
    if before.garbled + after.garbled > 0 {
        failures += fail(format!("{cut}: garbled event lines on the console"));
    }
    let Some(start_items) = before.items() else {
        counts.failed = fail(format!(
            "{cut}: the boot before the cut never served its data, so nothing was cut: {}",
            before
                .start_problem()
                .unwrap_or_else(|| "no dump".to_string())
        ));
        return counts;
    };
    if let Some(problem) = after.start_problem() {
        counts.failed = fail(format!("{cut}: after the cut: {problem}"));
        return counts;
    }
    let end_items = after.items().expect("checked by start_problem");
    counts.items = end_items.len() as u64;
    if after.first("checked").unwrap()["torn_tail"] == json!(true) {
        counts.torn_tails = 1;
    }
    counts.rotations = before.events.iter().filter(|e| e["e"] == "rotated").count() as u64;
    // A compaction this boot began (the journal rotated) and the cut left
    // unfinished: a snapshot being written, or segments before the new one
    // not deleted yet.
    let newest_rotation = before
        .events
        .iter()
        .filter(|e| e["e"] == "rotated")
        .filter_map(|e| e["segment"].as_str())
        .max();
    if let (Some(rotated), Some(files)) = (
        newest_rotation,
        after.first("files").and_then(|f| f["files"].as_object()),
    ) {
        let unfinished = files.keys().any(|n| n.ends_with(".tmp"))
            || files
                .keys()
                .any(|n| n.starts_with("journal-") && n.as_str() < rotated);
        counts.mid_compaction = unfinished as u64;
    }
    if last {
        let stopped = after.first("stopped").map(|s| s["status"].clone());
        if stopped != Some(json!(0)) {
            failures += fail(format!(
                "{}: latchd did not stop with 0 on SIGTERM: {stopped:?}",
                after.path.display()
            ));
        }
        let fsck = after.first("fsck").map(|s| s["status"].clone());
        if fsck != Some(json!(0)) {
            failures += fail(format!(
                "{}: e2fsck found the file system unclean: {fsck:?}",
                after.path.display()
            ));
        }
    }

    let clients = before.clients();
    let (start, strays) = split_by_client(&start_items, clients);
    if !strays.is_empty() {
        failures += fail(format!("{cut}: identifiers no client made: {strays:?}"));
    }
    let mut models: Vec<Model> = start.iter().map(model_of).collect();
    let mut pending: Vec<Option<Op>> = vec![None; clients];
    // Every uid answered or seen: an applied in-flight mutation gets new ones.
    let mut known_uids: HashSet<u32> = start_items.iter().map(uid_of_item).collect();
    let dumped_at = before
        .events
        .iter()
        .position(|e| e["e"] == "dumped")
        .unwrap();
    for event in &before.events[dumped_at + 1..] {
        let c = event["c"].as_u64().map(|c| c as usize);
        match (event["e"].as_str(), c) {
            (Some("begin"), Some(c)) if c < clients => {
                let op: Op = serde_json::from_value(event["op"].clone()).expect("an op");
                if pending[c].replace(op).is_some() {
                    failures += fail(format!("{cut}: client {c} began twice"));
                }
            }
            (Some("ack"), Some(c)) if c < clients => {
                let Some(op) = pending[c].take() else {
                    failures += fail(format!("{cut}: client {c}: an answer to nothing"));
                    continue;
                };
                let uids: Option<Vec<u32>> =
                    serde_json::from_value(event["uids"].clone()).expect("uids");
                if let (Op::Import { bodies }, Some(uids)) = (&op, &uids) {
                    if uids.len() != bodies.len() {
                        failures += fail(format!("{cut}: client {c}: Import answered {uids:?}"));
                        continue;
                    }
                }
                known_uids.extend(uids.iter().flatten());
                models[c] = apply(&models[c], &op, uids.as_deref());
                counts.acked += 1;
            }
            (Some("error"), _) | (Some("clients-stopped"), _) => {
                failures += fail(format!("{cut}: a client failed before the cut: {event}"));
            }
            _ => {}
        }
    }

    let (observed, strays) = split_by_client(&end_items, clients);
    if !strays.is_empty() {
        failures += fail(format!(
            "{cut}: after the cut, identifiers no client made: {strays:?}"
        ));
        counts.lost += strays.len() as u64;
    }
    for c in 0..clients {
        let model = &models[c];
        let seen = &observed[c];
        let op = pending[c].take();
        let footprint = op.as_ref().map(Op::footprint).unwrap_or_default();
        // Acknowledged state outside the in-flight mutation: exactly as acknowledged.
        let outside: BTreeSet<String> = model
            .keys()
            .chain(seen.keys())
            .filter(|n| !footprint.contains(*n))
            .cloned()
            .collect();
        for number in &outside {
            if !agrees(model, seen, &[number.clone()].into()) {
                failures += fail(format!(
                    "{cut}: client {c} number {number}: acknowledged {:?}, after the cut {:?}",
                    model.get(number),
                    seen.get(number)
                ));
                counts.lost += 1;
            }
        }
        // The in-flight mutation: wholly applied or not at all.
        let Some(op) = op else { continue };
        counts.in_flight += 1;
        let applied = apply(model, &op, None);
        if agrees(model, seen, &footprint) {
            // Not applied.
        } else if agrees(&applied, seen, &footprint) {
            counts.applied += 1;
            let new_uids: Vec<u32> = match &op {
                Op::Create { body } => vec![seen[&number_of(body)].0],
                Op::Import { bodies } => bodies.iter().map(|b| seen[&number_of(b)].0).collect(),
                _ => vec![],
            };
            let consecutive = new_uids.windows(2).all(|w| w[1] == w[0] + 1);
            if !consecutive || new_uids.iter().any(|u| known_uids.contains(u)) {
                failures += fail(format!(
                    "{cut}: client {c}: in-flight {} got uids {new_uids:?}: reused or not consecutive",
                    op.name()
                ));
                counts.uid_errors += 1;
            }
        } else {
            failures += fail(format!(
                "{cut}: client {c}: in-flight {} is partly applied: {op:?}; after the cut {:?}",
                op.name(),
                footprint.iter().map(|n| seen.get(n)).collect::<Vec<_>>()
            ));
            counts.torn += 1;
        }
    }
    counts.failed = (failures > 0) as u64;
    counts
}

// ---------------------------------------------------------------------------

fn usage() -> ExitCode {
    eprintln!(
        "usage: power_cut guest --config FILE --data DIR --bus ADDRESS --latchd BIN --boot N --seed S [--clients C] [--load]\n\
         \x20      power_cut emit JSON\n\
         \x20      power_cut check BEFORE.log AFTER.log [--final]"
    );
    ExitCode::from(2)
}

fn parse_guest(args: &[String]) -> Option<GuestArgs> {
    let mut parsed = GuestArgs {
        config: PathBuf::new(),
        data: PathBuf::new(),
        bus: String::new(),
        latchd: PathBuf::new(),
        boot: 0,
        seed: 0,
        clients: DEFAULT_CLIENTS,
        load: false,
    };
    let mut it = args.iter();
    while let Some(flag) = it.next() {
        if flag == "--load" {
            parsed.load = true;
            continue;
        }
        let value = it.next()?;
        match flag.as_str() {
            "--config" => parsed.config = value.into(),
            "--data" => parsed.data = value.into(),
            "--bus" => parsed.bus = value.clone(),
            "--latchd" => parsed.latchd = value.into(),
            "--boot" => parsed.boot = value.parse().ok()?,
            "--seed" => parsed.seed = value.parse().ok()?,
            "--clients" => parsed.clients = value.parse().ok().filter(|c| *c > 0)?,
            _ => return None,
        }
    }
    let complete = !parsed.config.as_os_str().is_empty()
        && !parsed.data.as_os_str().is_empty()
        && !parsed.bus.is_empty()
        && !parsed.latchd.as_os_str().is_empty();
    complete.then_some(parsed)
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        Some("guest") => match parse_guest(&args[1..]) {
            Some(parsed) => guest(parsed).await,
            None => usage(),
        },
        Some("emit") if args.len() == 2 => match serde_json::from_str::<Value>(&args[1]) {
            Ok(event) => {
                emit(&event);
                ExitCode::SUCCESS
            }
            Err(e) => {
                eprintln!("power_cut emit: not JSON: {e}");
                ExitCode::from(2)
            }
        },
        Some("check") if args.len() == 3 || (args.len() == 4 && args[3] == "--final") => {
            let before = Boot::read(Path::new(&args[1]));
            let after = Boot::read(Path::new(&args[2]));
            let counts = check(&before, &after, args.len() == 4);
            println!(
                "power-cut-counts {}",
                serde_json::to_string(&counts).unwrap()
            );
            if counts.failed == 0 {
                ExitCode::SUCCESS
            } else {
                ExitCode::FAILURE
            }
        }
        _ => usage(),
    }
}
