//! Card formats and key events. The input is a keypad's rules (26 bytes:
//! inter-key timeout in ms, lockout and failure window in s, each a
//! little-endian u64 limited to what the configuration accepts; the maximum
//! length and the failures allowed, a byte each), then key events of 4 bytes
//! (code as a little-endian u16, value, milliseconds since the last event
//! in tens).
//!
//! - `CardFormat::decode` of the whole input as text and of every line a
//!   reader types, under every base, byte order, width and type: never
//!   panics, keeps only the bits asked for, and the number it looks up is a
//!   number of its type in canonical form (so a stored card can match it).
//! - The key events through `Typist` into a reader's `Line`: lines are never
//!   longer than their maximum nor empty.
//! - The same events through the `Keypad` state machine as a keypad reader
//!   maps them: codes are digits within the maximum length; a lockout starts
//!   after the failures allowed and refuses keys until it ends.
#![no_main]

use latchd::domain::card_format::{Base, ByteOrder, CardFormat};
use latchd::domain::identifier::IdentifierType;
use latchd::domain::keypad::{Key, Keypad, KeypadEvent, KeypadRules};
use latchd::domain::typing::{Line, Typed, Typist};
use libfuzzer_sys::fuzz_target;
use std::time::{Duration, Instant};

const HEADER: usize = 26;
/// The largest integer a TOML configuration can hold.
const CONFIG_MAX: u64 = i64::MAX as u64;

fn formats() -> Vec<CardFormat> {
    let mut all = Vec::new();
    for base in [Base::Decimal, Base::Hex, Base::FacilityCard] {
        for byte_order in [ByteOrder::MsbFirst, ByteOrder::LsbFirst] {
            for (n, bits) in [1, 16, 24, 26, 32, 56, 63, 64].into_iter().enumerate() {
                // Both types read numbers alike.
                let yields = [IdentifierType::Card, IdentifierType::Ukey][n % 2];
                all.push(CardFormat {
                    base,
                    byte_order,
                    bits,
                    yields,
                });
            }
        }
    }
    all
}

fn decode_everywhere(formats: &[CardFormat], typed: &str) {
    for format in formats {
        let decoded = format.decode(typed);
        let looked_up = format.lookup_number(typed);
        let Some(value) = decoded else {
            assert_eq!(looked_up, None);
            continue;
        };
        if format.bits < 64 {
            assert!(
                value < 1u64 << format.bits,
                "{value} wider than {} bits",
                format.bits
            );
        }
        if format.base == Base::Decimal {
            assert!(typed.trim().bytes().all(|b| b.is_ascii_digit()));
        }
        let number = looked_up.unwrap();
        assert_eq!(
            format.yields.canonical(&number),
            Some(value.to_string()),
            "{typed:?} read by {format:?} is looked up as {number:?}, which no stored {} matches",
            format.yields.as_str()
        );
    }
}

fn u64_at(data: &[u8], at: usize) -> u64 {
    u64::from_le_bytes(data[at..at + 8].try_into().unwrap()).min(CONFIG_MAX)
}

fuzz_target!(|data: &[u8]| {
    let formats = formats();
    // As typed text: a reader's lines are at most 512 characters.
    decode_everywhere(
        &formats,
        &String::from_utf8_lossy(&data[..data.len().min(600)]),
    );

    let mut header = [0u8; HEADER];
    let n = data.len().min(HEADER);
    header[..n].copy_from_slice(&data[..n]);
    let events = &data[n..];
    let rules = KeypadRules {
        inter_key_timeout: Duration::from_millis(u64_at(&header, 0)),
        lockout: Duration::from_secs(u64_at(&header, 8)),
        failure_window: Duration::from_secs(u64_at(&header, 16)),
        // As the configuration clamps them.
        max_length: (header[24] as usize).clamp(1, 64),
        max_failures: (header[25] as usize).max(1),
    };

    let mut typist = Typist::default();
    let mut short = Line::new(8);
    let mut long = Line::new(512);
    let mut pad = Keypad::new(rules.clone());
    let mut now = Instant::now();
    let mut failures = 0;
    let mut first_failure = now;
    let mut locked_until: Option<Instant> = None;
    for event in events.chunks_exact(4) {
        let code = u16::from_le_bytes([event[0], event[1]]);
        let value = event[2] as i32 % 4 - 1;
        now += Duration::from_millis(10 * event[3] as u64);
        let Some(typed) = typist.key(code, value) else {
            continue;
        };
        for (line, max) in [(&mut short, 8), (&mut long, 512)] {
            if let Some(text) = line.typed(typed) {
                assert!(
                    !text.is_empty() && text.len() <= max,
                    "{text:?} in a line of {max}"
                );
                decode_everywhere(&formats, &text);
            }
        }
        // A keypad reader's mapping with its default keys.
        let key = match typed {
            Typed::Enter | Typed::Char('#') => Key::Submit,
            Typed::Escape | Typed::Char('*') => Key::Clear,
            Typed::Char(c @ '0'..='9') => Key::Digit(c as u8 - b'0'),
            _ => continue,
        };
        match pad.key(key, now) {
            KeypadEvent::Pending => {}
            KeypadEvent::LockedOut { until } => {
                assert!(until > now);
                assert_eq!(Some(until), locked_until);
            }
            KeypadEvent::Code(code) => {
                assert!(
                    locked_until.is_none_or(|until| now >= until),
                    "a code while locked out"
                );
                assert!(!code.is_empty() && code.len() <= rules.max_length);
                assert!(code.bytes().all(|b| b.is_ascii_digit()));
                // Codes ending in 0 are right (and forgive no wrong one),
                // the others wrong.
                if !code.ends_with('0') {
                    failures += 1;
                    if failures == 1 {
                        first_failure = now;
                    }
                    // Wrong codes still in the window are at most those counted here.
                    match pad.wrong_code(now) {
                        Some(until) => {
                            assert!(failures >= rules.max_failures);
                            assert!(until >= now);
                            locked_until = Some(until);
                            failures = 0;
                        }
                        // When none has left the window, all of them count.
                        None if now.duration_since(first_failure) <= rules.failure_window => {
                            assert!(failures < rules.max_failures)
                        }
                        None => {}
                    }
                }
            }
        }
    }
});
