//! Wiegand edges with any timing, for every format: the assembler never
//! panics and never gives a frame longer than 256 bits, and each frame it
//! gives is decoded without panicking. What a fixed format decodes as a
//! card has that format's length; a card of a kind with parity is that
//! kind's encoding of its number, and no frame with one bit changed
//! decodes to a card of the same kind.
#![no_main]

use latchd::domain::wiegand::{
    decode, Assembled, Assembler, Bits, Format, Kind, Read, Timing, Wire, MAX_BITS,
};
use libfuzzer_sys::fuzz_target;

fn check(format: Format, bits: &Bits) {
    assert!(bits.len() <= MAX_BITS);
    let Ok(Read::Card { value, bits: n }) = decode(format, bits) else {
        return;
    };
    assert_eq!(n, bits.len());
    if let Format::Fixed(kind) = format {
        assert_eq!(n, kind.bits());
    }
    if matches!(format, Format::Raw { .. }) {
        return;
    }
    let kind = Kind::of_length(n).expect("a card of a kind");
    assert_eq!(&kind.encode(value as u128), bits, "{kind:?} {value}");
    if matches!(
        kind,
        Kind::W32 | Kind::W40 | Kind::W56 | Kind::W64 | Kind::W128
    ) {
        return;
    }
    for i in 0..n {
        let mut flipped = Bits::new();
        for j in 0..n {
            flipped.push(bits.get(j) != (i == j));
        }
        assert!(
            decode(format, &flipped).is_err(),
            "{kind:?}: bit {i} changed still reads"
        );
    }
}

fuzz_target!(|data: &[u8]| {
    if data.len() < 3 {
        return;
    }
    let format = match data[0] % 14 {
        0 => Format::Auto,
        n @ 1..=11 => Format::Fixed(Kind::ALL[n as usize - 1]),
        _ => Format::Raw {
            min_bits: 16 + data[1] as usize % 241,
        },
    };
    let timing = Timing {
        min_pulse_ns: 1_000 * (data[1] as u64 % 200),
        frame_gap_ns: 1_000_000 * (1 + data[2] as u64 % 50),
    };
    let mut assembler = Assembler::new(format, timing);
    let mut now: u64 = 0;
    let mut out = Vec::new();
    // Each byte an edge: the top bit its line, the rest how long after
    // the one before (in 100 µs steps, a long pause at the top).
    for &b in &data[3..] {
        let step = (b & 0x7F) as u64;
        now += if step == 0x7F {
            100_000_000
        } else {
            step * 100_000
        };
        let wire = if b & 0x80 != 0 { Wire::D1 } else { Wire::D0 };
        out.extend(assembler.edge(wire, now));
        if let Some(deadline) = assembler.deadline() {
            assert!(deadline > now);
        }
    }
    out.extend(assembler.idle(now + timing.frame_gap_ns + 1));
    assert_eq!(assembler.deadline(), None);
    for assembled in out {
        if let Assembled::Frame(bits) = assembled {
            assert!(!bits.is_empty());
            check(format, &bits);
        }
    }
});
