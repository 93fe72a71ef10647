//! Time profiles: validation in the contract's order, the JSON read back,
//! the stored form, and `contains` against the vectors of
//! `schedule_vectors.toml` and against a slow day-by-day reading of the
//! module doc's rules.

use super::*;
// The JSON path helpers of the identifier body tests.
use crate::domain::test_support::{at, with, without};
use jiff::civil::{Date, DateTime, Time, Weekday};
use jiff::ToSpan;
use rand::{Rng, SeedableRng};
use serde_json::json;

/// A body with every part, custom weekly, in the contract's example order.
fn full() -> Value {
    json!({
        "name": "Work week",
        "time_options": {"is_all_day": false, "date_from": 1767250800, "date_to": 1767279600},
        "repeat_options": {
            "repeat_enable": true,
            "repeat_format": {
                "repeat_type": "custom",
                "repeat_end": {"format": "date", "date": 1798761600},
                "repeat_custom": {
                    "repeat_point_type": "week",
                    "repeat_looper": 1,
                    "repeat_options": ["MON", "TUE", "WED", "THU", "FRI"]
                }
            }
        }
    })
}

fn disabled() -> Value {
    json!({
        "name": "Once",
        "time_options": {"is_all_day": true, "date_from": 1767250800, "date_to": 1767279600},
        "repeat_options": {"repeat_enable": false}
    })
}

/// `full()` with custom `point` and `options`.
fn custom(point: &str, options: Value) -> Value {
    with(
        with(full(), CUSTOM_POINT, json!(point)),
        "repeat_options.repeat_format.repeat_custom.repeat_options",
        options,
    )
}

const CUSTOM_POINT: &str = "repeat_options.repeat_format.repeat_custom.repeat_point_type";

fn err(v: &Value) -> BodyError {
    parse_profile(&v.to_string()).expect_err(&v.to_string())
}

