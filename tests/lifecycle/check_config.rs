//! `latchd --check-config` and start-up refuse bad configs and corrupt data
//! with the file and line, and never write to data they could not read.

use crate::common;
use common::*;
use std::process::Command;

/// Starts latchd on `config` and `bus_address`, which must refuse to start;
/// returns what it said.
fn refused_start(config: &std::path::Path, bus_address: &str) -> String {
    let out = Command::new(BIN)
        .arg("--config")
        .arg(config)
        .arg("--bus-address")
        .arg(bus_address)
        .output()
        .unwrap();
    assert!(!out.status.success(), "latchd started");
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn check(config: &std::path::Path) -> (bool, String, String) {
    run_with("--check-config", config)
}

/// `latchd FLAG CONFIG`: whether it succeeded, its output and its errors.
fn run_with(flag: &str, config: &std::path::Path) -> (bool, String, String) {
    let out = Command::new(BIN).arg(flag).arg(config).output().unwrap();
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn example_configs_check_clean() {
    for example in ["examples/latchd.toml", "examples/latchd-system.toml"] {
        let text = std::fs::read_to_string(format!("{ROOT}/{example}")).unwrap();
        let dir = tempfile::tempdir().unwrap();
        // Point the data folder somewhere empty; everything else as shipped.
        let text = text.replace(
            "dir = \"../target/example-data\"",
            &format!("dir = \"{}\"", dir.path().join("d").display()),
        );
        let text = text.replace(
            "dir = \"/var/lib/latchd\"",
            &format!("dir = \"{}\"", dir.path().join("d").display()),
        );
        let path = dir.path().join("latchd.toml");
        std::fs::write(&path, text).unwrap();
        let (ok, stdout, stderr) = check(&path);
        assert!(ok, "{example}: {stderr}");
        assert!(stdout.contains("ok; 0 identifiers"), "{stdout}");
    }
}

#[test]
fn bad_config_names_file_and_line() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("latchd.toml");
    let cases = [
        (
            "[storage]\ndir = \"/tmp/x\"\n[panel]\nmaster_code = \"12ab\"\n",
            ":4: panel.master_code must be 1 to 10 digits",
        ),
        (
            "[storage]\ndir = \"/tmp/x\"\n\n[clock]\nrequire_synk = true\n",
            ":5: unknown field `require_synk`",
        ),
        (
            "[[lock]]\nname = \"first\"\nopen_time_ms = 0\n",
            ":3: open_time_ms must be 1 to 40000",
        ),
        ("[storage\n", ":1: "),
        (
            "[storage]\ndir = \"/tmp/x\"\n[clock]\ntime_zone = \"Mars/Olympus\"\n",
            ":4: clock.time_zone: failed to find time zone `Mars/Olympus`",
        ),
        (
            "[storage]\ndir = \"/tmp/x\"\n[panel]\nface_threshold = \"max\"\n",
            ":4: unknown variant `max`, expected one of `low`, `normal`, `high`",
        ),
    ];
    for (text, expected) in cases {
        std::fs::write(&path, text).unwrap();
        let (ok, _, stderr) = check(&path);
        assert!(!ok, "{text:?} was accepted");
        let want = format!("{}{expected}", path.display());
        assert!(
            stderr.starts_with(&want),
            "{text:?}: got {stderr:?}, want {want:?}"
        );
    }
    let (ok, _, stderr) = check(&dir.path().join("missing.toml"));
    assert!(!ok && stderr.contains("missing.toml"), "{stderr}");
}

/// Writes two identifiers through a real daemon and returns the setup stopped.
async fn two_identifiers() -> Setup {
    let mut s = Setup::start("").await;
    let ids = s.identifiers().await;
    ids.create(&card("11:22:33:44", "Alice")).await.unwrap();
    ids.create(&card("55:66:77:88", "Bob")).await.unwrap();
    assert_eq!(s.daemon.stop(), Some(0));
    s
}

fn journal(data: &std::path::Path) -> std::path::PathBuf {
    journal_segment(data).expect("a journal segment")
}

#[tokio::test]
async fn corrupt_journal_refuses_start_and_is_left_alone() {
    let s = two_identifiers().await;
    let path = journal(&s.data);
    let text = std::fs::read_to_string(&path).unwrap();
    // Flip a character inside the first line: the checksum no longer matches.
    let corrupt = text.replacen("Alice", "Alicf", 1);
    std::fs::write(&path, &corrupt).unwrap();
    let (ok, _, stderr) = check(&s.daemon.config);
    assert!(!ok);
    assert!(
        stderr.starts_with(&format!("{}:1: checksum mismatch", path.display())),
        "{stderr}"
    );
    // The daemon refuses to start too, and writes nothing.
    let stderr = refused_start(&s.daemon.config, &s.bus.address);
    assert!(
        stderr.contains(&format!("{}:1:", path.display())),
        "{stderr}"
    );
    assert_eq!(std::fs::read_to_string(&path).unwrap(), corrupt);
}

#[tokio::test]
async fn corrupt_snapshot_names_the_line() {
    let s = two_identifiers().await;
    let snapshot = s.data.join("identifiers.toml");
    let text = "format = 1\nlast_seq = 0\nnext_uid = 3\n\n[[identifier]]\nuid = 1\nowner_name = \"A\"\nowner_type = \"owner\"\ntype = \"card\"\nnumber = \"zz\"\nlock = \"first\"\npasses_left = -1\ntime = { is_permanent = true }\npasses = { is_permanent = true }\n";
    std::fs::write(&snapshot, text).unwrap();
    let (ok, _, stderr) = check(&s.daemon.config);
    assert!(!ok);
    assert!(
        stderr.starts_with(&format!(
            "{}:5: identifier uid 1: identifier_number is not a valid card",
            snapshot.display()
        )),
        "{stderr}"
    );
    std::fs::write(
        &snapshot,
        "format = 1\nlast_seq = 0\nnext_uid = 3\nbogus = 1\n",
    )
    .unwrap();
    let (ok, _, stderr) = check(&s.daemon.config);
    assert!(!ok);
    assert!(
        stderr.starts_with(&format!("{}:4:", snapshot.display())),
        "{stderr}"
    );
}

#[tokio::test]
async fn torn_last_line_is_dropped_at_start() {
    let mut s = two_identifiers().await;
    let path = journal(&s.data);
    let mut text = std::fs::read_to_string(&path).unwrap();
    // A crash in the middle of writing the second line.
    let cut = text.trim_end().rfind('\n').unwrap() + 1 + 40;
    text.truncate(cut);
    std::fs::write(&path, &text).unwrap();
    let (ok, stdout, _) = check(&s.daemon.config);
    assert!(ok);
    assert!(
        stdout.contains("1 identifiers") && stdout.contains("incomplete last journal line"),
        "{stdout}"
    );
    s.daemon = Daemon::start(&s.bus, &s.daemon.config.clone());
    let ids = s.identifiers().await;
    assert_eq!(ids.count().await.unwrap(), 1);
    // The next mutation lands on a clean line and reads back after a restart.
    assert_eq!(ids.create(&card("99:99:99:99", "Carol")).await.unwrap(), 2);
    s.restart();
    let ids = s.identifiers().await;
    assert_eq!(ids.count().await.unwrap(), 2);
}

#[tokio::test]
async fn second_daemon_on_the_same_data_is_refused() {
    let s = Setup::start("").await;
    let stderr = refused_start(&s.daemon.config, &s.bus.address);
    assert!(
        stderr.contains("another latchd is using this data folder"),
        "{stderr}"
    );
}

#[tokio::test]
async fn a_lock_whose_line_is_missing_stops_the_start() {
    let bus = Bus::start();
    let dir = tempfile::tempdir().unwrap();
    let config = write_config(
        dir.path(),
        &dir.path().join("data"),
        "[[lock]]\nname = \"first\"\nline = \"NO_SUCH_LINE\"\n",
    );
    let stderr = refused_start(&config, &bus.address);
    assert!(
        stderr.contains("lock \"first\": no GPIO line named \"NO_SUCH_LINE\""),
        "{stderr}"
    );
}

#[test]
fn lock_line_keys_are_checked() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("latchd.toml");
    // Two lines of [storage] come first.
    let cases = [
        (
            "[[lock]]\nname = \"first\"\nline = \"GPIO17\"\nchip = \"gpiochip0\"\noffset = 3\n",
            ":6: a lock takes either `line`, or `chip` with `offset`",
        ),
        (
            "[[lock]]\nname = \"first\"\nchip = \"gpiochip0\"\n",
            ":5: a lock takes either `line`, or `chip` with `offset`",
        ),
        (
            "[[lock]]\nname = \"first\"\noffset = 3\n",
            ":3: `offset` needs `chip`",
        ),
    ];
    for (text, expected) in cases {
        std::fs::write(
            &path,
            format!("[storage]\ndir = \"{}\"\n{text}", dir.path().display()),
        )
        .unwrap();
        let (ok, _, stderr) = check(&path);
        assert!(!ok, "{text:?} was accepted");
        let want = format!("{}{}", path.display(), expected);
        assert!(
            stderr.starts_with(&want),
            "{text:?}: got {stderr:?}, want {want:?}"
        );
    }
}

