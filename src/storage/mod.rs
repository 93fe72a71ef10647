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

pub mod private;
pub(crate) mod record;

pub use record::{ApartmentRecord, ProfileRecord, Record};

use crate::domain::apartment::Apartment;
use crate::domain::identifier::{Identifier, Rules};
use crate::domain::registry::{Change, Registry};
use crate::domain::time_profile::TimeProfile;
use crate::file_error::line_of;
use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;

pub(crate) const SNAPSHOT: &str = "identifiers.toml";
const SNAPSHOT_FORMAT: i64 = 1;
/// Compact when the live segment outgrows both this and the last snapshot.
const MIN_COMPACT_BYTES: u64 = 64 * 1024;

/// Data that cannot be read, with where it is.
pub type LoadError = crate::file_error::FileError;

/// What was read from the folder, before anything is written to it.
pub struct Loaded {
    pub registry: Registry,
    /// The sequence number of the last mutation read.
    pub last_seq: u64,
    /// Journal segments in order, with the byte length of their intact part.
    pub(crate) segments: Vec<(PathBuf, u64)>,
    /// Whether the last segment ends in an incomplete line (a write cut short by a crash).
    pub torn_tail: bool,
    snapshot_bytes: u64,
}

/// Reads the snapshot and the journal into a registry, writing nothing.
/// A missing folder or snapshot is an empty database.
pub fn load(dir: &Path, rules: Rules) -> Result<Loaded, LoadError> {
    check_folder(dir)?;
    let snapshot_path = dir.join(SNAPSHOT);
    let snapshot = match fs::read_to_string(&snapshot_path) {
        Ok(text) => Some(text),
        Err(e) if e.kind() == io::ErrorKind::NotFound => None,
        Err(e) => return Err(LoadError::at(&snapshot_path, None, e)),
    };
    read_data(
        &snapshot_path,
        snapshot.as_deref(),
        || list_segments(dir),
        |path| fs::read(path).map_err(|e| LoadError::at(path, None, e)),
        rules,
    )
}

/// What [`load`] makes of the snapshot's text (None when there is none) and
/// of the journal segments that `list` names in order and `read` reads. No
/// I/O of its own, so tests and fuzzing feed it contents directly.
pub(crate) fn read_data(
    snapshot_path: &Path,
    snapshot: Option<&str>,
    list: impl FnOnce() -> Result<Vec<PathBuf>, LoadError>,
    mut read: impl FnMut(&Path) -> Result<Vec<u8>, LoadError>,
    rules: Rules,
) -> Result<Loaded, LoadError> {
    let mut registry = Registry::new(rules);
    let (mut last_seq, snapshot_bytes) = match snapshot {
        Some(text) => (
            read_snapshot(snapshot_path, text, &mut registry)?,
            text.len() as u64,
        ),
        None => (0, 0),
    };
    let segments = list()?;
    let mut intact = Vec::with_capacity(segments.len());
    let mut torn_tail = false;
    for (n, path) in segments.iter().enumerate() {
        let is_last = n + 1 == segments.len();
        let bytes = read(path)?;
        let (len, torn) = replay_segment(path, &bytes, is_last, &mut last_seq, &mut registry)?;
        torn_tail |= torn;
        intact.push((path.clone(), len));
    }
    Ok(Loaded {
        registry,
        last_seq,
        segments: intact,
        torn_tail,
        snapshot_bytes,
    })
}

/// The data folder is a folder, or does not exist yet (it is then made).
fn check_folder(dir: &Path) -> Result<(), LoadError> {
    match fs::metadata(dir) {
        Ok(meta) if !meta.is_dir() => Err(LoadError::at(
            dir,
            None,
            "not a folder ([storage] dir must name a folder for latchd's data)",
        )),
        _ => Ok(()),
    }
}

