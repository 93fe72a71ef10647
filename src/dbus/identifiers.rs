//! `org.latchd.Panel1.Identifiers`: authorize, hand the request to the
//! store, translate the answer. Nothing else happens here.

use super::audit::Made;
use super::auth::{Authorizer, Need};
use super::error::Error;
use crate::store::{Store, StoreError};
use std::future::Future;
use std::sync::Arc;
use zbus::interface;
use zbus::message::Header;
use zbus::object_server::SignalEmitter;

pub const PATH: &str = "/org/latchd/Panel1/Identifiers";

pub struct IdentifiersObject {
    pub store: Store,
    pub auth: Arc<Authorizer>,
}

impl IdentifiersObject {
    /// A mutation by an admin, logged for the audit trail with the method,
    /// the caller and the identifier (never a number: it may be a PIN).
    async fn mutate<T: Made, F: Future<Output = Result<T, StoreError>>>(
        &self,
        hdr: &Header<'_>,
        emitter: &SignalEmitter<'_>,
        method: &'static str,
        target: Option<u32>,
        call: impl FnOnce(Store) -> F,
    ) -> Result<T, Error> {
        let caller = self.auth.check(hdr, Need::Admin).await?;
        let before = self.store.count();
        let result = call(self.store.clone()).await.map_err(Error::from);
        let target = target.map_or(-1, i64::from);
        match &result {
            Ok(made) => log::info!(
                method = method,
                caller_uid = caller,
                identifier_uid = made.uid().map_or(target, i64::from);
                "identifiers changed"
            ),
            Err(e) => log::info!(
                method = method,
                caller_uid = caller,
                identifier_uid = target,
                error = zbus::DBusError::description(e).unwrap_or("");
                "identifier change refused"
            ),
        }
        let made = result?;
        if self.store.count() != before {
            // Invalidated, not sent: the signal reaches every listener on the
            // bus, and only callers with a role may read the value.
            if let Err(e) = self.count_invalidate(emitter).await {
                log::warn!(error = e.to_string().as_str(); "could not emit Count change");
            }
        }
        Ok(made)
    }
}

#[interface(
    name = "org.latchd.Panel1.Identifiers",
    proxy(
        default_service = "org.latchd.Panel1",
        default_path = "/org/latchd/Panel1/Identifiers",
        async_name = "IdentifiersProxy",
        gen_blocking = false
    )
)]
impl IdentifiersObject {
    /// Creates an identifier from a panel API body; returns its uid.
    #[zbus(out_args("uid"))]
    async fn create(
        &self,
        body: &str,
        #[zbus(header)] hdr: Header<'_>,
        #[zbus(signal_emitter)] emitter: SignalEmitter<'_>,
    ) -> Result<u32, Error> {
        self.mutate(&hdr, &emitter, "Create", None, |store| async move {
            store.create(body).await
        })
        .await
    }

    /// The identifier as a JSON item.
    #[zbus(out_args("item"))]
    async fn get(&self, uid: u32, #[zbus(header)] hdr: Header<'_>) -> Result<String, Error> {
        self.auth.check(&hdr, Need::Read).await?;
        Ok(self.store.get(uid)?)
    }

    /// Replaces the identifier with the body.
    async fn update(
        &self,
        uid: u32,
        body: &str,
        #[zbus(header)] hdr: Header<'_>,
        #[zbus(signal_emitter)] emitter: SignalEmitter<'_>,
    ) -> Result<(), Error> {
        self.mutate(&hdr, &emitter, "Update", Some(uid), |store| async move {
            store.update(uid, body).await
        })
        .await
    }

    async fn delete(
        &self,
        uid: u32,
        #[zbus(header)] hdr: Header<'_>,
        #[zbus(signal_emitter)] emitter: SignalEmitter<'_>,
    ) -> Result<(), Error> {
        self.mutate(&hdr, &emitter, "Delete", Some(uid), |store| async move {
            store.delete(uid).await
        })
        .await
    }

    /// `{"uid_items":[1,2]}`: all or nothing.
    async fn delete_many(
        &self,
        body: &str,
        #[zbus(header)] hdr: Header<'_>,
        #[zbus(signal_emitter)] emitter: SignalEmitter<'_>,
    ) -> Result<(), Error> {
        self.mutate(&hdr, &emitter, "DeleteMany", None, |store| async move {
            store.delete_many(body).await
        })
        .await
    }

    /// `{"list_items":[body, ...]}`: all or nothing; returns the new uids in order.
    #[zbus(out_args("uids"))]
    async fn import(
        &self,
        body: &str,
        #[zbus(header)] hdr: Header<'_>,
        #[zbus(signal_emitter)] emitter: SignalEmitter<'_>,
    ) -> Result<Vec<u32>, Error> {
        self.mutate(&hdr, &emitter, "Import", None, |store| async move {
            store.import(body).await
        })
        .await
    }

    /// One page of identifiers for a JSON query.
    #[zbus(out_args("page"))]
    async fn list(&self, query: &str, #[zbus(header)] hdr: Header<'_>) -> Result<String, Error> {
        self.auth.check(&hdr, Need::Read).await?;
        Ok(self.store.list(query).await?)
    }

    /// `passes_left` back to `max_passes`.
    async fn reset_passes(
        &self,
        uid: u32,
        #[zbus(header)] hdr: Header<'_>,
        #[zbus(signal_emitter)] emitter: SignalEmitter<'_>,
    ) -> Result<(), Error> {
        self.mutate(
            &hdr,
            &emitter,
            "ResetPasses",
            Some(uid),
            |store| async move { store.reset_passes(uid).await },
        )
        .await
    }

    /// A PNG of the QR code of a `qr` identifier's number.
    #[zbus(out_args("png"))]
    async fn get_qr(&self, uid: u32, #[zbus(header)] hdr: Header<'_>) -> Result<Vec<u8>, Error> {
        self.auth.check(&hdr, Need::Read).await?;
        Ok(self.store.qr_png(uid)?)
    }

    /// From now on the identifier is valid only inside its attached profiles.
    async fn attach_time_profile(
        &self,
        uid: u32,
        timeprofile_uid: u32,
        #[zbus(header)] hdr: Header<'_>,
        #[zbus(signal_emitter)] emitter: SignalEmitter<'_>,
    ) -> Result<(), Error> {
        self.mutate(
            &hdr,
            &emitter,
            "AttachTimeProfile",
            Some(uid),
            |store| async move { store.attach_profile(uid, timeprofile_uid).await },
        )
        .await
    }

    async fn detach_time_profile(
        &self,
        uid: u32,
        timeprofile_uid: u32,
        #[zbus(header)] hdr: Header<'_>,
        #[zbus(signal_emitter)] emitter: SignalEmitter<'_>,
    ) -> Result<(), Error> {
        self.mutate(
            &hdr,
            &emitter,
            "DetachTimeProfile",
            Some(uid),
            |store| async move { store.detach_profile(uid, timeprofile_uid).await },
        )
        .await
    }

    /// The number of identifiers.
    #[zbus(property(emits_changed_signal = "invalidates"))]
    async fn count(&self, #[zbus(header)] hdr: Option<Header<'_>>) -> zbus::fdo::Result<u32> {
        // No header: zbus asks for the value to announce a change.
        if let Some(hdr) = hdr {
            self.auth
                .check(&hdr, Need::Read)
                .await
                .map_err(|e| zbus::fdo::Error::AccessDenied(super::description(&e)))?;
        }
        Ok(self.store.count())
    }
}
