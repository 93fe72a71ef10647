//! latchd under a service manager: the notifications `Type=notify` and
//! `WatchdogSec=` expect, read from a datagram socket the test binds and
//! hands to the real latchd as `NOTIFY_SOCKET` (as systemd does), and the
//! signals the unit sends: READY=1 once the name is owned, WATCHDOG=1 pings
//! that stop while latchd is stopped (SIGSTOP) and resume after SIGCONT,
//! RELOADING=1 and READY=1 around a SIGHUP, STOPPING=1 and exit 0 on
//! SIGTERM and SIGINT.

use crate::common;
use common::*;
use nix::sys::signal::Signal;
use std::os::unix::net::UnixDatagram;
use std::path::Path;
use std::time::{Duration, Instant};

/// The service manager's end of NOTIFY_SOCKET.
struct Manager {
    socket: UnixDatagram,
    path: std::path::PathBuf,
}

impl Manager {
    fn bind(dir: &Path) -> Manager {
        let path = dir.join("notify");
        let socket = UnixDatagram::bind(&path).unwrap();
        Manager { socket, path }
    }

    fn address(&self) -> &str {
        self.path.to_str().unwrap()
    }

    /// The next notification, within `timeout`.
    fn next(&self, timeout: Duration) -> Option<String> {
        let mut buf = [0u8; 4096];
        self.socket
            .set_read_timeout(Some(timeout.max(Duration::from_millis(1))))
            .unwrap();
        let n = self.socket.recv(&mut buf).ok()?;
        Some(String::from_utf8_lossy(&buf[..n]).into_owned())
    }

    /// The first notification with the line `field` within `timeout`,
    /// passing over others (pings); with what came before it.
    fn wait_for(&self, field: &str, timeout: Duration) -> (String, Vec<String>) {
        let deadline = Instant::now() + timeout;
        let mut before = Vec::new();
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            let Some(message) = self.next(left) else {
                panic!("no {field} within {timeout:?}; got {before:?}");
            };
            if message.lines().any(|l| l == field) {
                return (message, before);
            }
            before.push(message);
        }
    }

    /// How many WATCHDOG=1 arrive within `time` (other notifications are
    /// passed over).
    fn pings(&self, time: Duration) -> usize {
        let deadline = Instant::now() + time;
        let mut n = 0;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return n;
            }
            match self.next(left) {
                Some(m) if m == "WATCHDOG=1" => n += 1,
                Some(_) => {}
                None => return n,
            }
        }
    }

    /// Forgets what was sent so far.
    fn drain(&self) {
        while self.next(Duration::from_millis(1)).is_some() {}
    }
}

const LOCK: &str =
    "[clock]\nrequire_sync = false\n\n[[lock]]\nname = \"first\"\nopen_time_ms = 30000\n";

#[tokio::test]
async fn latchd_tells_the_service_manager_how_it_is() {
    let bus = Bus::start();
    let dir = tempfile::tempdir().unwrap();
    let config = write_config(dir.path(), &dir.path().join("data"), LOCK);
    let manager = Manager::bind(dir.path());
    // A watchdog of 0.6 s: a check and a ping every 0.2 s.
    let mut daemon = Daemon::spawn(
        &bus,
        &config,
        &[
            ("NOTIFY_SOCKET", manager.address()),
            ("WATCHDOG_USEC", "600000"),
        ],
    );

    // READY=1 only once the name is owned: a client that is told latchd
    // is up finds it.
    let (ready, before) = manager.wait_for("READY=1", Duration::from_secs(60));
    assert!(name_owned(&bus), "READY=1 before the name was owned");
    assert!(
        ready.contains("STATUS=serving org.latchd.Panel1: 0 identifiers, 1 locks, 0 inputs"),
        "{ready}"
    );
    assert!(before.iter().all(|m| m == "WATCHDOG=1"), "{before:?}");
    daemon.wait_ready(&bus);

    // Pings from the access path, every third of the period.
    let pings = manager.pings(Duration::from_millis(1200));
    assert!((3..=12).contains(&pings), "{pings} pings in 1.2 s");

    // Stopped, latchd sends nothing; going on, it pings again.
    daemon.signal(Signal::SIGSTOP);
    std::thread::sleep(Duration::from_millis(100));
    manager.drain();
    let stopped = manager.pings(Duration::from_millis(1500));
    daemon.signal(Signal::SIGCONT);
    assert_eq!(stopped, 0, "pings while latchd was stopped");
    assert!(manager.pings(Duration::from_millis(1200)) >= 2);

    // SIGHUP: RELOADING=1, then READY=1 again, and latchd goes on.
    daemon.signal(Signal::SIGHUP);
    let (reloading, _) = manager.wait_for("RELOADING=1", Duration::from_secs(10));
    assert!(reloading.contains("STATUS=reloading"), "{reloading}");
    let (ready, _) = manager.wait_for("READY=1", Duration::from_secs(30));
    assert!(ready.contains("STATUS=serving"), "{ready}");
    assert!(
        daemon.child.try_wait().unwrap().is_none(),
        "SIGHUP ended latchd"
    );
    assert!(manager.pings(Duration::from_millis(1200)) >= 2);

    // An open lock at SIGTERM: STOPPING=1, locked, exit 0.
    let conn = bus.connect().await;
    LocksProxy::new(&conn)
        .await
        .unwrap()
        .open("first")
        .await
        .unwrap();
    assert_eq!(daemon.stop(), Some(0));
    let (stopping, _) = manager.wait_for("STOPPING=1", Duration::from_secs(5));
    assert!(stopping.contains("STATUS=stopping"), "{stopping}");
}

#[tokio::test]
async fn the_watchdog_of_another_process_is_not_fed() {
    let bus = Bus::start();
    let dir = tempfile::tempdir().unwrap();
    let config = write_config(dir.path(), &dir.path().join("data"), LOCK);
    let manager = Manager::bind(dir.path());
    let mut daemon = Daemon::start_with_env(
        &bus,
        &config,
        &[
            ("NOTIFY_SOCKET", manager.address()),
            ("WATCHDOG_USEC", "300000"),
            ("WATCHDOG_PID", "1"),
        ],
    );
    manager.wait_for("READY=1", Duration::from_secs(30));
    assert_eq!(manager.pings(Duration::from_millis(800)), 0);
    // SIGINT stops it like SIGTERM.
    assert_eq!(daemon.stop_with(Signal::SIGINT), Some(0));
    manager.wait_for("STOPPING=1", Duration::from_secs(5));
}

#[tokio::test]
async fn outside_a_service_manager_nothing_is_sent() {
    // No NOTIFY_SOCKET: latchd runs, reloads and stops as ever, and says
    // nothing about a service manager.
    let bus = Bus::start();
    let dir = tempfile::tempdir().unwrap();
    let config = write_config(dir.path(), &dir.path().join("data"), LOCK);
    let mut daemon = Daemon::start(&bus, &config);
    daemon.signal(Signal::SIGHUP);
    assert!(daemon.wait_for_log("configuration reloaded", Duration::from_secs(30)));
    assert!(!daemon.log().contains("notify"), "{}", daemon.log());
    assert_eq!(daemon.stop(), Some(0));
}
