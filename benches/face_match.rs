//! Time of one face search (`FaceIndex::matches`) over 10,000 stored faces
//! of 128 and of 512 dimensions, against a naive search over the same data.
//!
//! Faces are uniform random in [-1, 1) per value, from a seeded RNG. Of the
//! 2,000 queries, every fourth is a noisy copy of a stored face (scaled, and
//! each value moved by up to ±0.3, a cosine of about 0.96 to it) so the
//! match path is exercised; the others are random, and match nothing (their
//! best similarity is about 4/sqrt(dims)). 200 warm-up queries come first.
//! Each query is timed alone; median, p90 and p99 are in microseconds.
//!
//! The naive search is what a straightforward implementation does: the
//! stored vectors as given (not normalised), and per row a cosine computed
//! in one loop with one accumulator each for the dot product and both
//! squared norms, then square roots and a division. Both searches must name
//! the same uid (the copied face's) for every noisy copy.
//!
//! Run with `cargo bench --bench face_match`.

use latchd::domain::face::{FaceIndex, FaceThreshold};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use std::hint::black_box;
use std::time::{Duration, Instant};

const FACES: usize = 10_000;
const QUERIES: usize = 2_000;
const WARMUP: usize = 200;
const DIMS: [usize; 2] = [128, 512];

/// The naive search: uid and cosine of the best row.
fn naive_best(stored: &[f32], uids: &[u32], dims: usize, query: &[f32]) -> Option<(u32, f32)> {
    let mut best: Option<(u32, f32)> = None;
    for (row, &uid) in stored.chunks(dims).zip(uids) {
        let (mut dot, mut nq, mut nr) = (0.0f32, 0.0f32, 0.0f32);
        for i in 0..dims {
            dot += query[i] * row[i];
            nq += query[i] * query[i];
            nr += row[i] * row[i];
        }
        let cosine = dot / (nq.sqrt() * nr.sqrt());
        if best.is_none_or(|(_, b)| cosine > b) {
            best = Some((uid, cosine));
        }
    }
    best
}

fn naive_matches(
    stored: &[f32],
    uids: &[u32],
    dims: usize,
    query: &[f32],
    threshold: FaceThreshold,
) -> Option<(u32, f32)> {
    naive_best(stored, uids, dims, query).filter(|&(_, s)| s >= threshold.min_similarity())
}

struct Stats {
    median: f64,
    p90: f64,
    p99: f64,
}

fn stats(mut samples: Vec<Duration>) -> Stats {
    samples.sort();
    let at = |q: f64| {
        let i = ((samples.len() as f64 * q).ceil() as usize).clamp(1, samples.len()) - 1;
        samples[i].as_secs_f64() * 1e6
    };
    Stats {
        median: at(0.5),
        p90: at(0.9),
        p99: at(0.99),
    }
}

fn run(dims: usize, rng: &mut StdRng) {
    let stored: Vec<f32> = (0..FACES * dims)
        .map(|_| rng.gen_range(-1.0..1.0))
        .collect();
    let uids: Vec<u32> = (1..=FACES as u32).collect();
    let mut index = FaceIndex::new(dims as u32);
    for (row, &uid) in stored.chunks(dims).zip(&uids) {
        assert!(index.insert(uid, row));
    }
    // (query, the uid it is a copy of)
    let queries: Vec<(Vec<f32>, Option<u32>)> = (0..WARMUP + QUERIES)
        .map(|i| {
            if i % 4 == 0 {
                let row = rng.gen_range(0..FACES);
                let scale = rng.gen_range(0.5..2.0);
                let q = stored[row * dims..(row + 1) * dims]
                    .iter()
                    .map(|v| (v + rng.gen_range(-0.3..0.3)) * scale)
                    .collect();
                (q, Some(uids[row]))
            } else {
                ((0..dims).map(|_| rng.gen_range(-1.0..1.0)).collect(), None)
            }
        })
        .collect();
    let threshold = FaceThreshold::Normal;

    let (mut fast, mut naive) = (Vec::with_capacity(QUERIES), Vec::with_capacity(QUERIES));
    let (mut matched, mut agreed) = (0, 0);
    for (i, (q, copy_of)) in queries.iter().enumerate() {
        let t = Instant::now();
        let a = black_box(index.matches(black_box(q), threshold));
        let fast_time = t.elapsed();
        let t = Instant::now();
        let b = black_box(naive_matches(
            black_box(&stored),
            &uids,
            dims,
            black_box(q),
            threshold,
        ));
        let naive_time = t.elapsed();
        match copy_of {
            Some(uid) => {
                let (ua, sa) = a.expect("a noisy copy matches");
                let (ub, sb) = b.expect("a noisy copy matches the naive search");
                assert_eq!((ua, ub), (*uid, *uid), "query {i}");
                assert!((sa - sb).abs() < 1e-4, "query {i}: {sa} vs {sb}");
                agreed += 1;
            }
            None => assert_eq!(a.map(|m| m.0), b.map(|m| m.0), "query {i}"),
        }
        matched += a.is_some() as usize;
        if i >= WARMUP {
            fast.push(fast_time);
            naive.push(naive_time);
        }
    }
    let (f, n) = (stats(fast), stats(naive));
    println!(
        "faces={FACES} dims={dims}: median {:.1} µs, p90 {:.1} µs, p99 {:.1} µs; \
         naive median {:.1} µs, p99 {:.1} µs (ratio {:.2}; {matched} of {} queries matched, \
         {agreed} noisy copies found by both)",
        f.median,
        f.p90,
        f.p99,
        n.median,
        n.p99,
        f.median / n.median,
        queries.len(),
    );
}

fn main() {
    let mut rng = StdRng::seed_from_u64(0x1a7c_d00f);
    for dims in DIMS {
        run(dims, &mut rng);
    }
}
