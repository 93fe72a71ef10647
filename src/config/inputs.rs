//! `[[input]]` and `[enrolment]`: the keypads, card readers and QR
//! scanners, and what cards enrolled through a reader get.

use super::{ConfigError, Source};
use crate::domain::card_format::{Base, ByteOrder, CardFormat};
use crate::domain::enrolment::EnrolmentSettings;
use crate::domain::identifier::{IdentifierType, LockChoice};
use crate::domain::keypad::KeypadRules;
use crate::domain::reader::ReaderKind;
use crate::domain::typing::Typed;
use crate::hardware::input::DeviceMatch;
use serde::Deserialize;
use std::path::PathBuf;
use std::time::Duration;
use toml::Spanned;

/// A keypad, card reader or QR scanner (a Linux input device). Keys that
/// belong to another kind of reader are refused.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InputConfig {
    pub kind: Spanned<InputKind>,
    /// A stable path such as /dev/input/by-id/usb-...-event-kbd.
    pub path: Option<PathBuf>,
    /// Or the device's name and/or `vendor:product` (hex, as lsusb shows).
    pub name: Option<String>,
    pub vendor_product: Option<Spanned<String>>,
    /// The same credential from this device within this time is read once.
    #[serde(default = "default_debounce")]
    pub debounce_ms: u64,
    // Keypads.
    pub inter_key_timeout_ms: Option<Spanned<u64>>,
    pub max_length: Option<Spanned<usize>>,
    pub max_failures: Option<Spanned<usize>>,
    pub failure_window_s: Option<Spanned<u64>>,
    pub lockout_s: Option<Spanned<u64>>,
    /// Keys that submit (`enter`, `#`) and clear (`escape`, `*`).
    pub submit: Option<Spanned<Vec<KeyName>>>,
    pub clear: Option<Spanned<Vec<KeyName>>>,
    // Card readers.
    /// `decimal`, `hex` or `facility_card` (`FFF,CCCCC`).
    pub format: Option<Spanned<Base>>,
    /// `msb_first` or `lsb_first`.
    pub byte_order: Option<Spanned<ByteOrder>>,
    /// Keep the low bits (1 to 64).
    pub bits: Option<Spanned<u32>>,
    /// `card` or `ukey`.
    pub identifier_type: Option<Spanned<CardType>>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InputKind {
    Keypad,
    CardReader,
    QrScanner,
}

choice!(InputKind, |v| format!("input kind {v:?} must be \"keypad\", \"card_reader\" or \"qr_scanner\""), {
    "keypad" => InputKind::Keypad,
    "card_reader" => InputKind::CardReader,
    "qr_scanner" => InputKind::QrScanner,
});

impl InputKind {
    pub fn as_str(self) -> &'static str {
        match self {
            InputKind::Keypad => "keypad",
            InputKind::CardReader => "card_reader",
            InputKind::QrScanner => "qr_scanner",
        }
    }
}

/// A keypad key that submits or clears.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyName {
    Enter,
    Escape,
    Hash,
    Star,
}

choice!(KeyName, |v| format!("key {v:?} must be \"enter\", \"escape\", \"#\" or \"*\""), {
    "enter" => KeyName::Enter,
    "escape" => KeyName::Escape,
    "#" => KeyName::Hash,
    "*" => KeyName::Star,
});

impl KeyName {
    fn typed(self) -> Typed {
        match self {
            KeyName::Enter => Typed::Enter,
            KeyName::Escape => Typed::Escape,
            KeyName::Hash => Typed::Char('#'),
            KeyName::Star => Typed::Char('*'),
        }
    }
}

choice!(Base, |v| { let _ = v; "format must be one of decimal, hex, facility_card" }, {
    "decimal" => Base::Decimal,
    "hex" => Base::Hex,
    "facility_card" => Base::FacilityCard,
});

choice!(ByteOrder, |v| { let _ = v; "byte_order must be one of msb_first, lsb_first" }, {
    "msb_first" => ByteOrder::MsbFirst,
    "lsb_first" => ByteOrder::LsbFirst,
});

/// What a card reader's cards are stored as.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CardType {
    Card,
    Ukey,
}

