//! `org.latchd.Panel1.Access`: credentials from local software (a QR app, a
//! plate reader, a face matcher) through the same gate as the readers', the
//! `AccessEvent` signal for every attempt, and the event log.

use super::auth::{Authorizer, Need};
use super::error::Error;
use crate::access::Current;
use crate::domain::identifier::IdentifierType;
use serde_json::json;
use std::sync::Arc;
use zbus::interface;
use zbus::message::Header;
use zbus::object_server::SignalEmitter;

pub const PATH: &str = "/org/latchd/Panel1/Access";

pub struct AccessObject {
    pub access: Current,
    pub auth: Arc<Authorizer>,
}

#[interface(
    name = "org.latchd.Panel1.Access",
    proxy(
        default_service = "org.latchd.Panel1",
        default_path = "/org/latchd/Panel1/Access",
        async_name = "AccessProxy",
        gen_blocking = false
    )
)]
impl AccessObject {
    /// Decides a credential and opens the identifier's locks when granted.
    #[zbus(out_args("granted", "reason"))]
    async fn present(
        &self,
        r#type: &str,
        number: &str,
        #[zbus(header)] hdr: Header<'_>,
    ) -> Result<(bool, String), Error> {
        let caller = self.auth.check(&hdr, Need::Feed).await?;
        let kind = IdentifierType::parse(r#type)
            .ok_or_else(|| Error::BadRequest("Wrong identifier type".into()))?;
        if !crate::domain::limits::credential_ok(kind, number) {
            // Nothing like it can be stored: refused before it is decided,
            // logged or recorded (only its size is logged).
            log::warn!(caller_uid = caller, identifier_type = kind.as_str(), bytes = number.len() as u64; "Present refused a number that is not of its type");
            return Err(Error::BadRequest("Wrong identifier number".into()));
        }
        // The running gate, held until the answer: a reload waits for it.
        let gate = self.access.gate().await;
        if kind == IdentifierType::FaceId {
            // Off: the feature is not there. On: an embedding of the
            // panel's size, or the body's message for face data.
            gate.store().check_face(number)?;
        }
        let outcome = gate.present_for(caller, kind, number.to_string()).await?;
        Ok((outcome.granted, outcome.reason.to_string()))
    }

    /// The newest access events first: `{"limit": 1..1000 (10), "page_number": 1..}`.
    #[zbus(out_args("page"))]
    async fn list_events(
        &self,
        query: &str,
        #[zbus(header)] hdr: Header<'_>,
    ) -> Result<String, Error> {
        self.auth.check(&hdr, Need::Read).await?;
        let (limit, page) = events_query(query)?;
        let (total, events) = self.access.shared().records.events().page(limit, page);
        Ok(events_page(limit, page, total, &events))
    }

    /// One JSON object per attempt, granted or denied. Never a PIN; card
    /// numbers masked.
    #[zbus(signal)]
    async fn access_event(emitter: &SignalEmitter<'_>, event: &str) -> zbus::Result<()>;
}

/// `limit` and `page_number` of a ListEvents query, or the caller's error.
pub(crate) fn events_query(query: &str) -> Result<(usize, usize), Error> {
    if query.len() > crate::domain::limits::MAX_QUERY {
        return Err(Error::BadRequest("Wrong JSON body".into()));
    }
    page_query(query).ok_or_else(|| Error::BadRequest("Wrong JSON body".into()))
}

/// The reply of ListEvents: `events` (JSON objects, newest first) are page
/// `page` of `limit` of the `total` events kept.
pub(crate) fn events_page(limit: usize, page: usize, total: usize, events: &[String]) -> String {
    let items: Vec<serde_json::Value> = events
        .iter()
        .filter_map(|e| serde_json::from_str(e).ok())
        .collect();
    json!({
        "list_option": {"pagination": {
            "total_items": total,
            "items_limit": limit,
            "total_pages": total.div_ceil(limit),
            "current_page": page,
        }},
        "list_items": items,
    })
    .to_string()
}

/// `limit` (1 to 1000, default 10) and `page_number` (from 1) of a JSON
/// query; an empty string is `{}`.
fn page_query(query: &str) -> Option<(usize, usize)> {
    let value: serde_json::Value = if query.trim().is_empty() {
        json!({})
    } else {
        serde_json::from_str(query).ok()?
    };
    let map = value.as_object()?;
    let number = |key: &str, default: u64, max: u64| match map.get(key) {
        None | Some(serde_json::Value::Null) => Some(default as usize),
        Some(v) => v
            .as_u64()
            .filter(|n| (1..=max).contains(n))
            .map(|n| n as usize),
    };
    Some((
        number("limit", 10, 1000)?,
        number("page_number", 1, u32::MAX as u64)?,
    ))
}

/// Sends every attempt of the gate as an `AccessEvent` signal.
pub async fn announce_events(
    conn: zbus::Connection,
    mut events: tokio::sync::broadcast::Receiver<String>,
) {
    loop {
        let event = match events.recv().await {
            Ok(event) => event,
            Err(tokio::sync::broadcast::error::RecvError::Lagged(n)) => {
                log::warn!(missed = n; "AccessEvent signals were dropped under load");
                continue;
            }
            Err(_) => return,
        };
        let Ok(emitter) = SignalEmitter::new(&conn, PATH) else {
            return;
        };
        if let Err(e) = AccessObject::access_event(&emitter, &event).await {
            log::warn!(error = e.to_string().as_str(); "could not emit AccessEvent");
        }
    }
}
