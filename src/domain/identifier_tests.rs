//! The identifier contract (`org.latchd.Panel1.Identifiers` in the D-Bus API
//! spec) checked on the pure domain: validation steps 1 to 9 in their order,
//! number formats and canonical forms, and the item JSON. No bus and no disk.

use super::{parse_body, BodyError, IdentifierType, Rules};
use crate::domain::number;
use crate::domain::registry::Registry;
use crate::domain::test_support::*;
use base64::Engine;
use rand::{Rng, SeedableRng};
use serde_json::{json, Value};

#[test]
fn error_strings_are_the_contract_s() {
    let cases: [(BodyError, &str); 11] = [
        (BodyError::WrongBody, "Wrong JSON body"),
        (
            BodyError::Missing("identifier_owner.name"),
            "Wrong JSON body: no value for `identifier_owner.name`",
        ),
        (
            BodyError::WrongType("valid.time.from"),
            "Wrong JSON body: value `valid.time.from` was of the wrong type",
        ),
        (
            BodyError::FromAfterTo,
            "Date `from` must be greater than `to`",
        ),
        (
            BodyError::FaceDisabled,
            "You cannot create face_id identifier on this panel",
        ),
        (BodyError::BadFace, "Wrong face_id image data"),
        (
            BodyError::MasterCode,
            "Cannot create identifier with the same input code number as master code",
        ),
        (
            BodyError::MasterCard,
            "Cannot create identifier with same card number as master card",
        ),
        (
            BodyError::Duplicate,
            "Identifier with that type and number already exist",
        ),
        (BodyError::WrongUid, "Wrong Identifier uid"),
        (
            BodyError::Item(3, Box::new(BodyError::Missing("lock"))),
            "list_items[3]: Wrong JSON body: no value for `lock`",
        ),
    ];
    for (e, text) in cases {
        assert_eq!(e.to_string(), text);
    }
}

#[test]
fn valid_bodies_parse() {
    let b = parse(&full()).unwrap();
    assert_eq!(b.owner_name, "Alice");
    assert_eq!(b.kind, IdentifierType::Card);
    assert_eq!(b.number, "12:34:56:79");
    assert_eq!(
        (b.time.is_permanent, b.time.from, b.time.to),
        (false, Some(1767225600), Some(1798761600))
    );
    assert_eq!(
        (b.passes.is_permanent, b.passes.max_passes),
        (false, Some(10))
    );
    // No `valid`: permanent in time and passes; `valid: null` is the same.
    for v in [
        body("card", "1"),
        with(body("card", "1"), "valid", Value::Null),
    ] {
        let b = parse(&v).unwrap();
        assert!(b.time.is_permanent && b.passes.is_permanent, "{v}");
    }
    // Every owner type, type and lock of the sets.
    for owner in ["owner", "guest"] {
        parse(&with(full(), "identifier_owner.type", json!(owner))).unwrap();
    }
    for lock in ["first", "second", "all"] {
        parse(&with(full(), "lock", json!(lock))).unwrap();
    }
    for (kind, number) in [
        ("card", "1"),
        ("ukey", "aa-bb"),
        ("inputCode", "0000"),
        ("qr", "123e4567-e89b-12d3-a456-426614174000"),
        ("license_plate", "AB 123"),
    ] {
        parse(&body(kind, number)).unwrap();
    }
    // Unknown extra fields are ignored, at every level.
    let mut v = full();
    v["extra"] = json!(1);
    v["identifier_owner"]["phone"] = json!("x");
    v["valid"]["time"]["zone"] = json!([]);
    v["valid"]["passes"]["note"] = json!(null);
    v["valid"]["other"] = json!({});
    assert_eq!(parse(&v).unwrap(), parse(&full()).unwrap());
    // from == to is a window of one second, not an error.
    let same = with(full(), "valid.time.to", json!(1767225600));
    parse(&same).unwrap();
    // Negative timestamps are integers too.
    parse(&with(full(), "valid.time.from", json!(-5))).unwrap();
}

#[test]
fn step1_not_an_object() {
    for text in [
        "", " ", "[]", "[{}]", "1", "\"body\"", "null", "true", "{", "{}}", "{} {}", "{'a': 1}",
    ] {
        assert_eq!(
            parse_body(text, &rules()),
            Err(BodyError::WrongBody),
            "{text:?}"
        );
    }
}

