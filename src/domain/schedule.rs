//! Time profiles of the panel API (`org.latchd.Panel1.TimeProfiles`): the
//! body, its validation in the contract's order, the JSON it reads back as,
//! and whether an instant is inside a profile. Pure: no I/O.
//!
//! # Validation
//!
//! As for identifiers (see `identifier.rs`): 1. the body is a JSON object,
//! else `WrongBody`; 2. required fields, depth first, else `Missing(path)`;
//! 3. the type of every field given, required or not, else
//! `WrongType(path)` (`null` counts as absent; integers must fit an `i64`,
//! so `1.5` is of the wrong type); 4. values, first failure wins.
//!
//! A part of the body that is not in effect is only type-checked (step 3):
//! nothing inside it is required and its values are not refused. It is
//! kept and read back when its values are valid (so a body reads back as
//! it was sent, like the panel's example of a `day` repeat that also
//! carries a `repeat_custom`), and dropped otherwise; it never changes what
//! the profile means. The parts are `repeat_format` while `repeat_enable`
//! is false, `repeat_custom` while `repeat_type` is not `custom`,
//! `repeat_end.date` while the format is `never`, and `repeat_options` of
//! the point type `day`. Unknown fields are ignored.
//!
//! # Meaning
//!
//! A profile reads as a recurring calendar event in WALL-CLOCK terms of the
//! panel's zone. With S and E the civil datetimes of `date_from` and
//! `date_to` in that zone, an occurrence starting on date D covers the civil
//! datetimes `[D + S.time, D + span + E.time)`, span = E.date - S.date in
//! days; an all-day occurrence covers `[D 00:00, D + span + 1 day 00:00)`.
//! An instant is inside when its civil datetime falls in an occurrence.
//!
//! Comparing civil times is deliberate: "9:00 to 17:00" means the wall
//! clock. On a spring-forward day no instant has the skipped wall times, so
//! a profile of the skipped hour is not inside that day; on a fall-back day
//! the repeated wall times happen twice and both passes are inside. An
//! occurrence whose civil end is not after its civil start (possible only
//! when a fall-back makes `date_to`'s wall time earlier than `date_from`'s)
//! is empty.
//!
//! The occurrence dates D are at or after S.date and, with an end date, at
//! or before the civil date of `repeat_end.date` (inclusive). They are the
//! dates the rule below gives: S.date itself is one only when it fits the
//! rule (a custom weekly profile on Mondays whose `date_from` is a Sunday
//! starts on the Monday after).
//!
//! - repeat disabled: S.date only;
//! - `day`, `week`, `twoWeeks`: every 1, 7, 14 days from S.date;
//! - `month`: S's day of month every month; a month without that day has no
//!   occurrence (as RFC 5545: skipped, not moved to the month's last day);
//! - `year`: S's month and day every year (February 29 in leap years only);
//! - custom `day`: every N days (N = `repeat_looper`);
//! - custom `week`: weeks start on Monday, S's week is week 0; in every Nth
//!   week, on the listed weekdays;
//! - custom `month`: S's month is month 0; in every Nth month, on the listed
//!   days of month (skipped where the month lacks them) and the listed nth
//!   weekdays (`week` 1 to 5, or -1 for the last one of the month);
//! - custom `year`: S's year is year 0; in every Nth year, in the listed
//!   months, on the listed days (or S's day of month when none are listed).
//!
//! Instants outside jiff's range (about ±9999 years) are never inside.

use super::body_fields::{check_present_and_typed, child, value_at, Field, Kind};
use super::calendar::{civil_from_days, days_from_civil, days_in_month};
use super::identifier::BodyError;
use super::limits::{MAX_BODY, MAX_OWNER_NAME};
use jiff::tz::TimeZone;
use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};

/// The largest `repeat_looper`.
pub const MAX_LOOPER: u32 = 1000;

/// Elements of one options array (`repeat_options`, `months`, `days`): a
/// bound so that neither a body nor the work on it is unbounded. A set of
/// days of a year has at most 366 elements that mean something.
pub const MAX_OPTIONS: usize = 366;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum RepeatType {
    Day,
    Week,
    TwoWeeks,
    Month,
    Year,
    Custom,
}

impl RepeatType {
    const ALL: [RepeatType; 6] = [
        Self::Day,
        Self::Week,
        Self::TwoWeeks,
        Self::Month,
        Self::Year,
        Self::Custom,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Day => "day",
            Self::Week => "week",
            Self::TwoWeeks => "twoWeeks",
            Self::Month => "month",
            Self::Year => "year",
            Self::Custom => "custom",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|t| t.as_str() == s)
    }
}

