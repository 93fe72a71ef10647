//! Test harness: a real private `dbus-daemon` loading latchd's policy file, the
//! real `latchd` binary, and a zbus client.
#![allow(dead_code)]

pub mod accounts;
pub mod mutations;

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub const BIN: &str = env!("CARGO_BIN_EXE_latchd");
pub const ROOT: &str = env!("CARGO_MANIFEST_DIR");

/// The name of the user running the tests.
pub fn current_user() -> String {
    nix::unistd::User::from_uid(nix::unistd::getuid())
        .ok()
        .flatten()
        .map(|u| u.name)
        .unwrap_or_else(|| "root".into())
}

/// A private bus, configured like the system bus with latchd's policy.
pub struct Bus {
    child: Child,
    pub address: String,
    pub dir: tempfile::TempDir,
}

impl Bus {
    pub fn start() -> Bus {
        Bus::start_with("")
    }

    /// A bus with the `<policy>` elements `extra` too (for a stand-in of
    /// another service).
    pub fn start_with(extra: &str) -> Bus {
        let dir = tempfile::Builder::new()
            .prefix("latchd-bus")
            .tempdir()
            .unwrap();
        // Other users (the authorization tests) must reach the socket.
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
        let socket = dir.path().join("socket");
        let template =
            std::fs::read_to_string(Path::new(ROOT).join("tests/data/bus.conf.in")).unwrap();
        let conf = template
            .replace("@POLICY@", &format!("{ROOT}/dbus/org.latchd.Panel1.conf"))
            .replace("@SOCKET@", socket.to_str().unwrap())
            .replace("@USER@", &current_user())
            .replace("</busconfig>", &format!("{extra}\n</busconfig>"));
        let conf_path = dir.path().join("bus.conf");
        std::fs::write(&conf_path, conf).unwrap();
        let child = Command::new("dbus-daemon")
            .arg(format!("--config-file={}", conf_path.display()))
            .arg("--nofork")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("dbus-daemon must be installed (apt-get install dbus)");
        let deadline = Instant::now() + Duration::from_secs(10);
        while !socket.exists() {
            assert!(Instant::now() < deadline, "dbus-daemon did not start");
            std::thread::sleep(Duration::from_millis(10));
        }
        Bus {
            child,
            address: format!("unix:path={}", socket.display()),
            dir,
        }
    }

    /// The dbus-daemon's process id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    pub async fn connect(&self) -> zbus::Connection {
        zbus::connection::Builder::address(self.address.as_str())
            .unwrap()
            .build()
            .await
            .unwrap()
    }
}

