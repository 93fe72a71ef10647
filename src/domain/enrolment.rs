//! Master card enrolment: presenting the master card starts it, cards
//! presented next are added as identifiers, and presenting the master card
//! again or a pause longer than the timeout ends it. Time is passed in.

use super::identifier::LockChoice;
use std::time::{Duration, Instant};

/// Who enrolled cards belong to, what they open, and how long a pause ends
/// enrolment.
#[derive(Debug, Clone)]
pub struct EnrolmentSettings {
    pub owner_name: String,
    pub lock: LockChoice,
    pub timeout: Duration,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EnrolmentEvent {
    Started,
    /// Add this card (as typed by the reader, decoded to its value).
    Enrol(u64),
    /// Ended by the master card.
    Ended,
    /// Ended by the timeout before this presentation; the card is decided normally.
    TimedOut,
    /// Not enrolling: decide the card normally.
    NotEnrolling,
}

#[derive(Debug)]
pub struct Enrolment {
    timeout: Duration,
    /// The last activity while enrolling.
    active_since: Option<Instant>,
}

impl Enrolment {
    pub fn new(timeout: Duration) -> Self {
        Enrolment {
            timeout,
            active_since: None,
        }
    }

    pub fn is_active(&self, now: Instant) -> bool {
        self.active_since
            .is_some_and(|t| now.duration_since(t) <= self.timeout)
    }

    pub fn master_card(&mut self, now: Instant) -> EnrolmentEvent {
        if self.is_active(now) {
            self.active_since = None;
            EnrolmentEvent::Ended
        } else {
            self.active_since = Some(now);
            EnrolmentEvent::Started
        }
    }

    /// Another card was presented.
    pub fn card(&mut self, value: u64, now: Instant) -> EnrolmentEvent {
        match self.active_since {
            None => EnrolmentEvent::NotEnrolling,
            Some(_) if !self.is_active(now) => {
                self.active_since = None;
                EnrolmentEvent::TimedOut
            }
            Some(_) => {
                // Each enrolled card gives the installer another full timeout.
                self.active_since = Some(now);
                EnrolmentEvent::Enrol(value)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn master_card_brackets_enrolment() {
        let t = Instant::now();
        let s = Duration::from_secs;
        let mut e = Enrolment::new(s(30));
        assert_eq!(e.card(1, t), EnrolmentEvent::NotEnrolling);
        assert_eq!(e.master_card(t), EnrolmentEvent::Started);
        assert_eq!(e.card(1, t + s(10)), EnrolmentEvent::Enrol(1));
        // The timeout runs from the last card.
        assert_eq!(e.card(2, t + s(35)), EnrolmentEvent::Enrol(2));
        assert_eq!(e.master_card(t + s(40)), EnrolmentEvent::Ended);
        assert_eq!(e.card(3, t + s(41)), EnrolmentEvent::NotEnrolling);
    }

    #[test]
    fn timeout_ends_enrolment() {
        let t = Instant::now();
        let s = Duration::from_secs;
        let mut e = Enrolment::new(s(30));
        e.master_card(t);
        assert_eq!(e.card(1, t + s(31)), EnrolmentEvent::TimedOut);
        assert_eq!(e.card(1, t + s(32)), EnrolmentEvent::NotEnrolling);
        // The master card after a timeout starts a new enrolment.
        e.master_card(t + s(100));
        assert_eq!(e.master_card(t + s(200)), EnrolmentEvent::Started);
    }
}
