//! Hostile and careless callers on a real bus: wrong signatures, bodies and
//! credentials of absurd size, pages that would outgrow the bus's message
//! limit, codes tried one after another, a flood of large messages, and the
//! bus going away. latchd answers each with a clear error, stays on the bus,
//! stores and logs nothing absurd, and never runs on without its bus.

use crate::common;
use common::*;
use latchd::domain::limits;
use serde_json::{json, Value};
use std::time::{Duration, Instant};

const BUS_NAME: &str = "org.latchd.Panel1";
const INVALID_ARGS: &str = "org.freedesktop.DBus.Error.InvalidArgs";
const LOCK: &str =
    "[clock]\nrequire_sync = false\n\n[[lock]]\nname = \"first\"\nopen_time_ms = 1000\n";

fn method_error(result: zbus::Result<zbus::Message>) -> (String, String) {
    match result {
        Err(zbus::Error::MethodError(name, message, _)) => {
            (name.as_str().to_string(), message.unwrap_or_default())
        }
        other => panic!("expected an error reply, got {other:?}"),
    }
}

#[tokio::test]
async fn a_wrong_signature_is_invalid_args() {
    let s = Setup::start("").await;
    let calls: [(&str, &str, zbus::Result<zbus::Message>); 3] = [
        (
            "/org/latchd/Panel1/Identifiers",
            "Get",
            s.conn
                .call_method(
                    Some(BUS_NAME),
                    "/org/latchd/Panel1/Identifiers",
                    Some("org.latchd.Panel1.Identifiers"),
                    "Get",
                    &("1",),
                )
                .await,
        ),
        (
            "/org/latchd/Panel1/Identifiers",
            "Create",
            s.conn
                .call_method(
                    Some(BUS_NAME),
                    "/org/latchd/Panel1/Identifiers",
                    Some("org.latchd.Panel1.Identifiers"),
                    "Create",
                    &(7u32, "x"),
                )
                .await,
        ),
        (
            "/org/latchd/Panel1/Access",
            "Present",
            s.conn
                .call_method(
                    Some(BUS_NAME),
                    "/org/latchd/Panel1/Access",
                    Some("org.latchd.Panel1.Access"),
                    "Present",
                    &("card",),
                )
                .await,
        ),
    ];
    for (path, method, result) in calls {
        let (name, message) = method_error(result);
        assert_eq!(name, INVALID_ARGS, "{path} {method}: {message}");
        assert!(message.starts_with(method), "{message}");
    }
    // Still serving.
    assert_eq!(s.identifiers().await.count().await.unwrap(), 0);
}

#[tokio::test]
async fn bodies_names_and_queries_are_bounded() {
    let s = Setup::start("").await;
    let ids = s.identifiers().await;
    let named = |name: &str| {
        json!({
            "identifier_owner": {"name": name, "type": "owner"},
            "identifier_type": "card", "identifier_number": "4242", "lock": "first",
        })
        .to_string()
    };
    let longest = "é".repeat(limits::MAX_OWNER_NAME);
    let too_long = "é".repeat(limits::MAX_OWNER_NAME + 1);
    let (name, message) = error_of(ids.create(&named(&too_long)).await);
    assert_eq!(
        (name.as_str(), message.as_str()),
        (BAD_REQUEST, "Wrong JSON body")
    );
    let uid = ids.create(&named(&longest)).await.unwrap();
    // An unknown field is ignored, but not without bound.
    let mut padded: Value = serde_json::from_str(&card("5555", "Pad")).unwrap();
    padded["padding"] = json!("x".repeat(limits::MAX_BODY));
    let (_, message) = error_of(ids.create(&padded.to_string()).await);
    assert_eq!(message, "Wrong JSON body");
    let (_, message) = error_of(ids.update(uid, &padded.to_string()).await);
    assert_eq!(message, "Wrong JSON body");
    // Bulk bodies and their item counts.
    let big_import = format!(
        "{{\"list_items\":[],\"padding\":\"{}\"}}",
        "x".repeat(limits::MAX_BULK_BODY)
    );
    let (_, message) = error_of(ids.import(&big_import).await);
    assert_eq!(message, "Wrong JSON body");
    let many = json!({ "uid_items": vec![uid; limits::MAX_BULK_ITEMS + 1] }).to_string();
    let (_, message) = error_of(ids.delete_many(&many).await);
    assert_eq!(message, "Wrong JSON body");
    // A filter value the reply would echo.
    let query = json!({
        "filter_field": "identifier_number",
        "filter_value": "9".repeat(limits::MAX_FILTER_VALUE + 1),
    });
    let (_, message) = error_of(ids.list(&query.to_string()).await);
    assert_eq!(message, "Wrong JSON body");
    let query = format!(
        "{{\"limit\":5,\"x\":\"{}\"}}",
        "y".repeat(limits::MAX_QUERY)
    );
    let (_, message) = error_of(ids.list(&query).await);
    assert_eq!(message, "Wrong JSON body");
    let access = AccessProxy::new(&s.conn).await.unwrap();
    let (_, message) = error_of(access.list_events(&query).await);
    assert_eq!(message, "Wrong JSON body");
    assert_eq!(ids.count().await.unwrap(), 1);
}

