//! `org.latchd.Panel1.Identifiers`: authorize, hand the request to the owner
//! of the database, translate the answer. Nothing else happens here.

use super::auth::{Authorizer, Need};
use super::error::Error;
use crate::service::{Answer, Handle, Request};
use std::sync::Arc;
use zbus::interface;
use zbus::message::Header;
use zbus::object_server::SignalEmitter;

pub const PATH: &str = "/org/latchd/Panel1/Identifiers";

pub struct IdentifiersObject {
    pub store: Handle,
    pub auth: Arc<Authorizer>,
}

impl IdentifiersObject {
    /// A mutation, logged for the audit trail (never a number: it may be a PIN).
    async fn mutate(
        &self,
        hdr: &Header<'_>,
        emitter: &SignalEmitter<'_>,
        request: Request,
    ) -> Result<Answer, Error> {
        let method = request.name();
        let target = request.uid().map_or(-1, i64::from);
        let caller = self.auth.check(hdr, Need::Admin).await?;
        let before = self.store.count();
        let result = self.store.call(request).await.map_err(Error::from);
        match &result {
            Ok(answer) => log::info!(
                method = method,
                caller_uid = caller,
                identifier_uid = answer_uid(answer).unwrap_or(target);
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
        let answer = result?;
        if self.store.count() != before {
            // Invalidated, not sent: the signal reaches every listener on the
            // bus, and only callers with a role may read the value.
            if let Err(e) = self.count_invalidate(emitter).await {
                log::warn!(error = e.to_string().as_str(); "could not emit Count change");
            }
        }
        Ok(answer)
    }
}

fn answer_uid(answer: &Answer) -> Option<i64> {
    match answer {
        Answer::Uid(uid) => Some(i64::from(*uid)),
        _ => None,
    }
}

fn unexpected(answer: Answer) -> Error {
    Error::ZBus(zbus::Error::Failure(format!(
        "unexpected answer {answer:?}"
    )))
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
        match self
            .mutate(&hdr, &emitter, Request::Create(body.to_string()))
            .await?
        {
            Answer::Uid(uid) => Ok(uid),
            other => Err(unexpected(other)),
        }
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
        self.mutate(&hdr, &emitter, Request::Update(uid, body.to_string()))
            .await
            .map(drop)
    }

    async fn delete(
        &self,
        uid: u32,
        #[zbus(header)] hdr: Header<'_>,
        #[zbus(signal_emitter)] emitter: SignalEmitter<'_>,
    ) -> Result<(), Error> {
        self.mutate(&hdr, &emitter, Request::Delete(uid))
            .await
            .map(drop)
    }

    /// `{"uid_items":[1,2]}`: all or nothing.
    async fn delete_many(
        &self,
        body: &str,
        #[zbus(header)] hdr: Header<'_>,
        #[zbus(signal_emitter)] emitter: SignalEmitter<'_>,
    ) -> Result<(), Error> {
        self.mutate(&hdr, &emitter, Request::DeleteMany(body.to_string()))
            .await
            .map(drop)
    }

    /// `{"list_items":[body, ...]}`: all or nothing; returns the new uids in order.
    #[zbus(out_args("uids"))]
    async fn import(
        &self,
        body: &str,
        #[zbus(header)] hdr: Header<'_>,
        #[zbus(signal_emitter)] emitter: SignalEmitter<'_>,
    ) -> Result<Vec<u32>, Error> {
        match self
            .mutate(&hdr, &emitter, Request::Import(body.to_string()))
            .await?
        {
            Answer::Uids(uids) => Ok(uids),
            other => Err(unexpected(other)),
        }
    }

    /// One page of identifiers for a JSON query.
    #[zbus(out_args("page"))]
    async fn list(&self, query: &str, #[zbus(header)] hdr: Header<'_>) -> Result<String, Error> {
        self.auth.check(&hdr, Need::Read).await?;
        Ok(self.store.list(query.to_string()).await?)
    }

    /// `passes_left` back to `max_passes`.
    async fn reset_passes(
        &self,
        uid: u32,
        #[zbus(header)] hdr: Header<'_>,
        #[zbus(signal_emitter)] emitter: SignalEmitter<'_>,
    ) -> Result<(), Error> {
        self.mutate(&hdr, &emitter, Request::ResetPasses(uid))
            .await
            .map(drop)
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
