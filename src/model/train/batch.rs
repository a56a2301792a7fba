//! Training examples and batches for CodeExecutor's prefix-LM objective: each sequence is the
//! source (seen bidirectionally) followed by `<mask0>` and the trace (seen causally); the loss
//! covers the trace tokens and the final `</s>` only, with weight 10 on every token except the
//! structural `<state>`, `</state>`, `<dictsep>` and `:`, which weigh 1 (optionally scaled so
//! that each dataset of a mixed batch has an equal share, [`loss_scales`]). A step's examples are
//! shared among threads and cut into batches of similar length ([`shards`]).

use std::collections::HashSet;

use anyhow::{bail, Result};
use candle_core::{Device, Tensor};

use crate::dataset::Record;
use crate::model::{source_ids, CodeTokenizer};

/// Weight of an ordinary target token.
pub const HEAVY: f32 = 10.0;
/// Weight of a structural target token.
pub const LIGHT: f32 = 1.0;
/// The structural tokens that weigh [`LIGHT`].
const LIGHT_TOKENS: [&str; 3] = ["<state>", "</state>", "<dictsep>"];

/// The ids training needs from the tokenizer.
#[derive(Debug, Clone)]
pub struct Vocab {
    pub sos: u32,
    pub eos: u32,
    pub pad: u32,
    light: HashSet<u32>,
}

impl Vocab {
    /// Look the ids up; `:` counts as light however the BPE splits it (alone or after a space).
    pub fn new(tokenizer: &CodeTokenizer) -> Result<Self> {
        let mut light = LIGHT_TOKENS
            .iter()
            .map(|t| tokenizer.token_id(t))
            .collect::<Result<HashSet<_>>>()?;
        for colon in [":", " :"] {
            if let [id] = tokenizer.encode(colon)?[..] {
                light.insert(id);
            }
        }
        Ok(Self {
            sos: tokenizer.token_id("<mask0>")?,
            eos: tokenizer.token_id("</s>")?,
            pad: tokenizer.token_id("<pad>")?,
            light,
        })
    }

    /// The loss weight of a target id.
    pub fn weight(&self, id: u32) -> f32 {
        if self.light.contains(&id) {
            LIGHT
        } else {
            HEAVY
        }
    }
}

/// One training sequence: source ids and the target ids the decoder must produce (the trace,
/// then `</s>` unless the trace was cut).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Example {
    pub source: Vec<u32>,
    pub target: Vec<u32>,
}

impl Example {
    /// Build an example from a CodeExecutor record with the dataset prefix token `prefix`.
    /// The source is cut to `max_source` ids and the target to `max_target`.
    pub fn from_record(
        record: &Record,
        prefix: &str,
        tokenizer: &CodeTokenizer,
        vocab: &Vocab,
        max_source: usize,
        max_target: usize,
    ) -> Result<Self> {
        if record.code_tokens.is_empty() || record.trace.is_empty() {
            bail!("record {} has no code_tokens or no trace", record.id);
        }
        let source = source_ids(tokenizer, &record.code_tokens, prefix, max_source)?;
        let mut target = tokenizer.encode(&record.trace.join(" "))?;
        target.push(vocab.eos);
        target.truncate(max_target.max(1));
        Ok(Self { source, target })
    }

    /// The sequence length: source, `<mask0>`, then the target minus its last id.
    pub fn len(&self) -> usize {
        self.source.len() + self.target.len()
    }

