//! The decoder of the llama and qwen2 families in one forward pass: token embedding, then per
//! layer RMSNorm, grouped-query self-attention with rotary position embeddings (optionally
//! linearly scaled) and a key/value cache, RMSNorm and a SwiGLU MLP, each added back to the
//! residual stream; a final RMSNorm and the output projection (tied to the embeddings in the
//! small Qwen2.5 sizes).
//!
//! Shaped like candle-transformers' `quantized_llama.rs` and `qwen2.rs` (a `load(weights, cfg)`
//! building the layers and a `forward(ids, position)`), with what those files do not do:
//! - linear RoPE scaling (positions divided by the factor, as Hugging Face's
//!   `LlamaLinearScalingRotaryEmbedding` and llama.cpp's `rope_freq_scale = 1/factor` do), which
//!   DeepSeek-Coder and SemCoder need;
//! - one code path for GGUF and safetensors weights: GGUF llama stores q/k rows permuted by
//!   llama.cpp's converter so the rotation pairs adjacent dimensions (`rope_i`), Hugging Face
//!   weights and GGUF qwen2 rotate the two halves of each head (`rope`);
//! - logits for every position on request (parity tests compare them all), the last one only
//!   while generating;
//! - the key/value cache lives outside the model ([`KvState`]), so one loaded model can serve
//!   several generations at once.
//!
//! Grouped-query attention multiplies each key/value head with its group of query heads
//! stacked, so keys and values are never copied per query head.

use anyhow::{bail, Result};
use candle_core::{Device, Tensor};
use candle_nn::kv_cache::KvCache;

use super::config::CausalConfig;
use super::weights::{Embedding, Matrix, Weights};

/// Key/value cache growth step (positions).
const CACHE_STEP: usize = 512;

/// Longest run of positions fed through the layers at once: a long prompt goes in pieces, so
/// its activations and attention scores stay bounded (the weights are dequantized once per
/// piece for the batched products).
const PROMPT_CHUNK: usize = 256;

struct Linear {
    weight: Matrix,
    bias: Option<Tensor>,
}

impl Linear {
    fn load(w: &Weights, name: &str, out: usize, inp: usize, bias: bool) -> Result<Self> {
        let weight = w.matmul(&format!("{name}.weight"), out, inp)?;
        let bias = if bias {
            Some(w.dense(&format!("{name}.bias"), &[out])?)
        } else {
            None
        };
        Ok(Self { weight, bias })
    }

    fn forward(&self, x: &Tensor) -> Result<Tensor> {
        let y = self.weight.forward(x)?;
        Ok(match &self.bias {
            Some(b) => y.broadcast_add(b)?,
            None => y,
        })
    }
}

struct Layer {
    attn_norm: Tensor,
    q: Linear,
    k: Linear,
    v: Linear,
    o: Linear,
    ffn_norm: Tensor,
    gate: Linear,
    up: Linear,
    down: Linear,
}

/// A loaded decoder (immutable; the per-generation state is a [`KvState`]).
pub struct Transformer {
    cfg: CausalConfig,
    embed: Embedding,
    layers: Vec<Layer>,
    norm: Tensor,
    lm_head: Matrix,
    /// `1 / theta^(2i/d)` for each rotation pair, divided by the linear scaling factor.
    inv_freq: Vec<f32>,
}

/// The key/value cache of one generation and how many positions it holds.
pub struct KvState {
    layers: Vec<KvCache>,
    position: usize,
}

impl KvState {
    /// Positions already processed.
    pub fn position(&self) -> usize {
        self.position
    }

    /// An independent copy holding the same positions (the cached keys and values are copied,
    /// so feeding one copy never changes the other): several generations continue one prompt.
    pub fn fork(&self) -> Result<KvState> {
        let mut layers = Vec::with_capacity(self.layers.len());
        for cache in &self.layers {
            let mut copy = KvCache::new(2, CACHE_STEP);
            if let (Some(k), Some(v)) = (cache.k()?, cache.v()?) {
                copy.append(&k.contiguous()?, &v.contiguous()?)?;
            }
            layers.push(copy);
        }
        Ok(KvState {
            layers,
            position: self.position,
        })
    }
}

