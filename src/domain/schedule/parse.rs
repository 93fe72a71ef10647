//! Parsing and validating a body in the contract's order (steps 1 to 4 of
//! the module doc), and the checks of step 4 again for a body read from disk.

use super::{Custom, NthWeekDay, PointType, ProfileBody, Repeat, RepeatType, WeekDay};
use super::{MAX_LOOPER, MAX_OPTIONS};
use crate::domain::body_fields::{check_present_and_typed, child, value_at, Field, Kind};
use crate::domain::identifier::BodyError;
use crate::domain::limits::{MAX_BODY, MAX_OWNER_NAME};
use serde_json::{Map, Value};

// The dotted paths of the body, in the contract's order (the tests of the
// other files build bodies with them too).
pub(super) const NAME: &str = "name";
pub(super) const TIME: &str = "time_options";
pub(super) const ALL_DAY: &str = "time_options.is_all_day";
pub(super) const FROM: &str = "time_options.date_from";
pub(super) const TO: &str = "time_options.date_to";
pub(super) const REPEAT: &str = "repeat_options";
pub(super) const ENABLE: &str = "repeat_options.repeat_enable";
pub(super) const FORMAT: &str = "repeat_options.repeat_format";
pub(super) const TYPE: &str = "repeat_options.repeat_format.repeat_type";
pub(super) const END: &str = "repeat_options.repeat_format.repeat_end";
pub(super) const END_FORMAT: &str = "repeat_options.repeat_format.repeat_end.format";
pub(super) const END_DATE: &str = "repeat_options.repeat_format.repeat_end.date";
pub(super) const CUSTOM: &str = "repeat_options.repeat_format.repeat_custom";
pub(super) const POINT: &str = "repeat_options.repeat_format.repeat_custom.repeat_point_type";
pub(super) const LOOPER: &str = "repeat_options.repeat_format.repeat_custom.repeat_looper";
pub(super) const OPTIONS: &str = "repeat_options.repeat_format.repeat_custom.repeat_options";
pub(super) const OPT_WEEK: &str = "repeat_options.repeat_format.repeat_custom.repeat_options.week";
pub(super) const OPT_DAY: &str = "repeat_options.repeat_format.repeat_custom.repeat_options.day";
pub(super) const MONTHS: &str = "repeat_options.repeat_format.repeat_custom.repeat_options.months";
pub(super) const DAYS: &str = "repeat_options.repeat_format.repeat_custom.repeat_options.days";
pub(super) const DAYS_WEEK: &str =
    "repeat_options.repeat_format.repeat_custom.repeat_options.days.week";
pub(super) const DAYS_DAY: &str =
    "repeat_options.repeat_format.repeat_custom.repeat_options.days.day";

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
}

impl ProfileBody {
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
mod tests {
    use super::super::samples::{custom, disabled, full, ok};
    use super::*;
    // The JSON path helpers of the identifier body tests.
    use crate::domain::test_support::{at, with, without};
    use serde_json::json;

    fn err(v: &Value) -> BodyError {
        parse_profile(&v.to_string()).expect_err(&v.to_string())
    }

    #[test]
    fn full_body_parses() {
        let p = ok(&full());
        assert_eq!(p.name(), "Work week");
        assert!(!p.is_all_day);
        assert_eq!((p.date_from, p.date_to), (1767250800, 1767279600));
        let r = p.repeat.as_ref().unwrap();
        assert_eq!(r.repeat_type, RepeatType::Custom);
        assert_eq!(r.repeat_end, Some(1798761600));
        let c = r.repeat_custom.as_ref().unwrap();
        assert_eq!(c.repeat_point_type, PointType::Week);
        assert_eq!(c.repeat_looper, 1);
        assert_eq!(c.weekdays.len(), 5);
        assert_eq!(p.check(), Ok(()));
        let p = ok(&disabled());
        assert!(p.repeat.is_none() && p.is_all_day);
    }

