//! Too many wrong guesses in a window lock a source out for a while: a
//! keypad at the door, or a caller presenting credentials over D-Bus. Time
//! is passed in.
//!
//! A right guess forgives nothing: the failures of the window still count
//! (a guesser who knows one code cannot reset the count with it). A caller
//! whose guesses are decided in parallel is counted in the same step that
//! admits a guess: [`Lockout::admit`] refuses one more once the failures of
//! the window and the guesses still being decided reach the limit, so no
//! number of guesses in flight gets past it.
//!
//! A guesser who paces itself under the window is held by a second, slower
//! limit: at most `per_hour` wrong guesses in any hour (without it, 4 codes
//! a minute never trip a 5-in-60-s lockout and search 10,000 codes in under
//! two days).

use super::identifier::IdentifierType;
use std::collections::VecDeque;
use std::time::{Duration, Instant};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LockoutRules {
    /// This many wrong guesses within `window` lock the source out.
    pub max_failures: usize,
    pub window: Duration,
    pub lockout: Duration,
    /// At most this many wrong guesses in any hour (in any `window`, when
    /// that is longer); reaching it locks the source out until the oldest
    /// of them is an hour old.
    pub per_hour: Option<usize>,
}

/// The window of `per_hour`.
const HOUR: Duration = Duration::from_secs(3600);

impl Default for LockoutRules {
    fn default() -> Self {
        LockoutRules {
            max_failures: 5,
            window: Duration::from_secs(60),
            lockout: Duration::from_secs(300),
            per_hour: None,
        }
    }
}

#[derive(Debug, Clone)]
pub struct Lockout {
    rules: LockoutRules,
    /// Each wrong guess of the window (and of the hour, with `per_hour`):
    /// when, and a tag of what was guessed (None: every failure counts).
    failures: VecDeque<(Instant, Option<u64>)>,
    /// How many of `failures`, from the front, the last lockout paid for:
    /// the window's limit counts only those after them. (By count, not by
    /// time: a lockout of 0 s ends at the instant of the failure that
    /// began it, which must not count again.)
    paid: usize,
    /// Guesses admitted and not yet settled.
    in_flight: usize,
    locked_until: Option<Instant>,
}

impl Lockout {
    pub fn new(rules: LockoutRules) -> Lockout {
        Lockout {
            rules,
            failures: VecDeque::new(),
            paid: 0,
            in_flight: 0,
            locked_until: None,
        }
    }

    /// Takes `rules` in place of the present ones (a reload); what was
    /// counted stays counted.
    pub fn set_rules(&mut self, rules: &LockoutRules) {
        if self.rules != *rules {
            self.rules = rules.clone();
        }
    }

    /// The end of the lockout, while the source is locked out at `now`.
    pub fn locked(&mut self, now: Instant) -> Option<Instant> {
        match self.locked_until {
            Some(until) if now < until => Some(until),
            Some(_) => {
                self.locked_until = None;
                None
            }
            None => None,
        }
    }

    /// Checks and counts in one step: admits one more guess unless the
    /// source is locked out, or the failures of the window plus the
    /// guesses still being decided have reached the limit (then the
    /// answer is the time the caller may try again, at the latest).
    /// Every admitted guess is [`settle`](Self::settle)d once.
    pub fn admit(&mut self, now: Instant) -> Result<(), Instant> {
        if let Some(until) = self.locked(now) {
            return Err(until);
        }
        self.forget_old(now);
        // Not locked out yet: a guess in flight may still be right.
        let (window, in_window) = self.in_window(now);
        if in_window + self.in_flight >= self.rules.max_failures {
            return Err(later(window.unwrap_or(now), self.rules.window));
        }
        if let Some(per_hour) = self.rules.per_hour {
            if self.failures.len() + self.in_flight >= per_hour {
                let oldest = self.failures.front().map_or(now, |(t, _)| *t);
                return Err(later(oldest, HOUR));
            }
        }
        self.in_flight += 1;
        Ok(())
    }

