//! The access path: a credential in, a relay out. Readers turn key events
//! into credentials ([`readers`]), the [`gate`] decides them against the
//! store's committed copy and records each attempt ([`events`]), one task
//! owns the relays ([`locks`]), exit buttons and door contacts come from
//! GPIO edges ([`door`]), and [`clock`] says whether time can be trusted.
//!
//! All of it runs on a runtime of its own, on a thread of its own, so
//! management work (D-Bus calls, List pages) never queues ahead of a door
//! decision or a relay. [`start`] builds everything inside that runtime, so
//! every task it spawns lands there.

pub mod clock;
pub mod door;
pub mod events;
pub mod gate;
pub mod locks;
pub mod readers;

use crate::config::Config;
use crate::hardware::gpio::GpioRelay;
use crate::store::Store;
use gate::Gate;
use locks::{LockSpec, Locks, Relay, VirtualRelay};
use std::io;
use std::time::Duration;

/// The running access path.
pub struct AccessPath {
    pub gate: Gate,
    pub locks: Locks,
    runtime: AccessRuntime,
}

/// Starts the access path for `config`: relays requested and set locked
/// first, then the clock watch, the event log, the door inputs and a reader
/// per configured input. A lock or door input whose line cannot be had stops
/// the start: a door that cannot open (or might not lock) must not look
/// configured.
pub fn start(config: &Config, store: Store) -> io::Result<AccessPath> {
    let runtime = AccessRuntime::start()?;
    let config = config.clone();
    let (built_tx, built) = std::sync::mpsc::sync_channel(1);
    runtime.handle.spawn(async move {
        let _ = built_tx.send(build(&config, store));
    });
    let built = built
        .recv()
        .unwrap_or_else(|_| Err(io::Error::other("the access path did not start")));
    match built {
        Ok((gate, locks)) => Ok(AccessPath {
            gate,
            locks,
            runtime,
        }),
        Err(e) => {
            runtime.stop();
            Err(e)
        }
    }
}

impl AccessPath {
    /// The access path's runtime, to run work where the readers run.
    pub fn runtime(&self) -> &tokio::runtime::Handle {
        &self.runtime.handle
    }

    /// Drives every relay locked, writes the events still queued, and ends
    /// every task of the access path.
    pub fn stop(self) {
        let (done_tx, done) = std::sync::mpsc::sync_channel(1);
        let locks = self.locks.clone();
        let events = self.gate.events().clone();
        self.runtime.handle.spawn(async move {
            locks.shutdown().await;
            events.flush();
            let _ = done_tx.send(());
        });
        let _ = done.recv();
        drop(self.gate);
        self.runtime.stop();
    }
}

/// Runs on the access runtime, so every task spawned here lands on it.
fn build(config: &Config, store: Store) -> io::Result<(Gate, Locks)> {
    let locks = Locks::start(lock_specs(config)?)?;
    let clock = clock::ClockWatch::start(config.clock.require_sync);
    let events =
        events::EventLog::open(config.storage.dir.get_ref(), *config.events.keep.get_ref())?;
    let gate = Gate::new(
        store.clone(),
        locks.clone(),
        clock,
        events,
        config.rules().master_card,
    );
    door::start(config, &locks, &gate)?;
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
        tokio::spawn(crate::hardware::input::run(input.device(), source, keys_tx));
        tokio::spawn(readers::run(reader, keys, gate.clone(), store.clone()));
    }
    Ok((gate, locks))
}

/// The configured locks, each relay requested at its locked level.
fn lock_specs(config: &Config) -> io::Result<Vec<LockSpec>> {
    let mut specs = Vec::new();
    for lock in &config.lock {
        let lock = lock.get_ref();
        let name = lock.name.get_ref().as_str().to_string();
        let relay: Box<dyn Relay> = match Config::line_of(lock) {
            None => Box::new(VirtualRelay),
            Some(address) => {
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