    /// Whether the example is empty (never, for a built example).
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// A padded batch, ready for the forward pass.
#[derive(Debug)]
pub struct Batch {
    /// Token ids `[B, n]`.
    pub ids: Tensor,
    /// Additive attention mask `[B, 1, n, n]`.
    pub mask: Tensor,
    /// Rows of the flattened `[B * n]` hidden states that predict a target token.
    pub rows: Tensor,
    /// The target id each of those rows predicts.
    pub labels: Tensor,
    /// The loss weight of each of those rows.
    pub weights: Tensor,
    /// Target tokens in the batch (the rows above).
    pub target_tokens: usize,
    /// Real (unpadded) tokens in the batch.
    pub tokens: usize,
    /// The sum of the weights.
    pub total_weight: f64,
}

/// The value that hides a key from a query.
const HIDDEN: f32 = -1e9;

impl Batch {
    /// Pad `examples` to one length and build the prefix-LM mask: a source token sees the whole
    /// source; a target token sees the source and the target up to itself; padding sees the
    /// source (its rows are never scored).
    pub fn new(examples: &[&Example], vocab: &Vocab, device: &Device) -> Result<Self> {
        let scaled: Vec<Scaled> = examples.iter().map(|&e| (e, 1.0)).collect();
        Self::scaled(&scaled, vocab, device)
    }

    /// [`Batch::new`] with each example's loss weights multiplied by its scale.
    pub fn scaled(examples: &[Scaled], vocab: &Vocab, device: &Device) -> Result<Self> {
        let n = examples.iter().map(|(e, _)| e.len()).max().unwrap_or(0);
        if n == 0 {
            bail!("an empty batch");
        }
        let b = examples.len();
        let mut ids = Vec::with_capacity(b * n);
        let mut mask = Vec::with_capacity(b * n * n);
        let (mut rows, mut labels, mut weights) = (Vec::new(), Vec::new(), Vec::new());
        let mut tokens = 0;
        for (i, (ex, scale)) in examples.iter().enumerate() {
            let s = ex.source.len();
            let len = ex.len();
            tokens += len;
            ids.extend_from_slice(&ex.source);
            ids.push(vocab.sos);
            ids.extend_from_slice(&ex.target[..ex.target.len() - 1]);
            ids.resize((i + 1) * n, vocab.pad);
            for q in 0..n {
                let sees = |k: usize| {
                    if q >= s && q < len {
                        k <= q
                    } else {
                        k < s
                    }
                };
                mask.extend((0..n).map(|k| if sees(k) { 0.0 } else { HIDDEN }));
            }
            for (j, &label) in ex.target.iter().enumerate() {
                rows.push((i * n + s + j) as u32);
                labels.push(label);
                weights.push(vocab.weight(label) * scale);
            }
        }
        let target_tokens = rows.len();
        let total_weight = weights.iter().map(|&w| w as f64).sum();
        Ok(Self {
            ids: Tensor::from_vec(ids, (b, n), device)?,
            mask: Tensor::from_vec(mask, (b, 1, n, n), device)?,
            rows: Tensor::from_vec(rows, target_tokens, device)?,
            labels: Tensor::from_vec(labels, target_tokens, device)?,
            weights: Tensor::from_vec(weights, target_tokens, device)?,
            target_tokens,
            tokens,
            total_weight,
        })
    }
}

/// An example and the factor its loss weights are multiplied by.
pub type Scaled<'a> = (&'a Example, f32);

/// The examples of a step (each with the index of its dataset) and their loss scales. With
/// `balance`, every dataset in the batch gets an equal share of the loss, whatever its number of
/// target tokens; without it (or with one dataset) every scale is 1 and each target token
/// counts by its own weight. The scales keep the batch's total weight unchanged.
pub fn loss_scales<'a>(
    examples: &[(usize, &'a Example)],
    vocab: &Vocab,
    balance: bool,
) -> Vec<Scaled<'a>> {
    if !balance {
        return examples.iter().map(|&(_, e)| (e, 1.0)).collect();
    }
    let weight = |e: &Example| -> f64 { e.target.iter().map(|&t| vocab.weight(t) as f64).sum() };
    let mut per_dataset: Vec<(usize, f64)> = Vec::new();
    for &(d, e) in examples {
        match per_dataset.iter_mut().find(|(k, _)| *k == d) {
            Some((_, w)) => *w += weight(e),
            None => per_dataset.push((d, weight(e))),
        }
    }
    let total: f64 = per_dataset.iter().map(|(_, w)| w).sum();
    let share = total / per_dataset.len() as f64;
    examples
        .iter()
        .map(|&(d, e)| {
            let dataset_weight = per_dataset
                .iter()
                .find(|(k, _)| *k == d)
                .map_or(total, |(_, w)| *w);
            let scale = if dataset_weight > 0.0 {
                (share / dataset_weight) as f32
            } else {
                1.0
            };
            (e, scale)
        })
        .collect()
}

