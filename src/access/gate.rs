//! The gate: one decision path for every credential, from a reader or from
//! local software over D-Bus. It asks the database (which takes a pass
//! durably when one is due), opens the locks, and records the attempt in the
//! journal, the event log and the `AccessEvent` signal. A grant whose relays
//! could not be driven is answered `relay failure`, and when no door opened
//! the pass it took is given back.

use super::clock::ClockWatch;
use super::events::EventLog;
use super::locks::{Locks, Opening};
use crate::domain::decision::Verdict;
use crate::domain::identifier::{IdentifierType, LockChoice};
use crate::domain::lockout::{Lockout, PresentLimits};
use crate::domain::number;
use crate::store::{Store, StoreError};
use serde_json::json;
use std::collections::HashMap;
use std::hash::{BuildHasher, RandomState};
use std::sync::{Arc, Mutex};
use std::time::Instant;
use tokio::sync::broadcast;

/// The reason of a grant whose relays could not all be driven.
pub const RELAY_FAILURE: &str = "relay failure";

#[derive(Clone)]
pub struct Gate {
    store: Store,
    locks: Locks,
    clock: ClockWatch,
    records: Records,
    master_card: Option<u64>,
    limits: PresentLimits,
}

/// Where attempts are recorded, and what outlives a rebuilt gate (a
/// reload): the event log, the `AccessEvent` channel its subscribers keep,
/// and the lockouts of callers presenting credentials over D-Bus.
#[derive(Clone)]
pub struct Records {
    events: EventLog,
    signals: broadcast::Sender<String>,
    /// Wrong credentials presented over D-Bus, per caller uid and type.
    callers: Arc<Mutex<HashMap<(u32, IdentifierType), Lockout>>>,
    /// Tags what was presented (keyed per process), so the same wrong
    /// credential again counts once without keeping the credential.
    tags: RandomState,
}

impl Records {
    pub fn new(events: EventLog) -> Records {
        let (signals, _) = broadcast::channel(256);
        Records {
            events,
            signals,
            callers: Arc::default(),
            tags: RandomState::new(),
        }
    }

    /// Every attempt's event JSON, for the `AccessEvent` signal.
    pub fn subscribe(&self) -> broadcast::Receiver<String> {
        self.signals.subscribe()
    }

    pub fn events(&self) -> &EventLog {
        &self.events
    }

    fn record(&self, event: String) {
        self.events.record(event.clone());
        // No listener is fine: the signal only goes out while the bus is served.
        let _ = self.signals.send(event);
    }
}

/// What came of one credential.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    pub granted: bool,
    pub reason: &'static str,
    pub uid: Option<u32>,
    pub locks: Vec<String>,
    /// When the relays had been driven (before the attempt was recorded).
    pub opened_at: Option<std::time::SystemTime>,
}

/// A guess admitted by a caller's lockout, settled once: by its outcome,
/// or as wrong when it is dropped undecided (a call that went away).
struct Guess {
    callers: Arc<Mutex<HashMap<(u32, IdentifierType), Lockout>>>,
    key: (u32, IdentifierType),
    tag: u64,
    settled: bool,
}

impl Guess {
    /// Counts the guess; returns the end of the lockout it began.
    fn settle(mut self, wrong: bool) -> Option<Instant> {
        self.settled = true;
        self.count(wrong)
    }

    fn count(&self, wrong: bool) -> Option<Instant> {
        let mut callers = self.callers.lock().unwrap_or_else(|e| e.into_inner());
        let lockout = callers.get_mut(&self.key)?;
        lockout.settle(Instant::now(), wrong.then_some(self.tag))
    }
}

impl Drop for Guess {
    fn drop(&mut self) {
        if !self.settled {
            self.count(true);
        }
    }
}

