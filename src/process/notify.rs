//! Telling the service manager how latchd is: the `sd_notify` protocol.
//! systemd passes a datagram socket in `NOTIFY_SOCKET` (a path, or an
//! abstract name written with a leading `@`) and, with `WatchdogSec=`, the
//! watchdog period in `WATCHDOG_USEC` (for the process `WATCHDOG_PID`, when
//! set). Each notification is one datagram of `KEY=value` lines: `READY=1`,
//! `RELOADING=1` (with `MONOTONIC_USEC=`), `STOPPING=1`, `STATUS=...`,
//! `WATCHDOG=1`.
//!
//! The lines and the monotonic clock are the `sd-notify` crate's. The
//! socket is kept here: the crate connects to `NOTIFY_SOCKET` as a path on
//! every call (an abstract `@name` would be taken for a file of that name),
//! reads the environment each time (a test could only set it for the whole
//! process), and ends every line with a newline. Here the socket is opened
//! once from the values it is given, a failure to send is logged once, and
//! the datagrams stay what latchd always sent.
//!
//! Outside systemd (no `NOTIFY_SOCKET`) nothing is sent and there is no
//! watchdog. A notification that cannot be sent is logged once and is
//! otherwise harmless: latchd never stops because its manager is not
//! listening.

use sd_notify::NotifyState;
use std::os::unix::net::{SocketAddr, UnixDatagram};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

/// Where notifications go; cheap to clone. `Notifier::none()` sends nothing.
#[derive(Clone, Default)]
pub struct Notifier {
    inner: Option<Arc<Inner>>,
    watchdog: Option<Duration>,
}

struct Inner {
    socket: UnixDatagram,
    address: SocketAddr,
    /// Whether a failure to send was logged already.
    failed: AtomicBool,
}

impl Notifier {
    /// Sends nothing (outside systemd, and in tests).
    pub fn none() -> Notifier {
        Notifier::default()
    }

    /// The notifier of this process's environment.
    pub fn from_env() -> Notifier {
        Notifier::from_vars(
            std::env::var_os("NOTIFY_SOCKET").as_deref(),
            std::env::var("WATCHDOG_USEC").ok().as_deref(),
            std::env::var("WATCHDOG_PID").ok().as_deref(),
            std::process::id(),
        )
    }

    /// The notifier for these values of `NOTIFY_SOCKET`, `WATCHDOG_USEC` and
    /// `WATCHDOG_PID`, in the process `pid`.
    pub fn from_vars(
        socket: Option<&std::ffi::OsStr>,
        watchdog_usec: Option<&str>,
        watchdog_pid: Option<&str>,
        pid: u32,
    ) -> Notifier {
        let Some(socket) = socket.filter(|s| !s.is_empty()) else {
            return Notifier::none();
        };
        let inner = match address_of(socket).and_then(|address| {
            let socket = UnixDatagram::unbound()?;
            Ok(Inner {
                socket,
                address,
                failed: AtomicBool::new(false),
            })
        }) {
            Ok(inner) => inner,
            Err(e) => {
                log::warn!(socket = socket.to_string_lossy().as_ref(), error = e.to_string().as_str(); "NOTIFY_SOCKET is not usable; the service manager will not hear from latchd");
                return Notifier::none();
            }
        };
        // The watchdog is ours only when no other process is named. Not
        // sd_notify::watchdog_enabled: it reads the environment itself, takes
        // WATCHDOG_USEC=0 for a period, and an unreadable WATCHDOG_PID for ours.
        let ours = watchdog_pid.is_none_or(|p| p.trim().parse::<u32>().ok() == Some(pid));
        let watchdog = watchdog_usec
            .and_then(|usec| usec.trim().parse::<u64>().ok())
            .filter(|usec| *usec > 0 && ours)
            .map(Duration::from_micros);
        Notifier {
            inner: Some(Arc::new(inner)),
            watchdog,
        }
    }

    /// Whether anyone listens (latchd runs under a service manager).
    pub fn is_active(&self) -> bool {
        self.inner.is_some()
    }

    /// The watchdog period (`WatchdogSec=`), when the manager watches latchd.
    pub fn watchdog(&self) -> Option<Duration> {
        self.watchdog.filter(|_| self.inner.is_some())
    }

    /// Sends `state`, one `KEY=value` a line. Returns whether it was sent.
    pub fn notify(&self, state: &str) -> bool {
        let Some(inner) = &self.inner else {
            return false;
        };
        match inner.socket.send_to_addr(state.as_bytes(), &inner.address) {
            Ok(_) => true,
            Err(e) => {
                if !inner.failed.swap(true, Ordering::Relaxed) {
                    log::warn!(error = e.to_string().as_str(); "could not notify the service manager");
                }
                false
            }
        }
    }

    /// Sends these states as one datagram, one line each.
    fn send(&self, states: &[NotifyState]) -> bool {
        if self.inner.is_none() {
            return false;
        }
        let lines: Vec<String> = states.iter().map(ToString::to_string).collect();
        self.notify(&lines.join("\n"))
    }

    /// `READY=1` with a status line.
    pub fn ready(&self, status: &str) {
        self.send(&[NotifyState::Ready, NotifyState::Status(&one_line(status))]);
    }