/// `repeat_point_type` of a custom repeat.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum PointType {
    Day,
    Week,
    Month,
    Year,
}

impl PointType {
    const ALL: [PointType; 4] = [Self::Day, Self::Week, Self::Month, Self::Year];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Day => "day",
            Self::Week => "week",
            Self::Month => "month",
            Self::Year => "year",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|t| t.as_str() == s)
    }
}

/// A day of the week, Monday first (its discriminant is days after Monday).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum WeekDay {
    Mon,
    Tue,
    Wed,
    Thu,
    Fri,
    Sat,
    Sun,
}

impl WeekDay {
    const ALL: [WeekDay; 7] = [
        Self::Mon,
        Self::Tue,
        Self::Wed,
        Self::Thu,
        Self::Fri,
        Self::Sat,
        Self::Sun,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Mon => "MON",
            Self::Tue => "TUE",
            Self::Wed => "WED",
            Self::Thu => "THU",
            Self::Fri => "FRI",
            Self::Sat => "SAT",
            Self::Sun => "SUN",
        }
    }

    /// Exact upper case only, as the panel sends them.
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|d| d.as_str() == s)
    }

    fn index(self) -> i64 {
        self as i64
    }
}

/// The `week`-th `day` of a month; `week` is 1 to 5, or -1 for the last.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NthWeekDay {
    pub week: i8,
    pub day: WeekDay,
}

impl NthWeekDay {
    /// Sort key: weeks 1 to 5, then the last, each Monday first.
    fn key(&self) -> (i8, WeekDay) {
        (if self.week < 0 { 6 } else { self.week }, self.day)
    }
}

/// `repeat_custom`, its options split by kind. The JSON's `repeat_options`
/// is a list of weekdays (point `week`), a list of days of month and nth
/// weekdays (point `month`) or `{months, days}` (point `year`); lists are
/// stored sorted and without duplicates. Only the lists of the point type
/// are used (and, when read from disk, allowed: see [`ProfileBody::check`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Custom {
    pub repeat_point_type: PointType,
    pub repeat_looper: u32,
    /// Point `week`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub weekdays: Vec<WeekDay>,
    /// Point `year`: 1 to 12.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub months: Vec<u8>,
    /// Points `month` and `year`: days of month, 1 to 31.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub days: Vec<u8>,
    /// Points `month` and `year`. Last: TOML writes it as tables.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub nth_weekdays: Vec<NthWeekDay>,
}

/// `repeat_format`: of an enabled repeat, or kept beside a disabled one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Repeat {
    pub repeat_type: RepeatType,
    /// `repeat_end.date` (Unix seconds) when the format is `date`; absent
    /// when it is `never`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub repeat_end: Option<i64>,
    /// Present when `repeat_type` is `custom`; beside another type, a
    /// valid one sent is kept (not in effect).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub repeat_custom: Option<Custom>,
}

/// A validated profile body, as stored. No `Option` is ever serialised as a
/// bare `None` (TOML has no null).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProfileBody {
    pub name: String,
    pub is_all_day: bool,
    /// Unix seconds.
    pub date_from: i64,
    /// Unix seconds.
    pub date_to: i64,
    /// `repeat_enable`: whether `repeat` is in effect.
    #[serde(default = "enabled", skip_serializing_if = "is_true")]
    pub repeat_enable: bool,
    /// Always present while `repeat_enable`; else a valid one sent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub repeat: Option<Repeat>,
}

fn enabled() -> bool {
    true
}

fn is_true(b: &bool) -> bool {
    *b
}