    #[test]
    fn step_1_an_object_of_bounded_size() {
        for text in ["", "[]", "1", "\"x\"", "null", "{", "{\"name\":}"] {
            assert_eq!(parse_profile(text), Err(BodyError::WrongBody), "{text}");
        }
        let mut big = full();
        *at(&mut big, "padding") = json!("x".repeat(MAX_BODY));
        assert_eq!(err(&big), BodyError::WrongBody);
        // As a value, only objects.
        assert_eq!(parse_profile_value(&json!([1])), Err(BodyError::WrongBody));
    }

    #[test]
    fn step_2_missing_in_order() {
        use BodyError::Missing;
        let cases: Vec<(Value, &str)> = vec![
            (without(full(), "name"), "name"),
            (with(full(), "name", Value::Null), "name"),
            // Depth first: name before time_options.
            (without(without(full(), "time_options"), "name"), "name"),
            (without(full(), "time_options"), "time_options"),
            (
                without(full(), "time_options.is_all_day"),
                "time_options.is_all_day",
            ),
            (
                without(full(), "time_options.date_from"),
                "time_options.date_from",
            ),
            (
                with(full(), "time_options.date_to", Value::Null),
                "time_options.date_to",
            ),
            (
                without(without(full(), "time_options.date_to"), "repeat_options"),
                "time_options.date_to",
            ),
            (without(full(), "repeat_options"), "repeat_options"),
            (
                without(full(), "repeat_options.repeat_enable"),
                "repeat_options.repeat_enable",
            ),
            (
                without(full(), "repeat_options.repeat_format"),
                "repeat_options.repeat_format",
            ),
            (without(full(), TYPE), TYPE),
            (without(full(), END), END),
            (without(full(), END_FORMAT), END_FORMAT),
            (without(full(), END_DATE), END_DATE),
            (without(full(), CUSTOM), CUSTOM),
            (without(full(), POINT), POINT),
            (without(full(), LOOPER), LOOPER),
            (without(full(), OPTIONS), OPTIONS),
            (without(custom("month", json!([1])), OPTIONS), OPTIONS),
            (
                without(custom("year", json!({"months": [1]})), OPTIONS),
                OPTIONS,
            ),
            (custom("year", json!({"days": [1]})), MONTHS),
            (custom("year", json!({"months": null})), MONTHS),
            // Elements of the month form (checked with the values, step 4).
            (custom("month", json!([1, {"day": "MON"}])), OPT_WEEK),
            (custom("month", json!([{"week": 1}])), OPT_DAY),
            (custom("month", json!([{"week": 1, "day": null}])), OPT_DAY),
            (
                custom("year", json!({"months": [1], "days": [{"day": "MON"}]})),
                DAYS_WEEK,
            ),
            (
                custom("year", json!({"months": [1], "days": [{"week": -1}]})),
                DAYS_DAY,
            ),
        ];
        for (body, path) in cases {
            assert_eq!(err(&body), Missing(path), "{body}");
        }
    }

    #[test]
    fn step_2_what_is_not_required() {
        // No repeat_format while the repeat is disabled.
        ok(&disabled());
        // Nothing inside a repeat_format not in effect.
        ok(&with(disabled(), "repeat_options.repeat_format", json!({})));
        // No repeat_custom for the plain types.
        for t in ["day", "week", "twoWeeks", "month", "year"] {
            let body = without(with(full(), TYPE, json!(t)), CUSTOM);
            assert_eq!(ok(&body).repeat.unwrap().repeat_type.as_str(), t);
            // And nothing inside one given.
            ok(&with(with(full(), TYPE, json!(t)), CUSTOM, json!({})));
        }
        // No date for `never`.
        let never = with(without(full(), END_DATE), END_FORMAT, json!("never"));
        assert_eq!(ok(&never).repeat.unwrap().repeat_end, None);
        // No repeat_options for a custom day repeat.
        let day = without(with(full(), POINT, json!("day")), OPTIONS);
        assert!(ok(&day)
            .repeat
            .unwrap()
            .repeat_custom
            .unwrap()
            .weekdays
            .is_empty());
        // No days for a custom year repeat.
        ok(&custom("year", json!({"months": [2]})));
    }

