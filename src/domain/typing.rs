//! Keyboard-wedge readers type: key codes with shift become text. Codes are
//! the kernel's (linux/input-event-codes.h), a stable ABI, so this stays free
//! of any input library. The layout is US, the one readers and scanners use.

/// What one key press types.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Typed {
    Char(char),
    /// Enter or keypad Enter.
    Enter,
    /// Escape.
    Escape,
    Backspace,
}

const KEY_ESC: u16 = 1;
const KEY_BACKSPACE: u16 = 14;
const KEY_ENTER: u16 = 28;
const KEY_LEFTSHIFT: u16 = 42;
const KEY_RIGHTSHIFT: u16 = 54;
const KEY_KPENTER: u16 = 96;
const KEY_NUMERIC_0: u16 = 0x200;
const KEY_NUMERIC_9: u16 = 0x209;
const KEY_NUMERIC_STAR: u16 = 0x20a;
const KEY_NUMERIC_POUND: u16 = 0x20b;

/// (code, unshifted, shifted) for the keys that type a character.
const CHARS: &[(u16, char, char)] = &[
    (2, '1', '!'),
    (3, '2', '@'),
    (4, '3', '#'),
    (5, '4', '$'),
    (6, '5', '%'),
    (7, '6', '^'),
    (8, '7', '&'),
    (9, '8', '*'),
    (10, '9', '('),
    (11, '0', ')'),
    (12, '-', '_'),
    (13, '=', '+'),
    (15, '\t', '\t'),
    (16, 'q', 'Q'),
    (17, 'w', 'W'),
    (18, 'e', 'E'),
    (19, 'r', 'R'),
    (20, 't', 'T'),
    (21, 'y', 'Y'),
    (22, 'u', 'U'),
    (23, 'i', 'I'),
    (24, 'o', 'O'),
    (25, 'p', 'P'),
    (26, '[', '{'),
    (27, ']', '}'),
    (30, 'a', 'A'),
    (31, 's', 'S'),
    (32, 'd', 'D'),
    (33, 'f', 'F'),
    (34, 'g', 'G'),
    (35, 'h', 'H'),
    (36, 'j', 'J'),
    (37, 'k', 'K'),
    (38, 'l', 'L'),
    (39, ';', ':'),
    (40, '\'', '"'),
    (41, '`', '~'),
    (43, '\\', '|'),
    (44, 'z', 'Z'),
    (45, 'x', 'X'),
    (46, 'c', 'C'),
    (47, 'v', 'V'),
    (48, 'b', 'B'),
    (49, 'n', 'N'),
    (50, 'm', 'M'),
    (51, ',', '<'),
    (52, '.', '>'),
    (53, '/', '?'),
    (55, '*', '*'),
    (57, ' ', ' '),
    (71, '7', '7'),
    (72, '8', '8'),
    (73, '9', '9'),
    (74, '-', '-'),
    (75, '4', '4'),
    (76, '5', '5'),
    (77, '6', '6'),
    (78, '+', '+'),
    (79, '1', '1'),
    (80, '2', '2'),
    (81, '3', '3'),
    (82, '0', '0'),
    (83, '.', '.'),
    (98, '/', '/'),
];

/// Turns key events into typed text, tracking the shift keys.
#[derive(Debug, Default)]
pub struct Typist {
    left_shift: bool,
    right_shift: bool,
}

impl Typist {
    /// One EV_KEY event: `value` 1 is a press, 0 a release, 2 autorepeat
    /// (ignored: a held key is not typed twice).
    pub fn key(&mut self, code: u16, value: i32) -> Option<Typed> {
        match code {
            KEY_LEFTSHIFT => {
                self.left_shift = value != 0;
                return None;
            }
            KEY_RIGHTSHIFT => {
                self.right_shift = value != 0;
                return None;
            }
            _ => {}
        }
        if value != 1 {
            return None;
        }
        let shift = self.left_shift || self.right_shift;
        match code {
            KEY_ENTER | KEY_KPENTER => Some(Typed::Enter),
            KEY_ESC => Some(Typed::Escape),
            KEY_BACKSPACE => Some(Typed::Backspace),
            KEY_NUMERIC_0..=KEY_NUMERIC_9 => {
                Some(Typed::Char(char::from(b'0' + (code - KEY_NUMERIC_0) as u8)))
            }
            KEY_NUMERIC_STAR => Some(Typed::Char('*')),
            KEY_NUMERIC_POUND => Some(Typed::Char('#')),
            _ => CHARS
                .iter()
                .find(|(c, _, _)| *c == code)
                .map(|&(_, plain, shifted)| Typed::Char(if shift { shifted } else { plain })),
        }
    }
}

