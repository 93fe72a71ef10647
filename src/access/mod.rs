//! The access path: a credential in, a relay out. Readers turn key events
//! into credentials ([`readers`]), the [`gate`] decides them against the
//! store's committed copy and records each attempt ([`events`]), one task
//! owns the relays ([`locks`]), exit buttons and door contacts come from
//! GPIO edges ([`door`]), [`clock`] says whether time can be trusted, and
//! the [`watchdog`] tells systemd that all of it works.
//!
//! All of it runs on a runtime of its own, on a thread of its own, so
//! management work (D-Bus calls, List pages) never queues ahead of a door
//! decision or a relay. [`start`] builds everything inside that runtime, so
//! every task it spawns lands there.
//!
//! A reload rebuilds the access path whole ([`restart`]): the running one is
//! stopped (every relay driven locked and still held, the input lines and
//! devices released), and [`start`] runs again with the new configuration;
//! when that fails, the previous configuration's access path starts again
//! with the same relays. What must outlive that is in [`Shared`]; the
//! D-Bus objects reach the running gate through [`Current`].

pub mod clock;
pub mod door;
pub mod events;
pub mod gate;
pub mod locks;
pub mod readers;
pub mod watchdog;

use crate::config::{Config, LockConfig};
use crate::hardware::gpio::{GpioRelay, LineAddress};
use crate::process::notify::Notifier;
use crate::store::Store;
use gate::{Gate, Records};
use locks::{Board, LockSpec, Locks, Relay, VirtualRelay};
use std::io;
use std::sync::Arc;
use std::time::Duration;
use watchdog::Watched;

/// What outlives a rebuild of the access path: the event log and the
/// `AccessEvent` channel with its subscribers, callers' lockouts ([`Records`]),
/// the lock states, health and the relays the panic hook drives locked
/// ([`Board`]), and the service manager's notifier for the watchdog.
#[derive(Clone)]
pub struct Shared {
    pub records: Records,
    pub board: Board,
    pub notifier: Notifier,
}

impl Shared {
    /// Opens the event log of `config`'s data folder.
    pub fn open(config: &Config, notifier: Notifier) -> io::Result<Shared> {
        let events =
            events::EventLog::open(config.storage.dir.get_ref(), *config.events.keep.get_ref())?;
        Ok(Shared {
            records: Records::new(events),
            board: Board::default(),
            notifier,
        })
    }
}

/// The running gate, as the D-Bus objects reach it. A reload swaps it while
/// holding the write lock, so a call never sees a half-built access path:
/// calls that started before finish on the old one, calls that come during
/// the swap wait for the new one.
#[derive(Clone)]
pub struct Current {
    gate: Arc<tokio::sync::RwLock<Gate>>,
    shared: Shared,
}

impl Current {
    pub fn new(access: &AccessPath, shared: &Shared) -> Current {
        Current {
            gate: Arc::new(tokio::sync::RwLock::new(access.gate.clone())),
            shared: shared.clone(),
        }
    }

    /// The running gate, held for as long as the guard lives.
    pub async fn gate(&self) -> tokio::sync::RwLockReadGuard<'_, Gate> {
        self.gate.read().await
    }

    /// Exclusive use of the slot, to swap the gate.
    pub async fn swap(&self) -> tokio::sync::RwLockWriteGuard<'_, Gate> {
        self.gate.write().await
    }

    pub fn shared(&self) -> &Shared {
        &self.shared
    }
}

/// The running access path.
pub struct AccessPath {
    pub gate: Gate,
    runtime: AccessRuntime,
    /// Threads holding door input lines; they end once the runtime is gone.
    input_threads: Vec<std::thread::JoinHandle<()>>,
    /// The relays' keys, by lock name, to hand them on at a reload.
    keys: Vec<RelayKey>,
}

/// What identifies a relay's hardware: its lock, its line (None for a
/// virtual lock) and its polarity. A reload keeps a relay whose key is
/// unchanged.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RelayKey {
    lock: String,
    line: Option<LineAddress>,
    active_low: bool,
}

fn relay_key(lock: &LockConfig) -> RelayKey {
    RelayKey {
        lock: lock.name.get_ref().as_str().to_string(),
        line: Config::line_of(lock),
        active_low: lock.active_low,
    }
}

