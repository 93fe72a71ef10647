//! The CSV format of import and export:
//! `uid,type,number,owner_name,owner_type,lock,valid_from,valid_to,max_passes,passes_left`.
//!
//! Export then import gives back every name and number byte for byte, as
//! JSON does. Two rules make it so:
//!
//! - Fields are read exactly as written (RFC 4180: a field with a comma, a
//!   double quote or a line break is in double quotes, its quotes doubled).
//!   Only spaces around the header's names, and around the fields that are
//!   words or numbers (type, owner_type, lock, the times, max_passes), are
//!   ignored: none of those can hold a space.
//! - A spreadsheet takes a cell that starts with `=`, `+`, `-`, `@`, a tab or
//!   a CR for a formula (OWASP's CSV injection; LF and NUL are treated
//!   alike here). Export writes such a text field with one single quote in
//!   front, which spreadsheets honour as "this is text" and do not show.
//!   So that this is reversible, a field that already is quotes followed
//!   by such a character (`'=x`) gets one more (`''=x`). Import takes one
//!   leading quote off exactly when what follows it is quotes followed by
//!   such a character: `'=x` is `=x`, `''=x` is `'=x`, while `'x`,
//!   `O'Brien` and `'` are kept as they are. Numbers latchctl writes from
//!   latchd's numbers are not quoted: a spreadsheet reads `-1` as a number.

use crate::body::{parse_time, Fields};
use serde_json::Value;
use std::borrow::Cow;

/// The first characters that make a spreadsheet read a cell as a formula.
const FORMULA_START: [char; 8] = ['=', '+', '-', '@', '\t', '\r', '\n', '\0'];

/// Whether `text` is any number of single quotes, then a formula start.
fn formula_behind_quotes(text: &str) -> bool {
    text.trim_start_matches('\'').starts_with(FORMULA_START)
}

/// A text field as export writes it: with one single quote in front when
/// it is (behind any quotes of its own) a formula to a spreadsheet.
fn quote_text(text: &str) -> Cow<'_, str> {
    if formula_behind_quotes(text) {
        Cow::Owned(format!("'{text}"))
    } else {
        Cow::Borrowed(text)
    }
}

/// A field as written back to the text: [`quote_text`] undone.
fn unquote_text(field: &str) -> &str {
    match field.strip_prefix('\'') {
        Some(rest) if formula_behind_quotes(rest) => rest,
        _ => field,
    }
}

pub const HEADER: [&str; 10] = [
    "uid",
    "type",
    "number",
    "owner_name",
    "owner_type",
    "lock",
    "valid_from",
    "valid_to",
    "max_passes",
    "passes_left",
];

/// Writes `items` (latchd's JSON items) as CSV with a header line.
pub fn write(items: &[Value], out: impl std::io::Write) -> Result<(), String> {
    let mut w = csv::Writer::from_writer(out);
    let fail = |e: csv::Error| e.to_string();
    w.write_record(HEADER).map_err(fail)?;
    for item in items {
        w.write_record(row(item)).map_err(fail)?;
    }
    w.flush().map_err(|e| e.to_string())
}

/// One item as the ten fields of a line. Every text is [`quote_text`]ed;
/// latchd's numbers are written as they are.
fn row(item: &Value) -> [String; 10] {
    let text = |v: &Value| match v {
        Value::Number(n) => n.to_string(),
        Value::String(s) => quote_text(s).into_owned(),
        Value::Null => String::new(),
        other => quote_text(&other.to_string()).into_owned(),
    };
    let time = &item["valid"]["time"];
    let passes = &item["valid"]["passes"];
    let limited = |part: &Value| part["is_permanent"] == Value::Bool(false);
    let (from, to) = if limited(time) {
        (text(&time["from"]), text(&time["to"]))
    } else {
        (String::new(), String::new())
    };
    let (max, left) = if limited(passes) {
        (
            text(&passes["max_passes"]),
            text(&item["additional"]["passes_left"]),
        )
    } else {
        (String::new(), String::new())
    };
    [
        text(&item["identifier_uid"]),
        text(&item["identifier_type"]),
        text(&item["identifier_number"]),
        text(&item["identifier_owner"]["name"]),
        text(&item["identifier_owner"]["type"]),
        text(&item["lock"]),
        from,
        to,
        max,
        left,
    ]
}

/// One line of an import: its line number in the file and its fields.
pub struct Line {
    pub line: u64,
    pub fields: Fields,
}

