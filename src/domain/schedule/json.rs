//! The JSON a body reads back as: the shape the panel sent, normalised.

use super::{Custom, PointType, ProfileBody};
use serde_json::{json, Map, Value};

impl Custom {
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
}

#[cfg(test)]
mod tests {
    use super::super::parse::{ENABLE, FORMAT, LOOPER, OPTIONS, POINT, TYPE};
    use super::super::samples::{custom, disabled, full, ok};
    use super::*;
    // The JSON path helpers of the identifier body tests.
    use crate::domain::test_support::{with, without};

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
}
