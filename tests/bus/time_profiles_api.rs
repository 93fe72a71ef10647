//! `org.latchd.Panel1.TimeProfiles` and the identifiers' time profiles over
//! a real bus: CRUD with the panel's messages, List, attaching and
//! detaching, deleting a profile detaching it everywhere, the door decision
//! inside and outside a profile, and everything surviving a restart. The
//! calendar itself (every repeat form, daylight saving, month ends) is
//! tested by the vectors of `src/domain/schedule/schedule_vectors.toml`.

use crate::common;
use common::*;
use latchd::dbus::TimeProfilesProxy;
use serde_json::{json, Value};

/// Profiles are evaluated in UTC; the clock is trusted (the decision on an
/// unsynchronised clock is a unit test of the decision).
const CONFIG: &str = "[clock]\nrequire_sync = false\ntime_zone = \"UTC\"\n";

async fn profiles(s: &Setup) -> TimeProfilesProxy<'static> {
    TimeProfilesProxy::builder(&s.conn).build().await.unwrap()
}

fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

/// A profile from `from` to `to` (unix seconds), repeated as `repeat_type`
/// says (None: not repeated).
fn profile(name: &str, from: i64, to: i64, repeat_type: Option<&str>) -> Value {
    let repeat = match repeat_type {
        None => json!({"repeat_enable": false}),
        Some(kind) => json!({
            "repeat_enable": true,
            "repeat_format": {"repeat_type": kind, "repeat_end": {"format": "never"}},
        }),
    };
    json!({
        "name": name,
        "time_options": {"is_all_day": false, "date_from": from, "date_to": to},
        "repeat_options": repeat,
    })
}

/// The working week, 09:00 to 17:00, from Monday 2026-01-05.
fn work_week() -> Value {
    json!({
        "name": "Work week",
        "time_options": {"is_all_day": false, "date_from": 1767603600, "date_to": 1767632400},
        "repeat_options": {
            "repeat_enable": true,
            "repeat_format": {
                "repeat_type": "custom",
                "repeat_end": {"format": "never"},
                "repeat_custom": {
                    "repeat_point_type": "week",
                    "repeat_looper": 1,
                    "repeat_options": ["MON", "TUE", "WED", "THU", "FRI"]
                }
            }
        }
    })
}

#[tokio::test]
async fn create_get_update_delete_with_the_panels_messages() {
    let s = Setup::start(CONFIG).await;
    let tp = profiles(&s).await;
    assert_eq!(tp.create(&work_week().to_string()).await.unwrap(), 1);
    let got = json_reply(&tp.get(1).await.unwrap());
    assert_eq!(got["timeprofile_uid"], 1);
    assert_eq!(got["name"], "Work week");
    assert_eq!(got["time_options"], work_week()["time_options"]);
    assert_eq!(got["repeat_options"], work_week()["repeat_options"]);
    assert_eq!(got["identifiers"], json!({"count": 0, "uid_items": []}));

    let mut daily = profile("Mornings", 1767603600, 1767614400, Some("day"));
    assert_eq!(tp.create(&daily.to_string()).await.unwrap(), 2);
    daily["name"] = json!("Early mornings");
    tp.update(2, &daily.to_string()).await.unwrap();
    assert_eq!(
        json_reply(&tp.get(2).await.unwrap())["name"],
        "Early mornings"
    );

    // The messages at the bus's edge; the whole matrix is a unit test.
    let repeat = |path: &str, value: Value| {
        let mut b = work_week();
        *path
            .split('.')
            .fold(&mut b["repeat_options"]["repeat_format"], |v, k| &mut v[k]) = value;
        b.to_string()
    };
    for (body, message) in [
        ("[]".to_string(), "Wrong JSON body"),
        (
            json!({}).to_string(),
            "Wrong JSON body: no value for `name`",
        ),
        (
            json!({"name": "x", "time_options": 5, "repeat_options": {"repeat_enable": false}})
                .to_string(),
            "Wrong JSON body: value `time_options` was of the wrong type",
        ),
        (repeat("repeat_type", json!("hourly")), "Wrong repeat_type"),
        (
            repeat("repeat_custom.repeat_looper", json!(1001)),
            "Wrong repeat_looper range",
        ),
        (
            repeat("repeat_custom.repeat_options", json!([])),
            "Set in WeekOptions can't be empty",
        ),
        (
            profile("Late", 1767632400, 1767603600, None).to_string(),
            "Date `from` must be greater than `to`",
        ),
    ] {
        assert_eq!(
            error_of(tp.create(&body).await),
            bad_request(message),
            "{body}"
        );
        assert_eq!(
            error_of(tp.update(1, &body).await),
            bad_request(message),
            "{body}"
        );
    }
    let mut month = work_week();
    month["repeat_options"]["repeat_format"]["repeat_custom"] =
        json!({"repeat_point_type": "month", "repeat_looper": 1, "repeat_options": [32]});
    assert_eq!(
        error_of(tp.create(&month.to_string()).await),
        bad_request("Wrong DayOfMonth range")
    );
    month["repeat_options"]["repeat_format"]["repeat_custom"] = json!({
        "repeat_point_type": "year", "repeat_looper": 1,
        "repeat_options": {"months": [13]}
    });
    assert_eq!(
        error_of(tp.create(&month.to_string()).await),
        bad_request("Wrong months range")
    );

    for uid in [0, 3, 77] {
        let wrong = bad_request("Wrong timeprofile uid");
        assert_eq!(error_of(tp.get(uid).await), wrong);
        assert_eq!(
            error_of(tp.update(uid, &work_week().to_string()).await),
            wrong
        );
        assert_eq!(error_of(tp.delete(uid).await), wrong);
    }
    tp.delete(2).await.unwrap();
    assert_eq!(
        error_of(tp.get(2).await),
        bad_request("Wrong timeprofile uid")
    );
    // uids are not reused.
    assert_eq!(tp.create(&daily.to_string()).await.unwrap(), 3);
}

