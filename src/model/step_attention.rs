//! Attention for a decoding step that adds one target token per row: each row's query attends
//! over the cached source (shared by every row) and its own cached target prefix, head by head,
//! in one pass over plain slices. Candle would spend a dozen small tensor operations (copies,
//! transposes, a concatenation) per layer on the same few hundred scores.

use rayon::prelude::*;

use super::row_product::{self, PARALLEL_MIN_WORK};

/// The cached keys and values one step attends over, as contiguous f32 slices.
pub struct StepKeys<'a> {
    /// Source keys `[heads, head_dim, source_len]`.
    pub source_keys_t: &'a [f32],
    /// Source values `[heads, source_len, head_dim]`.
    pub source_values: &'a [f32],
    pub source_len: usize,
    /// Target keys `[rows, heads, capacity, head_dim]`, the first `target_len` positions filled.
    pub target_keys: &'a [f32],
    /// Target values, laid out like the keys.
    pub target_values: &'a [f32],
    pub capacity: usize,
    pub target_len: usize,
}

/// The attention context of `queries` (`[rows, heads * head_dim]`, already scaled), laid out
/// the same way.
pub fn attend(queries: &[f32], heads: usize, head_dim: usize, keys: &StepKeys) -> Vec<f32> {
    let mut context = vec![0f32; queries.len()];
    let run = |scores: &mut Vec<f32>, (row_head, (out, query)): (usize, (&mut [f32], &[f32]))| {
        let (row, head) = (row_head / heads, row_head % heads);
        one_head(query, head, row * heads + head, keys, scores, out);
    };
    // Scores and weighted values: two multiply-adds per key element.
    let work = 2 * queries.len() * (keys.source_len + keys.target_len);
    if work < PARALLEL_MIN_WORK {
        let mut scores = Vec::new();
        context
            .chunks_mut(head_dim)
            .zip(queries.chunks(head_dim))
            .enumerate()
            .for_each(|item| run(&mut scores, item));
    } else {
        context
            .par_chunks_mut(head_dim)
            .zip(queries.par_chunks(head_dim))
            .enumerate()
            .for_each_init(Vec::new, run);
    }
    context
}

/// One row's query against one head: scores, softmax, weighted values.
fn one_head(
    query: &[f32],
    head: usize,
    target_head: usize,
    keys: &StepKeys,
    scores: &mut Vec<f32>,
    out: &mut [f32],
) {
    let (d, s, t) = (query.len(), keys.source_len, keys.target_len);
    let source_keys = &keys.source_keys_t[head * d * s..(head + 1) * d * s];
    let source_values = &keys.source_values[head * s * d..(head + 1) * s * d];
    let block = keys.capacity * d;
    let target_keys = &keys.target_keys[target_head * block..][..t * d];
    let target_values = &keys.target_values[target_head * block..][..t * d];

    scores.clear();
    scores.resize(s + t, 0.0);
    let (from_source, from_target) = scores.split_at_mut(s);
    for (&q, key_row) in query.iter().zip(source_keys.chunks_exact(s)) {
        for (score, &k) in from_source.iter_mut().zip(key_row) {
            *score += q * k;
        }
    }
    for (score, key) in from_target.iter_mut().zip(target_keys.chunks_exact(d)) {
        *score = row_product::dot(query, key);
    }
    let max = scores.iter().copied().fold(f32::NEG_INFINITY, f32::max);
    let mut total = 0f32;
    for score in scores.iter_mut() {
        *score = (*score - max).exp();
        total += *score;
    }
    out.fill(0.0);
    let values = source_values
        .chunks_exact(d)
        .chain(target_values.chunks_exact(d));
    for (&weight, value) in scores.iter().zip(values) {
        for (o, &v) in out.iter_mut().zip(value) {
            *o += weight * v;
        }
    }
    for o in out.iter_mut() {
        *o /= total;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Attention written out directly over the logical layouts.
    fn naive(q: &[f32], heads: usize, d: usize, keys: &StepKeys) -> Vec<f32> {
        let (s, t) = (keys.source_len, keys.target_len);
        let rows = q.len() / (heads * d);
        let mut out = vec![0f32; q.len()];
        for r in 0..rows {
            for h in 0..heads {
                let qv = &q[(r * heads + h) * d..][..d];
                let key = |j: usize, i: usize| {
                    if j < s {
                        keys.source_keys_t[(h * d + i) * s + j]
                    } else {
                        keys.target_keys[((r * heads + h) * keys.capacity + j - s) * d + i]
                    }
                };
                let value = |j: usize, i: usize| {
                    if j < s {
                        keys.source_values[(h * s + j) * d + i]
                    } else {
                        keys.target_values[((r * heads + h) * keys.capacity + j - s) * d + i]
                    }
                };
                let scores: Vec<f32> = (0..s + t)
                    .map(|j| (0..d).map(|i| qv[i] * key(j, i)).sum())
                    .collect();
                let max = scores.iter().copied().fold(f32::NEG_INFINITY, f32::max);
                let exps: Vec<f32> = scores.iter().map(|x| (x - max).exp()).collect();
                let total: f32 = exps.iter().sum();
                for i in 0..d {
                    out[(r * heads + h) * d + i] =
                        (0..s + t).map(|j| exps[j] * value(j, i)).sum::<f32>() / total;
                }
            }
        }
        out
    }

    fn numbers(n: usize, seed: u32) -> Vec<f32> {
        (0..n)
            .map(|i| {
                ((i as u32).wrapping_mul(2654435761).wrapping_add(seed) % 1000) as f32 / 500.0 - 1.0
            })
            .collect()
    }

    /// Compare with the written-out attention, and check that cache positions past
    /// `target_len` are never read.
    fn check(rows: usize, heads: usize, d: usize, s: usize, capacity: usize, t: usize) {
        let q = numbers(rows * heads * d, 1);
        let source_keys_t = numbers(heads * d * s, 2);
        let source_values = numbers(heads * s * d, 3);
        let target_keys = numbers(rows * heads * capacity * d, 4);
        let target_values = numbers(rows * heads * capacity * d, 5);
        let keys = StepKeys {
            source_keys_t: &source_keys_t,
            source_values: &source_values,
            source_len: s,
            target_keys: &target_keys,
            target_values: &target_values,
            capacity,
            target_len: t,
        };
        let got = attend(&q, heads, d, &keys);
        let want = naive(&q, heads, d, &keys);
        let diff = got
            .iter()
            .zip(&want)
            .map(|(a, b)| (a - b).abs())
            .fold(0f32, f32::max);
        assert!(diff < 1e-5, "max diff {diff}");
        let mut stale = target_keys.clone();
        for row_head in 0..rows * heads {
            stale[(row_head * capacity + t) * d] = 1e9;
        }
        let keys = StepKeys {
            target_keys: &stale,
            ..keys
        };
        assert_eq!(attend(&q, heads, d, &keys), got);
    }

    #[test]
    fn matches_attention_written_out_on_one_thread() {
        let (rows, heads, d, s, t) = (3, 2, 5, 7, 4);
        assert!(2 * rows * heads * d * (s + t) < PARALLEL_MIN_WORK);
        check(rows, heads, d, s, 6, t);
    }

    #[test]
    fn matches_attention_written_out_on_the_thread_pool() {
        let (rows, heads, d, s, t) = (4, 8, 32, 300, 40);
        assert!(2 * rows * heads * d * (s + t) >= PARALLEL_MIN_WORK);
        check(rows, heads, d, s, 64, t);
    }
}
