//! The D-Bus API over a real bus: a private dbus-daemon with latchd's
//! policy, the real latchd binary (or, for `relay_faults`, latchd's own
//! objects in this process), and zbus, `dbus-send` or `gdbus` as clients.
//! One test binary for all of them, so that it is linked once; each module
//! is one subject. `tests/introspection/main.rs` stays a binary of its own: the
//! generated interface pages name it in their regenerate command
//! (`cargo test --test introspection generated`).

#[path = "../common/mod.rs"]
mod common;

mod access_api;
mod apartments_api;
mod auth;
mod clock;
mod faces_api;
mod hostile;
mod identifiers_api;
mod locks_api;
mod qr_png;
mod relay_faults;
mod smoke;
mod time_profiles_api;
