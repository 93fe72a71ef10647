//! The access decision: is this credential let in, now, and which locks open.
//! Pure: the caller passes the time and whether the clock can be trusted, and
//! applies the returned change (one pass taken) through storage before the
//! grant counts as used.

use super::identifier::{Identifier, IdentifierType, LockChoice};
use super::number;
use super::registry::{Change, Registry};
use std::sync::Arc;

/// What the decision knows about time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Clock {
    pub now_unix: i64,
    /// Whether the system clock is synchronised (NTP, or an RTC set from it).
    pub synchronised: bool,
    /// `[clock] require_sync`: distrust time-bound rules on an unsynchronised clock.
    pub require_sync: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DenyReason {
    Unknown,
    NotYetValid,
    Expired,
    NoPassesLeft,
    /// Limited in time, and the clock cannot be trusted.
    ClockNotSynchronised,
    /// Time profiles are attached and none of them holds the instant.
    OutsideTimeProfiles,
}

impl DenyReason {
    pub fn as_str(self) -> &'static str {
        match self {
            DenyReason::Unknown => "unknown identifier",
            DenyReason::NotYetValid => "not yet valid",
            DenyReason::Expired => "expired",
            DenyReason::NoPassesLeft => "no passes left",
            DenyReason::ClockNotSynchronised => "clock not synchronised",
            DenyReason::OutsideTimeProfiles => "outside its time profiles",
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum Verdict {
    Granted {
        uid: u32,
        locks: LockChoice,
        /// One pass taken, when passes are limited: persist it before opening counts.
        change: Option<Change>,
    },
    Denied {
        reason: DenyReason,
        uid: Option<u32>,
    },
    /// The master code: opens all locks.
    MasterCode,
    /// The master card: starts or ends enrolment.
    MasterCard,
}

pub fn decide(registry: &Registry, kind: IdentifierType, typed: &str, clock: Clock) -> Verdict {
    let rules = registry.rules();
    match kind {
        IdentifierType::InputCode if rules.master_code.as_deref() == Some(typed) => {
            return Verdict::MasterCode
        }
        IdentifierType::Card
            if rules.master_card.is_some() && number::card_value(typed) == rules.master_card =>
        {
            return Verdict::MasterCard
        }
        _ => {}
    }
    // Faces are matched by similarity, everything else by its number.
    let found = if kind == IdentifierType::FaceId && rules.face_recognition {
        registry.find_face(typed)
    } else {
        registry.find(kind, typed)
    };
    let Some(item) = found else {
        return Verdict::Denied {
            reason: DenyReason::Unknown,
            uid: None,
        };
    };
    let deny = |reason| Verdict::Denied {
        reason,
        uid: Some(item.uid),
    };
    let time = &item.body.time;
    if !time.is_permanent {
        if clock.require_sync && !clock.synchronised {
            return deny(DenyReason::ClockNotSynchronised);
        }
        if time.from.is_some_and(|from| clock.now_unix < from) {
            return deny(DenyReason::NotYetValid);
        }
        if time.to.is_some_and(|to| clock.now_unix > to) {
            return deny(DenyReason::Expired);
        }
    }
    // Attached time profiles: inside one of them, by a clock to be trusted.
    if !item.time_profiles.is_empty() {
        if clock.require_sync && !clock.synchronised {
            return deny(DenyReason::ClockNotSynchronised);
        }
        if !registry.in_time_profiles(item, clock.now_unix) {
            return deny(DenyReason::OutsideTimeProfiles);
        }
    }
    let change = match item.max_passes() {
        None => None,
        Some(_) if item.passes_left <= 0 => return deny(DenyReason::NoPassesLeft),
        Some(_) => Some(take_pass(registry, item)),
    };
    Verdict::Granted {
        uid: item.uid,
        locks: item.body.lock,
        change,
    }
}

fn take_pass(registry: &Registry, item: &Arc<Identifier>) -> Change {
    let mut next = Identifier::clone(item);
    next.passes_left -= 1;
    Change {
        put: vec![Arc::new(next)],
        remove: vec![],
        next_uid: registry.next_uid(),
        ..Default::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::identifier::Rules;

    fn registry() -> Registry {
        let mut r = Registry::new(Rules {
            master_code: Some("1234".into()),
            master_card: Some(0x12345678),
            face_recognition: false,
            face_dimensions: 128,
            ..Default::default()
        });
        let bodies = [
            r#"{"identifier_owner":{"name":"A","type":"owner"},"identifier_type":"card","identifier_number":"11:22:33:44","lock":"first"}"#,
            r#"{"identifier_owner":{"name":"B","type":"guest"},"identifier_type":"inputCode","identifier_number":"4711","lock":"all",
                "valid":{"time":{"is_permanent":false,"from":1000,"to":2000},"passes":{"is_permanent":false,"max_passes":2}}}"#,
            r#"{"identifier_owner":{"name":"C","type":"owner"},"identifier_type":"qr","identifier_number":"123e4567-e89b-12d3-a456-426614174000","lock":"second"}"#,
        ];
        for body in bodies {
            let (_, change) = r.create(body).unwrap();
            r.apply(&change);
        }
        r
    }

    const SYNCED: Clock = Clock {
        now_unix: 1500,
        synchronised: true,
        require_sync: true,
    };

    #[test]
    fn permanent_card_in_any_form() {
        let r = registry();
        for typed in ["11:22:33:44", "287454020", "11-22-33-44"] {
            assert_eq!(
                decide(&r, IdentifierType::Card, typed, SYNCED),
                Verdict::Granted {
                    uid: 1,
                    locks: LockChoice::First,
                    change: None
                }
            );
        }
        assert_eq!(
            decide(&r, IdentifierType::Card, "99", SYNCED),
            Verdict::Denied {
                reason: DenyReason::Unknown,
                uid: None
            }
        );
        // A ukey with the card's number is another identifier.
        assert_eq!(
            decide(&r, IdentifierType::Ukey, "287454020", SYNCED),
            Verdict::Denied {
                reason: DenyReason::Unknown,
                uid: None
            }
        );
    }

    #[test]
    fn passes_are_taken_once_each_and_run_out() {
        let mut r = registry();
        for left in [1, 0] {
            let Verdict::Granted {
                uid: 2,
                locks: LockChoice::All,
                change: Some(change),
            } = decide(&r, IdentifierType::InputCode, "4711", SYNCED)
            else {
                panic!("expected a grant");
            };
            assert_eq!(change.put[0].passes_left, left);
            r.apply(&change);
        }
        assert_eq!(
            decide(&r, IdentifierType::InputCode, "4711", SYNCED),
            Verdict::Denied {
                reason: DenyReason::NoPassesLeft,
                uid: Some(2)
            }
        );
        // ResetPasses gives them back.
        let change = r.reset_passes(2).unwrap();
        r.apply(&change);
        assert!(matches!(
            decide(&r, IdentifierType::InputCode, "4711", SYNCED),
            Verdict::Granted { .. }
        ));
    }

    #[test]
    fn validity_window_edges() {
        let r = registry();
        let at = |now_unix| Clock { now_unix, ..SYNCED };
        let reason = |v| match v {
            Verdict::Denied { reason, .. } => Some(reason),
            _ => None,
        };
        assert_eq!(
            reason(decide(&r, IdentifierType::InputCode, "4711", at(999))),
            Some(DenyReason::NotYetValid)
        );
        assert_eq!(
            reason(decide(&r, IdentifierType::InputCode, "4711", at(1000))),
            None
        );
        assert_eq!(
            reason(decide(&r, IdentifierType::InputCode, "4711", at(2000))),
            None
        );
        assert_eq!(
            reason(decide(&r, IdentifierType::InputCode, "4711", at(2001))),
            Some(DenyReason::Expired)
        );
    }

    #[test]
    fn unsynchronised_clock_denies_only_time_bound_identifiers() {
        let r = registry();
        // A panel that lost power without an RTC wakes in 1970.
        let lost = Clock {
            now_unix: 1500,
            synchronised: false,
            require_sync: true,
        };
        assert_eq!(
            decide(&r, IdentifierType::InputCode, "4711", lost),
            Verdict::Denied {
                reason: DenyReason::ClockNotSynchronised,
                uid: Some(2)
            }
        );
        assert!(matches!(
            decide(&r, IdentifierType::Card, "11:22:33:44", lost),
            Verdict::Granted { .. }
        ));
        // With require_sync = false the clock is trusted as it is.
        let trusted = Clock {
            require_sync: false,
            ..lost
        };
        assert!(matches!(
            decide(&r, IdentifierType::InputCode, "4711", trusted),
            Verdict::Granted { .. }
        ));
    }

    #[test]
    fn master_credentials() {
        let r = registry();
        assert_eq!(
            decide(&r, IdentifierType::InputCode, "1234", SYNCED),
            Verdict::MasterCode
        );
        assert_eq!(
            decide(&r, IdentifierType::Card, "12-34-56-78", SYNCED),
            Verdict::MasterCard
        );
        assert_eq!(
            decide(&r, IdentifierType::Card, "305419896", SYNCED),
            Verdict::MasterCard
        );
        // 01234 is not the master code: codes compare exactly.
        assert!(matches!(
            decide(&r, IdentifierType::InputCode, "01234", SYNCED),
            Verdict::Denied { .. }
        ));
    }

    #[test]
    fn qr_is_case_insensitive() {
        let r = registry();
        assert!(matches!(
            decide(
                &r,
                IdentifierType::Qr,
                "123E4567-E89B-12D3-A456-426614174000",
                SYNCED
            ),
            Verdict::Granted {
                uid: 3,
                locks: LockChoice::Second,
                ..
            }
        ));
    }
}
