//! `org.latchd.Panel1.Identifiers` over a real bus against the contract
//! (`dbus-api.md`): error names and exact messages, replies, the item JSON,
//! all-or-nothing Import and DeleteMany, List, Count, and persistence across a
//! restart. The pure validation matrix lives in `src/domain/tests.rs`; here
//! each step is crossed once more at the D-Bus edge.

use crate::common;
use common::*;
use serde_json::{json, Value};

/// The harness's default panel: master code 1234, master card 12:34:56:78,
/// face recognition off.
const DEFAULT: &str = "";

/// Face recognition on with 4-value vectors, and no master credentials.
const FACE: &str = "[panel]\nface_recognition = true\nface_dimensions = 4\n";

fn body(kind: &str, number: &str) -> Value {
    json!({
        "identifier_owner": {"name": "Bob", "type": "guest"},
        "identifier_type": kind,
        "identifier_number": number,
        "lock": "all",
    })
}

/// Every field, both limits on.
fn full(number: &str) -> Value {
    json!({
        "identifier_owner": {"name": "Alice", "type": "owner"},
        "identifier_type": "card",
        "identifier_number": number,
        "lock": "first",
        "valid": {
            "time": {"is_permanent": false, "from": 1767225600, "to": 1798761600},
            "passes": {"is_permanent": false, "max_passes": 10}
        }
    })
}

fn with(mut v: Value, path: &str, value: Value) -> Value {
    *path.split('.').fold(&mut v, |v, k| &mut v[k]) = value;
    v
}

fn without(mut v: Value, path: &str) -> Value {
    let (parent, key) = path.rsplit_once('.').unwrap_or(("", path));
    let obj = if parent.is_empty() {
        &mut v
    } else {
        parent.split('.').fold(&mut v, |v, k| &mut v[k])
    };
    obj.as_object_mut().unwrap().remove(key);
    v
}