// The dotted paths of the body, in the contract's order.
const NAME: &str = "name";
const TIME: &str = "time_options";
const ALL_DAY: &str = "time_options.is_all_day";
const FROM: &str = "time_options.date_from";
const TO: &str = "time_options.date_to";
const REPEAT: &str = "repeat_options";
const ENABLE: &str = "repeat_options.repeat_enable";
const FORMAT: &str = "repeat_options.repeat_format";
const TYPE: &str = "repeat_options.repeat_format.repeat_type";
const END: &str = "repeat_options.repeat_format.repeat_end";
const END_FORMAT: &str = "repeat_options.repeat_format.repeat_end.format";
const END_DATE: &str = "repeat_options.repeat_format.repeat_end.date";
const CUSTOM: &str = "repeat_options.repeat_format.repeat_custom";
const POINT: &str = "repeat_options.repeat_format.repeat_custom.repeat_point_type";
const LOOPER: &str = "repeat_options.repeat_format.repeat_custom.repeat_looper";
const OPTIONS: &str = "repeat_options.repeat_format.repeat_custom.repeat_options";
const OPT_WEEK: &str = "repeat_options.repeat_format.repeat_custom.repeat_options.week";
const OPT_DAY: &str = "repeat_options.repeat_format.repeat_custom.repeat_options.day";
const MONTHS: &str = "repeat_options.repeat_format.repeat_custom.repeat_options.months";
const DAYS: &str = "repeat_options.repeat_format.repeat_custom.repeat_options.days";
const DAYS_WEEK: &str = "repeat_options.repeat_format.repeat_custom.repeat_options.days.week";
const DAYS_DAY: &str = "repeat_options.repeat_format.repeat_custom.repeat_options.days.day";

/// Parses and validates a Create or Update body.
pub fn parse_profile(text: &str) -> Result<ProfileBody, BodyError> {
    if text.len() > MAX_BODY {
        return Err(BodyError::WrongBody);
    }
    let value: Value = serde_json::from_str(text).map_err(|_| BodyError::WrongBody)?;
    parse_profile_value(&value)
}

/// As [`parse_profile`], for a body already parsed as JSON.
pub fn parse_profile_value(value: &Value) -> Result<ProfileBody, BodyError> {
    // 1. An object.
    let root = value.as_object().ok_or(BodyError::WrongBody)?;
    let fields = Fields::of(root);
    // 2. Required fields, depth first; 3. types of every field given.
    check_present_and_typed(&fields.list)?;
    // 4. Values. Steps 2 and 3 guarantee the types read below; the defaults
    // are never used.
    let name = fields.str(NAME);
    if name.is_empty() || name.chars().count() > MAX_OWNER_NAME {
        return Err(BodyError::WrongBody);
    }
    let (date_from, date_to) = (fields.int(FROM), fields.int(TO));
    let repeat_enable = fields.get(ENABLE) == Some(&Value::Bool(true));
    let repeat = if repeat_enable {
        Some(parse_repeat(&fields)?)
    } else if fields.get(FORMAT).is_some() {
        // Not in effect: kept only when it would be valid.
        parse_repeat(&fields)
            .ok()
            .filter(|r| r.repeat_end.is_none_or(|end| end >= date_from))
    } else {
        None
    };
    // Instants, not local dates, also for all-day profiles.
    if date_from > date_to {
        return Err(BodyError::FromAfterTo);
    }
    if repeat
        .as_ref()
        .and_then(|r| r.repeat_end)
        .is_some_and(|end| end < date_from && repeat_enable)
    {
        return Err(BodyError::RepeatEndBeforeStart);
    }
    Ok(ProfileBody {
        name: name.to_string(),
        is_all_day: fields.get(ALL_DAY) == Some(&Value::Bool(true)),
        date_from,
        date_to,
        repeat_enable,
        repeat,
    })
}

/// Step 4 for an enabled `repeat_format`.
fn parse_repeat(fields: &Fields) -> Result<Repeat, BodyError> {
    let repeat_type = RepeatType::parse(fields.str(TYPE)).ok_or(BodyError::WrongRepeatType)?;
    let repeat_end = match fields.str(END_FORMAT) {
        "never" => None,
        "date" => Some(fields.int(END_DATE)),
        _ => return Err(BodyError::WrongRepeatEnd),
    };
    let repeat_custom = if repeat_type == RepeatType::Custom {
        Some(parse_custom(fields)?)
    } else if fields.get(CUSTOM).is_some() {
        // Not in effect: kept only when it would be valid.
        parse_custom(fields).ok()
    } else {
        None
    };
    Ok(Repeat {
        repeat_type,
        repeat_end,
        repeat_custom,
    })
}

