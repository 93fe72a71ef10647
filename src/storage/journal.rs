//! The journal's segments and its line format:
//! `SEQ = { crc = C, put = [...], remove = [...], next_uid = N }`, with
//! `profiles` and `apartments` parts only on lines that touch them.

use super::record::{self, ApartmentRecord, ProfileRecord, Record};
use super::LoadError;
use crate::domain::identifier::Identifier;
use crate::domain::registry::Change;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::Arc;

pub(crate) fn segment_name(first_seq: u64) -> String {
    format!("journal-{first_seq:020}.toml")
}

pub(super) fn list_segments(dir: &Path) -> Result<Vec<PathBuf>, LoadError> {
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
