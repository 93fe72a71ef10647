//! The locks: one task owns every relay, so an open never waits on anything
//! but the relay itself. Relays are set locked before anything else happens,
//! an open during an open extends it, and shutdown drives every relay locked.
//!
//! A relay that cannot be driven is reported, never hidden: the open answers
//! which locks failed, [`Board`] keeps each lock's health (`ok` or the last
//! error), and a relay that could not be driven locked stays "open" in the
//! states and is driven locked again every [`RETRY`] until it is.
//!
//! The task owns the relays, but each one sits behind a mutex of its own, so
//! the [`Failsafe`] can drive them locked from outside the task: from the
//! panic hook, on a thread that may be the lock task's own.

use crate::domain::identifier::LockChoice;
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, TryLockError, Weak};
use std::time::Duration;
use tokio::sync::{mpsc, oneshot, watch};
use tokio::time::Instant;

/// The longest pulse any lock may be held open (the panel API's 40 s).
pub const MAX_OPEN: Duration = Duration::from_secs(40);

/// How often a relay that could not be driven locked is tried again.
pub const RETRY: Duration = Duration::from_secs(1);

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

/// Lock name to `ok`, or the error of the last time its relay could not be
/// driven.
pub type Health = BTreeMap<String, String>;

/// What an open did to the chosen locks that are configured.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Opening {
    /// Open now, for their open time.
    pub opened: Vec<String>,
    /// Their relay could not be driven: they did not open.
    pub failed: Vec<String>,
}

impl Opening {
    /// No chosen lock is configured.
    pub fn is_empty(&self) -> bool {
        self.opened.is_empty() && self.failed.is_empty()
    }
}

/// A relay as the lock task holds it, and the failsafe can reach it.
type SharedRelay = Arc<Mutex<Box<dyn Relay>>>;
type WeakRelay = Weak<Mutex<Box<dyn Relay>>>;

/// The relays of the running lock task, reachable without it. Holds them
/// weakly: when the task ends its relays go (and their lines are released).
#[derive(Clone, Default)]
pub struct Failsafe(Arc<Mutex<Vec<WeakRelay>>>);

/// How long the failsafe waits for a relay another thread is driving.
const FAILSAFE_WAIT: Duration = Duration::from_millis(100);

impl Failsafe {
    fn register(&self, relays: &[SharedRelay]) {
        let mut all = self.0.lock().unwrap_or_else(|e| e.into_inner());
        all.retain(|r| r.strong_count() > 0);
        all.extend(relays.iter().map(Arc::downgrade));
    }

    /// Drives every relay locked, synchronously, on the calling thread,
    /// without the lock task. Never waits long: a relay held by a thread
    /// that is stuck (or by this very thread, panicking inside `set`) is
    /// given up after 100 ms. Returns how many relays could not be driven.
    pub fn lock_all(&self) -> usize {
        let Some(relays) = try_lock_for(&self.0, FAILSAFE_WAIT)
            .map(|all| all.iter().filter_map(Weak::upgrade).collect::<Vec<_>>())
        else {
            return 1;
        };
        let mut failed = 0;
        for relay in relays {
            match try_lock_for(&relay, FAILSAFE_WAIT) {
                Some(mut relay) => {
                    if relay.set(false).is_err() {
                        failed += 1;
                    }
                }
                None => failed += 1,
            }
        }
        failed
    }
}

/// The guard of `mutex`, trying for up to `wait` (never blocking for good,
/// not even on a mutex this thread holds); a poisoned mutex is still used.
fn try_lock_for<T: ?Sized>(
    mutex: &Mutex<T>,
    wait: Duration,
) -> Option<std::sync::MutexGuard<'_, T>> {
    let deadline = std::time::Instant::now() + wait;
    loop {
        match mutex.try_lock() {
            Ok(guard) => return Some(guard),
            Err(TryLockError::Poisoned(e)) => return Some(e.into_inner()),
            Err(TryLockError::WouldBlock) if std::time::Instant::now() < deadline => {
                std::thread::sleep(Duration::from_millis(1));
            }
            Err(TryLockError::WouldBlock) => return None,
        }
    }
}

