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
//! A reload rebuilds the access path whole: the running one is stopped
//! (every relay driven locked, the lines and devices released), and
//! [`start`] runs again with the new configuration. What must outlive that
//! is in [`Shared`]; the D-Bus objects reach the running gate through
//! [`Current`].

pub mod clock;
pub mod door;
pub mod events;
pub mod gate;
pub mod locks;
pub mod readers;
pub mod watchdog;

use crate::config::{Config, LockConfig};
use crate::hardware::gpio::{GpioRelay, LineAddress};
use crate::notify::Notifier;
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

/// Relays still held at their locked level by a stopped access path: a
/// reload hands those whose lock, line and polarity are unchanged to the
/// next one, so their lines are never released (a released line may fall
/// to a level of the chip's choosing); the others are released.
#[derive(Default)]
pub struct HeldRelays(Vec<(RelayKey, Box<dyn Relay>)>);

/// The configured relays, each at its locked level: those `held` has for
/// the same lock, line and polarity as they are, the others requested (a
/// GPIO line as an output already at its locked level). The first thing
/// latchd does with hardware, before the data is loaded, so a door that a
/// latchd which died left open is locked again as early as possible. A
/// line that cannot be had stops the start: a door that cannot open (or
/// might not lock) must not look configured.
pub fn request_relays(config: &Config, mut held: HeldRelays) -> io::Result<Vec<LockSpec>> {
    let mut kept: Vec<Option<Box<dyn Relay>>> = Vec::new();
    for lock in &config.lock {
        let key = relay_key(lock.get_ref());
        let found = held.0.iter().position(|(k, _)| *k == key);
        kept.push(found.map(|i| held.0.remove(i).1));
    }
    // What the new configuration does not keep is released first, so a
    // line that moved to another lock can be requested again.
    drop(held);
    let mut specs = Vec::new();
    for (lock, kept) in config.lock.iter().zip(kept) {
        let lock = lock.get_ref();
        let name = lock.name.get_ref().as_str().to_string();
        let relay: Box<dyn Relay> = match (kept, Config::line_of(lock)) {
            (Some(relay), _) => relay,
            (None, None) => Box::new(VirtualRelay),
            (None, Some(address)) => {
                let relay = GpioRelay::request(&address, lock.active_low, &name)
                    .map_err(|e| io::Error::new(e.kind(), format!("lock {name:?}: {e}")))?;
                log::info!(lock = name.as_str(), line = format!("{address:?}").as_str(); "relay line requested, locked");
                Box::new(relay)
            }
        };
        specs.push(LockSpec {
            name,
            open_time: Duration::from_millis(*lock.open_time_ms.get_ref()),
            relay,
        });
    }
    Ok(specs)
}

/// Starts the access path for `config` with the relays of
/// [`request_relays`]: the relays set locked first, then the clock watch,
/// the door inputs, a reader per configured input and, under a watchdog,
/// the watchdog task. A door input that cannot be had stops the start.
pub fn start(
    config: &Config,
    relays: Vec<LockSpec>,
    store: Store,
    shared: &Shared,
) -> io::Result<AccessPath> {
    let runtime = AccessRuntime::start()?;
    let keys = config.lock.iter().map(|l| relay_key(l.get_ref())).collect();
    let config = config.clone();
    let shared = shared.clone();
    let (built_tx, built) = std::sync::mpsc::sync_channel(1);
    runtime.handle.spawn(async move {
        let mut inputs = door::Inputs::default();
        let result = build(&config, relays, store, &shared, &mut inputs);
        let _ = built_tx.send((result, inputs.threads));
    });
    let (built, input_threads) = built.recv().unwrap_or_else(|_| {
        (
            Err(io::Error::other("the access path did not start")),
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
        Err(e) => {
            // Nothing opened yet: ending the runtime drops the lock task,
            // whose relays were set locked, and the inputs' threads end.
            runtime.stop();
            for thread in input_threads {
                let _ = thread.join();
            }
            Err(e)
        }
    }
}

/// A reload's restart of the access path: `old` is stopped (every relay
/// driven locked), then the access path of `wanted` is started with the
/// relays it keeps. When that cannot start, the access path of `running`
/// (the configuration `old` ran) is started again and the error of `wanted`
/// comes with it; when even that fails, the error is returned.
pub fn restart(
    old: AccessPath,
    wanted: &Config,
    running: &Config,
    store: &Store,
    shared: &Shared,
) -> io::Result<(AccessPath, Option<io::Error>)> {
    let held = old.stop();
    let start_with = |config: &Config, held| {
        request_relays(config, held).and_then(|relays| start(config, relays, store.clone(), shared))
    };
    match start_with(wanted, held) {
        Ok(access) => Ok((access, None)),
        Err(e) => start_with(running, HeldRelays::default()).map(|access| (access, Some(e))),
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
        let keys = self.keys;
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

/// Runs on the access runtime, so every task spawned here lands on it.
/// Door input threads started go to `inputs`, also when a later step fails.
fn build(
    config: &Config,
    relays: Vec<LockSpec>,
    store: Store,
    shared: &Shared,
    inputs: &mut door::Inputs,
) -> io::Result<Gate> {
    let locks = Locks::start(relays, &shared.board)?;
    let clock = clock::ClockWatch::start(config.clock.require_sync);
    let gate = Gate::new(
        store.clone(),
        locks.clone(),
        clock,
        shared.records.clone(),
        config.rules().master_card,
        config.auth.present_limits(),
    );
    door::start(config, &locks, &gate, inputs)?;
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
    use locks::testing::Recorder;

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
}
