//! The identifier body of the panel API: parsing and validation in the
//! contract's exact order, and the JSON item it reads back as.

use super::body_fields::{check_present_and_typed, child, value_at, Field, Kind};
use super::number;
use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};

/// Errors of the identifier API, each with the panel's exact message.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BodyError {
    #[error("Wrong JSON body")]
    WrongBody,
    #[error("Wrong JSON body: no value for `{0}`")]
    Missing(&'static str),
    #[error("Wrong JSON body: value `{0}` was of the wrong type")]
    WrongType(&'static str),
    #[error("Date `from` must be greater than `to`")]
    FromAfterTo,
    #[error("You cannot create face_id identifier on this panel")]
    FaceDisabled,
    #[error("Wrong face_id image data")]
    BadFace,
    #[error("Cannot create identifier with the same input code number as master code")]
    MasterCode,
    #[error("Cannot create identifier with same card number as master card")]
    MasterCard,
    #[error("Identifier with that type and number already exist")]
    Duplicate,
    #[error("Wrong Identifier uid")]
    WrongUid,
    /// Every uid up to the largest has been given (uids are never reused);
    /// only a data folder edited by hand gets here.
    #[error("No identifier uid is left")]
    NoUidLeft,
    /// A List page larger than latchd replies (see `limits::MAX_PAGE`).
    #[error("Wrong JSON body: the page would be too large; ask for a smaller limit")]
    ReplyTooLarge,
    /// An Import item's error, with its index in `list_items`.
    #[error("list_items[{0}]: {1}")]
    Item(usize, Box<BodyError>),
    // Time profiles: the panel's own messages for values out of their set
    // or range, and ours (listed in dbus/README.md) where its are unknown.
    #[error("Wrong timeprofile uid")]
    WrongTimeProfileUid,
    #[error("Wrong repeat_type")]
    WrongRepeatType,
    #[error("Wrong repeat_looper range")]
    WrongLooperRange,
    #[error("Set in WeekOptions can't be empty")]
    EmptyWeekSet,
    #[error("Wrong DayOfMonth range")]
    WrongDayOfMonth,
    #[error("Wrong months range")]
    WrongMonths,
    #[error("Wrong repeat_point_type")]
    WrongPointType,
    #[error("Wrong DayOfWeek")]
    WrongDayOfWeek,
    #[error("Wrong WeekOfMonth range")]
    WrongWeekOfMonth,
    #[error("Set in MonthOptions can't be empty")]
    EmptyMonthSet,
    #[error("Set in YearOptions can't be empty")]
    EmptyYearSet,
    #[error("Wrong repeat_end format")]
    WrongRepeatEnd,
    #[error("Date `repeat_end` must be greater than `date_from`")]
    RepeatEndBeforeStart,
    #[error("Too many time profiles on this identifier")]
    TooManyAttached,
    #[error("No more time profiles can be created")]
    TooManyTimeProfiles,
    // Apartments.
    #[error("Wrong apartment uid")]
    WrongApartmentUid,
    #[error("Wrong Logical Address")]
    WrongLogicalAddress,
    #[error("Apartment with that Logical Address already exist")]
    ApartmentExists,
    #[error("No more apartments can be created")]
    TooManyApartments,
    // QR images.
    #[error("A QR image is only made for identifiers of type qr")]
    NotQr,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum IdentifierType {
    #[serde(rename = "card")]
    Card,
    #[serde(rename = "ukey")]
    Ukey,
    #[serde(rename = "inputCode")]
    InputCode,
    #[serde(rename = "face_id")]
    FaceId,
    #[serde(rename = "qr")]
    Qr,
    #[serde(rename = "license_plate")]
    LicensePlate,
}

impl IdentifierType {
    pub const ALL: [IdentifierType; 6] = [
        Self::Card,
        Self::Ukey,
        Self::InputCode,
        Self::FaceId,
        Self::Qr,
        Self::LicensePlate,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Card => "card",
            Self::Ukey => "ukey",
            Self::InputCode => "inputCode",
            Self::FaceId => "face_id",
            Self::Qr => "qr",
            Self::LicensePlate => "license_plate",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|t| t.as_str() == s)
    }

    /// Whether `number` has this type's syntax (face_id is checked against the panel, see [`Rules`]).
    pub fn accepts(self, n: &str) -> bool {
        match self {
            Self::Card | Self::Ukey => number::is_decimal(n) || number::is_hex_bytes(n),
            Self::InputCode => number::is_decimal(n),
            Self::Qr => number::is_uuid(n),
            Self::LicensePlate => number::is_license_plate(n),
            Self::FaceId => true,
        }
    }

    /// The canonical form of a number of this type, under which duplicates
    /// and lookups compare; None when the number is not of this type.
    pub fn canonical(self, n: &str) -> Option<String> {
        if !self.accepts(n) {
            return None;
        }
        Some(match self {
            Self::Card | Self::Ukey => number::card_value(n)?.to_string(),
            Self::InputCode | Self::FaceId => n.to_string(),
            Self::Qr => n.to_ascii_lowercase(),
            Self::LicensePlate => n
                .chars()
                .filter(|c| *c != ' ' && *c != '-')
                .flat_map(char::to_uppercase)
                .collect(),
        })
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum OwnerType {
    Owner,
    Guest,
}

/// Which locks an identifier opens.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LockChoice {
    First,
    Second,
    All,
}

impl LockChoice {
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "first" => Some(Self::First),
            "second" => Some(Self::Second),
            "all" => Some(Self::All),
            _ => None,
        }
    }
    pub fn as_str(self) -> &'static str {
        match self {
            Self::First => "first",
            Self::Second => "second",
            Self::All => "all",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TimeLimit {
    pub is_permanent: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub to: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PassLimit {
    pub is_permanent: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_passes: Option<i64>,
}

/// The validated body of Create and Update.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Body {
    pub owner_name: String,
    pub owner_type: OwnerType,
    #[serde(rename = "type")]
    pub kind: IdentifierType,
    pub number: String,
    pub lock: LockChoice,
    pub time: TimeLimit,
    pub passes: PassLimit,
}

impl Body {
    /// The canonical number (valid bodies always have one).
    pub fn canonical(&self) -> String {
        self.kind
            .canonical(&self.number)
            .unwrap_or_else(|| self.number.clone())
    }
}

/// What the panel configuration contributes to validation and decisions.
#[derive(Debug, Clone)]
pub struct Rules {
    pub master_code: Option<String>,
    /// Canonical value of the master card.
    pub master_card: Option<u64>,
    pub face_recognition: bool,
    pub face_dimensions: u32,
    /// `[panel] face_threshold`: how similar a presented face must be.
    pub face_threshold: super::face::FaceThreshold,
    /// `[clock] time_zone`: where time profiles are evaluated.
    pub time_zone: jiff::tz::TimeZone,
}

impl Default for Rules {
    fn default() -> Self {
        Rules {
            master_code: None,
            master_card: None,
            face_recognition: false,
            face_dimensions: 128,
            face_threshold: Default::default(),
            time_zone: jiff::tz::TimeZone::UTC,
        }
    }
}

/// A stored identifier: the body plus what the panel keeps beside it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Identifier {
    pub uid: u32,
    #[serde(flatten)]
    pub body: Body,
    /// -1 when passes are permanent.
    pub passes_left: i64,
    #[serde(default)]
    pub time_profiles: Vec<u32>,
    /// -1 when not bound to an apartment.
    #[serde(default = "unbound")]
    pub apartment: i64,
}

fn unbound() -> i64 {
    -1
}

impl Identifier {
    pub fn new(uid: u32, body: Body) -> Self {
        let passes_left = body.passes.max_passes.filter(|_| !body.passes.is_permanent);
        Identifier {
            uid,
            body,
            passes_left: passes_left.unwrap_or(-1),
            time_profiles: Vec::new(),
            apartment: -1,
        }
    }

    /// The identifier after an Update with `body`: the body is replaced, the
    /// passes already used stay used, profiles and apartment stay attached.
    pub fn updated(&self, body: Body) -> Self {
        let mut next = Identifier::new(self.uid, body);
        if let (Some(old_max), Some(new_max)) = (self.max_passes(), next.max_passes()) {
            let used = (old_max - self.passes_left).max(0);
            next.passes_left = (new_max - used).max(0);
        }
        next.time_profiles = self.time_profiles.clone();
        next.apartment = self.apartment;
        next
    }

    /// `max_passes` when passes are limited.
    pub fn max_passes(&self) -> Option<i64> {
        if self.body.passes.is_permanent {
            None
        } else {
            self.body.passes.max_passes
        }
    }

    /// The item of Get and List.
    pub fn to_item(&self) -> Value {
        let b = &self.body;
        let mut time = Map::new();
        time.insert("is_permanent".into(), b.time.is_permanent.into());
        if let Some(from) = b.time.from {
            time.insert("from".into(), from.into());
        }
        if let Some(to) = b.time.to {
            time.insert("to".into(), to.into());
        }
        let mut passes = Map::new();
        passes.insert("is_permanent".into(), b.passes.is_permanent.into());
        if let Some(max) = b.passes.max_passes {
            passes.insert("max_passes".into(), max.into());
        }
        json!({
            "identifier_uid": self.uid,
            "identifier_owner": {"name": b.owner_name, "type": b.owner_type},
            "identifier_type": b.kind.as_str(),
            "identifier_number": b.number,
            "lock": b.lock.as_str(),
            "valid": {"time": time, "passes": passes},
            "apartment": {"uid": self.apartment},
            "time_profiles": {"count": self.time_profiles.len(), "uid_items": self.time_profiles},
            "additional": {"passes_left": self.passes_left},
        })
    }
}

/// Parses a body, running checks 1 to 6 of the contract. Checks 7 to 9 need
/// the stored identifiers and the master credentials, see [`check_against`].
pub fn parse_body(text: &str, rules: &Rules) -> Result<Body, BodyError> {
    if text.len() > super::limits::MAX_BODY {
        return Err(BodyError::WrongBody);
    }
    let value: Value = serde_json::from_str(text).map_err(|_| BodyError::WrongBody)?;
    parse_body_value(&value, rules)
}

/// As [`parse_body`], for a body already parsed as JSON (an Import item).
pub fn parse_body_value(value: &Value, rules: &Rules) -> Result<Body, BodyError> {
    // 1. An object.
    let root = value.as_object().ok_or(BodyError::WrongBody)?;
    let fields = Fields::of(root);
    // 2. Required fields, depth first in the order of the contract; 3.
    // types, in the same order: every field given has its type, also
    // `from`, `to` and `max_passes` of a permanent limit.
    check_present_and_typed(&fields.list)?;
    // 4. Sets and patterns.
    let get_str = |p: &str| fields.get(p).and_then(Value::as_str).unwrap_or_default();
    let owner_type = match get_str("identifier_owner.type") {
        "owner" => OwnerType::Owner,
        "guest" => OwnerType::Guest,
        _ => return Err(BodyError::WrongBody),
    };
    let kind = IdentifierType::parse(get_str("identifier_type")).ok_or(BodyError::WrongBody)?;
    let lock = LockChoice::parse(get_str("lock")).ok_or(BodyError::WrongBody)?;
    let owner_name = get_str("identifier_owner.name");
    if owner_name.is_empty() || owner_name.chars().count() > super::limits::MAX_OWNER_NAME {
        return Err(BodyError::WrongBody);
    }
    let number = get_str("identifier_number");
    let int = |p: &str| fields.get(p).and_then(Value::as_i64);
    let time_permanent = fields.bool_or_true("valid.time.is_permanent");
    let passes_permanent = fields.bool_or_true("valid.passes.is_permanent");
    let (from, to) = (int("valid.time.from"), int("valid.time.to"));
    let max_passes = int("valid.passes.max_passes");
    // At least 1 whenever given (step 2 made sure it is given when limited).
    if max_passes.is_some_and(|m| m < 1) {
        return Err(BodyError::WrongBody);
    }
    if !kind.accepts(number) {
        return Err(BodyError::WrongBody);
    }
    // 5. The window.
    if !time_permanent && from > to {
        return Err(BodyError::FromAfterTo);
    }
    // 6. Face vectors.
    if kind == IdentifierType::FaceId {
        if !rules.face_recognition {
            return Err(BodyError::FaceDisabled);
        }
        if !is_face_vector(number, rules.face_dimensions) {
            return Err(BodyError::BadFace);
        }
    }
    Ok(Body {
        owner_name: owner_name.to_string(),
        owner_type,
        kind,
        number: number.to_string(),
        lock,
        time: TimeLimit {
            is_permanent: time_permanent,
            from,
            to,
        },
        passes: PassLimit {
            is_permanent: passes_permanent,
            max_passes,
        },
    })
}

/// Checks 7 and 8: the master credentials.
pub fn check_master(body: &Body, rules: &Rules) -> Result<(), BodyError> {
    match body.kind {
        IdentifierType::InputCode if rules.master_code.as_deref() == Some(body.number.as_str()) => {
            Err(BodyError::MasterCode)
        }
        IdentifierType::Card
            if rules.master_card.is_some()
                && number::card_value(&body.number) == rules.master_card =>
        {
            Err(BodyError::MasterCard)
        }
        _ => Ok(()),
    }
}

/// Standard Base64 of `dims` little-endian finite f32 values.
fn is_face_vector(text: &str, dims: u32) -> bool {
    let mut values = [0f32; super::limits::MAX_FACE_DIMENSIONS];
    super::face::decode_face_into(text, dims, &mut values).is_some()
}

/// The body's fields in the contract's order, each with whether it is required
/// given the values around it.
struct Fields<'a> {
    list: Vec<Field<'a>>,
}