/// A reader that is not plugged in is waited for, not fatal.
#[tokio::test]
async fn a_missing_input_device_is_waited_for() {
    let mut s = Setup::start(
        "[[input]]\nkind = \"keypad\"\npath = \"/dev/input/by-id/not-plugged-in\"\n\n\
         [[input]]\nkind = \"card_reader\"\nvendor_product = \"ffff:0035\"\nformat = \"hex\"\n",
    )
    .await;
    let ids = s.identifiers().await;
    assert_eq!(ids.count().await.unwrap(), 0);
    // Readers waiting for their devices do not hold up a clean stop.
    assert_eq!(s.daemon.stop(), Some(0));
}

/// A data folder with a snapshot of Alice and Bob (written as compaction
/// writes it) and one journaled mutation after it (Carol), stopped.
async fn snapshot_and_journal() -> Setup {
    let mut s = Setup::start("").await;
    let config = latchd::config::Config::load(&s.daemon.config).unwrap();
    assert_eq!(s.daemon.stop(), Some(0));
    let rules = config.rules();
    let mut registry = latchd::domain::registry::Registry::new(rules.clone());
    for (number, owner) in [("11:22:33:44", "Alice"), ("55:66:77:88", "Bob")] {
        let (_, change) = registry.create(&card(number, owner)).unwrap();
        registry.apply(&change);
    }
    std::fs::remove_dir_all(&s.data).unwrap();
    latchd::storage::write_fresh(&s.data, &registry).unwrap();
    s.restart_stopped();
    let ids = s.identifiers().await;
    assert_eq!(ids.create(&card("99:99:99:99", "Carol")).await.unwrap(), 3);
    assert_eq!(s.daemon.stop(), Some(0));
    s
}