fn parse_custom(fields: &Fields) -> Result<Custom, BodyError> {
    let point = PointType::parse(fields.str(POINT)).ok_or(BodyError::WrongPointType)?;
    let looper = fields.int(LOOPER);
    if !(1..=i64::from(MAX_LOOPER)).contains(&looper) {
        return Err(BodyError::WrongLooperRange);
    }
    let mut custom = Custom {
        repeat_point_type: point,
        repeat_looper: looper as u32,
        weekdays: Vec::new(),
        months: Vec::new(),
        days: Vec::new(),
        nth_weekdays: Vec::new(),
    };
    let list = |path| bounded(fields.get(path).and_then(Value::as_array));
    match point {
        // Contents not checked: a day repeat has no options.
        PointType::Day => {}
        PointType::Week => {
            let items = list(OPTIONS)?;
            if items.is_empty() {
                return Err(BodyError::EmptyWeekSet);
            }
            for item in items {
                let day = item.as_str().and_then(WeekDay::parse);
                custom.weekdays.push(day.ok_or(BodyError::WrongDayOfWeek)?);
            }
        }
        PointType::Month => {
            let items = list(OPTIONS)?;
            if items.is_empty() {
                return Err(BodyError::EmptyMonthSet);
            }
            month_days(items, &mut custom, OPT_WEEK, OPT_DAY)?;
        }
        PointType::Year => {
            let months = list(MONTHS)?;
            if months.is_empty() {
                return Err(BodyError::EmptyYearSet);
            }
            for item in months {
                match item.as_i64() {
                    Some(m @ 1..=12) => custom.months.push(m as u8),
                    _ => return Err(BodyError::WrongMonths),
                }
            }
            month_days(list(DAYS)?, &mut custom, DAYS_WEEK, DAYS_DAY)?;
        }
    }
    custom.normalise();
    Ok(custom)
}

/// An options array, at most [`MAX_OPTIONS`] long; absent reads as empty.
fn bounded(items: Option<&Vec<Value>>) -> Result<&[Value], BodyError> {
    let items = items.map_or(&[][..], Vec::as_slice);
    if items.len() > MAX_OPTIONS {
        return Err(BodyError::WrongBody);
    }
    Ok(items)
}

/// The elements of the month form: a day of month, or `{week, day}`.
fn month_days(
    items: &[Value],
    custom: &mut Custom,
    week_path: &'static str,
    day_path: &'static str,
) -> Result<(), BodyError> {
    for item in items {
        if let Some(obj) = item.as_object() {
            let get = |key| obj.get(key).filter(|v| !v.is_null());
            let week = get("week").ok_or(BodyError::Missing(week_path))?;
            let day = get("day").ok_or(BodyError::Missing(day_path))?;
            let week = match week.as_i64() {
                Some(w @ (-1 | 1..=5)) => w as i8,
                _ => return Err(BodyError::WrongWeekOfMonth),
            };
            let day = day
                .as_str()
                .and_then(WeekDay::parse)
                .ok_or(BodyError::WrongDayOfWeek)?;
            custom.nth_weekdays.push(NthWeekDay { week, day });
        } else {
            match item.as_i64() {
                Some(d @ 1..=31) => custom.days.push(d as u8),
                _ => return Err(BodyError::WrongDayOfMonth),
            }
        }
    }
    Ok(())
}

impl Custom {
    /// Sorted sets: duplicates mean nothing, and the JSON read back is the
    /// same for the same profile.
    fn normalise(&mut self) {
        self.weekdays.sort();
        self.weekdays.dedup();
        self.months.sort();
        self.months.dedup();
        self.days.sort();
        self.days.dedup();
        self.nth_weekdays.sort_by_key(NthWeekDay::key);
        self.nth_weekdays.dedup();
    }

