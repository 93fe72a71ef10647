//! Tables for people, from latchd's JSON.
//!
//! Everything shown to a person passes through [`escape`]: names and other
//! text come from whoever created them (an imported file, a reader, another
//! operator), and a terminal must not take any of it as a command.

use crate::body::format_time;
use serde_json::Value;

/// `text` with nothing a terminal acts on: the C0 controls (ESC, CR, LF,
/// TAB, backspace ...), DEL, the C1 controls (U+0080 to U+009F), the line
/// and paragraph separators and the Unicode bidi controls (U+061C,
/// U+200E, U+200F, U+202A to U+202E, U+2066 to U+2069) are written as
/// `\n`, `\r`, `\t`, `\x1b` or `\u{202e}`, and a backslash as `\\`, so
/// the escaped text reads back unambiguously. Every other character is
/// kept. This is the one place human-readable output is made safe; JSON
/// output does not come here (serde_json escapes controls itself).
pub fn escape(text: &str) -> String {
    use std::fmt::Write;
    if !text.chars().any(needs_escape) {
        return text.to_string();
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c.is_ascii_control() => {
                let _ = write!(out, "\\x{:02x}", c as u32);
            }
            c if needs_escape(c) => {
                let _ = write!(out, "\\u{{{:x}}}", c as u32);
            }
            c => out.push(c),
        }
    }
    out
}

/// Whether [`escape`] changes `c`.
fn needs_escape(c: char) -> bool {
    matches!(c,
        '\\'
        | '\u{0}'..='\u{1f}'
        | '\u{7f}'..='\u{9f}'
        | '\u{61c}'
        | '\u{200e}' | '\u{200f}'
        | '\u{2028}'..='\u{202e}'
        | '\u{2066}'..='\u{2069}')
}

