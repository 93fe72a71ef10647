//! What a reader is: a keypad with its rules and keys, a card reader with its
//! format, or a QR scanner. Built from the configuration, used by
//! `access::readers`.

use super::card_format::CardFormat;
use super::keypad::KeypadRules;
use super::typing::Typed;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReaderKind {
    Keypad {
        rules: KeypadRules,
        /// Keys that submit the code typed so far.
        submit: Vec<Typed>,
        /// Keys that clear it.
        clear: Vec<Typed>,
    },
    CardReader(CardFormat),
    QrScanner,
}