choice!(CardType, |v| { let _ = v; "identifier_type must be one of card, ukey" }, {
    "card" => CardType::Card,
    "ukey" => CardType::Ukey,
});

/// What enrolled cards open.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EnrolmentLock(pub LockChoice);

choice!(EnrolmentLock, |v| { let _ = v; "enrolment.lock must be \"first\", \"second\" or \"all\"" }, {
    "first" => EnrolmentLock(LockChoice::First),
    "second" => EnrolmentLock(LockChoice::Second),
    "all" => EnrolmentLock(LockChoice::All),
});

fn default_debounce() -> u64 {
    2000
}

/// Cards added by master card enrolment.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EnrolmentConfig {
    #[serde(default = "default_enrolled_owner")]
    pub owner_name: String,
    #[serde(default = "default_enrolled_lock")]
    pub lock: EnrolmentLock,
    #[serde(default = "default_enrolment_timeout")]
    pub timeout_s: u64,
}

fn default_enrolled_owner() -> String {
    "Enrolled card".into()
}
fn default_enrolled_lock() -> EnrolmentLock {
    EnrolmentLock(LockChoice::First)
}
fn default_enrolment_timeout() -> u64 {
    30
}

impl Default for EnrolmentConfig {
    fn default() -> Self {
        EnrolmentConfig {
            owner_name: default_enrolled_owner(),
            lock: default_enrolled_lock(),
            timeout_s: default_enrolment_timeout(),
        }
    }
}

/// `"ffff:0035"` as (vendor, product).
pub fn parse_vendor_product(text: &str) -> Option<(u16, u16)> {
    let (v, p) = text.split_once(':')?;
    if v.len() != 4 || p.len() != 4 {
        return None;
    }
    Some((
        u16::from_str_radix(v, 16).ok()?,
        u16::from_str_radix(p, 16).ok()?,
    ))
}

/// An input's keys fit its kind, and it names a device.
pub(super) fn check(input: &Spanned<InputConfig>, src: &Source) -> Result<(), ConfigError> {
    let i = input.get_ref();
    if let Some((key, span)) = i.keys_of_other_kinds().into_iter().next() {
        return Err(src.at(
            span,
            format!(
                "`{key}` does not apply to a {} input",
                i.kind.get_ref().as_str()
            ),
        ));
    }
    if let Some(bits) = &i.bits {
        if !(1..=64).contains(bits.get_ref()) {
            return Err(src.at(bits.span(), "bits must be 1 to 64".into()));
        }
    }
    if i.path.is_none() && i.name.is_none() && i.vendor_product.is_none() {
        return Err(src.at(
            input.span(),
            "an input needs `path`, or `name` and/or `vendor_product`".into(),
        ));
    }
    if let Some(vp) = &i.vendor_product {
        if parse_vendor_product(vp.get_ref()).is_none() {
            return Err(src.at(
                vp.span(),
                "vendor_product must be like \"ffff:0035\"".into(),
            ));
        }
    }
    Ok(())
}

impl InputConfig {
    /// The keys given that belong to another kind of reader, with their places.
    fn keys_of_other_kinds(&self) -> Vec<(&'static str, std::ops::Range<usize>)> {
        let keypad = [
            (
                "inter_key_timeout_ms",
                self.inter_key_timeout_ms.as_ref().map(Spanned::span),
            ),
            ("max_length", self.max_length.as_ref().map(Spanned::span)),
            (
                "max_failures",
                self.max_failures.as_ref().map(Spanned::span),
            ),
            (
                "failure_window_s",
                self.failure_window_s.as_ref().map(Spanned::span),
            ),
            ("lockout_s", self.lockout_s.as_ref().map(Spanned::span)),
            ("submit", self.submit.as_ref().map(Spanned::span)),
            ("clear", self.clear.as_ref().map(Spanned::span)),
        ];
        let card_reader = [
            ("format", self.format.as_ref().map(Spanned::span)),
            ("byte_order", self.byte_order.as_ref().map(Spanned::span)),
            ("bits", self.bits.as_ref().map(Spanned::span)),
            (
                "identifier_type",
                self.identifier_type.as_ref().map(Spanned::span),
            ),
        ];
        let foreign: Vec<_> = match self.kind.get_ref() {
            InputKind::Keypad => card_reader.into_iter().collect(),
            InputKind::CardReader => keypad.into_iter().collect(),
            InputKind::QrScanner => keypad.into_iter().chain(card_reader).collect(),
        };
        foreign
            .into_iter()
            .filter_map(|(key, span)| Some((key, span?)))
            .collect()
    }

