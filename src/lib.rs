//! latchd: a door controller daemon for Linux panels.
//!
//! Layout (see docs/architecture.md):
//! - [`domain`]: identifiers, validation, the in-memory database; no I/O.
//! - [`storage`]: the TOML snapshot and append-only journal on disk.
//! - [`service`]: the thread that owns the database and storage.
//! - [`dbus`]: the thin D-Bus layer.
//! - [`config`]: the configuration file.

pub mod clock;
pub mod config;
pub mod dbus;
pub mod domain;
pub mod door;
pub mod events;
pub mod file_error;
pub mod gate;
pub mod hardware;
pub mod locks;
pub mod logging;
pub mod readers;
pub mod service;
pub mod storage;

/// The runtime of the access path (readers, gate, locks, door inputs): a
/// thread of its own, so management work on the main runtime (D-Bus calls,
/// List pages) never queues ahead of a door decision or a relay.
pub struct AccessRuntime {
    pub handle: tokio::runtime::Handle,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl AccessRuntime {
    pub fn start() -> std::io::Result<AccessRuntime> {
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
                // database handles.
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