/// The padded work of a batch of `count` examples of at most `len` tokens, in units of one
/// token's dense layers: attention adds one unit per [`KEYS_PER_DENSE_UNIT`] keys it looks at.
fn padded_cost(count: usize, len: usize) -> usize {
    count * len * (KEYS_PER_DENSE_UNIT + len) / KEYS_PER_DENSE_UNIT + BATCH_OVERHEAD
}

/// Keys of attention that cost about as much as a token's dense layers at the shipped width.
const KEYS_PER_DENSE_UNIT: usize = 384;
/// The fixed cost of one more forward and backward pass, in the units of [`padded_cost`].
const BATCH_OVERHEAD: usize = 64;

/// Split `examples` (sorted by length) into consecutive runs that minimise their total
/// [`padded_cost`]: short examples are not padded to the length of long ones.
fn length_groups<'a>(examples: &[Scaled<'a>]) -> Vec<Vec<Scaled<'a>>> {
    let m = examples.len();
    // best[i]: the least cost of the first i examples, and where its last run starts.
    let mut best = vec![(0usize, 0usize); m + 1];
    for i in 1..=m {
        let len = examples[i - 1].0.len();
        best[i] = (0..i)
            .map(|j| (best[j].0 + padded_cost(i - j, len), j))
            .min()
            .unwrap_or((0, 0));
    }
    let mut groups = Vec::new();
    let mut end = m;
    while end > 0 {
        let start = best[end].1;
        groups.push(examples[start..end].to_vec());
        end = start;
    }
    groups.reverse();
    groups
}

/// The shares of at most `n` parallel threads, of about equal cost: `examples` sorted by length
/// and dealt out in turn, so each share is sorted by length too.
pub fn deal<'a>(examples: &[Scaled<'a>], n: usize) -> Vec<Vec<Scaled<'a>>> {
    let mut sorted = examples.to_vec();
    sorted.sort_by_key(|(e, _)| e.len());
    let n = n.clamp(1, sorted.len().max(1));
    (0..n)
        .map(|k| sorted.iter().skip(k).step_by(n).copied().collect())
        .collect()
}

