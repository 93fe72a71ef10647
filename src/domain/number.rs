//! Identifier number formats and their canonical forms.
//!
//! Two identifiers clash when they have the same type and the same canonical
//! number, so every comparison of numbers (duplicates, master card, list
//! filters, and later the access path) goes through [`canonical`].

/// `[0-9]{1,10}`: decimal card numbers and input codes.
pub fn is_decimal(s: &str) -> bool {
    (1..=10).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_digit())
}

/// `([0-9A-Fa-f]{2}[:-]){1,7}([0-9A-Fa-f]{2})`: 2 to 8 hex bytes with separators.
pub fn is_hex_bytes(s: &str) -> bool {
    hex_bytes(s).is_some()
}

/// The bytes of a separated hex string, or None when it does not match the pattern.
fn hex_bytes(s: &str) -> Option<Vec<u8>> {
    let b = s.as_bytes();
    // Groups of 2 digits joined by one separator: length 3n - 1 for n groups.
    if b.len() < 5 || !(b.len() + 1).is_multiple_of(3) {
        return None;
    }
    let groups = (b.len() + 1) / 3;
    if groups > 8 {
        return None;
    }
    let mut out = Vec::with_capacity(groups);
    for g in 0..groups {
        let i = g * 3;
        let hi = (b[i] as char).to_digit(16)?;
        let lo = (b[i + 1] as char).to_digit(16)?;
        if g + 1 < groups && b[i + 2] != b':' && b[i + 2] != b'-' {
            return None;
        }
        out.push((hi * 16 + lo) as u8);
    }
    Some(out)
}

/// A card or ukey number as an unsigned integer: decimal as written (leading
/// zeros do not count) or hex bytes read big-endian.
pub fn card_value(s: &str) -> Option<u64> {
    if is_decimal(s) {
        return s.parse().ok();
    }
    hex_bytes(s).map(|bytes| bytes.iter().fold(0u64, |acc, &b| (acc << 8) | b as u64))
}

/// A card or ukey value written as a number of its type: decimal up to 10
/// digits, hex bytes (`1A:02:6F:6C:3A`) for wider values, which no decimal
/// number of the contract can hold. Readers look cards up by it and
/// enrolment stores it, so a card of any width matches however it was stored.
pub fn card_number(value: u64) -> String {
    if value <= 9_999_999_999 {
        return value.to_string();
    }
    let bytes = value.to_be_bytes();
    let first = bytes.iter().position(|b| *b != 0).unwrap_or(7);
    bytes[first..]
        .iter()
        .map(|b| format!("{b:02X}"))
        .collect::<Vec<_>>()
        .join(":")
}

/// `8-4-4-4-12` hex digits.
pub fn is_uuid(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 36
        && b.iter().enumerate().all(|(i, &c)| match i {
            8 | 13 | 18 | 23 => c == b'-',
            _ => c.is_ascii_hexdigit(),
        })
}

/// 1 to 100 characters, each a letter of any script, a digit, a space or a hyphen.
pub fn is_license_plate(s: &str) -> bool {
    let n = s.chars().count();
    (1..=100).contains(&n)
        && s.chars()
            .all(|c| c.is_alphabetic() || c.is_ascii_digit() || c == ' ' || c == '-')
}

/// Masks a card-like number for logs and events: only the last 4 characters show.
pub fn mask(number: &str) -> String {
    let chars: Vec<char> = number.chars().collect();
    let keep = chars.len().min(4).min(chars.len() / 2);
    let hidden = chars.len() - keep;
    std::iter::repeat_n('*', hidden)
        .chain(chars[hidden..].iter().copied())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn card_forms_are_one_value() {
        assert_eq!(card_value("12:34:56:78"), Some(305419896));
        assert_eq!(card_value("12-34-56-78"), Some(305419896));
        assert_eq!(card_value("305419896"), Some(305419896));
        assert_eq!(card_value("0305419896"), Some(305419896));
        assert_eq!(card_value("ab:CD"), Some(0xabcd));
        assert_eq!(card_value("12:34-56"), Some(0x123456));
        assert_eq!(card_value("ff:ff:ff:ff:ff:ff:ff:ff"), Some(u64::MAX));
        assert_eq!(card_value("9999999999"), Some(9_999_999_999));
    }

    #[test]
    fn card_patterns_reject() {
        for bad in [
            "",
            "12345678901",
            "12:",
            ":12",
            "1:23",
            "12:34:",
            "12;34",
            "g1:00",
            "12:34:56:78:9a:bc:de:f0:12",
            "12 34",
            "-1",
            "+1",
            "12::34",
        ] {
            assert_eq!(card_value(bad), None, "{bad:?}");
        }
        // "12" alone is decimal, so it is a card value; only hex needs 2+ bytes.
        assert!(is_decimal("12"));
        assert!(!is_hex_bytes("12"));
    }

    #[test]
    fn card_numbers_of_any_width_are_numbers_of_their_type() {
        assert_eq!(card_number(305419896), "305419896");
        assert_eq!(card_number(9_999_999_999), "9999999999");
        assert_eq!(card_number(10_000_000_000), "02:54:0B:E4:00");
        assert_eq!(card_number(0x1A026F6C3A), "1A:02:6F:6C:3A");
        assert_eq!(card_number(u64::MAX), "FF:FF:FF:FF:FF:FF:FF:FF");
        for value in [0, 1, 9_999_999_999, 10_000_000_000, 1 << 40, u64::MAX] {
            let number = card_number(value);
            assert!(is_decimal(&number) || is_hex_bytes(&number), "{number}");
            assert_eq!(card_value(&number), Some(value));
        }
    }

    #[test]
    fn uuid_and_plate() {
        assert!(is_uuid("123e4567-e89b-12d3-a456-426614174000"));
        assert!(is_uuid("123E4567-E89B-12D3-A456-426614174000"));
        assert!(!is_uuid("123e4567e89b12d3a456426614174000"));
        assert!(!is_uuid("123e4567-e89b-12d3-a456-42661417400g"));
        assert!(is_license_plate("AB 123-CD"));
        assert!(is_license_plate("Ж 123 КХ"));
        assert!(!is_license_plate(""));
        assert!(!is_license_plate("AB_12"));
        assert!(is_license_plate(&"A".repeat(100)));
        assert!(!is_license_plate(&"A".repeat(101)));
    }

    #[test]
    fn masks_keep_at_most_four() {
        assert_eq!(mask("12:34:56:78"), "*******6:78");
        assert_eq!(mask("305419896"), "*****9896");
        assert_eq!(mask("12"), "*2");
        assert_eq!(mask(""), "");
    }
}