/// What outlives a lock task, so watchers and the panic hook keep working
/// when the access path is rebuilt (a reload): the lock states, the relays'
/// health, and the [`Failsafe`]. The running lock task posts to it.
#[derive(Clone)]
pub struct Board {
    states: Arc<watch::Sender<States>>,
    health: Arc<watch::Sender<Health>>,
    failsafe: Failsafe,
}

impl Default for Board {
    fn default() -> Board {
        Board {
            states: Arc::new(watch::channel(States::new()).0),
            health: Arc::new(watch::channel(Health::new()).0),
            failsafe: Failsafe::default(),
        }
    }
}

impl Board {
    pub fn states(&self) -> States {
        self.states.borrow().clone()
    }

    /// A receiver that sees every change of state.
    pub fn watch_states(&self) -> watch::Receiver<States> {
        self.states.subscribe()
    }

    pub fn health(&self) -> Health {
        self.health.borrow().clone()
    }

    /// A receiver that sees every change of health.
    pub fn watch_health(&self) -> watch::Receiver<Health> {
        self.health.subscribe()
    }

    pub fn failsafe(&self) -> &Failsafe {
        &self.failsafe
    }

    fn post(&self, locks: &[Lock]) {
        let states: States = locks
            .iter()
            .map(|l| (l.name.clone(), l.open_until.is_some()))
            .collect();
        let health: Health = locks
            .iter()
            .map(|l| {
                (
                    l.name.clone(),
                    l.fault.clone().unwrap_or_else(|| "ok".into()),
                )
            })
            .collect();
        self.states.send_if_modified(|s| replace_if_new(s, states));
        self.health.send_if_modified(|h| replace_if_new(h, health));
    }
}

fn replace_if_new<T: PartialEq>(old: &mut T, new: T) -> bool {
    if *old == new {
        return false;
    }
    *old = new;
    true
}

enum Command {
    Open(LockChoice, oneshot::Sender<Opening>),
    /// Answered at once: the task is alive and taking commands.
    Ping(oneshot::Sender<()>),
    /// Answered with the relays, driven locked, once the task is done.
    Shutdown(oneshot::Sender<Vec<(String, Box<dyn Relay>)>>),
}

/// Why a lock task did not start, and its relays, by lock name.
pub type StartFailed = (std::io::Error, Vec<(String, Box<dyn Relay>)>);

/// The handle the D-Bus objects and the access path hold.
#[derive(Clone)]
pub struct Locks {
    tx: mpsc::UnboundedSender<Command>,
    board: Board,
}

struct Lock {
    name: String,
    open_time: Duration,
    relay: SharedRelay,
    open_until: Option<Instant>,
    /// The error of the last drive, when it failed.
    fault: Option<String>,
}

impl Locks {
    /// Sets every relay locked, then starts the task that owns them; it
    /// posts states and health to `board`.
    pub fn start(specs: Vec<LockSpec>, board: &Board) -> std::io::Result<Locks> {
        Locks::try_start(specs, board).map_err(|(e, _)| e)
    }

    /// [`Locks::start`], but a relay that cannot be set locked hands every
    /// relay back, by lock name (none of them released).
    pub fn try_start(mut specs: Vec<LockSpec>, board: &Board) -> Result<Locks, StartFailed> {
        if let Some(e) = specs
            .iter_mut()
            .find_map(|spec| spec.relay.set(false).err())
        {
            return Err((e, specs.into_iter().map(|s| (s.name, s.relay)).collect()));
        }
        let mut locks = Vec::with_capacity(specs.len());
        for spec in specs {
            locks.push(Lock {
                name: spec.name,
                open_time: spec.open_time.min(MAX_OPEN),
                relay: Arc::new(Mutex::new(spec.relay)),
                open_until: None,
                fault: None,
            });
        }
        let relays: Vec<SharedRelay> = locks.iter().map(|l| l.relay.clone()).collect();
        board.failsafe.register(&relays);
        board.post(&locks);
        let (tx, rx) = mpsc::unbounded_channel();
        tokio::spawn(run(locks, rx, board.clone()));
        Ok(Locks {
            tx,
            board: board.clone(),
        })
    }

