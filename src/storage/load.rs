//! Loading: the snapshot, then every journal segment on top of it, into a
//! registry, writing nothing.

use super::journal::list_segments;
use super::replay::replay_segment;
use super::snapshot::read_snapshot;
use super::{LoadError, SNAPSHOT};
use crate::domain::identifier::Rules;
use crate::domain::registry::Registry;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};

/// What was read from the folder, before anything is written to it.
pub struct Loaded {
    pub registry: Registry,
    /// The sequence number of the last mutation read.
    pub last_seq: u64,
    /// Journal segments in order, with the byte length of their intact part.
    pub(crate) segments: Vec<(PathBuf, u64)>,
    /// Whether the last segment ends in an incomplete line (a write cut short by a crash).
    pub torn_tail: bool,
    pub(super) snapshot_bytes: u64,
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
pub(super) fn check_folder(dir: &Path) -> Result<(), LoadError> {
    match fs::metadata(dir) {
        Ok(meta) if !meta.is_dir() => Err(LoadError::at(
            dir,
            None,
            "not a folder ([storage] dir must name a folder for latchd's data)",
        )),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::registry::Change;
    use crate::storage::journal::format_line;
    use crate::storage::snapshot::{snapshot_text, SnapshotParts};

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
}