pub(crate) fn read_snapshot(
    path: &Path,
    text: &str,
    registry: &mut Registry,
) -> Result<u64, LoadError> {
    #[derive(serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    struct Snapshot {
        // Checked on the text itself (check_seal), after the content.
        #[serde(rename = "seal")]
        _seal: Option<String>,
        format: i64,
        last_seq: u64,
        next_uid: u32,
        #[serde(default = "one")]
        next_time_profile_uid: u32,
        #[serde(default = "one")]
        next_apartment_uid: u32,
        #[serde(default)]
        time_profile: Vec<toml::Spanned<ProfileRecord>>,
        #[serde(default)]
        apartment: Vec<toml::Spanned<ApartmentRecord>>,
        #[serde(default)]
        identifier: Vec<toml::Spanned<Record>>,
    }
    fn one() -> u32 {
        1
    }
    let snapshot: Snapshot = toml::from_str(text)
        .map_err(|e| LoadError::at(path, e.span().map(|s| line_of(text, s.start)), e.message()))?;
    if snapshot.format != SNAPSHOT_FORMAT {
        return Err(LoadError::at(
            path,
            None,
            format!(
                "format {} is not one this latchd reads (1)",
                snapshot.format
            ),
        ));
    }
    // The line is counted only for an error: counting it for every
    // identifier would make loading quadratic in the snapshot's size.
    let at = |start: usize| move |e| LoadError::at(path, Some(line_of(text, start)), e);
    // Profiles and apartments first: identifiers refer to them.
    for spanned in snapshot.time_profile {
        let start = spanned.span().start;
        registry
            .load_profile(TimeProfile::from(spanned.into_inner()))
            .map_err(at(start))?;
    }
    for spanned in snapshot.apartment {
        let start = spanned.span().start;
        registry
            .load_apartment(Apartment::from(spanned.into_inner()))
            .map_err(at(start))?;
    }
    for spanned in snapshot.identifier {
        let start = spanned.span().start;
        registry
            .load(Identifier::from(spanned.into_inner()))
            .map_err(at(start))?;
    }
    registry.set_next_uid(snapshot.next_uid);
    registry.set_next_table_uids(snapshot.next_time_profile_uid, snapshot.next_apartment_uid);
    check_seal(path, text)?;
    Ok(snapshot.last_seq)
}

/// The line `seal = "crc32:XXXXXXXX"` of a snapshot: a CRC-32 of every other
/// byte of the file. It catches a partial write and an edit made outside
/// latchd (a raised `last_seq` would silently hide journaled mutations; an
/// edited owner or lock would be taken as it is), not a forger: the files
/// are only writable by root and latchd.
const SEAL_KEY: &str = "seal = \"crc32:";

fn seal_of(unsealed: &str) -> String {
    format!("{SEAL_KEY}{:08x}\"\n", crc32fast::hash(unsealed.as_bytes()))
}

/// The seal line's byte range and line number, if there is one.
pub(crate) fn find_seal(text: &str) -> Option<(std::ops::Range<usize>, usize)> {
    let mut offset = 0;
    for (n, line) in text.split_inclusive('\n').enumerate() {
        if line.starts_with(SEAL_KEY) {
            return Some((offset..offset + line.len(), n + 1));
        }
        offset += line.len();
    }
    None
}

fn check_seal(path: &Path, text: &str) -> Result<(), LoadError> {
    const HOW: &str =
        "if the change was deliberate, `latchd --reseal CONFIG` accepts it (see latchd(8))";
    let Some((range, line)) = find_seal(text) else {
        return Err(LoadError::at(
            path,
            None,
            format!("the snapshot has no seal: it was not written by latchd, or changed; {HOW}"),
        ));
    };
    let unsealed = format!("{}{}", &text[..range.start], &text[range.end..]);
    if text[range] != seal_of(&unsealed) {
        return Err(LoadError::at(
            path,
            Some(line),
            format!("the seal does not match the content: the file was cut short or changed outside latchd; {HOW}"),
        ));
    }
    Ok(())
}

/// Accepts a snapshot changed by hand: checks that the data folder reads
/// back as a whole (every identifier valid, the journal applies on top),
/// then writes the snapshot's seal anew, atomically. Refused while a latchd
/// uses the folder.
pub fn reseal(dir: &Path, rules: Rules) -> Result<usize, OpenError> {
    let _lock = lock_folder(dir)?;
    let path = dir.join(SNAPSHOT);
    let text = fs::read_to_string(&path).map_err(io_at(&path))?;
    let unsealed = match find_seal(&text) {
        Some((range, _)) => format!("{}{}", &text[..range.start], &text[range.end..]),
        None => text.clone(),
    };
    let sealed = seal(&unsealed);
    // What loading would see: the new text must read back, with the journal.
    let mut registry = Registry::new(rules.clone());
    read_snapshot(&path, &sealed, &mut registry)?;
    let tmp = dir.join(format!("{SNAPSHOT}.tmp"));
    write_synced(&tmp, &sealed).map_err(io_at(&tmp))?;
    fs::rename(&tmp, &path).map_err(io_at(&path))?;
    sync_dir(dir).map_err(io_at(dir))?;
    let loaded = load(dir, rules)?;
    Ok(loaded.registry.len())
}

