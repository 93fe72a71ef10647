//! Wiegand: frames from the falling edges of a reader's D0 and D1 lines,
//! and what is in them (a card number or a keypad key). Pure: each edge
//! comes in with the kernel's CLOCK_MONOTONIC timestamp, so a frame is
//! decoded from the reader's own timing, not from when latchd got to it.
//!
//! A pulse on D0 is a 0 bit, a pulse on D1 a 1 bit, most significant
//! first. A frame ends at a gap longer than `frame_gap` (readers leave
//! about 2 ms between bits and far more between frames), or, with a fixed
//! format, at its last bit. Nothing is decided on a frame with a bad
//! parity, a length the format does not have, or bits that cannot be told
//! apart (both lines at once); those are [`Refused`] with a reason.

use super::keypad::Key;

/// The longest frame kept: the panel's `raw` type goes up to 256 bits.
pub const MAX_BITS: usize = 256;

/// The line an edge came on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Wire {
    /// A pulse on D0: a 0 bit.
    D0,
    /// A pulse on D1: a 1 bit.
    D1,
}

/// The bits of a frame, first received first; at most [`MAX_BITS`].
#[derive(Clone, PartialEq, Eq)]
pub struct Bits {
    words: [u64; MAX_BITS / 64],
    len: usize,
}

impl Bits {
    pub fn new() -> Bits {
        Bits {
            words: [0; MAX_BITS / 64],
            len: 0,
        }
    }

    /// From a string of `0` and `1` (other characters are skipped).
    pub fn parse(text: &str) -> Bits {
        let mut bits = Bits::new();
        for c in text.chars() {
            if c == '0' || c == '1' {
                bits.push(c == '1');
            }
        }
        bits
    }

    /// Appends a bit; false when the frame is already [`MAX_BITS`] long.
    pub fn push(&mut self, bit: bool) -> bool {
        if self.len == MAX_BITS {
            return false;
        }
        if bit {
            self.words[self.len / 64] |= 1 << (self.len % 64);
        }
        self.len += 1;
        true
    }

    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    pub fn get(&self, i: usize) -> bool {
        i < self.len && self.words[i / 64] & (1 << (i % 64)) != 0
    }

    /// The bits `from..to` as a number, the first the most significant (of
    /// more than 128, only the last 128 count).
    pub fn value(&self, from: usize, to: usize) -> u128 {
        (from..to).fold(0u128, |acc, i| (acc << 1) | self.get(i) as u128)
    }

    /// How many of the bits `from..to` are 1.
    fn ones(&self, from: usize, to: usize) -> usize {
        (from..to).filter(|&i| self.get(i)).count()
    }

    /// Every bit flipped: what a reader wired with D0 and D1 swapped gives.
    pub fn inverted(&self) -> Bits {
        let mut out = Bits::new();
        (0..self.len).for_each(|i| {
            out.push(!self.get(i));
        });
        out
    }
}

impl Default for Bits {
    fn default() -> Self {
        Bits::new()
    }
}

impl std::fmt::Debug for Bits {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let text: String = (0..self.len)
            .map(|i| if self.get(i) { '1' } else { '0' })
            .collect();
        write!(f, "Bits({text})")
    }
}

/// The panel's Wiegand types (`wiegand_26` ... `wiegand_128`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    W26,
    W32,
    W34,
    W37,
    W40,
    W42,
    W56,
    W58,
    W64,
    W66,
    W128,
}

/// How a kind's parity bits are computed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Parity {
    /// No parity: every bit is data.
    None,
    /// The first bit is even parity over the first half of the frame, the
    /// last bit odd parity over the second half (H10301 for 26 bits, and
    /// the 34, 42, 58 and 66-bit forms).
    Halves,
    /// H10304 (37 bits): the first bit even parity over bits 0 to 18, the
    /// last odd parity over bits 18 to 36 (bit 18 is in both).
    H10304,
}

impl Kind {
    pub const ALL: [Kind; 11] = [
        Kind::W26,
        Kind::W32,
        Kind::W34,
        Kind::W37,
        Kind::W40,
        Kind::W42,
        Kind::W56,
        Kind::W58,
        Kind::W64,
        Kind::W66,
        Kind::W128,
    ];

