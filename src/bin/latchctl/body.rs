//! Panel API bodies from flags and CSV fields, and times in UTC.

use jiff::civil::{Date, Time};
use jiff::tz::Offset;
use jiff::Timestamp;
use serde_json::{json, Value};

/// The fields of a body, as the flags or a CSV line give them.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Fields {
    pub kind: String,
    pub number: String,
    pub name: String,
    pub owner_type: Option<String>,
    pub lock: Option<String>,
    /// `from` and `to`: both or neither.
    pub window: Option<(i64, i64)>,
    pub max_passes: Option<u64>,
}

impl Fields {
    /// The panel API body, its keys in the contract's order. Absent limits
    /// are sent as permanent, which is what latchd reads an absent `valid` as.
    pub fn to_body(&self) -> Value {
        let time = match self.window {
            Some((from, to)) => json!({"is_permanent": false, "from": from, "to": to}),
            None => json!({"is_permanent": true}),
        };
        let passes = match self.max_passes {
            Some(max) => json!({"is_permanent": false, "max_passes": max}),
            None => json!({"is_permanent": true}),
        };
        json!({
            "identifier_owner": {
                "name": self.name,
                "type": self.owner_type.as_deref().unwrap_or("owner"),
            },
            "identifier_type": self.kind,
            "identifier_number": self.number,
            "lock": self.lock.as_deref().unwrap_or("first"),
            "valid": {"time": time, "passes": passes},
        })
    }
}

/// A time profile from the flags of `profiles create` and `update`.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct ProfileFields {
    pub name: String,
    pub from: i64,
    pub to: i64,
    pub all_day: bool,
    /// `day`, `week`, `twoWeeks`, `month` or `year`.
    pub repeat: Option<String>,
    /// A custom week repeat, every week on these days (`MON` ...).
    pub weekdays: Option<Vec<String>>,
    /// The end of the repeat; `None` repeats for ever.
    pub until: Option<i64>,
}

impl ProfileFields {
    /// The panel API body; `repeat_enable` is false without a repeat.
    pub fn to_body(&self) -> Value {
        let end = match self.until {
            Some(date) => json!({"format": "date", "date": date}),
            None => json!({"format": "never"}),
        };
        let format = match (&self.repeat, &self.weekdays) {
            (_, Some(days)) => Some(json!({
                "repeat_type": "custom",
                "repeat_end": end,
                "repeat_custom": {
                    "repeat_point_type": "week",
                    "repeat_looper": 1,
                    "repeat_options": days,
                },
            })),
            (Some(every), None) => Some(json!({"repeat_type": every, "repeat_end": end})),
            (None, None) => None,
        };
        let repeat = match format {
            Some(format) => json!({"repeat_enable": true, "repeat_format": format}),
            None => json!({"repeat_enable": false}),
        };
        json!({
            "name": self.name,
            "time_options": {
                "is_all_day": self.all_day,
                "date_from": self.from,
                "date_to": self.to,
            },
            "repeat_options": repeat,
        })
    }
}

/// The days of `--weekdays`: `MON,TUE,...` in any case, each once, in the
/// order given.
pub fn parse_weekdays(s: &str) -> Result<Vec<String>, String> {
    const DAYS: [&str; 7] = ["MON", "TUE", "WED", "THU", "FRI", "SAT", "SUN"];
    let mut days: Vec<String> = Vec::new();
    for part in s.split(',') {
        let day = part.trim().to_ascii_uppercase();
        if !DAYS.contains(&day.as_str()) {
            return Err(format!(
                "`{}` is not a weekday: give MON, TUE, WED, THU, FRI, SAT or SUN, separated by commas",
                part.trim()
            ));
        }
        if !days.contains(&day) {
            days.push(day);
        }
    }
    Ok(days)
}

/// An apartment from the flags of `apartments create` and `update`.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct ApartmentFields {
    pub name: String,
    pub building: u32,
    pub unit: u32,
    pub floor: u32,
    pub room: u32,
    pub residents: u32,
}

