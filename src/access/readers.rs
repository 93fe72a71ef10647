//! A reader turns key events into credentials for the gate: a keypad's code,
//! a card reader's card (through its [`CardFormat`]), a QR scanner's text.
//! It suppresses the same credential from the same reader within a short
//! window (a card held on the reader), locks a keypad out after wrong codes,
//! and runs master card enrolment. The device loop (hardware::input) feeds
//! it; tests feed it scripted keys.

use super::gate::Gate;
use crate::domain::enrolment::{Enrolment, EnrolmentEvent, EnrolmentSettings};
use crate::domain::identifier::IdentifierType;
use crate::domain::keypad::{Key, Keypad, KeypadEvent};
use crate::domain::number;
use crate::domain::reader::ReaderKind;
use crate::domain::typing::{Line, Typed, Typist};
use crate::hardware::input::KeyEvent;
use crate::store::Store;
use std::time::{Duration, Instant};
use tokio::sync::mpsc;

/// Feeds a device's key events to its reader, for the life of the daemon.
pub async fn run(mut reader: Reader, mut keys: mpsc::Receiver<KeyEvent>, gate: Gate, store: Store) {
    while let Some(key) = keys.recv().await {
        reader.event_time = Some(key.time);
        reader
            .key(key.code, key.value, Instant::now(), &gate, &store)
            .await;
    }
}

/// What a reader did with a key, for logs and tests.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReaderEvent {
    Presented { granted: bool, reason: &'static str },
    Repeated,
    LockedOut,
    Misread,
    EnrolmentStarted,
    EnrolmentEnded,
    Enrolled { uid: u32 },
    EnrolFailed(String),
}

pub struct Reader {
    pub source: String,
    /// The kernel's timestamp of the key event being handled, when the
    /// device layer knows it: a grant logs the time from it to the relay.
    pub event_time: Option<std::time::SystemTime>,
    kind: ReaderKind,
    typist: Typist,
    line: Line,
    keypad: Option<Keypad>,
    enrolment: Enrolment,
    enrol: EnrolmentSettings,
    debounce: Duration,
    last: Option<(String, Instant)>,
}

impl Reader {
    pub fn new(
        source: String,
        kind: ReaderKind,
        enrol: EnrolmentSettings,
        debounce: Duration,
    ) -> Reader {
        let keypad = match &kind {
            ReaderKind::Keypad { rules, .. } => Some(Keypad::new(rules.clone())),
            _ => None,
        };
        Reader {
            source,
            event_time: None,
            kind,
            typist: Typist::default(),
            line: Line::new(512),
            keypad,
            enrolment: Enrolment::new(enrol.timeout),
            enrol,
            debounce,
            last: None,
        }
    }

    /// One EV_KEY event at `now`.
    pub async fn key(
        &mut self,
        code: u16,
        value: i32,
        now: Instant,
        gate: &Gate,
        store: &Store,
    ) -> Option<ReaderEvent> {
        let typed = self.typist.key(code, value)?;
        match &self.kind {
            ReaderKind::Keypad { submit, clear, .. } => {
                let key = if submit.contains(&typed) {
                    Key::Submit
                } else if clear.contains(&typed) {
                    Key::Clear
                } else if let Typed::Char(c @ '0'..='9') = typed {
                    Key::Digit(c as u8 - b'0')
                } else {
                    return None;
                };
                let keypad = self.keypad.as_mut()?;
                match keypad.key(key, now) {
                    KeypadEvent::Pending => None,
                    KeypadEvent::LockedOut { .. } => Some(ReaderEvent::LockedOut),
                    KeypadEvent::Code(code) => Some(self.code(code, now, gate).await),
                }
            }
            ReaderKind::CardReader(format) => {
                let text = self.line.typed(typed)?;
                let Some(value) = format.decode(&text) else {
                    log::warn!(source = self.source.as_str(), typed = number::mask(&text).as_str(); "card reader typed something not in its format");
                    return Some(ReaderEvent::Misread);
                };
                let kind = format.yields;
                Some(self.card(kind, value, now, gate, store).await)
            }
            ReaderKind::QrScanner => {
                let text = self.line.typed(typed)?;
                if self.repeated(&text, now) {
                    return Some(ReaderEvent::Repeated);
                }
                Some(self.present(IdentifierType::Qr, text, gate).await)
            }
        }
    }

    /// The same credential from this reader within the window is read once.
    fn repeated(&mut self, credential: &str, now: Instant) -> bool {
        let repeated = self.last.as_ref().is_some_and(|(last, at)| {
            last == credential && now.duration_since(*at) < self.debounce
        });
        self.last = Some((credential.to_string(), now));
        repeated
    }