impl Transformer {
    /// Build the decoder from `weights` (tensors by their Hugging Face names).
    pub fn load(w: &Weights, cfg: &CausalConfig) -> Result<Self> {
        let (h, hd) = (cfg.hidden_size, cfg.head_dim);
        let (q_out, kv_out) = (cfg.num_heads * hd, cfg.num_kv_heads * hd);
        let embed = w.embedding("model.embed_tokens.weight", cfg.vocab_size, h)?;
        let mut layers = Vec::with_capacity(cfg.num_layers);
        for i in 0..cfg.num_layers {
            let p = format!("model.layers.{i}");
            let lin = |name: &str, out, inp, bias| {
                Linear::load(w, &format!("{p}.{name}"), out, inp, bias)
            };
            layers.push(Layer {
                attn_norm: w.dense(&format!("{p}.input_layernorm.weight"), &[h])?,
                q: lin("self_attn.q_proj", q_out, h, cfg.qkv_bias)?,
                k: lin("self_attn.k_proj", kv_out, h, cfg.qkv_bias)?,
                v: lin("self_attn.v_proj", kv_out, h, cfg.qkv_bias)?,
                o: lin("self_attn.o_proj", h, q_out, cfg.o_bias)?,
                ffn_norm: w.dense(&format!("{p}.post_attention_layernorm.weight"), &[h])?,
                gate: lin("mlp.gate_proj", cfg.intermediate_size, h, false)?,
                up: lin("mlp.up_proj", cfg.intermediate_size, h, false)?,
                down: lin("mlp.down_proj", h, cfg.intermediate_size, false)?,
            });
        }
        let norm = w.dense("model.norm.weight", &[h])?;
        let lm_head = if cfg.tie_embeddings || !w.contains("lm_head.weight") {
            embed.as_matmul()?
        } else {
            w.matmul("lm_head.weight", cfg.vocab_size, h)?
        };
        let inv_freq = (0..hd / 2)
            .map(|i| {
                let exponent = (2 * i) as f64 / hd as f64;
                (1.0 / (cfg.rope_theta as f64).powf(exponent) / cfg.rope_linear_factor as f64)
                    as f32
            })
            .collect();
        Ok(Self {
            cfg: cfg.clone(),
            embed,
            layers,
            norm,
            lm_head,
            inv_freq,
        })
    }

    /// The configuration the model was built from.
    pub fn config(&self) -> &CausalConfig {
        &self.cfg
    }

    /// An empty cache for a new generation.
    pub fn new_state(&self) -> KvState {
        KvState {
            layers: (0..self.cfg.num_layers)
                .map(|_| KvCache::new(2, CACHE_STEP))
                .collect(),
            position: 0,
        }
    }

    /// Cosine and sine `[seq, head_dim/2]` for positions `start..start+seq`.
    fn rotation(&self, start: usize, seq: usize) -> Result<(Tensor, Tensor)> {
        let half = self.inv_freq.len();
        let mut cos = Vec::with_capacity(seq * half);
        let mut sin = Vec::with_capacity(seq * half);
        for p in start..start + seq {
            for f in &self.inv_freq {
                let angle = p as f32 * f;
                cos.push(angle.cos());
                sin.push(angle.sin());
            }
        }
        Ok((
            Tensor::from_vec(cos, (seq, half), &Device::Cpu)?,
            Tensor::from_vec(sin, (seq, half), &Device::Cpu)?,
        ))
    }

    fn rope(&self, x: &Tensor, cos: &Tensor, sin: &Tensor) -> Result<Tensor> {
        Ok(if self.cfg.rope_interleaved {
            candle_nn::rotary_emb::rope_i(x, cos, sin)?
        } else {
            candle_nn::rotary_emb::rope(x, cos, sin)?
        })
    }

    /// Feed `ids` after the positions already in `state`; logits `[n, vocab]` for every new
    /// position (`all`) or for the last one only.
    pub fn forward(&self, ids: &[u32], state: &mut KvState, all: bool) -> Result<Tensor> {
        let seq = ids.len();
        if seq == 0 {
            bail!("nothing to feed the model");
        }
        let start = state.position;
        if start + seq > self.cfg.max_positions {
            bail!(
                "{} tokens exceed the model's context length of {}",
                start + seq,
                self.cfg.max_positions
            );
        }
        if let Some(bad) = ids.iter().find(|&&id| id as usize >= self.cfg.vocab_size) {
            bail!(
                "token id {bad} is outside the model's vocabulary of {}",
                self.cfg.vocab_size
            );
        }
        self.forward_in_pieces(ids, state, all, PROMPT_CHUNK)
    }

    /// [`Self::forward`] with checked ids, `piece` positions at a time.
    fn forward_in_pieces(
        &self,
        ids: &[u32],
        state: &mut KvState,
        all: bool,
        piece: usize,
    ) -> Result<Tensor> {
        let mut logits = Vec::new();
        for chunk in ids.chunks(piece) {
            logits.push(self.forward_chunk(chunk, state, all)?);
        }
        Ok(match logits.len() {
            1 => logits.remove(0),
            _ if all => Tensor::cat(&logits, 0)?,
            _ => logits.remove(logits.len() - 1),
        })
    }

