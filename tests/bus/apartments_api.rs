//! `org.latchd.Panel1.Apartments` over a real bus: CRUD with the logical
//! address checks and the panel's messages, List, binding and unbinding
//! identifiers, deleting an apartment unbinding them, and all of it
//! surviving a restart and a kill.

use crate::common;
use common::*;
use latchd::dbus::ApartmentsProxy;
use serde_json::{json, Value};

async fn apartments(s: &Setup) -> ApartmentsProxy<'static> {
    ApartmentsProxy::builder(&s.conn).build().await.unwrap()
}

fn flat(name: &str, building: i64, floor: i64, room: i64) -> Value {
    json!({
        "apartment_name": name,
        "apartment_address": {"building": building, "unit": 0, "floor": floor, "room": room},
        "residents": {"count": 2},
    })
}

#[tokio::test]
async fn create_get_update_delete_with_the_panels_messages() {
    let s = Setup::start("").await;
    let ap = apartments(&s).await;
    assert_eq!(
        ap.create(&flat("Flat 1", 1, 1, 1).to_string())
            .await
            .unwrap(),
        1
    );
    assert_eq!(
        ap.create(&flat("Flat 2", 1, 1, 2).to_string())
            .await
            .unwrap(),
        2
    );
    let got = json_reply(&ap.get(1).await.unwrap());
    assert_eq!(
        got,
        json!({
            "apartment_uid": 1,
            "apartment_name": "Flat 1",
            "apartment_address": {"building": 1, "unit": 0, "floor": 1, "room": 1},
            "residents": {"count": 2},
            "identifiers": {"count": 0, "uid_items": []},
        })
    );
    // The same address twice; Update ignores the apartment itself.
    let exists = bad_request("Apartment with that Logical Address already exist");
    assert_eq!(
        error_of(ap.create(&flat("Again", 1, 1, 1).to_string()).await),
        exists
    );
    assert_eq!(
        error_of(ap.update(2, &flat("Moved", 1, 1, 1).to_string()).await),
        exists
    );
    ap.update(1, &flat("Flat 1A", 1, 1, 1).to_string())
        .await
        .unwrap();
    assert_eq!(
        json_reply(&ap.get(1).await.unwrap())["apartment_name"],
        "Flat 1A"
    );

    for (body, message) in [
        ("{".to_string(), "Wrong JSON body"),
        (json!({"apartment_address": {}}).to_string(), "Wrong JSON body: no value for `apartment_name`"),
        (
            json!({"apartment_name": "A", "apartment_address": {"building": 1, "unit": 0, "floor": 0}}).to_string(),
            "Wrong JSON body: no value for `apartment_address.room`",
        ),
        (
            json!({"apartment_name": "A", "apartment_address": {"building": "1", "unit": 0, "floor": 0, "room": 0}}).to_string(),
            "Wrong JSON body: value `apartment_address.building` was of the wrong type",
        ),
        (flat(" Flat", 1, 2, 3).to_string(), "Wrong JSON body"),
        (flat("", 1, 2, 3).to_string(), "Wrong JSON body"),
        (flat("Flat", 0, 2, 3).to_string(), "Wrong Logical Address"),
        (flat("Flat", 10000, 2, 3).to_string(), "Wrong Logical Address"),
        (flat("Flat", 1, 99, 3).to_string(), "Wrong Logical Address"),
        (flat("Flat", 1, 2, 100).to_string(), "Wrong Logical Address"),
    ] {
        assert_eq!(error_of(ap.create(&body).await), bad_request(message), "{body}");
        assert_eq!(error_of(ap.update(1, &body).await), bad_request(message), "{body}");
    }
    for uid in [0, 3, 77] {
        let wrong = bad_request("Wrong apartment uid");
        assert_eq!(error_of(ap.get(uid).await), wrong);
        assert_eq!(
            error_of(ap.update(uid, &flat("X", 9, 9, 9).to_string()).await),
            wrong
        );
        assert_eq!(error_of(ap.delete(uid).await), wrong);
        assert_eq!(error_of(ap.bind_identifier(uid, 1).await), wrong);
    }
    ap.delete(2).await.unwrap();
    // Its address is free again; uids are not reused.
    assert_eq!(
        ap.create(&flat("Flat 2", 1, 1, 2).to_string())
            .await
            .unwrap(),
        3
    );
}

