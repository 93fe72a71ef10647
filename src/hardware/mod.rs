//! The real hardware, and nothing above it: GPIO lines through the kernel's
//! character device and input devices through evdev. This layer opens
//! devices and lines, drives outputs and emits events; it knows nothing of
//! locks, credentials or the configuration. The access path puts it behind
//! its small traits (`access::locks::Relay`), with fakes beside them.

pub mod gpio;
pub mod input;