    pub fn bits(self) -> usize {
        match self {
            Kind::W26 => 26,
            Kind::W32 => 32,
            Kind::W34 => 34,
            Kind::W37 => 37,
            Kind::W40 => 40,
            Kind::W42 => 42,
            Kind::W56 => 56,
            Kind::W58 => 58,
            Kind::W64 => 64,
            Kind::W66 => 66,
            Kind::W128 => 128,
        }
    }

    fn parity(self) -> Parity {
        match self {
            Kind::W26 | Kind::W34 | Kind::W42 | Kind::W58 | Kind::W66 => Parity::Halves,
            Kind::W37 => Parity::H10304,
            Kind::W32 | Kind::W40 | Kind::W56 | Kind::W64 | Kind::W128 => Parity::None,
        }
    }

    /// The panel's name of the type, `wiegand_26`.
    pub fn name(self) -> String {
        format!("wiegand_{}", self.bits())
    }

    pub fn from_name(name: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|k| k.name() == name)
    }

    pub fn of_length(bits: usize) -> Option<Kind> {
        Kind::ALL.into_iter().find(|k| k.bits() == bits)
    }

    /// The data bits of a frame of this kind: all but the parity bits.
    fn data(self) -> (usize, usize) {
        match self.parity() {
            Parity::None => (0, self.bits()),
            Parity::Halves | Parity::H10304 => (1, self.bits() - 1),
        }
    }

    /// Whether `bits` (of this kind's length) has the right parity.
    pub fn parity_ok(self, bits: &Bits) -> bool {
        let n = self.bits();
        if bits.len() != n {
            return false;
        }
        match self.parity() {
            Parity::None => true,
            Parity::Halves => {
                bits.ones(0, n / 2).is_multiple_of(2) && !bits.ones(n / 2, n).is_multiple_of(2)
            }
            Parity::H10304 => {
                bits.ones(0, 19).is_multiple_of(2) && !bits.ones(18, 37).is_multiple_of(2)
            }
        }
    }

    /// The frame of this kind that carries `data` (its data bits, the
    /// first the most significant): what a reader sends. Test readers and
    /// the wiring self-test's examples are made with it.
    pub fn encode(self, data: u128) -> Bits {
        let n = self.bits();
        let (from, to) = self.data();
        let width = to - from;
        let mut bits = Bits::new();
        for i in 0..n {
            let bit = i >= from && i < to && (data >> (width - 1 - (i - from))) & 1 == 1;
            bits.push(bit);
        }
        let set = |bits: &mut Bits, i: usize, on: bool| {
            if on != bits.get(i) {
                bits.words[i / 64] ^= 1 << (i % 64);
            }
        };
        match self.parity() {
            Parity::None => {}
            Parity::Halves => {
                let first = !bits.ones(1, n / 2).is_multiple_of(2);
                set(&mut bits, 0, first);
                let last = bits.ones(n / 2, n - 1).is_multiple_of(2);
                set(&mut bits, n - 1, last);
            }
            Parity::H10304 => {
                let first = !bits.ones(1, 19).is_multiple_of(2);
                set(&mut bits, 0, first);
                let last = bits.ones(18, 36).is_multiple_of(2);
                set(&mut bits, 36, last);
            }
        }
        bits
    }
}

/// What a reader is configured to send (`format` of a Wiegand input).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// The kind is told by the frame's length (the panel's lengths, and 4
    /// and 8-bit keypad bursts); a frame is decided at the gap after it.
    Auto,
    /// One kind only (and keypad bursts); a frame is decided at its last bit.
    Fixed(Kind),
    /// Any frame of at least `min_bits` (16 to 256), all bits data.
    Raw { min_bits: usize },
}

impl Format {
    /// The length at which a frame is complete without waiting for the gap.
    fn complete_at(self) -> Option<usize> {
        match self {
            Format::Fixed(kind) => Some(kind.bits()),
            Format::Auto | Format::Raw { .. } => None,
        }
    }
}

/// What a frame held.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Read {
    /// A card: its data bits as a number (at most 64 bits, as the
    /// contract's card numbers), and the frame's length.
    Card { value: u64, bits: usize },
    /// A key of a Wiegand keypad (a 4 or 8-bit burst).
    Key(Key),
}