/// Columns aligned to their widest cell, two spaces apart; the last column
/// is not padded. Every cell is [`escape`]d, and the widths are those of
/// the escaped cells.
pub fn table(header: &[&str], rows: &[Vec<String>]) -> String {
    let header: Vec<String> = header.iter().map(|h| escape(h)).collect();
    let rows: Vec<Vec<String>> = rows
        .iter()
        .map(|row| row.iter().map(|cell| escape(cell)).collect())
        .collect();
    let mut widths: Vec<usize> = header.iter().map(|h| h.chars().count()).collect();
    for row in &rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let mut out = String::new();
    for row in std::iter::once(&header).chain(&rows) {
        let mut line = String::new();
        for (i, cell) in row.iter().enumerate() {
            if i + 1 < row.len() {
                line.push_str(&format!("{cell:<width$}  ", width = widths[i]));
            } else {
                line.push_str(cell);
            }
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

fn text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

pub const IDENTIFIER_COLUMNS: [&str; 7] = [
    "UID",
    "TYPE",
    "NUMBER",
    "OWNER",
    "LOCK",
    "VALID",
    "PASSES LEFT",
];

/// The owner's name, and `(guest)` for a guest.
fn owner(item: &Value) -> String {
    let o = &item["identifier_owner"];
    match o["type"].as_str() {
        Some("owner") | None => text(&o["name"]),
        Some(kind) => format!("{} ({kind})", text(&o["name"])),
    }
}

/// `always`, or the window in UTC.
fn validity(item: &Value) -> String {
    let time = &item["valid"]["time"];
    if time["is_permanent"] != Value::Bool(false) {
        return "always".into();
    }
    let at = |v: &Value| v.as_i64().map_or_else(|| text(v), format_time);
    format!("{} to {}", at(&time["from"]), at(&time["to"]))
}

/// `unlimited`, or what is left of the maximum (`7 of 10`).
fn passes(item: &Value) -> String {
    let passes = &item["valid"]["passes"];
    if passes["is_permanent"] != Value::Bool(false) {
        return "unlimited".into();
    }
    format!(
        "{} of {}",
        text(&item["additional"]["passes_left"]),
        text(&passes["max_passes"])
    )
}

pub fn identifier_row(item: &Value) -> Vec<String> {
    vec![
        text(&item["identifier_uid"]),
        text(&item["identifier_type"]),
        text(&item["identifier_number"]),
        owner(item),
        text(&item["lock"]),
        validity(item),
        passes(item),
    ]
}

/// One identifier, a field a line.
pub fn identifier(item: &Value) -> String {
    let apartment = match item["apartment"]["uid"].as_i64() {
        Some(uid) if uid >= 0 => uid.to_string(),
        _ => "none".into(),
    };
    let profiles = uid_list(&item["time_profiles"]);
    let rows = [
        ("uid", text(&item["identifier_uid"])),
        ("type", text(&item["identifier_type"])),
        ("number", text(&item["identifier_number"])),
        ("owner", text(&item["identifier_owner"]["name"])),
        ("owner type", text(&item["identifier_owner"]["type"])),
        ("lock", text(&item["lock"])),
        ("valid", validity(item)),
        ("passes left", passes(item)),
        ("apartment", apartment),
        ("time profiles", profiles),
    ];
    fields(&rows)
}

/// The uids of `{"count": N, "uid_items": [...]}`, or `none`.
fn uid_list(v: &Value) -> String {
    match v["uid_items"].as_array() {
        Some(uids) if !uids.is_empty() => uids.iter().map(text).collect::<Vec<_>>().join(", "),
        _ => "none".into(),
    }
}

/// The number of `{"count": N, ...}`, 0 when absent.
fn count(v: &Value) -> String {
    match &v["count"] {
        Value::Null => "0".into(),
        n => text(n),
    }
}

pub const PROFILE_COLUMNS: [&str; 4] = ["UID", "NAME", "REPEAT", "IDENTIFIERS"];

/// The repeat type: `none` when it does not repeat, `-` when latchd did
/// not say.
fn repeat_type(item: &Value) -> String {
    let repeat = &item["repeat_options"];
    match repeat["repeat_enable"] {
        Value::Bool(false) => "none".into(),
        Value::Bool(true) => text(&repeat["repeat_format"]["repeat_type"]),
        _ => "-".into(),
    }
}

/// How a profile repeats, in words: `every week`, `custom: every 2 weeks
/// on MON, FRI`.
fn repeat_words(item: &Value) -> String {
    let kind = repeat_type(item);
    let format = &item["repeat_options"]["repeat_format"];
    match kind.as_str() {
        "none" | "-" => kind,
        "twoWeeks" => "every two weeks".into(),
        "custom" => {
            let custom = &format["repeat_custom"];
            let point = text(&custom["repeat_point_type"]);
            let every = match custom["repeat_looper"].as_u64() {
                Some(1) | None => format!("every {point}"),
                Some(n) => format!("every {n} {point}s"),
            };
            match &custom["repeat_options"] {
                Value::Array(list) if !list.is_empty() => format!(
                    "custom: {every} on {}",
                    list.iter().map(text).collect::<Vec<_>>().join(", ")
                ),
                Value::Null | Value::Array(_) => format!("custom: {every}"),
                other => format!("custom: {every}, {other}"),
            }
        }
        other => format!("every {other}"),
    }
}

/// When the repeat ends: `never`, or its date in UTC.
fn repeat_until(item: &Value) -> String {
    let end = &item["repeat_options"]["repeat_format"]["repeat_end"];
    match end["date"].as_i64() {
        Some(date) if end["format"] == "date" => format_time(date),
        _ => "never".into(),
    }
}

pub fn profile_row(item: &Value) -> Vec<String> {
    vec![
        text(&item["timeprofile_uid"]),
        text(&item["name"]),
        repeat_type(item),
        count(&item["identifiers"]),
    ]
}

/// One time profile, a field a line.
pub fn profile(item: &Value) -> String {
    let time = &item["time_options"];
    let at = |v: &Value| v.as_i64().map_or_else(|| text(v), format_time);
    let mut rows = vec![
        ("uid", text(&item["timeprofile_uid"])),
        ("name", text(&item["name"])),
        ("from", at(&time["date_from"])),
        ("to", at(&time["date_to"])),
        (
            "all day",
            if time["is_all_day"] == Value::Bool(true) {
                "yes"
            } else {
                "no"
            }
            .into(),
        ),
        ("repeat", repeat_words(item)),
    ];
    if item["repeat_options"]["repeat_enable"] == Value::Bool(true) {
        rows.push(("until", repeat_until(item)));
    }
    rows.push(("identifiers", uid_list(&item["identifiers"])));
    fields(&rows)
}

pub const APARTMENT_COLUMNS: [&str; 8] = [
    "UID",
    "NAME",
    "BUILDING",
    "UNIT",
    "FLOOR",
    "ROOM",
    "RESIDENTS",
    "IDENTIFIERS",
];

pub fn apartment_row(item: &Value) -> Vec<String> {
    let address = &item["apartment_address"];
    vec![
        text(&item["apartment_uid"]),
        text(&item["apartment_name"]),
        text(&address["building"]),
        text(&address["unit"]),
        text(&address["floor"]),
        text(&address["room"]),
        count(&item["residents"]),
        count(&item["identifiers"]),
    ]
}

/// One apartment, a field a line.
pub fn apartment(item: &Value) -> String {
    let address = &item["apartment_address"];
    fields(&[
        ("uid", text(&item["apartment_uid"])),
        ("name", text(&item["apartment_name"])),
        ("building", text(&address["building"])),
        ("unit", text(&address["unit"])),
        ("floor", text(&address["floor"])),
        ("room", text(&address["room"])),
        ("residents", count(&item["residents"])),
        ("identifiers", uid_list(&item["identifiers"])),
    ])
}

/// Names and values, a pair a line, the values aligned and [`escape`]d.
fn fields(rows: &[(&str, String)]) -> String {
    let width = rows.iter().map(|(k, _)| k.len()).max().unwrap_or(0);
    rows.iter()
        .map(|(k, v)| format!("{k:<width$}  {}\n", escape(v)))
        .collect()
}

/// `page 1 of 2 (18 identifiers)` under a listed page.
pub fn page_footer(page: &Value, what: &str) -> String {
    let p = &page["list_option"]["pagination"];
    let total = p["total_items"].as_u64().unwrap_or(0);
    let what = if total == 1 {
        what.trim_end_matches('s')
    } else {
        what
    };
    escape(&format!(
        "page {} of {} ({total} {what})",
        text(&p["current_page"]),
        text(&p["total_pages"]),
    )) + "\n"
}

pub const EVENT_COLUMNS: [&str; 8] = [
    "TIME", "SOURCE", "TYPE", "NUMBER", "UID", "GRANTED", "REASON", "LOCKS",
];

pub fn event_row(event: &Value) -> Vec<String> {
    let time = event["time"]
        .as_i64()
        .map_or_else(|| text(&event["time"]), format_time);
    let uid = match event["identifier_uid"].as_i64() {
        Some(uid) if uid >= 0 => uid.to_string(),
        _ => "-".into(),
    };
    let dash = |s: String| if s.is_empty() { "-".to_string() } else { s };
    let locks = event["locks"]
        .as_array()
        .map(|l| l.iter().map(text).collect::<Vec<_>>().join(","))
        .unwrap_or_default();
    vec![
        time,
        dash(text(&event["source"])),
        dash(text(&event["identifier_type"])),
        dash(text(&event["identifier_number"])),
        uid,
        if event["granted"] == Value::Bool(true) {
            "yes"
        } else {
            "no"
        }
        .into(),
        dash(text(&event["reason"])),
        dash(locks),
    ]
}

/// The widths `events follow` pads to: it cannot know the rows to come.
pub const FOLLOW_WIDTHS: [usize; 7] = [20, 12, 13, 12, 5, 7, 20];

/// One row padded to fixed widths (wider cells push the rest along), its
/// cells [`escape`]d.
pub fn fixed_row(cells: &[String], widths: &[usize]) -> String {
    let mut line = String::new();
    for (i, cell) in cells.iter().enumerate() {
        let cell = escape(cell);
        match widths.get(i) {
            Some(w) if i + 1 < cells.len() => line.push_str(&format!("{cell:<w$}  ")),
            _ => line.push_str(&cell),
        }
    }
    line.trim_end().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// Whether a terminal would act on `c`: what [`escape`] must never let through.
    fn hostile(c: char) -> bool {
        c.is_control()
            || matches!(c, '\u{61c}' | '\u{200e}' | '\u{200f}' | '\u{2028}'..='\u{202e}'
                | '\u{2066}'..='\u{2069}')
    }

    /// Nothing but the line ends of `out` is a control character.
    #[track_caller]
    fn assert_inert(out: &str) {
        for line in out.split('\n') {
            assert!(!line.chars().any(hostile), "{out:?}");
        }
    }

    #[test]
    fn escape_shows_controls_bidi_and_backslashes() {
        assert_eq!(escape("Alice Zoë 名前"), "Alice Zoë 名前");
        assert_eq!(
            escape("\x1b]0;owned\x07\x1b[2J\r\n\t\x08\x7f\0"),
            "\\x1b]0;owned\\x07\\x1b[2J\\r\\n\\t\\x08\\x7f\\x00"
        );
        assert_eq!(escape("\u{85}\u{9b}2J\u{80}"), "\\u{85}\\u{9b}2J\\u{80}");
        assert_eq!(
            escape("a\u{202e}b\u{202a}\u{2066}\u{2069}\u{200e}\u{200f}\u{61c}\u{2028}\u{2029}"),
            "a\\u{202e}b\\u{202a}\\u{2066}\\u{2069}\\u{200e}\\u{200f}\\u{61c}\\u{2028}\\u{2029}"
        );
        // A backslash is doubled, so a name that is itself `\x1b` reads
        // differently from an escape character.
        assert_eq!(escape("\\x1b"), "\\\\x1b");
        assert_ne!(escape("\\x1b"), escape("\x1b"));
        // Every character that is a control, whatever else is around it.
        for c in (0..=0x10ffff).filter_map(char::from_u32) {
            let shown = escape(&format!("a{c}b"));
            assert!(!shown.chars().any(hostile), "{c:?} shown as {shown:?}");
            assert!(shown.starts_with('a') && shown.ends_with('b'));
        }
    }

    #[test]
    fn tables_and_fields_show_hostile_text_escaped_and_aligned() {
        let name = "\x1b]0;owned\x07\x1b[2J\rEvil\u{202e}gnp.exe";
        let shown = "\\x1b]0;owned\\x07\\x1b[2J\\rEvil\\u{202e}gnp.exe";
        let item = json!({"identifier_uid": 5, "identifier_owner": {"name": name, "type": "guest\x08"},
            "identifier_type": "card", "identifier_number": "12:34:56:79", "lock": "first\n",
            "valid": {"time": {"is_permanent": true}, "passes": {"is_permanent": true}},
            "additional": {"passes_left": -1}});
        let plain = json!({"identifier_uid": 6, "identifier_owner": {"name": "Bob", "type": "owner"},
            "identifier_type": "card", "identifier_number": "1", "lock": "all",
            "valid": {"time": {"is_permanent": true}, "passes": {"is_permanent": true}},
            "additional": {"passes_left": -1}});
        let out = table(
            &IDENTIFIER_COLUMNS,
            &[identifier_row(&item), identifier_row(&plain)],
        );
        assert_inert(&out);
        let lines: Vec<&str> = out.lines().collect();
        assert_eq!(lines.len(), 3, "{out}");
        let owner = format!("{shown} (guest\\x08)");
        assert!(
            lines[1].contains(&format!("{owner}  first\\n  always")),
            "{out}"
        );
        // The widths are those of the escaped text: LOCK starts where the
        // escaped owner ends, on every line.
        let lock_at = lines[1].find("first\\n").unwrap();
        assert_eq!(lines[0].find("LOCK"), Some(lock_at));
        assert_eq!(lines[2].find("all"), Some(lock_at));
        let one = identifier(&item);
        assert_inert(&one);
        assert!(one.contains(&format!("owner          {shown}\n")), "{one}");
        assert!(one.contains("owner type     guest\\x08\n"), "{one}");

        let profile_item = json!({"timeprofile_uid": 1, "name": name,
            "time_options": {"is_all_day": true, "date_from": 0, "date_to": 0},
            "repeat_options": {"repeat_enable": true, "repeat_format": {"repeat_type": "\u{9b}31m",
                "repeat_end": {"format": "never"}}}});
        let out = table(&PROFILE_COLUMNS, &[profile_row(&profile_item)]);
        assert_inert(&out);
        assert!(out.contains(shown), "{out}");
        let out = profile(&profile_item);
        assert_inert(&out);
        assert!(out.contains(&format!("name         {shown}\n")), "{out}");
        assert!(out.contains("every \\u{9b}31m\n"), "{out}");

        let flat = json!({"apartment_uid": 4, "apartment_name": name,
            "apartment_address": {"building": "1\u{2066}", "unit": 0, "floor": 3, "room": 12}});
        let out = table(&APARTMENT_COLUMNS, &[apartment_row(&flat)]);
        assert_inert(&out);
        assert!(out.contains(&format!("{shown}  1\\u{{2066}}")), "{out}");
        assert_inert(&apartment(&flat));

        let event = json!({"time": 0, "source": "reader\x1b[8m", "identifier_type": "license_plate",
            "identifier_number": "AB\r\u{202e}12", "identifier_uid": 3, "granted": false,
            "reason": "x\ty", "locks": []});
        let out = fixed_row(&event_row(&event), &FOLLOW_WIDTHS);
        assert_inert(&out);
        assert!(out.contains("reader\\x1b[8m"), "{out}");
        assert!(out.contains("AB\\r\\u{202e}12"), "{out}");
        assert_inert(&table(&EVENT_COLUMNS, &[event_row(&event)]));

        let page = json!({"list_option": {"pagination": {"total_items": 2,
            "current_page": "1\x1b[2J", "total_pages": 1}}});
        assert_eq!(
            page_footer(&page, "identifiers"),
            "page 1\\x1b[2J of 1 (2 identifiers)\n"
        );
    }

    #[test]
    fn tables_align_and_show_limits_in_utc() {
        let item = json!({"identifier_uid": 12, "identifier_owner": {"name": "Guest", "type": "guest"},
            "identifier_type": "inputCode", "identifier_number": "4711", "lock": "all",
            "valid": {"time": {"is_permanent": false, "from": 1767225600, "to": 1798761600},
                      "passes": {"is_permanent": false, "max_passes": 10}},
            "additional": {"passes_left": 7}});
        let plain = json!({"identifier_uid": 3, "identifier_owner": {"name": "Alice", "type": "owner"},
            "identifier_type": "card", "identifier_number": "12:34:56:79", "lock": "first",
            "valid": {"time": {"is_permanent": true}, "passes": {"is_permanent": true}},
            "additional": {"passes_left": -1}});
        let out = table(
            &IDENTIFIER_COLUMNS,
            &[identifier_row(&plain), identifier_row(&item)],
        );
        assert_eq!(
            out,
            "\
UID  TYPE       NUMBER       OWNER          LOCK   VALID                                         PASSES LEFT
3    card       12:34:56:79  Alice          first  always                                        unlimited
12   inputCode  4711         Guest (guest)  all    2026-01-01T00:00:00Z to 2027-01-01T00:00:00Z  7 of 10
"
        );
        let work = json!({"timeprofile_uid": 1, "name": "Work week",
            "time_options": {"is_all_day": false, "date_from": 1767250800, "date_to": 1767279600},
            "repeat_options": {"repeat_enable": true, "repeat_format": {"repeat_type": "custom",
                "repeat_end": {"format": "never"}, "repeat_custom": {"repeat_point_type": "week",
                "repeat_looper": 1, "repeat_options": ["MON", "FRI"]}}},
            "identifiers": {"count": 2, "uid_items": [3, 7]}});
        let once = json!({"timeprofile_uid": 12, "name": "Holidays",
            "time_options": {"is_all_day": true, "date_from": 1767225600, "date_to": 1767225600},
            "repeat_options": {"repeat_enable": false},
            "identifiers": {"count": 0, "uid_items": []}});
        assert_eq!(
            table(&PROFILE_COLUMNS, &[profile_row(&work), profile_row(&once)]),
            "\
UID  NAME       REPEAT  IDENTIFIERS
1    Work week  custom  2
12   Holidays   none    0
"
        );
        assert_eq!(
            profile(&work),
            "\
uid          1
name         Work week
from         2026-01-01T07:00:00Z
to           2026-01-01T15:00:00Z
all day      no
repeat       custom: every week on MON, FRI
until        never
identifiers  3, 7
"
        );
        let every = json!({"repeat_options": {"repeat_enable": true, "repeat_format": {
            "repeat_type": "twoWeeks", "repeat_end": {"format": "date", "date": 1798675200}}}});
        assert_eq!(repeat_words(&every), "every two weeks");
        assert_eq!(repeat_until(&every), "2026-12-31T00:00:00Z");
        // Only the name: the profile's times are not known.
        assert_eq!(repeat_type(&json!({"name": "x"})), "-");
        let flat = json!({"apartment_uid": 4, "apartment_name": "Flat 12",
            "apartment_address": {"building": 1, "unit": 0, "floor": 3, "room": 12},
            "residents": {"count": 2}, "identifiers": {"count": 1, "uid_items": [9]}});
        assert_eq!(
            table(&APARTMENT_COLUMNS, &[apartment_row(&flat)]),
            "\
UID  NAME     BUILDING  UNIT  FLOOR  ROOM  RESIDENTS  IDENTIFIERS
4    Flat 12  1         0     3      12    2          1
"
        );
        assert!(apartment(&flat).contains("identifiers  9\n"));
        let event = json!({"time": 1767225600, "source": "dbus:uid=0", "identifier_type": "inputCode",
            "identifier_number": "", "identifier_uid": -1, "granted": true, "reason": "master code",
            "locks": ["first", "second"]});
        assert_eq!(
            event_row(&event),
            [
                "2026-01-01T00:00:00Z",
                "dbus:uid=0",
                "inputCode",
                "-",
                "-",
                "yes",
                "master code",
                "first,second"
            ]
        );
    }
}
