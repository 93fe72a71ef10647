mod common;
use common::*;

#[tokio::test]
async fn create_get_survive_restart() {
    let mut s = Setup::start("").await;
    let ids = s.identifiers().await;
    let uid = ids.create(&card("12:34:56:79", "Alice")).await.unwrap();
    assert_eq!(uid, 1);
    let (name, msg) = error_of(ids.create(&card("305419897", "Bob")).await);
    assert_eq!(name, BAD_REQUEST);
    assert_eq!(msg, "Identifier with that type and number already exist");
    s.restart();
    let ids = s.identifiers().await;
    let item: serde_json::Value = serde_json::from_str(&ids.get(1).await.unwrap()).unwrap();
    assert_eq!(item["identifier_number"], "12:34:56:79");
    assert_eq!(ids.count().await.unwrap(), 1);
}
