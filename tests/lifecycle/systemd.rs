//! The systemd unit and sysusers file: `systemd-analyze verify` accepts the
//! unit with the built binary, the hardening the unit promises is there, the
//! sysusers file makes every user and group the unit and the bus policy name,
//! and latchd runs as the unit's user without privileges (as root only: the
//! test creates the `latchd` user with the repository's sysusers file).
//!
//! Each test says it is skipped when a tool it needs is missing; CI installs
//! them (`systemd`, `util-linux`).

use crate::common;
use common::*;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

const UNIT: &str = "systemd/latchd.service";
const SYSUSERS: &str = "systemd/latchd.sysusers";
const POLICY: &str = "dbus/org.latchd.Panel1.conf";
const INSTALLED_BIN: &str = "/usr/bin/latchd";

fn read(path: &str) -> String {
    std::fs::read_to_string(Path::new(ROOT).join(path)).unwrap()
}

/// Runs `tool args`; None when the tool is not installed.
fn output(tool: &str, args: &[&str]) -> Option<Output> {
    match Command::new(tool).args(args).stdin(Stdio::null()).output() {
        Ok(out) => Some(out),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
        Err(e) => panic!("{tool}: {e}"),
    }
}

fn skip(why: &str) {
    eprintln!("skipped: {why}");
}

/// The values of `key=` in the unit, in file order (a key may repeat).
fn values(unit: &str, key: &str) -> Vec<String> {
    unit.lines()
        .filter(|l| !l.starts_with('#'))
        .filter_map(|l| l.split_once('='))
        .filter(|(k, _)| k.trim() == key)
        .map(|(_, v)| v.trim().to_string())
        .collect()
}

fn value(unit: &str, key: &str) -> String {
    let v = values(unit, key);
    assert_eq!(v.len(), 1, "{key}= must be set once in {UNIT}, found {v:?}");
    v.into_iter().next().unwrap()
}

/// The unit with ExecStart pointing at the built binary, in `dir`.
fn unit_for_build(dir: &Path, unit: &str) -> PathBuf {
    let exec = value(unit, "ExecStart");
    assert!(
        exec.starts_with(&format!("{INSTALLED_BIN} ")),
        "ExecStart runs {INSTALLED_BIN}: {exec}"
    );
    let text = unit.replace(
        &format!("ExecStart={INSTALLED_BIN} "),
        &format!("ExecStart={BIN} "),
    );
    let path = dir.join("latchd.service");
    std::fs::write(&path, text).unwrap();
    path
}

/// `systemd-analyze verify` on `path`: success and the lines of its output
/// about the unit. None when systemd-analyze is missing.
fn verify(path: &Path) -> Option<(bool, Vec<String>, String)> {
    // The man pages are not installed where the test runs.
    let out = output(
        "systemd-analyze",
        &["verify", "--man=no", path.to_str().unwrap()],
    )?;
    let all = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    let about_unit = all
        .lines()
        .filter(|l| l.contains("latchd"))
        .map(str::to_string)
        .collect();
    Some((out.status.success(), about_unit, all))
}

#[test]
fn systemd_analyze_verify_accepts_the_unit() {
    let dir = tempfile::tempdir().unwrap();
    let path = unit_for_build(dir.path(), &read(UNIT));
    let Some((ok, about_unit, all)) = verify(&path) else {
        return skip("systemd-analyze is not installed (apt-get install systemd)");
    };
    assert!(
        ok && about_unit.is_empty(),
        "systemd-analyze verify {}:\n{all}",
        path.display()
    );

    // The same check sees a mistake, so silence above means something.
    let broken = read(UNIT).replace("ProtectHome=yes", "ProtectHome=yes\nProtectHoem=yes");
    let path = unit_for_build(dir.path(), &broken);
    let (_, about_unit, all) = verify(&path).unwrap();
    assert!(
        about_unit.iter().any(|l| l.contains("ProtectHoem")),
        "a misspelt key went unnoticed:\n{all}"
    );
}