    /// `RELOADING=1` with the time it began (`MONOTONIC_USEC=`, as the
    /// protocol asks of a reload) and a status line.
    pub fn reloading(&self, status: &str) {
        let status = one_line(status);
        let mut states = vec![NotifyState::Reloading];
        // The clock cannot fail on Linux; without it the reload is still said.
        states.extend(NotifyState::monotonic_usec_now().ok());
        states.push(NotifyState::Status(&status));
        self.send(&states);
    }

    /// `STOPPING=1` with a status line.
    pub fn stopping(&self, status: &str) {
        self.send(&[
            NotifyState::Stopping,
            NotifyState::Status(&one_line(status)),
        ]);
    }

    /// A status line alone.
    pub fn status(&self, status: &str) {
        self.send(&[NotifyState::Status(&one_line(status))]);
    }

    /// One watchdog keep-alive.
    pub fn watchdog_ping(&self) -> bool {
        self.send(&[NotifyState::Watchdog])
    }
}

/// A status is one line: the protocol separates fields with newlines.
fn one_line(status: &str) -> String {
    status.replace('\n', " ")
}

/// `/run/systemd/notify` as a path, `@name` as the abstract name `name`.
fn address_of(socket: &std::ffi::OsStr) -> std::io::Result<SocketAddr> {
    use std::os::unix::ffi::OsStrExt;
    let bytes = socket.as_bytes();
    match bytes.strip_prefix(b"@") {
        Some(name) => {
            use std::os::linux::net::SocketAddrExt;
            SocketAddr::from_abstract_name(name)
        }
        None => SocketAddr::from_pathname(std::path::Path::new(socket)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::ffi::OsStr;

    fn receive(socket: &UnixDatagram) -> String {
        let mut buf = [0u8; 4096];
        socket
            .set_read_timeout(Some(Duration::from_secs(5)))
            .unwrap();
        let n = socket.recv(&mut buf).unwrap();
        String::from_utf8_lossy(&buf[..n]).into_owned()
    }

    #[test]
    fn sends_to_a_path() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("notify");
        let listener = UnixDatagram::bind(&path).unwrap();
        let n = Notifier::from_vars(Some(path.as_os_str()), Some("3000000"), None, 7);
        assert!(n.is_active());
        assert_eq!(n.watchdog(), Some(Duration::from_secs(3)));
        n.ready("serving\nwith a newline");
        assert_eq!(receive(&listener), "READY=1\nSTATUS=serving with a newline");
        assert!(n.watchdog_ping());
        assert_eq!(receive(&listener), "WATCHDOG=1");
        n.reloading("reloading");
        let reloading = receive(&listener);
        let lines: Vec<&str> = reloading.split('\n').collect();
        assert_eq!(lines.len(), 3, "{reloading}");
        assert_eq!(lines[0], "RELOADING=1");
        let usec = lines[1].strip_prefix("MONOTONIC_USEC=").expect(&reloading);
        assert!(usec.parse::<u64>().unwrap() > 0, "{reloading}");
        assert_eq!(lines[2], "STATUS=reloading");
        n.stopping("stopping");
        assert_eq!(receive(&listener), "STOPPING=1\nSTATUS=stopping");
    }

    #[test]
    fn sends_to_an_abstract_name() {
        use std::os::linux::net::SocketAddrExt;
        let name = format!("latchd-notify-test-{}", std::process::id());
        let listener =
            UnixDatagram::bind_addr(&SocketAddr::from_abstract_name(name.as_bytes()).unwrap())
                .unwrap();
        let n = Notifier::from_vars(Some(OsStr::new(&format!("@{name}"))), None, None, 7);
        assert_eq!(n.watchdog(), None);
        n.status("hello");
        assert_eq!(receive(&listener), "STATUS=hello");
    }

    #[test]
    fn the_watchdog_belongs_to_the_named_process() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("notify");
        let _listener = UnixDatagram::bind(&path).unwrap();
        let socket = Some(path.as_os_str());
        let mine = Notifier::from_vars(socket, Some("1000000"), Some("7"), 7);
        assert_eq!(mine.watchdog(), Some(Duration::from_secs(1)));
        let other = Notifier::from_vars(socket, Some("1000000"), Some("8"), 7);
        assert_eq!(other.watchdog(), None);
        let zero = Notifier::from_vars(socket, Some("0"), None, 7);
        assert_eq!(zero.watchdog(), None);
    }

    #[test]
    fn nothing_outside_a_service_manager() {
        let n = Notifier::from_vars(None, Some("1000000"), None, 7);
        assert!(!n.is_active());
        assert_eq!(n.watchdog(), None);
        assert!(!n.notify("READY=1"));
        assert!(!Notifier::from_vars(Some(OsStr::new("")), None, None, 7).is_active());
        // A socket nobody listens on: sending fails, quietly.
        let dir = tempfile::tempdir().unwrap();
        let gone = dir.path().join("gone");
        let n = Notifier::from_vars(Some(gone.as_os_str()), None, None, 7);
        assert!(n.is_active());
        assert!(!n.watchdog_ping());
    }
}