/// Why a frame was not decided on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refused {
    /// The parity bits do not match the data.
    Parity { bits: usize },
    /// No configured kind has this many bits (a short frame, stray bits).
    Length { bits: usize },
    /// More data bits than any card number holds (64).
    TooWide { bits: usize },
    /// A keypad burst that is no key (4 bits above 11, or an 8-bit burst
    /// whose high half is not the complement of its low half).
    NoKey { bits: usize },
    /// Both lines pulsed at once: the bit cannot be told.
    BothLines { bits: usize },
    /// More than [`MAX_BITS`] bits before a gap.
    Overlong,
}

impl Refused {
    /// A short reason for events and the reader's counters.
    pub fn reason(&self) -> &'static str {
        match self {
            Refused::Parity { .. } => "parity error",
            Refused::Length { .. } => "unexpected length",
            Refused::TooWide { .. } => "number too wide",
            Refused::NoKey { .. } => "not a key",
            Refused::BothLines { .. } => "both lines at once",
            Refused::Overlong => "frame too long",
        }
    }
}

/// A keypad burst: 4 bits (0-9, 10 `*`, 11 `#`) or 8 bits whose high half
/// is the complement of the low half.
fn key_of(bits: &Bits) -> Result<Key, Refused> {
    let nibble = match bits.len() {
        4 => bits.value(0, 4) as u8,
        8 => {
            let byte = bits.value(0, 8) as u8;
            if byte >> 4 != !byte & 0x0F {
                return Err(Refused::NoKey { bits: 8 });
            }
            byte & 0x0F
        }
        n => return Err(Refused::Length { bits: n }),
    };
    match nibble {
        0..=9 => Ok(Key::Digit(nibble)),
        10 => Ok(Key::Clear),
        11 => Ok(Key::Submit),
        _ => Err(Refused::NoKey { bits: bits.len() }),
    }
}

/// Decodes a complete frame as `format` says.
pub fn decode(format: Format, bits: &Bits) -> Result<Read, Refused> {
    let n = bits.len();
    if n == 4 || n == 8 {
        return key_of(bits).map(Read::Key);
    }
    let kind = match format {
        Format::Raw { min_bits } => {
            if n < min_bits {
                return Err(Refused::Length { bits: n });
            }
            return card(bits, 0, n);
        }
        Format::Fixed(kind) if kind.bits() == n => kind,
        Format::Fixed(_) => return Err(Refused::Length { bits: n }),
        Format::Auto => Kind::of_length(n).ok_or(Refused::Length { bits: n })?,
    };
    if !kind.parity_ok(bits) {
        return Err(Refused::Parity { bits: n });
    }
    let (from, to) = kind.data();
    card(bits, from, to)
}

fn card(bits: &Bits, from: usize, to: usize) -> Result<Read, Refused> {
    if to - from > 64 {
        return Err(Refused::TooWide { bits: bits.len() });
    }
    Ok(Read::Card {
        value: bits.value(from, to) as u64,
        bits: bits.len(),
    })
}

/// What the wiring self-test says of a frame that `format` refuses: that
/// it reads with every bit flipped, as D0 and D1 swapped (or a reader that
/// inverts its lines) give. (Bits in the opposite order are not told: for
/// the kinds whose parity halves are odd-sized, a frame reversed reads as
/// one flipped does, so that guess would be as often wrong as right.)
pub fn diagnose(format: Format, bits: &Bits) -> Option<&'static str> {
    if decode(format, bits).is_err() && decode(format, &bits.inverted()).is_ok() {
        return Some("D0 and D1 look swapped (every bit reads flipped)");
    }
    None
}

/// The edge timing of a reader.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Timing {
    /// An edge this soon after the one before on the same line is a bounce
    /// of it and is dropped; on the other line, the bit cannot be told.
    pub min_pulse_ns: u64,
    /// A pause longer than this ends a frame.
    pub frame_gap_ns: u64,
}

impl Default for Timing {
    fn default() -> Self {
        Timing {
            min_pulse_ns: 100_000,
            frame_gap_ns: 25_000_000,
        }
    }
}