    async fn present(&self, kind: IdentifierType, number: String, gate: &Gate) -> ReaderEvent {
        match gate.present(self.source.clone(), kind, number).await {
            Ok(outcome) => {
                if let (Some(at), Some(opened)) = (self.event_time, outcome.opened_at) {
                    if let Ok(took) = opened.duration_since(at) {
                        log::info!(source = self.source.as_str(), latency_us = took.as_micros() as u64; "relay driven after the key event");
                    }
                }
                ReaderEvent::Presented {
                    granted: outcome.granted,
                    reason: outcome.reason,
                }
            }
            Err(e) => {
                log::error!(source = self.source.as_str(), error = e.to_string().as_str(); "could not decide a credential");
                ReaderEvent::Presented {
                    granted: false,
                    reason: "storage failure",
                }
            }
        }
    }

    async fn code(&mut self, code: String, now: Instant, gate: &Gate) -> ReaderEvent {
        let event = self.present(IdentifierType::InputCode, code, gate).await;
        let keypad = self.keypad.as_mut().expect("a keypad reader has a keypad");
        // A right code forgives none of the wrong ones before it: someone
        // who knows one code cannot reset the count with it.
        if let ReaderEvent::Presented { granted: false, .. } = event {
            if let Some(until) = keypad.wrong_code(now) {
                let seconds = until.duration_since(now).as_secs();
                log::warn!(source = self.source.as_str(), lockout_seconds = seconds; "keypad locked out after wrong codes");
                gate.note(
                    self.source.clone(),
                    Some(IdentifierType::InputCode),
                    "keypad locked out",
                    Vec::new(),
                );
            }
        }
        event
    }

    async fn card(
        &mut self,
        kind: IdentifierType,
        value: u64,
        now: Instant,
        gate: &Gate,
        store: &Store,
    ) -> ReaderEvent {
        let number = number::card_number(value);
        if self.repeated(&number, now) {
            return ReaderEvent::Repeated;
        }
        let master = gate.is_master_card(kind, &number);
        if master {
            return match self.enrolment.master_card(now) {
                EnrolmentEvent::Started => {
                    log::info!(source = self.source.as_str(); "enrolment started by the master card");
                    gate.note(
                        self.source.clone(),
                        Some(kind),
                        "enrolment started",
                        Vec::new(),
                    );
                    ReaderEvent::EnrolmentStarted
                }
                _ => {
                    log::info!(source = self.source.as_str(); "enrolment ended by the master card");
                    gate.note(
                        self.source.clone(),
                        Some(kind),
                        "enrolment ended",
                        Vec::new(),
                    );
                    ReaderEvent::EnrolmentEnded
                }
            };
        }
        match self.enrolment.card(value, now) {
            EnrolmentEvent::Enrol(value) => self.enrol_card(kind, value, store, gate).await,
            _ => self.present(kind, number, gate).await,
        }
    }

