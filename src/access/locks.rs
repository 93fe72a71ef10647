//! The locks: one task owns every relay, so an open never waits on anything
//! but the relay itself. Relays are set locked before anything else happens,
//! an open during an open extends it, and shutdown drives every relay locked.

use crate::domain::identifier::LockChoice;
use std::collections::BTreeMap;
use std::time::Duration;
use tokio::sync::{mpsc, oneshot, watch};
use tokio::time::Instant;

/// The longest pulse any lock may be held open (the panel API's 40 s).
pub const MAX_OPEN: Duration = Duration::from_secs(40);

/// A relay that opens a lock. Implementations: [`VirtualRelay`] (state only)
/// and the GPIO line of the hardware layer.
pub trait Relay: Send + 'static {
    /// Drives the relay: `true` opens the lock, `false` locks it.
    fn set(&mut self, open: bool) -> std::io::Result<()>;
}

impl Relay for crate::hardware::gpio::GpioRelay {
    fn set(&mut self, open: bool) -> std::io::Result<()> {
        crate::hardware::gpio::GpioRelay::set(self, open)
    }
}

/// A lock without hardware: only its state exists.
pub struct VirtualRelay;

impl Relay for VirtualRelay {
    fn set(&mut self, _open: bool) -> std::io::Result<()> {
        Ok(())
    }
}

pub struct LockSpec {
    pub name: String,
    pub open_time: Duration,
    pub relay: Box<dyn Relay>,
}

/// Lock name to open (`true`) or locked.
pub type States = BTreeMap<String, bool>;

enum Command {
    Open(LockChoice, oneshot::Sender<Vec<String>>),
    Shutdown(oneshot::Sender<()>),
}

/// The handle the D-Bus objects and the access path hold.
#[derive(Clone)]
pub struct Locks {
    tx: mpsc::UnboundedSender<Command>,
    states: watch::Receiver<States>,
}

struct Lock {
    name: String,
    open_time: Duration,
    relay: Box<dyn Relay>,
    open_until: Option<Instant>,
}

impl Locks {
    /// Sets every relay locked, then starts the task that owns them.
    pub fn start(specs: Vec<LockSpec>) -> std::io::Result<Locks> {
        let mut locks = Vec::with_capacity(specs.len());
        for mut spec in specs {
            spec.relay.set(false)?;
            locks.push(Lock {
                name: spec.name,
                open_time: spec.open_time.min(MAX_OPEN),
                relay: spec.relay,
                open_until: None,
            });
        }
        let (tx, rx) = mpsc::unbounded_channel();
        let (states_tx, states) = watch::channel(states_of(&locks));
        tokio::spawn(run(locks, rx, states_tx));
        Ok(Locks { tx, states })
    }

    /// Opens the chosen locks for their open time; returns the names of the
    /// locks that exist among them.
    pub async fn open(&self, choice: LockChoice) -> Vec<String> {
        let (reply, answer) = oneshot::channel();
        if self.tx.send(Command::Open(choice, reply)).is_err() {
            return Vec::new();
        }
        answer.await.unwrap_or_default()
    }

    pub fn states(&self) -> States {
        self.states.borrow().clone()
    }

    /// A receiver that sees every change of state.
    pub fn watch(&self) -> watch::Receiver<States> {
        self.states.clone()
    }

    /// Drives every relay locked and stops the task.
    pub async fn shutdown(&self) {
        let (reply, done) = oneshot::channel();
        if self.tx.send(Command::Shutdown(reply)).is_ok() {
            let _ = done.await;
        }
    }
}

fn states_of(locks: &[Lock]) -> States {
    locks
        .iter()
        .map(|l| (l.name.clone(), l.open_until.is_some()))
        .collect()
}

fn chosen(choice: LockChoice, name: &str) -> bool {
    match choice {
        LockChoice::All => true,
        LockChoice::First => name == "first",
        LockChoice::Second => name == "second",
    }
}

fn drive(lock: &mut Lock, open: bool) {
    if let Err(e) = lock.relay.set(open) {
        log::error!(lock = lock.name.as_str(), open = open, error = e.to_string().as_str(); "could not drive the relay");
    }
}