/// What the assembler gives: a frame's bits, or why none.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Assembled {
    Frame(Bits),
    Refused(Refused),
}

/// Turns timestamped edges into frames.
#[derive(Debug, Clone)]
pub struct Assembler {
    timing: Timing,
    complete_at: Option<usize>,
    bits: Bits,
    /// The last edge kept: its line and time.
    last: Option<(Wire, u64)>,
    /// Both lines pulsed at once somewhere in this frame.
    both_lines: bool,
    /// More than MAX_BITS in this frame.
    overlong: bool,
    /// A fixed-format frame was given at its last bit and the gap after it
    /// has not come yet: bits now are not the start of a new frame.
    after_complete: bool,
    /// Bounces dropped so far (edges on one line closer than a pulse).
    pub bounces: u64,
}

impl Assembler {
    pub fn new(format: Format, timing: Timing) -> Assembler {
        Assembler {
            timing,
            complete_at: format.complete_at(),
            bits: Bits::new(),
            last: None,
            both_lines: false,
            overlong: false,
            after_complete: false,
            bounces: 0,
        }
    }

    /// Feeds one falling edge of `wire` at `at_ns`. Returns what it ended:
    /// the frame before it when the gap since the last edge was long enough
    /// (this edge starts a new one), or the frame this edge completed (never
    /// both: no format is one bit long). Allocates nothing: it runs for
    /// every edge of the door's readers. Edges must come in time order (the
    /// kernel gives them so, per line; the caller merges the two lines).
    pub fn edge(&mut self, wire: Wire, at_ns: u64) -> Option<Assembled> {
        let mut ended = None;
        if let Some((last_wire, last_ns)) = self.last {
            let since = at_ns.saturating_sub(last_ns);
            if since > self.timing.frame_gap_ns {
                ended = self.end();
            } else if since < self.timing.min_pulse_ns {
                if last_wire == wire {
                    self.bounces += 1;
                } else {
                    self.both_lines = true;
                }
                return None;
            }
        }
        self.last = Some((wire, at_ns));
        self.overlong |= !self.bits.push(wire == Wire::D1);
        // Bits after a frame that was complete are kept for the gap, as a
        // frame of their own that no format has.
        if !self.after_complete && !self.both_lines && Some(self.bits.len()) == self.complete_at {
            self.after_complete = true;
            return Some(Assembled::Frame(std::mem::take(&mut self.bits)));
        }
        ended
    }

    /// At `now_ns` with no edge since the last: the frame in progress when
    /// the gap has passed.
    pub fn idle(&mut self, now_ns: u64) -> Option<Assembled> {
        match self.last {
            Some((_, last_ns)) if now_ns.saturating_sub(last_ns) > self.timing.frame_gap_ns => {
                self.end()
            }
            _ => None,
        }
    }

    /// When [`idle`](Self::idle) next has something to end, if a frame is
    /// in progress.
    pub fn deadline(&self) -> Option<u64> {
        self.last
            .map(|(_, last_ns)| last_ns.saturating_add(self.timing.frame_gap_ns + 1))
    }

