//! The configuration file, as any text: reading it never panics; an error
//! names the file and, when it names a line, a line of the text; a file that
//! is accepted gives readers, locks and rules that work, also at the limits
//! of their values (a keypad locked out, enrolment timing out).
#![no_main]

use latchd::config::{Config, MAX_OPEN_TIME_MS};
use latchd::domain::enrolment::Enrolment;
use latchd::domain::keypad::{Key, Keypad, KeypadEvent};
use latchd::domain::number;
use latchd::domain::reader::ReaderKind;
use libfuzzer_sys::fuzz_target;
use std::path::Path;
use std::time::{Duration, Instant};

const PATH: &str = "/etc/latchd/latchd.toml";

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let path = Path::new(PATH);
    let config = match Config::parse(path, &text) {
        Err(e) => {
            assert_eq!(e.path, path);
            let shown = e.to_string();
            assert!(shown.starts_with(&format!("{PATH}:")), "{shown}");
            assert!(!e.message.trim().is_empty(), "an error without a message");
            if let Some(line) = e.line {
                let lines = text.matches('\n').count() + 1;
                assert!(
                    (1..=lines).contains(&line),
                    "line {line} of {lines}: {shown}"
                );
                assert!(shown.starts_with(&format!("{PATH}:{line}: ")), "{shown}");
            }
            return;
        }
        Ok(config) => config,
    };
    let dir = config.storage.dir.get_ref();
    assert!(dir.is_absolute(), "storage.dir {dir:?}");
    let rules = config.rules();
    if let Some(code) = &rules.master_code {
        assert!(number::is_decimal(code));
    }
    assert_eq!(
        rules.master_card.is_some(),
        config.panel.master_card.is_some()
    );
    assert!((1..=4096).contains(&rules.face_dimensions));
    assert!((1..=100_000).contains(config.events.keep.get_ref()));
    for lock in &config.lock {
        let lock = lock.get_ref();
        assert!((1..=MAX_OPEN_TIME_MS).contains(lock.open_time_ms.get_ref()));
        let _ = Config::line_of(lock);
    }
    let now = Instant::now();
    for input in &config.input {
        let input = input.get_ref();
        let _ = input.device();
        match input.reader_kind() {
            ReaderKind::Keypad { rules, .. } => {
                // Type a code, then enough wrong codes to be locked out.
                let mut pad = Keypad::new(rules.clone());
                let mut at = now;
                for key in [Key::Digit(4), Key::Digit(7), Key::Submit] {
                    at += Duration::from_millis(100);
                    let _ = pad.key(key, at);
                }
                let mut until = None;
                for _ in 0..rules.max_failures.min(1000) {
                    until = until.or(pad.wrong_code(at));
                }
                if rules.max_failures <= 1000 {
                    let until = until.expect("locked out after max_failures wrong codes");
                    assert!(until >= at);
                    assert!(matches!(
                        pad.key(Key::Digit(1), at),
                        KeypadEvent::LockedOut { .. }
                    ));
                }
            }
            ReaderKind::CardReader(format) => {
                let _ = format.decode("1A026F6C3A");
                let _ = format.decode("111,27706");
            }
            ReaderKind::QrScanner => {}
        }
    }
    let settings = config.enrolment.settings();
    let mut enrolment = Enrolment::new(settings.timeout);
    let _ = enrolment.master_card(now);
    assert!(enrolment.is_active(now));
});