#[test]
fn the_unit_is_hardened() {
    let unit = read(UNIT);
    for (key, expected) in [
        ("Type", "notify"),
        ("NotifyAccess", "main"),
        ("BusName", "org.latchd.Panel1"),
        ("ExecReload", "kill -HUP $MAINPID"),
        ("Restart", "always"),
        ("ProtectClock", "yes"),
        ("User", "latchd"),
        ("Group", "latchd"),
        ("StateDirectory", "latchd"),
        ("UMask", "0027"),
        ("ProtectSystem", "strict"),
        ("ProtectHome", "yes"),
        ("PrivateTmp", "yes"),
        ("NoNewPrivileges", "yes"),
        ("CapabilityBoundingSet", ""),
        ("AmbientCapabilities", ""),
        ("RestrictAddressFamilies", "AF_UNIX"),
        ("DevicePolicy", "closed"),
    ] {
        assert_eq!(value(&unit, key), expected, "{key}=");
    }
    assert_eq!(
        values(&unit, "DeviceAllow"),
        ["char-gpiochip rw", "char-input r"]
    );
    assert!(values(&unit, "SystemCallFilter").contains(&"@system-service".to_string()));
    // These would break latchd: devices hidden, callers' uids unmapped.
    for key in ["PrivateDevices", "PrivateUsers", "DynamicUser"] {
        assert!(values(&unit, key).is_empty(), "{key}= must not be set");
    }
    assert!(
        value(&unit, "ExecStart").ends_with("--config /etc/latchd/latchd.toml"),
        "ExecStart uses the documented config path"
    );
    // The watchdog: long enough for a reload and a start on a slow panel,
    // short enough that a stuck access path is restarted within seconds.
    let watchdog = seconds(&value(&unit, "WatchdogSec"));
    assert!(
        (5..=30).contains(&watchdog),
        "WatchdogSec={watchdog}s: 5 to 30 s"
    );
    assert!(
        seconds(&value(&unit, "RestartSec")) <= 3,
        "a relay a dead latchd left driven waits for the restart"
    );
    // No start limit: a door controller keeps coming back.
    assert_eq!(value(&unit, "StartLimitIntervalSec"), "0");

    // systemd's own score of the sandbox (0 is best, 10 worst).
    let dir = tempfile::tempdir().unwrap();
    let path = unit_for_build(dir.path(), &unit);
    let Some(out) = output(
        "systemd-analyze",
        &["security", "--offline=yes", path.to_str().unwrap()],
    ) else {
        return skip("systemd-analyze is not installed: no exposure score");
    };
    let text = String::from_utf8_lossy(&out.stdout);
    let Some(score) = text
        .lines()
        .find_map(|l| l.split_once("Overall exposure level for latchd.service:"))
        .and_then(|(_, rest)| rest.split_whitespace().next())
        .and_then(|n| n.parse::<f64>().ok())
    else {
        return skip(&format!(
            "this systemd-analyze gives no offline score: {}",
            String::from_utf8_lossy(&out.stderr)
        ));
    };
    eprintln!("systemd-analyze security exposure: {score}");
    assert!(score <= 0.6, "exposure {score}, was 0.6:\n{text}");
}

/// `10s`, `1min` or `5` as seconds.
fn seconds(value: &str) -> u64 {
    if let Some(n) = value.strip_suffix("min") {
        return n.trim().parse::<u64>().unwrap() * 60;
    }
    value
        .trim_end_matches('s')
        .trim()
        .parse()
        .unwrap_or_else(|_| panic!("not a time span: {value}"))
}

/// The names of `/etc/passwd`- or `/etc/group`-style `file`.
fn names(file: &Path) -> BTreeSet<String> {
    std::fs::read_to_string(file)
        .unwrap()
        .lines()
        .filter_map(|l| l.split(':').next())
        .map(str::to_string)
        .collect()
}

