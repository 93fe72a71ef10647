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
