//! `org.latchd.Panel1.Locks`: lock states and relay health as properties,
//! remote open.

use super::auth::{Authorizer, Need};
use super::checked::Checked;
use super::error::Error;
use crate::access::Current;
use crate::domain::identifier::LockChoice;
use std::collections::HashMap;
use std::sync::Arc;
use zbus::interface;
use zbus::message::Header;

pub const PATH: &str = "/org/latchd/Panel1/Locks";

pub struct LocksObject {
    pub access: Current,
    pub auth: Arc<Authorizer>,
}

impl LocksObject {
    async fn may_read(&self, hdr: Option<Header<'_>>) -> zbus::fdo::Result<()> {
        if let Some(hdr) = hdr {
            self.auth
                .check(&hdr, Need::Read)
                .await
                .map_err(|e| zbus::fdo::Error::AccessDenied(super::description(&e)))?;
        }
        Ok(())
    }
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
        let opening = self.access.gate().await.locks().open(choice).await;
        if !opening.failed.is_empty() {
            log::error!(
                method = "Open",
                caller_uid = caller,
                locks = opening.opened.join(",").as_str(),
                failed = opening.failed.join(",").as_str();
                "remote open: a relay could not be driven"
            );
            return Err(Error::hardware_failed());
        }
        if opening.opened.is_empty() {
            return Err(Error::NotFound(
                "This feature is disabled on your device".into(),
            ));
        }
        log::info!(
            method = "Open",
            caller_uid = caller,
            locks = opening.opened.join(",").as_str();
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
        self.may_read(hdr).await?;
        Ok(self
            .access
            .shared()
            .board
            .states()
            .into_iter()
            .map(|(name, open)| (name, if open { "open" } else { "locked" }.to_string()))
            .collect())
    }

    /// Lock name to `ok`, or the last error of its relay.
    #[zbus(property)]
    async fn health(
        &self,
        #[zbus(header)] hdr: Option<Header<'_>>,
    ) -> zbus::fdo::Result<HashMap<String, String>> {
        self.may_read(hdr).await?;
        Ok(self.access.shared().board.health().into_iter().collect())
    }
}

/// Announces every change of the lock states and of the relays' health
/// with `PropertiesChanged`. The board outlives a reload, so this runs for
/// as long as latchd serves the bus.
pub async fn announce_changes(conn: zbus::Connection, access: Current) {
    let board = &access.shared().board;
    let mut states = board.watch_states();
    let mut health = board.watch_health();
    loop {
        let which = tokio::select! {
            changed = states.changed() => changed.map(|_| "States"),
            changed = health.changed() => changed.map(|_| "Health"),
        };
        let Ok(which) = which else {
            return;
        };
        let Ok(iface) = conn
            .object_server()
            .interface::<_, Checked<LocksObject>>(PATH)
            .await
        else {
            return;
        };
        let object = iface.get().await;
        let emitter = iface.signal_emitter();
        let sent = match which {
            "States" => object.inner.states_changed(emitter).await,
            _ => object.inner.health_changed(emitter).await,
        };
        if let Err(e) = sent {
            log::warn!(property = which, error = e.to_string().as_str(); "could not announce a change of the locks");
        }
    }
}
