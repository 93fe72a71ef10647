//! Whether an instant is inside a profile: the civil datetimes of the
//! panel's zone, and the occurrence dates of each repeat form found by
//! day-number arithmetic (see the module doc's "Meaning").

use super::{NthWeekDay, PointType, ProfileBody, Repeat, RepeatType, WeekDay};
use crate::domain::calendar::{civil_from_days, days_from_civil, days_in_month};
use jiff::tz::TimeZone;
use jiff::Timestamp;

impl ProfileBody {
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

#[cfg(test)]
mod tests {
    //! `contains` against the vectors of `schedule_vectors.toml` and against
    //! a slow day-by-day reading of the module doc's rules.

    use super::super::parse::{parse_profile_value, CUSTOM, END_FORMAT, TYPE};
    use super::super::samples::{custom, full, ok};
    use super::*;
    // The JSON path helpers of the identifier body tests.
    use crate::domain::test_support::{with, without};
    use jiff::civil::{Date, DateTime, Time, Weekday};
    use jiff::ToSpan;
    use rand::{Rng, SeedableRng};
    use serde::Deserialize;
    use serde_json::{json, Value};

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
                    PointType::Month => {
                        months % n == 0 && on_listed_days(&c.days, &c.nth_weekdays, d)
                    }
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
}
