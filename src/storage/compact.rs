//! Compaction: the journal is rotated to a fresh segment and a snapshot of
//! the registry is written on a background thread, which then deletes the
//! segments it covers.

use super::journal::{list_segments, segment_name};
use super::snapshot::{write_snapshot, SnapshotParts};
use super::{private, sync_dir, Storage};
use crate::domain::registry::Registry;
use std::io;
use std::path::PathBuf;

/// Compact when the live segment outgrows both this and the last snapshot.
const MIN_COMPACT_BYTES: u64 = 64 * 1024;

impl Storage {
    /// Starts a background compaction when the journal has grown past the
    /// snapshot and none is running. Returns whether one was started.
    pub fn maybe_compact(&mut self, registry: &Registry) -> io::Result<bool> {
        if self.live_len < MIN_COMPACT_BYTES.max(self.snapshot_bytes)
            || self.compaction.as_ref().is_some_and(|c| !c.is_finished())
        {
            return Ok(false);
        }
        self.compact(registry)?;
        Ok(true)
    }

    /// Rotates the journal and writes a snapshot of `registry` in the background.
    pub fn compact(&mut self, registry: &Registry) -> io::Result<()> {
        // Everything in the segments there now is in `registry`; new appends
        // go to a fresh segment. Listed first, so a failure leaves the live
        // segment as it was.
        let next_path = self.dir.join(segment_name(self.last_seq + 1));
        let covered: Vec<PathBuf> = list_segments(&self.dir)
            .map_err(|e| io::Error::other(e.to_string()))?
            .into_iter()
            .filter(|p| *p != next_path)
            .collect();
        let next = private::options()
            .create(true)
            .append(true)
            .open(&next_path)?;
        sync_dir(&self.dir)?;
        self.live = next;
        self.live_path = next_path;
        self.live_len = 0;
        let parts = SnapshotParts::of(registry);
        let last_seq = self.last_seq;
        let dir = self.dir.clone();
        // Estimated from the item count so the trigger needs no result back.
        self.snapshot_bytes = 300 * parts.identifiers.len() as u64;
        let thread = std::thread::Builder::new()
            .name("latchd-compact".into())
            .spawn(move || {
                let started = std::time::Instant::now();
                match write_snapshot(&dir, &parts, last_seq, &covered) {
                    Ok(bytes) => log::info!(
                        identifiers = parts.identifiers.len(),
                        bytes = bytes,
                        millis = started.elapsed().as_millis() as u64;
                        "compacted the journal into a new snapshot"
                    ),
                    Err(e) => log::error!(
                        error = e.to_string().as_str();
                        "compaction failed; the journal still holds every mutation"
                    ),
                }
            })?;
        self.compaction = Some(thread);
        Ok(())
    }

    /// Waits for a running compaction (at shutdown, and in tests).
    pub fn wait_compaction(&mut self) {
        if let Some(thread) = self.compaction.take() {
            let _ = thread.join();
        }
    }
}