/// `unsealed` with its seal line put after the leading comment lines.
pub(crate) fn seal(unsealed: &str) -> String {
    let header: usize = unsealed
        .split_inclusive('\n')
        .take_while(|l| l.starts_with('#'))
        .map(str::len)
        .sum();
    format!(
        "{}{}{}",
        &unsealed[..header],
        seal_of(unsealed),
        &unsealed[header..]
    )
}

fn write_synced(path: &Path, text: &str) -> io::Result<()> {
    let mut file = private::options()
        .create(true)
        .truncate(true)
        .write(true)
        .open(path)?;
    file.write_all(text.as_bytes())?;
    file.sync_all()
}

pub(crate) fn segment_name(first_seq: u64) -> String {
    format!("journal-{first_seq:020}.toml")
}

fn list_segments(dir: &Path) -> Result<Vec<PathBuf>, LoadError> {
    let entries = match fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(LoadError::at(dir, None, e)),
    };
    let mut segments = Vec::new();
    for entry in entries {
        let entry = entry.map_err(|e| LoadError::at(dir, None, e))?;
        let name = entry.file_name();
        let name = name.to_string_lossy();
        if let Some(seq) = name
            .strip_prefix("journal-")
            .and_then(|s| s.strip_suffix(".toml"))
        {
            if seq.len() == 20 && seq.bytes().all(|b| b.is_ascii_digit()) {
                segments.push(entry.path());
            }
        }
    }
    segments.sort();
    Ok(segments)
}

/// Replays one segment; returns the length of its intact part and whether a
/// torn last line was dropped.
fn replay_segment(
    path: &Path,
    bytes: &[u8],
    is_last: bool,
    last_seq: &mut u64,
    registry: &mut Registry,
) -> Result<(u64, bool), LoadError> {
    let mut offset = 0usize;
    let mut line_no = 0usize;
    while offset < bytes.len() {
        line_no += 1;
        let Some(end) = bytes[offset..].iter().position(|b| *b == b'\n') else {
            if is_last {
                return Ok((offset as u64, true));
            }
            return Err(LoadError::at(
                path,
                Some(line_no),
                "incomplete line in a journal segment that is not the last",
            ));
        };
        let line = std::str::from_utf8(&bytes[offset..offset + end])
            .map_err(|_| LoadError::at(path, Some(line_no), "not UTF-8"))?;
        offset += end + 1;
        let trimmed = line.trim();
        if trimmed.is_empty() || trimmed.starts_with('#') {
            continue;
        }
        let (seq, change) =
            parse_line(line).map_err(|msg| LoadError::at(path, Some(line_no), msg))?;
        if seq <= *last_seq {
            // Already in the snapshot: compaction finished but had not yet deleted this segment.
            continue;
        }
        if seq != *last_seq + 1 {
            return Err(LoadError::at(
                path,
                Some(line_no),
                format!(
                    "mutation {seq} follows {}: mutations are missing",
                    *last_seq
                ),
            ));
        }
        check_line(&change, registry).map_err(|msg| LoadError::at(path, Some(line_no), msg))?;
        let next_uid = registry.next_uid();
        let next_tables = (registry.next_profile_uid(), registry.next_apartment_uid());
        registry.apply(&change);
        registry
            .check_change_refs(&change)
            .map_err(|msg| LoadError::at(path, Some(line_no), msg))?;
        // Nor the next uids of profiles and apartments.
        let profiles_above = change.profiles.put.iter().map(|p| p.uid.saturating_add(1));
        let apartments_above = change
            .apartments
            .put
            .iter()
            .map(|a| a.uid.saturating_add(1));
        registry.set_next_table_uids(
            profiles_above.fold(next_tables.0, u32::max),
            apartments_above.fold(next_tables.1, u32::max),
        );
        // A line never lowers the next uid: not below the one before it (a
        // snapshot's may be higher), nor to a uid it stores.
        let above = change.put.iter().map(|i| i.uid.saturating_add(1));
        registry.set_next_uid(above.fold(next_uid, u32::max));
        *last_seq = seq;
    }
    Ok((offset as u64, false))
}