fn face(values: &[f32]) -> String {
    use base64::Engine;
    let bytes: Vec<u8> = values.iter().flat_map(|f| f.to_le_bytes()).collect();
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

/// Asserts a `BadRequest` with exactly `message`.
#[track_caller]
fn bad<T: std::fmt::Debug>(result: Result<T, latchd::dbus::Error>, message: &str, what: &str) {
    let (name, got) = error_of(result);
    assert_eq!(name, BAD_REQUEST, "{what}");
    assert_eq!(got, message, "{what}");
}

async fn item(ids: &IdentifiersProxy<'_>, uid: u32) -> Value {
    serde_json::from_str(&ids.get(uid).await.unwrap()).unwrap()
}

async fn page(ids: &IdentifiersProxy<'_>, query: Value) -> Value {
    serde_json::from_str(&ids.list(&query.to_string()).await.unwrap()).unwrap()
}

fn uids_of(page: &Value) -> Vec<u64> {
    page["list_items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["identifier_uid"].as_u64().unwrap())
        .collect()
}

/// Every item, by uid.
async fn all_items(ids: &IdentifiersProxy<'_>) -> Value {
    page(ids, json!({"limit": 1000})).await["list_items"].clone()
}

const DUP: &str = "Identifier with that type and number already exist";
const MASTER_CODE: &str = "Cannot create identifier with the same input code number as master code";
const MASTER_CARD: &str = "Cannot create identifier with same card number as master card";
const FROM_TO: &str = "Date `from` must be greater than `to`";
const NO_FACE: &str = "You cannot create face_id identifier on this panel";
const BAD_FACE: &str = "Wrong face_id image data";
const WRONG_UID: &str = "Wrong Identifier uid";
const WRONG_BODY: &str = "Wrong JSON body";

fn missing(path: &str) -> String {
    format!("Wrong JSON body: no value for `{path}`")
}

fn wrong_type(path: &str) -> String {
    format!("Wrong JSON body: value `{path}` was of the wrong type")
}

/// Steps 1 to 9, one case each and the cases that prove their order, through
/// Create and Update; nothing is stored by a refused call.
#[tokio::test]
async fn validation_steps_in_order() {
    let s = Setup::start(DEFAULT).await;
    let ids = s.identifiers().await;
    let existing = ids.create(&full("12:34:56:79").to_string()).await.unwrap();
    ids.create(&body("inputCode", "4711").to_string())
        .await
        .unwrap();
    // Refused Updates go to this one, which clashes with neither.
    let other = ids
        .create(&body("license_plate", "X 1").to_string())
        .await
        .unwrap();
    let before = all_items(&ids).await;

    let mut cases: Vec<(String, String)> = vec![
        // 1. not an object
        ("".into(), WRONG_BODY.into()),
        ("[]".into(), WRONG_BODY.into()),
        ("\"card\"".into(), WRONG_BODY.into()),
        ("null".into(), WRONG_BODY.into()),
        ("{\"identifier_owner\":".into(), WRONG_BODY.into()),
    ];
    let mut case = |v: Value, message: &str| cases.push((v.to_string(), message.to_string()));
    // 2. missing, depth first; null is missing
    case(json!({}), &missing("identifier_owner"));
    case(
        without(full("1"), "identifier_owner"),
        &missing("identifier_owner"),
    );
    case(
        without(full("1"), "identifier_owner.name"),
        &missing("identifier_owner.name"),
    );
    case(
        with(full("1"), "identifier_owner.name", Value::Null),
        &missing("identifier_owner.name"),
    );
    case(
        without(full("1"), "identifier_owner.type"),
        &missing("identifier_owner.type"),
    );
    case(
        without(full("1"), "identifier_type"),
        &missing("identifier_type"),
    );
    case(
        with(full("1"), "identifier_number", Value::Null),
        &missing("identifier_number"),
    );
    case(without(full("1"), "lock"), &missing("lock"));
    case(with(full("1"), "valid", json!({})), &missing("valid.time"));
    case(without(full("1"), "valid.passes"), &missing("valid.passes"));
    case(
        without(full("1"), "valid.time.is_permanent"),
        &missing("valid.time.is_permanent"),
    );
    case(
        with(full("1"), "valid.time.from", Value::Null),
        &missing("valid.time.from"),
    );
    case(
        without(full("1"), "valid.time.to"),
        &missing("valid.time.to"),
    );
    case(
        without(full("1"), "valid.passes.is_permanent"),
        &missing("valid.passes.is_permanent"),
    );
    case(
        without(full("1"), "valid.passes.max_passes"),
        &missing("valid.passes.max_passes"),
    );
    // ... the first missing in order wins, and over any wrong type or bad value
    case(
        without(without(full("1"), "lock"), "identifier_owner.type"),
        &missing("identifier_owner.type"),
    );
    case(
        with(
            without(full("1"), "lock"),
            "identifier_owner.name",
            json!(5),
        ),
        &missing("lock"),
    );
    case(
        with(
            without(full("1"), "valid.time.to"),
            "valid.time.from",
            json!(1.5),
        ),
        &missing("valid.time.to"),
    );
    case(
        with(
            without(full("1"), "valid.passes.max_passes"),
            "identifier_type",
            json!("pin"),
        ),
        &missing("valid.passes.max_passes"),
    );
    // 3. wrong types, in order, and over bad values
    case(
        with(full("1"), "identifier_owner", json!("Alice")),
        &wrong_type("identifier_owner"),
    );
    case(
        with(full("1"), "identifier_owner.name", json!(7)),
        &wrong_type("identifier_owner.name"),
    );
    case(
        with(full("1"), "identifier_number", json!(1)),
        &wrong_type("identifier_number"),
    );
    case(with(full("1"), "valid", json!([])), &wrong_type("valid"));
    case(
        with(full("1"), "valid.time.is_permanent", json!("false")),
        &wrong_type("valid.time.is_permanent"),
    );
    case(
        with(full("1"), "valid.time.from", json!(1.5)),
        &wrong_type("valid.time.from"),
    );
    case(
        with(full("1"), "valid.time.to", json!("1798761600")),
        &wrong_type("valid.time.to"),
    );
    case(
        with(full("1"), "valid.passes.max_passes", json!(1.5)),
        &wrong_type("valid.passes.max_passes"),
    );
    case(
        with(
            with(full("1"), "lock", json!(1)),
            "identifier_owner.type",
            json!(false),
        ),
        &wrong_type("identifier_owner.type"),
    );
    case(
        with(
            with(full("1"), "lock", json!("third")),
            "valid.passes.max_passes",
            json!("x"),
        ),
        &wrong_type("valid.passes.max_passes"),
    );
    // ... also from, to and max_passes of permanent limits, when given
    let permanent = with(
        with(full("1"), "valid.time.is_permanent", json!(true)),
        "valid.passes.is_permanent",
        json!(true),
    );
    case(
        with(permanent.clone(), "valid.time.from", json!("yesterday")),
        &wrong_type("valid.time.from"),
    );
    case(
        with(permanent.clone(), "valid.passes.max_passes", json!(2.5)),
        &wrong_type("valid.passes.max_passes"),
    );
    case(
        with(permanent.clone(), "valid.passes.max_passes", json!(0)),
        WRONG_BODY,
    );
    // 4. values outside their sets and patterns
    for (path, value) in [
        ("identifier_owner.type", json!("admin")),
        ("identifier_owner.name", json!("")),
        ("identifier_type", json!("pin")),
        ("lock", json!("third")),
        ("valid.passes.max_passes", json!(0)),
        ("identifier_number", json!("12:3")),
    ] {
        case(with(full("1"), path, value), WRONG_BODY);
    }
    for (kind, number) in [
        ("card", "12345678901"),
        ("card", "12:34:56:78:9a:bc:de:f0:12"),
        ("card", "0x12"),
        ("ukey", "12 34"),
        ("ukey", "ab"),
        ("inputCode", "12:34"),
        ("inputCode", "12345678901"),
        ("qr", "123e4567e89b12d3a456426614174000"),
        ("qr", "123e4567-e89b-12d3-a456-42661417400z"),
        ("license_plate", ""),
        ("license_plate", "AB_123"),
        ("license_plate", &"A".repeat(101)),
    ] {
        case(body(kind, number), WRONG_BODY);
    }
    // ... and before step 5
    case(
        with(
            with(full("1"), "valid.time.from", json!(1798761601)),
            "lock",
            json!("x"),
        ),
        WRONG_BODY,
    );
    // 5. from > to, before face, master and duplicate checks
    case(
        with(full("1"), "valid.time.from", json!(1798761601)),
        FROM_TO,
    );
    case(
        with(full("12-34-56-79"), "valid.time.to", json!(0)),
        FROM_TO,
    );
    case(
        with(full("12-34-56-78"), "valid.time.to", json!(0)),
        FROM_TO,
    );
    case(
        with(
            with(body("face_id", "AAAA"), "valid", full("1")["valid"].clone()),
            "valid.time.to",
            json!(0),
        ),
        FROM_TO,
    );
    // 6. face recognition is off
    case(body("face_id", &face(&[1.0, 2.0, 3.0, 4.0])), NO_FACE);
    case(body("face_id", "not base64"), NO_FACE);
    // 7. master code (exact digits)
    case(body("inputCode", "1234"), MASTER_CODE);
    // 8. master card, in all its forms, card only
    for n in [
        "12:34:56:78",
        "12-34-56-78",
        "305419896",
        "0305419896",
        "12:34-56:78",
    ] {
        case(body("card", n), MASTER_CARD);
    }
    // 9. duplicates across forms
    for n in [
        "12:34:56:79",
        "12-34-56-79",
        "305419897",
        "0305419897",
        "00:12:34:56:79",
    ] {
        case(body("card", n), DUP);
    }
    case(body("inputCode", "4711"), DUP);

    for (text, message) in &cases {
        bad(ids.create(text).await, message, &format!("Create {text}"));
        // Update validates the same way.
        bad(
            ids.update(other, text).await,
            message,
            &format!("Update {text}"),
        );
    }
    // Nothing was stored or changed.
    assert_eq!(all_items(&ids).await, before);
    assert_eq!(ids.count().await.unwrap(), 3);

    // Not clashes: ukey with the master card number, other input codes,
    // another type with the same number, Update of an identifier onto its own
    // number in another form.
    for v in [
        body("ukey", "12:34:56:78"),
        body("inputCode", "01234"),
        body("inputCode", "123"),
        body("ukey", "305419897"),
        body("license_plate", "12345"),
        body("qr", "123E4567-E89B-12D3-A456-426614174000"),
    ] {
        ids.create(&v.to_string())
            .await
            .unwrap_or_else(|e| panic!("{v}: {e}"));
    }
    bad(
        ids.create(&body("qr", "123e4567-e89b-12d3-a456-426614174000").to_string())
            .await,
        DUP,
        "qr in lower case",
    );
    bad(
        ids.create(&body("license_plate", "123-45").to_string())
            .await,
        DUP,
        "plate",
    );
    for n in ["305419897", "12-34-56-79", "0305419897"] {
        ids.update(existing, &full(n).to_string()).await.unwrap();
        assert_eq!(item(&ids, existing).await["identifier_number"], n);
    }
    assert_eq!(ids.count().await.unwrap(), 9);
}

/// Unknown uids, the item JSON, Update replacing the body, Delete, ResetPasses
/// and Count.
#[tokio::test]
async fn crud_items_and_unknown_uids() {
    let s = Setup::start(DEFAULT).await;
    let ids = s.identifiers().await;
    assert_eq!(ids.count().await.unwrap(), 0);
    for uid in [0, 1, 99, u32::MAX] {
        bad(ids.get(uid).await, WRONG_UID, "Get");
        bad(ids.update(uid, &card("1", "A")).await, WRONG_UID, "Update");
        bad(ids.delete(uid).await, WRONG_UID, "Delete");
        bad(ids.reset_passes(uid).await, WRONG_UID, "ResetPasses");
    }
    // An unknown uid wins over a bad body.
    bad(
        ids.update(0, "[]").await,
        WRONG_UID,
        "Update 0 with a bad body",
    );

    let a = ids.create(&full("12:34:56:79").to_string()).await.unwrap();
    let b = ids.create(&card("ab-cd", "Carol")).await.unwrap();
    assert_eq!((a, b), (1, 2));
    assert_eq!(ids.count().await.unwrap(), 2);
    assert_eq!(
        item(&ids, a).await,
        json!({
            "identifier_uid": 1,
            "identifier_owner": {"name": "Alice", "type": "owner"},
            "identifier_type": "card",
            "identifier_number": "12:34:56:79",
            "lock": "first",
            "valid": {
                "time": {"is_permanent": false, "from": 1767225600, "to": 1798761600},
                "passes": {"is_permanent": false, "max_passes": 10}
            },
            "apartment": {"uid": -1},
            "time_profiles": {"count": 0, "uid_items": []},
            "additional": {"passes_left": 10}
        })
    );
    // No `valid`: reads back permanent, passes_left -1; the number as sent.
    assert_eq!(
        item(&ids, b).await,
        json!({
            "identifier_uid": 2,
            "identifier_owner": {"name": "Carol", "type": "owner"},
            "identifier_type": "card",
            "identifier_number": "ab-cd",
            "lock": "first",
            "valid": {"time": {"is_permanent": true}, "passes": {"is_permanent": true}},
            "apartment": {"uid": -1},
            "time_profiles": {"count": 0, "uid_items": []},
            "additional": {"passes_left": -1}
        })
    );
    // The item is the same in Get and List.
    let listed = page(&ids, json!({})).await;
    assert_eq!(listed["list_items"][0], item(&ids, a).await);
    assert_eq!(listed["list_items"][1], item(&ids, b).await);

    // ResetPasses: back to max_passes; a no-op on permanent passes.
    ids.reset_passes(a).await.unwrap();
    assert_eq!(item(&ids, a).await["additional"]["passes_left"], 10);
    ids.reset_passes(b).await.unwrap();
    assert_eq!(item(&ids, b).await["additional"]["passes_left"], -1);

    // Update replaces the whole body; the item is the new body.
    let new = json!({
        "identifier_owner": {"name": "Dave", "type": "guest"},
        "identifier_type": "ukey",
        "identifier_number": "AB:CD",
        "lock": "second",
        "valid": {"time": {"is_permanent": true}, "passes": {"is_permanent": false, "max_passes": 3}}
    });
    ids.update(b, &new.to_string()).await.unwrap();
    let got = item(&ids, b).await;
    assert_eq!(got["identifier_owner"], new["identifier_owner"]);
    assert_eq!(got["identifier_type"], "ukey");
    assert_eq!(got["identifier_number"], "AB:CD");
    assert_eq!(got["lock"], "second");
    assert_eq!(got["valid"], new["valid"]);
    assert_eq!(got["additional"]["passes_left"], 3);
    assert_eq!(got["identifier_uid"], 2);
    // The card number ab-cd is free again; the ukey is taken.
    let c = ids.create(&card("43981", "Eve")).await.unwrap();
    bad(
        ids.create(&body("ukey", "ab:cd").to_string()).await,
        DUP,
        "ukey",
    );
    // Update into another identifier's number is a duplicate.
    bad(
        ids.update(a, &full("00:00:ab:cd").to_string()).await,
        DUP,
        "Update onto c",
    );
    assert_eq!(item(&ids, a).await["identifier_number"], "12:34:56:79");
    // Refused Update changes nothing.
    bad(
        ids.update(a, &with(full("1"), "lock", json!("x")).to_string())
            .await,
        WRONG_BODY,
        "x",
    );
    assert_eq!(item(&ids, a).await["lock"], "first");

    // Delete: gone, number free, uid never reused.
    ids.delete(c).await.unwrap();
    assert_eq!(ids.count().await.unwrap(), 2);
    bad(ids.get(c).await, WRONG_UID, "Get deleted");
    bad(ids.delete(c).await, WRONG_UID, "Delete twice");
    bad(ids.reset_passes(c).await, WRONG_UID, "ResetPasses deleted");
    bad(
        ids.update(c, &card("43981", "Eve")).await,
        WRONG_UID,
        "Update deleted",
    );
    let d = ids.create(&card("43981", "Eve")).await.unwrap();
    assert_eq!(d, c + 1);
    // Count matches List.
    let listed = page(&ids, json!({})).await;
    assert_eq!(listed["list_option"]["pagination"]["total_items"], 3);
    assert_eq!(ids.count().await.unwrap(), 3);
}

/// Import and DeleteMany are all or nothing; every mutation survives a restart.
#[tokio::test]
async fn import_delete_many_and_restart() {
    let mut s = Setup::start(DEFAULT).await;
    let ids = s.identifiers().await;
    let first = ids.create(&card("100", "Ann")).await.unwrap();
    let list = |items: Vec<Value>| json!({ "list_items": items }).to_string();
    let failures: Vec<(String, String)> = vec![
        (
            list(vec![body("card", "1"), body("card", "0100")]),
            format!("list_items[1]: {DUP}"),
        ),
        (
            // two items of the list clash with each other
            list(vec![
                body("card", "1"),
                body("card", "2"),
                body("card", "00:02"),
            ]),
            format!("list_items[2]: {DUP}"),
        ),
        (
            list(vec![
                body("qr", "123e4567-e89b-12d3-a456-426614174000"),
                body("qr", "123E4567-E89B-12D3-A456-426614174000"),
            ]),
            format!("list_items[1]: {DUP}"),
        ),
        (
            list(vec![
                body("card", "1"),
                without(body("card", "2"), "identifier_owner"),
            ]),
            format!("list_items[1]: {}", missing("identifier_owner")),
        ),
        (
            list(vec![
                body("card", "1"),
                with(body("card", "2"), "valid", json!(1)),
            ]),
            format!("list_items[1]: {}", wrong_type("valid")),
        ),
        (
            list(vec![json!("card")]),
            format!("list_items[0]: {WRONG_BODY}"),
        ),
        (
            list(vec![
                body("card", "1"),
                body("ukey", "1"),
                body("license_plate", "A_B"),
            ]),
            format!("list_items[2]: {WRONG_BODY}"),
        ),
        (
            list(vec![with(full("5"), "valid.time.from", json!(1798761601))]),
            format!("list_items[0]: {FROM_TO}"),
        ),
        (
            list(vec![body("card", "1"), body("face_id", "AAAA")]),
            format!("list_items[1]: {NO_FACE}"),
        ),
        (
            list(vec![body("card", "1"), body("inputCode", "1234")]),
            format!("list_items[1]: {MASTER_CODE}"),
        ),
        (
            list(vec![
                body("card", "1"),
                body("card", "2"),
                body("card", "12-34-56-78"),
            ]),
            format!("list_items[2]: {MASTER_CARD}"),
        ),
        ("[]".into(), WRONG_BODY.into()),
        ("{}".into(), missing("list_items")),
        (r#"{"list_items": 1}"#.into(), wrong_type("list_items")),
    ];
    for (text, message) in &failures {
        bad(ids.import(text).await, message, text);
    }
    assert_eq!(ids.count().await.unwrap(), 1);
    assert_eq!(uids_of(&page(&ids, json!({})).await), vec![first as u64]);

    // A good Import: uids in order after the last one, all readable.
    let items = vec![
        full("1"),
        body("ukey", "1"),
        body("inputCode", "0001"),
        body("qr", "123e4567-e89b-12d3-a456-426614174000"),
        body("license_plate", "Ж 123 КХ"),
        with(
            body("card", "ff:ff:ff:ff"),
            "identifier_owner.type",
            json!("owner"),
        ),
    ];
    let uids = ids.import(&list(items.clone())).await.unwrap();
    assert_eq!(uids, (2..=7).collect::<Vec<u32>>());
    assert_eq!(ids.count().await.unwrap(), 7);
    for (uid, sent) in uids.iter().zip(&items) {
        let got = item(&ids, *uid).await;
        assert_eq!(got["identifier_number"], sent["identifier_number"]);
        assert_eq!(got["identifier_type"], sent["identifier_type"]);
    }
    assert_eq!(ids.import(&list(vec![])).await.unwrap(), Vec::<u32>::new());
    // Imported numbers clash with later creates.
    bad(
        ids.create(&body("license_plate", "ж123кх").to_string())
            .await,
        DUP,
        "plate",
    );

    // DeleteMany: one unknown uid and nothing is deleted.
    for text in [
        json!({"uid_items": [2, 3, 99]}).to_string(),
        json!({"uid_items": [0]}).to_string(),
        json!({"uid_items": [2, 4294967296u64]}).to_string(),
    ] {
        bad(ids.delete_many(&text).await, WRONG_UID, &text);
    }
    bad(ids.delete_many("[2]").await, WRONG_BODY, "not an object");
    bad(
        ids.delete_many("{}").await,
        &missing("uid_items"),
        "no uid_items",
    );
    bad(
        ids.delete_many(r#"{"uid_items":"2"}"#).await,
        &wrong_type("uid_items"),
        "string",
    );
    bad(
        ids.delete_many(r#"{"uid_items":[2.5]}"#).await,
        &wrong_type("uid_items"),
        "float",
    );
    assert_eq!(ids.count().await.unwrap(), 7);
    ids.delete_many(r#"{"uid_items":[3,4,3]}"#).await.unwrap();
    assert_eq!(ids.count().await.unwrap(), 5);
    bad(ids.get(3).await, WRONG_UID, "deleted 3");
    bad(ids.get(4).await, WRONG_UID, "deleted 4");
    ids.delete_many(r#"{"uid_items":[]}"#).await.unwrap();

    // Update, ResetPasses and Delete too, then restart.
    ids.update(
        2,
        &with(full("01"), "identifier_owner.name", json!("Zoe")).to_string(),
    )
    .await
    .unwrap();
    ids.reset_passes(2).await.unwrap();
    ids.delete(first).await.unwrap();
    let uid = ids
        .create(&body("card", "12:34:56:77").to_string())
        .await
        .unwrap();
    assert_eq!(uid, 8);
    let before = all_items(&ids).await;
    assert_eq!(
        uids_of(&json!({"list_items": before.clone()})),
        vec![2, 5, 6, 7, 8]
    );
    drop(ids);

    s.restart();
    let ids = s.identifiers().await;
    assert_eq!(all_items(&ids).await, before);
    assert_eq!(ids.count().await.unwrap(), 5);
    assert_eq!(item(&ids, 2).await["identifier_owner"]["name"], "Zoe");
    assert_eq!(item(&ids, 2).await["identifier_number"], "01");
    for uid in [first, 3, 4] {
        bad(ids.get(uid).await, WRONG_UID, "deleted before restart");
    }
    // Clashes are still found, and freed numbers still free.
    bad(
        ids.create(&body("card", "1").to_string()).await,
        DUP,
        "card 1 after restart",
    );
    bad(
        ids.create(&body("qr", "123E4567-E89B-12D3-A456-426614174000").to_string())
            .await,
        DUP,
        "qr",
    );
    ids.create(&card("100", "Ann")).await.unwrap();
    // uids are not reused after a restart either.
    assert_eq!(
        ids.create(&body("ukey", "12:34").to_string())
            .await
            .unwrap(),
        10
    );

    // A failed Import stays failed after a restart (nothing half-written).
    bad(
        ids.import(&list(vec![body("card", "77"), body("card", "77")]))
            .await,
        &format!("list_items[1]: {DUP}"),
        "dup import",
    );
    let before = all_items(&ids).await;
    drop(ids);
    s.restart();
    let ids = s.identifiers().await;
    assert_eq!(all_items(&ids).await, before);
    assert_eq!(ids.count().await.unwrap(), 7);
    assert_eq!(ids.create(&card("77", "X")).await.unwrap(), 11);
}

/// List: paging, sorting, the canonical number filter, bad queries.
#[tokio::test]
async fn list_paging_sort_filter() {
    let s = Setup::start(DEFAULT).await;
    let ids = s.identifiers().await;
    let mut items = Vec::new();
    for n in 1..=18u32 {
        let kind = if n % 3 == 0 { "ukey" } else { "card" };
        let lock = ["first", "second", "all"][n as usize % 3];
        items.push(with(
            body(kind, &format!("{:02x}:{:02x}", n, 200 - n)),
            "lock",
            json!(lock),
        ));
    }
    let uids = ids
        .import(&json!({ "list_items": items }).to_string())
        .await
        .unwrap();
    assert_eq!(uids, (1..=18).collect::<Vec<u32>>());

    for query in ["", "{}"] {
        let p: Value = serde_json::from_str(&ids.list(query).await.unwrap()).unwrap();
        assert_eq!(uids_of(&p), (1..=10).collect::<Vec<u64>>(), "{query:?}");
        assert_eq!(
            p["list_option"],
            json!({
                "pagination": {"total_items": 18, "items_limit": 10, "total_pages": 2, "current_page": 1},
                "filter": {}, "sort": {"field": "identifier_uid", "asc": true}
            })
        );
    }
    let p = page(&ids, json!({"page_number": 2})).await;
    assert_eq!(uids_of(&p), (11..=18).collect::<Vec<u64>>());
    let p = page(&ids, json!({"page_number": 3})).await;
    assert_eq!(p["list_items"], json!([]));
    assert_eq!(p["list_option"]["pagination"]["current_page"], 3);
    assert_eq!(p["list_option"]["pagination"]["total_items"], 18);
    let p = page(
        &ids,
        json!({"limit": 4, "page_number": 5, "sort_type": "desc"}),
    )
    .await;
    assert_eq!(uids_of(&p), vec![2, 1]);
    assert_eq!(p["list_option"]["pagination"]["total_pages"], 5);
    assert_eq!(
        p["list_option"]["sort"],
        json!({"field": "identifier_uid", "asc": false})
    );
    let p = page(&ids, json!({"limit": 1000})).await;
    assert_eq!(uids_of(&p).len(), 18);
    let p = page(
        &ids,
        json!({"sort_field": "identifier_type", "sort_type": "desc", "limit": 3}),
    )
    .await;
    assert_eq!(uids_of(&p), vec![18, 15, 12]);
    let p = page(&ids, json!({"sort_field": "lock", "limit": 6})).await;
    assert_eq!(uids_of(&p), vec![2, 5, 8, 11, 14, 17]); // "all" first
    let p = page(
        &ids,
        json!({"sort_field": "identifier_number", "sort_type": "desc", "limit": 2}),
    )
    .await;
    assert_eq!(uids_of(&p), vec![18, 17]);

    // Filter on the number: canonical, in any form.
    for value in ["05:c3", "05-C3", "1475", "0001475", "00:05:c3"] {
        let p = page(
            &ids,
            json!({"filter_field": "identifier_number", "filter_type": "equal",
                   "filter_format": "string", "filter_value": value}),
        )
        .await;
        assert_eq!(uids_of(&p), vec![5], "{value}");
        assert_eq!(p["list_option"]["pagination"]["total_items"], 1);
        assert_eq!(
            p["list_option"]["filter"],
            json!({"field": "identifier_number", "type": "equal", "format": "string", "value": value})
        );
    }
    let p = page(
        &ids,
        json!({"filter_field": "identifier_number", "filter_value": "12:34:56:78"}),
    )
    .await;
    assert_eq!(p["list_items"], json!([]));
    assert_eq!(p["list_option"]["pagination"]["total_pages"], 0);
    let p = page(
        &ids,
        json!({"filter_field": "identifier_type", "filter_value": "ukey", "limit": 4, "page_number": 2}),
    )
    .await;
    assert_eq!(uids_of(&p), vec![15, 18]);
    assert_eq!(p["list_option"]["pagination"]["total_items"], 6);
    let p = page(
        &ids,
        json!({"filter_field": "lock", "filter_value": "first"}),
    )
    .await;
    assert_eq!(uids_of(&p), vec![3, 6, 9, 12, 15, 18]);
    let p = page(
        &ids,
        json!({"filter_field": "identifier_uid", "filter_value": "7"}),
    )
    .await;
    assert_eq!(uids_of(&p), vec![7]);

    for query in [
        "[]",
        "1",
        "{",
        r#"{"limit": 0}"#,
        r#"{"limit": 1001}"#,
        r#"{"limit": "10"}"#,
        r#"{"limit": 2.5}"#,
        r#"{"page_number": 0}"#,
        r#"{"page_number": -1}"#,
        r#"{"sort_field": "owner"}"#,
        r#"{"sort_type": "up"}"#,
        r#"{"filter_field": "lock"}"#,
        r#"{"filter_value": "first"}"#,
        r#"{"filter_field": "colour", "filter_value": "red"}"#,
        r#"{"filter_field": "lock", "filter_value": "first", "filter_type": "like"}"#,
        r#"{"filter_field": "lock", "filter_value": "first", "filter_format": "regex"}"#,
    ] {
        bad(ids.list(query).await, WRONG_BODY, query);
    }
    assert_eq!(ids.count().await.unwrap(), 18);
}

/// Face recognition on (4 dimensions) and no master credentials configured.
#[tokio::test]
async fn face_id_when_enabled_and_no_masters() {
    let mut s = Setup::start(FACE).await;
    let ids = s.identifiers().await;
    let vector = face(&[0.25, -1.5, 1e10, 0.0]);
    let uid = ids
        .create(&body("face_id", &vector).to_string())
        .await
        .unwrap();
    assert_eq!(item(&ids, uid).await["identifier_number"], vector.as_str());
    bad(
        ids.create(&body("face_id", &vector).to_string()).await,
        DUP,
        "same vector",
    );
    let bad_vectors = [
        face(&[1.0, 2.0, 3.0]),
        face(&[1.0, 2.0, 3.0, 4.0, 5.0]),
        face(&[]),
        face(&[1.0, f32::NAN, 3.0, 4.0]),
        face(&[f32::INFINITY, 2.0, 3.0, 4.0]),
        face(&[1.0, 2.0, 3.0, f32::NEG_INFINITY]),
        "not base64!".to_string(),
        face(&[1.0, 2.0, 3.0, 4.0])
            .trim_end_matches('=')
            .to_string(),
        format!("{}\n", face(&[1.0, 2.0, 3.0, 4.0])),
    ];
    for n in &bad_vectors {
        bad(
            ids.create(&body("face_id", n).to_string()).await,
            BAD_FACE,
            n,
        );
    }
    // Update into a bad vector, and an Import item.
    bad(
        ids.update(uid, &body("face_id", "AAAA").to_string()).await,
        BAD_FACE,
        "update",
    );
    bad(
        ids.import(
            &json!({"list_items": [body("card", "1"), body("face_id", "AAAA")]}).to_string(),
        )
        .await,
        &format!("list_items[1]: {BAD_FACE}"),
        "import",
    );
    // Step 5 still comes first.
    let late = with(
        with(body("face_id", "AAAA"), "valid", full("1")["valid"].clone()),
        "valid.time.from",
        json!(1798761601),
    );
    bad(ids.create(&late.to_string()).await, FROM_TO, "from > to");
    let second = face(&[0.25, -1.5, 1e10, 1.0]);
    let uids = ids
        .import(&json!({"list_items": [body("face_id", &second), body("card", "2")]}).to_string())
        .await
        .unwrap();
    assert_eq!(uids, vec![2, 3]);
    // No master code or card: these are ordinary numbers.
    ids.create(&body("inputCode", "1234").to_string())
        .await
        .unwrap();
    ids.create(&body("card", "12:34:56:78").to_string())
        .await
        .unwrap();
    assert_eq!(ids.count().await.unwrap(), 5);
    let before = all_items(&ids).await;
    drop(ids);
    s.restart();
    let ids = s.identifiers().await;
    assert_eq!(all_items(&ids).await, before);
    bad(
        ids.create(&body("face_id", &second).to_string()).await,
        DUP,
        "after restart",
    );
}

/// Concurrent callers: one number, one winner. Then enough mutations to make
/// the journal compact, and every one of them survives a restart.
#[tokio::test]
async fn concurrent_clashes_and_many_mutations_survive_restart() {
    let mut s = Setup::start(DEFAULT).await;
    let ids = s.identifiers().await;
    let mut calls = tokio::task::JoinSet::new();
    for n in 0..40 {
        let ids = ids.clone();
        // The same card in several forms.
        let number = ["777", "0777", "03:09", "03-09"][n % 4];
        calls.spawn(async move { ids.create(&card(number, "Racer")).await });
    }
    let mut won = Vec::new();
    while let Some(result) = calls.join_next().await {
        match result.unwrap() {
            Ok(uid) => won.push(uid),
            Err(e) => bad(Err::<(), _>(e), DUP, "concurrent duplicate"),
        }
    }
    assert_eq!(won, vec![1]);

    // Long names make big journal lines: well past the compaction threshold.
    // 100 calls at a time: the bus allows 128 pending replies per connection.
    let name = "N".repeat(latchd::domain::limits::MAX_OWNER_NAME);
    let mut uids = Vec::new();
    for chunk in 0..4u32 {
        let mut calls = tokio::task::JoinSet::new();
        for n in chunk * 100..(chunk + 1) * 100 {
            let ids = ids.clone();
            let v = with(
                full(&format!("{}", 10_000 + n)),
                "identifier_owner.name",
                json!(name),
            );
            calls.spawn(async move { ids.create(&v.to_string()).await.unwrap() });
        }
        uids.extend(calls.join_all().await);
    }
    uids.sort();
    assert_eq!(uids, (2..=401).collect::<Vec<u32>>());
    for uid in (2..=401u32).step_by(3) {
        let v = with(
            full(&format!("{:02x}:{:02x}:01", uid >> 8, uid & 0xff)),
            "lock",
            json!("second"),
        );
        ids.update(uid, &v.to_string()).await.unwrap();
    }
    let doomed: Vec<u32> = (3..=401).step_by(5).collect();
    ids.delete_many(&json!({ "uid_items": doomed }).to_string())
        .await
        .unwrap();
    for uid in (4..=401u32).step_by(7).filter(|u| !doomed.contains(u)) {
        ids.delete(uid).await.unwrap();
    }
    let items: Vec<Value> = (0..50)
        .map(|n| body("inputCode", &format!("9{n:03}")))
        .collect();
    let imported = ids
        .import(&json!({ "list_items": items }).to_string())
        .await
        .unwrap();
    assert_eq!(imported, (402..452).collect::<Vec<u32>>());
    let before = all_items(&ids).await;
    let count = ids.count().await.unwrap();
    assert_eq!(before.as_array().unwrap().len(), count as usize);
    drop(ids);

    s.restart();
    let ids = s.identifiers().await;
    assert_eq!(ids.count().await.unwrap(), count);
    assert_eq!(all_items(&ids).await, before);
    assert_eq!(ids.create(&card("1", "After")).await.unwrap(), 452);
    bad(ids.create(&card("03:09", "Late")).await, DUP, "winner kept");
}