/// Relays still held at their locked level: by a stopped access path, or
/// handed back by a start that did not happen ([`NotStarted`]). A reload
/// hands those whose lock, line and polarity are unchanged to the next
/// access path, so their lines are never released (a released line may fall
/// to a level of the chip's choosing); the others are released once the
/// next access path runs.
#[derive(Default)]
pub struct HeldRelays(Vec<(RelayKey, Box<dyn Relay>)>);

impl HeldRelays {
    /// `relays`, by lock name, under the keys of their locks in `keys`.
    fn of(keys: &[RelayKey], relays: impl IntoIterator<Item = (String, Box<dyn Relay>)>) -> Self {
        HeldRelays(
            relays
                .into_iter()
                .filter_map(|(name, relay)| {
                    let key = keys.iter().find(|k| k.lock == name)?;
                    Some((key.clone(), relay))
                })
                .collect(),
        )
    }
}

/// A start of the access path that did not happen ([`request_relays`],
/// [`start`], [`restart`]): why, and every relay it was given or had
/// requested, each still held at its locked level, to start another
/// configuration with. Dropped, the relays' lines are released.
pub struct NotStarted {
    pub error: io::Error,
    pub held: HeldRelays,
}

impl std::fmt::Debug for NotStarted {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NotStarted")
            .field("error", &self.error)
            .field("held", &self.held.0.len())
            .finish()
    }
}

impl std::fmt::Display for NotStarted {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.error.fmt(f)
    }
}

impl std::error::Error for NotStarted {}

impl From<NotStarted> for io::Error {
    /// The error; the relays are released.
    fn from(not: NotStarted) -> io::Error {
        not.error
    }
}

/// The configured relays, each at its locked level: those `held` has for
/// the same lock, line and polarity as they are, the others requested (a
/// GPIO line as an output already at its locked level); the rest of `held`
/// is released. The first thing latchd does with hardware, before the data
/// is loaded, so a door that a latchd which died left open is locked again
/// as early as possible.
///
/// A line that cannot be had stops the start (a door that cannot open, or
/// might not lock, must not look configured) and releases nothing of
/// `held`: the error hands back every relay of `held` and every one
/// requested so far, each held at its locked level. The lines requested
/// first are those no relay of `held` has, so a missing line is found
/// before any is let go; the only line released on the way to a failure is
/// one that `config` gives another lock or polarity than its relay in
/// `held` has (it cannot be requested twice): that relay is released just
/// before its line is requested again, last.
pub fn request_relays(config: &Config, held: HeldRelays) -> Result<Vec<LockSpec>, NotStarted> {
    let (specs, spare) = take_relays(config, held)?;
    drop(spare);
    Ok(specs)
}

