//! The PIN keypad as a state machine over keys and time: digits collect,
//! submit keys hand the code over, clear keys and pauses discard it, and too
//! many wrong codes in a window lock the keypad out (a right code between
//! them forgives none). Time is passed in, so
//! tests script key sequences with exact times.

use super::lockout::{Lockout, LockoutRules};
use std::time::{Duration, Instant};

/// A key as the keypad logic sees it (the evdev key codes are mapped by the
/// input layer, from the reader's configured submit and clear keys).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Key {
    Digit(u8),
    Submit,
    Clear,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeypadRules {
    /// A pause longer than this discards the digits typed so far.
    pub inter_key_timeout: Duration,
    /// Codes longer than this are discarded at the extra digit.
    pub max_length: usize,
    /// This many wrong codes within `failure_window` lock the keypad out.
    pub max_failures: usize,
    pub failure_window: Duration,
    pub lockout: Duration,
}

impl Default for KeypadRules {
    fn default() -> Self {
        KeypadRules {
            inter_key_timeout: Duration::from_secs(5),
            max_length: 10,
            max_failures: 5,
            failure_window: Duration::from_secs(60),
            lockout: Duration::from_secs(300),
        }
    }
}

/// What a key press leads to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeypadEvent {
    /// Nothing to do yet.
    Pending,
    /// A code to decide on. Never log it.
    Code(String),
    /// The keypad is locked out until the given time; the key was ignored.
    LockedOut { until: Instant },
}

#[derive(Debug)]
pub struct Keypad {
    rules: KeypadRules,
    digits: String,
    last_key: Option<Instant>,
    /// Discarded because the code grew too long; the rest until a submit or clear is ignored.
    overflowed: bool,
    lockout: Lockout,
}

impl Keypad {
    pub fn new(rules: KeypadRules) -> Self {
        let lockout = Lockout::new(LockoutRules {
            max_failures: rules.max_failures,
            window: rules.failure_window,
            lockout: rules.lockout,
            per_hour: None,
        });
        Keypad {
            rules,
            digits: String::new(),
            last_key: None,
            overflowed: false,
            lockout,
        }
    }

    pub fn key(&mut self, key: Key, now: Instant) -> KeypadEvent {
        if let Some(until) = self.lockout.locked(now) {
            self.reset();
            return KeypadEvent::LockedOut { until };
        }
        if self
            .last_key
            .is_some_and(|last| now.duration_since(last) > self.rules.inter_key_timeout)
        {
            self.reset();
        }
        self.last_key = Some(now);
        match key {
            Key::Digit(d) => {
                if self.digits.len() >= self.rules.max_length {
                    self.digits.clear();
                    self.overflowed = true;
                } else if !self.overflowed {
                    self.digits.push(char::from(b'0' + d.min(9)));
                }
                KeypadEvent::Pending
            }
            Key::Clear => {
                self.reset();
                KeypadEvent::Pending
            }
            Key::Submit => {
                let code = std::mem::take(&mut self.digits);
                let overflowed = std::mem::take(&mut self.overflowed);
                if code.is_empty() || overflowed {
                    KeypadEvent::Pending
                } else {
                    KeypadEvent::Code(code)
                }
            }
        }
    }

    /// Reports a denied code; returns the end of the lockout when this one
    /// locked the keypad out.
    pub fn wrong_code(&mut self, now: Instant) -> Option<Instant> {
        self.lockout.failed(now)
    }