#[tokio::test]
async fn lists_page_sort_and_filter() {
    let s = Setup::start("").await;
    let ap = apartments(&s).await;
    for (n, name) in ["Cedar", "Apple", "Birch", "Apple"].iter().enumerate() {
        ap.create(&flat(name, 7, 1, n as i64).to_string())
            .await
            .unwrap();
    }
    let names = |page: &Value| -> Vec<String> {
        page["list_items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| i["apartment_name"].as_str().unwrap().to_string())
            .collect()
    };
    let page = json_reply(&ap.list("").await.unwrap());
    assert_eq!(names(&page), ["Cedar", "Apple", "Birch", "Apple"]);
    assert_eq!(
        page["list_option"]["sort"],
        json!({"field": "apartment_uid", "asc": true})
    );
    let sorted = json_reply(
        &ap.list(r#"{"sort_field":"apartment_name","limit":3}"#)
            .await
            .unwrap(),
    );
    assert_eq!(names(&sorted), ["Apple", "Apple", "Birch"]);
    assert_eq!(sorted["list_option"]["pagination"]["total_pages"], 2);
    let filtered = json_reply(
        &ap.list(r#"{"filter_field":"apartment_name","filter_value":"Apple","sort_type":"desc"}"#)
            .await
            .unwrap(),
    );
    let uids: Vec<u64> = filtered["list_items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["apartment_uid"].as_u64().unwrap())
        .collect();
    assert_eq!(uids, [4, 2]);
    assert_eq!(
        error_of(ap.list(r#"{"sort_field":"name"}"#).await),
        bad_request("Wrong JSON body")
    );
}

#[tokio::test]
async fn identifiers_are_bound_unbound_and_survive_restarts() {
    let mut s = Setup::start("").await;
    let ap = apartments(&s).await;
    let ids = s.identifiers().await;
    let one = ap.create(&flat("One", 1, 0, 1).to_string()).await.unwrap();
    let two = ap.create(&flat("Two", 1, 0, 2).to_string()).await.unwrap();
    let alice = ids.create(&card("41", "Alice")).await.unwrap();
    let bob = ids.create(&card("42", "Bob")).await.unwrap();
    let apartment_of = |item: Value| item["apartment"]["uid"].clone();

    ap.bind_identifier(one, alice).await.unwrap();
    ap.bind_identifier(one, bob).await.unwrap();
    assert_eq!(
        apartment_of(json_reply(&ids.get(alice).await.unwrap())),
        json!(one)
    );
    assert_eq!(
        json_reply(&ap.get(one).await.unwrap())["identifiers"],
        json!({"count": 2, "uid_items": [alice, bob]})
    );
    // Bound to at most one: binding again moves it.
    ap.bind_identifier(two, bob).await.unwrap();
    assert_eq!(
        json_reply(&ap.get(one).await.unwrap())["identifiers"]["uid_items"],
        json!([alice])
    );
    assert_eq!(
        json_reply(&ap.get(two).await.unwrap())["identifiers"]["uid_items"],
        json!([bob])
    );
    assert_eq!(
        error_of(ap.bind_identifier(one, 99).await),
        bad_request("Wrong Identifier uid")
    );
    assert_eq!(
        error_of(ap.unbind_identifier(0).await),
        bad_request("Wrong Identifier uid")
    );
    // An Update of the identifier keeps its apartment.
    ids.update(alice, &card("41", "Alice B")).await.unwrap();

    s.restart();
    let ap = apartments(&s).await;
    let ids = s.identifiers().await;
    assert_eq!(
        apartment_of(json_reply(&ids.get(alice).await.unwrap())),
        json!(one)
    );
    assert_eq!(
        apartment_of(json_reply(&ids.get(bob).await.unwrap())),
        json!(two)
    );

    // Deleting an apartment unbinds its identifiers.
    ap.delete(two).await.unwrap();
    assert_eq!(
        apartment_of(json_reply(&ids.get(bob).await.unwrap())),
        json!(-1)
    );
    ap.unbind_identifier(alice).await.unwrap();
    ap.unbind_identifier(alice).await.unwrap();
    assert_eq!(
        apartment_of(json_reply(&ids.get(alice).await.unwrap())),
        json!(-1)
    );
    assert_eq!(
        json_reply(&ap.get(one).await.unwrap())["identifiers"]["count"],
        0
    );
    // Deleting a bound identifier leaves the apartment's list.
    ap.bind_identifier(one, bob).await.unwrap();
    ids.delete(bob).await.unwrap();
    assert_eq!(
        json_reply(&ap.get(one).await.unwrap())["identifiers"]["count"],
        0
    );

    // Killed: every acknowledged change is there.
    ap.bind_identifier(one, alice).await.unwrap();
    s.daemon.kill();
    s.restart_stopped();
    let ap = apartments(&s).await;
    let ids = s.identifiers().await;
    assert_eq!(
        apartment_of(json_reply(&ids.get(alice).await.unwrap())),
        json!(one)
    );
    assert_eq!(
        error_of(ap.get(two).await),
        bad_request("Wrong apartment uid")
    );
    assert_eq!(
        ap.create(&flat("Three", 1, 0, 3).to_string())
            .await
            .unwrap(),
        3
    );
}