#[tokio::test]
async fn an_absurd_credential_is_refused_before_it_is_logged_or_recorded() {
    let s = Setup::start(LOCK).await;
    let access = AccessProxy::new(&s.conn).await.unwrap();
    let absurd = "q".repeat(8 << 20);
    for (kind, number) in [
        ("qr", absurd.as_str()),
        ("license_plate", &absurd[..101]),
        ("inputCode", "12345678901"),
        ("card", "12:34:zz"),
        ("face_id", &absurd[..limits::MAX_FACE_BASE64 + 1]),
    ] {
        let (name, message) = error_of(access.present(kind, number).await);
        assert_eq!(
            (name.as_str(), message.as_str()),
            (BAD_REQUEST, "Wrong identifier number"),
            "{kind}"
        );
    }
    // Not decided, so no event; the log has a line with its size only.
    let events: Value =
        serde_json::from_str(&access.list_events(r#"{"limit":100}"#).await.unwrap()).unwrap();
    assert_eq!(events["list_items"], json!([]));
    let log = s.daemon.log();
    assert!(log.contains("Present refused a number that is not of its type"));
    assert!(
        !log.contains("qqqqqqqq"),
        "the absurd number reached the log"
    );
    assert!(log.len() < 64 * 1024, "the log grew to {} bytes", log.len());
    // A well-formed unknown credential is still an ordinary denial.
    assert_eq!(
        access
            .present("qr", "123e4567-e89b-12d3-a456-426614174099")
            .await
            .unwrap(),
        (false, "unknown identifier".to_string())
    );
}

#[tokio::test]
async fn a_page_is_bounded_in_bytes() {
    // face_id numbers are the largest values latchd stores: 800 of the
    // longest make a page of 1000 larger than latchd replies.
    let dims = 4096;
    let s = Setup::start(&format!(
        "[panel]\nface_recognition = true\nface_dimensions = {dims}\n"
    ))
    .await;
    let ids = s.identifiers().await;
    use base64::Engine;
    let face = |n: u32| {
        let values: Vec<u8> = (0..dims)
            .flat_map(|i| ((n * 7919 + i) as f32).to_le_bytes())
            .collect();
        base64::engine::general_purpose::STANDARD.encode(values)
    };
    for chunk in 0..8u32 {
        let items: Vec<Value> = (0..100)
            .map(|i| {
                json!({
                    "identifier_owner": {"name": "F", "type": "owner"},
                    "identifier_type": "face_id",
                    "identifier_number": face(chunk * 100 + i),
                    "lock": "first",
                })
            })
            .collect();
        ids.import(&json!({ "list_items": items }).to_string())
            .await
            .unwrap();
    }
    let (name, message) = error_of(ids.list(r#"{"limit":1000}"#).await);
    assert_eq!(name, BAD_REQUEST);
    assert_eq!(
        message,
        "Wrong JSON body: the page would be too large; ask for a smaller limit"
    );
    let page: Value = serde_json::from_str(&ids.list(r#"{"limit":300}"#).await.unwrap()).unwrap();
    assert_eq!(page["list_items"].as_array().unwrap().len(), 300);
    assert_eq!(page["list_option"]["pagination"]["total_items"], 800);
}

#[tokio::test]
async fn codes_presented_over_dbus_lock_the_caller_out() {
    let s = Setup::start(LOCK).await;
    enrol(&s, "inputCode", "4711").await;
    let access = AccessProxy::new(&s.conn).await.unwrap();
    assert!(access.present("inputCode", "4711").await.unwrap().0);
    for code in ["1000", "1001", "1002", "1003", "1004"] {
        assert_eq!(
            access.present("inputCode", code).await.unwrap(),
            (false, "unknown identifier".to_string())
        );
    }
    // Locked out: the right code and the master code are refused unseen.
    for code in ["4711", "1234"] {
        assert_eq!(
            access.present("inputCode", code).await.unwrap(),
            (false, "locked out".to_string())
        );
    }
    let events = access.list_events(r#"{"limit":20}"#).await.unwrap();
    assert!(events.contains("caller locked out"), "{events}");
    // Each type has its own count: cards are not locked out by codes.
    assert_eq!(
        access.present("card", "11:22:33:44").await.unwrap(),
        (false, "unknown identifier".to_string())
    );
}

/// Creates an identifier of owner "A" for lock `first`.
async fn enrol(s: &Setup, kind: &str, number: &str) {
    let body = json!({
        "identifier_owner": {"name": "A", "type": "owner"},
        "identifier_type": kind, "identifier_number": number, "lock": "first",
    });
    s.identifiers()
        .await
        .create(&body.to_string())
        .await
        .unwrap();
}

/// What `present` answered for each credential, sent 100 at a time on one
/// connection (a guesser does not wait for one answer before the next).
async fn present_all(
    access: &AccessProxy<'_>,
    kind: &str,
    numbers: &[String],
) -> Vec<(bool, String)> {
    let mut answers = Vec::new();
    for chunk in numbers.chunks(100) {
        let replies =
            futures_util::future::join_all(chunk.iter().map(|n| access.present(kind, n))).await;
        answers.extend(replies.into_iter().map(|r| r.unwrap()));
    }
    answers
}

fn decided(answers: &[(bool, String)]) -> usize {
    answers
        .iter()
        .filter(|(_, reason)| reason != "locked out")
        .count()
}

/// A feeder guessing card numbers is held to the card limit (10 wrong in
/// a minute): of 1,000 guesses sent at once only 10 are decided, and the
/// right card after them is refused unseen.
#[tokio::test]
async fn a_feeder_cannot_enumerate_cards() {
    let s = Setup::start(LOCK).await;
    let ids = s.identifiers().await;
    ids.create(&card("00:01:ff:ff", "A")).await.unwrap();
    let access = AccessProxy::new(&s.conn).await.unwrap();
    // A facility's 16-bit range, from the bottom.
    let guesses: Vec<String> = (0..1000u32)
        .map(|n| format!("00:01:{:02x}:{:02x}", n >> 8, n & 0xff))
        .collect();
    let answers = present_all(&access, "card", &guesses).await;
    assert_eq!(decided(&answers), 10, "only the limit is decided");
    assert!(answers.iter().all(|(granted, _)| !granted));
    assert_eq!(
        access.present("card", "00:01:ff:ff").await.unwrap(),
        (false, "locked out".to_string())
    );
    let events = access.list_events(r#"{"limit":20}"#).await.unwrap();
    assert!(events.contains("caller locked out"), "{events}");
    // Other types keep their own counts.
    assert_eq!(
        access.present("inputCode", "4711").await.unwrap(),
        (false, "unknown identifier".to_string())
    );
}

/// Four wrong codes and then the one the feeder knows, over and over: the
/// right code forgives nothing, the fifth wrong one locks the caller out.
#[tokio::test]
async fn a_right_code_does_not_clear_the_count() {
    let s = Setup::start(LOCK).await;
    enrol(&s, "inputCode", "4711").await;
    let access = AccessProxy::new(&s.conn).await.unwrap();
    let mut wrong_decided = 0;
    for n in 0..600 {
        let code = if n % 5 == 4 {
            "4711".to_string()
        } else {
            format!("{:04}", 5000 + n)
        };
        let (granted, reason) = access.present("inputCode", &code).await.unwrap();
        if reason == "locked out" {
            break;
        }
        if !granted {
            wrong_decided += 1;
        }
    }
    assert_eq!(
        wrong_decided, 5,
        "the fifth wrong code locks the caller out"
    );
    // The master code too is refused unseen now.
    assert_eq!(
        access.present("inputCode", "1234").await.unwrap(),
        (false, "locked out".to_string())
    );
}

/// 40 wrong codes in flight at once on one connection: the lockout is
/// checked and counted in one step, so no more than its five are decided.
#[tokio::test]
async fn codes_in_flight_cannot_race_the_lockout() {
    let s = Setup::start(LOCK).await;
    let access = AccessProxy::new(&s.conn).await.unwrap();
    let codes: Vec<String> = (0..40).map(|n| format!("{:04}", 7000 + n)).collect();
    let answers = present_all(&access, "inputCode", &codes).await;
    assert_eq!(decided(&answers), 5, "{answers:?}");
    assert_eq!(
        access.present("inputCode", "1234").await.unwrap(),
        (false, "locked out".to_string())
    );
}

/// A busy plate reader sees unknown cars all day, each in many frames: 59
/// different unknown plates five times each within a minute are all
/// decided, and an enrolled car still opens.
#[tokio::test]
async fn a_busy_plate_reader_is_not_locked_out() {
    let s = Setup::start(LOCK).await;
    enrol(&s, "license_plate", "AA1234BB").await;
    let access = AccessProxy::new(&s.conn).await.unwrap();
    for frame in 0..5 {
        for car in 0..59 {
            let plate = format!("XY{car:04}Z");
            assert_eq!(
                access.present("license_plate", &plate).await.unwrap(),
                (false, "unknown identifier".to_string()),
                "frame {frame}, car {car}"
            );
        }
    }
    assert!(access.present("license_plate", "AA1234BB").await.unwrap().0);
}

/// Limits are configured per type in `[auth.present_limits]`.
#[tokio::test]
async fn present_limits_are_configured_per_type() {
    let s = Setup::start(&format!(
        "{LOCK}\n[auth.present_limits.qr]\nmax_denials = 2\nlockout_s = 600\n"
    ))
    .await;
    let access = AccessProxy::new(&s.conn).await.unwrap();
    let uuids: Vec<String> = (0..5)
        .map(|n| format!("123e4567-e89b-12d3-a456-42661417400{n}"))
        .collect();
    let answers = present_all(&access, "qr", &uuids).await;
    assert_eq!(decided(&answers), 2, "{answers:?}");
}

/// The modes of the data folder and of every file in it.
fn modes(data: &std::path::Path) -> Vec<(String, u32)> {
    use std::os::unix::fs::MetadataExt;
    let mut modes = vec![(
        ".".to_string(),
        std::fs::metadata(data).unwrap().mode() & 0o7777,
    )];
    for entry in std::fs::read_dir(data).unwrap() {
        let entry = entry.unwrap();
        let mode = entry.metadata().unwrap().mode() & 0o7777;
        modes.push((entry.file_name().to_string_lossy().into_owned(), mode));
    }
    modes.sort();
    modes
}

/// Started from a shell with umask 022 rather than under its unit, latchd
/// still keeps its data private: the folder 0700, the snapshot, journal,
/// event log and lock 0600 (others could read every code, or hold the
/// lock so that latchd never starts). Files found open are made private,
/// with a warning.
#[tokio::test]
async fn the_data_is_private_whatever_the_umask() {
    use std::os::unix::fs::PermissionsExt;
    nix::sys::stat::umask(nix::sys::stat::Mode::from_bits_truncate(0o022));
    let mut s = Setup::start(LOCK).await;
    let ids = s.identifiers().await;
    // Enough to compact the journal into a snapshot.
    let items: Vec<Value> = (0..400)
        .map(|i| {
            json!({
                "identifier_owner": {"name": "F", "type": "owner"},
                "identifier_type": "inputCode",
                "identifier_number": format!("{}", 100_000 + i),
                "lock": "first",
            })
        })
        .collect();
    ids.import(&json!({ "list_items": items }).to_string())
        .await
        .unwrap();
    let access = AccessProxy::new(&s.conn).await.unwrap();
    access.present("inputCode", "100000").await.unwrap();
    let snapshot = s.data.join("identifiers.toml");
    let deadline = Instant::now() + Duration::from_secs(20);
    while !snapshot.exists() && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(snapshot.exists(), "no compaction");
    assert_eq!(s.daemon.stop(), Some(0));
    let found = modes(&s.data);
    for name in ["identifiers.toml", "events.toml", ".lock"] {
        assert!(
            found.iter().any(|(n, _)| n == name),
            "{name} missing: {found:?}"
        );
    }
    assert!(
        found.iter().any(|(n, _)| n.starts_with("journal-")),
        "{found:?}"
    );
    for (name, mode) in &found {
        let private = if name == "." { 0o700 } else { 0o600 };
        assert_eq!(*mode, private, "{name}: {mode:o}");
    }

    // Opened up by hand (or left so by an older latchd): made private at
    // the next start, with a warning for each.
    std::fs::set_permissions(&s.data, std::fs::Permissions::from_mode(0o755)).unwrap();
    for (name, _) in &found[1..] {
        std::fs::set_permissions(s.data.join(name), std::fs::Permissions::from_mode(0o644))
            .unwrap();
    }
    s.restart_stopped();
    for (name, mode) in modes(&s.data) {
        let private = if name == "." { 0o750 } else { 0o600 };
        assert_eq!(mode, private, "{name}: {mode:o}");
    }
    let log = s.daemon.log();
    assert!(
        log.contains("the data folder was open to every user; made private"),
        "{log}"
    );
    assert_eq!(
        s.daemon
            .log_count("a data file was open to other users; made private"),
        found.len() - 1,
        "{log}"
    );
}

/// Resident and peak memory of a process, in KiB.
fn memory_kib(pid: u32) -> (u64, u64) {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    let field = |name: &str| -> u64 {
        status
            .lines()
            .find_map(|l| l.strip_prefix(name))
            .and_then(|v| v.split_whitespace().next())
            .and_then(|v| v.parse().ok())
            .unwrap()
    };
    (field("VmRSS:"), field("VmHWM:"))
}

#[tokio::test]
async fn memory_returns_after_a_flood_of_large_messages() {
    let s = Setup::start("").await;
    let pid = s.daemon.child.id();
    let ids = s.identifiers().await;
    ids.create(&card("1", "Warm")).await.unwrap();
    tokio::time::sleep(Duration::from_millis(200)).await;
    let (before, _) = memory_kib(pid);
    // Eight clients, three 30 MB bodies each, all at once.
    let body = format!(
        "{{\"identifier_owner\":{{\"name\":\"{}\"}}}}",
        "x".repeat(30 << 20)
    );
    let mut flood = tokio::task::JoinSet::new();
    for _ in 0..8 {
        let (address, body) = (s.bus.address.clone(), body.clone());
        flood.spawn(async move {
            let conn = zbus::connection::Builder::address(address.as_str())
                .unwrap()
                .build()
                .await
                .unwrap();
            let ids = IdentifiersProxy::new(&conn).await.unwrap();
            let mut refused = 0;
            for _ in 0..3 {
                // latchd refuses it, or the bus does when too much is queued
                // for latchd already.
                // Every call is answered: a call latchd holds without an
                // answer also holds its 30 MB.
                let call = tokio::time::timeout(Duration::from_secs(60), ids.create(&body));
                let answer = call
                    .await
                    .expect("a call of the flood had no answer in 60 s");
                let (name, message) = error_of(answer);
                assert!(
                    message == "Wrong JSON body"
                        || name == "org.freedesktop.DBus.Error.LimitsExceeded",
                    "{name}: {message}"
                );
                refused += usize::from(message == "Wrong JSON body");
            }
            refused
        });
    }
    let refused: usize = flood.join_all().await.into_iter().sum();
    assert!(refused > 0, "latchd refused none of the flood itself");
    drop(body);
    let (_, peak) = memory_kib(pid);
    // Settled: back near where it was (waited for, not slept on); the
    // connection may keep one read buffer of the largest message (32 MiB).
    let deadline = Instant::now() + Duration::from_secs(20);
    let settled = loop {
        let (now, _) = memory_kib(pid);
        if now < before + 40 * 1024 || Instant::now() > deadline {
            break now;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    eprintln!(
        "memory: {} MiB before, peak {} MiB, settled {} MiB",
        before / 1024,
        peak / 1024,
        settled / 1024
    );
    assert!(
        settled < before + 40 * 1024,
        "latchd kept {} MiB after the flood ({} MiB before)",
        settled / 1024,
        before / 1024
    );
    assert_eq!(ids.count().await.unwrap(), 1);
}

#[tokio::test]
async fn losing_the_bus_ends_latchd_with_a_failure() {
    let mut s = Setup::start("").await;
    let pid = nix::unistd::Pid::from_raw(s.bus.pid() as i32);
    nix::sys::signal::kill(pid, nix::sys::signal::Signal::SIGKILL).unwrap();
    let deadline = Instant::now() + Duration::from_secs(20);
    let status = loop {
        if let Some(status) = s.daemon.child.try_wait().unwrap() {
            break status;
        }
        assert!(Instant::now() < deadline, "latchd ran on without its bus");
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    assert_eq!(status.code(), Some(1));
    assert!(
        s.daemon
            .log()
            .contains("lost the connection to the bus; exiting to be restarted"),
        "{}",
        s.daemon.log()
    );
}
