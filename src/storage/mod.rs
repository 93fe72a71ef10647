//! Durable storage of the identifier database in `[storage] dir`.
//!
//! - `identifiers.toml`: a snapshot, replaced atomically (write a temporary
//!   file, fsync it, rename it, fsync the folder).
//! - `journal-<seq>.toml`: append-only segments, one mutation a line, each line
//!   a TOML key/value `SEQ = { crc = C, put = [...], remove = [...], next_uid = N }`
//!   with a CRC-32 of its content. A mutation is acknowledged only after its line
//!   is written and fdatasync'd, so one durable mutation costs one short append
//!   whatever the number of identifiers.
//! - Compaction writes a new snapshot on a background thread from a copy of the
//!   state and then deletes the segments it covers; the journal keeps taking
//!   appends in a fresh segment meanwhile.
//!
//! A crash can only leave an incomplete last line (no newline): it was never
//! acknowledged and is dropped. Anything else that does not read back is
//! corruption: loading stops with the file and line, and nothing is written.
//!
//! Files, one concern each:
//! - `load.rs`: reading the folder into a registry ([`load`]).
//! - `snapshot.rs`: the snapshot's format, read and written atomically.
//! - `seal.rs`: the snapshot's seal and [`reseal`].
//! - `journal.rs`: segment names and the journal line format.
//! - `replay.rs`: applying a segment's lines, each checked, to the registry.
//! - `append.rs`: appending to the live segment and cutting failed writes back.
//! - `compact.rs`: rotating the journal and writing a snapshot in the background.
//! - `record.rs`: the TOML records of identifiers, profiles and apartments.
//! - `private.rs`: the folder 0700 and its files 0600 whatever the umask.

mod append;
mod compact;
mod journal;
mod load;
pub mod private;
pub(crate) mod record;
mod replay;
mod seal;
mod snapshot;

#[cfg(test)]
pub(crate) use append::testing;
pub(crate) use journal::{checksum, format_line, parse_line, segment_name};
pub(crate) use load::read_data;
pub use load::{load, Loaded};
pub use record::{ApartmentRecord, ProfileRecord, Record};
pub use seal::reseal;
pub(crate) use seal::{find_seal, seal};
pub use snapshot::write_fresh;
pub(crate) use snapshot::{read_snapshot, snapshot_text, SnapshotParts};

use crate::domain::identifier::Rules;
use crate::domain::registry::Registry;
use load::check_folder;
use std::fs::{self, File, OpenOptions};
use std::io;
use std::path::{Path, PathBuf};
#[cfg(test)]
use std::sync::Arc;

pub(crate) const SNAPSHOT: &str = "identifiers.toml";

/// Data that cannot be read, with where it is.
pub type LoadError = crate::file_error::FileError;

/// The open store: appends to the live segment, compacts in the background.
pub struct Storage {
    dir: PathBuf,
    live: File,
    live_path: PathBuf,
    live_len: u64,
    /// A failed append left bytes past `live_len` that could not be cut
    /// off: the next line would join them, so nothing is appended until
    /// they are gone.
    torn: bool,
    #[cfg(test)]
    pub(crate) faults: Arc<testing::Faults>,
    last_seq: u64,
    snapshot_bytes: u64,
    /// The running (or last) compaction's thread.
    compaction: Option<std::thread::JoinHandle<()>>,
    _lock: nix::fcntl::Flock<File>,
}

/// Why the store cannot be opened.
#[derive(Debug, thiserror::Error)]
pub enum OpenError {
    #[error("{0}")]
    Load(#[from] LoadError),
    #[error("{path}: {source}")]
    Io { path: PathBuf, source: io::Error },
    #[error("{0}: another latchd is using this data folder")]
    Locked(PathBuf),
}

/// Takes the folder's lock: one latchd (or `--reseal`) at a time.
fn lock_folder(dir: &Path) -> Result<nix::fcntl::Flock<File>, OpenError> {
    let lock_path = dir.join(".lock");
    let lock_file = private::options()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&lock_path)
        .map_err(io_at(&lock_path))?;
    nix::fcntl::Flock::lock(lock_file, nix::fcntl::FlockArg::LockExclusiveNonblock)
        .map_err(|_| OpenError::Locked(dir.to_path_buf()))
}

fn io_at(path: &Path) -> impl FnOnce(io::Error) -> OpenError + '_ {
    move |source| OpenError::Io {
        path: path.to_path_buf(),
        source,
    }
}

impl Storage {
    /// Locks the folder, loads it, drops a torn last line and opens the live
    /// segment for appending.
    pub fn open(dir: &Path, rules: Rules) -> Result<(Storage, Registry), OpenError> {
        check_folder(dir)?;
        if !dir.exists() {
            private::create_folder(dir).map_err(io_at(dir))?;
            // The new folder's own entry is durable only once its parent is
            // synced (ext4 happens to do it; not every file system does).
            if let Some(parent) = dir.parent().filter(|p| !p.as_os_str().is_empty()) {
                sync_dir(parent).map_err(io_at(parent))?;
            }
        }
        // Before the lock is taken: a lock file others could open is one
        // they could hold so that latchd never starts.
        private::secure_folder(dir).map_err(io_at(dir))?;
        let lock = lock_folder(dir)?;
        let loaded = load(dir, rules)?;
        // A snapshot that was being written when latchd stopped (or whose
        // write failed) was never renamed into place: it is nothing.
        let tmp = dir.join(format!("{SNAPSHOT}.tmp"));
        match fs::remove_file(&tmp) {
            Ok(()) => {
                log::warn!(file = tmp.display().to_string().as_str(); "removed an unfinished snapshot")
            }
            Err(e) if e.kind() == io::ErrorKind::NotFound => {}
            Err(e) => return Err(io_at(&tmp)(e)),
        }
        let (live_path, live_len) = match loaded.segments.last().cloned() {
            Some(last) => last,
            None => {
                let path = dir.join(segment_name(loaded.last_seq + 1));
                private::options()
                    .create(true)
                    .truncate(true)
                    .write(true)
                    .open(&path)
                    .map_err(io_at(&path))?;
                sync_dir(dir).map_err(io_at(dir))?;
                (path, 0)
            }
        };
        let live = OpenOptions::new()
            .append(true)
            .open(&live_path)
            .map_err(io_at(&live_path))?;
        if loaded.torn_tail {
            log::warn!(
                file = live_path.display().to_string().as_str();
                "dropping an incomplete last journal line (a write cut short, never acknowledged)"
            );
            live.set_len(live_len).map_err(io_at(&live_path))?;
            live.sync_data().map_err(io_at(&live_path))?;
        }
        let storage = Storage {
            dir: dir.to_path_buf(),
            live,
            live_path,
            live_len,
            torn: false,
            #[cfg(test)]
            faults: Arc::default(),
            last_seq: loaded.last_seq,
            snapshot_bytes: loaded.snapshot_bytes,
            compaction: None,
            _lock: lock,
        };
        Ok((storage, loaded.registry))
    }

    pub fn last_seq(&self) -> u64 {
        self.last_seq
    }
}

fn sync_dir(dir: &Path) -> io::Result<()> {
    File::open(dir)?.sync_all()
}