#[test]
fn step2_each_required_field_missing_or_null() {
    let required = [
        "identifier_owner",
        "identifier_owner.name",
        "identifier_owner.type",
        "identifier_type",
        "identifier_number",
        "lock",
        "valid.time",
        "valid.time.is_permanent",
        "valid.time.from",
        "valid.time.to",
        "valid.passes",
        "valid.passes.is_permanent",
        "valid.passes.max_passes",
    ];
    for path in required {
        assert_eq!(
            err(&without(full(), path)),
            BodyError::Missing(path),
            "{path}"
        );
        // `null` counts as missing.
        assert_eq!(
            err(&with(full(), path, Value::Null)),
            BodyError::Missing(path),
            "{path} null"
        );
    }
    // The empty object misses its first field.
    assert_eq!(err(&json!({})), BodyError::Missing("identifier_owner"));
    assert_eq!(
        err(&with(full(), "valid", json!({}))),
        BodyError::Missing("valid.time")
    );
    assert_eq!(
        err(&with(full(), "valid.time", json!({}))),
        BodyError::Missing("valid.time.is_permanent")
    );
}

#[test]
fn step2_conditional_fields() {
    // from, to only when time is limited; max_passes only when passes are.
    let mut v = full();
    v["valid"] = json!({"time": {"is_permanent": true}, "passes": {"is_permanent": true}});
    let b = parse(&v).unwrap();
    assert!(b.time.is_permanent && b.passes.is_permanent);
    assert_eq!(
        (b.time.from, b.time.to, b.passes.max_passes),
        (None, None, None)
    );
    let time_only = with(v.clone(), "valid.time", json!({"is_permanent": false}));
    assert_eq!(err(&time_only), BodyError::Missing("valid.time.from"));
    let to_only = with(
        v.clone(),
        "valid.time",
        json!({"is_permanent": false, "from": 1}),
    );
    assert_eq!(err(&to_only), BodyError::Missing("valid.time.to"));
    let passes = with(v.clone(), "valid.passes", json!({"is_permanent": false}));
    assert_eq!(err(&passes), BodyError::Missing("valid.passes.max_passes"));
    // Explicit nulls in the conditional fields of permanent limits are fine.
    let nulls = with(
        with(
            v.clone(),
            "valid.time",
            json!({"is_permanent": true, "from": null, "to": null}),
        ),
        "valid.passes",
        json!({"is_permanent": true, "max_passes": null}),
    );
    parse(&nulls).unwrap();
    // `valid` present needs both parts even when the other is given.
    assert_eq!(
        err(&without(v.clone(), "valid.passes")),
        BodyError::Missing("valid.passes")
    );
    assert_eq!(
        err(&without(v, "valid.time")),
        BodyError::Missing("valid.time")
    );
}

#[test]
fn step2_order_is_depth_first() {
    // All missing: the first in the example's order is reported, then the next.
    let order = [
        "identifier_owner.name",
        "identifier_owner.type",
        "identifier_type",
        "identifier_number",
        "lock",
        "valid.time.is_permanent",
        "valid.passes.is_permanent",
    ];
    let mut v = full();
    v["valid"]["time"] = json!({});
    v["valid"]["passes"] = json!({});
    for path in order {
        v = without(v, path);
    }
    for path in order {
        assert_eq!(err(&v), BodyError::Missing(path));
        // Given back, the next one is the first missing (permanent limits,
        // so that from, to and max_passes are not required).
        *at(&mut v, path) = if path.ends_with("is_permanent") {
            json!(true)
        } else {
            full_value(path)
        };
    }
    parse(&v).unwrap();
    let mut v = full();
    v["valid"]["time"] = json!({"is_permanent": false});
    v["valid"]["passes"] = json!({"is_permanent": false});
    assert_eq!(err(&v), BodyError::Missing("valid.time.from"));
    v["valid"]["time"]["from"] = json!(1);
    assert_eq!(err(&v), BodyError::Missing("valid.time.to"));
    v["valid"]["time"]["to"] = json!(2);
    assert_eq!(err(&v), BodyError::Missing("valid.passes.max_passes"));
    v["valid"]["passes"]["max_passes"] = json!(2);
    parse(&v).unwrap();
    // A child before a later top-level field: depth first.
    let v = without(without(full(), "identifier_owner.type"), "identifier_type");
    assert_eq!(err(&v), BodyError::Missing("identifier_owner.type"));
    let v = without(without(full(), "lock"), "valid.time.is_permanent");
    assert_eq!(err(&v), BodyError::Missing("lock"));
}