/// What a journal line may put, checked as the snapshot reader checks its
/// identifiers: uids from 1, numbers valid for their type, and no type and
/// number held twice (by another identifier the line does not remove, or
/// twice in the line).
fn check_line(change: &Change, registry: &Registry) -> Result<(), String> {
    use crate::domain::registry::IntegrityError;
    let mut keys = std::collections::HashMap::new();
    for item in &change.put {
        if item.uid == 0 {
            return Err(IntegrityError::ZeroUid.to_string());
        }
        let kind = item.body.kind;
        let Some(canonical) = kind.canonical(&item.body.number) else {
            return Err(IntegrityError::BadNumber {
                uid: item.uid,
                kind: kind.as_str(),
            }
            .to_string());
        };
        let clash = |other: u32| format!("uid {} clashes with uid {other}", item.uid);
        if let Some(other) = keys.insert((kind, canonical), item.uid) {
            if other != item.uid {
                return Err(clash(other));
            }
        }
        let key_free = registry.find(kind, &item.body.number);
        if let Some(other) = key_free.filter(|o| o.uid != item.uid) {
            if !change.remove.contains(&other.uid) {
                return Err(clash(other.uid));
            }
        }
    }
    check_tables(change, registry)
}

/// What a journal line may put into the time profiles and apartments: the
/// checks of the snapshot reader (uids from 1, bodies in range, no logical
/// address held twice).
fn check_tables(change: &Change, registry: &Registry) -> Result<(), String> {
    use crate::domain::registry::IntegrityError;
    for p in &change.profiles.put {
        if p.uid == 0 {
            return Err(IntegrityError::ZeroUidOf("time profile").to_string());
        }
        p.body
            .check()
            .map_err(|why| IntegrityError::BadProfile { uid: p.uid, why }.to_string())?;
    }
    let mut addresses = std::collections::HashMap::new();
    for a in &change.apartments.put {
        if a.uid == 0 {
            return Err(IntegrityError::ZeroUidOf("apartment").to_string());
        }
        if !a.body.address.is_valid() {
            return Err(IntegrityError::BadAddress(a.uid).to_string());
        }
        let clash = |other: u32| IntegrityError::DuplicateAddress { uid: a.uid, other }.to_string();
        if let Some(other) = addresses.insert(a.body.address, a.uid) {
            return Err(clash(other));
        }
        let holder = registry
            .apartments()
            .find(|o| o.body.address == a.body.address && o.uid != a.uid);
        if let Some(other) = holder {
            if !change.apartments.remove.contains(&other.uid) {
                return Err(clash(other.uid));
            }
        }
    }
    Ok(())
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct Entry {
    crc: u32,
    #[serde(default)]
    put: Vec<Record>,
    #[serde(default)]
    remove: Vec<u32>,
    next_uid: u32,
    #[serde(default)]
    profiles: Option<TableEntry<ProfileRecord>>,
    #[serde(default)]
    apartments: Option<TableEntry<ApartmentRecord>>,
}

/// A journal line's part for time profiles or apartments.
#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct TableEntry<R> {
    #[serde(default = "Vec::new")]
    put: Vec<R>,
    #[serde(default)]
    remove: Vec<u32>,
    next_uid: Option<u32>,
}

impl<R> TableEntry<R> {
    fn into_change<T>(self) -> crate::domain::registry::TableChange<T>
    where
        T: From<R>,
    {
        crate::domain::registry::TableChange {
            put: self.put.into_iter().map(|r| Arc::new(T::from(r))).collect(),
            remove: self.remove,
            next_uid: self.next_uid,
        }
    }
}

pub(crate) fn parse_line(line: &str) -> Result<(u64, Change), String> {
    let (seq_text, rest) = line.split_once(" = { crc = ").ok_or("not a journal line")?;
    let seq: u64 = seq_text.parse().map_err(|_| "bad sequence number")?;
    let (_, content) = rest.split_once(", ").ok_or("not a journal line")?;
    let mut table: toml::Table = toml::from_str(line).map_err(|e| e.message().to_string())?;
    let entry: Entry = table
        .remove(seq_text)
        .ok_or("not a journal line")?
        .try_into()
        .map_err(|e: toml::de::Error| e.message().to_string())?;
    if entry.crc != checksum(seq, content) {
        return Err("checksum mismatch: the line is corrupt".into());
    }
    Ok((
        seq,
        Change {
            put: entry
                .put
                .into_iter()
                .map(|r| Arc::new(Identifier::from(r)))
                .collect(),
            remove: entry.remove,
            next_uid: entry.next_uid,
            profiles: entry
                .profiles
                .map(TableEntry::into_change)
                .unwrap_or_default(),
            apartments: entry
                .apartments
                .map(TableEntry::into_change)
                .unwrap_or_default(),
        },
    ))
}

pub(crate) fn checksum(seq: u64, content: &str) -> u32 {
    let mut h = crc32fast::Hasher::new();
    h.update(seq.to_string().as_bytes());
    h.update(b" ");
    h.update(content.as_bytes());
    h.finalize()
}

