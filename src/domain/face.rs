//! Face matching: the stored face_id embeddings and the search for the one
//! nearest to a presented face.
//!
//! A face_id number is standard Base64 of `Rules::face_dimensions`
//! little-endian `f32` values (see [`decode_face`]). The panel compares
//! faces by cosine similarity: every stored embedding is L2-normalised once,
//! when it is inserted, so a match is one dot product per stored face, and
//! the query's own norm is divided out once at the end.
//!
//! The embeddings live in one contiguous row-major `Vec<f32>` so a search
//! streams through memory, and the dot product is written with eight
//! independent accumulators so LLVM turns it into SIMD code without
//! `unsafe` (a single accumulator is a dependency chain that floating-point
//! rules forbid it to reorder).

use super::limits::MAX_FACE_DIMENSIONS;
use base64::Engine;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

/// How alike a presented face must be to a stored one: the config key
/// `[panel] face_threshold = "low" | "normal" | "high"`, Normal by default.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum FaceThreshold {
    Low,
    #[default]
    Normal,
    High,
}

impl FaceThreshold {
    /// The cosine similarity a presented face must reach (at least) to match.
    ///
    /// These are cosine similarities of L2-normalised embeddings, in
    /// [-1, 1]: 1 is the same direction, 0 unrelated. Higher is stricter:
    /// fewer false accepts (a stranger let in) at the price of more false
    /// rejects (a resident asked to look again). Low 0.60, Normal 0.70 and
    /// High 0.80 are the usual operating points of face embedding models
    /// (FaceNet/ArcFace-like, 128 to 512 dimensions) for verification at a
    /// door; independent random faces sit near 0 (their similarity has a
    /// standard deviation of about 1/sqrt(dims)), so even Low is far above
    /// chance.
    pub fn min_similarity(self) -> f32 {
        match self {
            FaceThreshold::Low => 0.60,
            FaceThreshold::Normal => 0.70,
            FaceThreshold::High => 0.80,
        }
    }
}

/// A face_id number as its vector: standard Base64 of exactly `dims`
/// little-endian `f32` values, all finite; None otherwise.
pub fn decode_face(text: &str, dims: u32) -> Option<Vec<f32>> {
    let mut values = [0f32; MAX_FACE_DIMENSIONS];
    decode_face_into(text, dims, &mut values).map(<[f32]>::to_vec)
}

/// As [`decode_face`], into `values` (its first `dims`), without
/// allocating: a face presented at the door is decoded on the stack.
pub fn decode_face_into<'v>(
    text: &str,
    dims: u32,
    values: &'v mut [f32; MAX_FACE_DIMENSIONS],
) -> Option<&'v [f32]> {
    let dims = dims as usize;
    if dims > MAX_FACE_DIMENSIONS {
        return None;
    }
    let mut bytes = [0u8; MAX_FACE_DIMENSIONS * 4];
    // More than the vector's bytes does not fit: refused, not cut.
    let len = base64::engine::general_purpose::STANDARD
        .decode_slice(text, &mut bytes)
        .ok()?;
    if len != dims * 4 {
        return None;
    }
    for (value, c) in values.iter_mut().zip(bytes[..len].chunks_exact(4)) {
        *value = f32::from_le_bytes([c[0], c[1], c[2], c[3]]);
    }
    let values = &values[..dims];
    values.iter().all(|v| v.is_finite()).then_some(values)
}

/// The stored face embeddings, L2-normalised, searchable by cosine
/// similarity.
///
/// Rows are kept in one contiguous `Vec<f32>` (row-major, `dims` values per
/// face) beside a parallel `Vec<u32>` of identifier uids and a map from uid
/// to row. Removing swaps the last row into the hole, so row order is not
/// insertion order.
#[derive(Debug, Clone, Default)]
pub struct FaceIndex {
    dims: usize,
    /// `uids.len() * dims` values.
    data: Vec<f32>,
    /// The identifier uid of each row.
    uids: Vec<u32>,
    /// uid -> row.
    rows: HashMap<u32, usize>,
}

impl FaceIndex {
    /// An empty index of `dims`-dimensional faces.
    pub fn new(dims: u32) -> Self {
        FaceIndex {
            dims: dims as usize,
            ..FaceIndex::default()
        }
    }

    /// Faces stored.
    pub fn len(&self) -> usize {
        self.uids.len()
    }

