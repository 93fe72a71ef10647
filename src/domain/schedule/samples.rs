//! Bodies the tests of the schedule's files share.

use super::parse::{parse_profile, CUSTOM, END_DATE, END_FORMAT, OPTIONS, POINT, TYPE};
use super::ProfileBody;
// The JSON path helpers of the identifier body tests.
use crate::domain::test_support::{with, without};
use serde_json::{json, Value};

/// A body with every part, custom weekly, in the contract's example order.
pub(super) fn full() -> Value {
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

pub(super) fn disabled() -> Value {
    json!({
        "name": "Once",
        "time_options": {"is_all_day": true, "date_from": 1767250800, "date_to": 1767279600},
        "repeat_options": {"repeat_enable": false}
    })
}

/// `full()` with custom `point` and `options`.
pub(super) fn custom(point: &str, options: Value) -> Value {
    with(
        with(full(), CUSTOM_POINT, json!(point)),
        "repeat_options.repeat_format.repeat_custom.repeat_options",
        options,
    )
}

const CUSTOM_POINT: &str = "repeat_options.repeat_format.repeat_custom.repeat_point_type";

pub(super) fn ok(v: &Value) -> ProfileBody {
    parse_profile(&v.to_string()).unwrap_or_else(|e| panic!("{v}: {e}"))
}

/// Every form, for the round trips and the checks.
pub(super) fn every_form() -> Vec<ProfileBody> {
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