/// One journal line for `change`, newline included.
pub(crate) fn format_line(seq: u64, change: &Change) -> String {
    let mut content = String::from("put = [");
    for (n, item) in change.put.iter().enumerate() {
        if n > 0 {
            content.push_str(", ");
        }
        let value = toml::Value::try_from(Record::from(item.as_ref()))
            .expect("a record is always a TOML table");
        record::write_inline(&value, &mut content);
    }
    content.push_str("], remove = [");
    for (n, uid) in change.remove.iter().enumerate() {
        if n > 0 {
            content.push_str(", ");
        }
        content.push_str(&uid.to_string());
    }
    content.push_str(&format!("], next_uid = {}", change.next_uid));
    // Only lines that touch them carry time profiles and apartments, so an
    // identifier's line reads as it always did.
    format_table(&mut content, "profiles", &change.profiles, |p| {
        ProfileRecord::from(p)
    });
    format_table(&mut content, "apartments", &change.apartments, |a| {
        ApartmentRecord::from(a)
    });
    content.push_str(" }");
    format!("{seq} = {{ crc = {}, {content}\n", checksum(seq, &content))
}

/// `, NAME = { put = [...], remove = [...], next_uid = N }` for a table's
/// part of a change, when there is one.
fn format_table<T, R: serde::Serialize>(
    content: &mut String,
    name: &str,
    change: &crate::domain::registry::TableChange<T>,
    record: impl Fn(&T) -> R,
) {
    if change.is_empty() {
        return;
    }
    content.push_str(&format!(", {name} = {{ put = ["));
    for (n, item) in change.put.iter().enumerate() {
        if n > 0 {
            content.push_str(", ");
        }
        let value = toml::Value::try_from(record(item)).expect("a record is always a TOML table");
        record::write_inline(&value, content);
    }
    content.push_str("], remove = [");
    let removed: Vec<String> = change.remove.iter().map(u32::to_string).collect();
    content.push_str(&removed.join(", "));
    content.push(']');
    if let Some(next) = change.next_uid {
        content.push_str(&format!(", next_uid = {next}"));
    }
    content.push_str(" }");
}

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

    /// Appends these changes as consecutive journal lines and makes them
    /// durable. On error nothing of them counts: the segment is cut back.
    /// When even that fails, appends are refused (the door, which reads,
    /// goes on deciding) until a later one can cut the segment back first.
    pub fn append(&mut self, changes: &[&Change]) -> io::Result<()> {
        self.mend_torn()?;
        let mut text = String::new();
        for (n, change) in changes.iter().enumerate() {
            text.push_str(&format_line(self.last_seq + 1 + n as u64, change));
        }
        match self.write_line(text.as_bytes()) {
            Ok(()) => {
                self.live_len += text.len() as u64;
                self.last_seq += changes.len() as u64;
                Ok(())
            }
            Err(e) => {
                // A part of the lines may be there (a full disk): cut it off.
                if let Err(cut) = self.cut_back() {
                    self.torn = true;
                    log::error!(
                        file = self.live_path.display().to_string().as_str(),
                        error = cut.to_string().as_str();
                        "could not cut a failed journal write off; mutations are refused until it can be"
                    );
                }
                Err(e)
            }
        }
    }

    /// Cuts a torn segment back before anything else is appended to it.
    fn mend_torn(&mut self) -> io::Result<()> {
        if !self.torn {
            return Ok(());
        }
        self.cut_back().map_err(|e| {
            io::Error::new(
                e.kind(),
                format!(
                    "{} still ends in a failed write that cannot be cut off ({e}); mutations are refused until it can be",
                    self.live_path.display()
                ),
            )
        })?;
        self.torn = false;
        log::info!(file = self.live_path.display().to_string().as_str(); "the failed journal write is cut off; mutations are taken again");
        Ok(())
    }

    fn write_line(&mut self, bytes: &[u8]) -> io::Result<()> {
        #[cfg(test)]
        if self.faults.write.load(std::sync::atomic::Ordering::SeqCst) {
            // Half of it reaches the file, as on a disk that filled up.
            self.live.write_all(&bytes[..bytes.len() / 2])?;
            return Err(io::Error::other("injected: the write failed"));
        }
        self.live.write_all(bytes)?;
        self.live.sync_data()
    }

    fn cut_back(&mut self) -> io::Result<()> {
        #[cfg(test)]
        if self
            .faults
            .truncate
            .load(std::sync::atomic::Ordering::SeqCst)
        {
            return Err(io::Error::other("injected: the truncate failed"));
        }
        self.live.set_len(self.live_len)?;
        self.live.sync_data()
    }

    pub fn last_seq(&self) -> u64 {
        self.last_seq
    }

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

