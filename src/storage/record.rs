//! How an identifier is written in the data files: one flat TOML table, so a
//! person reading `identifiers.toml` sees the fields the API talks about.

use crate::domain::apartment::{Apartment, ApartmentBody, LogicalAddress};
use crate::domain::identifier::{
    Body, Identifier, IdentifierType, LockChoice, OwnerType, PassLimit, TimeLimit,
};
use crate::domain::schedule::ProfileBody;
use crate::domain::time_profile::TimeProfile;
use serde::{Deserialize, Serialize};

/// A time profile in the data files: its uid and its body as the API takes it.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProfileRecord {
    pub uid: u32,
    pub profile: ProfileBody,
}

impl From<&TimeProfile> for ProfileRecord {
    fn from(p: &TimeProfile) -> Self {
        ProfileRecord {
            uid: p.uid,
            profile: p.body.clone(),
        }
    }
}

impl From<ProfileRecord> for TimeProfile {
    fn from(r: ProfileRecord) -> Self {
        TimeProfile {
            uid: r.uid,
            body: r.profile,
        }
    }
}

/// An apartment in the data files, one flat table.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ApartmentRecord {
    pub uid: u32,
    pub name: String,
    pub building: u16,
    pub unit: u8,
    pub floor: u8,
    pub room: u8,
    pub residents: u32,
}

impl From<&Apartment> for ApartmentRecord {
    fn from(a: &Apartment) -> Self {
        let b = &a.body;
        ApartmentRecord {
            uid: a.uid,
            name: b.name.clone(),
            building: b.address.building,
            unit: b.address.unit,
            floor: b.address.floor,
            room: b.address.room,
            residents: b.residents,
        }
    }
}