    /// [`Self::forward`] for one piece of checked ids.
    fn forward_chunk(&self, ids: &[u32], state: &mut KvState, all: bool) -> Result<Tensor> {
        let (seq, start) = (ids.len(), state.position);
        let mut x = self.embed.lookup(ids)?;
        let (cos, sin) = self.rotation(start, seq)?;
        let mask = causal_mask(start, seq)?;
        let eps = self.cfg.rms_norm_eps as f32;
        for (layer, cache) in self.layers.iter().zip(state.layers.iter_mut()) {
            let h = candle_nn::ops::rms_norm(&x, &layer.attn_norm, eps)?;
            let attn = self.attention(layer, &h, cache, (&cos, &sin), mask.as_ref())?;
            x = (x + attn)?;
            let h = candle_nn::ops::rms_norm(&x, &layer.ffn_norm, eps)?;
            let mlp = layer.down.forward(
                &(candle_nn::ops::silu(&layer.gate.forward(&h)?)? * layer.up.forward(&h)?)?,
            )?;
            x = (x + mlp)?;
        }
        state.position += seq;
        let x = if all { x } else { x.narrow(0, seq - 1, 1)? };
        let x = candle_nn::ops::rms_norm(&x, &self.norm, eps)?;
        self.lm_head.forward(&x)
    }

    fn attention(
        &self,
        layer: &Layer,
        x: &Tensor,
        cache: &mut KvCache,
        (cos, sin): (&Tensor, &Tensor),
        mask: Option<&Tensor>,
    ) -> Result<Tensor> {
        let cfg = &self.cfg;
        let (seq, hd) = (x.dim(0)?, cfg.head_dim);
        let (nh, nkv) = (cfg.num_heads, cfg.num_kv_heads);
        let heads = |t: Tensor, n: usize| -> Result<Tensor> {
            Ok(t.reshape((1, seq, n, hd))?.transpose(1, 2)?.contiguous()?)
        };
        let q = self.rope(&heads(layer.q.forward(x)?, nh)?, cos, sin)?;
        let k = self.rope(&heads(layer.k.forward(x)?, nkv)?, cos, sin)?;
        let v = heads(layer.v.forward(x)?, nkv)?;
        let (k, v) = cache.append(&k, &v)?;
        let (k, v) = (k.contiguous()?, v.contiguous()?);
        let total = k.dim(2)?;
        let group = nh / nkv;
        // Query heads of one group stacked: [1, nkv, group * seq, hd].
        let q = q.reshape((1, nkv, group * seq, hd))?;
        let scores = (q.matmul(&k.t()?)? * (1.0 / (hd as f64).sqrt()))?;
        let scores = match mask {
            Some(m) => scores
                .reshape((1, nkv, group, seq, total))?
                .broadcast_add(m)?
                .reshape((1, nkv, group * seq, total))?,
            None => scores,
        };
        let probs = candle_nn::ops::softmax_last_dim(&scores)?;
        let y = probs
            .matmul(&v)?
            .reshape((1, nh, seq, hd))?
            .transpose(1, 2)?
            .reshape((seq, nh * hd))?;
        layer.o.forward(&y)
    }
}

/// The additive causal mask `[seq, start+seq]` for new positions after `start` cached ones
/// (`None` for a single position, which sees everything).
fn causal_mask(start: usize, seq: usize) -> Result<Option<Tensor>> {
    if seq == 1 {
        return Ok(None);
    }
    let total = start + seq;
    let values: Vec<f32> = (0..seq)
        .flat_map(|i| {
            (0..total).map(move |j| {
                if j > start + i {
                    f32::NEG_INFINITY
                } else {
                    0.0
                }
            })
        })
        .collect();
    Ok(Some(Tensor::from_vec(values, (seq, total), &Device::Cpu)?))
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;
    use crate::model::row_product::tests::max_diff;

    #[test]
    fn a_prompt_fed_in_pieces_gives_the_logits_of_one_pass() {
        let path = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures/causal/qwen2/model-q8_0.gguf");
        let w = Weights::open_gguf(&path).unwrap();
        let cfg = CausalConfig::from_gguf(w.gguf().unwrap()).unwrap();
        let t = Transformer::load(&w, &cfg).unwrap();
        let ids: Vec<u32> = (0..40).map(|i| (i * 7 % cfg.vocab_size) as u32).collect();
        let whole = t.forward(&ids, &mut t.new_state(), true).unwrap();
        for piece in [1, 16] {
            let pieces = t
                .forward_in_pieces(&ids, &mut t.new_state(), true, piece)
                .unwrap();
            assert_eq!(pieces.dims(), whole.dims());
            let diff = max_diff(&pieces, &whole);
            assert!(diff < 1e-4, "pieces of {piece}: {diff}");
            let mut state = t.new_state();
            let last = t.forward_in_pieces(&ids, &mut state, false, piece).unwrap();
            assert_eq!(state.position(), ids.len());
            let want = whole.narrow(0, ids.len() - 1, 1).unwrap();
            let diff = max_diff(&last, &want);
            assert!(diff < 1e-4, "last of pieces of {piece}: {diff}");
        }
    }
}