/// What a snapshot holds: a copy of the registry's tables (the items are
/// shared, so taking it is cheap) and their next uids.
pub(crate) struct SnapshotParts {
    identifiers: Vec<Arc<Identifier>>,
    profiles: Vec<Arc<TimeProfile>>,
    apartments: Vec<Arc<Apartment>>,
    next_uid: u32,
    next_profile_uid: u32,
    next_apartment_uid: u32,
}

impl SnapshotParts {
    pub(crate) fn of(registry: &Registry) -> Self {
        SnapshotParts {
            identifiers: registry.iter().cloned().collect(),
            profiles: registry.profiles().cloned().collect(),
            apartments: registry.apartments().cloned().collect(),
            next_uid: registry.next_uid(),
            next_profile_uid: registry.next_profile_uid(),
            next_apartment_uid: registry.next_apartment_uid(),
        }
    }
}

/// The sealed text of a snapshot.
pub(crate) fn snapshot_text(parts: &SnapshotParts, last_seq: u64) -> io::Result<String> {
    #[derive(serde::Serialize)]
    struct Snapshot<'a> {
        format: i64,
        last_seq: u64,
        next_uid: u32,
        next_time_profile_uid: u32,
        next_apartment_uid: u32,
        time_profile: &'a [ProfileRecord],
        apartment: &'a [ApartmentRecord],
        identifier: &'a [Record],
    }
    let records: Vec<Record> = parts
        .identifiers
        .iter()
        .map(|i| Record::from(i.as_ref()))
        .collect();
    let profiles: Vec<ProfileRecord> = parts
        .profiles
        .iter()
        .map(|p| ProfileRecord::from(p.as_ref()))
        .collect();
    let apartments: Vec<ApartmentRecord> = parts
        .apartments
        .iter()
        .map(|a| ApartmentRecord::from(a.as_ref()))
        .collect();
    let body = toml::to_string(&Snapshot {
        format: SNAPSHOT_FORMAT,
        last_seq,
        next_uid: parts.next_uid,
        next_time_profile_uid: parts.next_profile_uid,
        next_apartment_uid: parts.next_apartment_uid,
        time_profile: &profiles,
        apartment: &apartments,
        identifier: &records,
    })
    .map_err(io::Error::other)?;
    Ok(seal(&format!(
        "# latchd identifier snapshot, replaced atomically. Mutations after\n\
         # last_seq are in the journal-*.toml segments beside it. Sealed:\n\
         # after an edit by hand, `latchd --reseal CONFIG` accepts it.\n{body}"
    )))
}

/// Writes `identifiers.toml` atomically, then deletes the segments it covers.
fn write_snapshot(
    dir: &Path,
    parts: &SnapshotParts,
    last_seq: u64,
    covered: &[PathBuf],
) -> io::Result<u64> {
    let text = snapshot_text(parts, last_seq)?;
    let tmp = dir.join(format!("{SNAPSHOT}.tmp"));
    if let Err(e) = write_synced(&tmp, &text).and_then(|_| fs::rename(&tmp, dir.join(SNAPSHOT))) {
        let _ = fs::remove_file(&tmp);
        return Err(e);
    }
    sync_dir(dir)?;
    for path in covered {
        fs::remove_file(path).or_else(|e| match e.kind() {
            io::ErrorKind::NotFound => Ok(()),
            _ => Err(e),
        })?;
    }
    sync_dir(dir)?;
    Ok(text.len() as u64)
}

fn sync_dir(dir: &Path) -> io::Result<()> {
    File::open(dir)?.sync_all()
}

/// Writes a snapshot of `registry` into an empty folder (tests and benchmarks
/// prepare large databases with it).
pub fn write_fresh(dir: &Path, registry: &Registry) -> io::Result<()> {
    private::create_folder(dir)?;
    write_snapshot(dir, &SnapshotParts::of(registry), 0, &[]).map(|_| ())
}

#[cfg(test)]
pub(crate) mod testing {
    use std::sync::atomic::AtomicBool;

    /// Failures a test makes the live segment's writes and truncates meet.
    #[derive(Default)]
    pub struct Faults {
        pub write: AtomicBool,
        pub truncate: AtomicBool,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const RECORD: &str = r#"owner_name = "A", owner_type = "owner", lock = "first", time = { is_permanent = true }, passes = { is_permanent = true }, passes_left = -1"#;