    /// The reader this input is (the config has been checked).
    pub fn reader_kind(&self) -> ReaderKind {
        fn keys(list: &Option<Spanned<Vec<KeyName>>>, default: [Typed; 2]) -> Vec<Typed> {
            match list {
                None => default.to_vec(),
                Some(list) => list.get_ref().iter().map(|k| k.typed()).collect(),
            }
        }
        fn value<T: Copy>(field: &Option<Spanned<T>>) -> Option<T> {
            field.as_ref().map(|v| *v.get_ref())
        }
        match self.kind.get_ref() {
            InputKind::Keypad => {
                let d = KeypadRules::default();
                ReaderKind::Keypad {
                    rules: KeypadRules {
                        inter_key_timeout: value(&self.inter_key_timeout_ms)
                            .map_or(d.inter_key_timeout, Duration::from_millis),
                        max_length: value(&self.max_length).unwrap_or(d.max_length).clamp(1, 64),
                        max_failures: value(&self.max_failures).unwrap_or(d.max_failures).max(1),
                        failure_window: value(&self.failure_window_s)
                            .map_or(d.failure_window, Duration::from_secs),
                        lockout: value(&self.lockout_s).map_or(d.lockout, Duration::from_secs),
                    },
                    submit: keys(&self.submit, [Typed::Enter, Typed::Char('#')]),
                    clear: keys(&self.clear, [Typed::Escape, Typed::Char('*')]),
                }
            }
            InputKind::CardReader => ReaderKind::CardReader(CardFormat {
                base: value(&self.format).unwrap_or(Base::Decimal),
                byte_order: value(&self.byte_order).unwrap_or(ByteOrder::MsbFirst),
                bits: value(&self.bits).unwrap_or(64),
                yields: match value(&self.identifier_type) {
                    Some(CardType::Ukey) => IdentifierType::Ukey,
                    Some(CardType::Card) | None => IdentifierType::Card,
                },
            }),
            InputKind::QrScanner => ReaderKind::QrScanner,
        }
    }

    /// Which device to read.
    pub fn device(&self) -> DeviceMatch {
        DeviceMatch {
            path: self.path.clone(),
            name: self.name.clone(),
            vendor_product: self
                .vendor_product
                .as_ref()
                .and_then(|vp| parse_vendor_product(vp.get_ref())),
        }
    }
}

impl EnrolmentConfig {
    pub fn settings(&self) -> EnrolmentSettings {
        EnrolmentSettings {
            owner_name: self.owner_name.clone(),
            lock: self.lock.0,
            timeout: Duration::from_secs(self.timeout_s),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::tests::parse;

    #[test]
    fn keypad_keys_and_defaults() {
        let c = parse(
            "[[input]]\nkind = \"keypad\"\nname = \"k\"\nsubmit = [\"enter\"]\nclear = [\"*\", \"escape\"]\nmax_failures = 3\n",
        )
        .unwrap();
        let ReaderKind::Keypad {
            rules,
            submit,
            clear,
        } = c.input[0].get_ref().reader_kind()
        else {
            panic!("not a keypad");
        };
        assert_eq!(submit, vec![Typed::Enter]);
        assert_eq!(clear, vec![Typed::Char('*'), Typed::Escape]);
        assert_eq!(rules.max_failures, 3);
        assert_eq!(c.enrolment.settings().lock, LockChoice::First);
        let qr =
            parse("[[input]]\nkind = \"qr_scanner\"\nvendor_product = \"ffff:0035\"\n").unwrap();
        assert_eq!(qr.input[0].get_ref().reader_kind(), ReaderKind::QrScanner);
        assert_eq!(
            qr.input[0].get_ref().device().vendor_product,
            Some((0xffff, 0x35))
        );
    }
}