    async fn enrol_card(
        &self,
        kind: IdentifierType,
        value: u64,
        store: &Store,
        gate: &Gate,
    ) -> ReaderEvent {
        let enrolled = store
            .enrol(kind, value, &self.enrol.owner_name, self.enrol.lock)
            .await;
        match enrolled {
            Ok(uid) => {
                log::info!(source = self.source.as_str(), identifier_uid = uid; "card enrolled");
                gate.note(self.source.clone(), Some(kind), "card enrolled", Vec::new());
                ReaderEvent::Enrolled { uid }
            }
            Err(e) => {
                log::warn!(source = self.source.as_str(), error = e.to_string().as_str(); "card not enrolled");
                ReaderEvent::EnrolFailed(e.to_string())
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::access::gate::testing::{rig, Rig};
    use crate::domain::card_format::{Base, ByteOrder, CardFormat};
    use crate::domain::identifier::LockChoice;
    use crate::domain::keypad::KeypadRules;

    /// Key codes for what the tests type (US layout, as readers send).
    fn keys_for(c: char) -> Vec<(u16, i32)> {
        const ROW: &str = "1234567890";
        let code = |c: char| -> (u16, bool) {
            if let Some(i) = ROW.find(c) {
                return (2 + i as u16, false);
            }
            let letters = [
                ('q', 16),
                ('w', 17),
                ('e', 18),
                ('r', 19),
                ('t', 20),
                ('y', 21),
                ('u', 22),
                ('i', 23),
                ('o', 24),
                ('p', 25),
                ('a', 30),
                ('s', 31),
                ('d', 32),
                ('f', 33),
                ('g', 34),
                ('h', 35),
                ('j', 36),
                ('k', 37),
                ('l', 38),
                ('z', 44),
                ('x', 45),
                ('c', 46),
                ('v', 47),
                ('b', 48),
                ('n', 49),
                ('m', 50),
            ];
            match c {
                '-' => (12, false),
                '#' => (4, true),
                '*' => (55, false),
                '\n' => (28, false),
                c if c.is_ascii_uppercase() => {
                    let l = c.to_ascii_lowercase();
                    (letters.iter().find(|(k, _)| *k == l).unwrap().1, true)
                }
                c => (letters.iter().find(|(k, _)| *k == c).unwrap().1, false),
            }
        };
        let (k, shift) = code(c);
        let mut out = Vec::new();
        if shift {
            out.push((42, 1));
        }
        out.push((k, 1));
        out.push((k, 0));
        if shift {
            out.push((42, 0));
        }
        out
    }

    fn enrol() -> EnrolmentSettings {
        EnrolmentSettings {
            owner_name: "Enrolled".into(),
            lock: LockChoice::First,
            timeout: Duration::from_secs(30),
        }
    }

    /// Types `text` at `at`, 50 ms a key; returns what the reader reported.
    async fn type_text(
        reader: &mut Reader,
        rig: &Rig,
        text: &str,
        at: Instant,
    ) -> Vec<ReaderEvent> {
        let mut out = Vec::new();
        for (i, (code, value)) in text.chars().flat_map(keys_for).enumerate() {
            let now = at + Duration::from_millis(50 * i as u64);
            if let Some(e) = reader.key(code, value, now, &rig.gate, &rig.store).await {
                out.push(e);
            }
        }
        out
    }

    fn granted() -> ReaderEvent {
        ReaderEvent::Presented {
            granted: true,
            reason: "granted",
        }
    }

    /// Wrong codes with a known code between them still lock the keypad
    /// out: four wrong, the right one, and the next wrong one locks.
    #[tokio::test]
    async fn a_right_code_does_not_clear_the_wrong_ones() {
        let rig = rig().await;
        let kind = ReaderKind::Keypad {
            rules: KeypadRules::default(),
            submit: vec![Typed::Enter, Typed::Char('#')],
            clear: vec![Typed::Escape, Typed::Char('*')],
        };
        let mut pad = Reader::new("keypad".into(), kind, enrol(), Duration::from_secs(2));
        let t = Instant::now();
        let mut decided = 0;
        for n in 0..30u64 {
            let code = if n % 5 == 4 {
                "4711#".to_string()
            } else {
                format!("{:04}#", 5000 + n)
            };
            let events = type_text(&mut pad, &rig, &code, t + Duration::from_secs(n)).await;
            if events.contains(&ReaderEvent::LockedOut) {
                break;
            }
            decided += 1;
        }
        assert_eq!(decided, 6, "locked out at the fifth wrong code");
    }

    #[tokio::test]
    async fn keypad_codes_and_lockout() {
        let rig = rig().await;
        let rules = KeypadRules {
            max_failures: 3,
            ..KeypadRules::default()
        };
        let kind = ReaderKind::Keypad {
            rules,
            submit: vec![Typed::Enter, Typed::Char('#')],
            clear: vec![Typed::Escape, Typed::Char('*')],
        };
        let mut pad = Reader::new("keypad".into(), kind, enrol(), Duration::from_secs(2));
        let t = Instant::now();
        assert_eq!(type_text(&mut pad, &rig, "4711#", t).await, vec![granted()]);
        assert_eq!(
            type_text(&mut pad, &rig, "99*4711\n", t + Duration::from_secs(1)).await,
            vec![granted()]
        );
        let denied = ReaderEvent::Presented {
            granted: false,
            reason: "unknown identifier",
        };
        for n in 0..3 {
            let at = t + Duration::from_secs(2 + n);
            assert_eq!(
                type_text(&mut pad, &rig, "9999#", at).await,
                vec![denied.clone()]
            );
        }
        // Locked out: even the right code is refused now.
        let events = type_text(&mut pad, &rig, "4711#", t + Duration::from_secs(10)).await;
        assert!(events.iter().all(|e| *e == ReaderEvent::LockedOut) && !events.is_empty());
        // The master code opens everything.
        let later = t + Duration::from_secs(400);
        assert_eq!(
            type_text(&mut pad, &rig, "1234#", later).await,
            vec![ReaderEvent::Presented {
                granted: true,
                reason: "master code"
            }]
        );
        let (_, events) = rig.gate.events().page(100, 1);
        assert!(events.iter().any(|e| e.contains("keypad locked out")));
        assert!(events
            .iter()
            .all(|e| !e.contains("4711") && !e.contains("9999") && !e.contains("1234")));
    }

    #[tokio::test]
    async fn card_reader_formats_debounce_and_enrolment() {
        let rig = rig().await;
        let format = CardFormat {
            base: Base::Hex,
            byte_order: ByteOrder::LsbFirst,
            bits: 32,
            yields: IdentifierType::Card,
        };
        let mut reader = Reader::new(
            "reader".into(),
            ReaderKind::CardReader(format),
            enrol(),
            Duration::from_secs(2),
        );
        let t = Instant::now();
        // 11:22:33:44 sent least significant byte first.
        assert_eq!(
            type_text(&mut reader, &rig, "44332211\n", t).await,
            vec![granted()]
        );
        // Held on the reader: read once.
        assert_eq!(
            type_text(&mut reader, &rig, "44332211\n", t + Duration::from_secs(1)).await,
            vec![ReaderEvent::Repeated]
        );
        assert_eq!(
            type_text(&mut reader, &rig, "44332211\n", t + Duration::from_secs(4)).await,
            vec![granted()]
        );
        assert_eq!(
            type_text(&mut reader, &rig, "zz\n", t + Duration::from_secs(5)).await,
            vec![ReaderEvent::Misread]
        );
        // Master card (12:34:56:78 as LSB first), a new card, master card again.
        let unknown = ReaderEvent::Presented {
            granted: false,
            reason: "unknown identifier",
        };
        assert_eq!(
            type_text(&mut reader, &rig, "DDCCBBAA\n", t + Duration::from_secs(6)).await,
            vec![unknown]
        );
        assert_eq!(
            type_text(&mut reader, &rig, "78563412\n", t + Duration::from_secs(10)).await,
            vec![ReaderEvent::EnrolmentStarted]
        );
        assert_eq!(
            type_text(&mut reader, &rig, "DDCCBBAA\n", t + Duration::from_secs(13)).await,
            vec![ReaderEvent::Enrolled { uid: 4 }]
        );
        assert_eq!(
            type_text(&mut reader, &rig, "78563412\n", t + Duration::from_secs(16)).await,
            vec![ReaderEvent::EnrolmentEnded]
        );
        assert_eq!(
            type_text(&mut reader, &rig, "DDCCBBAA\n", t + Duration::from_secs(20)).await,
            vec![granted()]
        );
    }

    /// Cards wider than 10 decimal digits (7-byte UIDs, EM4100 with its
    /// version byte) are looked up and enrolled as numbers a card can have,
    /// so they match however they were stored, and what enrolment stores
    /// reads back (found by fuzzing).
    #[tokio::test]
    async fn card_reader_long_cards_match_and_enrol() {
        let rig = rig().await;
        let body = serde_json::json!({
            "identifier_owner": {"name": "B", "type": "owner"},
            "identifier_type": "card", "identifier_number": "04:a2:b3:c4:d5:e6:f7", "lock": "first",
        });
        assert_eq!(rig.store.create(&body.to_string()).await.unwrap(), 4);
        let format = CardFormat {
            base: Base::Hex,
            byte_order: ByteOrder::MsbFirst,
            bits: 64,
            yields: IdentifierType::Card,
        };
        let mut reader = Reader::new(
            "reader".into(),
            ReaderKind::CardReader(format),
            enrol(),
            Duration::from_secs(2),
        );
        let t = Instant::now();
        let s = Duration::from_secs;
        assert_eq!(
            type_text(&mut reader, &rig, "04A2B3C4D5E6F7\n", t).await,
            vec![granted()]
        );
        for (typed, at, event) in [
            ("12345678\n", 3, ReaderEvent::EnrolmentStarted),
            ("1A026F6C3A\n", 6, ReaderEvent::Enrolled { uid: 5 }),
            ("12345678\n", 9, ReaderEvent::EnrolmentEnded),
            ("1A026F6C3A\n", 12, granted()),
        ] {
            assert_eq!(
                type_text(&mut reader, &rig, typed, t + s(at)).await,
                vec![event],
                "{typed:?}"
            );
        }
        let item: serde_json::Value = serde_json::from_str(&rig.store.get(5).unwrap()).unwrap();
        assert_eq!(item["identifier_number"], "1A:02:6F:6C:3A");
    }

    #[tokio::test]
    async fn qr_scanner_types_with_shift() {
        let rig = rig().await;
        let mut scanner = Reader::new(
            "qr".into(),
            ReaderKind::QrScanner,
            enrol(),
            Duration::from_secs(2),
        );
        let t = Instant::now();
        assert_eq!(
            type_text(
                &mut scanner,
                &rig,
                "123E4567-E89B-12D3-A456-426614174000\n",
                t
            )
            .await,
            vec![granted()]
        );
        assert_eq!(
            type_text(
                &mut scanner,
                &rig,
                "123e4567-e89b-12d3-a456-426614174001\n",
                t + Duration::from_secs(5)
            )
            .await,
            vec![ReaderEvent::Presented {
                granted: false,
                reason: "unknown identifier"
            }]
        );
    }
}