    /// A journal of `lines` (`put = [...], remove = [...], next_uid = N }`
    /// from mutation 1), with right checksums, read on its own.
    fn replay(lines: &[String]) -> Result<Registry, String> {
        let mut journal = String::new();
        for (n, content) in lines.iter().enumerate() {
            let seq = n as u64 + 1;
            journal.push_str(&format!(
                "{seq} = {{ crc = {}, {content}\n",
                checksum(seq, content)
            ));
        }
        let path = Path::new("/data/journal-00000000000000000001.toml");
        read_data(
            Path::new("/data/identifiers.toml"),
            None,
            || Ok(vec![path.to_path_buf()]),
            |_| Ok(journal.clone().into_bytes()),
            Rules::default(),
        )
        .map(|loaded| loaded.registry)
        .map_err(|e| e.to_string())
    }

    fn put(items: &[(u32, &str, &str)], next_uid: u32) -> String {
        let items: Vec<String> = items
            .iter()
            .map(|(uid, kind, number)| {
                format!("{{ uid = {uid}, type = \"{kind}\", number = \"{number}\", {RECORD} }}")
            })
            .collect();
        format!(
            "put = [{}], remove = [], next_uid = {next_uid} }}",
            items.join(", ")
        )
    }

    /// A time profile, an apartment and an identifier using both, through a
    /// journal line each and through a snapshot: everything reads back, and
    /// deleting the profile and the apartment frees the identifier.
    #[test]
    fn profiles_and_apartments_round_trip_through_journal_and_snapshot() {
        use crate::domain::registry::Registry;
        let mut r = Registry::new(Rules::default());
        let profile = r#"{"name":"Days","time_options":{"is_all_day":true,"date_from":0,"date_to":0},"repeat_options":{"repeat_enable":true,"repeat_format":{"repeat_type":"day","repeat_end":{"format":"never"}}}}"#;
        let apartment = r#"{"apartment_name":"Flat \"7\"","apartment_address":{"building":2,"unit":1,"floor":3,"room":4},"residents":{"count":2}}"#;
        let mut lines = Vec::new();
        let mut step = |r: &mut Registry, change: Change| {
            lines.push(format_line(lines.len() as u64 + 1, &change));
            r.apply(&change);
        };
        let (p, c) = r.create_profile(profile).unwrap();
        step(&mut r, c);
        let (a, c) = r.create_apartment(apartment).unwrap();
        step(&mut r, c);
        let (i, c) = r.create(r#"{"identifier_owner":{"name":"A","type":"owner"},"identifier_type":"card","identifier_number":"7","lock":"first"}"#).unwrap();
        step(&mut r, c);
        let c = r.attach_profile(i, p).unwrap();
        step(&mut r, c);
        let c = r.bind(a, i).unwrap();
        step(&mut r, c);
        let journal = lines.concat();
        let read = |snapshot: Option<&str>, journal: &str| {
            read_data(
                Path::new("/data/identifiers.toml"),
                snapshot,
                || {
                    Ok(vec![PathBuf::from(
                        "/data/journal-00000000000000000001.toml",
                    )])
                },
                |_| Ok(journal.as_bytes().to_vec()),
                Rules::default(),
            )
            .map_err(|e| e.to_string())
        };
        let loaded = read(None, &journal).unwrap().registry;
        assert_eq!(loaded.get(i).unwrap(), r.get(i).unwrap());
        assert_eq!(loaded.get_profile(p).unwrap(), r.get_profile(p).unwrap());
        assert_eq!(
            loaded.get_apartment(a).unwrap(),
            r.get_apartment(a).unwrap()
        );
        loaded.check_invariants().unwrap();
        // The same state as a snapshot, with an empty journal after it.
        let snapshot = snapshot_text(&SnapshotParts::of(&r), 5).unwrap();
        let from_snapshot = read(Some(&snapshot), "").unwrap().registry;
        assert_eq!(from_snapshot.get(i).unwrap(), r.get(i).unwrap());
        assert_eq!(
            from_snapshot.get_profile(p).unwrap(),
            r.get_profile(p).unwrap()
        );
        assert_eq!(from_snapshot.next_profile_uid(), 2);
        assert_eq!(from_snapshot.next_apartment_uid(), 2);
        // Deleting both is one line each that also frees the identifier.
        let mut after = from_snapshot.clone();
        let mut more = String::new();
        let change = after.delete_profile(p).unwrap();
        more.push_str(&format_line(6, &change));
        after.apply(&change);
        let change = after.delete_apartment(a).unwrap();
        more.push_str(&format_line(7, &change));
        let end = read(Some(&snapshot), &more).unwrap().registry;
        let item = end.get(i).unwrap();
        assert_eq!(item["time_profiles"]["count"], 0);
        assert_eq!(item["apartment"]["uid"], -1);
        end.check_invariants().unwrap();
    }

    /// What refers to what is checked at the line that breaks it.
    #[test]
    fn journal_lines_refer_only_to_what_exists() {
        let at = "/data/journal-00000000000000000001.toml:";
        let with_refs = |refs: &str| {
            put(&[(1, "card", "7")], 2)
                .replace("passes_left = -1", &format!("passes_left = -1, {refs}"))
        };
        let profile = r#"profiles = { put = [{ uid = 3, profile = { name = "P", is_all_day = true, date_from = 0, date_to = 0 } }], remove = [], next_uid = 4 }"#;
        let apartment = |uid: u32, room: u32| {
            format!(
            "apartments = {{ put = [{{ uid = {uid}, name = \"A\", building = 1, unit = 0, floor = 0, room = {room}, residents = 0 }}], remove = [] }}"
        )
        };
        let add = |line: &str, table: &str| {
            // The table goes after next_uid, before the line's closing brace.
            let (head, _) = line.rsplit_once(" }").unwrap();
            format!("{head}, {table} }}")
        };
        for (lines, error) in [
            (
                vec![with_refs("time_profiles = [3]")],
                "1: identifier uid 1 has time profile 3, which does not exist",
            ),
            (
                vec![with_refs("apartment = 5")],
                "1: identifier uid 1 is bound to apartment 5, which does not exist",
            ),
            (
                vec![
                    add(&with_refs("time_profiles = [3]"), profile),
                    add(&put(&[], 2), r#"profiles = { put = [], remove = [3] }"#),
                ],
                "2: time profile uid 3 is removed, but identifier uid 1 still has it",
            ),
            (
                vec![add(&put(&[], 1), &apartment(0, 1))],
                "1: apartment uid 0 is not allowed",
            ),
            (
                vec![
                    add(&put(&[], 1), &apartment(1, 1)),
                    add(&put(&[], 1), &apartment(2, 1)),
                ],
                "2: apartment uid 2 has the same logical address as uid 1",
            ),
            (
                vec![add(&put(&[], 1), &apartment(1, 100))],
                "1: apartment uid 1: the logical address is out of the panel's ranges",
            ),
        ] {
            assert_eq!(
                replay(&lines).unwrap_err(),
                format!("{at}{error}"),
                "{lines:?}"
            );
        }
        // Attached in the line that creates the profile: fine.
        let r = replay(&[add(&with_refs("time_profiles = [3]"), profile)]).unwrap();
        r.check_invariants().unwrap();
        assert_eq!(r.next_profile_uid(), 4);
    }

    /// A line whose next_uid is below a uid stored lowered the next uid, so
    /// a Create would have replaced that identifier (found by fuzzing).
    #[test]
    fn a_journal_line_never_lowers_the_next_uid() {
        let r = replay(&[put(&[(6, "card", "7")], 7), put(&[(2, "card", "8")], 3)]).unwrap();
        assert_eq!(r.next_uid(), 7);
        let r = replay(&[put(&[(9, "card", "7")], 2)]).unwrap();
        assert_eq!(r.next_uid(), 10);
        r.check_invariants().unwrap();
    }

    /// What the snapshot reader refuses, the journal refuses too, at its line.
    #[test]
    fn a_journal_line_puts_only_what_a_snapshot_may_hold() {
        let at = "/data/journal-00000000000000000001.toml:";
        for (lines, error) in [
            (
                vec![put(&[(0, "card", "7")], 1)],
                "1: identifier uid 0 is not allowed",
            ),
            (
                vec![put(&[(1, "card", "12:3")], 2)],
                "1: identifier uid 1: identifier_number is not a valid card",
            ),
            (
                vec![put(&[(1, "card", "7"), (2, "card", "00:07")], 3)],
                "1: uid 2 clashes with uid 1",
            ),
            (
                vec![put(&[(1, "card", "7")], 2), put(&[(2, "card", "7")], 3)],
                "2: uid 2 clashes with uid 1",
            ),
        ] {
            assert_eq!(replay(&lines).unwrap_err(), format!("{at}{error}"));
        }
        // Replacing an identifier, or taking the number of one removed, is fine.
        let remove_1 = put(&[(2, "card", "7")], 3).replace("remove = []", "remove = [1]");
        let r = replay(&[
            put(&[(1, "card", "7")], 2),
            put(&[(1, "card", "07")], 2),
            remove_1,
        ])
        .unwrap();
        r.check_invariants().unwrap();
        assert_eq!(r.len(), 1);
    }
}
