use crate::common;
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

/// Count changes are announced as invalidated, never with the value: the
/// signal reaches everyone on the bus, the value only callers with a role.
#[tokio::test]
async fn count_change_is_announced_without_its_value() {
    use futures_util::StreamExt;
    let s = Setup::start("").await;
    let props = zbus::fdo::PropertiesProxy::builder(&s.conn)
        .destination("org.latchd.Panel1")
        .unwrap()
        .path("/org/latchd/Panel1/Identifiers")
        .unwrap()
        .build()
        .await
        .unwrap();
    let mut changes = props.receive_properties_changed().await.unwrap();
    let ids = s.identifiers().await;
    ids.create(&card("77:77:77:77", "Dora")).await.unwrap();
    let signal = tokio::time::timeout(std::time::Duration::from_secs(10), changes.next())
        .await
        .unwrap()
        .unwrap();
    let args = signal.args().unwrap();
    assert_eq!(
        args.interface_name().as_str(),
        "org.latchd.Panel1.Identifiers"
    );
    assert!(args.changed_properties().is_empty());
    assert_eq!(args.invalidated_properties().to_vec(), vec!["Count"]);
}