    /// Ends the frame in progress at a gap.
    fn end(&mut self) -> Option<Assembled> {
        let bits = std::mem::take(&mut self.bits);
        let both_lines = std::mem::take(&mut self.both_lines);
        let overlong = std::mem::take(&mut self.overlong);
        let after_complete = std::mem::take(&mut self.after_complete);
        self.last = None;
        Some(if overlong {
            Assembled::Refused(Refused::Overlong)
        } else if both_lines {
            Assembled::Refused(Refused::BothLines { bits: bits.len() })
        } else if bits.is_empty() {
            return None;
        } else if after_complete {
            Assembled::Refused(Refused::Length {
                bits: self.complete_at.unwrap_or(0) + bits.len(),
            })
        } else {
            Assembled::Frame(bits)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Frames written out bit by bit (worked by hand from the parity rules
    /// of each kind, independent of `encode`), with the number each holds.
    const VECTORS: &[(Kind, &str, u64)] = &[
        // H10301: facility 104, card 123 -> (104 << 16) | 123.
        (Kind::W26, "1 01101000 0000000001111011 1", 6_815_867),
        (Kind::W26, "0 00000000 0000000000000000 1", 0),
        (
            Kind::W34,
            "1 1101111010101101 1011111011101111 0",
            0xDEAD_BEEF,
        ),
        // H10304: facility 1234, card 56789 -> (1234 << 19) | 56789.
        (
            Kind::W37,
            "1 0000010011010010 0001101110111010101 0",
            647_028_181,
        ),
        (
            Kind::W42,
            "1 0001001000110100010101100111100010011010 1",
            0x12_3456_789A,
        ),
        (
            Kind::W58,
            "1 10101011110011011110111100000001001000110100010101100111 1",
            0x00AB_CDEF_0123_4567,
        ),
        (
            Kind::W66,
            "0 1111111011011100101110101001100001110110010101000011001000010000 1",
            0xFEDC_BA98_7654_3210,
        ),
        (Kind::W32, "00000000 00000000 00000001 00000010", 258),
    ];

    #[test]
    fn vectors_decode_and_encode() {
        for &(kind, text, value) in VECTORS {
            let bits = Bits::parse(text);
            assert_eq!(bits.len(), kind.bits(), "{text}");
            let read = Read::Card {
                value,
                bits: kind.bits(),
            };
            assert_eq!(decode(Format::Auto, &bits), Ok(read.clone()), "{kind:?}");
            assert_eq!(decode(Format::Fixed(kind), &bits), Ok(read), "{kind:?}");
            assert_eq!(kind.encode(value as u128), bits, "{kind:?}");
        }
    }

    #[test]
    fn a_w26_card_is_the_number_created_over_d_bus() {
        let bits = Kind::W26.encode((104 << 16) | 123);
        let Ok(Read::Card { value, .. }) = decode(Format::Auto, &bits) else {
            panic!()
        };
        assert_eq!(crate::domain::number::card_number(value), "6815867");
        let wide = Kind::W37.encode(0x7_FFFF_FFFF);
        let Ok(Read::Card { value, .. }) = decode(Format::Auto, &wide) else {
            panic!()
        };
        assert_eq!(crate::domain::number::card_number(value), "07:FF:FF:FF:FF");
    }

    #[test]
    fn every_single_bit_error_is_a_parity_error() {
        for kind in Kind::ALL.into_iter().filter(|k| k.parity() != Parity::None) {
            let good = kind.encode(0x5A5A_5A5A_5A5A_5A5A);
            for i in 0..kind.bits() {
                let mut bad = Bits::new();
                for j in 0..good.len() {
                    bad.push(good.get(j) != (i == j));
                }
                assert_eq!(
                    decode(Format::Auto, &bad),
                    Err(Refused::Parity { bits: kind.bits() }),
                    "{kind:?} bit {i}"
                );
            }
        }
    }

    #[test]
    fn lengths_a_format_does_not_have_are_refused() {
        // A 34-bit card on a reader set to 26 bits: refused, not cut short.
        let w34 = Kind::W34.encode(123_456);
        assert_eq!(
            decode(Format::Fixed(Kind::W26), &w34),
            Err(Refused::Length { bits: 34 })
        );
        // Auto takes it by its length.
        assert_eq!(
            decode(Format::Auto, &w34),
            Ok(Read::Card {
                value: 123_456,
                bits: 34
            })
        );
        // Two stray zero bits (a floating input) are no frame of any kind.
        assert_eq!(
            decode(Format::Auto, &Bits::parse("00")),
            Err(Refused::Length { bits: 2 })
        );
        assert_eq!(
            decode(Format::Auto, &Bits::parse("0".repeat(25).as_str())),
            Err(Refused::Length { bits: 25 })
        );
        // Raw: any length from min_bits on, every bit data.
        let raw = Format::Raw { min_bits: 16 };
        assert_eq!(
            decode(raw, &Bits::parse("1000000000000001")),
            Ok(Read::Card {
                value: 0x8001,
                bits: 16
            })
        );
        assert_eq!(
            decode(raw, &Bits::parse("100000000000001")),
            Err(Refused::Length { bits: 15 })
        );
        // 128 data bits hold no card number of the contract.
        assert_eq!(
            decode(Format::Auto, &Kind::W128.encode(1)),
            Err(Refused::TooWide { bits: 128 })
        );
    }

    #[test]
    fn keypad_bursts() {
        let four = |n: u8| Bits::parse(&format!("{n:04b}"));
        let eight = |n: u8| Bits::parse(&format!("{:04b}{n:04b}", !n & 0x0F));
        for n in 0..=9 {
            assert_eq!(decode(Format::Auto, &four(n)), Ok(Read::Key(Key::Digit(n))));
            assert_eq!(
                decode(Format::Auto, &eight(n)),
                Ok(Read::Key(Key::Digit(n)))
            );
        }
        assert_eq!(decode(Format::Auto, &four(10)), Ok(Read::Key(Key::Clear)));
        assert_eq!(decode(Format::Auto, &four(11)), Ok(Read::Key(Key::Submit)));
        assert_eq!(decode(Format::Auto, &eight(11)), Ok(Read::Key(Key::Submit)));
        assert_eq!(
            decode(Format::Auto, &four(12)),
            Err(Refused::NoKey { bits: 4 })
        );
        // The high half is not the complement of the low half.
        assert_eq!(
            decode(Format::Auto, &Bits::parse("00000101")),
            Err(Refused::NoKey { bits: 8 })
        );
        // A fixed card format still takes keypad bursts.
        assert_eq!(
            decode(Format::Fixed(Kind::W26), &four(7)),
            Ok(Read::Key(Key::Digit(7)))
        );
    }

    #[test]
    fn the_self_test_says_when_the_lines_look_swapped() {
        for kind in [Kind::W26, Kind::W34, Kind::W37] {
            let bits = kind.encode((104 << 16) | 123);
            assert_eq!(diagnose(Format::Auto, &bits), None);
            assert_eq!(
                diagnose(Format::Auto, &bits.inverted()),
                Some("D0 and D1 look swapped (every bit reads flipped)"),
                "{kind:?}"
            );
        }
        assert_eq!(
            diagnose(Format::Auto, &Bits::parse("0".repeat(25).as_str())),
            None
        );
    }

    /// The edges of `bits`, a pulse every `period_ns` from `start_ns`, each
    /// moved by the next of `jitter_ns` (cycled).
    fn edges(bits: &Bits, start_ns: u64, period_ns: u64, jitter_ns: &[i64]) -> Vec<(Wire, u64)> {
        (0..bits.len())
            .map(|i| {
                let jitter = jitter_ns
                    .get(i % jitter_ns.len().max(1))
                    .copied()
                    .unwrap_or(0);
                let at = (start_ns + i as u64 * period_ns).saturating_add_signed(jitter);
                (if bits.get(i) { Wire::D1 } else { Wire::D0 }, at)
            })
            .collect()
    }

    fn feed(asm: &mut Assembler, edges: &[(Wire, u64)]) -> Vec<Assembled> {
        edges
            .iter()
            .filter_map(|&(wire, at)| asm.edge(wire, at))
            .collect()
    }

    const MS: u64 = 1_000_000;

    #[test]
    fn frames_end_at_the_gap_with_jitter_and_back_to_back() {
        let a = Kind::W26.encode(6_815_867);
        let b = Kind::W34.encode(0xDEAD_BEEF);
        let mut asm = Assembler::new(Format::Auto, Timing::default());
        // 2 ms a bit, up to 0.3 ms early or late.
        let mut all = edges(&a, 0, 2 * MS, &[0, 300_000, -300_000, 150_000]);
        // The next frame 30 ms after the last bit of the first.
        let b_start = all.last().unwrap().1 + 30 * MS;
        all.extend(edges(&b, b_start, 2 * MS, &[-200_000, 0, 250_000]));
        let out = feed(&mut asm, &all);
        assert_eq!(out, vec![Assembled::Frame(a)]);
        let last = all.last().unwrap().1;
        assert_eq!(asm.deadline(), Some(last + 25 * MS + 1));
        assert_eq!(asm.idle(last + 25 * MS), None);
        assert_eq!(asm.idle(last + 25 * MS + 1), Some(Assembled::Frame(b)));
        assert_eq!(asm.deadline(), None);
    }

    #[test]
    fn a_fixed_format_is_decided_at_its_last_bit() {
        let a = Kind::W26.encode(42);
        let mut asm = Assembler::new(Format::Fixed(Kind::W26), Timing::default());
        let all = edges(&a, 1_000, 2 * MS, &[0]);
        let (first, lastbit) = all.split_at(25);
        assert_eq!(feed(&mut asm, first), vec![]);
        assert_eq!(feed(&mut asm, lastbit), vec![Assembled::Frame(a)]);
        // Nothing more at the gap.
        assert_eq!(asm.idle(all[25].1 + 26 * MS), None);
    }

    #[test]
    fn bits_after_a_complete_fixed_frame_are_refused_at_the_gap() {
        // A 34-bit card on a 26-bit reader: the first 26 bits came as a
        // frame (and fail their parity in decode unless by chance they
        // pass); the other 8 are reported as a frame of no kind.
        let w34 = Kind::W34.encode(0x1234_5678);
        let mut asm = Assembler::new(Format::Fixed(Kind::W26), Timing::default());
        let all = edges(&w34, 0, 2 * MS, &[0]);
        let out = feed(&mut asm, &all);
        assert_eq!(out.len(), 1);
        let last = all.last().unwrap().1;
        assert_eq!(
            asm.idle(last + 26 * MS),
            Some(Assembled::Refused(Refused::Length { bits: 34 }))
        );
    }

    #[test]
    fn bounces_are_dropped_and_both_lines_at_once_refuse_the_frame() {
        let a = Kind::W26.encode(6_815_867);
        let mut asm = Assembler::new(Format::Auto, Timing::default());
        let mut all = edges(&a, 0, 2 * MS, &[0]);
        // A bounce 20 µs after bit 3, on its own line.
        all.insert(4, (all[3].0, all[3].1 + 20_000));
        let out = feed(&mut asm, &all);
        let last = all.last().unwrap().1;
        assert_eq!(out, vec![]);
        assert_eq!(asm.idle(last + 26 * MS), Some(Assembled::Frame(a.clone())));
        assert_eq!(asm.bounces, 1);

        // Bit 5 on both lines within 50 µs.
        let mut all = edges(&a, 100 * MS, 2 * MS, &[0]);
        let other = if all[5].0 == Wire::D0 {
            Wire::D1
        } else {
            Wire::D0
        };
        all.insert(6, (other, all[5].1 + 50_000));
        feed(&mut asm, &all);
        let last = all.last().unwrap().1;
        assert_eq!(
            asm.idle(last + 26 * MS),
            Some(Assembled::Refused(Refused::BothLines { bits: 26 }))
        );
    }

    #[test]
    fn a_missing_edge_makes_a_short_frame_that_is_refused() {
        let a = Kind::W26.encode(6_815_867);
        let mut all = edges(&a, 0, 2 * MS, &[0]);
        all.remove(10);
        let mut asm = Assembler::new(Format::Auto, Timing::default());
        feed(&mut asm, &all);
        let last = all.last().unwrap().1;
        let out = asm.idle(last + 26 * MS);
        let Some(Assembled::Frame(bits)) = &out else {
            panic!("{out:?}")
        };
        assert_eq!(
            decode(Format::Auto, bits),
            Err(Refused::Length { bits: 25 })
        );
    }

    #[test]
    fn an_endless_frame_is_refused_once() {
        let mut asm = Assembler::new(Format::Auto, Timing::default());
        let noise: Vec<_> = (0..300).map(|i| (Wire::D0, i * MS)).collect();
        assert_eq!(feed(&mut asm, &noise), vec![]);
        assert_eq!(
            asm.idle(300 * MS + 26 * MS),
            Some(Assembled::Refused(Refused::Overlong))
        );
        assert_eq!(asm.idle(400 * MS), None);
    }

    #[test]
    fn names_of_the_panel() {
        for kind in Kind::ALL {
            assert_eq!(Kind::from_name(&kind.name()), Some(kind));
            assert_eq!(Kind::of_length(kind.bits()), Some(kind));
        }
        assert_eq!(Kind::from_name("wiegand_27"), None);
        assert_eq!(Kind::W37.name(), "wiegand_37");
    }
}