    fn check(&self) -> Result<(), String> {
        if !(1..=MAX_LOOPER).contains(&self.repeat_looper) {
            return Err(format!(
                "repeat_looper {} is outside 1 to {MAX_LOOPER}",
                self.repeat_looper
            ));
        }
        let lengths = [
            self.weekdays.len(),
            self.months.len(),
            self.days.len(),
            self.nth_weekdays.len(),
        ];
        if lengths.iter().any(|&n| n > MAX_OPTIONS) {
            return Err(format!("a list has more than {MAX_OPTIONS} elements"));
        }
        let point = self.repeat_point_type;
        // Which lists the point type uses.
        let (weekdays, months, days) = match point {
            PointType::Day => (false, false, false),
            PointType::Week => (true, false, false),
            PointType::Month => (false, false, true),
            PointType::Year => (false, true, true),
        };
        let unused = (!weekdays && !self.weekdays.is_empty())
            .then_some("weekdays")
            .or((!months && !self.months.is_empty()).then_some("months"))
            .or((!days && !self.days.is_empty()).then_some("days"))
            .or((!days && !self.nth_weekdays.is_empty()).then_some("nth_weekdays"));
        if let Some(list) = unused {
            return Err(format!(
                "{list} are not used by repeat_point_type {}",
                point.as_str()
            ));
        }
        if weekdays && self.weekdays.is_empty() {
            return Err(BodyError::EmptyWeekSet.to_string());
        }
        if point == PointType::Month && self.days.is_empty() && self.nth_weekdays.is_empty() {
            return Err(BodyError::EmptyMonthSet.to_string());
        }
        if months && self.months.is_empty() {
            return Err(BodyError::EmptyYearSet.to_string());
        }
        if let Some(m) = self.months.iter().find(|m| !(1..=12).contains(*m)) {
            return Err(format!("month {m} is outside 1 to 12"));
        }
        if let Some(d) = self.days.iter().find(|d| !(1..=31).contains(*d)) {
            return Err(format!("day of month {d} is outside 1 to 31"));
        }
        if let Some(n) = self
            .nth_weekdays
            .iter()
            .find(|n| !matches!(n.week, -1 | 1..=5))
        {
            return Err(format!("week of month {} is not 1 to 5 or -1", n.week));
        }
        Ok(())
    }

    /// `repeat_options` as the panel sends it, or None for point `day`.
    fn options_json(&self) -> Option<Value> {
        let month_form = || -> Vec<Value> {
            let days = self.days.iter().map(|&d| json!(d));
            let nth = self
                .nth_weekdays
                .iter()
                .map(|n| json!({"week": n.week, "day": n.day.as_str()}));
            days.chain(nth).collect()
        };
        match self.repeat_point_type {
            PointType::Day => None,
            PointType::Week => Some(self.weekdays.iter().map(|d| d.as_str()).collect()),
            PointType::Month => Some(Value::Array(month_form())),
            PointType::Year => Some(json!({"months": self.months, "days": month_form()})),
        }
    }
}

impl ProfileBody {
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The body as the panel reads it back: the shape sent, normalised
    /// (invalid parts not in effect dropped, option lists sorted and deduplicated,
    /// `days` of the year form always given).
    pub fn to_json(&self) -> Map<String, Value> {
        let mut repeat = Map::new();
        repeat.insert("repeat_enable".into(), self.repeat_enable.into());
        if let Some(r) = &self.repeat {
            let end = match r.repeat_end {
                None => json!({"format": "never"}),
                Some(date) => json!({"format": "date", "date": date}),
            };
            let mut format = Map::new();
            format.insert("repeat_type".into(), r.repeat_type.as_str().into());
            format.insert("repeat_end".into(), end);
            if let Some(c) = &r.repeat_custom {
                let mut custom = Map::new();
                custom.insert(
                    "repeat_point_type".into(),
                    c.repeat_point_type.as_str().into(),
                );
                custom.insert("repeat_looper".into(), c.repeat_looper.into());
                if let Some(options) = c.options_json() {
                    custom.insert("repeat_options".into(), options);
                }
                format.insert("repeat_custom".into(), custom.into());
            }
            repeat.insert("repeat_format".into(), format.into());
        }
        let mut map = Map::new();
        map.insert("name".into(), self.name.clone().into());
        map.insert(
            "time_options".into(),
            json!({
                "is_all_day": self.is_all_day,
                "date_from": self.date_from,
                "date_to": self.date_to,
            }),
        );
        map.insert("repeat_options".into(), repeat.into());
        map
    }

    /// The checks of step 4 again, for a profile read from disk (a file
    /// edited by hand): the first problem, as text.
    pub fn check(&self) -> Result<(), String> {
        if self.name.is_empty() || self.name.chars().count() > MAX_OWNER_NAME {
            return Err(format!("name must have 1 to {MAX_OWNER_NAME} characters"));
        }
        if let Some(r) = &self.repeat {
            match (r.repeat_type, &r.repeat_custom) {
                (RepeatType::Custom, Some(c)) => c.check()?,
                (RepeatType::Custom, None) => {
                    return Err("repeat_type custom needs repeat_custom".into())
                }
                (_, Some(c)) => c.check()?,
                (_, None) => {}
            }
        }
        if self.date_from > self.date_to {
            return Err(BodyError::FromAfterTo.to_string());
        }
        if let Some(end) = self.repeat.as_ref().and_then(|r| r.repeat_end) {
            if end < self.date_from {
                return Err(BodyError::RepeatEndBeforeStart.to_string());
            }
        }
        Ok(())
    }