impl Gate {
    pub fn new(
        store: Store,
        locks: Locks,
        clock: ClockWatch,
        records: Records,
        master_card: Option<u64>,
        limits: PresentLimits,
    ) -> Gate {
        Gate {
            store,
            locks,
            clock,
            records,
            master_card,
            limits,
        }
    }

    /// Every attempt's event JSON, for the `AccessEvent` signal.
    pub fn subscribe(&self) -> broadcast::Receiver<String> {
        self.records.subscribe()
    }

    pub fn events(&self) -> &EventLog {
        self.records.events()
    }

    pub fn locks(&self) -> &Locks {
        &self.locks
    }

    /// A decision on the committed copy, of a credential that cannot exist:
    /// returns once the database could be read (the watchdog asks).
    pub fn probe(&self) {
        self.store.probe(self.clock.now());
    }

    /// Whether this is the master card (enrolment, not a door opening).
    pub fn is_master_card(&self, kind: IdentifierType, number: &str) -> bool {
        kind == IdentifierType::Card
            && self.master_card.is_some()
            && crate::domain::number::card_value(number) == self.master_card
    }

    /// Records something a reader did that is not a decision (a lockout,
    /// enrolment), as an event that opened nothing.
    pub fn note(
        &self,
        source: String,
        kind: Option<IdentifierType>,
        reason: &'static str,
        locks: Vec<String>,
    ) {
        let attempt = Attempt {
            source,
            kind,
            number: String::new(),
            uid: None,
            granted: !locks.is_empty(),
            reason,
            locks,
        };
        attempt.log();
        self.records
            .record(attempt.to_json(self.clock.now().now_unix));
    }

    /// The database this gate decides on.
    pub fn store(&self) -> &Store {
        &self.store
    }

    /// A credential from local software over D-Bus, from the caller with
    /// `uid`. Every type obeys a limit of wrong guesses per caller
    /// (`[auth.present_limits]`), so a feeder that is compromised cannot
    /// search a card range or the codes, the master code among them. The
    /// guess is admitted and counted in one step before it is decided:
    /// guesses sent in parallel cannot overtake the lockout. A right one
    /// forgives none of the window's wrong ones.
    pub async fn present_for(
        &self,
        uid: u32,
        kind: IdentifierType,
        number: String,
    ) -> Result<Outcome, StoreError> {
        let source = format!("dbus:uid={uid}");
        let Some(guess) = self.admit(uid, kind, &number) else {
            return Ok(Outcome {
                granted: false,
                reason: "locked out",
                uid: None,
                locks: Vec::new(),
                opened_at: None,
            });
        };
        let outcome = self.present(source.clone(), kind, number).await;
        // A storage failure is counted as a wrong guess: only a known
        // identifier with passes can meet one.
        let wrong = !matches!(&outcome, Ok(o) if o.granted);
        if let Some(until) = guess.settle(wrong) {
            let seconds = until.saturating_duration_since(Instant::now()).as_secs();
            log::warn!(source = source.as_str(), identifier_type = kind.as_str(), lockout_seconds = seconds; "caller locked out after wrong credentials");
            self.note(source, Some(kind), "caller locked out", Vec::new());
        }
        outcome
    }

    /// Admits one guess of `uid` for `kind`, or None while the caller is
    /// locked out or has as many guesses in flight as it may still get wrong.
    fn admit(&self, uid: u32, kind: IdentifierType, number: &str) -> Option<Guess> {
        let now = Instant::now();
        let mut callers = self
            .records
            .callers
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        // Forget callers with nothing recent: the table stays small.
        callers.retain(|_, lockout| !lockout.is_idle(now));
        let rules = self.limits.get(kind);
        let lockout = callers
            .entry((uid, kind))
            .or_insert_with(|| Lockout::new(rules.clone()));
        // A reload's limits hold at once, also for a caller guessing now.
        lockout.set_rules(rules);
        lockout.admit(now).ok()?;
        Some(Guess {
            callers: self.records.callers.clone(),
            key: (uid, kind),
            tag: self.records.tags.hash_one(number),
            settled: false,
        })
    }