    fn reset(&mut self) {
        self.digits.clear();
        self.overflowed = false;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ms(n: u64) -> Duration {
        Duration::from_millis(n)
    }

    /// Types `keys` (digits, `#` submit, `*` clear) 100 ms apart from `start`.
    fn type_keys(pad: &mut Keypad, keys: &str, start: Instant) -> Vec<KeypadEvent> {
        keys.chars()
            .enumerate()
            .map(|(i, c)| {
                let key = match c {
                    '#' => Key::Submit,
                    '*' => Key::Clear,
                    d => Key::Digit(d.to_digit(10).unwrap() as u8),
                };
                pad.key(key, start + ms(100 * i as u64))
            })
            .filter(|e| *e != KeypadEvent::Pending)
            .collect()
    }

    #[test]
    fn code_then_submit() {
        let mut pad = Keypad::new(KeypadRules::default());
        let t = Instant::now();
        assert_eq!(
            type_keys(&mut pad, "4711#", t),
            vec![KeypadEvent::Code("4711".into())]
        );
        // Leading zeros are kept: 0123 and 123 are different codes.
        assert_eq!(
            type_keys(&mut pad, "0123#", t + ms(1000)),
            vec![KeypadEvent::Code("0123".into())]
        );
        // An empty submit is nothing.
        assert_eq!(type_keys(&mut pad, "#", t + ms(2000)), vec![]);
    }

    #[test]
    fn clear_discards() {
        let mut pad = Keypad::new(KeypadRules::default());
        let t = Instant::now();
        assert_eq!(
            type_keys(&mut pad, "99*4711#", t),
            vec![KeypadEvent::Code("4711".into())]
        );
    }

    #[test]
    fn pause_discards_partial_code() {
        let mut pad = Keypad::new(KeypadRules::default());
        let t = Instant::now();
        pad.key(Key::Digit(9), t);
        pad.key(Key::Digit(9), t + ms(100));
        // 5.1 s later: the 99 is gone.
        let later = t + ms(5200);
        assert_eq!(
            type_keys(&mut pad, "12#", later),
            vec![KeypadEvent::Code("12".into())]
        );
        // Exactly at the timeout still counts as typing on.
        pad.key(Key::Digit(1), later + ms(1000));
        pad.key(Key::Digit(2), later + ms(6000));
        assert_eq!(
            pad.key(Key::Submit, later + ms(6100)),
            KeypadEvent::Code("12".into())
        );
    }

    #[test]
    fn too_long_is_discarded_until_submit() {
        let rules = KeypadRules {
            max_length: 4,
            ..KeypadRules::default()
        };
        let mut pad = Keypad::new(rules);
        let t = Instant::now();
        assert_eq!(type_keys(&mut pad, "12345#", t), vec![]);
        assert_eq!(
            type_keys(&mut pad, "1234#", t + ms(1000)),
            vec![KeypadEvent::Code("1234".into())]
        );
    }

    #[test]
    fn lockout_after_wrong_codes_in_window() {
        let rules = KeypadRules {
            max_failures: 3,
            failure_window: Duration::from_secs(60),
            lockout: Duration::from_secs(300),
            ..KeypadRules::default()
        };
        let mut pad = Keypad::new(rules);
        let t = Instant::now();
        assert_eq!(pad.wrong_code(t), None);
        assert_eq!(pad.wrong_code(t + Duration::from_secs(10)), None);
        let until = pad
            .wrong_code(t + Duration::from_secs(20))
            .expect("third wrong code locks out");
        assert_eq!(until, t + Duration::from_secs(320));
        // Keys during the lockout are refused and do not collect.
        let during = t + Duration::from_secs(100);
        assert_eq!(
            pad.key(Key::Digit(1), during),
            KeypadEvent::LockedOut { until }
        );
        assert_eq!(
            pad.key(Key::Submit, during),
            KeypadEvent::LockedOut { until }
        );
        // After it, the keypad works again.
        let after = t + Duration::from_secs(321);
        assert_eq!(
            type_keys(&mut pad, "4711#", after),
            vec![KeypadEvent::Code("4711".into())]
        );
    }

    #[test]
    fn wrong_codes_outside_window_do_not_add_up() {
        let rules = KeypadRules {
            max_failures: 3,
            ..KeypadRules::default()
        };
        let mut pad = Keypad::new(rules);
        let t = Instant::now();
        assert_eq!(pad.wrong_code(t), None);
        assert_eq!(pad.wrong_code(t + Duration::from_secs(30)), None);
        // The first is more than 60 s old by now.
        assert_eq!(pad.wrong_code(t + Duration::from_secs(61)), None);
        assert!(pad.wrong_code(t + Duration::from_secs(62)).is_some());
    }
}