#[test]
fn the_sysusers_file_makes_the_users_and_groups_the_unit_needs() {
    if !nix::unistd::geteuid().is_root() {
        return skip("systemd-sysusers --root needs root");
    }
    let root = tempfile::tempdir().unwrap();
    std::fs::create_dir(root.path().join("etc")).unwrap();
    let sysusers = Path::new(ROOT).join(SYSUSERS);
    let Some(out) = output(
        "systemd-sysusers",
        &[
            &format!("--root={}", root.path().display()),
            sysusers.to_str().unwrap(),
        ],
    ) else {
        return skip("systemd-sysusers is not installed (apt-get install systemd)");
    };
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "systemd-sysusers: {stderr}");
    assert!(
        !stderr.contains(SYSUSERS),
        "warnings about {SYSUSERS}: {stderr}"
    );
    let users = names(&root.path().join("etc/passwd"));
    let groups = names(&root.path().join("etc/group"));

    let unit = read(UNIT);
    assert!(users.contains(&value(&unit, "User")));
    let mut needed = vec![value(&unit, "Group")];
    needed.extend(
        value(&unit, "SupplementaryGroups")
            .split_whitespace()
            .map(str::to_string),
    );
    // The role groups of the default [auth] section.
    needed.extend(["latchd-admin", "latchd-view", "latchd-feed"].map(String::from));
    for group in needed {
        assert!(groups.contains(&group), "{SYSUSERS} does not make {group}");
    }
    // The bus policy lets the unit's user own the name.
    assert!(
        read(POLICY).contains(&format!("<policy user=\"{}\">", value(&unit, "User"))),
        "{POLICY} must let the unit's user own org.latchd.Panel1"
    );
}

/// A latchd started by hand as another user; killed when dropped.
struct Sandboxed(std::process::Child);

impl Sandboxed {
    /// What it wrote to standard error, once it has ended.
    fn stderr(&mut self) -> String {
        use std::io::Read;
        let mut text = String::new();
        if let Some(mut pipe) = self.0.stderr.take() {
            let _ = pipe.read_to_string(&mut text);
        }
        text
    }
}

impl Drop for Sandboxed {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Starts latchd as `user` with no capabilities and no way to gain any, and
/// umask 0027, roughly what the unit does, on `bus` with a data folder owned
/// by `user`.
fn start_as(user: &str, bus: &Bus, dir: &Path) -> Sandboxed {
    use std::os::unix::fs::PermissionsExt;
    let account = nix::unistd::User::from_name(user).unwrap().unwrap();
    // Where the user can run it, whatever the permissions of the build tree.
    let bin = dir.join("latchd");
    std::fs::copy(BIN, &bin).unwrap();
    std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o755)).unwrap();
    let data = dir.join("data");
    std::fs::create_dir(&data).unwrap();
    std::fs::set_permissions(&data, std::fs::Permissions::from_mode(0o750)).unwrap();
    nix::unistd::chown(&data, Some(account.uid), Some(account.gid)).unwrap();
    let config = write_config(dir, &data, "");
    let child = Command::new("sh")
        .args(["-c", "umask 0027 && exec \"$@\"", "sh", "setpriv"])
        .arg(format!("--reuid={}", account.uid))
        .arg(format!("--regid={}", account.gid))
        .args([
            "--clear-groups",
            "--no-new-privs",
            "--bounding-set=-all",
            "--inh-caps=-all",
        ])
        .arg(&bin)
        .arg("--config")
        .arg(&config)
        .arg("--bus-address")
        .arg(&bus.address)
        .env("LATCHD_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("setpriv must be installed (util-linux)");
    Sandboxed(child)
}