fn reseal(config: &std::path::Path) -> (bool, String, String) {
    run_with("--reseal", config)
}

#[tokio::test]
async fn tampered_snapshot_is_refused_until_resealed() {
    let mut s = snapshot_and_journal().await;
    let snapshot = s.data.join("identifiers.toml");
    let sealed = std::fs::read_to_string(&snapshot).unwrap();
    assert!(sealed.contains("\nseal = \"crc32:"), "{sealed}");
    // Raising last_seq would hide Carol's journaled Create without a word.
    let raised = sealed.replace("last_seq = 0", "last_seq = 1");
    assert_ne!(raised, sealed);
    for tampered in [raised, sealed.replace("\"Bob\"", "\"Mallory\"")] {
        std::fs::write(&snapshot, &tampered).unwrap();
        let (ok, _, stderr) = check(&s.daemon.config);
        assert!(!ok, "a tampered snapshot passed the check");
        let seal_line = tampered
            .lines()
            .position(|l| l.starts_with("seal = "))
            .unwrap()
            + 1;
        assert!(
            stderr.starts_with(&format!(
                "{}:{seal_line}: the seal does not match the content",
                snapshot.display()
            )) && stderr.contains("latchd --reseal"),
            "{stderr}"
        );
        let refused = refused_start(&s.daemon.config, &s.bus.address);
        assert!(refused.contains("the seal does not match"), "{refused}");
        // Nothing was written to the data latchd could not read.
        assert_eq!(std::fs::read_to_string(&snapshot).unwrap(), tampered);
    }
    // A deliberate edit is accepted by resealing it.
    let (ok, stdout, stderr) = reseal(&s.daemon.config);
    assert!(ok, "{stderr}");
    assert!(stdout.contains("sealed; 3 identifiers"), "{stdout}");
    s.restart_stopped();
    let ids = s.identifiers().await;
    assert!(ids.get(2).await.unwrap().contains("Mallory"));
    assert!(ids.get(3).await.unwrap().contains("Carol"));
    // Resealing needs the folder: not while latchd runs.
    let (ok, _, stderr) = reseal(&s.daemon.config);
    assert!(
        !ok && stderr.contains("another latchd is using"),
        "{stderr}"
    );
}