    /// Settles an admitted guess: `denied` with its tag when it was wrong.
    /// Returns the end of the lockout when this one locked the source out.
    pub fn settle(&mut self, now: Instant, denied: Option<u64>) -> Option<Instant> {
        self.in_flight = self.in_flight.saturating_sub(1);
        match denied {
            Some(tag) => self.failed_with(now, Some(tag)),
            None => None,
        }
    }

    /// Reports a wrong code; returns the end of the lockout when this one
    /// locked the source out.
    pub fn failed(&mut self, now: Instant) -> Option<Instant> {
        self.failed_with(now, None)
    }

    /// A wrong guess tagged `tag`: the same tag again while the failures are
    /// kept (the window, or the hour with `per_hour`) is no new guess (a
    /// plate reader sees the same unknown car in many frames) and counts
    /// once.
    fn failed_with(&mut self, now: Instant, tag: Option<u64>) -> Option<Instant> {
        self.forget_old(now);
        if self.locked_until.is_some_and(|until| now < until) {
            // Already locked out: this one changes nothing.
            return None;
        }
        if tag.is_some() && self.failures.iter().any(|(_, t)| *t == tag) {
            return None;
        }
        self.failures.push_back((now, tag));
        let until = if self.in_window(now).1 >= self.rules.max_failures {
            later(now, self.rules.lockout)
        } else if self
            .rules
            .per_hour
            .is_some_and(|n| self.failures.len() >= n)
        {
            let oldest = self.failures.front().map_or(now, |(t, _)| *t);
            later(oldest, HOUR)
        } else {
            return None;
        };
        self.locked_until = Some(until);
        self.paid = self.failures.len();
        Some(until)
    }

    /// The oldest failure the window's limit counts at `now`, and how many
    /// it counts.
    fn in_window(&self, now: Instant) -> (Option<Instant>, usize) {
        let mut counted = self
            .failures
            .iter()
            .skip(self.paid)
            .map(|(t, _)| *t)
            .filter(|t| now.saturating_duration_since(*t) <= self.rules.window);
        let oldest = counted.next();
        (oldest, oldest.map_or(0, |_| 1 + counted.count()))
    }

    /// How long failures are kept: the window, or the hour.
    fn kept(&self) -> Duration {
        match self.rules.per_hour {
            Some(_) => self.rules.window.max(HOUR),
            None => self.rules.window,
        }
    }

    fn forget_old(&mut self, now: Instant) {
        let kept = self.kept();
        while self
            .failures
            .front()
            .is_some_and(|(t, _)| now.saturating_duration_since(*t) > kept)
        {
            self.failures.pop_front();
            self.paid = self.paid.saturating_sub(1);
        }
    }

    /// Whether this holds nothing worth keeping at `now` (no recent wrong
    /// guess, none in flight, no lockout), so a table of sources can
    /// forget it.
    pub fn is_idle(&self, now: Instant) -> bool {
        self.in_flight == 0
            && self.locked_until.is_none_or(|until| now >= until)
            && self
                .failures
                .back()
                .is_none_or(|(t, _)| now.saturating_duration_since(*t) > self.kept())
    }
}

/// How many wrong guesses of each credential type a caller presenting
/// credentials over D-Bus may make (`[auth.present_limits]`). The defaults
/// let a busy plate reader, which sees unknown cars all day, go on (the
/// same plate again counts once), and hold a guesser to a few guesses
/// every five minutes (SECURITY.md has the arithmetic).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PresentLimits([LockoutRules; 6]);

