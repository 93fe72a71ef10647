//! `latchctl` against the real latchd on a private bus: every subcommand,
//! its tables and JSON, each error class with its exit status and message,
//! CSV and JSON round trips, `events follow`, and the committed man page.
//!
//! The calls as other users (Unauthorized, Forbidden) and the refused write
//! (StorageFailed) need root: as any other user those tests say they are
//! skipped and pass.

#[path = "../common/mod.rs"]
mod common;
use common::*;
use serde_json::{json, Value};
use std::process::Stdio;
use std::time::Duration;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};

const LATCHCTL: &str = env!("CARGO_BIN_EXE_latchctl");

/// Two virtual locks that stay open long enough to be seen open; a clock
/// that need not be synchronised for windows in time.
const LOCKS: &str = "[clock]\nrequire_sync = false\n\n\
[[lock]]\nname = \"first\"\nopen_time_ms = 30000\n\n\
[[lock]]\nname = \"second\"\nopen_time_ms = 30000\n";

/// What a run of latchctl did.
#[derive(Debug)]
struct Run {
    status: i32,
    stdout: String,
    stderr: String,
}

/// Runs `program` (latchctl, or a command that runs it as another user)
/// with `args` on `bus`, feeding it `input`.
async fn run_as(program: &[String], bus: &Bus, args: &[&str], input: Option<&str>) -> Run {
    let mut cmd = tokio::process::Command::new(&program[0]);
    cmd.args(&program[1..])
        .arg("--address")
        .arg(&bus.address)
        .args(args)
        .env_remove("DBUS_SYSTEM_BUS_ADDRESS")
        .stdin(if input.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = cmd.spawn().expect("latchctl runs");
    if let Some(input) = input {
        let mut stdin = child.stdin.take().unwrap();
        stdin.write_all(input.as_bytes()).await.unwrap();
    }
    let out = tokio::time::timeout(Duration::from_secs(60), child.wait_with_output())
        .await
        .unwrap_or_else(|_| panic!("latchctl {args:?} did not finish within 60 s"))
        .unwrap();
    Run {
        status: out.status.code().expect("latchctl exits, not killed"),
        stdout: String::from_utf8(out.stdout).unwrap(),
        stderr: String::from_utf8(out.stderr).unwrap(),
    }
}

async fn latchctl(bus: &Bus, args: &[&str]) -> Run {
    run_as(&[LATCHCTL.to_string()], bus, args, None).await
}

/// Runs latchctl, which must succeed; its standard output.
async fn ok(bus: &Bus, args: &[&str]) -> String {
    let run = latchctl(bus, args).await;
    assert_eq!(run.status, 0, "latchctl {args:?}: {run:?}");
    assert_eq!(run.stderr, "", "latchctl {args:?}");
    run.stdout
}

/// Runs latchctl, which must succeed and print JSON.
async fn ok_json(bus: &Bus, args: &[&str]) -> Value {
    let mut all = vec!["--output", "json"];
    all.extend(args);
    let out = ok(bus, &all).await;
    serde_json::from_str(&out).unwrap_or_else(|e| panic!("{args:?} printed {out:?}: {e}"))
}

/// Asserts that `run` failed with `status` and that standard error starts
/// with the line `first` (after `latchctl: `), with nothing on standard output.
#[track_caller]
fn failed(run: &Run, status: i32, first: &str) {
    assert_eq!(run.status, status, "{run:?}");
    assert_eq!(
        run.stderr.lines().next(),
        Some(format!("latchctl: {first}").as_str()),
        "{run:?}"
    );
    assert_eq!(run.stdout, "", "{run:?}");
}

/// A card body's flags.
fn card_flags<'a>(number: &'a str, name: &'a str) -> Vec<&'a str> {
    vec![
        "identifiers",
        "create",
        "--type",
        "card",
        "--number",
        number,
        "--name",
        name,
    ]
}

#[tokio::test]
async fn identifiers_from_create_to_delete() {
    let s = Setup::start(LOCKS).await;
    let bus = &s.bus;
    // From flags: the uid alone, for people and for `uid=$(...)`.
    assert_eq!(ok(bus, &card_flags("12:34:56:79", "Alice")).await, "1\n");
    let limited = [
        "identifiers",
        "create",
        "--type",
        "inputCode",
        "--number",
        "4711",
        "--name",
        "Guest",
        "--owner-type",
        "guest",
        "--lock",
        "all",
        "--from",
        "2026-01-01",
        "--to",
        "2027-01-01T12:30",
        "--max-passes",
        "10",
    ];
    assert_eq!(ok_json(bus, &limited).await, json!({"uid": 2}));
    // A body as given, and from a file.
    let body = json!({
        "identifier_owner": {"name": "Bob", "type": "owner"},
        "identifier_type": "qr",
        "identifier_number": "123e4567-e89b-12d3-a456-426614174000",
        "lock": "second",
    })
    .to_string();
    assert_eq!(
        ok(bus, &["identifiers", "create", "--json", &body]).await,
        "3\n"
    );
    let file = s.dir.path().join("van.json");
    let van = json!({
        "identifier_owner": {"name": "Van", "type": "guest"},
        "identifier_type": "license_plate",
        "identifier_number": "AB 123-CD",
        "lock": "first",
    });
    std::fs::write(&file, van.to_string()).unwrap();
    assert_eq!(
        ok(
            bus,
            &["identifiers", "create", "--file", file.to_str().unwrap()]
        )
        .await,
        "4\n"
    );

    // The daemon's item as it is, and as a table.
    let item = ok_json(bus, &["identifiers", "get", "2"]).await;
    let ids = s.identifiers().await;
    assert_eq!(
        item,
        serde_json::from_str::<Value>(&ids.get(2).await.unwrap()).unwrap()
    );
    assert_eq!(
        item["valid"],
        json!({"time": {"is_permanent": false, "from": 1767225600, "to": 1798806600},
               "passes": {"is_permanent": false, "max_passes": 10}})
    );
    assert_eq!(
        item["identifier_owner"],
        json!({"name": "Guest", "type": "guest"})
    );
    let shown = ok(bus, &["identifiers", "get", "2"]).await;
    for line in [
        "uid            2",
        "type           inputCode",
        "owner type     guest",
        "valid          2026-01-01T00:00:00Z to 2027-01-01T12:30:00Z",
        "passes left    10 of 10",
    ] {
        assert!(shown.contains(line), "{line:?} in\n{shown}");
    }

    // The table: aligned columns and which page it is.
    let table = ok(bus, &["identifiers", "list"]).await;
    let lines: Vec<&str> = table.lines().collect();
    assert_eq!(
        lines[0],
        "UID  TYPE           NUMBER                                OWNER          LOCK    VALID                                         PASSES LEFT"
    );
    assert_eq!(
        lines[2],
        "2    inputCode      4711                                  Guest (guest)  all     2026-01-01T00:00:00Z to 2027-01-01T12:30:00Z  10 of 10"
    );
    assert_eq!(lines.len(), 6, "{table}");
    assert_eq!(lines[5], "page 1 of 1 (4 identifiers)");
    // Filter by a number in another form, sort, page.
    let page = ok_json(
        bus,
        &["identifiers", "list", "--filter", "number=305419897"],
    )
    .await;
    assert_eq!(page["list_items"][0]["identifier_uid"], 1);
    assert_eq!(page["list_option"]["pagination"]["total_items"], 1);
    let page = ok_json(
        bus,
        &[
            "identifiers",
            "list",
            "--sort",
            "type",
            "--desc",
            "--limit",
            "2",
            "--page",
            "2",
        ],
    )
    .await;
    let uids: Vec<&Value> = page["list_items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| &i["identifier_uid"])
        .collect();
    // Types descending: qr, license_plate | inputCode, card.
    assert_eq!(uids, [&json!(2), &json!(1)]);
    let page = ok_json(bus, &["identifiers", "list", "--json", r#"{"limit":1}"#]).await;
    assert_eq!(page["list_option"]["pagination"]["total_pages"], 4);
    assert_eq!(ok(bus, &["identifiers", "count"]).await, "4\n");
    assert_eq!(
        ok_json(bus, &["identifiers", "count"]).await,
        json!({"count": 4})
    );

    // Update replaces the body.
    let update = [
        "identifiers",
        "update",
        "1",
        "--type",
        "card",
        "--number",
        "12-34-56-79",
        "--name",
        "Alice B.",
        "--lock",
        "second",
        "--max-passes",
        "2",
    ];
    assert_eq!(ok(bus, &update).await, "identifier 1 updated\n");
    let item = ok_json(bus, &["identifiers", "get", "1"]).await;
    assert_eq!(item["identifier_owner"]["name"], "Alice B.");
    assert_eq!(item["lock"], "second");
    assert_eq!(item["additional"]["passes_left"], 2);

    // A pass taken, and given back.
    assert_eq!(
        ok(bus, &["access", "present", "card", "305419897"]).await,
        "granted: granted\n"
    );
    let item = ok_json(bus, &["identifiers", "get", "1"]).await;
    assert_eq!(item["additional"]["passes_left"], 1);
    assert_eq!(
        ok(bus, &["identifiers", "reset-passes", "1"]).await,
        "passes of identifier 1 reset\n"
    );
    let item = ok_json(bus, &["identifiers", "get", "1"]).await;
    assert_eq!(item["additional"]["passes_left"], 2);

    // In JSON a change without a result prints nothing.
    assert_eq!(
        ok(
            bus,
            &["--output", "json", "identifiers", "reset-passes", "1"]
        )
        .await,
        ""
    );
    assert_eq!(
        ok(bus, &["identifiers", "delete", "4"]).await,
        "identifier 4 deleted\n"
    );
    assert_eq!(
        ok(bus, &["identifiers", "delete-many", "1", "3"]).await,
        "identifiers 1, 3 deleted\n"
    );
    assert_eq!(ids.count().await.unwrap(), 1);
    // Global options after the subcommand work too.
    assert_eq!(
        ok(bus, &["identifiers", "count", "-o", "json"]).await,
        "{\"count\":1}\n"
    );
}

/// An owner name that would retitle the terminal (OSC 0), clear it, go back
/// to the start of the line, hide what follows and reverse it (U+202E).
const HOSTILE: &str = "\x1b]0;owned\x07\x1b[2J\rEvil\u{202e}gnp.exe\x1b[8m\\";
/// What a table shows of it.
const HOSTILE_SHOWN: &str = r"\x1b]0;owned\x07\x1b[2J\rEvil\u{202e}gnp.exe\x1b[8m\\";

/// Asserts that nothing a terminal acts on is in `out` but its line ends:
/// no C0 or C1 control, DEL, line separator or bidi control.
#[track_caller]
fn assert_inert(out: &str) {
    for line in out.split('\n') {
        let bad = line.chars().find(|c| {
            c.is_control()
                || matches!(c, '\u{61c}' | '\u{200e}' | '\u{200f}' | '\u{2028}'..='\u{202e}'
                    | '\u{2066}'..='\u{2069}')
        });
        assert_eq!(bad, None, "a raw control character in {out:?}");
    }
}

#[tokio::test]
async fn tables_and_messages_show_control_characters_escaped() {
    let s = Setup::start(LOCKS).await;
    let bus = &s.bus;
    // Created over D-Bus, as any client (or an imported file) could.
    let ids = s.identifiers().await;
    let uid = ids.create(&card("12:34:56:79", HOSTILE)).await.unwrap();
    assert_eq!(uid, 1);
    ok(bus, &card_flags("12:34:56:7a", "Bob")).await;

    let table = ok(bus, &["identifiers", "list"]).await;
    assert_inert(&table);
    let lines: Vec<&str> = table.lines().collect();
    assert_eq!(lines.len(), 4, "{table}");
    assert!(
        lines[1].starts_with(&format!(
            "1    card  12:34:56:79  {HOSTILE_SHOWN}  first  always"
        )),
        "{table}"
    );
    // The columns are as wide as the escaped name.
    let lock_at = lines[1].find("first").unwrap();
    assert_eq!(lines[0].find("LOCK"), Some(lock_at), "{table}");
    assert_eq!(lines[2].find("first"), Some(lock_at), "{table}");

    let item = ok(bus, &["identifiers", "get", "1"]).await;
    assert_inert(&item);
    assert!(
        item.contains(&format!("\nowner          {HOSTILE_SHOWN}\n")),
        "{item}"
    );
    // JSON is latchd's item byte for byte, its own escapes and all.
    assert_eq!(
        ok(bus, &["--output", "json", "identifiers", "get", "1"]).await,
        format!("{}\n", ids.get(1).await.unwrap())
    );

    // Time profiles and apartments are named by people too.
    ok(
        bus,
        &[
            "profiles", "create", "--name", HOSTILE, "--from", "1", "--to", "2",
        ],
    )
    .await;
    let views: [&[&str]; 2] = [&["profiles", "list"], &["profiles", "get", "1"]];
    for args in views {
        let out = ok(bus, args).await;
        assert_inert(&out);
        assert!(out.contains(HOSTILE_SHOWN), "{args:?}: {out}");
    }
    let flat = format!("Flat{HOSTILE}");
    ok(bus, &flat_flags(&flat, "1", "12")).await;
    let views: [&[&str]; 2] = [&["apartments", "list"], &["apartments", "get", "1"]];
    for args in views {
        let out = ok(bus, args).await;
        assert_inert(&out);
        assert!(out.contains(HOSTILE_SHOWN), "{args:?}: {out}");
    }

    // A file's text that an error message repeats.
    let file = s.dir.path().join("bad.csv");
    // (Not a CR: that would end the header line.)
    std::fs::write(&file, "type,number,x\x1b]0;owned\x07\x1b[2J\u{202e}y\n").unwrap();
    let run = latchctl(bus, &["identifiers", "import", file.to_str().unwrap()]).await;
    assert_eq!(run.status, 1, "{run:?}");
    assert_inert(&run.stderr);
    assert!(
        run.stderr
            .contains(r"unknown column `x\x1b]0;owned\x07\x1b[2J\u{202e}y`"),
        "{run:?}"
    );
}

/// The time profile of the panel API's example: 07:00 to 15:00 UTC on
/// weekdays from 2026-01-01 on.
fn work_week(name: &str) -> String {
    json!({
        "name": name,
        "time_options": {"is_all_day": false, "date_from": 1767250800, "date_to": 1767279600},
        "repeat_options": {"repeat_enable": true, "repeat_format": {
            "repeat_type": "custom",
            "repeat_end": {"format": "never"},
            "repeat_custom": {"repeat_point_type": "week", "repeat_looper": 1,
                              "repeat_options": ["MON", "TUE", "WED", "THU", "FRI"]}}}
    })
    .to_string()
}

/// An apartment's flags for `apartments create`.
fn flat_flags<'a>(name: &'a str, building: &'a str, room: &'a str) -> Vec<&'a str> {
    vec![
        "apartments",
        "create",
        "--name",
        name,
        "--building",
        building,
        "--unit",
        "0",
        "--floor",
        "3",
        "--room",
        room,
        "--residents",
        "2",
    ]
}

#[tokio::test]
async fn profiles_from_create_to_delete() {
    let s = Setup::start(LOCKS).await;
    let bus = &s.bus;
    // From flags: the uid alone.
    let flags = [
        "profiles",
        "create",
        "--name",
        "Work week",
        "--from",
        "2026-01-01T07:00",
        "--to",
        "2026-01-01T15:00",
        "--weekdays",
        "MON,TUE,WED,THU,FRI",
    ];
    assert_eq!(ok(bus, &flags).await, "1\n");
    // A body as given, and from a file.
    assert_eq!(
        ok_json(
            bus,
            &["profiles", "create", "--json", &work_week("Cleaning")]
        )
        .await,
        json!({"uid": 2})
    );
    let file = s.dir.path().join("late.json");
    std::fs::write(&file, work_week("Late shift")).unwrap();
    assert_eq!(
        ok(
            bus,
            &["profiles", "create", "--file", file.to_str().unwrap()]
        )
        .await,
        "3\n"
    );

    // The daemon's item as it is, and a field a line.
    let item = ok_json(bus, &["profiles", "get", "1"]).await;
    assert_eq!(item["timeprofile_uid"], 1);
    assert_eq!(item["name"], "Work week");
    assert_eq!(item["identifiers"], json!({"count": 0, "uid_items": []}));
    let shown = ok(bus, &["profiles", "get", "2"]).await;
    for line in [
        "uid          2",
        "name         Cleaning",
        "identifiers  none",
    ] {
        assert!(shown.contains(line), "{line:?} in\n{shown}");
    }

    // The table and which page it is; sorted, filtered, as JSON.
    let table = ok(bus, &["profiles", "list"]).await;
    let lines: Vec<&str> = table.lines().collect();
    assert!(
        lines[0].starts_with("UID  NAME        REPEAT") && lines[0].ends_with("  IDENTIFIERS"),
        "{table}"
    );
    assert!(lines[1].starts_with("1    Work week   "), "{table}");
    assert!(lines[1].ends_with("  0"), "{table}");
    assert_eq!(lines.len(), 5, "{table}");
    assert_eq!(lines[4], "page 1 of 1 (3 time profiles)");
    let names = |page: &Value| -> Vec<String> {
        page["list_items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| i["name"].as_str().unwrap().to_string())
            .collect()
    };
    let page = ok_json(bus, &["profiles", "list", "--sort", "name", "--desc"]).await;
    assert_eq!(names(&page), ["Work week", "Late shift", "Cleaning"]);
    let page = ok_json(bus, &["profiles", "list", "--filter", "name=Late shift"]).await;
    assert_eq!(page["list_items"][0]["timeprofile_uid"], 3);
    assert_eq!(page["list_option"]["pagination"]["total_items"], 1);
    let page = ok_json(bus, &["profiles", "list", "--limit", "1", "--page", "2"]).await;
    assert_eq!(names(&page), ["Cleaning"]);
    let page = ok_json(bus, &["profiles", "list", "--json", r#"{"limit":2}"#]).await;
    assert_eq!(page["list_option"]["pagination"]["total_pages"], 2);

    // Update replaces the body; delete.
    let update = [
        "profiles",
        "update",
        "1",
        "--name",
        "Weekend",
        "--from",
        "2026-01-03",
        "--to",
        "2026-01-04",
        "--all-day",
        "--repeat",
        "week",
        "--until",
        "2026-12-31",
    ];
    assert_eq!(ok(bus, &update).await, "time profile 1 updated\n");
    let item = ok_json(bus, &["profiles", "get", "1"]).await;
    assert_eq!(item["name"], "Weekend");
    assert_eq!(
        ok(bus, &["profiles", "delete", "2"]).await,
        "time profile 2 deleted\n"
    );
    failed(
        &latchctl(bus, &["profiles", "get", "2"]).await,
        3,
        "org.latchd.Panel1.Error.BadRequest: Wrong timeprofile uid",
    );
    failed(
        &latchctl(bus, &["profiles", "delete", "2"]).await,
        3,
        "org.latchd.Panel1.Error.BadRequest: Wrong timeprofile uid",
    );
    let page = ok_json(bus, &["profiles", "list"]).await;
    assert_eq!(names(&page), ["Weekend", "Late shift"]);
    // --until without a repeat is a usage error, before the bus is asked.
    let run = latchctl(
        bus,
        &[
            "profiles", "create", "--name", "x", "--from", "1", "--to", "2", "--until", "3",
        ],
    )
    .await;
    assert_eq!(run.status, 2, "{run:?}");
}

#[tokio::test]
async fn apartments_bind_unbind_and_errors() {
    let s = Setup::start(LOCKS).await;
    let bus = &s.bus;
    assert_eq!(ok(bus, &flat_flags("Flat 12", "1", "12")).await, "1\n");
    let body = json!({"apartment_name": "Flat 14",
        "apartment_address": {"building": 1, "unit": 0, "floor": 3, "room": 14},
        "residents": {"count": 1}})
    .to_string();
    assert_eq!(
        ok_json(bus, &["apartments", "create", "--json", &body]).await,
        json!({"uid": 2})
    );
    // The same logical address again, an address out of range.
    failed(
        &latchctl(bus, &flat_flags("Flat 12 again", "1", "12")).await,
        3,
        "org.latchd.Panel1.Error.BadRequest: Apartment with that Logical Address already exist",
    );
    failed(
        &latchctl(bus, &flat_flags("Nowhere", "0", "1")).await,
        3,
        "org.latchd.Panel1.Error.BadRequest: Wrong Logical Address",
    );

    let item = ok_json(bus, &["apartments", "get", "1"]).await;
    assert_eq!(
        item,
        json!({"apartment_uid": 1, "apartment_name": "Flat 12",
               "apartment_address": {"building": 1, "unit": 0, "floor": 3, "room": 12},
               "residents": {"count": 2}, "identifiers": {"count": 0, "uid_items": []}})
    );
    assert_eq!(
        ok(bus, &["apartments", "list"]).await,
        "\
UID  NAME     BUILDING  UNIT  FLOOR  ROOM  RESIDENTS  IDENTIFIERS
1    Flat 12  1         0     3      12    2          0
2    Flat 14  1         0     3      14    1          0
page 1 of 1 (2 apartments)
"
    );

    // Bind two identifiers; one moves to the other apartment.
    assert_eq!(ok(bus, &card_flags("12:34:56:79", "Alice")).await, "1\n");
    assert_eq!(ok(bus, &card_flags("12:34:56:80", "Bob")).await, "2\n");
    assert_eq!(
        ok(bus, &["apartments", "bind", "1", "1"]).await,
        "identifier 1 bound to apartment 1\n"
    );
    assert_eq!(
        ok(bus, &["-o", "json", "apartments", "bind", "1", "2"]).await,
        ""
    );
    assert_eq!(
        ok_json(bus, &["apartments", "get", "1"]).await["identifiers"],
        json!({"count": 2, "uid_items": [1, 2]})
    );
    let shown = ok(bus, &["apartments", "get", "1"]).await;
    assert!(shown.contains("identifiers  1, 2\n"), "{shown}");
    assert!(shown.contains("residents    2\n"), "{shown}");
    ok(bus, &["apartments", "bind", "2", "2"]).await;
    assert_eq!(
        ok_json(bus, &["identifiers", "get", "2"]).await["apartment"]["uid"],
        2
    );
    let page = ok_json(bus, &["apartments", "list", "--sort", "name", "--desc"]).await;
    let counts: Vec<(&Value, &Value)> = page["list_items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| (&i["apartment_name"], &i["identifiers"]["count"]))
        .collect();
    assert_eq!(
        counts,
        [
            (&json!("Flat 14"), &json!(1)),
            (&json!("Flat 12"), &json!(1))
        ]
    );
    failed(
        &latchctl(bus, &["apartments", "bind", "99", "1"]).await,
        3,
        "org.latchd.Panel1.Error.BadRequest: Wrong apartment uid",
    );

    // Unbind, filter, update, delete (which unbinds).
    assert_eq!(
        ok(bus, &["apartments", "unbind", "1"]).await,
        "identifier 1 unbound from its apartment\n"
    );
    assert_eq!(
        ok_json(bus, &["apartments", "get", "1"]).await["identifiers"],
        json!({"count": 0, "uid_items": []})
    );
    let page = ok_json(bus, &["apartments", "list", "--filter", "name=Flat 14"]).await;
    assert_eq!(page["list_items"][0]["apartment_uid"], 2);
    assert_eq!(page["list_option"]["pagination"]["total_items"], 1);
    let update = [
        "apartments",
        "update",
        "1",
        "--name",
        "Flat 12a",
        "--building",
        "1",
        "--unit",
        "0",
        "--floor",
        "3",
        "--room",
        "12",
    ];
    assert_eq!(ok(bus, &update).await, "apartment 1 updated\n");
    let item = ok_json(bus, &["apartments", "get", "1"]).await;
    assert_eq!(item["apartment_name"], "Flat 12a");
    assert_eq!(item["residents"]["count"], 0);
    assert_eq!(
        ok(bus, &["apartments", "delete", "2"]).await,
        "apartment 2 deleted\n"
    );
    let item = ok_json(bus, &["identifiers", "get", "2"]).await;
    assert_eq!(item["apartment"]["uid"], -1, "{item}");
    failed(
        &latchctl(bus, &["apartments", "get", "2"]).await,
        3,
        "org.latchd.Panel1.Error.BadRequest: Wrong apartment uid",
    );
    assert_eq!(
        ok(bus, &["apartments", "list"]).await.lines().last(),
        Some("page 1 of 1 (1 apartment)")
    );
}

#[tokio::test]
async fn identifiers_attach_detach_and_qr() {
    let s = Setup::start(LOCKS).await;
    let bus = &s.bus;
    let qr = [
        "identifiers",
        "create",
        "--type",
        "qr",
        "--number",
        "123e4567-e89b-12d3-a456-426614174000",
        "--name",
        "Bob",
    ];
    assert_eq!(ok(bus, &qr).await, "1\n");
    assert_eq!(ok(bus, &card_flags("12:34:56:79", "Alice")).await, "2\n");
    ok(
        bus,
        &["profiles", "create", "--json", &work_week("Work week")],
    )
    .await;
    ok(
        bus,
        &["profiles", "create", "--json", &work_week("Late shift")],
    )
    .await;

    // Attach: the identifier lists its profiles, the profile its identifiers.
    assert_eq!(
        ok(bus, &["identifiers", "attach", "2", "1"]).await,
        "time profile 1 attached to identifier 2\n"
    );
    assert_eq!(
        ok(bus, &["-o", "json", "identifiers", "attach", "2", "2"]).await,
        ""
    );
    let item = ok_json(bus, &["identifiers", "get", "2"]).await;
    assert_eq!(
        item["time_profiles"],
        json!({"count": 2, "uid_items": [1, 2]})
    );
    let shown = ok(bus, &["identifiers", "get", "2"]).await;
    assert!(shown.contains("time profiles  1, 2\n"), "{shown}");
    assert_eq!(
        ok_json(bus, &["profiles", "get", "1"]).await["identifiers"],
        json!({"count": 1, "uid_items": [2]})
    );
    failed(
        &latchctl(bus, &["identifiers", "attach", "2", "99"]).await,
        3,
        "org.latchd.Panel1.Error.BadRequest: Wrong timeprofile uid",
    );
    assert_eq!(
        ok(bus, &["identifiers", "detach", "2", "1"]).await,
        "time profile 1 detached from identifier 2\n"
    );
    let item = ok_json(bus, &["identifiers", "get", "2"]).await;
    assert_eq!(item["time_profiles"]["uid_items"], json!([2]));
    // Deleting a profile detaches it.
    ok(bus, &["profiles", "delete", "2"]).await;
    let item = ok_json(bus, &["identifiers", "get", "2"]).await;
    assert_eq!(item["time_profiles"]["uid_items"], json!([]));

    // The QR code, to a file and to standard output.
    let png = s.dir.path().join("bob.png");
    let path = png.to_str().unwrap();
    assert_eq!(
        ok(bus, &["identifiers", "qr", "1", "--out", path]).await,
        format!("QR code of identifier 1 written to {path}\n")
    );
    let bytes = std::fs::read(&png).unwrap();
    // The PNG itself is checked by tests/bus/qr_png.rs.
    assert!(!bytes.is_empty());
    let info = ok_json(bus, &["identifiers", "qr", "1", "--out", path]).await;
    assert_eq!(info, json!({"file": path, "bytes": bytes.len()}));
    let out = tokio::process::Command::new(LATCHCTL)
        .args([
            "--address",
            &bus.address,
            "identifiers",
            "qr",
            "1",
            "--out",
            "-",
        ])
        .env_remove("DBUS_SYSTEM_BUS_ADDRESS")
        .output()
        .await
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    assert_eq!(out.stdout, bytes);
    failed(
        &latchctl(bus, &["identifiers", "qr", "2", "--out", path]).await,
        3,
        "org.latchd.Panel1.Error.BadRequest: A QR image is only made for identifiers of type qr",
    );
    // A file that cannot be written: exit status 1.
    let nowhere = s.dir.path().join("no/such/dir.png");
    let run = latchctl(
        bus,
        &["identifiers", "qr", "1", "--out", nowhere.to_str().unwrap()],
    )
    .await;
    failed(
        &run,
        1,
        &format!("{}: No such file or directory", nowhere.display()),
    );
}

#[tokio::test]
async fn locks_access_and_events() {
    let s = Setup::start(LOCKS).await;
    let bus = &s.bus;
    ok(bus, &card_flags("11:22:33:44", "Carol")).await;
    assert_eq!(
        ok(bus, &["locks", "states"]).await,
        "LOCK    STATE\nfirst   locked\nsecond  locked\n"
    );
    assert_eq!(
        ok(bus, &["locks", "open", "second"]).await,
        "lock second opened\n"
    );
    assert_eq!(
        ok_json(bus, &["locks", "states"]).await,
        json!({"first": "locked", "second": "open"})
    );
    assert_eq!(
        ok_json(bus, &["access", "present", "card", "287454020"]).await,
        json!({"granted": true, "reason": "granted"})
    );
    assert_eq!(
        ok_json(bus, &["locks", "states"]).await,
        json!({"first": "open", "second": "open"})
    );
    // Denied is an answer, not an error.
    assert_eq!(
        ok(bus, &["access", "present", "card", "99:99:99:99"]).await,
        "denied: unknown identifier\n"
    );
    assert_eq!(
        ok(bus, &["locks", "open", "all"]).await,
        "all locks opened\n"
    );

    // The daemon's page as it is, and a table in UTC.
    let page = ok_json(bus, &["events", "list", "--limit", "1"]).await;
    assert_eq!(page["list_option"]["pagination"]["total_items"], 2);
    assert_eq!(page["list_items"][0]["reason"], "unknown identifier");
    let page = ok_json(bus, &["events", "list", "--limit", "1", "--page", "2"]).await;
    assert_eq!(page["list_items"][0]["reason"], "granted");
    let table = ok(bus, &["events", "list"]).await;
    let lines: Vec<&str> = table.lines().collect();
    assert_eq!(lines.len(), 4, "{table}");
    let header: Vec<&str> = lines[0].split_whitespace().collect();
    assert_eq!(
        header,
        ["TIME", "SOURCE", "TYPE", "NUMBER", "UID", "GRANTED", "REASON", "LOCKS"]
    );
    let granted: Vec<&str> = lines[2].split_whitespace().collect();
    let source = format!("dbus:uid={}", nix::unistd::getuid());
    assert_eq!(
        granted[1..],
        [
            source.as_str(),
            "card",
            "*****4020",
            "1",
            "yes",
            "granted",
            "first"
        ]
    );
    assert_utc(granted[0]);
    let denied: Vec<&str> = lines[1].split_whitespace().collect();
    assert_eq!(denied[4..6], ["-", "no"]);
    assert_eq!(lines[3], "page 1 of 1 (2 events)");
}

/// `YYYY-MM-DDTHH:MM:SSZ`, and not long ago.
#[track_caller]
fn assert_utc(time: &str) {
    let b = time.as_bytes();
    assert!(
        time.len() == 20 && b[4] == b'-' && b[10] == b'T' && b[19] == b'Z',
        "{time}"
    );
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let year: u64 = time[..4].parse().unwrap();
    let this_year = 1970 + now / 31_556_952;
    assert!(year.abs_diff(this_year) <= 1, "{time}");
}

/// The next line a follower prints, within 20 s.
async fn next_line(lines: &mut tokio::io::Lines<BufReader<tokio::process::ChildStdout>>) -> String {
    tokio::time::timeout(Duration::from_secs(20), lines.next_line())
        .await
        .expect("a line within 20 s")
        .unwrap()
        .expect("follow is still running")
}

#[tokio::test]
async fn events_follow_prints_what_access_present_causes() {
    let s = Setup::start(LOCKS).await;
    let bus = &s.bus;
    ok(bus, &card_flags("11:22:33:44", "Carol")).await;
    let spawn = |json: bool| {
        let mut cmd = tokio::process::Command::new(LATCHCTL);
        cmd.arg("--address").arg(&bus.address);
        if json {
            cmd.args(["--output", "json"]);
        }
        cmd.args(["events", "follow"])
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .unwrap()
    };
    let mut table = spawn(false);
    let mut json = spawn(true);
    let mut table_lines = BufReader::new(table.stdout.take().unwrap()).lines();
    let mut json_lines = BufReader::new(json.stdout.take().unwrap()).lines();
    // The header comes once the table follower listens.
    let header = next_line(&mut table_lines).await;
    assert!(header.starts_with("TIME "), "{header}");
    // The JSON follower says nothing until an event comes: present until it
    // has heard one (it may have subscribed after the first).
    let access = AccessProxy::new(&s.conn).await.unwrap();
    let heard = async {
        loop {
            let (granted, _) = access.present("card", "287454020").await.unwrap();
            assert!(granted);
            tokio::select! {
                line = json_lines.next_line() => return line.unwrap().unwrap(),
                _ = tokio::time::sleep(Duration::from_millis(200)) => {}
            }
        }
    };
    let line = tokio::time::timeout(Duration::from_secs(20), heard)
        .await
        .expect("the JSON follower printed an event within 20 s");
    let event: Value = serde_json::from_str(&line).unwrap();
    assert_eq!(event["identifier_uid"], 1);
    assert_eq!(event["granted"], true);
    assert_eq!(event["identifier_number"], "*****4020");
    assert_eq!(event["locks"], json!(["first"]));
    // The table follower heard the first presentation.
    let row = next_line(&mut table_lines).await;
    let cells: Vec<&str> = row.split_whitespace().collect();
    assert_utc(cells[0]);
    assert_eq!(
        cells[2..],
        ["card", "*****4020", "1", "yes", "granted", "first"],
        "{row}"
    );
    // Ctrl-C ends it cleanly.
    for child in [&mut table, &mut json] {
        let pid = nix::unistd::Pid::from_raw(child.id().unwrap() as i32);
        nix::sys::signal::kill(pid, nix::sys::signal::Signal::SIGINT).unwrap();
        let status = tokio::time::timeout(Duration::from_secs(20), child.wait())
            .await
            .expect("follow stops on SIGINT")
            .unwrap();
        assert_eq!(status.code(), Some(0));
    }
}

/// Identifiers of every kind of limit, created with latchctl.
async fn varied_identifiers(bus: &Bus) {
    let flags: [&[&str]; 5] = [
        &[
            "--type",
            "card",
            "--number",
            "12:34:56:79",
            "--name",
            "Alice",
        ],
        &[
            "--type",
            "inputCode",
            "--number",
            "0815",
            "--name",
            "Guest, \"G\"",
            "--owner-type",
            "guest",
            "--lock",
            "all",
            "--from",
            "1767225600",
            "--to",
            "1798761600",
            "--max-passes",
            "10",
        ],
        &[
            "--type",
            "qr",
            "--number",
            "123e4567-e89b-12d3-a456-426614174000",
            "--name",
            "Bob",
            "--lock",
            "second",
            "--max-passes",
            "3",
        ],
        &[
            "--type",
            "license_plate",
            "--number",
            "AB 123-CD",
            "--name",
            "Zoë",
            "--from",
            "2026-03-01T08:00",
            "--to",
            "2026-03-31T18:00:30",
        ],
        &[
            "--type",
            "ukey",
            "--number",
            "0042",
            "--name",
            "Dave",
            "--owner-type",
            "guest",
        ],
    ];
    for (n, extra) in flags.iter().enumerate() {
        let mut args = vec!["identifiers", "create"];
        args.extend(*extra);
        assert_eq!(ok(bus, &args).await, format!("{}\n", n + 1));
    }
}

/// Every line of a CSV export without its uid.
fn without_uids(csv: &str) -> Vec<String> {
    csv.lines()
        .map(|l| l.split_once(',').unwrap().1.to_string())
        .collect()
}

#[tokio::test]
async fn csv_export_delete_import_export_is_the_same() {
    let s = Setup::start(LOCKS).await;
    let bus = &s.bus;
    varied_identifiers(bus).await;
    let file = s.dir.path().join("ids.csv");
    let path = file.to_str().unwrap();
    assert_eq!(
        ok(bus, &["identifiers", "export", path]).await,
        format!("5 identifiers written to {path}\n")
    );
    let first = std::fs::read_to_string(&file).unwrap();
    assert_eq!(
        first,
        "uid,type,number,owner_name,owner_type,lock,valid_from,valid_to,max_passes,passes_left\n\
         1,card,12:34:56:79,Alice,owner,first,,,,\n\
         2,inputCode,0815,\"Guest, \"\"G\"\"\",guest,all,1767225600,1798761600,10,10\n\
         3,qr,123e4567-e89b-12d3-a456-426614174000,Bob,owner,second,,,3,3\n\
         4,license_plate,AB 123-CD,Zoë,owner,first,1772352000,1774980030,,\n\
         5,ukey,0042,Dave,guest,first,,,,\n"
    );
    ok(
        bus,
        &["identifiers", "delete-many", "1", "2", "3", "4", "5"],
    )
    .await;
    assert_eq!(ok(bus, &["identifiers", "count"]).await, "0\n");
    assert_eq!(
        ok(bus, &["identifiers", "import", path]).await,
        "6\n7\n8\n9\n10\n"
    );
    // Standard output, the format said.
    let second = ok(bus, &["identifiers", "export", "--format", "csv"]).await;
    assert_ne!(first, second, "the uids are new");
    assert_eq!(without_uids(&first), without_uids(&second));
}

/// Owner names that CSV must not change: spaces at either end or only
/// spaces, quotes, commas, line breaks, tabs, formulas and quotes in front
/// of them, controls and other scripts.
const AWKWARD_NAMES: [&str; 24] = [
    " Alice",
    "Bob ",
    "  Carol  ",
    " ",
    "   ",
    "\"Dave\"",
    "Eve, \"E\"",
    "Line\nbreak",
    "Carriage\rreturn\r\n",
    "Tab\there",
    "\tTab first",
    "\rCR first",
    "Zoë Ünal 名前 🙂",
    "=HYPERLINK(\"http://x\",\"y\")",
    "+1",
    "-1",
    "@SUM(A1)",
    "'=quoted",
    "''=twice",
    "'",
    "O'Brien",
    "'plain",
    "\u{202e}rtl\x1b[2J",
    "back\\slash",
];

#[tokio::test]
async fn csv_export_then_import_keeps_every_name_and_number_exactly() {
    let s = Setup::start("").await;
    let bus = &s.bus;
    let ids = s.identifiers().await;
    // Created over D-Bus, as any client could. Plates may start with a
    // hyphen or a space too.
    let mut sent: Vec<(String, String, String)> = Vec::new();
    for (n, name) in AWKWARD_NAMES.iter().enumerate() {
        let (kind, number) = match n % 3 {
            0 => ("license_plate", format!("-AB {n}")),
            1 => ("license_plate", format!(" CD-{n} ")),
            _ => ("card", format!("{}", 1000 + n)),
        };
        let body = json!({
            "identifier_owner": {"name": name, "type": "owner"},
            "identifier_type": kind,
            "identifier_number": number,
            "lock": "first",
        });
        ids.create(&body.to_string()).await.unwrap();
        sent.push((kind.to_string(), number, name.to_string()));
    }
    let file = s.dir.path().join("awkward.csv");
    let path = file.to_str().unwrap();
    ok(bus, &["identifiers", "export", path]).await;
    let csv = std::fs::read_to_string(&file).unwrap();
    // No cell is a formula to a spreadsheet.
    let mut cells = csv::ReaderBuilder::new().from_reader(csv.as_bytes());
    for record in cells.records() {
        for cell in record.unwrap().iter() {
            assert!(
                !cell.starts_with(['=', '+', '-', '@', '\t', '\r']),
                "{cell:?} in {csv}"
            );
        }
    }
    assert!(
        csv.contains(",\"'=HYPERLINK(\"\"http://x\"\",\"\"y\"\")\","),
        "{csv}"
    );
    assert!(csv.contains(",'+1,"), "{csv}");
    assert!(csv.contains(",'''=twice,"), "{csv}");

    let uids: Vec<String> = (1..=sent.len()).map(|n| n.to_string()).collect();
    let mut delete = vec!["identifiers", "delete-many"];
    delete.extend(uids.iter().map(String::as_str));
    ok(bus, &delete).await;
    assert_eq!(ids.count().await.unwrap(), 0);
    ok(bus, &["identifiers", "import", path]).await;

    let page = json_reply(&ids.list(r#"{"limit":1000}"#).await.unwrap());
    let got: Vec<(String, String, String)> = page["list_items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| {
            let text = |v: &Value| v.as_str().unwrap().to_string();
            (
                text(&i["identifier_type"]),
                text(&i["identifier_number"]),
                text(&i["identifier_owner"]["name"]),
            )
        })
        .collect();
    assert_eq!(got.len(), sent.len());
    for (sent, got) in sent.iter().zip(&got) {
        assert_eq!(
            sent.2.as_bytes(),
            got.2.as_bytes(),
            "{sent:?} came back as {got:?}"
        );
        assert_eq!(sent, got);
    }
}

/// latchctl run by `sh` with the umask `mask`.
fn with_umask(mask: &str) -> Vec<String> {
    vec![
        "sh".to_string(),
        "-c".to_string(),
        format!("umask {mask} && exec \"$0\" \"$@\""),
        LATCHCTL.to_string(),
    ]
}

/// The permission bits of `path`, in octal.
fn mode_of(path: &std::path::Path) -> String {
    use std::os::unix::fs::PermissionsExt;
    format!(
        "{:o}",
        std::fs::metadata(path).unwrap().permissions().mode() & 0o7777
    )
}

#[tokio::test]
async fn export_files_are_readable_by_their_owner_only() {
    let s = Setup::start("").await;
    let bus = &s.bus;
    ok(bus, &card_flags("12:34:56:79", "Alice")).await;
    // Every PIN and card number is in the file: 0600 under the usual
    // umask, in both formats.
    for name in ["ids.csv", "ids.json"] {
        let file = s.dir.path().join(name);
        let path = file.to_str().unwrap();
        let run = run_as(
            &with_umask("022"),
            bus,
            &["identifiers", "export", path],
            None,
        )
        .await;
        assert_eq!(run.status, 0, "{run:?}");
        assert_eq!(mode_of(&file), "600", "{name}");
        assert!(std::fs::read_to_string(&file)
            .unwrap()
            .contains("12:34:56:79"));
    }
    // A file that is there already, readable by everyone and longer than
    // the export, is made private before the identifiers go into it.
    use std::os::unix::fs::PermissionsExt;
    let file = s.dir.path().join("old.csv");
    std::fs::write(&file, "x".repeat(10_000)).unwrap();
    std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o666)).unwrap();
    let path = file.to_str().unwrap();
    let run = run_as(
        &with_umask("000"),
        bus,
        &["identifiers", "export", path],
        None,
    )
    .await;
    assert_eq!(run.status, 0, "{run:?}");
    assert_eq!(mode_of(&file), "600");
    assert_eq!(
        std::fs::read_to_string(&file).unwrap(),
        "uid,type,number,owner_name,owner_type,lock,valid_from,valid_to,max_passes,passes_left\n\
         1,card,12:34:56:79,Alice,owner,first,,,,\n"
    );
    // A QR picture opens the door: private too.
    let uid = ok(
        bus,
        &[
            "identifiers",
            "create",
            "--type",
            "qr",
            "--number",
            "123e4567-e89b-12d3-a456-426614174000",
            "--name",
            "Q",
        ],
    )
    .await;
    let png = s.dir.path().join("qr.png");
    let run = run_as(
        &with_umask("022"),
        bus,
        &[
            "identifiers",
            "qr",
            uid.trim(),
            "--out",
            png.to_str().unwrap(),
        ],
        None,
    )
    .await;
    assert_eq!(run.status, 0, "{run:?}");
    assert_eq!(mode_of(&png), "600");
}

/// An export's items without their uids.
fn items_without_uids(export: &str) -> Vec<Value> {
    let value: Value = serde_json::from_str(export).unwrap();
    value["list_items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| {
            let mut i = i.clone();
            i.as_object_mut().unwrap().remove("identifier_uid").unwrap();
            i
        })
        .collect()
}

#[tokio::test]
async fn json_export_piped_into_import_round_trips() {
    let s = Setup::start(LOCKS).await;
    let bus = &s.bus;
    varied_identifiers(bus).await;
    let first = ok(bus, &["identifiers", "export"]).await;
    assert_eq!(items_without_uids(&first).len(), 5);
    ok(
        bus,
        &["identifiers", "delete-many", "1", "2", "3", "4", "5"],
    )
    .await;
    // `export | import - --format json`, as the help shows.
    let run = run_as(
        &[LATCHCTL.to_string()],
        bus,
        &[
            "--output",
            "json",
            "identifiers",
            "import",
            "-",
            "--format",
            "json",
        ],
        Some(&first),
    )
    .await;
    assert_eq!(run.status, 0, "{run:?}");
    assert_eq!(
        serde_json::from_str::<Value>(&run.stdout).unwrap(),
        json!({"uids": [6, 7, 8, 9, 10]})
    );
    let file = s.dir.path().join("again.json");
    assert_eq!(
        ok_json(bus, &["identifiers", "export", file.to_str().unwrap()]).await,
        json!({"count": 5})
    );
    let second = std::fs::read_to_string(&file).unwrap();
    assert_eq!(items_without_uids(&first), items_without_uids(&second));
    // An empty panel exports an empty list, which imports as nothing.
    ok(
        bus,
        &["identifiers", "delete-many", "6", "7", "8", "9", "10"],
    )
    .await;
    let empty = ok(bus, &["identifiers", "export"]).await;
    assert_eq!(empty, "{\"list_items\":[]}\n");
    let run = run_as(
        &[LATCHCTL.to_string()],
        bus,
        &["identifiers", "import", "-", "--format", "json"],
        Some(&empty),
    )
    .await;
    assert_eq!((run.status, run.stdout.as_str()), (0, ""), "{run:?}");
}

#[tokio::test]
async fn export_pages_through_more_than_a_thousand() {
    let s = Setup::start("").await;
    let bus = &s.bus;
    // List gives at most 1000 a page; export goes on to the next.
    let mut csv = String::from("type,number,owner_name\n");
    for n in 0..1001 {
        csv += &format!("ukey,{},Owner {n}\n", 100_000 + n);
    }
    let file = s.dir.path().join("many.csv");
    std::fs::write(&file, csv).unwrap();
    let imported = ok_json(bus, &["identifiers", "import", file.to_str().unwrap()]).await;
    assert_eq!(imported["uids"].as_array().unwrap().len(), 1001);
    let export = ok(bus, &["identifiers", "export", "--format", "csv"]).await;
    let uids: Vec<u32> = export
        .lines()
        .skip(1)
        .map(|l| l.split(',').next().unwrap().parse().unwrap())
        .collect();
    assert_eq!(uids, (1..=1001).collect::<Vec<u32>>());
    assert!(export.ends_with("1001,ukey,101000,Owner 1000,owner,first,,,,\n"));
}

#[tokio::test]
async fn bad_files_and_lines_are_named_and_nothing_is_imported() {
    let s = Setup::start("").await;
    let bus = &s.bus;
    let dir = s.dir.path();
    let head =
        "uid,type,number,owner_name,owner_type,lock,valid_from,valid_to,max_passes,passes_left\n";
    let good = ",card,1,A,owner,first,,,,\n,card,2,B,owner,first,,,,\n";
    let write = |name: &str, text: &str| {
        let path = dir.join(name);
        std::fs::write(&path, text).unwrap();
        path.to_str().unwrap().to_string()
    };
    let import =
        |path: String| async move { latchctl(bus, &["identifiers", "import", &path]).await };

    let path = write(
        "passes.csv",
        &format!("{head}{good},card,3,C,owner,first,,,ten,\n"),
    );
    failed(
        &import(path.clone()).await,
        1,
        &format!("{path}:4: max_passes must be a whole number"),
    );
    let path = write(
        "window.csv",
        &format!("{head}{good},card,3,C,owner,first,1767225600,,,\n"),
    );
    failed(
        &import(path.clone()).await,
        1,
        &format!(
            "{path}:4: valid_from and valid_to go together: give both, or neither for permanent"
        ),
    );
    let path = write("short.csv", &format!("{head}{good},card,3\n"));
    failed(
        &import(path.clone()).await,
        1,
        &format!("{path}:4: 3 fields where the header has 10"),
    );
    let path = write("header.csv", "kind,number,owner_name\ncard,1,A\n");
    let run = import(path.clone()).await;
    assert_eq!(run.status, 1, "{run:?}");
    assert!(
        run.stderr
            .starts_with(&format!("latchctl: {path}:1: unknown column `kind`")),
        "{run:?}"
    );
    let path = write("broken.json", "{\"list_items\": [\n  {\"a\": 1},\n]}\n");
    failed(
        &import(path.clone()).await,
        1,
        &format!("{path}:3: not JSON: expected value"),
    );
    let missing = dir.join("missing.csv").to_str().unwrap().to_string();
    failed(
        &import(missing.clone()).await,
        1,
        &format!("{missing}: No such file or directory"),
    );
    // latchd refuses the third line: its error, then where it came from.
    let path = write(
        "clash.csv",
        &format!("{head}{good},card,00:02,C,owner,first,,,,\n"),
    );
    let run = import(path.clone()).await;
    failed(
        &run,
        3,
        "org.latchd.Panel1.Error.BadRequest: list_items[2]: Identifier with that type and number already exist",
    );
    assert_eq!(
        run.stderr.lines().nth(1),
        Some(format!("latchctl: list_items[2] is {path}:4").as_str())
    );
    // All or nothing.
    assert_eq!(ok(bus, &["identifiers", "count"]).await, "0\n");

    // A --file body that is not JSON is a bad file too.
    let path = write("body.json", "{\"identifier_type\": \"card\",\n");
    failed(
        &latchctl(bus, &["identifiers", "create", "--file", &path]).await,
        1,
        &format!("{path}:2: not JSON: EOF while parsing an object"),
    );

    // Usage errors are clap's: exit status 2.
    for args in [
        vec!["identifiers", "import", "-"],
        vec!["identifiers", "import", "ids.txt"],
        vec!["identifiers", "create", "--type", "card", "--number", "1"],
        vec!["identifiers", "create", "--json", "{}", "--type", "card"],
        vec![
            "identifiers",
            "create",
            "--type",
            "card",
            "--number",
            "1",
            "--name",
            "A",
            "--from",
            "2026-01-01",
        ],
        vec![
            "identifiers",
            "create",
            "--type",
            "card",
            "--number",
            "1",
            "--name",
            "A",
            "--from",
            "2026-02-30",
            "--to",
            "2026-03-01",
        ],
        vec!["identifiers", "list", "--filter", "owner=A"],
        vec!["identifiers", "get", "one"],
        vec!["locks", "open", "third"],
        vec!["frobnicate"],
    ] {
        let run = latchctl(bus, &args).await;
        assert_eq!(run.status, 2, "{args:?}: {run:?}");
        assert!(run.stderr.starts_with("error: "), "{args:?}: {run:?}");
    }
    let run = latchctl(bus, &[]).await;
    assert_eq!(run.status, 2, "{run:?}");
}

#[tokio::test]
async fn error_classes_have_their_exit_statuses() {
    // Only the first lock is configured.
    let s = Setup::start("[[lock]]\nname = \"first\"\nopen_time_ms = 1000\n").await;
    let bus = &s.bus;
    failed(
        &latchctl(bus, &["identifiers", "get", "99"]).await,
        3,
        "org.latchd.Panel1.Error.BadRequest: Wrong Identifier uid",
    );
    failed(
        &latchctl(bus, &["identifiers", "create", "--json", "not json"]).await,
        3,
        "org.latchd.Panel1.Error.BadRequest: Wrong JSON body",
    );
    failed(
        &latchctl(bus, &["identifiers", "list", "--limit", "5000"]).await,
        3,
        "org.latchd.Panel1.Error.BadRequest: Wrong JSON body",
    );
    let master = [
        "identifiers",
        "create",
        "--type",
        "inputCode",
        "--number",
        "1234",
        "--name",
        "Eve",
    ];
    failed(
        &latchctl(bus, &master).await,
        3,
        "org.latchd.Panel1.Error.BadRequest: Cannot create identifier with the same input code number as master code",
    );
    failed(
        &latchctl(bus, &["events", "list", "--limit", "0"]).await,
        3,
        "org.latchd.Panel1.Error.BadRequest: Wrong JSON body",
    );
    failed(
        &latchctl(bus, &["locks", "open", "second"]).await,
        6,
        "org.latchd.Panel1.Error.NotFound: This feature is disabled on your device",
    );
}

#[tokio::test]
async fn without_latchd_the_exit_status_is_8_and_without_a_bus_1() {
    let bus = Bus::start();
    for args in [
        &["identifiers", "list"][..],
        &["identifiers", "count"],
        &["profiles", "list"],
        &["apartments", "list"],
        &["locks", "states"],
        &["access", "present", "card", "1"],
        &["events", "follow"],
    ] {
        let run = latchctl(&bus, args).await;
        assert_eq!(run.status, 8, "{args:?}: {run:?}");
        let first = run.stderr.lines().next().unwrap_or("");
        assert!(
            first.starts_with("latchctl: org.freedesktop.DBus.Error.ServiceUnknown: ")
                || first.starts_with("latchctl: org.freedesktop.DBus.Error.NameHasNoOwner: "),
            "{args:?}: {run:?}"
        );
        assert_eq!(
            run.stderr.lines().nth(1),
            Some("latchctl: is latchd running? Nobody owns org.latchd.Panel1 on this bus"),
            "{args:?}"
        );
    }
    let gone = bus.dir.path().join("no-socket");
    let out = tokio::process::Command::new(LATCHCTL)
        .arg(format!("--address=unix:path={}", gone.display()))
        .args(["identifiers", "count"])
        .output()
        .await
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.starts_with("latchctl: cannot connect to the bus: ")
            && stderr.trim_end().ends_with("No such file or directory"),
        "{stderr}"
    );
}

use common::accounts::{self, can_switch_users};

/// latchctl run as `user` with the groups of the group database, from a
/// copy the user may execute whatever the permissions of the build tree.
fn as_user(user: &str, dir: &std::path::Path) -> Vec<String> {
    use std::os::unix::fs::PermissionsExt;
    let bin = dir.join("latchctl");
    if !bin.exists() {
        std::fs::copy(LATCHCTL, &bin).unwrap();
        std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    let account = nix::unistd::User::from_name(user).unwrap().unwrap();
    vec![
        "setpriv".into(),
        format!("--reuid={}", account.uid),
        format!("--regid={}", account.gid),
        "--init-groups".into(),
        bin.to_str().unwrap().into(),
    ]
}

#[tokio::test]
async fn unauthorized_and_forbidden_callers() {
    if !can_switch_users() {
        return;
    }
    let s = Setup::start(LOCKS).await;
    let bus = &s.bus;
    ok(bus, &card_flags("11:22:33:44", "Carol")).await;
    let bin_dir = tempfile::tempdir().unwrap();
    let viewer = as_user(accounts::VIEWER, bin_dir.path());
    let feeder = as_user(accounts::FEEDER, bin_dir.path());
    let nobody = as_user(accounts::NOBODY, bin_dir.path());
    let log_in = "latchd gives you no role: call as root or as a member of one of its groups \
                  ([auth] in latchd.toml; latchd-admin, latchd-view, latchd-feed by default)";

    // A viewer reads, and may not change.
    let run = run_as(&viewer, bus, &["identifiers", "count"], None).await;
    assert_eq!((run.status, run.stdout.as_str()), (0, "1\n"), "{run:?}");
    let run = run_as(&viewer, bus, &["locks", "states"], None).await;
    assert_eq!(run.status, 0, "{run:?}");
    let run = run_as(&viewer, bus, &card_flags("1", "Mallory"), None).await;
    failed(
        &run,
        5,
        "org.latchd.Panel1.Error.Forbidden: Administrator rights required",
    );
    assert_eq!(
        run.stderr.lines().nth(1),
        Some("latchctl: this needs an administrator: root or a member of latchd's admin groups")
    );
    failed(
        &run_as(&viewer, bus, &["locks", "open", "first"], None).await,
        5,
        "org.latchd.Panel1.Error.Forbidden: Administrator rights required",
    );
    // A feeder presents, and may not read.
    let run = run_as(
        &feeder,
        bus,
        &["access", "present", "card", "287454020"],
        None,
    )
    .await;
    assert_eq!(
        (run.status, run.stdout.as_str()),
        (0, "granted: granted\n"),
        "{run:?}"
    );
    failed(
        &run_as(&feeder, bus, &["events", "list"], None).await,
        5,
        "org.latchd.Panel1.Error.Forbidden: Administrator rights required",
    );
    // Someone without a role must log in; a property read says so as
    // AccessDenied, the only error a property may answer with.
    for args in [
        &["identifiers", "list"][..],
        &["access", "present", "card", "1"],
    ] {
        let run = run_as(&nobody, bus, args, None).await;
        failed(&run, 4, "org.latchd.Panel1.Error.Unauthorized: Log In");
        assert_eq!(
            run.stderr.lines().nth(1),
            Some(format!("latchctl: {log_in}").as_str())
        );
    }
    failed(
        &run_as(&nobody, bus, &["identifiers", "count"], None).await,
        4,
        "org.freedesktop.DBus.Error.AccessDenied: Log In",
    );
    // The feeder's property read is refused the same way (the message says why).
    failed(
        &run_as(&feeder, bus, &["locks", "states"], None).await,
        4,
        "org.freedesktop.DBus.Error.AccessDenied: Administrator rights required",
    );
    assert_eq!(ok(bus, &["identifiers", "count"]).await, "1\n");
}

/// Clears the immutable flag again, whatever happens in the test.
struct Immutable(std::path::PathBuf);

impl Immutable {
    /// Makes `path` immutable (even for root), or says why it cannot.
    fn set(path: &std::path::Path) -> Result<Immutable, String> {
        let out = std::process::Command::new("chattr")
            .arg("+i")
            .arg(path)
            .output()
            .map_err(|e| format!("chattr: {e}"))?;
        if out.status.success() {
            Ok(Immutable(path.to_path_buf()))
        } else {
            Err(String::from_utf8_lossy(&out.stderr).trim().to_string())
        }
    }
}

impl Drop for Immutable {
    fn drop(&mut self) {
        let _ = std::process::Command::new("chattr")
            .arg("-i")
            .arg(&self.0)
            .status();
    }
}

#[tokio::test]
async fn storage_failed_when_the_journal_cannot_be_written() {
    if !nix::unistd::geteuid().is_root() {
        eprintln!("skipped: making the journal immutable (chattr +i) needs root");
        return;
    }
    let s = Setup::start("").await;
    let bus = &s.bus;
    ok(bus, &card_flags("1", "Alice")).await;
    let journal = journal_segment(&s.data).expect("a journal segment");
    // latchd holds the segment open for appending; an immutable file refuses
    // the write even so, and even to root.
    let guard = match Immutable::set(&journal) {
        Ok(guard) => guard,
        Err(why) => {
            eprintln!("skipped: the data folder's file system has no immutable flag ({why})");
            return;
        }
    };
    let run = latchctl(bus, &card_flags("2", "Bob")).await;
    assert_eq!(run.status, 7, "{run:?}");
    assert!(
        run.stderr
            .starts_with("latchctl: org.latchd.Panel1.Error.StorageFailed: "),
        "{run:?}"
    );
    drop(guard);
    // Nothing was applied, and latchd carries on once it can write again.
    assert_eq!(ok(bus, &["identifiers", "count"]).await, "1\n");
    assert_eq!(ok(bus, &card_flags("2", "Bob")).await, "2\n");
}

#[tokio::test]
async fn completions_for_every_shell() {
    // Elvish and PowerShell complete commands and flags, not their values.
    for (shell, marker, values) in [
        ("bash", "_latchctl()", true),
        ("zsh", "#compdef latchctl", true),
        ("fish", "complete -c latchctl", true),
        ("elvish", "edit:completion:arg-completer[latchctl]", false),
        ("powershell", "Register-ArgumentCompleter", false),
    ] {
        let out = tokio::process::Command::new(LATCHCTL)
            .args(["completions", shell])
            .output()
            .await
            .unwrap();
        assert!(out.status.success(), "{shell}");
        let script = String::from_utf8(out.stdout).unwrap();
        assert!(script.contains(marker), "{shell}: {marker}");
        for word in [
            "identifiers",
            "reset-passes",
            "follow",
            "max-passes",
            "profiles",
            "weekdays",
            "apartments",
            "unbind",
        ] {
            assert!(script.contains(word), "{shell} completes {word}");
        }
        assert_eq!(script.contains("license_plate"), values, "{shell}");
    }
}

#[tokio::test]
async fn the_committed_completions_are_current() {
    // The package installs these files; they are built from the same
    // definition as the command line (and a cross-built latchctl cannot be
    // run where the package is built).
    for (shell, file) in [
        ("bash", "latchctl.bash"),
        ("zsh", "_latchctl"),
        ("fish", "latchctl.fish"),
    ] {
        let out = tokio::process::Command::new(LATCHCTL)
            .args(["completions", shell])
            .output()
            .await
            .unwrap();
        assert!(out.status.success());
        let path = std::path::Path::new(ROOT)
            .join("docs/completions")
            .join(file);
        let committed = std::fs::read(&path).unwrap_or_default();
        assert!(
            committed == out.stdout,
            "docs/completions/{file} differs from `latchctl completions {shell}`. \
             Regenerate it with\n    cargo run --bin latchctl -- completions {shell} > docs/completions/{file}\n\
             and commit it."
        );
    }
}

#[tokio::test]
async fn the_committed_man_page_is_current() {
    let out = tokio::process::Command::new(LATCHCTL)
        .arg("manpage")
        .output()
        .await
        .unwrap();
    assert!(out.status.success());
    let generated = String::from_utf8(out.stdout).unwrap();
    let path = std::path::Path::new(ROOT).join("docs/man/latchctl.1");
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == generated,
        "docs/man/latchctl.1 differs from `latchctl manpage`: the help texts changed. \
         Regenerate it with\n    cargo run --bin latchctl -- manpage > docs/man/latchctl.1\n\
         and commit it."
    );
    // Every command is on the page.
    for command in [
        "identifiers create",
        "identifiers get",
        "identifiers update",
        "identifiers delete",
        "identifiers delete\\-many",
        "identifiers import",
        "identifiers export",
        "identifiers list",
        "identifiers reset\\-passes",
        "identifiers qr",
        "identifiers attach",
        "identifiers detach",
        "identifiers count",
        "profiles create",
        "profiles get",
        "profiles update",
        "profiles delete",
        "profiles list",
        "apartments create",
        "apartments get",
        "apartments update",
        "apartments delete",
        "apartments list",
        "apartments bind",
        "apartments unbind",
        "locks states",
        "locks open",
        "access present",
        "events list",
        "events follow",
        "completions",
        "manpage",
    ] {
        assert!(
            generated.contains(&format!(".SS \"latchctl {command}\"")),
            "{command}"
        );
    }
}