fn full_value(path: &str) -> Value {
    let mut v = full();
    at(&mut v, path).clone()
}

#[test]
fn step2_missing_wins_over_wrong_type() {
    let cases = [
        // wrong type early, missing later
        (
            with(without(full(), "lock"), "identifier_owner.name", json!(5)),
            "lock",
        ),
        (
            with(
                without(full(), "identifier_owner.type"),
                "identifier_owner.name",
                json!(["Alice"]),
            ),
            "identifier_owner.type",
        ),
        (
            with(
                without(full(), "valid.passes.max_passes"),
                "identifier_type",
                json!(5),
            ),
            "valid.passes.max_passes",
        ),
        (
            with(
                without(full(), "valid.time.to"),
                "valid.time.from",
                json!(1.5),
            ),
            "valid.time.to",
        ),
        (
            with(
                without(full(), "identifier_number"),
                "identifier_owner",
                json!("Alice"),
            ),
            "identifier_number",
        ),
        (
            with(without(full(), "valid.passes"), "lock", json!(true)),
            "valid.passes",
        ),
        // a bad value (step 4) never wins over a missing field either
        (
            with(without(full(), "lock"), "identifier_type", json!("pin")),
            "lock",
        ),
    ];
    for (v, path) in cases {
        assert_eq!(err(&v), BodyError::Missing(path), "{v}");
    }
    // A parent of the wrong type has no missing children: its type is the error.
    let v = with(full(), "identifier_owner", json!("Alice"));
    assert_eq!(err(&v), BodyError::WrongType("identifier_owner"));
    let v = with(full(), "valid.time", json!(true));
    assert_eq!(err(&v), BodyError::WrongType("valid.time"));
}

#[test]
fn step3_each_wrong_type() {
    let cases: Vec<(&str, Value)> = vec![
        ("identifier_owner", json!("Alice")),
        ("identifier_owner", json!(["Alice", "owner"])),
        ("identifier_owner.name", json!(5)),
        ("identifier_owner.name", json!({"first": "A"})),
        ("identifier_owner.type", json!(true)),
        ("identifier_type", json!(1)),
        ("identifier_number", json!(305419897)),
        ("identifier_number", json!(["12:34:56:79"])),
        ("lock", json!(1)),
        ("valid", json!(true)),
        ("valid", json!("permanent")),
        ("valid", json!([])),
        ("valid.time", json!(1)),
        ("valid.time.is_permanent", json!("false")),
        ("valid.time.is_permanent", json!(0)),
        ("valid.time.from", json!(1.5)),
        ("valid.time.from", json!("1767225600")),
        ("valid.time.to", json!(1.5)),
        ("valid.time.to", json!(true)),
        ("valid.passes", json!([])),
        ("valid.passes.is_permanent", json!("true")),
        ("valid.passes.max_passes", json!(1.5)),
        ("valid.passes.max_passes", json!("10")),
        // beyond i64: not a timestamp or a count
        ("valid.time.to", json!(u64::MAX)),
    ];
    for (path, value) in cases {
        assert_eq!(
            err(&with(full(), path, value.clone())),
            BodyError::WrongType(path),
            "{path} = {value}"
        );
    }
    // Floats written in JSON are floats, even when whole-valued in exponent form.
    let v: Value = serde_json::from_str(
        &full()
            .to_string()
            .replace("\"max_passes\":10", "\"max_passes\":1e1"),
    )
    .unwrap();
    assert_eq!(err(&v), BodyError::WrongType("valid.passes.max_passes"));
}

#[test]
fn step3_order_and_priority_over_values() {
    // Several wrong types: the first in the contract's order.
    let v = with(
        with(full(), "lock", json!(1)),
        "identifier_owner.type",
        json!(1),
    );
    assert_eq!(err(&v), BodyError::WrongType("identifier_owner.type"));
    let v = with(
        with(full(), "valid.passes.max_passes", json!(1.5)),
        "valid.time.to",
        json!("x"),
    );
    assert_eq!(err(&v), BodyError::WrongType("valid.time.to"));
    // A wrong type wins over a bad value (step 4) placed before it.
    let v = with(
        with(full(), "identifier_type", json!("pin")),
        "valid.time.from",
        json!(1.5),
    );
    assert_eq!(err(&v), BodyError::WrongType("valid.time.from"));
    let v = with(with(full(), "lock", json!("third")), "valid", json!(1));
    assert_eq!(err(&v), BodyError::WrongType("valid"));
    // The from/to check (step 5) comes later still.
    let v = with(
        with(full(), "valid.time.from", json!(2000000000)),
        "valid.passes.max_passes",
        json!("x"),
    );
    assert_eq!(err(&v), BodyError::WrongType("valid.passes.max_passes"));
}

