//! `org.latchd.Panel1.Locks`: lock states as a property, remote open.

use super::auth::{Authorizer, Need};
use super::checked::Checked;
use super::error::Error;
use crate::access::locks::Locks;
use crate::domain::identifier::LockChoice;
use std::collections::HashMap;
use std::sync::Arc;
use zbus::interface;
use zbus::message::Header;

pub const PATH: &str = "/org/latchd/Panel1/Locks";

pub struct LocksObject {
    pub locks: Locks,
    pub auth: Arc<Authorizer>,
}

#[interface(
    name = "org.latchd.Panel1.Locks",
    proxy(
        default_service = "org.latchd.Panel1",
        default_path = "/org/latchd/Panel1/Locks",
        async_name = "LocksProxy",
        gen_blocking = false
    )
)]
impl LocksObject {
    /// Opens `first`, `second` or `all` for each lock's open time.
    async fn open(&self, lock: &str, #[zbus(header)] hdr: Header<'_>) -> Result<(), Error> {
        let caller = self.auth.check(&hdr, Need::Admin).await?;
        let choice =
            LockChoice::parse(lock).ok_or_else(|| Error::BadRequest("Wrong lock".into()))?;
        let opened = self.locks.open(choice).await;
        if opened.is_empty() {
            return Err(Error::NotFound(
                "This feature is disabled on your device".into(),
            ));
        }
        log::info!(
            method = "Open",
            caller_uid = caller,
            locks = opened.join(",").as_str();
            "remote open"
        );
        Ok(())
    }

    /// Lock name to `locked` or `open`.
    #[zbus(property)]
    async fn states(
        &self,
        #[zbus(header)] hdr: Option<Header<'_>>,
    ) -> zbus::fdo::Result<HashMap<String, String>> {
        if let Some(hdr) = hdr {
            self.auth
                .check(&hdr, Need::Read)
                .await
                .map_err(|e| zbus::fdo::Error::AccessDenied(super::description(&e)))?;
        }
        Ok(self
            .locks
            .states()
            .into_iter()
            .map(|(name, open)| (name, if open { "open" } else { "locked" }.to_string()))
            .collect())
    }
}

/// Announces every change of the lock states with `PropertiesChanged`.
pub async fn announce_changes(conn: zbus::Connection, locks: Locks) {
    let mut states = locks.watch();
    while states.changed().await.is_ok() {
        let Ok(iface) = conn
            .object_server()
            .interface::<_, Checked<LocksObject>>(PATH)
            .await
        else {
            return;
        };
        let object = iface.get().await;
        if let Err(e) = object.inner.states_changed(iface.signal_emitter()).await {
            log::warn!(error = e.to_string().as_str(); "could not announce lock states");
        }
    }
}