impl From<ApartmentRecord> for Apartment {
    fn from(r: ApartmentRecord) -> Self {
        Apartment {
            uid: r.uid,
            body: ApartmentBody {
                name: r.name,
                address: LogicalAddress {
                    building: r.building,
                    unit: r.unit,
                    floor: r.floor,
                    room: r.room,
                },
                residents: r.residents,
            },
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Record {
    pub uid: u32,
    pub owner_name: String,
    pub owner_type: OwnerType,
    #[serde(rename = "type")]
    pub kind: IdentifierType,
    pub number: String,
    pub lock: LockChoice,
    pub time: TimeLimit,
    pub passes: PassLimit,
    pub passes_left: i64,
    #[serde(default)]
    pub time_profiles: Vec<u32>,
    #[serde(default = "unbound")]
    pub apartment: i64,
}

fn unbound() -> i64 {
    -1
}

impl From<&Identifier> for Record {
    fn from(i: &Identifier) -> Self {
        let b = &i.body;
        Record {
            uid: i.uid,
            owner_name: b.owner_name.clone(),
            owner_type: b.owner_type,
            kind: b.kind,
            number: b.number.clone(),
            lock: b.lock,
            time: b.time.clone(),
            passes: b.passes.clone(),
            passes_left: i.passes_left,
            time_profiles: i.time_profiles.clone(),
            apartment: i.apartment,
        }
    }
}

impl From<Record> for Identifier {
    fn from(r: Record) -> Self {
        Identifier {
            uid: r.uid,
            body: Body {
                owner_name: r.owner_name,
                owner_type: r.owner_type,
                kind: r.kind,
                number: r.number,
                lock: r.lock,
                time: r.time,
                passes: r.passes,
            },
            passes_left: r.passes_left,
            time_profiles: r.time_profiles,
            apartment: r.apartment,
        }
    }
}

/// Writes a TOML value on one line (inline tables), for journal lines.
pub fn write_inline(value: &toml::Value, out: &mut String) {
    use std::fmt::Write;
    match value {
        toml::Value::String(s) => write_string(s, out),
        toml::Value::Integer(i) => {
            let _ = write!(out, "{i}");
        }
        toml::Value::Boolean(b) => {
            let _ = write!(out, "{b}");
        }
        toml::Value::Float(f) => {
            let _ = write!(out, "{f:?}");
        }
        toml::Value::Datetime(d) => {
            let _ = write!(out, "{d}");
        }
        toml::Value::Array(items) => {
            out.push('[');
            for (n, item) in items.iter().enumerate() {
                if n > 0 {
                    out.push_str(", ");
                }
                write_inline(item, out);
            }
            out.push(']');
        }
        toml::Value::Table(table) => {
            out.push_str("{ ");
            for (n, (key, item)) in table.iter().enumerate() {
                if n > 0 {
                    out.push_str(", ");
                }
                write_key(key, out);
                out.push_str(" = ");
                write_inline(item, out);
            }
            out.push_str(" }");
        }
    }
}

fn write_key(key: &str, out: &mut String) {
    let bare = !key.is_empty()
        && key
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
    if bare {
        out.push_str(key);
    } else {
        write_string(key, out);
    }
}

/// A TOML basic string (toml_writer's): control characters (and DEL)
/// escaped, so any owner name stays on one line. Always a basic string:
/// toml_writer's own choice would write some as literal strings, and what
/// latchd writes stays what it always wrote (but backspace and form feed,
/// now `\b` and `\f` instead of `\u0008` and `\u000C`; both read back the
/// same).
fn write_string(s: &str, out: &mut String) {
    use toml_writer::TomlWrite;
    let _ = out.value(toml_writer::TomlStringBuilder::new(s).as_basic());
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hostile_strings_stay_on_one_line_and_round_trip() {
        let name = "a\"b\\c\nd\te\u{7f}f\u{1}g ünï 中";
        let mut t = toml::Table::new();
        t.insert("name".into(), toml::Value::String(name.into()));
        t.insert("odd key".into(), toml::Value::Integer(-3));
        let mut line = String::from("x = ");
        write_inline(&toml::Value::Table(t), &mut line);
        assert!(!line.contains('\n'));
        let back: toml::Table = toml::from_str(&line).unwrap();
        assert_eq!(back["x"]["name"].as_str(), Some(name));
        assert_eq!(back["x"]["odd key"].as_integer(), Some(-3));
    }

    /// The escaping latchd wrote before toml_writer: files already written
    /// hold strings in this form.
    fn earlier_string(s: &str) -> String {
        use std::fmt::Write;
        let mut out = String::from("\"");
        for c in s.chars() {
            match c {
                '"' => out.push_str("\\\""),
                '\\' => out.push_str("\\\\"),
                '\n' => out.push_str("\\n"),
                '\t' => out.push_str("\\t"),
                '\r' => out.push_str("\\r"),
                c if (c as u32) < 0x20 || c as u32 == 0x7f => {
                    let _ = write!(out, "\\u{:04X}", c as u32);
                }
                c => out.push(c),
            }
        }
        out.push('"');
        out
    }

    #[test]
    fn strings_are_written_as_before_and_both_forms_read_back() {
        let mut samples: Vec<String> = (0u8..=0x7f).map(|b| char::from(b).to_string()).collect();
        samples
            .extend(["", "Anna Müller", "a\"b\\c\nd", "中文 'x' \u{80}\u{2028}"].map(String::from));
        for s in &samples {
            let mut now = String::new();
            write_string(s, &mut now);
            let before = earlier_string(s);
            match s.as_str() {
                "\u{8}" => assert_eq!((before.as_str(), now.as_str()), ("\"\\u0008\"", "\"\\b\"")),
                "\u{c}" => assert_eq!((before.as_str(), now.as_str()), ("\"\\u000C\"", "\"\\f\"")),
                _ => assert_eq!(now, before, "{s:?}"),
            }
            for written in [&now, &before] {
                let back: toml::Table = toml::from_str(&format!("name = {written}")).unwrap();
                assert_eq!(back["name"].as_str(), Some(s.as_str()), "{written}");
            }
        }
    }
}