    /// Decides `number` of type `kind` from `source` and opens the locks it
    /// grants. When a chosen relay could not be driven the reason is
    /// `relay failure` (granted only if another lock opened), and a pass
    /// taken for a grant that opened nothing is given back.
    pub async fn present(
        &self,
        source: String,
        kind: IdentifierType,
        number: String,
    ) -> Result<Outcome, StoreError> {
        let clock = self.clock.now();
        let verdict = self.store.present(kind, &number, clock).await?;
        let (uid, granted, reason, choice, pass_taken) = match verdict {
            Verdict::Granted { uid, locks, change } => {
                (Some(uid), true, "granted", Some(locks), change.is_some())
            }
            Verdict::MasterCode => (None, true, "master code", Some(LockChoice::All), false),
            Verdict::MasterCard => (
                None,
                false,
                "master card: enrolment is done at a card reader",
                None,
                false,
            ),
            Verdict::Denied { reason, uid } => (uid, false, reason.as_str(), None, false),
        };
        let (opening, opened_at) = match choice {
            Some(choice) => {
                let opening = self.locks.open(choice).await;
                (opening, Some(std::time::SystemTime::now()))
            }
            None => (Opening::default(), None),
        };
        let (granted, reason) = if opening.failed.is_empty() {
            (granted, reason)
        } else {
            (!opening.opened.is_empty(), RELAY_FAILURE)
        };
        if let (Some(uid), true, false) = (uid, pass_taken, granted) {
            // The pass bought nothing: no door opened.
            match self.store.return_pass(uid).await {
                Ok(()) => {
                    log::info!(identifier_uid = uid; "pass given back: no door opened")
                }
                Err(e) => {
                    log::error!(identifier_uid = uid, error = e.to_string().as_str(); "could not give back the pass of a door that did not open")
                }
            }
        }
        let attempt = Attempt {
            source,
            kind: Some(kind),
            number,
            uid,
            granted,
            reason,
            locks: opening.opened,
        };
        attempt.log();
        self.records.record(attempt.to_json(clock.now_unix));
        Ok(Outcome {
            granted,
            reason,
            uid,
            locks: attempt.locks,
            opened_at,
        })
    }
}

/// One attempt, as signalled and logged.
struct Attempt {
    source: String,
    /// None for what no credential caused (an exit button, a door contact).
    kind: Option<IdentifierType>,
    number: String,
    uid: Option<u32>,
    granted: bool,
    reason: &'static str,
    locks: Vec<String>,
}

impl Attempt {
    /// The number as it may be shown: never a code, cards masked.
    fn shown_number(&self) -> String {
        match self.kind {
            Some(IdentifierType::InputCode | IdentifierType::FaceId) | None => String::new(),
            Some(_) => number::mask(&self.number),
        }
    }

    fn to_json(&self, unix_time: i64) -> String {
        json!({
            "time": unix_time,
            "source": self.source,
            "identifier_type": self.kind.map_or("", IdentifierType::as_str),
            "identifier_number": self.shown_number(),
            "identifier_uid": self.uid.map_or(-1, i64::from),
            "granted": self.granted,
            "reason": self.reason,
            "locks": self.locks,
        })
        .to_string()
    }

    fn log(&self) {
        log::info!(
            source = self.source.as_str(),
            identifier_type = self.kind.map_or("", IdentifierType::as_str),
            identifier_number = self.shown_number().as_str(),
            identifier_uid = self.uid.map_or(-1, i64::from),
            granted = self.granted,
            reason = self.reason,
            locks = self.locks.join(",").as_str();
            "access {}", if self.granted { "granted" } else { "denied" }
        );
    }
}

#[cfg(test)]
pub mod testing {
    use super::*;
    use crate::access::locks::testing::Recorder;
    use crate::access::locks::{Board, LockSpec};
    use crate::domain::identifier::Rules;
    use std::time::Duration;