/// Creates the unit's user with the repository's sysusers file, as the
/// package would. False (after saying why) when that cannot be done here.
fn ensure_latchd_user() -> bool {
    if !nix::unistd::geteuid().is_root() {
        skip("running latchd as its own user needs root");
        return false;
    }
    let sysusers = Path::new(ROOT).join(SYSUSERS);
    let Some(out) = output("systemd-sysusers", &[sysusers.to_str().unwrap()]) else {
        skip("systemd-sysusers is not installed (apt-get install systemd)");
        return false;
    };
    assert!(
        out.status.success(),
        "systemd-sysusers {SYSUSERS}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    true
}

#[tokio::test]
async fn latchd_runs_as_the_unit_user_without_privileges() {
    if !ensure_latchd_user() {
        return;
    }
    let bus = Bus::start();
    let dir = tempfile::tempdir().unwrap();
    let mut daemon = start_as("latchd", &bus, dir.path());
    let deadline = Instant::now() + Duration::from_secs(60);
    while !name_owned(&bus) {
        if let Some(status) = daemon.0.try_wait().unwrap() {
            panic!(
                "latchd as the latchd user exited during start: {status}\n{}",
                daemon.stderr()
            );
        }
        assert!(Instant::now() < deadline, "latchd did not take its name");
        std::thread::sleep(Duration::from_millis(20));
    }

    let conn = bus.connect().await;
    let dbus = zbus::fdo::DBusProxy::new(&conn).await.unwrap();
    let creds = dbus
        .get_connection_credentials(zbus::names::BusName::try_from("org.latchd.Panel1").unwrap())
        .await
        .unwrap();
    let latchd = nix::unistd::User::from_name("latchd").unwrap().unwrap();
    assert_eq!(creds.unix_user_id(), Some(latchd.uid.as_raw()));

    let ids = IdentifiersProxy::builder(&conn)
        .cache_properties(zbus::proxy::CacheProperties::No)
        .build()
        .await
        .unwrap();
    assert_eq!(ids.create(&card("7001", "Alice")).await.unwrap(), 1);
    assert_eq!(ids.count().await.unwrap(), 1);

    let pid = nix::unistd::Pid::from_raw(daemon.0.id() as i32);
    nix::sys::signal::kill(pid, nix::sys::signal::Signal::SIGTERM).unwrap();
    let status = daemon.0.wait().unwrap();
    assert_eq!(status.code(), Some(0), "latchd must exit 0 on SIGTERM");

    // What it wrote is its own and not for other users.
    use std::os::unix::fs::MetadataExt;
    let mut files = 0;
    for entry in std::fs::read_dir(dir.path().join("data")).unwrap() {
        let meta = entry.as_ref().unwrap().metadata().unwrap();
        let name = entry.unwrap().file_name();
        assert_eq!(meta.uid(), latchd.uid.as_raw(), "{name:?} owner");
        assert_eq!(meta.mode() & 0o007, 0, "{name:?} is open to others");
        files += 1;
    }
    assert!(files > 0, "latchd wrote nothing");
}

#[tokio::test]
async fn other_users_may_not_take_the_name() {
    if !nix::unistd::geteuid().is_root() {
        return skip("running latchd as another user needs root");
    }
    if nix::unistd::User::from_name("nobody").unwrap().is_none() {
        return skip("no user nobody");
    }
    let bus = Bus::start();
    let dir = tempfile::tempdir().unwrap();
    let mut daemon = start_as("nobody", &bus, dir.path());
    let deadline = Instant::now() + Duration::from_secs(60);
    let status = loop {
        if let Some(status) = daemon.0.try_wait().unwrap() {
            break status;
        }
        assert!(
            Instant::now() < deadline,
            "latchd as nobody neither failed nor stopped"
        );
        std::thread::sleep(Duration::from_millis(20));
    };
    let stderr = daemon.stderr();
    assert!(!status.success(), "the bus policy let nobody own the name");
    assert!(
        stderr.contains("not allowed to own the service \"org.latchd.Panel1\""),
        "latchd as nobody failed for another reason: {stderr}"
    );
    assert!(!name_owned(&bus));
}