#[test]
fn step3_optional_fields_of_permanent_limits_have_types_too() {
    // from, to and max_passes are integers whenever they are given.
    let mut v = full();
    v["valid"]["time"]["is_permanent"] = json!(true);
    v["valid"]["passes"]["is_permanent"] = json!(true);
    parse(&v).unwrap();
    for (path, value) in [
        ("valid.time.from", json!("yesterday")),
        ("valid.time.to", json!(1.5)),
        ("valid.passes.max_passes", json!(2.5)),
        ("valid.passes.max_passes", json!("10")),
    ] {
        assert_eq!(
            err(&with(v.clone(), path, value.clone())),
            BodyError::WrongType(path),
            "{path} = {value}"
        );
    }
    // max_passes is at least 1 whenever it is given.
    for bad in [0, -1] {
        let v = with(v.clone(), "valid.passes.max_passes", json!(bad));
        assert_eq!(err(&v), BodyError::WrongBody, "{v}");
    }
    // Given and valid, they are kept (and read back).
    let b = parse(&v).unwrap();
    assert_eq!(b.passes.max_passes, Some(10));
    assert_eq!(b.time.from, Some(1767225600));
}

#[test]
fn step4_values_outside_their_sets() {
    let cases: Vec<(&str, Value)> = vec![
        ("identifier_owner.type", json!("admin")),
        ("identifier_owner.type", json!("Owner")),
        ("identifier_owner.type", json!("")),
        ("identifier_owner.name", json!("")),
        ("identifier_type", json!("Card")),
        ("identifier_type", json!("pin")),
        ("identifier_type", json!("input_code")),
        ("identifier_type", json!("")),
        ("lock", json!("third")),
        ("lock", json!("First")),
        ("lock", json!("both")),
        ("lock", json!("")),
        ("valid.passes.max_passes", json!(0)),
        ("valid.passes.max_passes", json!(-3)),
        ("valid.passes.max_passes", json!(i64::MIN)),
    ];
    for (path, value) in cases {
        assert_eq!(
            err(&with(full(), path, value.clone())),
            BodyError::WrongBody,
            "{path} = {value}"
        );
    }
    parse(&with(full(), "valid.passes.max_passes", json!(1))).unwrap();
    parse(&with(full(), "valid.passes.max_passes", json!(i64::MAX))).unwrap();
    // A name of spaces is not empty.
    parse(&with(full(), "identifier_owner.name", json!(" "))).unwrap();
}