    pub struct Rig {
        pub gate: Gate,
        pub store: Store,
        pub locks: Locks,
        /// The relay of lock "first".
        pub relay: Recorder,
        _dir: tempfile::TempDir,
    }

    /// A gate on a real store in a temporary folder, with a lock "first"
    /// on a recording relay and three identifiers: inputCode 4711, a QR
    /// code and card 11:22:33:44.
    pub async fn rig() -> Rig {
        rig_with(Recorder::default()).await
    }

    /// The rig with `relay` as the relay of lock "first".
    pub async fn rig_with(relay: Recorder) -> Rig {
        let dir = tempfile::tempdir().unwrap();
        let rules = Rules {
            master_code: Some("1234".into()),
            master_card: Some(0x12345678),
            face_recognition: false,
            face_dimensions: 128,
            ..Default::default()
        };
        let (storage, registry) =
            crate::storage::Storage::open(&dir.path().join("data"), rules).unwrap();
        let (store, _owner) = Store::start(registry, storage).unwrap();
        let locks = Locks::start(
            vec![LockSpec {
                name: "first".into(),
                open_time: Duration::from_secs(3),
                relay: Box::new(relay.clone()),
            }],
            &Board::default(),
        )
        .unwrap();
        let events = EventLog::open(dir.path(), 100).unwrap();
        let clock = ClockWatch::start(false);
        let gate = Gate::new(
            store.clone(),
            locks.clone(),
            clock,
            Records::new(events),
            Some(0x12345678),
            PresentLimits::default(),
        );
        for (kind, number) in [
            ("inputCode", "4711"),
            ("qr", "123e4567-e89b-12d3-a456-426614174000"),
            ("card", "11:22:33:44"),
        ] {
            let body = serde_json::json!({
                "identifier_owner": {"name": "A", "type": "owner"},
                "identifier_type": kind, "identifier_number": number, "lock": "first",
            });
            store.create(&body.to_string()).await.unwrap();
        }
        Rig {
            gate,
            store,
            locks,
            relay,
            _dir: dir,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::testing::rig_with;
    use super::*;
    use crate::access::locks::testing::Recorder;
    use std::sync::atomic::Ordering;

    fn passes_left(item: &str) -> i64 {
        let item: serde_json::Value = serde_json::from_str(item).unwrap();
        item["additional"]["passes_left"].as_i64().unwrap()
    }

    fn newest_event(gate: &Gate) -> serde_json::Value {
        let (_, events) = gate.events().page(1, 1);
        serde_json::from_str(&events[0]).unwrap()
    }

    #[tokio::test]
    async fn a_door_that_does_not_open_gives_the_pass_back() {
        let rig = rig_with(Recorder::failing(true, false)).await;
        let body = serde_json::json!({
            "identifier_owner": {"name": "G", "type": "guest"},
            "identifier_type": "inputCode", "identifier_number": "5555", "lock": "first",
            "valid": {"time": {"is_permanent": true}, "passes": {"is_permanent": false, "max_passes": 2}},
        });
        let uid = rig.store.create(&body.to_string()).await.unwrap();
        let code = || {
            rig.gate
                .present("test".into(), IdentifierType::InputCode, "5555".into())
        };

        let outcome = code().await.unwrap();
        assert_eq!((outcome.granted, outcome.reason), (false, RELAY_FAILURE));
        assert!(outcome.locks.is_empty());
        assert_eq!(passes_left(&rig.store.get(uid).unwrap()), 2);
        let event = newest_event(&rig.gate);
        assert_eq!(event["granted"], false);
        assert_eq!(event["reason"], "relay failure");
        assert_eq!(event["locks"], serde_json::json!([]));
        assert!(!rig.locks.states()["first"]);
        assert_eq!(rig.locks.health()["first"], "line write failed");

        // The master code and unlimited identifiers say so too.
        let master = rig
            .gate
            .present("test".into(), IdentifierType::InputCode, "1234".into())
            .await
            .unwrap();
        assert_eq!((master.granted, master.reason), (false, RELAY_FAILURE));
        let card = rig
            .gate
            .present("test".into(), IdentifierType::Card, "11:22:33:44".into())
            .await
            .unwrap();
        assert_eq!((card.granted, card.reason), (false, RELAY_FAILURE));

        // Repaired: the pass is taken and the door opens.
        rig.relay.fail_open.store(false, Ordering::SeqCst);
        let outcome = code().await.unwrap();
        assert_eq!((outcome.granted, outcome.reason), (true, "granted"));
        assert_eq!(outcome.locks, vec!["first"]);
        assert_eq!(passes_left(&rig.store.get(uid).unwrap()), 1);
        assert!(rig.relay.level());
        assert_eq!(rig.locks.health()["first"], "ok");
    }

    /// 40 presents of one caller in flight at once, each waiting on the
    /// owner thread (40 codes, each of an identifier with one pass: the
    /// committed copy grants it, the owner takes the pass). Until it is
    /// decided any of them may be wrong, and the lockout is checked and
    /// counted in one step, so no more are decided than the limit admits.
    /// (Distinct codes: the same code again is the same guess and counts
    /// once, so 40 copies of one code would let a repeat that is denied at
    /// once, from the committed copy, be decided past the limit.)
    #[tokio::test]
    async fn presents_in_flight_cannot_overtake_the_lockout() {
        let rig = rig_with(Recorder::default()).await;
        let codes: Vec<String> = (0..40).map(|i| format!("{}", 5000 + i)).collect();
        for code in &codes {
            let body = serde_json::json!({
                "identifier_owner": {"name": "G", "type": "guest"},
                "identifier_type": "inputCode", "identifier_number": code, "lock": "first",
                "valid": {"time": {"is_permanent": true}, "passes": {"is_permanent": false, "max_passes": 1}},
            });
            rig.store.create(&body.to_string()).await.unwrap();
        }
        let mut presents: Vec<_> = codes
            .iter()
            .map(|code| {
                Box::pin(
                    rig.gate
                        .present_for(1000, IdentifierType::InputCode, code.clone()),
                )
            })
            .collect();
        // Each is polled once, in order, before any is polled again: all 40
        // are in flight together, as 40 calls on one connection are. (A
        // joining combinator may finish some before it first polls the
        // rest; then they are no longer in flight together.)
        let first: Vec<Option<Outcome>> = std::future::poll_fn(|cx| {
            let polled = presents.iter_mut().map(|present| {
                match std::future::Future::poll(present.as_mut(), cx) {
                    std::task::Poll::Ready(outcome) => Some(outcome.unwrap()),
                    std::task::Poll::Pending => None,
                }
            });
            std::task::Poll::Ready(polled.collect())
        })
        .await;
        let mut outcomes = Vec::new();
        for (present, polled) in presents.iter_mut().zip(first) {
            outcomes.push(match polled {
                Some(outcome) => outcome,
                None => present.as_mut().await.unwrap(),
            });
        }
        let decided: Vec<_> = outcomes
            .into_iter()
            .filter(|o| o.reason != "locked out")
            .collect();
        assert!(decided.len() <= 5, "{} decided: {decided:?}", decided.len());
        assert!(decided.iter().all(|o| o.granted), "{decided:?}");
    }

    #[tokio::test]
    async fn a_denied_credential_drives_no_relay() {
        let rig = rig_with(Recorder::default()).await;
        let outcome = rig
            .gate
            .present("test".into(), IdentifierType::InputCode, "9999".into())
            .await
            .unwrap();
        assert_eq!(
            (outcome.granted, outcome.reason),
            (false, "unknown identifier")
        );
        assert_eq!(rig.relay.levels(), vec![false]);
    }
}