    pub fn is_empty(&self) -> bool {
        self.uids.is_empty()
    }

    /// Values per face.
    pub fn dims(&self) -> u32 {
        self.dims as u32
    }

    /// Whether the face of `uid` is stored.
    pub fn contains(&self, uid: u32) -> bool {
        self.rows.contains_key(&uid)
    }

    /// Forgets every face and takes `dims` as the new size (after the
    /// configuration's `face_dimensions` changed).
    pub fn clear_and_set_dims(&mut self, dims: u32) {
        self.dims = dims as usize;
        self.data.clear();
        self.uids.clear();
        self.rows.clear();
    }

    /// Stores the face of `uid`, L2-normalised, replacing the face it had.
    /// A vector that cannot be normalised (all zeros, or not finite) is
    /// stored as zeros: its similarity to anything is 0, so it never
    /// reaches a threshold. Returns false, and changes nothing, when `face`
    /// does not have `dims` values.
    pub fn insert(&mut self, uid: u32, face: &[f32]) -> bool {
        if face.len() != self.dims {
            return false;
        }
        let row = match self.rows.get(&uid) {
            Some(&row) => row,
            None => {
                let row = self.uids.len();
                self.uids.push(uid);
                self.rows.insert(uid, row);
                self.data.resize(self.data.len() + self.dims, 0.0);
                row
            }
        };
        let dst = &mut self.data[row * self.dims..(row + 1) * self.dims];
        // Scaled by the largest magnitude first, so that large values do
        // not overflow the sum of squares (inserts are rare; this is cheap).
        let max = face.iter().fold(0.0f32, |m, v| m.max(v.abs()));
        let norm = if max.is_finite() && max > 0.0 {
            max * face
                .iter()
                .map(|v| (v / max) * (v / max))
                .sum::<f32>()
                .sqrt()
        } else {
            0.0
        };
        if norm.is_finite() && norm > 0.0 {
            for (d, v) in dst.iter_mut().zip(face) {
                *d = v / norm;
            }
        } else {
            dst.fill(0.0);
        }
        true
    }

    /// Forgets the face of `uid`; false when it had none. O(dims): the last
    /// row moves into the freed one.
    pub fn remove(&mut self, uid: u32) -> bool {
        let Some(row) = self.rows.remove(&uid) else {
            return false;
        };
        let last = self.uids.len() - 1;
        if row != last {
            let (head, tail) = self.data.split_at_mut(last * self.dims);
            head[row * self.dims..(row + 1) * self.dims].copy_from_slice(&tail[..self.dims]);
            let moved = self.uids[last];
            self.uids[row] = moved;
            self.rows.insert(moved, row);
        }
        self.uids.pop();
        self.data.truncate(last * self.dims);
        true
    }

    /// The stored face most like `query`: its uid and the cosine similarity,
    /// in [-1, 1]. None when the index is empty, `query` does not have
    /// `dims` values, or its norm is 0 or not finite (a value not finite, or
    /// values so large that their squares overflow `f32`).
    ///
    /// Ties (the same similarity, to the last bit) go to the lower uid, so
    /// the answer does not depend on the order of rows. Does not allocate:
    /// the query is not normalised, the best dot product is divided by its
    /// norm once.
    pub fn best_match(&self, query: &[f32]) -> Option<(u32, f32)> {
        if self.uids.is_empty() || self.dims == 0 || query.len() != self.dims {
            return None;
        }
        let norm = dot(query, query).sqrt();
        if !(norm.is_finite() && norm > 0.0) {
            return None;
        }
        let mut best_uid = self.uids[0];
        let mut best = f32::NEG_INFINITY;
        for (row, &uid) in self.data.chunks_exact(self.dims).zip(&self.uids) {
            let d = dot(query, row);
            if d > best || (d == best && uid < best_uid) {
                best = d;
                best_uid = uid;
            }
        }
        // NaN only from a product overflowing; -inf when every one did.
        if !best.is_finite() {
            return None;
        }
        // Rounding can take a perfect match a hair past 1.
        Some((best_uid, (best / norm).clamp(-1.0, 1.0)))
    }

    /// [`best_match`](Self::best_match), when it reaches the threshold's
    /// [`min_similarity`](FaceThreshold::min_similarity).
    pub fn matches(&self, query: &[f32], threshold: FaceThreshold) -> Option<(u32, f32)> {
        self.best_match(query)
            .filter(|&(_, similarity)| similarity >= threshold.min_similarity())
    }
}