/// Reads a CSV import. Errors are `line: message`, the caller adds the file.
pub fn read(input: impl std::io::Read) -> Result<Vec<Line>, (u64, String)> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .trim(csv::Trim::Headers)
        .from_reader(input);
    let position_of = |e: &csv::Error| e.position().map_or(1, |p| p.line());
    let headers = reader
        .headers()
        .map_err(|e| (position_of(&e), plain(&e)))?
        .clone();
    let mut columns: [Option<usize>; 10] = [None; 10];
    for (index, name) in headers.iter().enumerate() {
        let Some(known) = HEADER.iter().position(|h| *h == name) else {
            return Err((
                1,
                format!(
                    "unknown column `{name}` in the header; the columns are {}",
                    HEADER.join(",")
                ),
            ));
        };
        if columns[known].replace(index).is_some() {
            return Err((1, format!("column `{name}` appears twice in the header")));
        }
    }
    for required in ["type", "number", "owner_name"] {
        if columns[column(required)].is_none() {
            return Err((
                1,
                format!(
                    "the header has no column `{required}`; the columns are {}",
                    HEADER.join(",")
                ),
            ));
        }
    }
    let mut lines = Vec::new();
    for record in reader.records() {
        let record = record.map_err(|e| (position_of(&e), plain(&e)))?;
        let line = record.position().map_or(0, |p| p.line());
        if record.iter().all(str::is_empty) {
            continue;
        }
        // Names and numbers as written; words and numbers without spaces.
        let get = |name: &str| -> &str {
            let field = columns[column(name)]
                .and_then(|i| record.get(i))
                .unwrap_or("");
            let field = unquote_text(field);
            match name {
                "number" | "owner_name" => field,
                _ => field.trim_matches(' '),
            }
        };
        let optional = |name: &str| Some(get(name).to_string()).filter(|v| !v.is_empty());
        for required in ["type", "number", "owner_name"] {
            if get(required).is_empty() {
                return Err((line, format!("{required} is empty")));
            }
        }
        let time = |name: &str| -> Result<Option<i64>, (u64, String)> {
            match get(name) {
                "" => Ok(None),
                value => parse_time(value).map(Some).map_err(|_| {
                    (
                        line,
                        format!("{name} must be unix seconds, YYYY-MM-DD or YYYY-MM-DDTHH:MM[:SS]"),
                    )
                }),
            }
        };
        let window = match (time("valid_from")?, time("valid_to")?) {
            (Some(from), Some(to)) => Some((from, to)),
            (None, None) => None,
            _ => {
                return Err((
                    line,
                    "valid_from and valid_to go together: give both, or neither for permanent"
                        .into(),
                ))
            }
        };
        let max_passes = match get("max_passes") {
            "" => None,
            value => Some(
                value
                    .parse::<u64>()
                    .map_err(|_| (line, "max_passes must be a whole number".to_string()))?,
            ),
        };
        lines.push(Line {
            line,
            fields: Fields {
                kind: get("type").to_string(),
                number: get("number").to_string(),
                name: get("owner_name").to_string(),
                owner_type: optional("owner_type"),
                lock: optional("lock"),
                window,
                max_passes,
            },
        });
    }
    Ok(lines)
}

fn column(name: &str) -> usize {
    HEADER
        .iter()
        .position(|h| *h == name)
        .expect("a known column")
}