/// Numbers accepted and refused by each type's pattern.
#[test]
fn step4_number_patterns_per_type() {
    let cards_ok = [
        "0",
        "1",
        "12",
        "305419897",
        "0305419897",
        "9999999999",
        "0000000000",
        "ab:cd",
        "AB-CD",
        "aB:Cd",
        "00:00",
        "12:34:56:79",
        "12-34-56-79",
        "12:34-56",
        "01:02:03:04:05:06:07:08",
        "ff-ff-ff-ff-ff-ff-ff-ff",
    ];
    let cards_bad = [
        "",
        " ",
        "12345678901",
        "1 2",
        " 12",
        "12 ",
        "-1",
        "+1",
        "1.5",
        "1e3",
        "0x1234",
        "ab",
        "abcd",
        "12:",
        ":12",
        "1:23",
        "123:45",
        "12:34:",
        "12::34",
        "12;34",
        "12.34",
        "12 34",
        "12_34",
        "gg:00",
        "01:02:03:04:05:06:07:08:09",
        "１２", // full-width digits
        "١٢",   // Arabic-Indic digits
        "12:3４",
    ];
    for kind in ["card", "ukey"] {
        for n in cards_ok {
            parse(&body(kind, n)).unwrap_or_else(|e| panic!("{kind} {n:?}: {e}"));
        }
        for n in cards_bad {
            assert_eq!(err(&body(kind, n)), BodyError::WrongBody, "{kind} {n:?}");
        }
    }
    for n in ["0", "1234", "01234", "0000000000", "9999999999", "1233"] {
        parse(&body("inputCode", n)).unwrap_or_else(|e| panic!("inputCode {n:?}: {e}"));
    }
    for n in [
        "",
        "12345678901",
        "12:34",
        "ab",
        "12a",
        " 1",
        "-1",
        "1.0",
        "١٢",
    ] {
        assert_eq!(
            err(&body("inputCode", n)),
            BodyError::WrongBody,
            "inputCode {n:?}"
        );
    }
    for n in [
        "123e4567-e89b-12d3-a456-426614174000",
        "123E4567-E89B-12D3-A456-426614174000",
        "00000000-0000-0000-0000-000000000000",
        "ffffffff-FFFF-ffff-FFFF-ffffffffffff",
    ] {
        parse(&body("qr", n)).unwrap_or_else(|e| panic!("qr {n:?}: {e}"));
    }
    for n in [
        "",
        "123e4567e89b12d3a456426614174000",
        "{123e4567-e89b-12d3-a456-426614174000}",
        "123e4567-e89b-12d3-a456-42661417400",
        "123e4567-e89b-12d3-a456-4266141740000",
        "123e4567-e89b-12d3-a456-42661417400g",
        "123e4567:e89b:12d3:a456:426614174000",
        "123e456-7e89b-12d3-a456-426614174000",
        " 123e4567-e89b-12d3-a456-426614174000",
        "urn:uuid:123e4567-e89b-12d3-a456-426614174000",
    ] {
        assert_eq!(err(&body("qr", n)), BodyError::WrongBody, "qr {n:?}");
    }
    let long = "A".repeat(100);
    for n in [
        "A",
        "1",
        " ",
        "-",
        "AB 123-CD",
        "ab123cd",
        "Ж 123 КХ",
        "Ä-ÖÜ ß",
        "東京 300 あ 12-34",
        "ΑΒΓ 1234",
        "אב 123",
        long.as_str(),
    ] {
        parse(&body("license_plate", n)).unwrap_or_else(|e| panic!("plate {n:?}: {e}"));
    }
    let too_long = "A".repeat(101);
    let too_long_cyrillic = "Ж".repeat(101);
    for n in [
        "",
        too_long.as_str(),
        too_long_cyrillic.as_str(),
        "AB_123",
        "AB.123",
        "AB/123",
        "AB\t123",
        "AB\n123",
        "AB\u{a0}123",
        "AB+1",
        "AB😀",
        "A'B",
    ] {
        assert_eq!(
            err(&body("license_plate", n)),
            BodyError::WrongBody,
            "plate {n:?}"
        );
    }
    // 100 characters, not bytes: 100 Cyrillic letters are 200 bytes.
    parse(&body("license_plate", &"Ж".repeat(100))).unwrap();
    // face_id numbers are not checked by pattern (step 6 does).
    assert_eq!(
        err(&body("face_id", "not base64 at all!")),
        BodyError::FaceDisabled
    );
}

/// The hex and decimal matchers against a direct reading of the regexes, on
/// random strings over the characters that matter.
#[test]
fn number_patterns_match_the_regexes() {
    fn decimal(s: &str) -> bool {
        // [0-9]{1,10}
        !s.is_empty() && s.len() <= 10 && s.chars().all(|c| c.is_ascii_digit())
    }
    fn hex(s: &str) -> bool {
        // ([0-9A-Fa-f]{2}[:-]){1,7}([0-9A-Fa-f]{2})
        let parts: Vec<&str> = s.split([':', '-']).collect();
        (2..=8).contains(&parts.len())
            && parts
                .iter()
                .all(|p| p.len() == 2 && p.chars().all(|c| c.is_ascii_hexdigit()))
    }
    let alphabet: Vec<char> = "0123456789abfABFgG:- ".chars().collect();
    let mut rng = rand::rngs::StdRng::seed_from_u64(7);
    for _ in 0..50_000 {
        let len = rng.gen_range(0..26);
        let s: String = (0..len)
            .map(|_| alphabet[rng.gen_range(0..alphabet.len())])
            .collect();
        assert_eq!(number::is_decimal(&s), decimal(&s), "{s:?}");
        assert_eq!(number::is_hex_bytes(&s), hex(&s), "{s:?}");
        let card_ok = decimal(&s) || hex(&s);
        assert_eq!(IdentifierType::Card.accepts(&s), card_ok, "{s:?}");
        assert_eq!(number::card_value(&s).is_some(), card_ok, "{s:?}");
    }
    // Structured hex strings: the value is the bytes read big-endian.
    for _ in 0..5_000 {
        let n = rng.gen_range(2..=8);
        let bytes: Vec<u8> = (0..n).map(|_| rng.gen()).collect();
        let s = bytes
            .iter()
            .enumerate()
            .map(|(i, b)| {
                let sep = if i == 0 {
                    ""
                } else if rng.gen() {
                    ":"
                } else {
                    "-"
                };
                if rng.gen() {
                    format!("{sep}{b:02x}")
                } else {
                    format!("{sep}{b:02X}")
                }
            })
            .collect::<String>();
        let value = bytes.iter().fold(0u64, |a, b| (a << 8) | *b as u64);
        assert_eq!(number::card_value(&s), Some(value), "{s}");
    }
}

