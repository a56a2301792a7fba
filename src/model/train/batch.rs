//! Training examples and batches for CodeExecutor's prefix-LM objective: each sequence is the
//! source (seen bidirectionally) followed by `<mask0>` and the trace (seen causally); the loss
//! covers the trace tokens and the final `</s>` only, with weight 10 on every token except the
//! structural `<state>`, `</state>`, `<dictsep>` and `:`, which weigh 1.

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
        let n = examples.iter().map(|e| e.len()).max().unwrap_or(0);
        if n == 0 {
            bail!("an empty batch");
        }
        let b = examples.len();
        let mut ids = Vec::with_capacity(b * n);
        let mut mask = Vec::with_capacity(b * n * n);
        let (mut rows, mut labels, mut weights) = (Vec::new(), Vec::new(), Vec::new());
        let mut tokens = 0;
        for (i, ex) in examples.iter().enumerate() {
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
                weights.push(vocab.weight(label));
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

/// Split `examples` into at most `n` batches of similar length and similar work: sorted by
/// length and dealt out in turn, so each shard pads little and the shards cost about the same.
pub fn shards(
    examples: &[&Example],
    n: usize,
    vocab: &Vocab,
    device: &Device,
) -> Result<Vec<Batch>> {
    let mut sorted = examples.to_vec();
    sorted.sort_by_key(|e| e.len());
    let n = n.clamp(1, sorted.len().max(1));
    (0..n)
        .map(|k| {
            let shard: Vec<&Example> = sorted.iter().skip(k).step_by(n).copied().collect();
            Batch::new(&shard, vocab, device)
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
