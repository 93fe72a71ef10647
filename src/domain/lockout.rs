//! Too many wrong codes in a window lock a source out for a while: a keypad
//! at the door, or a caller presenting codes over D-Bus. Time is passed in.

use std::collections::VecDeque;
use std::time::{Duration, Instant};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LockoutRules {
    /// This many wrong codes within `window` lock the source out.
    pub max_failures: usize,
    pub window: Duration,
    pub lockout: Duration,
}

impl Default for LockoutRules {
    fn default() -> Self {
        LockoutRules {
            max_failures: 5,
            window: Duration::from_secs(60),
            lockout: Duration::from_secs(300),
        }
    }
}

#[derive(Debug, Clone)]
pub struct Lockout {
    rules: LockoutRules,
    failures: VecDeque<Instant>,
    locked_until: Option<Instant>,
}

impl Lockout {
    pub fn new(rules: LockoutRules) -> Lockout {
        Lockout {
            rules,
            failures: VecDeque::new(),
            locked_until: None,
        }
    }

    /// The end of the lockout, while the source is locked out at `now`.
    pub fn locked(&mut self, now: Instant) -> Option<Instant> {
        match self.locked_until {
            Some(until) if now < until => Some(until),
            Some(_) => {
                self.locked_until = None;
                self.failures.clear();
                None
            }
            None => None,
        }
    }

    /// Reports a wrong code; returns the end of the lockout when this one
    /// locked the source out.
    pub fn failed(&mut self, now: Instant) -> Option<Instant> {
        let window = self.rules.window;
        self.failures.push_back(now);
        while self
            .failures
            .front()
            .is_some_and(|t| now.duration_since(*t) > window)
        {
            self.failures.pop_front();
        }
        if self.failures.len() >= self.rules.max_failures {
            let until = later(now, self.rules.lockout);
            self.locked_until = Some(until);
            self.failures.clear();
            Some(until)
        } else {
            None
        }
    }

    /// A right code clears the count of wrong ones.
    pub fn succeeded(&mut self) {
        self.failures.clear();
    }

    /// Whether this holds nothing worth keeping at `now` (no recent wrong
    /// code, no lockout), so a table of sources can forget it.
    pub fn is_idle(&self, now: Instant) -> bool {
        self.locked_until.is_none_or(|until| now >= until)
            && self
                .failures
                .back()
                .is_none_or(|t| now.duration_since(*t) > self.rules.window)
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
        });
        assert_eq!(l.failed(t), None);
        assert_eq!(l.failed(t + s(70)), None, "the first one left the window");
        assert_eq!(l.failed(t + s(80)), None);
        assert_eq!(l.failed(t + s(90)), Some(t + s(390)));
        assert_eq!(l.locked(t + s(389)), Some(t + s(390)));
        assert!(!l.is_idle(t + s(389)));
        assert_eq!(l.locked(t + s(390)), None);
        l.failed(t + s(400));
        l.succeeded();
        assert_eq!(l.failed(t + s(401)), None);
        assert_eq!(l.failed(t + s(402)), None);
        assert!(l.is_idle(t + s(500)));
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
        });
        let until = l.failed(t).expect("locked out");
        let years = Duration::from_secs(1000 * 365 * 86400);
        assert!(until > t + years);
        assert_eq!(l.locked(t + years), Some(until));
    }
}