impl ApartmentFields {
    pub fn to_body(&self) -> Value {
        json!({
            "apartment_name": self.name,
            "apartment_address": {
                "building": self.building,
                "unit": self.unit,
                "floor": self.floor,
                "room": self.room,
            },
            "residents": {"count": self.residents},
        })
    }
}

/// A time of the command line or a CSV file: unix seconds, `YYYY-MM-DD`
/// (midnight at its start) or `YYYY-MM-DDTHH:MM[:SS]`, in UTC. A space may
/// stand for the `T` and a `Z` may end it.
pub fn parse_time(s: &str) -> Result<i64, String> {
    let s = s.trim();
    let wrong = || {
        format!("`{s}` is not a time: give unix seconds, YYYY-MM-DD or YYYY-MM-DDTHH:MM[:SS] (UTC)")
    };
    if !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()) {
        return s.parse().map_err(|_| wrong());
    }
    let s = s.strip_suffix('Z').unwrap_or(s);
    let (date, clock) = match s.split_once(['T', ' ']) {
        Some((d, c)) => (d, Some(c)),
        None => (s, None),
    };
    let number = |part: &str, digits: usize| -> Option<i64> {
        (part.len() == digits && part.bytes().all(|b| b.is_ascii_digit()))
            .then(|| part.parse().ok())
            .flatten()
    };
    // The shape is checked here: jiff's ISO 8601 reader would also take
    // `2026-1-01`, an hour alone, fractions and offsets.
    let mut d = date.split('-');
    let (Some(y), Some(m), Some(day), None) = (d.next(), d.next(), d.next(), d.next()) else {
        return Err(wrong());
    };
    let date = Date::new(
        number(y, 4).ok_or_else(wrong)? as i16,
        number(m, 2).ok_or_else(wrong)? as i8,
        number(day, 2).ok_or_else(wrong)? as i8,
    )
    .map_err(|_| wrong())?;
    let time = match clock {
        None => Time::midnight(),
        Some(clock) => {
            let parts: Vec<&str> = clock.split(':').collect();
            if !(2..=3).contains(&parts.len()) {
                return Err(wrong());
            }
            let sec = match parts.get(2) {
                Some(p) => number(p, 2).ok_or_else(wrong)?,
                None => 0,
            };
            Time::new(
                number(parts[0], 2).ok_or_else(wrong)? as i8,
                number(parts[1], 2).ok_or_else(wrong)? as i8,
                sec as i8,
                0,
            )
            .map_err(|_| wrong())?
        }
    };
    let seconds = Offset::UTC
        .to_timestamp(date.to_datetime(time))
        .map_err(|_| wrong())?
        .as_second();
    if seconds < 0 {
        return Err(wrong());
    }
    Ok(seconds)
}

