//! `[storage]` and `[events]`: the data folder and the event log, the files
//! latchd keeps.

use super::{ConfigError, Source};
use serde::Deserialize;
use std::path::{Path, PathBuf};
use toml::Spanned;

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EventsConfig {
    /// Access events kept in `events.toml` (the newest; 1 to 100000).
    #[serde(default = "default_keep")]
    pub keep: Spanned<usize>,
}

fn default_keep() -> Spanned<usize> {
    Spanned::new(0..0, 1000)
}

impl Default for EventsConfig {
    fn default() -> Self {
        EventsConfig {
            keep: default_keep(),
        }
    }
}

impl EventsConfig {
    pub(super) fn check(&self, src: &Source) -> Result<(), ConfigError> {
        let keep = &self.keep;
        if !(1..=100_000).contains(keep.get_ref()) {
            return Err(src.at(keep.span(), "events.keep must be 1 to 100000".into()));
        }
        Ok(())
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StorageConfig {
    /// Absolute, or relative to the config file's folder.
    #[serde(default = "default_dir")]
    pub dir: Spanned<PathBuf>,
}

fn default_dir() -> Spanned<PathBuf> {
    Spanned::new(0..0, PathBuf::from("/var/lib/latchd"))
}

impl Default for StorageConfig {
    fn default() -> Self {
        StorageConfig { dir: default_dir() }
    }
}

impl StorageConfig {
    /// Checks `dir` and makes it absolute.
    pub(super) fn resolve(&mut self, src: &Source) -> Result<(), ConfigError> {
        let dir = &self.dir;
        if dir.get_ref().as_os_str().is_empty() {
            return Err(src.at(dir.span(), "storage.dir must name a folder".into()));
        }
        if dir.get_ref().is_relative() {
            // Relative to the config file, not to wherever latchd was started.
            let base = src.path.parent().unwrap_or(Path::new("."));
            let resolved = std::path::absolute(base.join(dir.get_ref()))
                .map_err(|e| src.at(dir.span(), format!("storage.dir: {e}")))?;
            self.dir = Spanned::new(dir.span(), resolved);
        }
        Ok(())
    }
}