    /// Opens the chosen locks for their open time, and says which opened
    /// and which could not be driven. When the task is gone (latchd is
    /// stopping), every chosen lock failed.
    pub async fn open(&self, choice: LockChoice) -> Opening {
        let (reply, answer) = oneshot::channel();
        if self.tx.send(Command::Open(choice, reply)).is_ok() {
            if let Ok(opening) = answer.await {
                return opening;
            }
        }
        Opening {
            opened: Vec::new(),
            failed: self
                .states()
                .into_keys()
                .filter(|name| chosen(choice, name))
                .collect(),
        }
    }

    /// Whether the lock task answers (the watchdog asks).
    pub async fn ping(&self) -> bool {
        let (reply, answer) = oneshot::channel();
        self.tx.send(Command::Ping(reply)).is_ok() && answer.await.is_ok()
    }

    pub fn states(&self) -> States {
        self.board.states()
    }

    /// A receiver that sees every change of state.
    pub fn watch(&self) -> watch::Receiver<States> {
        self.board.watch_states()
    }

    pub fn health(&self) -> Health {
        self.board.health()
    }

    /// Drives every relay locked and stops the task. Returns the relays,
    /// by lock name, still held at their locked level (dropped, their lines
    /// are released; a reload hands them to the next lock task instead).
    pub async fn shutdown(&self) -> Vec<(String, Box<dyn Relay>)> {
        let (reply, done) = oneshot::channel();
        if self.tx.send(Command::Shutdown(reply)).is_ok() {
            return done.await.unwrap_or_default();
        }
        Vec::new()
    }
}

fn chosen(choice: LockChoice, name: &str) -> bool {
    match choice {
        LockChoice::All => true,
        LockChoice::First => name == "first",
        LockChoice::Second => name == "second",
    }
}

/// Drives the lock's relay; keeps the outcome as its health.
fn drive(lock: &mut Lock, open: bool) -> bool {
    let result = lock
        .relay
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .set(open);
    match result {
        Ok(()) => {
            if lock.fault.take().is_some() {
                log::info!(lock = lock.name.as_str(), open = open; "the relay is driven again");
            }
            true
        }
        Err(e) => {
            log::error!(lock = lock.name.as_str(), open = open, error = e.to_string().as_str(); "could not drive the relay");
            lock.fault = Some(e.to_string());
            false
        }
    }
}

/// Drives the lock locked; when that fails it stays open (as far as anyone
/// can tell) and is tried again after [`RETRY`].
fn close(lock: &mut Lock, now: Instant) {
    if drive(lock, false) {
        lock.open_until = None;
    } else {
        lock.open_until = Some(now + RETRY);
    }
}

