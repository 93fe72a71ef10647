//! The latchd process through its life: refused configurations and data at
//! start-up (`check_config`), the service manager's notifications
//! (`service`), the systemd unit and sysusers file (`systemd`), SIGHUP
//! reloads (`reload`) and SIGKILL in the middle of mutations (`crash`).
//! One test binary for all of them, so that it is linked once.

#[path = "../common/mod.rs"]
mod common;

mod check_config;
mod crash;
mod reload;
mod service;
mod systemd;
