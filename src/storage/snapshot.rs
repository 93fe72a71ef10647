//! The snapshot `identifiers.toml`: reading it, and writing it atomically
//! (at compaction and for a fresh folder).

use super::record::{ApartmentRecord, ProfileRecord, Record};
use super::seal::{check_seal, seal};
use super::{private, sync_dir, LoadError, SNAPSHOT};
use crate::domain::apartment::Apartment;
use crate::domain::identifier::Identifier;
use crate::domain::registry::Registry;
use crate::domain::time_profile::TimeProfile;
use crate::file_error::line_of;
use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;

const SNAPSHOT_FORMAT: i64 = 1;

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

pub(super) fn write_synced(path: &Path, text: &str) -> io::Result<()> {
    let mut file = private::options()
        .create(true)
        .truncate(true)
        .write(true)
        .open(path)?;
    file.write_all(text.as_bytes())?;
    file.sync_all()
}

/// What a snapshot holds: a copy of the registry's tables (the items are
/// shared, so taking it is cheap) and their next uids.
pub(crate) struct SnapshotParts {
    pub(super) identifiers: Vec<Arc<Identifier>>,
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
pub(super) fn write_snapshot(
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

/// Writes a snapshot of `registry` into an empty folder (tests and benchmarks
/// prepare large databases with it).
pub fn write_fresh(dir: &Path, registry: &Registry) -> io::Result<()> {
    private::create_folder(dir)?;
    write_snapshot(dir, &SnapshotParts::of(registry), 0, &[]).map(|_| ())
}