impl Drop for Bus {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Writes `latchd.toml` in `dir` with the data folder `data`, plus `extra`
/// TOML. Without a `[panel]` section in `extra`, the master code is 1234 and
/// the master card 12:34:56:78.
pub fn write_config(dir: &Path, data: &Path, extra: &str) -> PathBuf {
    let path = dir.join("latchd.toml");
    let panel = if extra.contains("[panel]") {
        String::new()
    } else {
        "[panel]\nmaster_code = \"1234\"\nmaster_card = \"12:34:56:78\"\n".to_string()
    };
    // Not root: the test user's own group is the admin group, so the tests
    // run for a developer too (the authorization tests need root).
    let auth = if nix::unistd::getuid().is_root() || extra.contains("[auth]") {
        String::new()
    } else {
        let group = nix::unistd::Group::from_gid(nix::unistd::getgid())
            .ok()
            .flatten()
            .map(|g| g.name)
            .unwrap_or_default();
        format!("[auth]\nadmin_groups = [\"{group}\"]\n")
    };
    let text = format!(
        "[storage]\ndir = \"{}\"\n\n{panel}\n{auth}\n{extra}\n",
        data.display()
    );
    std::fs::write(&path, text).unwrap();
    path
}

/// The first journal segment in the data folder `data`, if any.
pub fn journal_segment(data: &Path) -> Option<PathBuf> {
    std::fs::read_dir(data)
        .ok()?
        .map(|e| e.unwrap().path())
        .find(|p| {
            p.file_name()
                .unwrap()
                .to_string_lossy()
                .starts_with("journal-")
        })
}

/// Whether someone owns org.latchd.Panel1 on `bus`.
pub fn name_owned(bus: &Bus) -> bool {
    Command::new("busctl")
        .arg(format!("--address={}", bus.address))
        .args(["status", "org.latchd.Panel1"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .map(|s| s.success())
        .unwrap_or(false)
}

/// A running latchd.
pub struct Daemon {
    pub child: Child,
    pub config: PathBuf,
}

impl Daemon {
    /// Starts latchd and waits until it owns its name. Its log (level info)
    /// goes to `latchd.log` beside the config, for tests to read.
    pub fn start(bus: &Bus, config: &Path) -> Daemon {
        Daemon::start_with_env(bus, config, &[])
    }

    /// `start` with more environment variables (NOTIFY_SOCKET, ...).
    pub fn start_with_env(bus: &Bus, config: &Path, env: &[(&str, &str)]) -> Daemon {
        let mut daemon = Daemon::spawn(bus, config, env);
        daemon.wait_ready(bus);
        daemon
    }

    /// Starts latchd without waiting for anything.
    pub fn spawn(bus: &Bus, config: &Path, env: &[(&str, &str)]) -> Daemon {
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(Self::log_path(config))
            .unwrap();
        let child = Command::new(BIN)
            .arg("--config")
            .arg(config)
            .arg("--bus-address")
            .arg(&bus.address)
            .env("LATCHD_LOG", "info")
            .env_remove("JOURNAL_STREAM")
            .env_remove("NOTIFY_SOCKET")
            .env_remove("WATCHDOG_USEC")
            .env_remove("WATCHDOG_PID")
            .envs(env.iter().copied())
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .unwrap();
        Daemon {
            child,
            config: config.to_path_buf(),
        }
    }

    /// Waits until latchd owns its name; panics if it exits first.
    pub fn wait_ready(&mut self, bus: &Bus) {
        let deadline = Instant::now() + Duration::from_secs(120);
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                panic!("latchd exited during start: {status}\n{}", self.log());
            }
            if name_owned(bus) {
                return;
            }
            assert!(Instant::now() < deadline, "latchd did not take its name");
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    fn log_path(config: &Path) -> PathBuf {
        config.with_file_name("latchd.log")
    }

    /// Everything latchd logged so far (from every start on this config).
    pub fn log(&self) -> String {
        std::fs::read_to_string(Self::log_path(&self.config)).unwrap_or_default()
    }

    /// Sends `signal` to latchd.
    pub fn signal(&self, signal: nix::sys::signal::Signal) {
        let pid = nix::unistd::Pid::from_raw(self.child.id() as i32);
        nix::sys::signal::kill(pid, signal).unwrap();
    }

    /// Waits until the log has `text` (at most `timeout`); whether it came.
    pub fn wait_for_log(&self, text: &str, timeout: Duration) -> bool {
        let deadline = Instant::now() + timeout;
        while Instant::now() < deadline {
            if self.log().contains(text) {
                return true;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        self.log().contains(text)
    }

    /// The number of times the log has `text` so far.
    pub fn log_count(&self, text: &str) -> usize {
        self.log().matches(text).count()
    }

    /// SIGKILL: no chance to clean up, like a crash.
    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// SIGTERM and wait (at most 30 s, then SIGKILL); returns the exit code.
    pub fn stop(&mut self) -> Option<i32> {
        self.stop_with(nix::sys::signal::Signal::SIGTERM)
    }

    /// `signal` and wait (at most 30 s, then SIGKILL); returns the exit code.
    pub fn stop_with(&mut self, signal: nix::sys::signal::Signal) -> Option<i32> {
        let pid = nix::unistd::Pid::from_raw(self.child.id() as i32);
        let _ = nix::sys::signal::kill(pid, signal);
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status.code();
            }
            if Instant::now() > deadline {
                self.kill();
                panic!("latchd did not stop within 30 s of {signal}");
            }
            std::thread::sleep(Duration::from_millis(10));
        }
    }
}

impl Drop for Daemon {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            self.kill();
        }
    }
}

// The clients are the ones latchd's own interfaces generate.
#[allow(unused_imports)]
pub use latchd::dbus::{AccessProxy, IdentifiersProxy, LocksProxy};

/// The D-Bus error name and message of a failed call.
pub fn error_of<T: std::fmt::Debug, E: Into<latchd::dbus::Error>>(
    result: Result<T, E>,
) -> (String, String) {
    match result.map_err(Into::into) {
        Err(e @ latchd::dbus::Error::ZBus(zbus::Error::MethodError(..)))
        | Err(e @ latchd::dbus::Error::ZBus(zbus::Error::FDO(_)))
        | Err(
            e @ (latchd::dbus::Error::BadRequest(_)
            | latchd::dbus::Error::Unauthorized(_)
            | latchd::dbus::Error::Forbidden(_)
            | latchd::dbus::Error::NotFound(_)
            | latchd::dbus::Error::StorageFailed(_)
            | latchd::dbus::Error::HardwareFailed(_)),
        ) => e.name_and_message(),
        other => panic!("expected a D-Bus error reply, got {other:?}"),
    }
}

pub const BAD_REQUEST: &str = "org.latchd.Panel1.Error.BadRequest";

/// A BadRequest reply with `message`, as [`error_of`] gives it.
pub fn bad_request(message: &str) -> (String, String) {
    (BAD_REQUEST.to_string(), message.to_string())
}

/// A JSON reply (an item or a page), parsed.
pub fn json_reply(text: &str) -> serde_json::Value {
    serde_json::from_str(text).unwrap()
}

/// A card body for `number` with `owner`.
pub fn card(number: &str, owner: &str) -> String {
    serde_json::json!({
        "identifier_owner": {"name": owner, "type": "owner"},
        "identifier_type": "card",
        "identifier_number": number,
        "lock": "first",
    })
    .to_string()
}

/// A bus, a data folder and a running latchd on them.
pub struct Setup {
    pub daemon: Daemon,
    pub conn: zbus::Connection,
    pub data: PathBuf,
    pub dir: tempfile::TempDir,
    pub bus: Bus,
}

impl Setup {
    pub async fn start(extra_config: &str) -> Setup {
        let bus = Bus::start();
        let dir = tempfile::tempdir().unwrap();
        let data = dir.path().join("data");
        let config = write_config(dir.path(), &data, extra_config);
        let daemon = Daemon::start(&bus, &config);
        let conn = bus.connect().await;
        Setup {
            daemon,
            conn,
            data,
            dir,
            bus,
        }
    }

    pub async fn identifiers(&self) -> IdentifiersProxy<'static> {
        IdentifiersProxy::builder(&self.conn)
            .cache_properties(zbus::proxy::CacheProperties::No)
            .build()
            .await
            .unwrap()
    }

    /// Starts latchd again on the same config after it was stopped.
    pub fn restart_stopped(&mut self) {
        let config = self.daemon.config.clone();
        self.daemon = Daemon::start(&self.bus, &config);
    }

    /// Stops latchd with SIGTERM and starts it again on the same data.
    pub fn restart(&mut self) {
        assert_eq!(self.daemon.stop(), Some(0), "latchd must exit 0 on SIGTERM");
        let config = self.daemon.config.clone();
        self.daemon = Daemon::start(&self.bus, &config);
    }
}