    #[test]
    fn step_3_types_in_order() {
        use BodyError::WrongType;
        let cases: Vec<(Value, &str)> = vec![
            (with(full(), "name", json!(1)), "name"),
            (with(full(), "time_options", json!([])), "time_options"),
            (with(full(), "time_options", json!("x")), "time_options"),
            (with(full(), ALL_DAY, json!("false")), ALL_DAY),
            (with(full(), ALL_DAY, json!(0)), ALL_DAY),
            (with(full(), FROM, json!(1.5)), FROM),
            (with(full(), FROM, json!("1767250800")), FROM),
            (with(full(), TO, json!(1e20)), TO),
            (with(full(), TO, json!(u64::MAX)), TO),
            (
                with(full(), "repeat_options", json!(true)),
                "repeat_options",
            ),
            (with(full(), ENABLE, json!("true")), ENABLE),
            (with(full(), FORMAT, json!([])), FORMAT),
            (with(full(), TYPE, json!(1)), TYPE),
            (with(full(), END, json!("never")), END),
            (with(full(), END_FORMAT, json!(true)), END_FORMAT),
            (with(full(), END_DATE, json!(1.0)), END_DATE),
            (with(full(), CUSTOM, json!([])), CUSTOM),
            (with(full(), POINT, json!(["week"])), POINT),
            (with(full(), LOOPER, json!(1.5)), LOOPER),
            (with(full(), LOOPER, json!("1")), LOOPER),
            (with(full(), OPTIONS, json!("MON")), OPTIONS),
            (with(full(), OPTIONS, json!({"MON": true})), OPTIONS),
            (custom("month", json!({"days": [1]})), OPTIONS),
            (custom("year", json!([1])), OPTIONS),
            (custom("day", json!({})), OPTIONS),
            (custom("hour", json!("x")), OPTIONS),
            (custom("year", json!({"months": 1})), MONTHS),
            (custom("year", json!({"months": [1], "days": 1})), DAYS),
            // Parts not in effect are type-checked too.
            (with(disabled(), FORMAT, json!("x")), FORMAT),
            (with(disabled(), TYPE, json!(1)), TYPE),
            (with(disabled(), LOOPER, json!("1")), LOOPER),
            (
                with(with(full(), TYPE, json!("day")), LOOPER, json!(1.5)),
                LOOPER,
            ),
            (
                with(
                    with(full(), END_FORMAT, json!("never")),
                    END_DATE,
                    json!("x"),
                ),
                END_DATE,
            ),
        ];
        for (body, path) in cases {
            assert_eq!(err(&body), WrongType(path), "{body}");
        }
        // Missing comes before every wrong type.
        let body = with(without(full(), LOOPER), "name", json!(1));
        assert_eq!(err(&body), BodyError::Missing(LOOPER));
        // Unknown fields are ignored.
        ok(&with(
            with(full(), "extra", json!([1])),
            "time_options.x",
            json!(null),
        ));
    }