async fn run(mut locks: Vec<Lock>, mut rx: mpsc::UnboundedReceiver<Command>, board: Board) {
    loop {
        let next_close = locks.iter().filter_map(|l| l.open_until).min();
        let command = tokio::select! {
            command = rx.recv() => command,
            _ = sleep_until(next_close) => {
                let now = Instant::now();
                for lock in locks.iter_mut().filter(|l| l.open_until.is_some_and(|t| t <= now)) {
                    close(lock, now);
                    if lock.open_until.is_none() {
                        log::info!(lock = lock.name.as_str(); "lock closed");
                    }
                }
                board.post(&locks);
                continue;
            }
        };
        match command {
            Some(Command::Open(choice, reply)) => {
                let now = Instant::now();
                let mut opening = Opening::default();
                for lock in locks.iter_mut().filter(|l| chosen(choice, &l.name)) {
                    // An open during an open extends it; a relay that did
                    // not move leaves the lock locked.
                    if lock.open_until.is_some() || drive(lock, true) {
                        lock.open_until = Some(now + lock.open_time);
                        opening.opened.push(lock.name.clone());
                    } else {
                        opening.failed.push(lock.name.clone());
                    }
                }
                // States and health first: a caller told of a failure finds
                // it in Health when it asks.
                board.post(&locks);
                let _ = reply.send(opening);
            }
            Some(Command::Ping(reply)) => {
                let _ = reply.send(());
            }
            Some(Command::Shutdown(reply)) => {
                close_all(&mut locks);
                board.post(&locks);
                let relays = locks
                    .into_iter()
                    .filter_map(|lock| {
                        // Only the failsafe shares a relay, and only while
                        // latchd aborts.
                        let relay = Arc::try_unwrap(lock.relay).ok()?;
                        Some((
                            lock.name,
                            relay.into_inner().unwrap_or_else(|e| e.into_inner()),
                        ))
                    })
                    .collect();
                let _ = reply.send(relays);
                return;
            }
            None => {
                close_all(&mut locks);
                board.post(&locks);
                return;
            }
        }
    }
}

/// Drives every relay locked (at shutdown: one try each, failures logged).
fn close_all(locks: &mut [Lock]) {
    for lock in locks.iter_mut() {
        if drive(lock, false) {
            lock.open_until = None;
        }
    }
}

async fn sleep_until(deadline: Option<Instant>) {
    match deadline {
        Some(t) => tokio::time::sleep_until(t).await,
        None => std::future::pending().await,
    }
}

#[cfg(test)]
pub mod testing {
    use super::*;
    use std::sync::atomic::{AtomicBool, Ordering};

    /// What a relay does before a line write: block, as a stuck driver.
    pub type Block = Arc<dyn Fn() + Send + Sync>;

    /// A relay that records every level it was driven to, and fails to
    /// open, or to lock, while told to, or blocks in a write.
    #[derive(Clone, Default)]
    pub struct Recorder {
        pub levels: Arc<Mutex<Vec<bool>>>,
        pub fail_open: Arc<AtomicBool>,
        pub fail_lock: Arc<AtomicBool>,
        pub block: Arc<Mutex<Option<Block>>>,
    }

    impl Recorder {
        pub fn levels(&self) -> Vec<bool> {
            self.levels.lock().unwrap().clone()
        }

        /// The level the relay was last driven to (`true` open).
        pub fn level(&self) -> bool {
            self.levels().last().copied().unwrap_or(false)
        }

        pub fn failing(open: bool, lock: bool) -> Recorder {
            let r = Recorder::default();
            r.fail_open.store(open, Ordering::SeqCst);
            r.fail_lock.store(lock, Ordering::SeqCst);
            r
        }
    }

    impl Relay for Recorder {
        fn set(&mut self, open: bool) -> std::io::Result<()> {
            let block = self.block.lock().unwrap().clone();
            if let Some(block) = block {
                block();
            }
            let fail = if open {
                &self.fail_open
            } else {
                &self.fail_lock
            };
            if fail.load(Ordering::SeqCst) {
                return Err(std::io::Error::other("line write failed"));
            }
            self.levels.lock().unwrap().push(open);
            Ok(())
        }
    }