#[test]
fn canonical_numbers() {
    let card = IdentifierType::Card;
    for n in [
        "12:34:56:78",
        "12-34-56-78",
        "305419896",
        "0305419896",
        "12:34-56:78",
    ] {
        assert_eq!(card.canonical(n).as_deref(), Some("305419896"), "{n}");
        assert_eq!(
            IdentifierType::Ukey.canonical(n).as_deref(),
            Some("305419896"),
            "{n}"
        );
    }
    assert_eq!(card.canonical("ab:CD"), card.canonical("AB-cd"));
    assert_eq!(card.canonical("00:00:ab:cd"), card.canonical("43981"));
    assert_eq!(card.canonical("nope"), None);
    let code = IdentifierType::InputCode;
    assert_ne!(code.canonical("0123"), code.canonical("123"));
    assert_eq!(code.canonical("0123").as_deref(), Some("0123"));
    let qr = IdentifierType::Qr;
    assert_eq!(
        qr.canonical("123E4567-E89B-12D3-A456-426614174000")
            .as_deref(),
        Some("123e4567-e89b-12d3-a456-426614174000")
    );
    let plate = IdentifierType::LicensePlate;
    assert_eq!(plate.canonical("ab 12-cd").as_deref(), Some("AB12CD"));
    assert_eq!(plate.canonical("Ж 123 кх").as_deref(), Some("Ж123КХ"));
    assert_eq!(plate.canonical("a-b"), plate.canonical("A B"));
}

#[test]
fn step5_from_after_to() {
    let late = with(full(), "valid.time.from", json!(1798761601));
    assert_eq!(err(&late), BodyError::FromAfterTo);
    let reversed = with(
        with(full(), "valid.time.from", json!(2)),
        "valid.time.to",
        json!(1),
    );
    assert_eq!(err(&reversed), BodyError::FromAfterTo);
    // Only when time is limited.
    let permanent = with(late.clone(), "valid.time.is_permanent", json!(true));
    parse(&permanent).unwrap();
    // Step 4 comes first.
    for (path, value) in [
        ("lock", json!("third")),
        ("identifier_number", json!("zz")),
        ("valid.passes.max_passes", json!(0)),
        ("identifier_owner.name", json!("")),
    ] {
        assert_eq!(
            err(&with(late.clone(), path, value)),
            BodyError::WrongBody,
            "{path}"
        );
    }
    // Step 5 before step 6 (face_id off) and before 7 to 9.
    let face_late = with(
        with(late.clone(), "identifier_type", json!("face_id")),
        "identifier_number",
        json!("xyz"),
    );
    assert_eq!(err(&face_late), BodyError::FromAfterTo);
    let mut reg = registry();
    create(&mut reg, &full());
    let dup = with(full(), "valid.time.from", json!(1798761601));
    assert_eq!(
        create_err(&reg, &dup),
        "Date `from` must be greater than `to`"
    );
    let master_code = with(
        with(dup.clone(), "identifier_type", json!("inputCode")),
        "identifier_number",
        json!("1234"),
    );
    assert_eq!(
        create_err(&reg, &master_code),
        "Date `from` must be greater than `to`"
    );
    let master_card = with(dup, "identifier_number", json!("12:34:56:78"));
    assert_eq!(
        create_err(&reg, &master_card),
        "Date `from` must be greater than `to`"
    );
}

