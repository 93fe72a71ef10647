//! What the targets share: the panel rules they validate under and the
//! contract's error strings.
#![allow(dead_code)]

use latchd::domain::identifier::{BodyError, Rules};

/// The master card of the rules below: `12:34:56:78`.
pub const MASTER_CARD: u64 = 0x1234_5678;

/// A few panels: face recognition off and on (with short vectors, so that
/// valid ones are reachable), with and without master credentials.
pub fn rule_sets() -> [Rules; 3] {
    [
        Rules::default(),
        Rules {
            master_code: Some("1234".into()),
            master_card: Some(MASTER_CARD),
            face_recognition: true,
            face_dimensions: 2,
            ..Rules::default()
        },
        Rules {
            master_code: Some("0".into()),
            master_card: Some(0),
            face_recognition: false,
            face_dimensions: 1,
            ..Rules::default()
        },
    ]
}

/// The body's fields, as errors name them.
pub const FIELDS: [&str; 14] = [
    "identifier_owner",
    "identifier_owner.name",
    "identifier_owner.type",
    "identifier_type",
    "identifier_number",
    "lock",
    "valid",
    "valid.time",
    "valid.time.is_permanent",
    "valid.time.from",
    "valid.time.to",
    "valid.passes",
    "valid.passes.is_permanent",
    "valid.passes.max_passes",
];

/// Whether `message` is one of the contract's strings for a body error
/// (checks 1 to 9 and a uid that does not exist), possibly of an Import item.
pub fn is_contract_message(message: &str) -> bool {
    let mut m = message;
    // `list_items[N]: ` prefixes, as Import reports an item's error.
    while let Some(rest) = m.strip_prefix("list_items[") {
        let Some((n, rest)) = rest.split_once("]: ") else {
            return false;
        };
        if n.is_empty() || !n.bytes().all(|b| b.is_ascii_digit()) {
            return false;
        }
        m = rest;
    }
    const FIXED: [&str; 9] = [
        "Wrong JSON body",
        "Date `from` must be greater than `to`",
        "You cannot create face_id identifier on this panel",
        "Wrong face_id image data",
        "Cannot create identifier with the same input code number as master code",
        "Cannot create identifier with same card number as master card",
        "Identifier with that type and number already exist",
        "Wrong Identifier uid",
        "Wrong JSON body: the page would be too large; ask for a smaller limit",
    ];
    if FIXED.contains(&m) {
        return true;
    }
    let field = |f: &str| FIELDS.contains(&f) || f == "list_items" || f == "uid_items";
    if let Some(f) = m
        .strip_prefix("Wrong JSON body: no value for `")
        .and_then(|r| r.strip_suffix('`'))
    {
        return field(f);
    }
    if let Some(f) = m
        .strip_prefix("Wrong JSON body: value `")
        .and_then(|r| r.strip_suffix("` was of the wrong type"))
    {
        return field(f);
    }
    false
}

/// Checks 1 to 6 end in one of these.
pub fn is_parse_error(e: &BodyError, rules: &Rules) -> bool {
    match e {
        BodyError::WrongBody | BodyError::FromAfterTo => true,
        BodyError::Missing(f) | BodyError::WrongType(f) => FIELDS.contains(f),
        BodyError::FaceDisabled => !rules.face_recognition,
        BodyError::BadFace => rules.face_recognition,
        _ => false,
    }
}
