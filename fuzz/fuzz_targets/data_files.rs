//! The data folder's snapshot and journal segments, with any content. The
//! input is a mode byte, then the snapshot's text and up to four journal
//! segments, separated by NUL bytes. Mode bits: 1 seals the snapshot (as
//! `latchd --reseal` does) and 2 makes every journal line's checksum right,
//! so that fuzzed content gets past both; 4 means there is no snapshot; 8
//! also writes the files into a fresh temporary folder and reads that with
//! `storage::load` and `Storage::open`; bits 16 and 32 pick the panel rules.
//!
//! Reading never panics. It either fails with an error that names one of
//! the files and, when it names a line, a line of that file; or it gives a
//! database that holds the registry's invariants and that latchd can write
//! back, as a snapshot and as a journal line, and read again unchanged. On
//! disk, loading writes nothing and opening changes nothing but the lock
//! file, a new journal segment and a torn last line; nothing is written
//! outside the folder.
#![no_main]

mod common;

use latchd::domain::apartment::Apartment;
use latchd::domain::identifier::{Identifier, Rules};
use latchd::domain::time_profile::TimeProfile;
use latchd::domain::registry::{Change, Registry, TableChange};
use latchd::file_error::FileError;
use latchd::fuzzing::{self, Data};
use libfuzzer_sys::fuzz_target;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

const SEAL: u8 = 1;
const CHECKSUMS: u8 = 2;
const NO_SNAPSHOT: u8 = 4;
const ON_DISK: u8 = 8;
/// Where the pure reader places the files; never created.
const DIR: &str = "/nonexistent/latchd-data";

#[derive(Debug, PartialEq)]
struct State {
    items: Vec<Arc<Identifier>>,
    next_uid: u32,
    profiles: Vec<Arc<TimeProfile>>,
    apartments: Vec<Arc<Apartment>>,
    next_table_uids: (u32, u32),
}

fn state(r: &Registry) -> State {
    State {
        items: r.iter().cloned().collect(),
        next_uid: r.next_uid(),
        profiles: r.profiles().cloned().collect(),
        apartments: r.apartments().cloned().collect(),
        next_table_uids: (r.next_profile_uid(), r.next_apartment_uid()),
    }
}

fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    let rules = common::rule_sets()[((mode >> 4) % 3) as usize].clone();
    let mut parts = rest.split(|b| *b == 0);
    let snapshot_part = parts.next().unwrap_or_default();
    let mut segments: Vec<Vec<u8>> = parts.take(4).map(<[u8]>::to_vec).collect();
    if mode & CHECKSUMS != 0 {
        segments = segments
            .iter()
            .map(|s| fuzzing::with_checksums(s))
            .collect();
    }
    let snapshot: Option<Vec<u8>> =
        (mode & NO_SNAPSHOT == 0).then(|| match std::str::from_utf8(snapshot_part) {
            Ok(text) if mode & SEAL != 0 => fuzzing::seal(text).into_bytes(),
            _ => snapshot_part.to_vec(),
        });

    // The pure reader, where the snapshot is text at all.
    let dir = Path::new(DIR);
    let snapshot_text = match &snapshot {
        Some(bytes) => match std::str::from_utf8(bytes) {
            Ok(text) => Some(Some(text)),
            Err(_) => None,
        },
        None => Some(None),
    };
    let read = snapshot_text.map(|text| {
        let segment_refs: Vec<&[u8]> = segments.iter().map(Vec::as_slice).collect();
        let read = fuzzing::read_data(dir, text, &segment_refs, rules.clone());
        judge(dir, text, &segments, &read, &rules);
        read
    });

    if mode & ON_DISK != 0 {
        on_disk(snapshot.as_deref(), &segments, read.as_ref(), &rules);
    }
});

/// The file an error names, as the bytes read.
fn file_of<'a>(
    dir: &Path,
    error: &FileError,
    snapshot: Option<&'a str>,
    segments: &'a [Vec<u8>],
) -> Option<&'a [u8]> {
    if error.path == fuzzing::snapshot_path(dir) {
        return snapshot.map(str::as_bytes);
    }
    (1..=segments.len())
        .find(|n| error.path == fuzzing::segment_path(dir, *n as u64))
        .map(|n| segments[n - 1].as_slice())
}