fn ok(v: &Value) -> ProfileBody {
    parse_profile(&v.to_string()).unwrap_or_else(|e| panic!("{v}: {e}"))
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
fn json_read_back_is_normalised() {
    let body = custom(
        "month",
        json!([{"week": -1, "day": "FRI"}, 31, {"week": 2, "day": "MON"}, 1, 31]),
    );
    let p = ok(&body);
    let back = Value::Object(p.to_json());
    assert_eq!(
        back["repeat_options"]["repeat_format"]["repeat_custom"]["repeat_options"],
        json!([1, 31, {"week": 2, "day": "MON"}, {"week": -1, "day": "FRI"}])
    );
    assert_eq!(ok(&back), p);
    let p = ok(&custom("week", json!(["SUN", "MON", "SUN"])));
    assert_eq!(
        Value::Object(p.to_json()),
        with(full(), OPTIONS, json!(["MON", "SUN"]))
    );
    // Parts not in effect are dropped when they are not valid, and read
    // back as sent when they are.
    let p = ok(&with(disabled(), FORMAT, json!({"repeat_type": "x"})));
    assert_eq!(Value::Object(p.to_json()), disabled());
    let monthly = with(with(full(), TYPE, json!("month")), LOOPER, json!(5));
    let p = ok(&monthly);
    assert_eq!(Value::Object(p.to_json()), monthly);
    let p = ok(&with(
        with(full(), TYPE, json!("month")),
        LOOPER,
        json!(5000),
    ));
    let back = Value::Object(p.to_json());
    assert_eq!(
        back["repeat_options"]["repeat_format"],
        json!({"repeat_type": "month", "repeat_end": {"format": "date", "date": 1798761600}})
    );
    let off = with(full(), ENABLE, json!(false));
    let p = ok(&off);
    assert_eq!(Value::Object(p.to_json()), off);
    let p = ok(&custom("year", json!({"months": [12, 2]})));
    let back = Value::Object(p.to_json());
    assert_eq!(
        back["repeat_options"]["repeat_format"]["repeat_custom"]["repeat_options"],
        json!({"months": [2, 12], "days": []})
    );
    assert_eq!(ok(&back), p);
    let p = ok(&without(with(full(), POINT, json!("day")), OPTIONS));
    assert_eq!(ok(&Value::Object(p.to_json())), p);
}

/// Every form, for the round trips and the checks.
fn every_form() -> Vec<ProfileBody> {
    let mut bodies = vec![disabled(), full()];
    for t in ["day", "week", "twoWeeks", "month", "year"] {
        bodies.push(with(without(full(), CUSTOM), TYPE, json!(t)));
    }
    bodies.push(with(
        with(full(), END_FORMAT, json!("never")),
        END_DATE,
        json!(null),
    ));
    bodies.push(without(with(full(), POINT, json!("day")), OPTIONS));
    bodies.push(custom("month", json!([1, {"week": -1, "day": "FRI"}])));
    bodies.push(custom(
        "year",
        json!({"months": [2], "days": [29, {"week": 5, "day": "SUN"}]}),
    ));
    bodies.push(custom("year", json!({"months": [2]})));
    bodies.iter().map(ok).collect()
}

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

#[test]
fn calendar_arithmetic_agrees_with_jiff() {
    // Every day of 1600..2400, and the ends of jiff's range.
    let check = |date: Date| {
        let (y, m, d) = (
            i64::from(date.year()),
            i64::from(date.month()),
            i64::from(date.day()),
        );
        let n = days_from_civil(y, m, d);
        let epoch_days = date.duration_since(Date::constant(1970, 1, 1)).as_secs() / DAY;
        assert_eq!(n, epoch_days, "{date}");
        assert_eq!(civil_from_days(n), (y, m, d), "{date}");
        assert_eq!(
            weekday(n),
            i64::from(date.weekday().to_monday_zero_offset())
        );
        assert_eq!(days_in_month(y, m), i64::from(date.days_in_month()));
    };
    for date in Date::constant(1600, 1, 1).series(1.day()).take(800 * 366) {
        check(date);
    }
    check(Date::MIN);
    check(Date::MAX);
}

#[test]
fn out_of_range_instants_are_outside() {
    let body = with(without(full(), CUSTOM), TYPE, json!("day"));
    let every_day = ok(&with(body, END_FORMAT, json!("never")));
    let tz = TimeZone::UTC;
    for now in [
        i64::MIN,
        i64::MAX,
        Timestamp::MIN.as_second() - 1,
        Timestamp::MAX.as_second() + 1,
    ] {
        assert!(!every_day.contains(now, &tz), "{now}");
    }
    // At the ends of the range: no panic.
    let wide = ProfileBody {
        date_from: Timestamp::MIN.as_second(),
        date_to: Timestamp::MIN.as_second() + 3600,
        ..every_day.clone()
    };
    for now in [Timestamp::MIN.as_second(), Timestamp::MAX.as_second()] {
        for tz in [TimeZone::UTC, TimeZone::get("Pacific/Kiritimati").unwrap()] {
            wide.contains(now, &tz);
            every_day.contains(now, &tz);
        }
    }
    // The profile's own time of day, on one of the last days.
    let late = wide.date_from + ((Timestamp::MAX.as_second() - wide.date_from) / DAY - 1) * DAY;
    assert!(wide.contains(late + 60, &TimeZone::UTC));
    let outside = ProfileBody {
        date_from: i64::MIN,
        ..every_day.clone()
    };
    assert!(!outside.contains(0, &TimeZone::UTC));
    // An end beyond the range is no end.
    let far = ProfileBody {
        repeat: every_day.repeat.clone().map(|r| Repeat {
            repeat_end: Some(i64::MAX),
            ..r
        }),
        ..every_day.clone()
    };
    assert!(far.contains(every_day.date_from + 86_400 * 365 * 100, &TimeZone::UTC));
}

#[test]
fn long_spans_and_rare_dates_are_decided_quickly() {
    let tz = TimeZone::get("Europe/Kyiv").unwrap();
    let y2000 = days_from_civil(2000, 1, 1) * DAY;
    let y9000 = days_from_civil(9000, 1, 1) * DAY;
    let monthly = |from: i64, to: i64, looper: u32, options: Value| {
        ok(&json!({
            "name": "Long",
            "time_options": {"is_all_day": false, "date_from": from, "date_to": to},
            "repeat_options": {"repeat_enable": true, "repeat_format": {
                "repeat_type": "custom", "repeat_end": {"format": "never"},
                "repeat_custom": {"repeat_point_type": "month", "repeat_looper": looper,
                    "repeat_options": options}}}
        }))
    };
    // Occurrences longer than the gaps between them: inside from the first
    // on (the 31st of January 2000).
    let p = monthly(y2000, y2000 + 40 * DAY, 1, json!([31]));
    assert!(!p.contains(y2000 + 29 * DAY, &tz));
    assert!(p.contains(y2000 + 31 * DAY, &tz));
    assert!(p.contains(y9000, &tz));
    // Every 12th month from April 2000 (a Saturday): the 5th Saturday
    // (April 29, 2000) and a 31st, which April never has.
    let april = days_from_civil(2000, 4, 1) * DAY;
    let p = monthly(april, y9000, 12, json!([31, {"week": 5, "day": "SAT"}]));
    assert!(!p.contains(april + 28 * DAY - 3 * 3600 - 1, &tz));
    assert!(p.contains(april + 28 * DAY, &tz));
    assert!(p.contains(y9000 - DAY, &tz));
    // The 31st alone never occurs: the walk over 7000 years of Aprils stops
    // at its cap, quickly.
    let p = monthly(april, y9000, 12, json!([31]));
    let started = std::time::Instant::now();
    for k in 0..100 {
        assert!(!p.contains(y9000 - k * 1_000_000, &tz));
    }
    assert!(started.elapsed().as_secs() < 5);
    // The same for years: February 30 does not exist.
    let p = ok(&json!({
        "name": "Never",
        "time_options": {"is_all_day": true, "date_from": april, "date_to": y9000},
        "repeat_options": {"repeat_enable": true, "repeat_format": {
            "repeat_type": "custom", "repeat_end": {"format": "never"},
            "repeat_custom": {"repeat_point_type": "year", "repeat_looper": 1,
                "repeat_options": {"months": [2], "days": [30, 31]}}}}
    }));
    assert!(!p.contains(y9000 - DAY, &tz));
}

// The slow reading: every day from S's date on, by jiff's calendar.

fn jiff_weekday(d: WeekDay) -> Weekday {
    Weekday::from_monday_zero_offset(d as i8).unwrap()
}

fn on_listed_days(days: &[u8], nth: &[NthWeekDay], d: Date) -> bool {
    days.contains(&(d.day() as u8))
        || nth
            .iter()
            .any(|n| d.nth_weekday_of_month(n.week, jiff_weekday(n.day)).ok() == Some(d))
}

fn is_occurrence(p: &ProfileBody, s: Date, d: Date) -> bool {
    let days = d.duration_since(s).as_secs() / DAY;
    let years = i64::from(d.year() - s.year());
    let months = years * 12 + i64::from(d.month() - s.month());
    let Some(r) = &p.repeat else {
        return d == s;
    };
    match r.repeat_type {
        RepeatType::Day => true,
        RepeatType::Week => days % 7 == 0,
        RepeatType::TwoWeeks => days % 14 == 0,
        RepeatType::Month => d.day() == s.day(),
        RepeatType::Year => d.month() == s.month() && d.day() == s.day(),
        RepeatType::Custom => {
            let c = r.repeat_custom.as_ref().unwrap();
            let n = i64::from(c.repeat_looper);
            match c.repeat_point_type {
                PointType::Day => days % n == 0,
                PointType::Week => {
                    let monday = s
                        .checked_sub(i64::from(s.weekday().to_monday_zero_offset()).days())
                        .unwrap();
                    let weeks = d.duration_since(monday).as_secs() / DAY / 7;
                    weeks % n == 0 && c.weekdays.iter().any(|w| jiff_weekday(*w) == d.weekday())
                }
                PointType::Month => months % n == 0 && on_listed_days(&c.days, &c.nth_weekdays, d),
                PointType::Year => {
                    years % n == 0
                        && c.months.contains(&(d.month() as u8))
                        && if c.days.is_empty() && c.nth_weekdays.is_empty() {
                            d.day() == s.day()
                        } else {
                            on_listed_days(&c.days, &c.nth_weekdays, d)
                        }
                }
            }
        }
    }
}

fn slow_contains(p: &ProfileBody, now: i64, tz: &TimeZone) -> bool {
    // Only what is in effect.
    let mut p = p.clone();
    if !p.repeat_enable {
        p.repeat = None;
    }
    let p = &p;
    let civil = |t: i64| tz.to_datetime(Timestamp::from_second(t).unwrap());
    let (s, e, l) = (civil(p.date_from), civil(p.date_to), civil(now));
    let span = e.date().duration_since(s.date()).as_secs() / DAY;
    let mut last = l.date();
    if let Some(end) = p.repeat.as_ref().and_then(|r| r.repeat_end) {
        last = last.min(civil(end).date());
    }
    let midnight = Time::midnight();
    let mut d = s.date();
    while d <= last {
        if is_occurrence(p, s.date(), d) {
            let (start, end): (DateTime, DateTime) = if p.is_all_day {
                (
                    d.to_datetime(midnight),
                    d.checked_add((span + 1).days())
                        .unwrap()
                        .to_datetime(midnight),
                )
            } else {
                (
                    d.to_datetime(s.time()),
                    d.checked_add(span.days()).unwrap().to_datetime(e.time()),
                )
            };
            if start <= l && l < end {
                return true;
            }
        }
        d = d.tomorrow().unwrap();
    }
    false
}

fn random_profile(rng: &mut impl Rng) -> Value {
    // 2026..2029, on a minute.
    let from: i64 = 1_767_225_600 + rng.gen_range(0..3 * 365 * 1440) * 60;
    let length = [
        0,
        60,
        3_600,
        8 * 3_600,
        23 * 3_600,
        25 * 3_600,
        3 * 86_400,
        9 * 86_400,
        40 * 86_400,
    ][rng.gen_range(0..9)]
        + rng.gen_range(0..3) * 1_800;
    let weekdays = ["MON", "TUE", "WED", "THU", "FRI", "SAT", "SUN"];
    let pick_days = |rng: &mut dyn rand::RngCore| -> Value {
        let mut days = vec![];
        for _ in 0..rng.gen_range(1..4) {
            if rng.gen_bool(0.5) {
                days.push(json!(rng.gen_range(1..=31)));
            } else {
                let week = [-1, 1, 2, 3, 4, 5][rng.gen_range(0..6)];
                days.push(json!({"week": week, "day": weekdays[rng.gen_range(0..7)]}));
            }
        }
        Value::Array(days)
    };
    let looper = [1, 1, 2, 3, 5][rng.gen_range(0..5)];
    let (repeat_type, custom) = match rng.gen_range(0..10) {
        0 => ("day", json!(null)),
        1 => ("week", json!(null)),
        2 => ("twoWeeks", json!(null)),
        3 => ("month", json!(null)),
        4 => ("year", json!(null)),
        5 => (
            "custom",
            json!({"repeat_point_type": "day", "repeat_looper": looper}),
        ),
        6 => {
            let set: Vec<&str> = weekdays
                .iter()
                .copied()
                .filter(|_| rng.gen_bool(0.2))
                .collect();
            let set = if set.is_empty() { vec!["WED"] } else { set };
            (
                "custom",
                json!({"repeat_point_type": "week", "repeat_looper": looper, "repeat_options": set}),
            )
        }
        7 => (
            "custom",
            json!({"repeat_point_type": "month", "repeat_looper": looper, "repeat_options": pick_days(rng)}),
        ),
        _ => {
            let months: Vec<u32> = (1..=12).filter(|_| rng.gen_bool(0.3)).collect();
            let months = if months.is_empty() { vec![2] } else { months };
            let days = if rng.gen_bool(0.3) {
                json!([])
            } else {
                pick_days(rng)
            };
            (
                "custom",
                json!({"repeat_point_type": "year", "repeat_looper": looper % 3 + 1,
                "repeat_options": {"months": months, "days": days}}),
            )
        }
    };
    let end = if rng.gen_bool(0.5) {
        json!({"format": "never"})
    } else {
        json!({"format": "date", "date": from + rng.gen_range(0..2 * 365 * 86_400)})
    };
    json!({
        "name": "Random",
        "time_options": {"is_all_day": rng.gen_bool(0.2), "date_from": from, "date_to": from + length},
        "repeat_options": {
            "repeat_enable": rng.gen_bool(0.9),
            "repeat_format": {"repeat_type": repeat_type, "repeat_end": end, "repeat_custom": custom}
        }
    })
}

#[test]
fn contains_agrees_with_the_slow_reading() {
    let zones: Vec<TimeZone> = [
        "Europe/Kyiv",
        "America/New_York",
        "UTC",
        "Australia/Lord_Howe",
    ]
    .iter()
    .map(|z| TimeZone::get(z).unwrap())
    .collect();
    let mut rng = rand::rngs::StdRng::seed_from_u64(20270328);
    let (mut inside, mut total) = (0, 0);
    for _ in 0..1500 {
        let body = random_profile(&mut rng);
        let p = ok(&body);
        let tz = &zones[rng.gen_range(0..zones.len())];
        for _ in 0..8 {
            // Near the profile's own wall times on some later day, or anywhere.
            let day = rng.gen_range(-2..4 * 365) * DAY;
            let near = [p.date_from, p.date_to][rng.gen_range(0..2)] + day;
            let now = match rng.gen_range(0..4) {
                0 => near,
                1 => near - 1,
                2 => near + rng.gen_range(-7200..7200),
                _ => p.date_from + rng.gen_range(-DAY..4 * 365 * DAY),
            };
            let fast = p.contains(now, tz);
            assert_eq!(
                fast,
                slow_contains(&p, now, tz),
                "{body} at {now} in {tz:?}"
            );
            inside += usize::from(fast);
            total += 1;
        }
    }
    // Both answers are well represented.
    assert!(
        inside * 10 > total && inside * 10 < total * 9,
        "{inside} of {total}"
    );
}

// The vectors of `schedule_vectors.toml`.

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct VectorFile {
    profiles: toml::Table,
    vector: Vec<Vector>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Vector {
    why: String,
    zone: String,
    /// A key of `[profiles]`.
    profile: String,
    at: String,
    inside: bool,
}

/// A TOML profile as the JSON body: TOML datetimes (with an offset) become
/// Unix seconds.
fn to_json(value: &toml::Value) -> Value {
    match value {
        toml::Value::String(s) => json!(s),
        toml::Value::Integer(i) => json!(i),
        toml::Value::Float(f) => json!(f),
        toml::Value::Boolean(b) => json!(b),
        toml::Value::Datetime(dt) => {
            let ts: Timestamp = dt.to_string().parse().expect("a datetime with an offset");
            json!(ts.as_second())
        }
        toml::Value::Array(items) => Value::Array(items.iter().map(to_json).collect()),
        toml::Value::Table(table) => {
            Value::Object(table.iter().map(|(k, v)| (k.clone(), to_json(v))).collect())
        }
    }
}

#[test]
fn vectors() {
    let file: VectorFile = toml::from_str(include_str!("schedule_vectors.toml")).unwrap();
    let mut failures = Vec::new();
    for (i, v) in file.vector.iter().enumerate() {
        let outcome = (|| -> Result<(bool, bool), String> {
            let body = file
                .profiles
                .get(&v.profile)
                .ok_or_else(|| format!("no profile {}", v.profile))?;
            let profile = parse_profile_value(&to_json(body)).map_err(|e| e.to_string())?;
            let tz = TimeZone::get(&v.zone).map_err(|e| e.to_string())?;
            // jiff requires the offset: a bare civil time would be ambiguous.
            let at: Timestamp = v.at.parse().map_err(|e| format!("{e}"))?;
            let at = at.as_second();
            // The slow reading must agree with the vector too.
            Ok((profile.contains(at, &tz), slow_contains(&profile, at, &tz)))
        })();
        match outcome {
            Ok((fast, slow)) if fast == v.inside && slow == v.inside => {}
            Ok((fast, slow)) => failures.push(format!(
                "#{i} {} at {} in {}: inside is {fast} (slow reading {slow}), expected {}: {}",
                v.profile, v.at, v.zone, v.inside, v.why
            )),
            Err(e) => failures.push(format!("#{i} {}: {e}: {}", v.profile, v.why)),
        }
    }
    println!("{} vectors", file.vector.len());
    assert!(
        file.vector.len() >= 60,
        "only {} vectors",
        file.vector.len()
    );
    assert!(
        failures.is_empty(),
        "{} failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn a_weekly_occurrence_reaching_into_the_next_week() {
    // Sundays 10:00 to Wednesdays 10:00 (UTC): on Tuesday the occurrence
    // of the Sunday before holds, while this week's Sunday is still ahead.
    let p = ok(&custom("week", json!(["SUN"])));
    let p = ProfileBody {
        date_from: days_from_civil(2027, 1, 3) * DAY + 10 * 3600,
        date_to: days_from_civil(2027, 1, 6) * DAY + 10 * 3600,
        repeat: p.repeat.map(|r| Repeat {
            repeat_end: None,
            ..r
        }),
        ..p
    };
    let tuesday = days_from_civil(2027, 1, 12) * DAY + 12 * 3600;
    assert!(p.contains(tuesday, &TimeZone::UTC));
    assert!(slow_contains(&p, tuesday, &TimeZone::UTC));
    assert!(!p.contains(tuesday + DAY, &TimeZone::UTC));
}
