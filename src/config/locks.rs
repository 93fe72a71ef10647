//! `[[lock]]`: the relays, their GPIO lines, exit buttons and door contacts.

use super::{yes, Config, ConfigError, Source};
use serde::Deserialize;
use std::path::{Path, PathBuf};
use toml::Spanned;

/// The panel API allows open times of 1 to 40 s.
pub const MAX_OPEN_TIME_MS: u64 = 40_000;

/// The name of a lock.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LockName {
    First,
    Second,
}

choice!(LockName, |v| format!("lock name {v:?} must be \"first\" or \"second\""), {
    "first" => LockName::First,
    "second" => LockName::Second,
});

impl LockName {
    pub fn as_str(self) -> &'static str {
        match self {
            LockName::First => "first",
            LockName::Second => "second",
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LockConfig {
    pub name: Spanned<LockName>,
    /// GPIO line name; with neither `line` nor `chip` the lock is virtual.
    pub line: Option<String>,
    /// Or the chip (`/dev/gpiochip0` or `gpiochip0`) and the line's offset on it.
    pub chip: Option<Spanned<String>>,
    pub offset: Option<u32>,
    /// The relay closes when the line is driven low.
    #[serde(default)]
    pub active_low: bool,
    /// A request-to-exit button's GPIO line name: a press opens this lock.
    pub exit_button: Option<String>,
    /// A door contact's GPIO line name: active while the door is open.
    pub door_contact: Option<String>,
    /// Both inputs are wired to ground with a pull-up (default true).
    #[serde(default = "yes")]
    pub inputs_active_low: bool,
    /// A door open longer than this raises an event (default 30 s).
    #[serde(default = "default_held_open")]
    pub held_open_s: u64,
    #[serde(default = "default_open_time")]
    pub open_time_ms: Spanned<u64>,
}

fn default_held_open() -> u64 {
    30
}

fn default_open_time() -> Spanned<u64> {
    Spanned::new(0..0, 3000)
}

/// Each lock named once, with its line given one way, and its open time in range.
pub(super) fn check(locks: &[Spanned<LockConfig>], src: &Source) -> Result<(), ConfigError> {
    let mut seen = Vec::new();
    for lock in locks {
        let lock_ref = lock.get_ref();
        let name = lock_ref.name.get_ref().as_str();
        if seen.contains(&name) {
            return Err(src.at(
                lock_ref.name.span(),
                format!("lock {name:?} is configured twice"),
            ));
        }
        seen.push(name);
        if let Some(chip) = &lock_ref.chip {
            if lock_ref.line.is_some() || lock_ref.offset.is_none() {
                return Err(src.at(
                    chip.span(),
                    "a lock takes either `line`, or `chip` with `offset`".into(),
                ));
            }
        } else if lock_ref.offset.is_some() {
            return Err(src.at(lock.span(), "`offset` needs `chip`".into()));
        }
        let ms = *lock_ref.open_time_ms.get_ref();
        if !(1..=MAX_OPEN_TIME_MS).contains(&ms) {
            return Err(src.at(
                lock_ref.open_time_ms.span(),
                format!("open_time_ms must be 1 to {MAX_OPEN_TIME_MS}"),
            ));
        }
    }
    Ok(())
}

impl Config {
    /// The hardware line of a lock, or None for a virtual lock.
    pub fn line_of(lock: &LockConfig) -> Option<crate::hardware::gpio::LineAddress> {
        use crate::hardware::gpio::LineAddress;
        if let Some(name) = &lock.line {
            return Some(LineAddress::Named(name.clone()));
        }
        let chip = lock.chip.as_ref()?.get_ref();
        let chip = if chip.starts_with('/') {
            PathBuf::from(chip)
        } else {
            Path::new("/dev").join(chip)
        };
        Some(LineAddress::ChipOffset {
            chip,
            offset: lock.offset?,
        })
    }
}
