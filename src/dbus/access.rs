//! `org.latchd.Panel1.Access`: credentials from local software (a QR app, a
//! plate reader, a face matcher), decided exactly as a credential from a
//! reader, and the `AccessEvent` signal for every attempt.

use super::auth::{Authorizer, Need};
use super::error::Error;
use crate::clock::ClockWatch;
use crate::domain::decision::Verdict;
use crate::domain::identifier::{IdentifierType, LockChoice};
use crate::domain::number;
use crate::events::EventLog;
use crate::locks::Locks;
use crate::service::{Answer, Handle, Request};
use serde_json::json;
use std::sync::Arc;
use zbus::interface;
use zbus::message::Header;
use zbus::object_server::SignalEmitter;

pub const PATH: &str = "/org/latchd/Panel1/Access";

pub struct Access {
    pub store: Handle,
    pub locks: Locks,
    pub clock: ClockWatch,
    pub events: EventLog,
    pub auth: Arc<Authorizer>,
}

/// One attempt, as signalled and logged.
pub struct Attempt {
    pub source: String,
    pub kind: IdentifierType,
    pub number: String,
    pub uid: Option<u32>,
    pub granted: bool,
    pub reason: &'static str,
    pub locks: Vec<String>,
}

impl Attempt {
    /// The number as it may be shown: never a code, cards masked.
    fn shown_number(&self) -> String {
        match self.kind {
            IdentifierType::InputCode => String::new(),
            IdentifierType::FaceId => String::new(),
            _ => number::mask(&self.number),
        }
    }

    pub fn to_json(&self, unix_time: i64) -> String {
        json!({
            "time": unix_time,
            "source": self.source,
            "identifier_type": self.kind.as_str(),
            "identifier_number": self.shown_number(),
            "identifier_uid": self.uid.map_or(-1, i64::from),
            "granted": self.granted,
            "reason": self.reason,
            "locks": self.locks,
        })
        .to_string()
    }

    pub fn log(&self) {
        log::info!(
            source = self.source.as_str(),
            identifier_type = self.kind.as_str(),
            identifier_number = self.shown_number().as_str(),
            identifier_uid = self.uid.map_or(-1, i64::from),
            granted = self.granted,
            reason = self.reason,
            locks = self.locks.join(",").as_str();
            "access {}", if self.granted { "granted" } else { "denied" }
        );
    }
}

#[interface(name = "org.latchd.Panel1.Access")]
impl Access {
    /// Decides a credential and opens the identifier's locks when granted.
    #[zbus(out_args("granted", "reason"))]
    async fn present(
        &self,
        r#type: String,
        number: String,
        #[zbus(header)] hdr: Header<'_>,
        #[zbus(signal_emitter)] emitter: SignalEmitter<'_>,
    ) -> Result<(bool, String), Error> {
        let caller = self.auth.check(&hdr, Need::Feed).await?;
        let kind = IdentifierType::parse(&r#type)
            .ok_or_else(|| Error::BadRequest("Wrong identifier type".into()))?;
        let clock = self.clock.now();
        let request = Request::Present {
            kind,
            number: number.clone(),
            clock,
        };
        let verdict = match self.store.call(request).await? {
            Answer::Verdict(v) => v,
            other => {
                return Err(Error::ZBus(zbus::Error::Failure(format!(
                    "unexpected answer {other:?}"
                ))))
            }
        };
        let (uid, granted, reason, choice) = match verdict {
            Verdict::Granted { uid, locks, .. } => (Some(uid), true, "granted", Some(locks)),
            Verdict::MasterCode => (None, true, "master code", Some(LockChoice::All)),
            Verdict::MasterCard => (
                None,
                false,
                "master card: enrolment is done at a card reader",
                None,
            ),
            Verdict::Denied { reason, uid } => (uid, false, reason.as_str(), None),
        };
        let locks = match choice {
            Some(choice) => self.locks.open(choice).await,
            None => Vec::new(),
        };
        let attempt = Attempt {
            source: format!("dbus:uid={caller}"),
            kind,
            number,
            uid,
            granted,
            reason,
            locks,
        };
        attempt.log();
        let event = attempt.to_json(clock.now_unix);
        self.events.record(event.clone());
        if let Err(e) = Self::access_event(&emitter, &event).await {
            log::warn!(error = e.to_string().as_str(); "could not emit AccessEvent");
        }
        Ok((granted, reason.to_string()))
    }

    /// The newest access events first: `{"limit": 1..1000 (10), "page_number": 1..}`.
    #[zbus(out_args("page"))]
    async fn list_events(
        &self,
        query: String,
        #[zbus(header)] hdr: Header<'_>,
    ) -> Result<String, Error> {
        self.auth.check(&hdr, Need::Read).await?;
        let (limit, page) =
            page_query(&query).ok_or_else(|| Error::BadRequest("Wrong JSON body".into()))?;
        let (total, events) = self.events.page(limit, page);
        let items: Vec<serde_json::Value> = events
            .iter()
            .filter_map(|e| serde_json::from_str(e).ok())
            .collect();
        Ok(json!({
            "list_option": {"pagination": {
                "total_items": total,
                "items_limit": limit,
                "total_pages": total.div_ceil(limit),
                "current_page": page,
            }},
            "list_items": items,
        })
        .to_string())
    }

    /// One JSON object per attempt, granted or denied. Never a PIN; card
    /// numbers masked.
    #[zbus(signal)]
    async fn access_event(emitter: &SignalEmitter<'_>, event: &str) -> zbus::Result<()>;
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