/// A CSV error without the position the caller puts in front.
fn plain(e: &csv::Error) -> String {
    match e.kind() {
        csv::ErrorKind::UnequalLengths {
            expected_len, len, ..
        } => format!("{len} fields where the header has {expected_len}"),
        csv::ErrorKind::Utf8 { .. } => "not UTF-8 text".to_string(),
        csv::ErrorKind::Io(e) => e.to_string(),
        _ => e.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn lines(text: &str) -> Result<Vec<(u64, Fields)>, (u64, String)> {
        read(text.as_bytes()).map(|v| v.into_iter().map(|l| (l.line, l.fields)).collect())
    }

    #[test]
    fn export_then_import_keeps_every_field() {
        let items = [
            json!({"identifier_uid": 1, "identifier_owner": {"name": "Alice, \"A\"", "type": "owner"},
                   "identifier_type": "card", "identifier_number": "12:34:56:79", "lock": "first",
                   "valid": {"time": {"is_permanent": true}, "passes": {"is_permanent": true}},
                   "additional": {"passes_left": -1}}),
            json!({"identifier_uid": 7, "identifier_owner": {"name": "Guest", "type": "guest"},
                   "identifier_type": "inputCode", "identifier_number": "0123", "lock": "all",
                   "valid": {"time": {"is_permanent": false, "from": 10, "to": 20},
                             "passes": {"is_permanent": false, "max_passes": 5}},
                   "additional": {"passes_left": 4}}),
        ];
        let mut out = Vec::new();
        write(&items, &mut out).unwrap();
        let text = String::from_utf8(out).unwrap();
        assert_eq!(
            text,
            "uid,type,number,owner_name,owner_type,lock,valid_from,valid_to,max_passes,passes_left\n\
             1,card,12:34:56:79,\"Alice, \"\"A\"\"\",owner,first,,,,\n\
             7,inputCode,0123,Guest,guest,all,10,20,5,4\n"
        );
        let read = lines(&text).unwrap();
        assert_eq!(read.len(), 2);
        assert_eq!(read[0].0, 2);
        assert_eq!(read[0].1.name, "Alice, \"A\"");
        assert_eq!(read[0].1.to_body()["valid"]["time"]["is_permanent"], true);
        assert_eq!(read[1].1.window, Some((10, 20)));
        assert_eq!(read[1].1.max_passes, Some(5));
        assert_eq!(read[1].1.number, "0123");
    }

    /// Names that are hard to keep: spaces at either end or nothing but
    /// spaces, quotes, commas, line breaks, tabs, formulas, quotes in front
    /// of formulas, controls and text in other scripts.
    const AWKWARD: [&str; 40] = [
        " Alice",
        "Bob ",
        "  Carol  ",
        " ",
        "   ",
        "\"Dave\"",
        "\"",
        "Eve, \"E\"",
        ",",
        "Line\nbreak",
        "Carriage\rreturn",
        "\r\n",
        "Tab\there",
        "\tTab first",
        "\rCR first",
        "\nLF first",
        "Zoë Ünal 名前 🙂",
        "=HYPERLINK(\"http://x\",\"y\")",
        "=1+1",
        "+1",
        "-1",
        "-",
        "@SUM(A1)",
        "=",
        "'=quoted",
        "''=twice",
        "'+",
        "'",
        "''",
        "'plain",
        "O'Brien",
        "'\t",
        " =space first",
        "\u{202e}rtl",
        "\x1b]0;title\x07",
        "back\\slash",
        "\0NUL first",
        "#comment",
        "\u{feff}BOM",
        "end'",
    ];

    /// `names` (with `numbers` of license plates) through write and read.
    fn round_trip(items: &[(String, String)]) -> (String, Vec<(String, String)>) {
        let items: Vec<Value> = items
            .iter()
            .enumerate()
            .map(|(uid, (name, number))| {
                json!({"identifier_uid": uid, "identifier_owner": {"name": name, "type": "owner"},
                       "identifier_type": "license_plate", "identifier_number": number,
                       "lock": "first",
                       "valid": {"time": {"is_permanent": true}, "passes": {"is_permanent": true}},
                       "additional": {"passes_left": -1}})
            })
            .collect();
        let mut out = Vec::new();
        write(&items, &mut out).unwrap();
        let text = String::from_utf8(out).unwrap();
        let read = read(text.as_bytes()).unwrap_or_else(|e| panic!("{e:?} in {text:?}"));
        let back = read
            .into_iter()
            .map(|l| (l.fields.name, l.fields.number))
            .collect();
        (text, back)
    }

    /// Whether a spreadsheet would take a cell starting so as a formula.
    fn formula(cell: &str) -> bool {
        cell.starts_with(['=', '+', '-', '@', '\t', '\r'])
    }

    #[test]
    fn every_name_and_number_reads_back_exactly_and_no_cell_is_a_formula() {
        // The awkward names, and every string of up to four characters of
        // an alphabet of the awkward characters.
        let alphabet = [
            ' ', '\'', '=', '+', '-', '@', '\t', '\r', '\n', '"', ',', 'a', 'é', '\0',
        ];
        let mut names: Vec<String> = AWKWARD.iter().map(|s| s.to_string()).collect();
        let mut shorter = vec![String::new()];
        for _ in 0..4 {
            shorter = shorter
                .iter()
                .flat_map(|s| alphabet.iter().map(move |c| format!("{s}{c}")))
                .collect();
            names.extend(shorter.iter().cloned());
        }
        // Numbers too: a plate may start with a hyphen or a space, a face
        // vector (Base64) with a plus.
        let numbers = ["-AB 123", " AB-1 ", "+ab/cd==", "'-1", "12:34:56:78"];
        let items: Vec<(String, String)> = names
            .iter()
            .enumerate()
            .map(|(n, name)| (name.clone(), numbers[n % numbers.len()].to_string()))
            .collect();
        let (text, back) = round_trip(&items);
        assert_eq!(back.len(), items.len());
        for (sent, got) in items.iter().zip(&back) {
            assert_eq!(sent, got);
        }
        // What a spreadsheet would see: no cell starts a formula.
        let mut plain = csv::ReaderBuilder::new().from_reader(text.as_bytes());
        for record in plain.records() {
            for cell in record.unwrap().iter() {
                assert!(!formula(cell), "{cell:?} is a formula");
            }
        }
    }

    #[test]
    fn formulas_get_one_quote_and_lose_it_on_import() {
        let items: Vec<(String, String)> = [
            ("=HYPERLINK(\"http://x\",\"y\")", "-AB 1"),
            ("'=x", "AB"),
            ("'x", "AB"),
            ("@a", "AB"),
        ]
        .map(|(name, number)| (name.to_string(), number.to_string()))
        .to_vec();
        let (text, back) = round_trip(&items);
        assert_eq!(back, items);
        let written: Vec<&str> = text.lines().collect();
        assert_eq!(
            written[1],
            "0,license_plate,'-AB 1,\"'=HYPERLINK(\"\"http://x\"\",\"\"y\"\")\",owner,first,,,,"
        );
        assert_eq!(written[2], "1,license_plate,AB,''=x,owner,first,,,,");
        assert_eq!(written[3], "2,license_plate,AB,'x,owner,first,,,,");
        assert_eq!(written[4], "3,license_plate,AB,'@a,owner,first,,,,");
        // A file written by hand: the one quote in front of a formula goes,
        // any other quote stays.
        let read = lines("type,number,owner_name\ncard,1,'=1+1\ncard,2,'x\ncard,3,''@x\n").unwrap();
        assert_eq!(read[0].1.name, "=1+1");
        assert_eq!(read[1].1.name, "'x");
        assert_eq!(read[2].1.name, "'@x");
        // latchd's numbers are written as numbers, a negative one too; text
        // where a number belongs is quoted as any text is.
        let odd = json!({"identifier_uid": 1, "identifier_owner": {"name": "A", "type": "owner"},
            "identifier_type": "card", "identifier_number": "1", "lock": "first",
            "valid": {"time": {"is_permanent": false, "from": -86400, "to": "=1"},
                      "passes": {"is_permanent": true}}});
        let mut out = Vec::new();
        write(&[odd], &mut out).unwrap();
        assert!(String::from_utf8(out)
            .unwrap()
            .ends_with("\n1,card,1,A,owner,first,-86400,'=1,,\n"));
    }

    #[test]
    fn spaces_are_kept_in_names_and_numbers_only() {
        let read = lines(
            "type , number,owner_name , lock,max_passes,valid_from,valid_to\n\
             card , 1 ,  A , all ,\" 3 \", 10 , 2026-01-01 \n",
        )
        .unwrap();
        let fields = &read[0].1;
        assert_eq!(fields.kind, "card");
        assert_eq!(fields.number, " 1 ");
        assert_eq!(fields.name, "  A ");
        assert_eq!(fields.lock.as_deref(), Some("all"));
        assert_eq!(fields.max_passes, Some(3));
        assert_eq!(fields.window, Some((10, 1_767_225_600)));
        // A name of spaces only is a name.
        let read = lines("type,number,owner_name\ncard,1,   \n").unwrap();
        assert_eq!(read[0].1.name, "   ");
    }

    #[test]
    fn columns_by_header_with_defaults() {
        let read = lines("owner_name,number,type\nBob,4711,inputCode\n\n").unwrap();
        assert_eq!(read.len(), 1);
        let body = read[0].1.to_body();
        assert_eq!(body["identifier_owner"]["type"], "owner");
        assert_eq!(body["lock"], "first");
        let read =
            lines("type,number,owner_name,valid_from,valid_to\ncard,1,A,2026-01-01,2027-01-01\n")
                .unwrap();
        assert_eq!(read[0].1.window, Some((1_767_225_600, 1_798_761_600)));
    }

    #[test]
    fn wrong_lines_are_named() {
        let head = "uid,type,number,owner_name,owner_type,lock,valid_from,valid_to,max_passes,passes_left\n";
        let ok = ",card,1,A,owner,first,,,,\n";
        let case = |bad: &str| lines(&format!("{head}{ok}{ok}{bad}")).err().unwrap();
        assert_eq!(
            case(",card,2,A,owner,first,,,ten,\n"),
            (4, "max_passes must be a whole number".to_string())
        );
        assert_eq!(case(",card,2,A,owner,first,5,,,\n").0, 4);
        assert_eq!(case(",card,2,A,owner,first,x,6,,\n").0, 4);
        assert_eq!(
            case(",card,2,,owner,first,,,,\n"),
            (4, "owner_name is empty".into())
        );
        assert_eq!(
            case(",card,2,A\n"),
            (4, "4 fields where the header has 10".into())
        );
        assert_eq!(lines("type,number,name\n").err().unwrap().0, 1);
        assert_eq!(lines("type,number\n").err().unwrap().0, 1);
    }
}