/// The dot product of two slices of the same length, with eight
/// independent accumulators (one SIMD register's worth, or two) so that the
/// additions need not wait on each other and LLVM vectorises the loop.
#[inline]
fn dot(a: &[f32], b: &[f32]) -> f32 {
    debug_assert_eq!(a.len(), b.len());
    let (a8, b8) = (a.chunks_exact(8), b.chunks_exact(8));
    let (a_rest, b_rest) = (a8.remainder(), b8.remainder());
    let mut acc = [0.0f32; 8];
    for (x, y) in a8.zip(b8) {
        for ((s, x), y) in acc.iter_mut().zip(x).zip(y) {
            *s += x * y;
        }
    }
    let mut rest = 0.0f32;
    for (x, y) in a_rest.iter().zip(b_rest) {
        rest += x * y;
    }
    ((acc[0] + acc[4]) + (acc[1] + acc[5])) + ((acc[2] + acc[6]) + (acc[3] + acc[7])) + rest
}

#[cfg(test)]
mod tests {

    /// The largest vector the configuration allows decodes on the stack;
    /// one value more does not fit and is refused, not cut.
    #[test]
    fn the_largest_vector_decodes_without_allocating() {
        use base64::Engine;
        let dims = MAX_FACE_DIMENSIONS as u32;
        let values: Vec<f32> = (0..MAX_FACE_DIMENSIONS).map(|n| n as f32 - 7.5).collect();
        let bytes: Vec<u8> = values.iter().flat_map(|v| v.to_le_bytes()).collect();
        let text = base64::engine::general_purpose::STANDARD.encode(&bytes);
        let mut buffer = [0f32; MAX_FACE_DIMENSIONS];
        assert_eq!(
            decode_face_into(&text, dims, &mut buffer),
            Some(&values[..])
        );
        assert_eq!(decode_face(&text, dims), Some(values));
        let longer =
            base64::engine::general_purpose::STANDARD.encode([&bytes[..], &[0; 4]].concat());
        assert_eq!(decode_face_into(&longer, dims, &mut buffer), None);
        assert_eq!(decode_face_into(&text, dims + 1, &mut buffer), None);
    }

    use super::*;

    fn encode(values: &[f32]) -> String {
        let bytes: Vec<u8> = values.iter().flat_map(|v| v.to_le_bytes()).collect();
        base64::engine::general_purpose::STANDARD.encode(bytes)
    }

    /// A unit vector along axis `i`, turned towards axis `j` so that its
    /// cosine with axis `i` is `cos`.
    fn dir(dims: usize, i: usize, j: usize, cos: f32) -> Vec<f32> {
        let mut v = vec![0.0; dims];
        v[i] = cos;
        v[j] += (1.0 - cos * cos).sqrt();
        v
    }

    #[test]
    fn thresholds_default_and_serde() {
        assert_eq!(FaceThreshold::default(), FaceThreshold::Normal);
        assert!(FaceThreshold::Low.min_similarity() < FaceThreshold::Normal.min_similarity());
        assert!(FaceThreshold::Normal.min_similarity() < FaceThreshold::High.min_similarity());
        #[derive(Deserialize)]
        struct Panel {
            #[serde(default)]
            face_threshold: FaceThreshold,
        }
        let p: Panel = toml::from_str("face_threshold = \"high\"").unwrap();
        assert_eq!(p.face_threshold, FaceThreshold::High);
        let p: Panel = toml::from_str("face_threshold = \"low\"").unwrap();
        assert_eq!(p.face_threshold, FaceThreshold::Low);
        let p: Panel = toml::from_str("").unwrap();
        assert_eq!(p.face_threshold, FaceThreshold::Normal);
        assert!(toml::from_str::<Panel>("face_threshold = \"High\"").is_err());
    }