#[tokio::test]
async fn unfinished_snapshot_is_removed_at_start() {
    let mut s = snapshot_and_journal().await;
    let tmp = s.data.join("identifiers.toml.tmp");
    std::fs::write(&tmp, "format = 1\nlast_seq = 9").unwrap();
    s.restart_stopped();
    assert!(!tmp.exists(), "identifiers.toml.tmp is still there");
    assert!(s.daemon.log().contains("removed an unfinished snapshot"));
    assert_eq!(s.identifiers().await.count().await.unwrap(), 3);
}

#[test]
fn data_folder_edges() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("latchd.toml");
    let bus = Bus::start();
    // Nothing set: not a door controller with defaults for everything.
    for empty in ["", "\n# only a comment\n"] {
        std::fs::write(&path, empty).unwrap();
        let (ok, _, stderr) = check(&path);
        assert!(!ok, "an empty config was accepted");
        assert!(
            stderr.starts_with(&format!("{}: the file sets nothing", path.display())),
            "{stderr}"
        );
        assert!(refused_start(&path, &bus.address).contains("the file sets nothing"));
    }
    std::fs::write(&path, "[storage]\ndir = \"\"\n").unwrap();
    let (ok, _, stderr) = check(&path);
    assert!(!ok);
    assert!(
        stderr.starts_with(&format!(
            "{}:2: storage.dir must name a folder",
            path.display()
        )),
        "{stderr}"
    );
    assert!(refused_start(&path, &bus.address).contains(":2: storage.dir must name a folder"));
    // A file where the folder should be: the same error from check and start.
    let file = dir.path().join("a-file");
    std::fs::write(&file, "").unwrap();
    std::fs::write(&path, format!("[storage]\ndir = \"{}\"\n", file.display())).unwrap();
    let (ok, _, stderr) = check(&path);
    assert!(!ok);
    let want = format!("{}: not a folder", file.display());
    assert!(stderr.starts_with(&want), "{stderr}");
    assert!(refused_start(&path, &bus.address).contains(&want));
    // A relative folder is relative to the config file, wherever latchd starts.
    std::fs::write(&path, "[storage]\ndir = \"data\"\n").unwrap();
    let out = Command::new(BIN)
        .arg("--check-config")
        .arg(&path)
        .current_dir("/")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        stdout.contains(&format!("in {}", dir.path().join("data").display())),
        "{stdout}"
    );
}