fn judge(
    dir: &Path,
    snapshot: Option<&str>,
    segments: &[Vec<u8>],
    read: &Result<Data, FileError>,
    rules: &Rules,
) {
    let data = match read {
        Err(e) => {
            let file = file_of(dir, e, snapshot, segments)
                .unwrap_or_else(|| panic!("the error names no file read: {e}"));
            assert!(e.to_string().starts_with(&format!("{}", e.path.display())));
            assert!(!e.message.is_empty());
            if let Some(line) = e.line {
                let lines = file.iter().filter(|b| **b == b'\n').count() + 1;
                assert!((1..=lines).contains(&line), "line {line} of {lines}: {e}");
            }
            return;
        }
        Ok(data) => data,
    };
    fuzzing::check_registry(&data.registry)
        .unwrap_or_else(|e| panic!("the data read breaks the database's invariants: {e}"));

    // The torn tail is the last segment's part after its last newline.
    let torn = segments
        .last()
        .is_some_and(|s| !s.is_empty() && !s.ends_with(b"\n"));
    assert_eq!(data.torn_tail, torn);
    for (n, (path, intact)) in data.segments.iter().enumerate() {
        assert_eq!(*path, fuzzing::segment_path(dir, n as u64 + 1));
        let bytes = &segments[n];
        let whole = bytes.iter().rposition(|b| *b == b'\n').map_or(0, |i| i + 1);
        let expected = if n + 1 == segments.len() {
            whole
        } else {
            bytes.len()
        };
        assert_eq!(*intact as usize, expected);
    }

    // What latchd would write of it (a compaction) reads back unchanged.
    let before = state(&data.registry);
    let text = fuzzing::snapshot_text(&data.registry, data.last_seq).unwrap_or_else(|e| {
        panic!(
            "the data read cannot be written as a snapshot (last_seq {}): {e}",
            data.last_seq
        )
    });
    let path = fuzzing::snapshot_path(dir);
    let (again, last_seq) = fuzzing::read_snapshot(&path, &text, rules.clone())
        .unwrap_or_else(|e| panic!("a snapshot latchd writes does not read back: {e}\n{text}"));
    assert_eq!(state(&again), before);
    assert_eq!(last_seq, data.last_seq);

    // And so does one journal line holding all of it.
    let change = Change {
        put: data.registry.iter().cloned().collect(),
        remove: vec![],
        next_uid: data.registry.next_uid(),
        profiles: TableChange {
            put: data.registry.profiles().cloned().collect(),
            remove: vec![],
            next_uid: Some(data.registry.next_profile_uid()),
        },
        apartments: TableChange {
            put: data.registry.apartments().cloned().collect(),
            remove: vec![],
            next_uid: Some(data.registry.next_apartment_uid()),
        },
    };
    let line = fuzzing::journal_line(1, &change);
    assert!(
        line.ends_with('\n') && line.matches('\n').count() == 1,
        "{line:?}"
    );
    let (seq, back) = fuzzing::parse_journal_line(line.trim_end_matches('\n'))
        .unwrap_or_else(|e| panic!("a journal line latchd writes does not read back: {e}\n{line}"));
    assert_eq!((seq, &back), (1, &change));
    let replayed = fuzzing::read_data(dir, None, &[line.as_bytes()], rules.clone())
        .unwrap_or_else(|e| panic!("a journal latchd writes does not load: {e}"));
    assert_eq!(state(&replayed.registry), before);
}

/// The folder's files and their contents.
fn listing(dir: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    let mut files = BTreeMap::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        let content = if path.is_dir() {
            listing(&path)
                .into_iter()
                .flat_map(|(p, c)| [p.into_os_string().into_encoded_bytes(), c])
                .flatten()
                .collect()
        } else {
            std::fs::read(&path).unwrap()
        };
        files.insert(path, content);
    }
    files
}

fn on_disk(
    snapshot: Option<&[u8]>,
    segments: &[Vec<u8>],
    pure: Option<&Result<Data, FileError>>,
    rules: &Rules,
) {
    let root = tempfile::tempdir().unwrap();
    let dir = root.path().join("data");
    std::fs::create_dir(&dir).unwrap();
    if let Some(bytes) = snapshot {
        std::fs::write(fuzzing::snapshot_path(&dir), bytes).unwrap();
    }
    for (n, bytes) in segments.iter().enumerate() {
        std::fs::write(fuzzing::segment_path(&dir, n as u64 + 1), bytes).unwrap();
    }
    let before = listing(&dir);

    // Loading writes nothing, and reads the folder as the pure reader does.
    let loaded = latchd::storage::load(&dir, rules.clone());
    assert_eq!(listing(&dir), before, "loading changed the folder");
    if let Err(e) = &loaded {
        assert!(e.path.starts_with(&dir), "{e}");
    }
    match (pure, &loaded) {
        (None, loaded) => assert!(loaded.is_err(), "a snapshot that is not UTF-8 loaded"),
        (Some(Ok(data)), Ok(loaded)) => {
            assert_eq!(state(&loaded.registry), state(&data.registry));
            assert_eq!(loaded.last_seq, data.last_seq);
            assert_eq!(loaded.torn_tail, data.torn_tail);
        }
        (Some(Err(pure)), Err(loaded)) => {
            // The same message, about the same file in the other folder.
            assert_eq!(pure.message, loaded.message);
            assert_eq!(pure.line, loaded.line);
            assert_eq!(pure.path.file_name(), loaded.path.file_name());
        }
        (Some(pure), loaded) => panic!(
            "the folder and its contents read differently: {:?} and {:?}",
            pure.as_ref().err().map(ToString::to_string),
            loaded.as_ref().err().map(ToString::to_string)
        ),
    }

    // Opening changes the folder only as it says.
    let opened = latchd::storage::Storage::open(&dir, rules.clone());
    let after = listing(&dir);
    match (&loaded, opened) {
        (Ok(loaded), Ok((storage, registry))) => {
            assert_eq!(state(&registry), state(&loaded.registry));
            drop(storage);
            let mut expected = before.clone();
            expected.insert(dir.join(".lock"), Vec::new());
            if segments.is_empty() {
                expected.insert(fuzzing::segment_path(&dir, loaded.last_seq + 1), Vec::new());
            } else if loaded.torn_tail {
                let last = fuzzing::segment_path(&dir, segments.len() as u64);
                let bytes = expected.get_mut(&last).unwrap();
                let whole = bytes.iter().rposition(|b| *b == b'\n').map_or(0, |i| i + 1);
                bytes.truncate(whole);
            }
            assert_eq!(after, expected, "opening changed more than it says");
        }
        (Ok(_), Err(e)) => panic!("the folder loads but does not open: {e}"),
        (Err(_), Ok(_)) => panic!("the folder opens but does not load"),
        (Err(_), Err(_)) => {
            let mut expected = before.clone();
            expected.insert(dir.join(".lock"), Vec::new());
            assert_eq!(after, expected, "a refused open changed the folder");
        }
    }
    // Nothing beside the data folder.
    let names: Vec<_> = std::fs::read_dir(root.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(names, [std::ffi::OsString::from("data")]);
}