    #[test]
    fn a_scaled_copy_matches_with_similarity_one() {
        let mut index = FaceIndex::new(20);
        let face: Vec<f32> = (0..20).map(|i| (i as f32 - 7.5) * 0.3).collect();
        assert!(index.insert(42, &face));
        let scaled: Vec<f32> = face.iter().map(|v| v * 37.0).collect();
        let (uid, s) = index.best_match(&scaled).unwrap();
        assert_eq!(uid, 42);
        assert!((s - 1.0).abs() < 1e-6, "{s}");
        // Opposite direction: -1.
        let opposite: Vec<f32> = face.iter().map(|v| -v * 0.01).collect();
        let (_, s) = index.best_match(&opposite).unwrap();
        assert!((s + 1.0).abs() < 1e-6, "{s}");
        // Stored rows are unit vectors.
        let n: f32 = index.data.iter().map(|v| v * v).sum();
        assert!((n - 1.0).abs() < 1e-6);
    }

    #[test]
    fn large_values_are_normalised_without_overflow() {
        let mut index = FaceIndex::new(4);
        index.insert(1, &[1e30, 1e30, 0.0, 0.0]);
        let (uid, s) = index.best_match(&[1.0, 1.0, 0.0, 0.0]).unwrap();
        assert_eq!(uid, 1);
        assert!((s - 1.0).abs() < 1e-6);
    }

    #[test]
    fn the_best_of_several() {
        // 19 dims: two full chunks of eight and a remainder of three.
        let dims = 19;
        let mut index = FaceIndex::new(dims as u32);
        for uid in 0..dims as u32 {
            index.insert(uid + 100, &dir(dims, uid as usize, 0, 1.0));
        }
        for axis in 0..dims {
            let q = dir(dims, axis, (axis + 1) % dims, 0.9);
            let (uid, s) = index.best_match(&q).unwrap();
            assert_eq!(uid, axis as u32 + 100);
            assert!((s - 0.9).abs() < 1e-6, "{s}");
        }
    }

    #[test]
    fn ties_go_to_the_lower_uid() {
        let mut index = FaceIndex::new(2);
        index.insert(9, &[1.0, 0.0]);
        index.insert(3, &[0.0, 1.0]);
        index.insert(5, &[0.0, 2.0]);
        assert_eq!(index.best_match(&[1.0, 1.0]).unwrap().0, 3);
        assert_eq!(index.best_match(&[0.0, 1.0]).unwrap().0, 3);
    }

    #[test]
    fn thresholds_at_their_boundaries() {
        let dims = 8;
        let mut index = FaceIndex::new(dims as u32);
        index.insert(1, &dir(dims, 0, 1, 1.0));
        for t in [
            FaceThreshold::Low,
            FaceThreshold::Normal,
            FaceThreshold::High,
        ] {
            let min = t.min_similarity();
            let above = dir(dims, 0, 1, min + 0.001);
            let below = dir(dims, 0, 1, min - 0.001);
            let (uid, s) = index.matches(&above, t).unwrap();
            assert_eq!(uid, 1);
            assert!(s >= min);
            assert_eq!(index.matches(&below, t), None, "{t:?}");
            assert!(index.best_match(&below).is_some());
            // Exactly on the boundary (the stored row is an axis, so the
            // similarity is the query's first value divided by its norm,
            // and this query's norm is exactly 1).
            let on = [min, (1.0 - min * min).sqrt(), 0.0, 0.0, 0.0, 0.0, 0.0, 0.0];
            let s = index.best_match(&on).unwrap().1;
            assert_eq!(index.matches(&on, t).is_some(), s >= min);
        }
        // Low accepts what Normal refuses.
        let q = dir(dims, 0, 1, 0.65);
        assert!(index.matches(&q, FaceThreshold::Low).is_some());
        assert!(index.matches(&q, FaceThreshold::Normal).is_none());
        assert!(index.matches(&q, FaceThreshold::High).is_none());
    }

    #[test]
    fn wrong_length_zero_and_empty_give_none() {
        let mut index = FaceIndex::new(4);
        assert_eq!(index.best_match(&[1.0, 0.0, 0.0, 0.0]), None);
        index.insert(1, &[1.0, 2.0, 3.0, 4.0]);
        assert_eq!(index.best_match(&[1.0, 0.0, 0.0]), None);
        assert_eq!(index.best_match(&[1.0, 0.0, 0.0, 0.0, 0.0]), None);
        assert_eq!(index.best_match(&[0.0; 4]), None);
        assert_eq!(index.best_match(&[f32::NAN, 0.0, 0.0, 0.0]), None);
        assert_eq!(index.best_match(&[f32::INFINITY, 0.0, 0.0, 0.0]), None);
        assert_eq!(index.best_match(&[1e30, 1e30, 0.0, 0.0]), None);
        assert!(!index.insert(2, &[1.0; 3]));
        assert_eq!(index.len(), 1);
        assert_eq!(FaceIndex::new(0).best_match(&[]), None);
    }