#[tokio::test]
async fn lists_page_sort_and_filter() {
    let s = Setup::start(CONFIG).await;
    let tp = profiles(&s).await;
    for name in ["Cleaners", "Audit", "Board", "Audit"] {
        tp.create(&profile(name, 0, 3600, Some("day")).to_string())
            .await
            .unwrap();
    }
    let page = json_reply(&tp.list("").await.unwrap());
    assert_eq!(
        page["list_option"]["pagination"],
        json!({"total_items": 4, "items_limit": 10, "total_pages": 1, "current_page": 1})
    );
    assert_eq!(
        page["list_option"]["sort"],
        json!({"field": "timeprofile_uid", "asc": true})
    );
    let names = |page: &Value| -> Vec<String> {
        page["list_items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| i["name"].as_str().unwrap().to_string())
            .collect()
    };
    let sorted = json_reply(
        &tp.list(r#"{"sort_field":"name","sort_type":"desc","limit":2,"page_number":2}"#)
            .await
            .unwrap(),
    );
    assert_eq!(names(&sorted), ["Audit", "Audit"]);
    assert_eq!(sorted["list_option"]["pagination"]["total_pages"], 2);
    let filtered = json_reply(
        &tp.list(r#"{"filter_field":"name","filter_value":"Audit"}"#)
            .await
            .unwrap(),
    );
    assert_eq!(filtered["list_option"]["pagination"]["total_items"], 2);
    let by_uid = json_reply(
        &tp.list(r#"{"filter_field":"timeprofile_uid","filter_value":"3"}"#)
            .await
            .unwrap(),
    );
    assert_eq!(names(&by_uid), ["Board"]);
    assert!(
        json_reply(&tp.list(r#"{"page_number":9}"#).await.unwrap())["list_items"]
            .as_array()
            .unwrap()
            .is_empty()
    );
    for query in [
        r#"{"sort_field":"identifier_type"}"#,
        r#"{"limit":0}"#,
        "[]",
    ] {
        assert_eq!(
            error_of(tp.list(query).await),
            bad_request("Wrong JSON body")
        );
    }
}

#[tokio::test]
async fn attached_profiles_decide_and_survive_restarts_and_deletes() {
    let mut s = Setup::start(CONFIG).await;
    let tp = profiles(&s).await;
    let ids = s.identifiers().await;
    let access = AccessProxy::new(&s.conn).await.unwrap();
    let t = now();
    // Daily around now: inside. Once, two hours from now: outside.
    let around_now = tp
        .create(&profile("Now", t - 3600, t + 3600, Some("day")).to_string())
        .await
        .unwrap();
    let later = tp
        .create(&profile("Later", t + 7200, t + 10800, None).to_string())
        .await
        .unwrap();
    let card_uid = ids.create(&card("42", "Alice")).await.unwrap();

    ids.attach_time_profile(card_uid, later).await.unwrap();
    assert_eq!(
        access.present("card", "42").await.unwrap(),
        (false, "outside its time profiles".to_string())
    );
    ids.attach_time_profile(card_uid, around_now).await.unwrap();
    // Attaching twice is a no-op.
    ids.attach_time_profile(card_uid, around_now).await.unwrap();
    assert!(access.present("card", "42").await.unwrap().0);
    let got = json_reply(&ids.get(card_uid).await.unwrap());
    assert_eq!(
        got["time_profiles"],
        json!({"count": 2, "uid_items": [around_now, later]})
    );
    assert_eq!(
        json_reply(&tp.get(around_now).await.unwrap())["identifiers"],
        json!({"count": 1, "uid_items": [card_uid]})
    );

    // Errors: the identifier first, then the profile.
    assert_eq!(
        error_of(ids.attach_time_profile(99, 77).await),
        bad_request("Wrong Identifier uid")
    );
    assert_eq!(
        error_of(ids.attach_time_profile(card_uid, 77).await),
        bad_request("Wrong timeprofile uid")
    );
    assert_eq!(
        error_of(ids.detach_time_profile(card_uid, 0).await),
        bad_request("Wrong timeprofile uid")
    );
    assert_eq!(
        error_of(ids.detach_time_profile(0, around_now).await),
        bad_request("Wrong Identifier uid")
    );

    // An Update of the identifier keeps its profiles; both survive a restart.
    ids.update(card_uid, &card("0042", "Alice B"))
        .await
        .unwrap();
    s.restart();
    let ids = s.identifiers().await;
    let tp = profiles(&s).await;
    let access = AccessProxy::new(&s.conn).await.unwrap();
    assert_eq!(
        json_reply(&ids.get(card_uid).await.unwrap())["time_profiles"]["uid_items"],
        json!([around_now, later])
    );
    assert!(access.present("card", "42").await.unwrap().0);

    // Deleting the profile that let it in detaches it everywhere.
    tp.delete(around_now).await.unwrap();
    assert_eq!(
        json_reply(&ids.get(card_uid).await.unwrap())["time_profiles"],
        json!({"count": 1, "uid_items": [later]})
    );
    assert_eq!(
        access.present("card", "42").await.unwrap(),
        (false, "outside its time profiles".to_string())
    );
    // Detached from the last one, it is valid at any time again.
    ids.detach_time_profile(card_uid, later).await.unwrap();
    ids.detach_time_profile(card_uid, later).await.unwrap();
    assert!(access.present("card", "42").await.unwrap().0);

    // Killed, not stopped: every acknowledged change is there.
    ids.attach_time_profile(card_uid, later).await.unwrap();
    s.daemon.kill();
    s.restart_stopped();
    let ids = s.identifiers().await;
    let tp = profiles(&s).await;
    assert_eq!(
        json_reply(&ids.get(card_uid).await.unwrap())["time_profiles"]["uid_items"],
        json!([later])
    );
    assert_eq!(
        error_of(tp.get(around_now).await),
        bad_request("Wrong timeprofile uid")
    );
    // Uids of profiles are not reused after a restart either.
    assert_eq!(
        tp.create(&profile("Next", 0, 60, None).to_string())
            .await
            .unwrap(),
        later + 1
    );
}

/// The panel API's own example body (a daily repeat that also carries a
/// weekly repeat_custom, not in effect) is taken and reads back as sent.
#[tokio::test]
async fn the_panels_example_reads_back_as_sent() {
    let s = Setup::start(CONFIG).await;
    let tp = profiles(&s).await;
    let example = json!({
        "name": "Work week",
        "time_options": {"is_all_day": true, "date_from": 1540819272, "date_to": 1540819272},
        "repeat_options": {
            "repeat_enable": true,
            "repeat_format": {
                "repeat_type": "day",
                "repeat_end": {"format": "date", "date": 1540819272},
                "repeat_custom": {
                    "repeat_point_type": "week",
                    "repeat_looper": 5,
                    "repeat_options": ["MON", "TUE", "WED", "THU", "FRI"]
                }
            }
        }
    });
    let uid = tp.create(&example.to_string()).await.unwrap();
    let got = json_reply(&tp.get(uid).await.unwrap());
    for field in ["name", "time_options", "repeat_options"] {
        assert_eq!(got[field], example[field], "{field}");
    }
    let page = json_reply(&tp.list("").await.unwrap());
    assert_eq!(
        page["list_items"][0]["repeat_options"],
        example["repeat_options"]
    );
}