    /// Whether the instant `now_unix` (Unix seconds) is inside the profile,
    /// in the panel's zone `tz` (see the module doc).
    ///
    /// It runs on the door path, so it neither allocates nor does I/O: three
    /// or four zone lookups (`TimeZone::to_datetime`), then integer
    /// arithmetic on day numbers. The work is bounded whatever the dates:
    /// the candidate occurrence dates form one window of days, and each
    /// repeat form finds an occurrence in a window by arithmetic or by a
    /// capped walk over its weeks, months or years (see [`Rule::any_in`]).
    pub fn contains(&self, now_unix: i64, tz: &TimeZone) -> bool {
        let (Some(s), Some(e), Some(now)) = (
            Civil::of(self.date_from, tz),
            Civil::of(self.date_to, tz),
            Civil::of(now_unix, tz),
        ) else {
            return false;
        };
        // An occurrence on day D covers civil seconds
        // [D * DAY + start, D * DAY + end).
        let span = e.day - s.day;
        let (start, end) = if self.is_all_day {
            (0, (span + 1) * DAY)
        } else {
            (s.secs, span * DAY + e.secs)
        };
        let now = now.day * DAY + now.secs;
        // The dates D whose occurrence holds `now`: D * DAY + start <= now
        // and now < D * DAY + end. None when end <= start.
        let first = ((now - end).div_euclid(DAY) + 1).max(s.day);
        let mut last = (now - start).div_euclid(DAY);
        let rule = match &self.repeat {
            Some(r) if self.repeat_enable => {
                if let Some(until) = r.repeat_end {
                    // An end after jiff's range is no end (one before it is
                    // before date_from, which `check` refuses).
                    let until = until.clamp(Timestamp::MIN.as_second(), Timestamp::MAX.as_second());
                    if let Some(until) = Civil::of(until, tz) {
                        last = last.min(until.day);
                    }
                }
                Rule::of(r, &s)
            }
            _ => Rule::Once,
        };
        first <= last && rule.any_in(&s, first, last)
    }
}

/// Seconds of a civil day.
const DAY: i64 = 86_400;

/// A civil datetime as a day number (days since 1970-01-01) and seconds
/// into the day, with its calendar date.
struct Civil {
    day: i64,
    secs: i64,
    year: i64,
    month: i64,
    mday: i64,
}

impl Civil {
    /// The civil datetime of Unix second `unix` in `tz`; None outside jiff's
    /// range. The range is checked first: jiff's error would allocate.
    fn of(unix: i64, tz: &TimeZone) -> Option<Civil> {
        if unix < Timestamp::MIN.as_second() || unix > Timestamp::MAX.as_second() {
            return None;
        }
        let dt = tz.to_datetime(Timestamp::from_second(unix).ok()?);
        let (year, month, mday) = (
            i64::from(dt.year()),
            i64::from(dt.month()),
            i64::from(dt.day()),
        );
        Some(Civil {
            day: days_from_civil(year, month, mday),
            secs: i64::from(dt.hour()) * 3600
                + i64::from(dt.minute()) * 60
                + i64::from(dt.second()),
            year,
            month,
            mday,
        })
    }
}

/// The occurrence dates of a repeat, borrowed from the profile (so nothing
/// is allocated); the plain types are the custom forms with S's day, month.
enum Rule<'a> {
    Once,
    /// Every `n` days from S.
    Days(i64),
    /// In every `n`th week from S's week, on the weekdays.
    Weeks(i64, &'a [WeekDay]),
    /// In every `n`th month from S's month, on the days and nth weekdays.
    Months(i64, MonthDays<'a>),
    /// In every `n`th year from S's year, in the months, on the days.
    Years(i64, &'a [u8], MonthDays<'a>),
}

/// Days of a month: listed days of month and nth weekdays.
#[derive(Clone, Copy)]
enum MonthDays<'a> {
    /// S's day of month (the plain `month` and `year` types, and a custom
    /// year without days).
    Start,
    Listed(&'a [u8], &'a [NthWeekDay]),
}

/// The walk over months or years stops after this many: the Gregorian
/// calendar repeats every 400 years, which are 4800 months and exactly
/// 20871 weeks, so the months visited (month of year, length, weekday of the
/// 1st) repeat within 4800 steps, and a walk that found no occurrence in
/// that many never will. The two extra steps cover the window's partial
/// first and last ones.
const MAX_WALK: usize = 4800 + 2;

