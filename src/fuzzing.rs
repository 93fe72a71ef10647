//! Entry points for the fuzz targets in `fuzz/`: the pure parts of readers
//! that otherwise sit behind a folder, a file or the bus, and the checks the
//! targets assert. Not an API: each follows the code it exposes, and none
//! changes what latchd does.

use crate::domain::identifier::Rules;
use crate::domain::registry::{Change, Registry};
use crate::file_error::FileError;
use std::collections::VecDeque;
use std::path::{Path, PathBuf};

/// ListEvents as the bus object answers it, over the events kept (oldest
/// first): the reply, or the message of the error the caller gets.
pub fn list_events(query: &str, recent: &VecDeque<String>) -> Result<String, String> {
    let (limit, page) =
        crate::dbus::access::events_query(query).map_err(|e| e.name_and_message().1)?;
    let (total, events) = crate::access::events::page_of(recent, limit, page);
    Ok(crate::dbus::access::events_page(
        limit, page, total, &events,
    ))
}

/// What the bytes of an event log read as (see `EventLog::open`).
pub struct EventLogRead {
    /// The newest `keep` events, oldest first.
    pub recent: VecDeque<String>,
    /// Lines read, skipped ones included.
    pub lines: usize,
    /// Where the whole lines end: a last line without newline is cut here.
    pub whole: usize,
    /// Lines (from 1) that do not read back.
    pub skipped: Vec<usize>,
}

pub fn read_event_log(bytes: &[u8], keep: usize) -> EventLogRead {
    let read = crate::access::events::read_log(bytes, keep);
    EventLogRead {
        recent: read.recent,
        lines: read.lines,
        whole: read.whole,
        skipped: read.skipped,
    }
}

/// The line the event log writes for `event`, newline included.
pub fn event_line(event: &str) -> String {
    crate::access::events::format_line(event)
}

/// The event of one line of the event log, if it reads back.
pub fn parse_event_line(line: &str) -> Option<String> {
    crate::access::events::parse_line(line)
}

/// What `storage::load` reads from a data folder.
pub struct Data {
    pub registry: Registry,
    pub last_seq: u64,
    pub torn_tail: bool,
    /// Each journal segment with the length of its intact part.
    pub segments: Vec<(PathBuf, u64)>,
}

/// The snapshot's path in `dir`.
pub fn snapshot_path(dir: &Path) -> PathBuf {
    dir.join(crate::storage::SNAPSHOT)
}

/// The path of the journal segment whose first mutation is `first_seq`.
pub fn segment_path(dir: &Path, first_seq: u64) -> PathBuf {
    dir.join(crate::storage::segment_name(first_seq))
}

/// What `storage::load(dir, rules)` makes of a folder holding this snapshot
/// text (None: no snapshot) and these journal segments, in this order, at
/// `segment_path(dir, 1)`, `segment_path(dir, 2)`, ...
pub fn read_data(
    dir: &Path,
    snapshot: Option<&str>,
    segments: &[&[u8]],
    rules: Rules,
) -> Result<Data, FileError> {
    let paths: Vec<PathBuf> = (1..=segments.len() as u64)
        .map(|n| segment_path(dir, n))
        .collect();
    let loaded = crate::storage::read_data(
        &snapshot_path(dir),
        snapshot,
        || Ok(paths.clone()),
        |path| {
            let n = paths.iter().position(|p| p == path).expect("a listed path");
            Ok(segments[n].to_vec())
        },
        rules,
    )?;
    Ok(Data {
        registry: loaded.registry,
        last_seq: loaded.last_seq,
        torn_tail: loaded.torn_tail,
        segments: loaded.segments,
    })
}

/// `text` with its seal made anew (as `latchd --reseal` does), so that
/// fuzzed snapshots get past the seal to the content.
pub fn seal(text: &str) -> String {
    let unsealed = match crate::storage::find_seal(text) {
        Some((range, _)) => format!("{}{}", &text[..range.start], &text[range.end..]),
        None => text.to_string(),
    };
    crate::storage::seal(&unsealed)
}

/// The journal with the checksum of every line that has the shape of a
/// journal line made right, so that fuzzed lines get past it.
pub fn with_checksums(journal: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(journal.len() + 16);
    for raw in journal.split_inclusive(|b| *b == b'\n') {
        let (line, newline) = match raw.strip_suffix(b"\n") {
            Some(line) => (line, true),
            None => (raw, false),
        };
        let fixed = std::str::from_utf8(line).ok().and_then(|line| {
            let (seq_text, rest) = line.split_once(" = { crc = ")?;
            let seq: u64 = seq_text.parse().ok()?;
            let (_, content) = rest.split_once(", ")?;
            let crc = crate::storage::checksum(seq, content);
            Some(format!("{seq_text} = {{ crc = {crc}, {content}"))
        });
        match fixed {
            Some(fixed) => out.extend_from_slice(fixed.as_bytes()),
            None => out.extend_from_slice(line),
        }
        if newline {
            out.push(b'\n');
        }
    }
    out
}

/// The snapshot latchd writes of `registry` after mutation `last_seq`.
pub fn snapshot_text(registry: &Registry, last_seq: u64) -> std::io::Result<String> {
    crate::storage::snapshot_text(&crate::storage::SnapshotParts::of(registry), last_seq)
}

/// A snapshot's text read back: the registry and its `last_seq`.
pub fn read_snapshot(path: &Path, text: &str, rules: Rules) -> Result<(Registry, u64), FileError> {
    let mut registry = Registry::new(rules);
    let last_seq = crate::storage::read_snapshot(path, text, &mut registry)?;
    Ok((registry, last_seq))
}

/// The journal line latchd appends for `change` as mutation `seq`.
pub fn journal_line(seq: u64, change: &Change) -> String {
    crate::storage::format_line(seq, change)
}

/// One journal line (without its newline) read back.
pub fn parse_journal_line(line: &str) -> Result<(u64, Change), String> {
    crate::storage::parse_line(line)
}

/// The registry's invariants (see `Registry::check_invariants`).
pub fn check_registry(registry: &Registry) -> Result<(), String> {
    registry.check_invariants()
}