async fn run(
    mut locks: Vec<Lock>,
    mut rx: mpsc::UnboundedReceiver<Command>,
    states: watch::Sender<States>,
) {
    loop {
        let next_close = locks.iter().filter_map(|l| l.open_until).min();
        let command = tokio::select! {
            command = rx.recv() => command,
            _ = sleep_until(next_close) => {
                let now = Instant::now();
                for lock in locks.iter_mut().filter(|l| l.open_until.is_some_and(|t| t <= now)) {
                    drive(lock, false);
                    lock.open_until = None;
                    log::info!(lock = lock.name.as_str(); "lock closed");
                }
                states.send_replace(states_of(&locks));
                continue;
            }
        };
        match command {
            Some(Command::Open(choice, reply)) => {
                let now = Instant::now();
                let mut opened = Vec::new();
                for lock in locks.iter_mut().filter(|l| chosen(choice, &l.name)) {
                    if lock.open_until.is_none() {
                        drive(lock, true);
                    }
                    // An open during an open extends it.
                    lock.open_until = Some(now + lock.open_time);
                    opened.push(lock.name.clone());
                }
                let _ = reply.send(opened);
                states.send_replace(states_of(&locks));
            }
            Some(Command::Shutdown(reply)) => {
                close_all(&mut locks);
                states.send_replace(states_of(&locks));
                let _ = reply.send(());
                return;
            }
            None => {
                close_all(&mut locks);
                return;
            }
        }
    }
}

fn close_all(locks: &mut [Lock]) {
    for lock in locks.iter_mut() {
        drive(lock, false);
        lock.open_until = None;
    }
}

async fn sleep_until(deadline: Option<Instant>) {
    match deadline {
        Some(t) => tokio::time::sleep_until(t).await,
        None => std::future::pending().await,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::{Arc, Mutex};

    /// A relay that records every level it was driven to.
    #[derive(Clone, Default)]
    struct Recorder(Arc<Mutex<Vec<bool>>>);

    impl Relay for Recorder {
        fn set(&mut self, open: bool) -> std::io::Result<()> {
            self.0.lock().unwrap().push(open);
            Ok(())
        }
    }

    fn spec(name: &str, ms: u64, relay: &Recorder) -> LockSpec {
        LockSpec {
            name: name.into(),
            open_time: Duration::from_millis(ms),
            relay: Box::new(relay.clone()),
        }
    }

    #[tokio::test(start_paused = true)]
    async fn pulse_extend_and_close() {
        let (first, second) = (Recorder::default(), Recorder::default());
        let locks = Locks::start(vec![
            spec("first", 3000, &first),
            spec("second", 5000, &second),
        ])
        .unwrap();
        // Locked before anything else.
        assert_eq!(*first.0.lock().unwrap(), vec![false]);
        assert_eq!(locks.open(LockChoice::First).await, vec!["first"]);
        assert!(locks.states()["first"]);
        tokio::time::sleep(Duration::from_millis(2000)).await;
        // Opened again at 2 s: open until 5 s, the relay is not pulsed twice.
        locks.open(LockChoice::First).await;
        tokio::time::sleep(Duration::from_millis(2500)).await;
        assert!(locks.states()["first"]);
        tokio::time::sleep(Duration::from_millis(600)).await;
        assert!(!locks.states()["first"]);
        assert_eq!(*first.0.lock().unwrap(), vec![false, true, false]);
        assert!(second.0.lock().unwrap().iter().all(|open| !open));
    }

    #[tokio::test(start_paused = true)]
    async fn all_opens_both_and_shutdown_locks() {
        let (first, second) = (Recorder::default(), Recorder::default());
        let locks = Locks::start(vec![
            spec("first", 3000, &first),
            spec("second", 60_000, &second),
        ])
        .unwrap();
        assert_eq!(locks.open(LockChoice::All).await, vec!["first", "second"]);
        locks.shutdown().await;
        assert_eq!(*first.0.lock().unwrap(), vec![false, true, false]);
        assert_eq!(*second.0.lock().unwrap(), vec![false, true, false]);
        assert!(locks.states().values().all(|open| !open));
    }

    #[tokio::test(start_paused = true)]
    async fn pulse_is_capped() {
        let relay = Recorder::default();
        let locks = Locks::start(vec![spec("first", 3_600_000, &relay)]).unwrap();
        locks.open(LockChoice::First).await;
        tokio::time::sleep(MAX_OPEN + Duration::from_millis(1)).await;
        assert!(!locks.states()["first"]);
    }

    #[tokio::test(start_paused = true)]
    async fn missing_lock_opens_nothing() {
        let relay = Recorder::default();
        let locks = Locks::start(vec![spec("first", 3000, &relay)]).unwrap();
        assert!(locks.open(LockChoice::Second).await.is_empty());
        assert_eq!(*relay.0.lock().unwrap(), vec![false]);
    }
}