/// [`request_relays`], but the relays of `held` that `config` has no use
/// for come back too, still held (`spare`): for the caller to release once
/// the access path of `config` runs, or to hand back when it does not
/// start. A relay of `held` on a line `config` gives a door input (exit
/// button, door contact) is not among them: it is released, for the input
/// to be had.
fn take_relays(
    config: &Config,
    held: HeldRelays,
) -> Result<(Vec<LockSpec>, HeldRelays), NotStarted> {
    let mut held = held.0;
    let keys: Vec<RelayKey> = config.lock.iter().map(|l| relay_key(l.get_ref())).collect();
    let mut relays: Vec<Option<Box<dyn Relay>>> = keys
        .iter()
        .map(|key| {
            let found = held.iter().position(|(k, _)| k == key)?;
            Some(held.remove(found).1)
        })
        .collect();
    // `held` now has what this configuration does not keep. The lines no
    // relay of it has come first.
    let has_line = |held: &[(RelayKey, Box<dyn Relay>)], key: &RelayKey| {
        key.line.is_some() && held.iter().any(|(k, _)| k.line == key.line)
    };
    let mut order: Vec<usize> = (0..keys.len()).filter(|&i| relays[i].is_none()).collect();
    order.sort_by_key(|&i| has_line(&held, &keys[i]));
    for i in order {
        let relay = match keys[i].line.clone() {
            None => Box::new(VirtualRelay),
            Some(address) => {
                // Held under another lock or polarity: released to be
                // requested again.
                held.retain(|(k, _)| k.line.as_ref() != Some(&address));
                match request_line(config.lock[i].get_ref(), &address) {
                    Ok(relay) => relay,
                    Err(error) => {
                        let mut back: Vec<_> = keys
                            .into_iter()
                            .zip(relays)
                            .filter_map(|(key, relay)| Some((key, relay?)))
                            .collect();
                        back.extend(held);
                        return Err(NotStarted {
                            error,
                            held: HeldRelays(back),
                        });
                    }
                }
            }
        };
        relays[i] = Some(relay);
    }
    let inputs: Vec<&str> = config
        .lock
        .iter()
        .flat_map(|l| [&l.get_ref().exit_button, &l.get_ref().door_contact])
        .filter_map(|line| line.as_deref())
        .collect();
    held.retain(
        |(k, _)| !matches!(&k.line, Some(LineAddress::Named(name)) if inputs.contains(&name.as_str())),
    );
    let specs = config
        .lock
        .iter()
        .zip(relays)
        .filter_map(|(lock, relay)| {
            let lock = lock.get_ref();
            Some(LockSpec {
                name: lock.name.get_ref().as_str().to_string(),
                open_time: Duration::from_millis(*lock.open_time_ms.get_ref()),
                relay: relay?,
            })
        })
        .collect();
    Ok((specs, HeldRelays(held)))
}

/// The line of `lock` requested as its relay, at its locked level.
fn request_line(lock: &LockConfig, address: &LineAddress) -> io::Result<Box<dyn Relay>> {
    let name = lock.name.get_ref().as_str();
    let relay = GpioRelay::request(address, lock.active_low, name)
        .map_err(|e| io::Error::new(e.kind(), format!("lock {name:?}: {e}")))?;
    log::info!(lock = name, line = format!("{address:?}").as_str(); "relay line requested, locked");
    Ok(Box::new(relay))
}

/// Starts the access path for `config` with the relays of
/// [`request_relays`]: the relays set locked first, then the clock watch,
/// the door inputs, a reader per configured input and, under a watchdog,
/// the watchdog task. A relay that cannot be set locked or a door input
/// that cannot be had stops the start: the error hands back the relays,
/// locked and still held (the lock task, when it had started, drives them
/// locked and returns them before the runtime ends), for the caller to
/// start another configuration with.
pub fn start(
    config: &Config,
    relays: Vec<LockSpec>,
    store: Store,
    shared: &Shared,
) -> Result<AccessPath, NotStarted> {
    let keys: Vec<RelayKey> = config.lock.iter().map(|l| relay_key(l.get_ref())).collect();
    let runtime = match AccessRuntime::start() {
        Ok(runtime) => runtime,
        Err(error) => {
            return Err(NotStarted {
                error,
                held: HeldRelays::of(&keys, relays.into_iter().map(|s| (s.name, s.relay))),
            })
        }
    };
    let config = config.clone();
    let shared = shared.clone();
    let (built_tx, built) = std::sync::mpsc::sync_channel(1);
    runtime.handle.spawn(async move {
        let mut inputs = door::Inputs::default();
        let result = match Locks::try_start(relays, &shared.board) {
            Ok(locks) => match build(&config, &locks, store, &shared, &mut inputs) {
                Ok(gate) => Ok(gate),
                // The lock task owns the relays: it drives them locked and
                // hands them back before the runtime ends.
                Err(e) => Err((e, locks.shutdown().await)),
            },
            Err(not_started) => Err(not_started),
        };
        let _ = built_tx.send((result, inputs.threads));
    });
    let (built, input_threads) = built.recv().unwrap_or_else(|_| {
        (
            Err((
                io::Error::other("the access path did not start"),
                Vec::new(),
            )),
            Vec::new(),
        )
    });
    match built {
        Ok(gate) => Ok(AccessPath {
            gate,
            runtime,
            input_threads,
            keys,
        }),
        Err((error, relays)) => {
            // Nothing opened: the relays are back, locked; ending the
            // runtime ends the other tasks, and the inputs' threads end.
            runtime.stop();
            for thread in input_threads {
                let _ = thread.join();
            }
            Err(NotStarted {
                error,
                held: HeldRelays::of(&keys, relays),
            })
        }
    }
}

