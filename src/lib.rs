//! latchd: a door controller daemon for Linux panels.
//!
//! Two paths run through it (see docs/architecture.md), and the modules
//! depend on each other one way: domain <- store <- access <- dbus <- main.
//! - [`domain`]: identifiers, validation, decisions, readers' logic; no I/O.
//! - [`storage`]: the TOML snapshot and append-only journal on disk.
//! - [`store`]: the thread that owns the database, and its handle.
//! - [`hardware`]: GPIO lines and input devices, and nothing above them.
//! - [`access`]: a credential in, a relay out, on a runtime of its own.
//! - [`dbus`]: the thin D-Bus layer, and the clients it generates.
//! - [`config`]: the configuration file.
//! - [`file_error`]: errors that name a file and line. At the root: both
//!   readers of files use it, the configuration and the data folder
//!   (`storage`), and neither may depend on the other.
//! - [`process`]: the process around it all: latchd's arguments and man
//!   page, the log, notifications to the service manager (readiness,
//!   reload, stop, watchdog), the signals.
//! - `fuzzing` (hidden): pure entry points for the fuzz targets in `fuzz/`.
//!   At the root: it reaches into every layer (domain, storage, access,
//!   dbus), as the targets do.

pub mod access;
pub mod config;
pub mod dbus;
pub mod domain;
pub mod file_error;
#[doc(hidden)]
pub mod fuzzing;
pub mod hardware;
pub mod process;
pub mod storage;
pub mod store;
