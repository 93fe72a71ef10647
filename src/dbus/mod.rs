//! The thin D-Bus layer: objects that authorize, parse and translate errors.

pub mod access;
pub mod apartments;
pub mod audit;
pub mod auth;
pub mod checked;
pub mod error;
pub mod identifiers;
pub mod locks;
pub mod time_profiles;

use crate::access::Current;
use crate::store::Store;
use checked::Checked;
use std::sync::Arc;

pub use access::AccessProxy;
pub use apartments::ApartmentsProxy;
pub use error::Error;
pub use identifiers::IdentifiersProxy;
pub use locks::LocksProxy;
pub use time_profiles::TimeProfilesProxy;

pub const BUS_NAME: &str = "org.latchd.Panel1";

/// Serves every object on `conn`, then requests the well-known name, so a
/// client that sees the name finds every object in place.
pub async fn serve(
    conn: &zbus::Connection,
    store: Store,
    access: &Current,
    groups: auth::Groups,
) -> zbus::Result<()> {
    let auth = Arc::new(auth::Authorizer::new(conn, groups).await?);
    let server = conn.object_server();
    let identifiers = identifiers::IdentifiersObject {
        store: store.clone(),
        auth: auth.clone(),
    };
    server
        .at(identifiers::PATH, Checked::new(identifiers))
        .await?;
    let profiles = time_profiles::TimeProfilesObject {
        store: store.clone(),
        auth: auth.clone(),
    };
    server
        .at(time_profiles::PATH, Checked::new(profiles))
        .await?;
    let apartments = apartments::ApartmentsObject {
        store,
        auth: auth.clone(),
    };
    server
        .at(apartments::PATH, Checked::new(apartments))
        .await?;
    let lock_object = locks::LocksObject {
        access: access.clone(),
        auth: auth.clone(),
    };
    server.at(locks::PATH, Checked::new(lock_object)).await?;
    tokio::spawn(access::announce_events(
        conn.clone(),
        access.shared().records.subscribe(),
    ));
    server
        .at(
            access::PATH,
            Checked::new(access::AccessObject {
                access: access.clone(),
                auth,
            }),
        )
        .await?;
    tokio::spawn(locks::announce_changes(conn.clone(), access.clone()));
    conn.request_name_with_flags(BUS_NAME, zbus::fdo::RequestNameFlags::DoNotQueue.into())
        .await?;
    Ok(())
}

/// Takes the objects off the bus (those that are there). They hold the
/// store handle, and the authorizer's bus proxy holds the connection, so
/// they must be removed explicitly for the store's owner to see its last
/// handle go.
pub async fn unserve(conn: &zbus::Connection) {
    let _ = conn.release_name(BUS_NAME).await;
    let server = conn.object_server();
    let _ = server
        .remove::<Checked<identifiers::IdentifiersObject>, _>(identifiers::PATH)
        .await;
    let _ = server
        .remove::<Checked<time_profiles::TimeProfilesObject>, _>(time_profiles::PATH)
        .await;
    let _ = server
        .remove::<Checked<apartments::ApartmentsObject>, _>(apartments::PATH)
        .await;
    let _ = server
        .remove::<Checked<locks::LocksObject>, _>(locks::PATH)
        .await;
    let _ = server
        .remove::<Checked<access::AccessObject>, _>(access::PATH)
        .await;
}

/// The message of an error, for replies that can only carry standard names.
fn description(e: &Error) -> String {
    zbus::DBusError::description(e).unwrap_or("").to_string()
}