/// Unix seconds as `YYYY-MM-DDTHH:MM:SSZ`; a time past what a calendar
/// date holds (jiff's range ends late on 9999-12-30) as its number.
pub fn format_time(unix: i64) -> String {
    match Timestamp::from_second(unix) {
        Ok(t) => t.strftime("%Y-%m-%dT%H:%M:%SZ").to_string(),
        Err(_) => unix.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_read_and_print_in_utc() {
        assert_eq!(parse_time("1767225600"), Ok(1_767_225_600));
        assert_eq!(parse_time("2026-01-01"), Ok(1_767_225_600));
        assert_eq!(parse_time("2026-01-01T00:00"), Ok(1_767_225_600));
        assert_eq!(parse_time("2026-01-01 01:02:03Z"), Ok(1_767_229_323));
        assert_eq!(parse_time("2024-02-29T23:59:59"), Ok(1_709_251_199));
        assert_eq!(parse_time("1970-01-01"), Ok(0));
        for bad in [
            "",
            "2026-1-01",
            "2026-02-30",
            "2025-02-29",
            "2026-13-01",
            "2026-01-01T24:00",
            "2026-01-01T10",
            "yesterday",
            "-5",
            "2026-01-01T10:00:60",
        ] {
            assert!(parse_time(bad).is_err(), "{bad:?}");
        }
        assert_eq!(format_time(1_767_225_600), "2026-01-01T00:00:00Z");
        assert_eq!(format_time(1_709_251_199), "2024-02-29T23:59:59Z");
        assert_eq!(format_time(0), "1970-01-01T00:00:00Z");
        assert_eq!(format_time(-62_135_596_800), "0001-01-01T00:00:00Z");
        assert_eq!(format_time(253_402_207_200), "9999-12-30T22:00:00Z");
        for t in (0..5_000_000_000i64).step_by(86_399 * 97) {
            assert_eq!(parse_time(&format_time(t)), Ok(t));
        }
    }

    #[test]
    fn profile_bodies_from_flags() {
        let week = ProfileFields {
            name: "Work week".into(),
            from: 1_767_250_800,
            to: 1_767_279_600,
            weekdays: Some(parse_weekdays("mon,TUE, Wed,THU,FRI,mon").unwrap()),
            ..ProfileFields::default()
        };
        assert_eq!(
            week.to_body().to_string(),
            r#"{"name":"Work week","time_options":{"is_all_day":false,"date_from":1767250800,"date_to":1767279600},"repeat_options":{"repeat_enable":true,"repeat_format":{"repeat_type":"custom","repeat_end":{"format":"never"},"repeat_custom":{"repeat_point_type":"week","repeat_looper":1,"repeat_options":["MON","TUE","WED","THU","FRI"]}}}}"#
        );
        let once = ProfileFields {
            name: "Holidays".into(),
            all_day: true,
            ..ProfileFields::default()
        };
        let body = once.to_body();
        assert_eq!(body["time_options"]["is_all_day"], true);
        assert_eq!(body["repeat_options"], json!({"repeat_enable": false}));
        let until = ProfileFields {
            repeat: Some("twoWeeks".into()),
            until: Some(1_798_675_200),
            ..once
        };
        assert_eq!(
            until.to_body()["repeat_options"],
            json!({"repeat_enable": true, "repeat_format": {"repeat_type": "twoWeeks",
                   "repeat_end": {"format": "date", "date": 1_798_675_200}}})
        );
        for bad in ["", "MON,", "MONDAY", "MON;TUE"] {
            assert!(parse_weekdays(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn apartment_bodies_from_flags() {
        let flat = ApartmentFields {
            name: "Flat 12".into(),
            building: 1,
            unit: 0,
            floor: 3,
            room: 12,
            residents: 2,
        };
        assert_eq!(
            flat.to_body().to_string(),
            r#"{"apartment_name":"Flat 12","apartment_address":{"building":1,"unit":0,"floor":3,"room":12},"residents":{"count":2}}"#
        );
    }

    #[test]
    fn bodies_say_permanent_when_no_limit_is_given() {
        let fields = Fields {
            kind: "card".into(),
            number: "12:34:56:79".into(),
            name: "Alice".into(),
            ..Fields::default()
        };
        assert_eq!(
            fields.to_body().to_string(),
            r#"{"identifier_owner":{"name":"Alice","type":"owner"},"identifier_type":"card","identifier_number":"12:34:56:79","lock":"first","valid":{"time":{"is_permanent":true},"passes":{"is_permanent":true}}}"#
        );
        let limited = Fields {
            owner_type: Some("guest".into()),
            lock: Some("all".into()),
            window: Some((10, 20)),
            max_passes: Some(3),
            ..fields
        };
        let body = limited.to_body();
        assert_eq!(body["identifier_owner"]["type"], "guest");
        assert_eq!(body["lock"], "all");
        assert_eq!(
            body["valid"],
            json!({"time": {"is_permanent": false, "from": 10, "to": 20},
                   "passes": {"is_permanent": false, "max_passes": 3}})
        );
    }
}
