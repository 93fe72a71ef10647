//! Face matching over a real bus: `Access.Present("face_id", <Base64
//! embedding>)` grants the face_id identifier most similar to it when the
//! cosine similarity reaches `[panel] face_threshold`, refuses malformed
//! embeddings with the body's message, and is NotFound with face
//! recognition off.

use crate::common;
use common::*;
use serde_json::json;

const NOT_FOUND: &str = "org.latchd.Panel1.Error.NotFound";

fn config(threshold: &str) -> String {
    format!(
        "[panel]\nface_recognition = true\nface_dimensions = 4\nface_threshold = \"{threshold}\"\n"
    )
}

fn face(values: &[f32]) -> String {
    use base64::Engine;
    let bytes: Vec<u8> = values.iter().flat_map(|f| f.to_le_bytes()).collect();
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

fn face_body(owner: &str, values: &[f32]) -> String {
    json!({
        "identifier_owner": {"name": owner, "type": "owner"},
        "identifier_type": "face_id",
        "identifier_number": face(values),
        "lock": "first",
    })
    .to_string()
}

/// A vector whose cosine similarity with (1, 0, 0, 0) is `c`.
fn at_similarity(c: f32) -> [f32; 4] {
    [c, (1.0 - c * c).sqrt(), 0.0, 0.0]
}

#[tokio::test]
async fn the_most_similar_face_is_granted_above_the_threshold() {
    let s = Setup::start(&config("normal")).await;
    let ids = s.identifiers().await;
    let access = AccessProxy::new(&s.conn).await.unwrap();
    let alice = ids
        .create(&face_body("Alice", &[1.0, 0.0, 0.0, 0.0]))
        .await
        .unwrap();
    let bob = ids
        .create(&face_body("Bob", &[0.0, 0.0, 1.0, 0.0]))
        .await
        .unwrap();
    let present = |v: [f32; 4]| {
        let access = access.clone();
        async move { access.present("face_id", &face(&v)).await.unwrap() }
    };
    // Not the stored vector itself: scaled and a little off, still Alice.
    assert_eq!(
        present([3.0, 0.3, 0.1, 0.0]).await,
        (true, "granted".into())
    );
    assert_eq!(
        present([0.0, 0.2, 2.0, 0.1]).await,
        (true, "granted".into())
    );
    // normal is 0.70.
    assert!(present(at_similarity(0.75)).await.0);
    assert_eq!(
        present(at_similarity(0.65)).await,
        (false, "unknown identifier".into())
    );
    assert!(!present([0.0, 0.0, 0.0, 1.0]).await.0);
    // The event names who matched, never the embedding.
    let events: serde_json::Value =
        serde_json::from_str(&access.list_events(r#"{"limit":5}"#).await.unwrap()).unwrap();
    let newest = &events["list_items"][0];
    assert_eq!(newest["identifier_type"], "face_id");
    assert_eq!(newest["identifier_number"], "");
    let granted = &events["list_items"][2];
    assert_eq!(granted["identifier_uid"], json!(alice));
    assert!(!events.to_string().contains(&face(&at_similarity(0.75))));
    let _ = bob;

    // Malformed embeddings get the body's message.
    let bad = (
        BAD_REQUEST.to_string(),
        "Wrong face_id image data".to_string(),
    );
    for number in [
        face(&[1.0, 0.0, 0.0]),
        "not base64!".to_string(),
        face(&[f32::NAN, 0.0, 0.0, 1.0]),
    ] {
        assert_eq!(
            error_of(access.present("face_id", &number).await),
            bad,
            "{number}"
        );
    }
}

#[tokio::test]
async fn thresholds_low_and_high() {
    for (threshold, similarity, granted) in [
        ("low", 0.65, true),
        ("low", 0.55, false),
        ("high", 0.85, true),
        ("high", 0.75, false),
    ] {
        let s = Setup::start(&config(threshold)).await;
        let ids = s.identifiers().await;
        let access = AccessProxy::new(&s.conn).await.unwrap();
        ids.create(&face_body("Alice", &[1.0, 0.0, 0.0, 0.0]))
            .await
            .unwrap();
        let answer = access
            .present("face_id", &face(&at_similarity(similarity)))
            .await
            .unwrap();
        assert_eq!(answer.0, granted, "{threshold} at {similarity}");
    }
}

#[tokio::test]
async fn with_face_recognition_off_presenting_a_face_is_not_found() {
    let s = Setup::start("").await;
    let access = AccessProxy::new(&s.conn).await.unwrap();
    assert_eq!(
        error_of(
            access
                .present("face_id", &face(&[1.0, 0.0, 0.0, 0.0]))
                .await
        ),
        (
            NOT_FOUND.to_string(),
            "This feature is disabled on your device".to_string()
        )
    );
}