impl PresentLimits {
    /// The limit of `kind` when the configuration sets none.
    pub fn default_for(kind: IdentifierType) -> LockoutRules {
        let rules = |max_failures, window_s, lockout_s, per_hour| LockoutRules {
            max_failures,
            window: Duration::from_secs(window_s),
            lockout: Duration::from_secs(lockout_s),
            per_hour: Some(per_hour),
        };
        match kind {
            // As a keypad's, and 20 an hour for a guesser that paces
            // itself: 10,000 four-digit codes take about three weeks.
            IdentifierType::InputCode => rules(5, 60, 300, 20),
            // Numbers that can be enumerated (a facility's 16-bit range:
            // about 46 days), or that nobody presents wrong ten times a
            // minute.
            IdentifierType::Card
            | IdentifierType::Ukey
            | IdentifierType::Qr
            | IdentifierType::FaceId => rules(10, 60, 300, 60),
            // Unknown cars are denied all day; plates are not secrets.
            IdentifierType::LicensePlate => rules(60, 60, 60, 3600),
        }
    }

    pub fn get(&self, kind: IdentifierType) -> &LockoutRules {
        &self.0[Self::index(kind)]
    }

    pub fn set(&mut self, kind: IdentifierType, rules: LockoutRules) {
        self.0[Self::index(kind)] = rules;
    }

    fn index(kind: IdentifierType) -> usize {
        IdentifierType::ALL
            .iter()
            .position(|k| *k == kind)
            .expect("every type is in ALL")
    }
}

impl Default for PresentLimits {
    fn default() -> Self {
        PresentLimits(IdentifierType::ALL.map(Self::default_for))
    }
}