/// Split `examples` into the work of at most `n` parallel threads ([`deal`]), each thread's
/// share cut into [`length_groups`], so that little padding is computed. Each inner list is one
/// thread's batches.
pub fn shards(
    examples: &[Scaled],
    n: usize,
    vocab: &Vocab,
    device: &Device,
) -> Result<Vec<Vec<Batch>>> {
    deal(examples, n)
        .iter()
        .map(|share| {
            length_groups(share)
                .iter()
                .map(|group| Batch::scaled(group, vocab, device))
                .collect()
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vocab() -> Vocab {
        Vocab {
            sos: 90,
            eos: 2,
            pad: 1,
            light: [7].into_iter().collect(),
        }
    }

    fn sized(source: usize, target: usize) -> Example {
        Example {
            source: vec![10; source],
            target: vec![21; target],
        }
    }

    #[test]
    fn balanced_scales_give_each_dataset_an_equal_share_of_the_weight() {
        let v = vocab();
        let (short, long) = (sized(3, 2), sized(3, 30));
        let examples = [(0, &short), (2, &long), (0, &short)];
        let weight = |scaled: &[Scaled], d: usize| -> f64 {
            examples
                .iter()
                .zip(scaled)
                .filter(|((k, _), _)| *k == d)
                .map(|(_, (e, s))| e.target.len() as f64 * HEAVY as f64 * *s as f64)
                .sum()
        };
        let plain = loss_scales(&examples, &v, false);
        assert!(plain.iter().all(|(_, s)| *s == 1.0));
        assert_eq!((weight(&plain, 0), weight(&plain, 2)), (40.0, 300.0));
        let balanced = loss_scales(&examples, &v, true);
        let (a, b) = (weight(&balanced, 0), weight(&balanced, 2));
        assert!(
            (a - 170.0).abs() < 1e-3 && (b - 170.0).abs() < 1e-3,
            "{a} {b}"
        );
        let one_dataset = [(1, &short), (1, &long)];
        assert!(loss_scales(&one_dataset, &v, true)
            .iter()
            .all(|(_, s)| *s == 1.0));
    }

    #[test]
    fn short_examples_are_not_padded_to_the_length_of_long_ones() {
        let v = vocab();
        let (short, long) = (sized(2, 2), sized(100, 100));
        let mut examples: Vec<Scaled> = vec![(&long, 1.0); 2];
        examples.extend([(&short, 1.0); 6]);
        let threads = shards(&examples, 2, &v, &Device::Cpu).unwrap();
        assert_eq!(threads.len(), 2);
        for batches in &threads {
            let widths: Vec<(usize, usize)> =
                batches.iter().map(|b| b.ids.dims2().unwrap()).collect();
            assert_eq!(
                widths,
                vec![(3, 4), (1, 200)],
                "each thread: 3 short, 1 long"
            );
        }
        let same = vec![(&short, 1.0); 5];
        assert_eq!(
            length_groups(&same).len(),
            1,
            "equal lengths share one batch"
        );
    }

    #[test]
    fn mask_is_bidirectional_over_the_source_and_causal_over_the_target() {
        let v = vocab();
        let a = Example {
            source: vec![10, 11],
            target: vec![7, 21, 2],
        };
        let b = Example {
            source: vec![12],
            target: vec![2],
        };
        let batch = Batch::new(&[&a, &b], &v, &Device::Cpu).unwrap();
        let ids = batch.ids.to_vec2::<u32>().unwrap();
        assert_eq!(ids, vec![vec![10, 11, 90, 7, 21], vec![12, 90, 1, 1, 1]]);
        let m: Vec<Vec<Vec<f32>>> = (0..2)
            .map(|i| {
                batch
                    .mask
                    .get(i)
                    .unwrap()
                    .squeeze(0)
                    .unwrap()
                    .to_vec2()
                    .unwrap()
            })
            .collect();
        let open = |row: &Vec<f32>| -> Vec<usize> {
            row.iter()
                .enumerate()
                .filter(|(_, x)| **x == 0.0)
                .map(|(k, _)| k)
                .collect()
        };
        assert_eq!(open(&m[0][0]), vec![0, 1], "source sees source only");
        assert_eq!(open(&m[0][1]), vec![0, 1]);
        assert_eq!(open(&m[0][2]), vec![0, 1, 2], "<mask0> sees the source");
        assert_eq!(open(&m[0][4]), vec![0, 1, 2, 3, 4]);
        assert_eq!(open(&m[1][1]), vec![0, 1]);
        assert_eq!(open(&m[1][3]), vec![0], "padding sees the source");
        assert_eq!(batch.rows.to_vec1::<u32>().unwrap(), vec![2, 3, 4, 6]);
        assert_eq!(batch.labels.to_vec1::<u32>().unwrap(), vec![7, 21, 2, 2]);
        assert_eq!(
            batch.weights.to_vec1::<f32>().unwrap(),
            vec![LIGHT, HEAVY, HEAVY, HEAVY]
        );
        assert_eq!((batch.target_tokens, batch.tokens), (4, 7));
    }
}
