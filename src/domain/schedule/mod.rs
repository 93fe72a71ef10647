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
//!
//! # Files
//!
//! - `mod.rs`: the body's types, as stored.
//! - `parse.rs`: parsing and validating a body (steps 1 to 4), and the
//!   same checks for a body read from disk.
//! - `json.rs`: the JSON a body reads back as.
//! - `evaluate.rs`: whether an instant is inside a profile (the calendar
//!   arithmetic of the repeat forms).

mod evaluate;
mod json;
mod parse;
#[cfg(test)]
mod samples;

pub use parse::{parse_profile, parse_profile_value};

use serde::{Deserialize, Serialize};

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

impl ProfileBody {
    pub fn name(&self) -> &str {
        &self.name
    }
}

#[cfg(test)]
mod tests {
    use super::samples::every_form;
    use super::*;

    #[test]
    fn stored_form_round_trips_through_toml() {
        #[derive(Debug, PartialEq, Serialize, Deserialize)]
        struct Stored {
            uid: u32,
            profile: ProfileBody,
        }
        for (uid, profile) in every_form().into_iter().enumerate() {
            let stored = Stored {
                uid: uid as u32,
                profile,
            };
            let value = toml::Value::try_from(&stored).expect("to a TOML value");
            let text = toml::to_string(&value).unwrap();
            assert_eq!(toml::from_str::<Stored>(&text).unwrap(), stored, "{text}");
            let text = toml::to_string(&stored).unwrap();
            assert_eq!(toml::from_str::<Stored>(&text).unwrap(), stored, "{text}");
            assert_eq!(stored.profile.check(), Ok(()));
        }
    }
}