impl<'a> Rule<'a> {
    fn of(r: &'a Repeat, s: &Civil) -> Rule<'a> {
        match r.repeat_type {
            RepeatType::Day => Rule::Days(1),
            RepeatType::Week => Rule::Days(7),
            RepeatType::TwoWeeks => Rule::Days(14),
            RepeatType::Month => Rule::Months(1, MonthDays::Start),
            RepeatType::Year => Rule::Years(
                1,
                &MONTHS_OF_YEAR[s.month as usize - 1..][..1],
                MonthDays::Start,
            ),
            RepeatType::Custom => {
                let Some(c) = &r.repeat_custom else {
                    // Only a file edited by hand; `check` reports it.
                    return Rule::Once;
                };
                // A looper of 0 is refused by `check`; never divide by it.
                let n = i64::from(c.repeat_looper.max(1));
                let listed = MonthDays::Listed(&c.days, &c.nth_weekdays);
                match c.repeat_point_type {
                    PointType::Day => Rule::Days(n),
                    PointType::Week => Rule::Weeks(n, &c.weekdays),
                    // Empty lists (only in a file edited by hand) never occur.
                    PointType::Month => Rule::Months(n, listed),
                    // A year without days: on S's day of month.
                    PointType::Year if c.days.is_empty() && c.nth_weekdays.is_empty() => {
                        Rule::Years(n, &c.months, MonthDays::Start)
                    }
                    PointType::Year => Rule::Years(n, &c.months, listed),
                }
            }
        }
    }

    /// Whether an occurrence date lies in `[first, last]` (day numbers;
    /// `first` is at or after S's day).
    fn any_in(&self, s: &Civil, first: i64, last: i64) -> bool {
        match *self {
            Rule::Once => first <= s.day && s.day <= last,
            Rule::Days(n) => {
                // The first date on or after `first` that is a multiple of n
                // days from S.
                let d = first + (s.day - first).rem_euclid(n);
                d <= last
            }
            Rule::Weeks(n, weekdays) => {
                // Monday of S's week (week 0), and the last active week that
                // starts on or before `last`.
                let week0 = s.day - weekday(s.day);
                let mut week = (last - week0).div_euclid(7).div_euclid(n) * n;
                // The second active week walked back lies wholly inside the
                // window if it starts in it, so two steps decide.
                for _ in 0..2 {
                    let monday = week0 + week * 7;
                    if monday + 6 < first {
                        break;
                    }
                    let hit = weekdays.iter().any(|d| {
                        let day = monday + d.index();
                        first <= day && day <= last
                    });
                    if hit {
                        return true;
                    }
                    week -= n;
                }
                false
            }
            Rule::Months(n, days) => {
                let (y, m, _) = civil_from_days(last);
                let start = s.year * 12 + s.month - 1;
                // The last active month on or before `last`'s month.
                let mut month = start + (y * 12 + m - 1 - start).div_euclid(n) * n;
                for _ in 0..MAX_WALK {
                    if month < start {
                        break;
                    }
                    let (y, m) = (month.div_euclid(12), month.rem_euclid(12) + 1);
                    if days_from_civil(y, m, days_in_month(y, m)) < first {
                        break;
                    }
                    if month_has(y, m, days, s, first, last) {
                        return true;
                    }
                    month -= n;
                }
                false
            }
            Rule::Years(n, months, days) => {
                let (y, _, _) = civil_from_days(last);
                let mut year = s.year + (y - s.year).div_euclid(n) * n;
                // 400 years repeat the calendar; the walk takes at most
                // MAX_WALK months' worth of steps.
                for _ in 0..MAX_WALK / 12 + 2 {
                    if year < s.year || days_from_civil(year, 12, 31) < first {
                        break;
                    }
                    for &m in months {
                        let m = i64::from(m);
                        if (1..=12).contains(&m) && month_has(year, m, days, s, first, last) {
                            return true;
                        }
                    }
                    year -= n;
                }
                false
            }
        }
    }
}

/// 1 to 12, to borrow S's month from as a one-element list.
const MONTHS_OF_YEAR: [u8; 12] = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12];