/// `now + d`, or when that is past what an `Instant` holds, the latest
/// time it holds after `now` (to within half of `d`): a lockout configured
/// longer than the clock lasts as long as it can.
fn later(now: Instant, mut d: Duration) -> Instant {
    loop {
        if let Some(t) = now.checked_add(d) {
            return t;
        }
        d /= 2;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locks_out_after_failures_in_the_window_and_lifts() {
        let t = Instant::now();
        let s = Duration::from_secs;
        let mut l = Lockout::new(LockoutRules {
            max_failures: 3,
            window: s(60),
            lockout: s(300),
            per_hour: None,
        });
        assert_eq!(l.failed(t), None);
        assert_eq!(l.failed(t + s(70)), None, "the first one left the window");
        assert_eq!(l.failed(t + s(80)), None);
        assert_eq!(l.failed(t + s(90)), Some(t + s(390)));
        assert_eq!(l.locked(t + s(389)), Some(t + s(390)));
        assert!(!l.is_idle(t + s(389)));
        assert_eq!(l.locked(t + s(390)), None);
        assert_eq!(l.failed(t + s(401)), None);
        assert_eq!(l.failed(t + s(402)), None);
        assert!(l.is_idle(t + s(500)));
    }

    /// A lockout of 0 s ends at the instant of the failure that began it;
    /// that failure was paid for and does not count again (found by
    /// fuzz/fuzz_targets/card_and_keys.rs).
    #[test]
    fn a_lockout_of_no_time_pays_for_its_failures() {
        let t = Instant::now();
        let s = Duration::from_secs;
        let mut l = Lockout::new(LockoutRules {
            max_failures: 2,
            window: s(60),
            lockout: s(0),
            per_hour: None,
        });
        assert_eq!(l.failed(t), None);
        assert_eq!(l.failed(t + s(1)), Some(t + s(1)));
        assert_eq!(l.failed(t + s(2)), None, "one new failure, not two");
        assert_eq!(l.failed(t + s(3)), Some(t + s(3)));
    }

    fn rules(max_failures: usize) -> LockoutRules {
        LockoutRules {
            max_failures,
            window: Duration::from_secs(60),
            lockout: Duration::from_secs(300),
            per_hour: None,
        }
    }

    /// A guesser that paces itself under the window (4 a minute never trips
    /// 5 in 60 s) is held to `per_hour`.
    #[test]
    fn a_paced_guesser_is_held_to_the_hourly_limit() {
        let t = Instant::now();
        let mut l = Lockout::new(LockoutRules {
            per_hour: Some(20),
            ..rules(5)
        });
        let mut decided = 0u64;
        // One guess every 16 s for two hours.
        for n in 0..450u64 {
            let now = t + Duration::from_secs(16 * n);
            if l.admit(now).is_ok() {
                decided += 1;
                l.settle(now, Some(n));
            }
        }
        assert!((40..=41).contains(&decided), "20 an hour: {decided}");
        // Without the hourly limit it would have been every one of them.
        let mut l = Lockout::new(rules(5));
        let all = (0..450u64)
            .filter(|n| {
                let now = t + Duration::from_secs(16 * n);
                let ok = l.admit(now).is_ok();
                if ok {
                    l.settle(now, Some(*n));
                }
                ok
            })
            .count();
        assert_eq!(all, 450);
    }

    /// Wrong guesses between right ones still lock the source out: a right
    /// guess forgives none of the window's failures.
    #[test]
    fn a_right_guess_forgives_nothing() {
        let t = Instant::now();
        let mut l = Lockout::new(rules(5));
        let mut locked_at = None;
        for n in 0..20u64 {
            let now = t + Duration::from_millis(n);
            if l.admit(now).is_err() {
                locked_at = Some(n);
                break;
            }
            // Every fifth guess is the code the guesser knows.
            let wrong = n % 5 != 4;
            l.settle(now, wrong.then_some(n));
        }
        // Four wrong, one right, then the fifth wrong one locks.
        assert_eq!(locked_at, Some(6));
    }

    /// Guesses in flight are counted when admitted: with 40 admitted at
    /// once, only as many as the limit are decided.
    #[test]
    fn guesses_in_flight_are_counted_when_admitted() {
        let t = Instant::now();
        let mut l = Lockout::new(rules(5));
        let admitted = (0..40).filter(|_| l.admit(t).is_ok()).count();
        assert_eq!(admitted, 5);
        // One of them was right: the others still count, one more may come.
        assert_eq!(l.settle(t, None), None);
        for tag in 0..4 {
            assert_eq!(l.settle(t, Some(tag)), None);
        }
        assert!(l.admit(t).is_ok());
        assert_eq!(l.settle(t, Some(4)), Some(t + Duration::from_secs(300)));
        assert_eq!(l.admit(t), Err(t + Duration::from_secs(300)));
        assert!(!l.is_idle(t));
    }

    /// New rules hold at once for a source already counted.
    #[test]
    fn new_rules_hold_for_a_source_already_counted() {
        let t = Instant::now();
        let mut l = Lockout::new(rules(5));
        for tag in 0..2 {
            l.admit(t).unwrap();
            assert_eq!(l.settle(t, Some(tag)), None);
        }
        l.set_rules(&rules(2));
        assert!(l.admit(t).is_err(), "two wrong ones reach the new limit");
    }

    /// The same wrong credential again in the window is no new guess.
    #[test]
    fn the_same_wrong_guess_counts_once() {
        let t = Instant::now();
        let mut l = Lockout::new(rules(3));
        for _ in 0..100 {
            l.admit(t).unwrap();
            assert_eq!(l.settle(t, Some(7)), None);
        }
        l.admit(t).unwrap();
        assert_eq!(l.settle(t, Some(8)), None);
        l.admit(t).unwrap();
        assert!(l.settle(t, Some(9)).is_some());
    }

    /// The configuration takes any `lockout_s` TOML can hold; a lockout
    /// ending past what an `Instant` holds panicked (found by fuzzing).
    #[test]
    fn a_lockout_beyond_the_clock_lasts_as_long_as_it_can() {
        let t = Instant::now();
        let mut l = Lockout::new(LockoutRules {
            max_failures: 1,
            window: Duration::from_secs(60),
            lockout: Duration::from_secs(i64::MAX as u64),
            per_hour: None,
        });
        let until = l.failed(t).expect("locked out");
        let years = Duration::from_secs(1000 * 365 * 86400);
        assert!(until > t + years);
        assert_eq!(l.locked(t + years), Some(until));
    }
}