    #[test]
    fn a_zero_face_never_matches() {
        let mut index = FaceIndex::new(3);
        index.insert(7, &[0.0; 3]);
        index.insert(8, &[f32::NAN, 1.0, 1.0]);
        assert_eq!(index.len(), 2);
        assert_eq!(index.best_match(&[1.0, 0.0, 0.0]), Some((7, 0.0)));
        assert_eq!(index.matches(&[1.0, 0.0, 0.0], FaceThreshold::Low), None);
    }

    #[test]
    fn insert_replaces_the_face_of_a_uid() {
        let mut index = FaceIndex::new(3);
        index.insert(1, &[1.0, 0.0, 0.0]);
        index.insert(2, &[0.0, 1.0, 0.0]);
        index.insert(1, &[0.0, 0.0, 5.0]);
        assert_eq!(index.len(), 2);
        assert_eq!(index.data.len(), 6);
        assert_eq!(index.best_match(&[0.0, 0.0, 1.0]), Some((1, 1.0)));
        let (_, s) = index.best_match(&[1.0, 0.0, 0.0]).unwrap();
        assert_eq!(s, 0.0);
    }

    #[test]
    fn remove_keeps_the_others_findable() {
        let dims = 5;
        let mut index = FaceIndex::new(dims as u32);
        for uid in 0..5u32 {
            index.insert(uid * 10, &dir(dims, uid as usize, 0, 1.0));
        }
        // The first row: the last one (uid 40) moves into it.
        assert!(index.remove(0));
        assert!(!index.remove(0));
        assert_eq!(index.len(), 4);
        assert_eq!(index.rows[&40], 0);
        assert_eq!(index.data.len(), 4 * dims);
        for uid in [10u32, 20, 30, 40] {
            let q = dir(dims, (uid / 10) as usize, 0, 1.0);
            assert_eq!(index.best_match(&q), Some((uid, 1.0)));
        }
        // The last row: nothing moves.
        assert!(index.remove(30));
        assert!(!index.contains(30));
        // Replacing the face of a moved uid writes its new row.
        index.insert(40, &dir(dims, 1, 0, 1.0));
        assert_eq!(index.best_match(&dir(dims, 1, 0, 1.0)).unwrap().1, 1.0);
        assert_eq!(index.best_match(&dir(dims, 4, 0, 1.0)).unwrap().1, 0.0);
        for uid in [10, 20, 40] {
            assert!(index.remove(uid));
        }
        assert!(index.is_empty());
        assert!(index.data.is_empty());
        assert_eq!(index.best_match(&dir(dims, 1, 0, 1.0)), None);
    }

    #[test]
    fn clear_and_set_dims() {
        let mut index = FaceIndex::new(2);
        index.insert(1, &[1.0, 0.0]);
        index.clear_and_set_dims(3);
        assert!(index.is_empty());
        assert_eq!(index.dims(), 3);
        assert!(index.insert(1, &[1.0, 0.0, 0.0]));
        assert!(index.contains(1));
    }

    #[test]
    fn decode_face_cases() {
        let v = [1.5f32, -2.0, 0.0, 3.25];
        assert_eq!(decode_face(&encode(&v), 4), Some(v.to_vec()));
        assert_eq!(decode_face(&encode(&v), 3), None);
        assert_eq!(decode_face(&encode(&v), 5), None);
        assert_eq!(decode_face(&encode(&v[..3]), 4), None);
        // Not whole values.
        let bytes = [0u8; 15];
        let text = base64::engine::general_purpose::STANDARD.encode(bytes);
        assert_eq!(decode_face(&text, 4), None);
        // Not Base64 (URL-safe alphabet, bad padding, garbage).
        assert_eq!(decode_face("not base64!", 2), None);
        assert_eq!(decode_face("AAAAAA", 1), None);
        assert_eq!(decode_face("____AAAA", 1), None);
        assert_eq!(decode_face("", 0), Some(vec![]));
        for bad in [f32::NAN, f32::INFINITY, f32::NEG_INFINITY] {
            assert_eq!(decode_face(&encode(&[1.0, bad]), 2), None);
        }
    }
}