/// Whether month `m` of year `y` has one of `days` in `[first, last]`.
fn month_has(y: i64, m: i64, days: MonthDays, s: &Civil, first: i64, last: i64) -> bool {
    let first_of_month = days_from_civil(y, m, 1);
    let length = days_in_month(y, m);
    let inside = |mday: i64| {
        // Days the month does not have are skipped.
        let day = first_of_month + mday - 1;
        (1..=length).contains(&mday) && first <= day && day <= last
    };
    match days {
        MonthDays::Start => inside(s.mday),
        MonthDays::Listed(mdays, nth) => {
            mdays.iter().any(|&d| inside(i64::from(d)))
                || nth.iter().any(|n| {
                    let target = n.day.index();
                    let mday = if n.week < 0 {
                        // The last such weekday: back from the last day.
                        let last_wd = weekday(first_of_month + length - 1);
                        length - (last_wd - target).rem_euclid(7)
                    } else {
                        let first_wd = weekday(first_of_month);
                        1 + (target - first_wd).rem_euclid(7) + 7 * (i64::from(n.week) - 1)
                    };
                    inside(mday)
                })
        }
    }
}

/// Days after Monday of a day number (1970-01-01 was a Thursday).
fn weekday(day: i64) -> i64 {
    (day + 3).rem_euclid(7)
}

/// The body's fields in the contract's order, each with whether it is
/// required given the values around it.
struct Fields<'a> {
    list: Vec<Field<'a>>,
}

impl<'a> Fields<'a> {
    fn of(root: &'a Map<String, Value>) -> Self {
        let mut list: Vec<Field<'a>> = Vec::with_capacity(18);
        let mut push = |path, kind, required, value| {
            list.push(Field {
                path,
                kind,
                required,
                value,
            })
        };
        let top = |key: &str| root.get(key).filter(|v| !v.is_null());
        let str_of = |v: Option<&'a Value>| v.and_then(Value::as_str);

        push(NAME, Kind::Str, true, top("name"));
        let time = top("time_options");
        push(TIME, Kind::Object, true, time);
        for (path, key, kind) in [
            (ALL_DAY, "is_all_day", Kind::Bool),
            (FROM, "date_from", Kind::Int),
            (TO, "date_to", Kind::Int),
        ] {
            let (present, value) = child(time, key);
            push(path, kind, present, value);
        }
        let repeat = top("repeat_options");
        push(REPEAT, Kind::Object, true, repeat);
        let (present, enable) = child(repeat, "repeat_enable");
        push(ENABLE, Kind::Bool, present, enable);
        // Below, a part is required only while it is in effect.
        let enabled = enable == Some(&Value::Bool(true));
        let (_, format) = child(repeat, "repeat_format");
        push(FORMAT, Kind::Object, enabled, format);
        let (present, rtype) = child(format, "repeat_type");
        push(TYPE, Kind::Str, enabled && present, rtype);
        let (present, end) = child(format, "repeat_end");
        push(END, Kind::Object, enabled && present, end);
        let (present, end_format) = child(end, "format");
        push(END_FORMAT, Kind::Str, enabled && present, end_format);
        let (_, end_date) = child(end, "date");
        let dated = enabled && str_of(end_format) == Some("date");
        push(END_DATE, Kind::Int, dated, end_date);
        let custom_on = enabled && str_of(rtype) == Some("custom");
        let (_, custom) = child(format, "repeat_custom");
        push(CUSTOM, Kind::Object, custom_on, custom);
        let (present, point) = child(custom, "repeat_point_type");
        push(POINT, Kind::Str, custom_on && present, point);
        let (present, looper) = child(custom, "repeat_looper");
        push(LOOPER, Kind::Int, custom_on && present, looper);
        let point = str_of(point);
        let (present, options) = child(custom, "repeat_options");
        let kind = match point {
            Some("year") => Kind::Object,
            Some("day" | "week" | "month") => Kind::Array,
            _ => Kind::ArrayOrObject,
        };
        let needed = matches!(point, Some("week" | "month" | "year"));
        push(OPTIONS, kind, custom_on && present && needed, options);
        let (present, months) = child(options, "months");
        let year = custom_on && point == Some("year");
        push(MONTHS, Kind::Array, year && present, months);
        let (_, days) = child(options, "days");
        push(DAYS, Kind::Array, false, days);
        Fields { list }
    }

    fn get(&self, path: &str) -> Option<&'a Value> {
        value_at(&self.list, path)
    }

    fn str(&self, path: &str) -> &'a str {
        self.get(path).and_then(Value::as_str).unwrap_or_default()
    }

    fn int(&self, path: &str) -> i64 {
        self.get(path).and_then(Value::as_i64).unwrap_or_default()
    }
}

#[cfg(test)]
#[path = "schedule_tests.rs"]
mod tests;
