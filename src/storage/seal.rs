//! The snapshot's seal: a CRC-32 line that makes an edit outside latchd
//! show, and `--reseal`, which accepts such an edit on purpose.

use super::snapshot::{read_snapshot, write_synced};
use super::{io_at, load, lock_folder, sync_dir, LoadError, OpenError, SNAPSHOT};
use crate::domain::identifier::Rules;
use crate::domain::registry::Registry;
use std::fs;
use std::path::Path;

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

pub(super) fn check_seal(path: &Path, text: &str) -> Result<(), LoadError> {
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