/// A reload's restart of the access path: `old` is stopped (every relay
/// driven locked, and held), then the access path of `wanted` is started
/// with the relays it keeps. What `wanted` has no use for is released only
/// once its access path runs.
///
/// When a line of `wanted` cannot be had, or its access path cannot start,
/// every relay comes back, still held at its locked level, and the access
/// path of `running` (the configuration `old` ran) is started again with
/// them, not with lines requested anew; the error of `wanted` comes with
/// it. When even that fails, the error (of both) hands back the relays,
/// locked and held, for the caller to keep until latchd exits.
pub fn restart(
    old: AccessPath,
    wanted: &Config,
    running: &Config,
    store: &Store,
    shared: &Shared,
) -> Result<(AccessPath, Option<io::Error>), NotStarted> {
    let held = old.stop();
    let start_with = |config: &Config, held| {
        let (relays, spare) = take_relays(config, held)?;
        match start(config, relays, store.clone(), shared) {
            Ok(access) => {
                drop(spare);
                Ok(access)
            }
            Err(mut not_started) => {
                not_started.held.0.extend(spare.0);
                Err(not_started)
            }
        }
    };
    match start_with(wanted, held) {
        Ok(access) => Ok((access, None)),
        Err(NotStarted { error, held }) => match start_with(running, held) {
            Ok(access) => Ok((access, Some(error))),
            Err(again) => Err(NotStarted {
                error: io::Error::new(
                    again.error.kind(),
                    format!(
                        "the new configuration: {error}; the previous one: {}",
                        again.error
                    ),
                ),
                held: again.held,
            }),
        },
    }
}

impl AccessPath {
    /// The access path's runtime, to run work where the readers run.
    pub fn runtime(&self) -> &tokio::runtime::Handle {
        &self.runtime.handle
    }

    /// Drives every relay locked, writes the events still queued, ends
    /// every task of the access path and releases its input lines and
    /// devices. Returns the relays, held at their locked level: dropped,
    /// their lines are released too.
    pub fn stop(self) -> HeldRelays {
        let (done_tx, done) = std::sync::mpsc::sync_channel(1);
        let locks = self.gate.locks().clone();
        let events = self.gate.events().clone();
        self.runtime.handle.spawn(async move {
            let relays = locks.shutdown().await;
            events.flush();
            let _ = done_tx.send(relays);
        });
        let relays = done.recv().unwrap_or_default();
        drop(self.gate);
        self.runtime.stop();
        for thread in self.input_threads {
            let _ = thread.join();
        }
        HeldRelays::of(&self.keys, relays)
    }
}

/// Runs on the access runtime, so every task spawned here lands on it.
/// Door input threads started go to `inputs`, also when a later step fails.
fn build(
    config: &Config,
    locks: &Locks,
    store: Store,
    shared: &Shared,
    inputs: &mut door::Inputs,
) -> io::Result<Gate> {
    let clock = clock::ClockWatch::start(config.clock.require_sync);
    let gate = Gate::new(
        store.clone(),
        locks.clone(),
        clock,
        shared.records.clone(),
        config.rules().master_card,
        config.auth.present_limits(),
    );
    door::start(config, locks, &gate, inputs)?;
    let mut watched: Vec<Watched> = std::mem::take(&mut inputs.tasks);
    for (n, input) in config.input.iter().enumerate() {
        let input = input.get_ref();
        let source = format!("input{n}:{}", input.kind.get_ref().as_str());
        let reader = readers::Reader::new(
            source.clone(),
            input.reader_kind(),
            config.enrolment.settings(),
            Duration::from_millis(input.debounce_ms),
        );
        let (keys_tx, keys) = tokio::sync::mpsc::channel(256);
        watched.push(Watched {
            name: format!("the device of {source}"),
            task: tokio::spawn(crate::hardware::input::run(
                input.device(),
                source.clone(),
                keys_tx,
            )),
        });
        watched.push(Watched {
            name: format!("reader {source}"),
            task: tokio::spawn(readers::run(reader, keys, gate.clone(), store.clone())),
        });
    }
    if let Some(period) = shared.notifier.watchdog() {
        tokio::spawn(watchdog::run(
            shared.notifier.clone(),
            period,
            gate.clone(),
            watched,
        ));
    }
    Ok(gate)
}