/// Collects what a card reader or QR scanner types until Enter.
#[derive(Debug, Default)]
pub struct Line {
    text: String,
    max: usize,
}

impl Line {
    pub fn new(max: usize) -> Line {
        Line {
            text: String::new(),
            max,
        }
    }

    /// Returns the finished line at Enter (None for an empty one).
    pub fn typed(&mut self, typed: Typed) -> Option<String> {
        match typed {
            Typed::Char(c) if self.text.len() < self.max => self.text.push(c),
            Typed::Char(_) => {}
            Typed::Backspace => {
                self.text.pop();
            }
            Typed::Escape => self.text.clear(),
            Typed::Enter => {
                let line = std::mem::take(&mut self.text);
                return (!line.is_empty()).then_some(line);
            }
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Presses and releases the keys for `s` like a US keyboard wedge.
    fn type_str(t: &mut Typist, line: &mut Line, s: &str) -> Option<String> {
        let mut out = None;
        for ch in s.chars() {
            if ch == '\n' {
                out = t.key(KEY_ENTER, 1).and_then(|k| line.typed(k));
                t.key(KEY_ENTER, 0);
                continue;
            }
            let (code, shifted) = CHARS
                .iter()
                .find_map(|&(c, p, s)| {
                    if p == ch && (c < 55 || c == 57) {
                        Some((c, false))
                    } else if s == ch && (c < 55 || c == 57) {
                        Some((c, true))
                    } else {
                        None
                    }
                })
                .unwrap_or_else(|| panic!("no key for {ch:?}"));
            if shifted {
                t.key(KEY_LEFTSHIFT, 1);
            }
            if let Some(k) = t.key(code, 1) {
                line.typed(k);
            }
            t.key(code, 0);
            if shifted {
                t.key(KEY_LEFTSHIFT, 0);
            }
        }
        out
    }

    #[test]
    fn qr_text_with_shift() {
        let mut t = Typist::default();
        let mut line = Line::new(512);
        let uuid = "123E4567-e89b-12D3-a456-426614174000";
        assert_eq!(
            type_str(&mut t, &mut line, &format!("{uuid}\n")).as_deref(),
            Some(uuid)
        );
        let odd = "Hello, World! #42 {ok}";
        assert_eq!(
            type_str(&mut t, &mut line, &format!("{odd}\n")).as_deref(),
            Some(odd)
        );
    }

    #[test]
    fn keypad_keys_and_autorepeat() {
        let mut t = Typist::default();
        assert_eq!(t.key(79, 1), Some(Typed::Char('1'))); // KP1
        assert_eq!(t.key(79, 2), None); // autorepeat
        assert_eq!(t.key(79, 0), None);
        assert_eq!(t.key(KEY_KPENTER, 1), Some(Typed::Enter));
        assert_eq!(t.key(55, 1), Some(Typed::Char('*'))); // KPASTERISK
        assert_eq!(t.key(KEY_NUMERIC_POUND, 1), Some(Typed::Char('#')));
        assert_eq!(t.key(KEY_NUMERIC_0 + 7, 1), Some(Typed::Char('7')));
        assert_eq!(t.key(KEY_ESC, 1), Some(Typed::Escape));
        assert_eq!(t.key(0x2ff, 1), None);
    }

    #[test]
    fn line_limits_and_edits() {
        let mut line = Line::new(4);
        for c in "123456".chars() {
            assert_eq!(line.typed(Typed::Char(c)), None);
        }
        assert_eq!(line.typed(Typed::Backspace), None);
        assert_eq!(line.typed(Typed::Enter).as_deref(), Some("123"));
        assert_eq!(line.typed(Typed::Enter), None);
        line.typed(Typed::Char('9'));
        line.typed(Typed::Escape);
        assert_eq!(line.typed(Typed::Enter), None);
    }
}