/// A time profile edited out of its ranges, or an identifier bound to an
/// apartment that is not there, refuses start with the file and the line,
/// even in a snapshot whose seal was made anew (`--reseal` refuses it too).
#[test]
fn profiles_and_apartments_out_of_range_refuse_start_with_file_and_line() {
    use latchd::domain::identifier::Rules;
    use latchd::domain::registry::Registry;
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let config = write_config(dir.path(), &data, "");
    let mut registry = Registry::new(Rules::default());
    let profile = r#"{"name":"Weekdays","time_options":{"is_all_day":true,"date_from":1767603600,"date_to":1767603600},
        "repeat_options":{"repeat_enable":true,"repeat_format":{"repeat_type":"custom","repeat_end":{"format":"never"},
        "repeat_custom":{"repeat_point_type":"week","repeat_looper":2,"repeat_options":["MON"]}}}}"#;
    let (_, change) = registry.create_profile(profile).unwrap();
    registry.apply(&change);
    let (_, change) = registry
        .create_apartment(r#"{"apartment_name":"Flat","apartment_address":{"building":3,"unit":0,"floor":0,"room":7}}"#)
        .unwrap();
    registry.apply(&change);
    let (uid, change) = registry.create(&card("42", "Alice")).unwrap();
    registry.apply(&change);
    let change = registry.bind(1, uid).unwrap();
    registry.apply(&change);
    latchd::storage::write_fresh(&data, &registry).unwrap();
    let snapshot = data.join("identifiers.toml");
    let text = std::fs::read_to_string(&snapshot).unwrap();
    let (ok, stdout, stderr) = check(&config);
    assert!(ok, "{stderr}");
    assert!(stdout.contains("ok; 1 identifiers"), "{stdout}");

    let unsealed: String = text
        .lines()
        .filter(|l| !l.starts_with("seal = "))
        .map(|l| format!("{l}\n"))
        .collect();
    let line_of = |text: &str, needle: &str| {
        1 + text
            .lines()
            .position(|l| l.contains(needle))
            .unwrap_or_else(|| panic!("{needle} not in {text}"))
    };
    for (from, to, message) in [
        (
            "repeat_looper = 2",
            "repeat_looper = 5000",
            "time profile uid 1: ",
        ),
        ("room = 7", "room = 700", "invalid value"),
        (
            "apartment = 1",
            "apartment = 9",
            "identifier uid 1 is bound to apartment 9, which does not exist",
        ),
    ] {
        let edited = latchd::fuzzing::seal(&unsealed.replace(from, to));
        assert_ne!(edited, text, "{from} is not in the snapshot:\n{text}");
        std::fs::write(&snapshot, &edited).unwrap();
        let (ok, _, stderr) = check(&config);
        assert!(!ok, "{to} was accepted");
        let at = format!("{}:", snapshot.display());
        assert!(
            stderr.contains(&at) && stderr.contains(message),
            "{to}: {stderr}"
        );
        // The line is that of the table the value is in (its header), or of the value.
        let line: usize = stderr[stderr.find(&at).unwrap() + at.len()..]
            .split(':')
            .next()
            .unwrap()
            .parse()
            .unwrap();
        let header = match from {
            "repeat_looper = 2" => "[[time_profile]]",
            "room = 7" => "room = 700",
            _ => "[[identifier]]",
        };
        let lines: Vec<&str> = edited.lines().collect();
        let want = line_of(&edited, header);
        assert!(
            line == want
                || lines[..line].iter().rev().find(|l| l.starts_with("[[")) == Some(&header),
            "{to}: line {line}, the table starts at {want}:\n{edited}"
        );
        let (resealed, _, _) = run_with("--reseal", &config);
        assert!(!resealed, "--reseal accepted {to}");
    }
}