#[test]
fn step6_face_id() {
    let good = face(&[0.5, -1.0, 3.25, 0.0]);
    // Off: refused whatever the data.
    for n in [good.as_str(), "", "!!"] {
        assert_eq!(err(&body("face_id", n)), BodyError::FaceDisabled, "{n:?}");
    }
    let on = face_rules();
    let b = parse_body(&body("face_id", &good).to_string(), &on).unwrap();
    assert_eq!(b.number, good);
    parse_body(
        &body("face_id", &face(&[f32::MAX, f32::MIN, 1e-45, -0.0])).to_string(),
        &on,
    )
    .unwrap();
    let bad = [
        face(&[1.0, 2.0, 3.0]),
        face(&[1.0, 2.0, 3.0, 4.0, 5.0]),
        face(&[]),
        face(&[1.0, f32::NAN, 3.0, 4.0]),
        face(&[1.0, 2.0, f32::INFINITY, 4.0]),
        face(&[f32::NEG_INFINITY, 2.0, 3.0, 4.0]),
        // 15 and 17 bytes
        base64::engine::general_purpose::STANDARD.encode([0u8; 15]),
        base64::engine::general_purpose::STANDARD.encode([0u8; 17]),
        // not standard Base64: no padding, URL-safe alphabet, junk, spaces
        good.trim_end_matches('=').to_string(),
        base64::engine::general_purpose::URL_SAFE.encode([0xfbu8; 16]),
        "not base64!".to_string(),
        format!(" {good}"),
        format!("{good}\n"),
        String::new(),
    ];
    for n in &bad {
        assert_eq!(
            err_with(&body("face_id", n), &on),
            BodyError::BadFace,
            "{n:?}"
        );
    }
    // Bytes whose standard encoding has `+` and `/` are fine.
    let std16 =
        base64::engine::general_purpose::STANDARD.encode([0xfbu8, 0xff, 0x3f, 0x3f].repeat(4));
    assert!(std16.contains('+') || std16.contains('/'), "{std16}");
    parse_body(&body("face_id", &std16).to_string(), &on).unwrap();
    // Steps 4 and 5 come before 6.
    let v = with(body("face_id", "!!"), "lock", json!("x"));
    assert_eq!(err_with(&v, &on), BodyError::WrongBody);
    // Another dimension count.
    let eight = Rules {
        face_dimensions: 8,
        ..on.clone()
    };
    assert_eq!(
        err_with(&body("face_id", &good), &eight),
        BodyError::BadFace
    );
    parse_body(&body("face_id", &face(&[1.0; 8])).to_string(), &eight).unwrap();
    // Same vector twice is a duplicate.
    let mut reg = Registry::new(on);
    create(&mut reg, &body("face_id", &good));
    assert_eq!(
        create_err(&reg, &body("face_id", &good)),
        "Identifier with that type and number already exist"
    );
    create(&mut reg, &body("face_id", &face(&[0.5, -1.0, 3.25, 1.0])));
}

#[test]
fn step7_and_8_master_credentials() {
    let mut reg = registry();
    let code = "Cannot create identifier with the same input code number as master code";
    let master = "Cannot create identifier with same card number as master card";
    assert_eq!(create_err(&reg, &body("inputCode", "1234")), code);
    for n in [
        "12:34:56:78",
        "12-34-56-78",
        "305419896",
        "0305419896",
        "12:34-56:78",
        "00:00:12:34:56:78",
    ] {
        assert_eq!(create_err(&reg, &body("card", n)), master, "{n}");
    }
    // Lower-case hex of the master card.
    let reg_hex = Registry::new(Rules {
        master_card: number::card_value("ab:cd:ef:01"),
        ..rules()
    });
    assert_eq!(create_err(&reg_hex, &body("card", "AB-CD-EF-01")), master);
    // Not the master: other codes (inputCode compares exactly), ukeys, other types.
    create(&mut reg, &body("inputCode", "01234"));
    create(&mut reg, &body("inputCode", "123"));
    create(&mut reg, &body("inputCode", "12345"));
    create(&mut reg, &body("ukey", "12:34:56:78"));
    assert_eq!(
        create_err(&reg, &body("ukey", "0305419896")),
        "Identifier with that type and number already exist"
    );
    create(&mut reg, &body("card", "1234"));
    create(&mut reg, &body("inputCode", "305419896"));
    create(&mut reg, &body("license_plate", "1234"));
    // Without masters configured, both are ordinary numbers.
    let mut free = Registry::new(Rules {
        master_code: None,
        master_card: None,
        ..rules()
    });
    create(&mut free, &body("inputCode", "1234"));
    create(&mut free, &body("card", "12:34:56:78"));
    // Update into the master is refused the same way.
    let uid = create(&mut reg, &body("card", "77"));
    assert_eq!(
        reg.update(uid, &body("card", "305419896").to_string())
            .unwrap_err()
            .to_string(),
        master
    );
    let uid = create(&mut reg, &body("inputCode", "77"));
    assert_eq!(
        reg.update(uid, &body("inputCode", "1234").to_string())
            .unwrap_err()
            .to_string(),
        code
    );
}