    pub fn spec(name: &str, ms: u64, relay: &Recorder) -> LockSpec {
        LockSpec {
            name: name.into(),
            open_time: Duration::from_millis(ms),
            relay: Box::new(relay.clone()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::testing::{spec, Recorder};
    use super::*;
    use std::sync::atomic::Ordering;

    fn opened(names: &[&str]) -> Opening {
        Opening {
            opened: names.iter().map(|n| n.to_string()).collect(),
            failed: Vec::new(),
        }
    }

    #[tokio::test(start_paused = true)]
    async fn pulse_extend_and_close() {
        let (first, second) = (Recorder::default(), Recorder::default());
        let locks = Locks::start(
            vec![spec("first", 3000, &first), spec("second", 5000, &second)],
            &Board::default(),
        )
        .unwrap();
        // Locked before anything else.
        assert_eq!(first.levels(), vec![false]);
        assert_eq!(locks.open(LockChoice::First).await, opened(&["first"]));
        assert!(locks.states()["first"]);
        tokio::time::sleep(Duration::from_millis(2000)).await;
        // Opened again at 2 s: open until 5 s, the relay is not pulsed twice.
        locks.open(LockChoice::First).await;
        tokio::time::sleep(Duration::from_millis(2500)).await;
        assert!(locks.states()["first"]);
        tokio::time::sleep(Duration::from_millis(600)).await;
        assert!(!locks.states()["first"]);
        assert_eq!(first.levels(), vec![false, true, false]);
        assert!(second.levels().iter().all(|open| !open));
        assert!(locks.health().values().all(|h| h == "ok"));
    }

    #[tokio::test(start_paused = true)]
    async fn all_opens_both_and_shutdown_locks() {
        let (first, second) = (Recorder::default(), Recorder::default());
        let locks = Locks::start(
            vec![spec("first", 3000, &first), spec("second", 60_000, &second)],
            &Board::default(),
        )
        .unwrap();
        assert_eq!(
            locks.open(LockChoice::All).await,
            opened(&["first", "second"])
        );
        locks.shutdown().await;
        assert_eq!(first.levels(), vec![false, true, false]);
        assert_eq!(second.levels(), vec![false, true, false]);
        assert!(locks.states().values().all(|open| !open));
        // The task is gone: an open fails for every chosen lock.
        let after = locks.open(LockChoice::All).await;
        assert_eq!(after.failed, vec!["first", "second"]);
        assert!(after.opened.is_empty());
        assert!(!locks.ping().await);
    }

    #[tokio::test(start_paused = true)]
    async fn pulse_is_capped() {
        let relay = Recorder::default();
        let locks =
            Locks::start(vec![spec("first", 3_600_000, &relay)], &Board::default()).unwrap();
        locks.open(LockChoice::First).await;
        tokio::time::sleep(MAX_OPEN + Duration::from_millis(1)).await;
        assert!(!locks.states()["first"]);
    }

    #[tokio::test(start_paused = true)]
    async fn missing_lock_opens_nothing() {
        let relay = Recorder::default();
        let locks = Locks::start(vec![spec("first", 3000, &relay)], &Board::default()).unwrap();
        assert!(locks.open(LockChoice::Second).await.is_empty());
        assert_eq!(relay.levels(), vec![false]);
        assert!(locks.ping().await);
    }

    #[tokio::test(start_paused = true)]
    async fn a_relay_that_does_not_open_is_reported_and_stays_locked() {
        let (first, second) = (Recorder::failing(true, false), Recorder::default());
        let board = Board::default();
        let locks = Locks::start(
            vec![spec("first", 3000, &first), spec("second", 3000, &second)],
            &board,
        )
        .unwrap();
        let mut health = board.watch_health();
        health.mark_unchanged();
        let opening = locks.open(LockChoice::All).await;
        assert_eq!(opening.opened, vec!["second"]);
        assert_eq!(opening.failed, vec!["first"]);
        assert!(!locks.states()["first"]);
        assert!(locks.states()["second"]);
        assert!(health.has_changed().unwrap());
        assert_eq!(locks.health()["first"], "line write failed");
        assert_eq!(locks.health()["second"], "ok");
        // Repaired: the next open works and the health is ok again.
        first.fail_open.store(false, Ordering::SeqCst);
        assert_eq!(locks.open(LockChoice::First).await, opened(&["first"]));
        assert_eq!(locks.health()["first"], "ok");
        assert_eq!(first.levels(), vec![false, true]);
    }

    #[tokio::test(start_paused = true)]
    async fn a_relay_that_does_not_lock_stays_open_and_is_retried() {
        let relay = Recorder::default();
        let locks = Locks::start(vec![spec("first", 3000, &relay)], &Board::default()).unwrap();
        locks.open(LockChoice::First).await;
        relay.fail_lock.store(true, Ordering::SeqCst);
        tokio::time::sleep(Duration::from_millis(3100)).await;
        // Could not be locked: shown open, with the error.
        assert!(locks.states()["first"]);
        assert_eq!(locks.health()["first"], "line write failed");
        tokio::time::sleep(RETRY * 3).await;
        assert!(locks.states()["first"]);
        relay.fail_lock.store(false, Ordering::SeqCst);
        tokio::time::sleep(RETRY + Duration::from_millis(10)).await;
        assert!(!locks.states()["first"]);
        assert_eq!(locks.health()["first"], "ok");
        assert!(!relay.level());
    }

    #[tokio::test(start_paused = true)]
    async fn a_relay_that_fails_at_start_stops_the_start() {
        let relay = Recorder::failing(false, true);
        assert!(Locks::start(vec![spec("first", 3000, &relay)], &Board::default()).is_err());
    }

    #[tokio::test(start_paused = true)]
    async fn a_relay_that_fails_at_start_hands_every_relay_back() {
        let (first, second) = (Recorder::default(), Recorder::failing(false, true));
        let Err((e, relays)) = Locks::try_start(
            vec![spec("first", 3000, &first), spec("second", 3000, &second)],
            &Board::default(),
        ) else {
            panic!("a relay that cannot be locked starts the task");
        };
        assert_eq!(e.to_string(), "line write failed");
        let names: Vec<&str> = relays.iter().map(|(name, _)| name.as_str()).collect();
        assert_eq!(names, ["first", "second"]);
        assert_eq!(first.levels(), vec![false]);
        // Still held, by what came back.
        assert_eq!(Arc::strong_count(&first.levels), 2);
        assert_eq!(Arc::strong_count(&second.levels), 2);
    }

    #[tokio::test(start_paused = true)]
    async fn the_failsafe_locks_without_the_task() {
        let (first, second) = (Recorder::default(), Recorder::default());
        let board = Board::default();
        let locks = Locks::start(
            vec![
                spec("first", 30_000, &first),
                spec("second", 30_000, &second),
            ],
            &board,
        )
        .unwrap();
        locks.open(LockChoice::All).await;
        assert!(first.level() && second.level());
        // From another thread, as a panic hook would: no task involved.
        let failsafe = board.failsafe().clone();
        let failed = std::thread::spawn(move || failsafe.lock_all())
            .join()
            .unwrap();
        assert_eq!(failed, 0);
        assert!(!first.level() && !second.level());
        // A relay held by another thread (stuck in `set`) is given up on,
        // after a short wait, and the others are still locked. (The task
        // still counts both open: the failsafe is for the end of latchd.)
        tokio::time::sleep(Duration::from_secs(31)).await;
        locks.open(LockChoice::All).await;
        let held = {
            let all = board.failsafe().0.lock().unwrap();
            all[0].upgrade().unwrap()
        };
        let (tx, rx) = std::sync::mpsc::channel();
        let holder = std::thread::spawn(move || {
            let _guard = held.lock().unwrap();
            tx.send(()).unwrap();
            std::thread::sleep(Duration::from_millis(500));
        });
        rx.recv().unwrap();
        assert_eq!(board.failsafe().lock_all(), 1);
        assert!(first.level() && !second.level());
        holder.join().unwrap();
        // Once the task has ended its relays are gone from the failsafe.
        locks.shutdown().await;
        tokio::task::yield_now().await;
        assert_eq!(board.failsafe().lock_all(), 0);
        assert!(board
            .failsafe()
            .0
            .lock()
            .unwrap()
            .iter()
            .all(|r| r.upgrade().is_none()));
    }
}