    #[test]
    fn step_4_values_in_order() {
        use BodyError::*;
        let long = "é".repeat(MAX_OWNER_NAME + 1);
        ok(&with(full(), "name", json!("é".repeat(MAX_OWNER_NAME))));
        let big: Vec<u32> = vec![1; MAX_OPTIONS + 1];
        let cases: Vec<(Value, BodyError)> = vec![
            (with(full(), "name", json!("")), WrongBody),
            (with(full(), "name", json!(long)), WrongBody),
            // The name comes first of the values.
            (
                with(with(full(), "name", json!("")), TYPE, json!("x")),
                WrongBody,
            ),
            (with(full(), TYPE, json!("weekly")), WrongRepeatType),
            (with(full(), TYPE, json!("Day")), WrongRepeatType),
            (with(full(), TYPE, json!("")), WrongRepeatType),
            (
                with(with(full(), TYPE, json!("x")), END_FORMAT, json!("x")),
                WrongRepeatType,
            ),
            (with(full(), END_FORMAT, json!("forever")), WrongRepeatEnd),
            (with(full(), END_FORMAT, json!("Date")), WrongRepeatEnd),
            (
                with(with(full(), END_FORMAT, json!("x")), POINT, json!("x")),
                WrongRepeatEnd,
            ),
            (with(full(), POINT, json!("hour")), WrongPointType),
            (with(full(), POINT, json!("")), WrongPointType),
            (
                with(with(full(), POINT, json!("x")), LOOPER, json!(0)),
                WrongPointType,
            ),
            (with(full(), LOOPER, json!(0)), WrongLooperRange),
            (with(full(), LOOPER, json!(-1)), WrongLooperRange),
            (with(full(), LOOPER, json!(1001)), WrongLooperRange),
            (
                with(with(full(), LOOPER, json!(0)), OPTIONS, json!([])),
                WrongLooperRange,
            ),
            (custom("week", json!([])), EmptyWeekSet),
            (custom("week", json!(big)), WrongBody),
            (custom("week", json!(["mon"])), WrongDayOfWeek),
            (custom("week", json!(["MON", "MONDAY"])), WrongDayOfWeek),
            (custom("week", json!(["MON", 1])), WrongDayOfWeek),
            (custom("week", json!([null])), WrongDayOfWeek),
            (custom("month", json!([])), EmptyMonthSet),
            (custom("month", json!(big)), WrongBody),
            (custom("month", json!([0])), WrongDayOfMonth),
            (custom("month", json!([32])), WrongDayOfMonth),
            (custom("month", json!([1.5])), WrongDayOfMonth),
            (custom("month", json!(["1"])), WrongDayOfMonth),
            (custom("month", json!([true])), WrongDayOfMonth),
            (custom("month", json!([[1]])), WrongDayOfMonth),
            (
                custom("month", json!([{"week": 0, "day": "MON"}])),
                WrongWeekOfMonth,
            ),
            (
                custom("month", json!([{"week": 6, "day": "MON"}])),
                WrongWeekOfMonth,
            ),
            (
                custom("month", json!([{"week": -2, "day": "MON"}])),
                WrongWeekOfMonth,
            ),
            (
                custom("month", json!([{"week": "1", "day": "MON"}])),
                WrongWeekOfMonth,
            ),
            (
                custom("month", json!([{"week": 1, "day": "mon"}])),
                WrongDayOfWeek,
            ),
            (
                custom("month", json!([{"week": 1, "day": 1}])),
                WrongDayOfWeek,
            ),
            // The first bad element wins.
            (
                custom("month", json!([{"week": 1, "day": "X"}, 0])),
                WrongDayOfWeek,
            ),
            (
                custom("month", json!([0, {"week": 1, "day": "X"}])),
                WrongDayOfMonth,
            ),
            (custom("year", json!({"months": []})), EmptyYearSet),
            (
                custom("year", json!({"months": [], "days": [0]})),
                EmptyYearSet,
            ),
            (custom("year", json!({"months": big})), WrongBody),
            (custom("year", json!({"months": [0]})), WrongMonths),
            (custom("year", json!({"months": [13]})), WrongMonths),
            (custom("year", json!({"months": [1, "2"]})), WrongMonths),
            (custom("year", json!({"months": [1.5]})), WrongMonths),
            (
                custom("year", json!({"months": [1], "days": [32]})),
                WrongDayOfMonth,
            ),
            (
                custom("year", json!({"months": [1], "days": big})),
                WrongBody,
            ),
            (
                custom(
                    "year",
                    json!({"months": [1], "days": [{"week": 7, "day": "SUN"}]}),
                ),
                WrongWeekOfMonth,
            ),
            (
                custom(
                    "year",
                    json!({"months": [1], "days": [{"week": 5, "day": "Sun"}]}),
                ),
                WrongDayOfWeek,
            ),
            (with(full(), FROM, json!(1767279601)), FromAfterTo),
            (with(disabled(), FROM, json!(1767279601)), FromAfterTo),
            // Options come before the dates.
            (
                with(custom("week", json!([])), FROM, json!(1767279601)),
                EmptyWeekSet,
            ),
            (
                with(full(), END_DATE, json!(1767250799)),
                RepeatEndBeforeStart,
            ),
            (with(full(), END_DATE, json!(-1)), RepeatEndBeforeStart),
            (
                with(with(full(), END_DATE, json!(0)), FROM, json!(1767279601)),
                FromAfterTo,
            ),
        ];
        for (body, expected) in cases {
            assert_eq!(err(&body), expected, "{body}");
        }
        // The edges that pass.
        ok(&with(full(), LOOPER, json!(1000)));
        ok(&with(full(), END_DATE, json!(1767250800)));
        ok(&with(full(), FROM, json!(1767279600)));
        ok(&custom("week", json!(vec!["SUN"; MAX_OPTIONS])));
        ok(&custom(
            "month",
            json!([1, 31, {"week": -1, "day": "SUN"}, {"week": 5, "day": "MON"}]),
        ));
        // Not in effect: values are not checked.
        ok(&with(with(disabled(), TYPE, json!("x")), LOOPER, json!(0)));
        ok(&with(with(full(), TYPE, json!("week")), POINT, json!("x")));
        ok(&with(
            with(full(), END_FORMAT, json!("never")),
            END_DATE,
            json!(0),
        ));
        ok(&custom("day", json!(["x", 0, {}])));
    }