#[test]
fn step9_duplicates_across_forms() {
    let mut reg = registry();
    let dup = "Identifier with that type and number already exist";
    create(&mut reg, &body("card", "12:34:56:79"));
    for n in [
        "12:34:56:79",
        "12-34-56-79",
        "305419897",
        "0305419897",
        "12-34:56-79",
        "00:12:34:56:79",
    ] {
        assert_eq!(create_err(&reg, &body("card", n)), dup, "{n}");
    }
    create(&mut reg, &body("card", "ab:cd"));
    for n in ["AB:CD", "ab-cd", "aB-Cd", "43981", "00043981"] {
        assert_eq!(create_err(&reg, &body("card", n)), dup, "{n}");
    }
    // Another type with the same number is another identifier.
    create(&mut reg, &body("ukey", "305419897"));
    assert_eq!(create_err(&reg, &body("ukey", "12-34-56-79")), dup);
    create(&mut reg, &body("inputCode", "0123"));
    create(&mut reg, &body("inputCode", "123"));
    assert_eq!(create_err(&reg, &body("inputCode", "0123")), dup);
    create(
        &mut reg,
        &body("qr", "123e4567-e89b-12d3-a456-426614174000"),
    );
    assert_eq!(
        create_err(&reg, &body("qr", "123E4567-E89B-12D3-A456-426614174000")),
        dup
    );
    create(&mut reg, &body("license_plate", "ab 12-cd"));
    for n in ["AB12CD", "A-B 1 2-C-D", "ab12cd", "AB 12 CD"] {
        assert_eq!(create_err(&reg, &body("license_plate", n)), dup, "{n}");
    }
    // Step 9 is the last: earlier errors win over a duplicate.
    let v = with(body("card", "305419897"), "lock", json!("x"));
    assert_eq!(create_err(&reg, &v), "Wrong JSON body");
    // Other fields do not matter to a clash.
    let v = with(full(), "identifier_owner.name", json!("Somebody else"));
    assert_eq!(create_err(&reg, &v), dup);
    // After a delete the number is free again, and the uid is not reused.
    let uid = reg.find(IdentifierType::Card, "305419897").unwrap().uid;
    let change = reg.delete(uid).unwrap();
    reg.apply(&change);
    let next = reg.next_uid();
    assert_eq!(create(&mut reg, &body("card", "12-34-56-79")), next);
    assert!(next > uid);
}

#[test]
fn item_json_shape() {
    let mut reg = registry();
    let uid = create(&mut reg, &full());
    let item = reg.get(uid).unwrap();
    assert_eq!(
        item,
        json!({
            "identifier_uid": uid,
            "identifier_owner": {"name": "Alice", "type": "owner"},
            "identifier_type": "card",
            "identifier_number": "12:34:56:79",
            "lock": "first",
            "valid": {
                "time": {"is_permanent": false, "from": 1767225600, "to": 1798761600},
                "passes": {"is_permanent": false, "max_passes": 10}
            },
            "apartment": {"uid": -1},
            "time_profiles": {"count": 0, "uid_items": []},
            "additional": {"passes_left": 10}
        })
    );
    // The number reads back in the form it was sent.
    let uid = create(
        &mut reg,
        &body("qr", "123E4567-E89B-12D3-A456-426614174000"),
    );
    let item = reg.get(uid).unwrap();
    assert_eq!(
        item["identifier_number"],
        "123E4567-E89B-12D3-A456-426614174000"
    );
    assert_eq!(item["identifier_type"], "qr");
    assert_eq!(
        item["valid"],
        json!({"time": {"is_permanent": true}, "passes": {"is_permanent": true}})
    );
    assert_eq!(item["additional"], json!({"passes_left": -1}));
    // Unknown fields of the body are not stored.
    let v = with(body("card", "9"), "extra", json!("x"));
    let uid = create(&mut reg, &v);
    assert!(reg.get(uid).unwrap().get("extra").is_none());
}
