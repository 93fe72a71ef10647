//! How a card reader's typed output maps to a stored card number.
//!
//! Keyboard-wedge readers type the same card in many forms (decimal, hex,
//! `FFF,CCCCC`, least significant byte first, with or without the EM4100
//! version byte). Each reader gets a [`CardFormat`] that turns what it typed
//! into the card's value; the value is then looked up canonically, so it
//! matches however the number was stored (`12:34:56:78` = `305419896`).
//! Test vectors for the forms in the field are in the tests below.

use super::identifier::IdentifierType;
use super::number;

/// How the reader writes the number.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Base {
    /// Decimal digits (`0040856634`).
    Decimal,
    /// Hex digits, optionally separated by `:` or `-` (`026F6C3A`).
    Hex,
    /// Wiegand-26 facility code and card number, `FFF,CCCCC` (`111,27706`):
    /// the value is `facility << 16 | card`.
    FacilityCard,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ByteOrder {
    MsbFirst,
    /// The reader sends the least significant byte first.
    LsbFirst,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CardFormat {
    pub base: Base,
    pub byte_order: ByteOrder,
    /// Keep only the low `bits` bits (1 to 64): 32 drops an EM4100 version
    /// byte, 24 keeps a Wiegand-26 facility code and card number, 16 only the
    /// card number.
    pub bits: u32,
    /// The identifier type the reader yields (`card` or `ukey`).
    pub yields: IdentifierType,
}

impl Default for CardFormat {
    fn default() -> Self {
        CardFormat {
            base: Base::Decimal,
            byte_order: ByteOrder::MsbFirst,
            bits: 64,
            yields: IdentifierType::Card,
        }
    }
}

impl CardFormat {
    /// The card value of what the reader typed, or None when it is not of
    /// this reader's format (a misread, or a reader configured wrongly).
    pub fn decode(&self, typed: &str) -> Option<u64> {
        let typed = typed.trim();
        let (value, bytes) = match self.base {
            Base::Decimal => {
                if typed.is_empty()
                    || typed.len() > 20
                    || !typed.bytes().all(|b| b.is_ascii_digit())
                {
                    return None;
                }
                let v: u64 = typed.parse().ok()?;
                (v, byte_len(v))
            }
            Base::Hex => {
                let digits: String = typed.chars().filter(|c| *c != ':' && *c != '-').collect();
                if digits.is_empty()
                    || digits.len() > 16
                    || !digits.bytes().all(|b| b.is_ascii_hexdigit())
                {
                    return None;
                }
                // The reader's width is what it typed, leading zeros included.
                (
                    u64::from_str_radix(&digits, 16).ok()?,
                    digits.len().div_ceil(2),
                )
            }
            Base::FacilityCard => {
                let (fc, cn) = typed.split_once(',')?;
                let fc: u64 = fc.trim().parse().ok().filter(|f| *f <= 0xff)?;
                let cn: u64 = cn.trim().parse().ok().filter(|c| *c <= 0xffff)?;
                (fc << 16 | cn, 3)
            }
        };
        let value = match self.byte_order {
            ByteOrder::MsbFirst => value,
            ByteOrder::LsbFirst => reverse_bytes(value, bytes),
        };
        Some(if self.bits >= 64 {
            value
        } else {
            value & ((1u64 << self.bits) - 1)
        })
    }

    /// The number to look up: a number of the card type for the value (see
    /// [`number::card_number`]), which finds the card in any stored form.
    pub fn lookup_number(&self, typed: &str) -> Option<String> {
        self.decode(typed).map(number::card_number)
    }
}

fn byte_len(v: u64) -> usize {
    (8 - v.leading_zeros() as usize / 8).max(1)
}

/// Reverses the low `bytes` bytes of `v`.
fn reverse_bytes(v: u64, bytes: usize) -> u64 {
    let bytes = bytes.clamp(1, 8);
    let mut out = 0u64;
    for i in 0..bytes {
        out = (out << 8) | ((v >> (8 * i)) & 0xff);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::identifier::IdentifierType;

    fn fmt(base: Base, order: ByteOrder, bits: u32) -> CardFormat {
        CardFormat {
            base,
            byte_order: order,
            bits,
            yields: IdentifierType::Card,
        }
    }

    /// The forms in which readers in the field type one EM4100 card whose
    /// 32-bit value is 0x026F6C3A (40856634): each decodes to the value the
    /// integrator stored.
    #[test]
    fn em4100_forms() {
        use Base::*;
        use ByteOrder::*;
        let cases: &[(&str, CardFormat, u64)] = &[
            // 10 hex digits: version byte 0x1A plus 32 bits; keep 32.
            ("1A026F6C3A", fmt(Hex, MsbFirst, 32), 0x026F6C3A),
            // 8 hex digits printed as 10 decimal digits: the most common.
            ("0040856634", fmt(Decimal, MsbFirst, 32), 40856634),
            // 6 hex digits as 8 decimal digits: the low 24 bits.
            ("07302202", fmt(Decimal, MsbFirst, 24), 0x6F6C3A),
            ("1A026F6C3A", fmt(Hex, MsbFirst, 24), 0x6F6C3A),
            // `FFF,CCCCC`: facility 111 = 0x6F, card 27706 = 0x6C3A.
            ("111,27706", fmt(FacilityCard, MsbFirst, 24), 7302202),
            // Least significant byte first.
            ("3A6C6F02", fmt(Hex, LsbFirst, 32), 0x026F6C3A),
            ("3a:6c:6f:02", fmt(Hex, LsbFirst, 32), 0x026F6C3A),
            // Lower-case hex and dropped leading zeros read the same.
            ("26f6c3a", fmt(Hex, MsbFirst, 32), 0x026F6C3A),
            ("40856634", fmt(Decimal, MsbFirst, 32), 40856634),
        ];
        for (typed, format, want) in cases {
            assert_eq!(
                format.decode(typed),
                Some(*want),
                "{typed:?} with {format:?}"
            );
        }
    }

    #[test]
    fn wiegand26_facility_and_card() {
        // FC 104, CN 123 is 104 << 16 | 123 = 6815867 as a 24-bit value.
        let fc = fmt(Base::FacilityCard, ByteOrder::MsbFirst, 24);
        assert_eq!(fc.decode("104,123"), Some(6815867));
        assert_eq!(fc.decode("104,00123"), Some(6815867));
        // Only the card number, when the integrator stored the 16-bit number.
        let cn = fmt(Base::FacilityCard, ByteOrder::MsbFirst, 16);
        assert_eq!(cn.decode("104,123"), Some(123));
        // Out of range parts are misreads.
        assert_eq!(fc.decode("256,1"), None);
        assert_eq!(fc.decode("1,65536"), None);
        assert_eq!(fc.decode("104"), None);
    }

    #[test]
    fn wiegand34_is_32_bits_decimal() {
        // The 10-digit number printed on W34 cards is the 32-bit value.
        let f = fmt(Base::Decimal, ByteOrder::MsbFirst, 32);
        assert_eq!(f.decode("4294967295"), Some(u32::MAX as u64));
    }

    #[test]
    fn matches_stored_numbers_in_any_form() {
        use crate::domain::identifier::IdentifierType::Card;
        let f = fmt(Base::Hex, ByteOrder::LsbFirst, 32);
        let looked_up = f.lookup_number("78563412").unwrap();
        assert_eq!(Card.canonical("12:34:56:78"), Some(looked_up.clone()));
        assert_eq!(Card.canonical("305419896"), Some(looked_up));
    }

    /// Values wider than 10 decimal digits are looked up as hex bytes: a
    /// decimal number that long is no card number, and found nothing (found
    /// by fuzzing).
    #[test]
    fn wide_cards_are_looked_up_as_card_numbers() {
        let f = fmt(Base::Hex, ByteOrder::MsbFirst, 64);
        let looked_up = f.lookup_number("04A2B3C4D5E6F7").unwrap();
        assert_eq!(looked_up, "04:A2:B3:C4:D5:E6:F7");
        let stored = IdentifierType::Card.canonical("04:a2:b3:c4:d5:e6:f7");
        assert!(stored.is_some());
        assert_eq!(IdentifierType::Card.canonical(&looked_up), stored);
        let dec = fmt(Base::Decimal, ByteOrder::MsbFirst, 64);
        assert_eq!(
            dec.lookup_number("18446744073709551615").as_deref(),
            Some("FF:FF:FF:FF:FF:FF:FF:FF")
        );
        assert_eq!(dec.lookup_number("0040856634").as_deref(), Some("40856634"));
    }

    #[test]
    fn garbage_is_refused() {
        let dec = CardFormat::default();
        for typed in ["", "12a", "-1", "1 2", "123456789012345678901"] {
            assert_eq!(dec.decode(typed), None, "{typed:?}");
        }
        let hex = fmt(Base::Hex, ByteOrder::MsbFirst, 64);
        for typed in ["", "xyz", "12345678901234567"] {
            assert_eq!(hex.decode(typed), None, "{typed:?}");
        }
    }
}