impl<'a> Fields<'a> {
    fn of(root: &'a Map<String, Value>) -> Self {
        let mut list: Vec<Field<'a>> = Vec::with_capacity(13);
        let top = |key: &str| root.get(key).filter(|v| !v.is_null());
        let owner = top("identifier_owner");
        list.push(Field {
            path: "identifier_owner",
            kind: Kind::Object,
            required: true,
            value: owner,
        });
        let (present, name) = child(owner, "name");
        list.push(Field {
            path: "identifier_owner.name",
            kind: Kind::Str,
            required: present,
            value: name,
        });
        let (present, otype) = child(owner, "type");
        list.push(Field {
            path: "identifier_owner.type",
            kind: Kind::Str,
            required: present,
            value: otype,
        });
        for (path, key) in [
            ("identifier_type", "identifier_type"),
            ("identifier_number", "identifier_number"),
            ("lock", "lock"),
        ] {
            list.push(Field {
                path,
                kind: Kind::Str,
                required: true,
                value: top(key),
            });
        }
        let valid = top("valid");
        list.push(Field {
            path: "valid",
            kind: Kind::Object,
            required: false,
            value: valid,
        });
        // `valid` is optional, but when it is an object its parts are required.
        let (present, time) = child(valid, "time");
        list.push(Field {
            path: "valid.time",
            kind: Kind::Object,
            required: present,
            value: time,
        });
        let (present, time_perm) = child(time, "is_permanent");
        list.push(Field {
            path: "valid.time.is_permanent",
            kind: Kind::Bool,
            required: present,
            value: time_perm,
        });
        let limited = time_perm == Some(&Value::Bool(false));
        let (_, from) = child(time, "from");
        list.push(Field {
            path: "valid.time.from",
            kind: Kind::Int,
            required: limited,
            value: from,
        });
        let (_, to) = child(time, "to");
        list.push(Field {
            path: "valid.time.to",
            kind: Kind::Int,
            required: limited,
            value: to,
        });
        let (present, passes) = child(valid, "passes");
        list.push(Field {
            path: "valid.passes",
            kind: Kind::Object,
            required: present,
            value: passes,
        });
        let (present, pass_perm) = child(passes, "is_permanent");
        list.push(Field {
            path: "valid.passes.is_permanent",
            kind: Kind::Bool,
            required: present,
            value: pass_perm,
        });
        let limited = pass_perm == Some(&Value::Bool(false));
        let (_, max) = child(passes, "max_passes");
        list.push(Field {
            path: "valid.passes.max_passes",
            kind: Kind::Int,
            required: limited,
            value: max,
        });
        // `valid` itself must be an object when present.
        if let Some(v) = list.iter_mut().find(|f| f.path == "valid") {
            v.required = v.value.is_some();
        }
        Fields { list }
    }

    fn get(&self, path: &str) -> Option<&'a Value> {
        value_at(&self.list, path)
    }

    /// A permanence flag; absent (no `valid`) means permanent.
    fn bool_or_true(&self, path: &str) -> bool {
        self.get(path).and_then(Value::as_bool).unwrap_or(true)
    }
}

#[cfg(test)]
#[path = "identifier_tests.rs"]
mod tests;
