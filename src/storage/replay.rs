//! Replaying a journal segment onto the registry: each line checked as the
//! snapshot reader checks its items, in order, a torn last line dropped.

use super::journal::parse_line;
use super::LoadError;
use crate::domain::registry::{Change, Registry};
use std::path::Path;

/// Replays one segment; returns the length of its intact part and whether a
/// torn last line was dropped.
pub(super) fn replay_segment(
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

#[cfg(test)]
mod tests {
    use crate::domain::identifier::Rules;
    use crate::domain::registry::Registry;
    use crate::storage::journal::checksum;
    use crate::storage::load::read_data;
    use std::path::Path;

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