/// Makes a panic anywhere in latchd end it with every relay locked: the
/// hook drives them locked through `failsafe`, synchronously on the
/// panicking thread and without the lock task (which may be the one
/// panicking), then reports the panic and aborts. The release build aborts
/// on a panic anyway (`panic = "abort"`); aborting here too means a panic
/// in any build, in any task, ends latchd for systemd to restart it rather
/// than leaving a daemon with a dead task.
pub fn install_panic_hook(failsafe: locks::Failsafe) {
    let report = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let failed = failsafe.lock_all();
        report(info);
        use std::io::Write;
        let _ = writeln!(
            std::io::stderr(),
            "latchd: panic: every relay driven locked{}; aborting",
            if failed == 0 {
                String::new()
            } else {
                format!(" but {failed} that could not be driven")
            }
        );
        std::process::abort();
    }));
}

/// The runtime of the access path: a current-thread tokio runtime on a
/// thread of its own.
pub struct AccessRuntime {
    pub handle: tokio::runtime::Handle,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl AccessRuntime {
    pub fn start() -> io::Result<AccessRuntime> {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()?;
        let handle = runtime.handle().clone();
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let thread = std::thread::Builder::new()
            .name("latchd-access".into())
            .spawn(move || {
                let _ = runtime.block_on(stopped);
                // Dropping the runtime drops the readers and with them their
                // store handles.
            })?;
        Ok(AccessRuntime {
            handle,
            stop: Some(stop),
            thread: Some(thread),
        })
    }

    /// Ends every task of the access path and waits for the thread.
    pub fn stop(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::identifier::LockChoice;
    use locks::testing::Recorder;

    /// What a restart needs: a store (the gate rig's), a data folder and
    /// what outlives an access path.
    struct Bench {
        dir: tempfile::TempDir,
        rig: gate::testing::Rig,
        shared: Shared,
        _runtime: tokio::runtime::Runtime,
    }

    impl Bench {
        fn new() -> Bench {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            let rig = runtime.block_on(gate::testing::rig());
            let dir = tempfile::tempdir().unwrap();
            let shared = Shared::open(&config_in(dir.path(), ""), Notifier::none()).unwrap();
            Bench {
                dir,
                rig,
                shared,
                _runtime: runtime,
            }
        }

        fn config(&self, locks: &str) -> Config {
            config_in(self.dir.path(), locks)
        }

        /// The access path of `config` with `relays` as its relays.
        fn start(&self, config: &Config, relays: &[(&str, &Recorder)]) -> AccessPath {
            let specs = relays
                .iter()
                .map(|(name, relay)| locks::testing::spec(name, 3000, relay))
                .collect();
            start(config, specs, self.rig.store.clone(), &self.shared)
                .expect("the access path starts")
        }
    }

    fn config_in(dir: &std::path::Path, locks: &str) -> Config {
        let text = format!(
            "[storage]\ndir = \"{}\"\n\n[clock]\nrequire_sync = false\n\n{locks}",
            dir.display()
        );
        Config::parse(std::path::Path::new("latchd.toml"), &text).unwrap()
    }

    /// Both locks virtual: their relays are the ones the test gives.
    const BOTH: &str = "[[lock]]\nname = \"first\"\n\n[[lock]]\nname = \"second\"\n";

    /// The relay object is alive (held by the access path or what it
    /// handed back, not only by the test) and was never driven open.
    fn held_locked(relay: &Recorder) -> bool {
        Arc::strong_count(&relay.levels) == 2 && relay.levels().iter().all(|open| !open)
    }

    /// Opens every lock of `access` and says whether `relay` opened.
    fn opens(access: &AccessPath, relay: &Recorder) -> bool {
        let locks = access.gate.locks().clone();
        access
            .runtime()
            .block_on(async move { locks.open(LockChoice::All).await });
        relay.level()
    }

    #[test]
    fn a_line_the_new_configuration_cannot_have_keeps_every_running_relay() {
        let bench = Bench::new();
        let running = bench.config(BOTH);
        let (first, second) = (Recorder::default(), Recorder::default());
        let old = bench.start(&running, &[("first", &first), ("second", &second)]);
        // "first" stays as it is; "second" moves to a chip that does not
        // exist: its line request fails.
        let wanted = bench.config(
            "[[lock]]\nname = \"first\"\n\n\
             [[lock]]\nname = \"second\"\nchip = \"gpiochip-none\"\noffset = 0\n",
        );
        let Ok((access, refused)) =
            restart(old, &wanted, &running, &bench.rig.store, &bench.shared)
        else {
            panic!("the previous configuration does not start again");
        };
        assert!(held_locked(&first), "first: {:?}", first.levels());
        assert!(held_locked(&second), "second: {:?}", second.levels());
        let refused = refused.expect("the new configuration is not applied");
        assert!(refused.to_string().contains("gpiochip-none"), "{refused}");
        // The very relays run the previous configuration again.
        assert!(opens(&access, &first));
        assert!(second.level());
        drop(access.stop());
    }

    #[test]
    fn a_new_access_path_that_cannot_start_hands_its_relays_back() {
        let bench = Bench::new();
        let running = bench.config(BOTH);
        let (first, second) = (Recorder::default(), Recorder::default());
        let old = bench.start(&running, &[("first", &first), ("second", &second)]);
        // "first" keeps its relay but gets an exit button that cannot be
        // had; "second" goes away. The relays are all requested, then the
        // door inputs fail.
        let wanted = bench
            .config("[[lock]]\nname = \"first\"\nexit_button = \"LATCHD_TEST_NO_SUCH_LINE\"\n");
        let Ok((access, refused)) =
            restart(old, &wanted, &running, &bench.rig.store, &bench.shared)
        else {
            panic!("the previous configuration does not start again");
        };
        let refused = refused.expect("the new configuration is not applied");
        assert!(
            refused.to_string().contains("LATCHD_TEST_NO_SUCH_LINE"),
            "{refused}"
        );
        assert!(held_locked(&first), "first: {:?}", first.levels());
        assert!(held_locked(&second), "second: {:?}", second.levels());
        assert!(opens(&access, &first));
        assert!(second.level());
        drop(access.stop());
    }

    #[test]
    fn when_even_the_previous_configuration_cannot_start_the_relays_stay_held_locked() {
        let bench = Bench::new();
        let (first, second) = (Recorder::default(), Recorder::default());
        let old = bench.start(
            &bench.config(BOTH),
            &[("first", &first), ("second", &second)],
        );
        let wanted =
            bench.config("[[lock]]\nname = \"first\"\nchip = \"gpiochip-none\"\noffset = 0\n");
        // The configuration to fall back to cannot start either (its exit
        // button went away since it started).
        let running = bench.config(&format!(
            "{BOTH}exit_button = \"LATCHD_TEST_NO_SUCH_LINE\"\n"
        ));
        let failed = restart(old, &wanted, &running, &bench.rig.store, &bench.shared)
            .err()
            .expect("neither configuration starts");
        let message = failed.to_string();
        assert!(message.contains("gpiochip-none"), "{message}");
        assert!(message.contains("LATCHD_TEST_NO_SUCH_LINE"), "{message}");
        // Every relay is held, locked, by what came back, until latchd
        // exits.
        assert!(held_locked(&first), "first: {:?}", first.levels());
        assert!(held_locked(&second), "second: {:?}", second.levels());
        drop(failed);
        assert_eq!(Arc::strong_count(&first.levels), 1);
    }

    #[test]
    fn held_relays_are_handed_on_where_lock_line_and_polarity_stay() {
        let config = Config::parse(
            std::path::Path::new("latchd.toml"),
            "[storage]\ndir = \"/nonexistent\"\n\n[[lock]]\nname = \"first\"\n\n\
             [[lock]]\nname = \"second\"\nopen_time_ms = 500\n",
        )
        .unwrap();
        let key = |lock: &str, active_low| RelayKey {
            lock: lock.into(),
            line: None,
            active_low,
        };
        let (first, second, gone) = (
            Recorder::default(),
            Recorder::default(),
            Recorder::default(),
        );
        let held = HeldRelays(vec![
            (key("second", true), Box::new(second.clone())),
            (key("first", false), Box::new(first.clone())),
            (key("third", false), Box::new(gone.clone())),
        ]);
        let mut specs = request_relays(&config, held).unwrap();
        assert_eq!(specs.len(), 2);
        assert_eq!(specs[1].open_time, Duration::from_millis(500));
        // "first" is the relay it was; "second" changed polarity: a new one.
        specs[0].relay.set(true).unwrap();
        specs[1].relay.set(true).unwrap();
        assert_eq!(first.levels(), vec![true]);
        assert!(second.levels().is_empty());
        assert!(gone.levels().is_empty());
        // Nothing holds the others any more: their lines are released.
        assert_eq!(std::sync::Arc::strong_count(&second.levels), 1);
        assert_eq!(std::sync::Arc::strong_count(&gone.levels), 1);
    }

    #[test]
    fn a_lock_the_new_configuration_drops_is_released_once_it_runs() {
        let bench = Bench::new();
        let running = bench.config(BOTH);
        let (first, second) = (Recorder::default(), Recorder::default());
        let old = bench.start(&running, &[("first", &first), ("second", &second)]);
        let wanted = bench.config("[[lock]]\nname = \"first\"\nopen_time_ms = 500\n");
        let Ok((access, None)) = restart(old, &wanted, &running, &bench.rig.store, &bench.shared)
        else {
            panic!("the new configuration is not applied");
        };
        assert!(held_locked(&first), "first: {:?}", first.levels());
        assert_eq!(Arc::strong_count(&second.levels), 1);
        assert!(second.levels().iter().all(|open| !open));
        assert!(opens(&access, &first));
        drop(access.stop());
    }

    fn named(lock: &str, line: &str) -> RelayKey {
        RelayKey {
            lock: lock.into(),
            line: Some(LineAddress::Named(line.into())),
            active_low: false,
        }
    }

    #[test]
    fn a_missing_line_is_found_before_a_moved_one_is_let_go() {
        // GPIO27 moves from "second" to "first" (it must be released to be
        // requested again), and "second" goes to a chip that does not
        // exist. The missing one is tried first: GPIO27 stays held.
        let bench = Bench::new();
        let moved = Recorder::default();
        let held = HeldRelays(vec![(named("second", "GPIO27"), Box::new(moved.clone()))]);
        let config = bench.config(
            "[[lock]]\nname = \"first\"\nline = \"GPIO27\"\n\n\
             [[lock]]\nname = \"second\"\nchip = \"gpiochip-none\"\noffset = 0\n",
        );
        let Err(not_started) = take_relays(&config, held) else {
            panic!("a chip that does not exist is had");
        };
        assert!(
            not_started.error.to_string().contains("gpiochip-none"),
            "{}",
            not_started.error
        );
        assert_eq!(Arc::strong_count(&moved.levels), 2);
        assert_eq!(not_started.held.0[0].0, named("second", "GPIO27"));
    }

    #[test]
    fn a_relay_on_a_line_that_becomes_a_door_input_is_released_for_it() {
        let bench = Bench::new();
        let (input, spare) = (Recorder::default(), Recorder::default());
        let held = HeldRelays(vec![
            (named("second", "EXIT1"), Box::new(input.clone())),
            (named("second", "GPIO27"), Box::new(spare.clone())),
        ]);
        let config = bench.config("[[lock]]\nname = \"first\"\nexit_button = \"EXIT1\"\n");
        let Ok((specs, kept)) = take_relays(&config, held) else {
            panic!("a virtual lock is not had");
        };
        assert_eq!(specs.len(), 1);
        // EXIT1 is free for the exit button; GPIO27 is held until the new
        // access path runs.
        assert_eq!(Arc::strong_count(&input.levels), 1);
        assert_eq!(Arc::strong_count(&spare.levels), 2);
        assert_eq!(kept.0.len(), 1);
    }
}