    #[test]
    fn error_messages() {
        let cases = [
            (BodyError::WrongRepeatType, "Wrong repeat_type"),
            (BodyError::WrongRepeatEnd, "Wrong repeat_end format"),
            (
                BodyError::Missing(LOOPER),
                "Wrong JSON body: no value for `repeat_options.repeat_format.repeat_custom.repeat_looper`",
            ),
            (BodyError::EmptyWeekSet, "Set in WeekOptions can't be empty"),
        ];
        for (e, text) in cases {
            assert_eq!(e.to_string(), text);
        }
    }

    #[test]
    fn check_finds_hand_edits() {
        let base = ok(&custom("month", json!([1])));
        let edit = |f: &dyn Fn(&mut ProfileBody)| {
            let mut p = base.clone();
            f(&mut p);
            p.check().expect_err(&format!("{p:?}"))
        };
        fn c(p: &mut ProfileBody) -> &mut Custom {
            p.repeat.as_mut().unwrap().repeat_custom.as_mut().unwrap()
        }
        assert!(edit(&|p| p.name.clear()).contains("name"));
        assert_eq!(
            edit(&|p| p.date_from = p.date_to + 1),
            BodyError::FromAfterTo.to_string()
        );
        assert_eq!(
            edit(&|p| p.repeat.as_mut().unwrap().repeat_end = Some(0)),
            BodyError::RepeatEndBeforeStart.to_string()
        );
        assert!(edit(&|p| c(p).repeat_looper = 0).contains("repeat_looper"));
        assert!(edit(&|p| c(p).repeat_looper = 1001).contains("repeat_looper"));
        assert!(edit(&|p| c(p).days = vec![0]).contains("day of month 0"));
        assert!(edit(&|p| c(p).days = vec![32]).contains("day of month 32"));
        assert!(edit(&|p| c(p).days.clear()).contains("MonthOptions"));
        assert!(edit(&|p| c(p).months = vec![1]).contains("months"));
        assert!(edit(&|p| c(p).weekdays = vec![WeekDay::Mon]).contains("weekdays"));
        assert!(edit(&|p| c(p).days = vec![1; MAX_OPTIONS + 1]).contains("more than"));
        assert!(edit(&|p| c(p).nth_weekdays = vec![NthWeekDay {
            week: 0,
            day: WeekDay::Mon
        }])
        .contains("week of month 0"));
        assert!(edit(&|p| {
            c(p).repeat_point_type = PointType::Year;
            c(p).months = vec![13];
        })
        .contains("month 13"));
        assert!(edit(&|p| {
            c(p).repeat_point_type = PointType::Year;
        })
        .contains("YearOptions"));
        assert!(edit(&|p| {
            c(p).repeat_point_type = PointType::Week;
            c(p).days.clear();
        })
        .contains("WeekOptions"));
        assert!(edit(&|p| p.repeat.as_mut().unwrap().repeat_custom = None).contains("custom"));
        // A custom part beside another type is kept (not in effect), but must be valid.
        let mut day = base.clone();
        day.repeat.as_mut().unwrap().repeat_type = RepeatType::Day;
        assert_eq!(day.check(), Ok(()));
        c(&mut day).repeat_looper = 0;
        assert!(day.check().unwrap_err().contains("repeat_looper"));
    }
}
