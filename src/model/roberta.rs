//! The RoBERTa encoder on candle, used the UniXcoder way: one stack of layers serves as the
//! bidirectional encoder of the source (whose keys and values are kept) and as the causal
//! decoder of the target, which attends over the cached source and its own cached prefix.
//! The LM head is the word-embedding matrix, without bias.

use anyhow::{Context, Result};
use candle_core::{DType, Device, Tensor, D};
use candle_nn::kv_cache::KvCache;
use candle_nn::{ops, VarBuilder};

use super::config::RobertaConfig;
use super::row_product;
use super::step_attention::{self, StepKeys};

/// Which kernels the forward pass uses. Candle's fused layer norm and last-dim softmax are
/// fastest but carry no gradients; training needs the differentiable ones.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Kernels {
    #[default]
    Fused,
    Differentiable,
}

/// Load one tensor of a known shape, naming it in the error.
fn tensor(vb: &VarBuilder, shape: &[usize], name: &str) -> Result<Tensor> {
    vb.get(shape, name).with_context(|| {
        let prefix = vb.prefix();
        let dot = if prefix.is_empty() { "" } else { "." };
        format!("weight `{prefix}{dot}{name}`")
    })
}

/// A linear layer computed as one matrix product over all leading dimensions.
#[derive(Debug, Clone)]
struct Dense {
    weight: Tensor,
    bias: Tensor,
}

impl Dense {
    fn load(vb: VarBuilder, input: usize, output: usize) -> Result<Self> {
        Ok(Self {
            weight: tensor(&vb, &[output, input], "weight")?,
            bias: tensor(&vb, &[output], "bias")?,
        })
    }

    fn forward(&self, x: &Tensor, kernels: Kernels) -> Result<Tensor> {
        let dims = x.dims().to_vec();
        let (last, lead) = dims.split_last().context("dense input has no dimensions")?;
        let rows: usize = lead.iter().product();
        let flat = x.reshape((rows, *last))?;
        let y = match inference_product(kernels, &flat, &self.weight, Some(&self.bias))? {
            Some(y) => y,
            None => flat.matmul(&self.weight.t()?)?.broadcast_add(&self.bias)?,
        };
        let mut out = lead.to_vec();
        out.push(self.weight.dim(0)?);
        Ok(y.reshape(out)?)
    }
}

/// Layer normalisation with a choice of kernel.
#[derive(Debug, Clone)]
struct Norm {
    weight: Tensor,
    bias: Tensor,
    eps: f32,
}

impl Norm {
    fn load(vb: VarBuilder, size: usize, eps: f64) -> Result<Self> {
        Ok(Self {
            weight: tensor(&vb, &[size], "weight")?,
            bias: tensor(&vb, &[size], "bias")?,
            eps: eps as f32,
        })
    }

    fn forward(&self, x: &Tensor, kernels: Kernels) -> Result<Tensor> {
        let x = x.contiguous()?;
        Ok(match kernels {
            Kernels::Fused => ops::layer_norm(&x, &self.weight, &self.bias, self.eps)?,
            Kernels::Differentiable => {
                ops::layer_norm_slow(&x, &self.weight, &self.bias, self.eps)?
            }
        })
    }
}

/// The decoding-step product of [`row_product`] when the kernels are the inference ones and
/// it applies; `None` to use candle's (differentiable) matmul.
fn inference_product(
    kernels: Kernels,
    x: &Tensor,
    weight: &Tensor,
    bias: Option<&Tensor>,
) -> Result<Option<Tensor>> {
    match kernels {
        Kernels::Fused => row_product::rows_times_transposed(x, weight, bias),
        Kernels::Differentiable => Ok(None),
    }
}

fn softmax(x: &Tensor, kernels: Kernels) -> Result<Tensor> {
    Ok(match kernels {
        Kernels::Fused => ops::softmax_last_dim(&x.contiguous()?)?,
        Kernels::Differentiable => ops::softmax(x, D::Minus1)?,
    })
}

/// The cached keys and values of the source for one layer, laid out for a product with the
/// target's queries of any batch size: keys `[heads, head_dim, S]`, values `[heads, S, head_dim]`.
#[derive(Debug, Clone)]
pub struct SourceKv {
    keys_t: Tensor,
    values: Tensor,
}

impl SourceKv {
    /// The number of cached source positions.
    pub fn len(&self) -> usize {
        self.values.dim(1).unwrap_or(0)
    }

    /// Whether the source is empty.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// Where the keys and values of an attention call come from.
enum Keys<'a> {
    /// Only the tokens themselves (the source, or a whole training sequence).
    Own,
    /// The cached source, then the target prefix cache extended by these tokens.
    SourceAndCache(&'a SourceKv, &'a mut KvCache),
}

#[derive(Debug, Clone)]
struct Attention {
    query: Dense,
    key: Dense,
    value: Dense,
    output: Dense,
    norm: Norm,
    heads: usize,
    head_dim: usize,
}

impl Attention {
    fn load(vb: VarBuilder, cfg: &RobertaConfig) -> Result<Self> {
        let h = cfg.hidden_size;
        let own = vb.pp("self");
        Ok(Self {
            query: Dense::load(own.pp("query"), h, h)?,
            key: Dense::load(own.pp("key"), h, h)?,
            value: Dense::load(own.pp("value"), h, h)?,
            output: Dense::load(vb.pp("output").pp("dense"), h, h)?,
            norm: Norm::load(vb.pp("output").pp("LayerNorm"), h, cfg.layer_norm_eps)?,
            heads: cfg.num_attention_heads,
            head_dim: cfg.head_dim(),
        })
    }

    /// `[B, t, H]` to `[B, heads, t, head_dim]`.
    fn split_heads(&self, x: &Tensor) -> Result<Tensor> {
        let (b, t, _) = x.dims3()?;
        Ok(x.reshape((b, t, self.heads, self.head_dim))?
            .transpose(1, 2)?
            .contiguous()?)
    }

    /// The context `[B, 1, H]` of one new token per row (queries `[B, heads, 1, head_dim]`)
    /// over the source and the target cache that already holds the new token, computed by
    /// [`step_attention`]; `None` where the tensors are not plain f32 CPU ones.
    fn one_token_context(
        &self,
        q: &Tensor,
        source: &SourceKv,
        cache: &KvCache,
    ) -> Result<Option<Tensor>> {
        let (Some(k_all), Some(v_all)) = (cache.k_cache().all_data(), cache.v_cache().all_data())
        else {
            return Ok(None);
        };
        let (b, heads, _, d) = q.dims4()?;
        let capacity = k_all.dim(2)?;
        let expected = [b, heads, capacity, d];
        if k_all.dims() != expected || v_all.dims() != expected {
            return Ok(None);
        }
        let tensors = [q, &source.keys_t, &source.values, k_all, v_all];
        let guards = tensors.map(Tensor::storage_and_layout);
        let slices: Option<Vec<&[f32]>> = guards
            .iter()
            .map(|(storage, layout)| row_product::f32_slice(storage, layout))
            .collect();
        let Some([queries, source_keys_t, source_values, target_keys, target_values]) =
            slices.as_deref()
        else {
            return Ok(None);
        };
        let keys = StepKeys {
            source_keys_t,
            source_values,
            source_len: source.len(),
            target_keys,
            target_values,
            capacity,
            target_len: cache.current_seq_len(),
        };
        let context = step_attention::attend(queries, heads, d, &keys);
        Ok(Some(Tensor::from_vec(
            context,
            (b, 1, heads * d),
            q.device(),
        )?))
    }

    /// Attention over the given keys; returns the layer's attention output (after its dense,
    /// residual and norm) and, for `Keys::Own`, the keys and values it used.
    fn forward(
        &self,
        x: &Tensor,
        mask: Option<&Tensor>,
        keys: Keys,
        kernels: Kernels,
    ) -> Result<(Tensor, Option<SourceKv>)> {
        let (b, t, hidden) = x.dims3()?;
        let scale = 1.0 / (self.head_dim as f64).sqrt();
        let q = (self.split_heads(&self.query.forward(x, kernels)?)? * scale)?;
        let k = self.split_heads(&self.key.forward(x, kernels)?)?;
        let v = self.split_heads(&self.value.forward(x, kernels)?)?;
        let (context, kept) = match keys {
            Keys::Own => {
                let scores = q.matmul(&k.t()?)?;
                let scores = match mask {
                    Some(m) => scores.broadcast_add(m)?,
                    None => scores,
                };
                let probs = softmax(&scores, kernels)?;
                let context = probs.matmul(&v)?;
                let kept = if b == 1 {
                    Some(SourceKv {
                        keys_t: k.squeeze(0)?.t()?.contiguous()?,
                        values: v.squeeze(0)?,
                    })
                } else {
                    None
                };
                (context, kept)
            }
            Keys::SourceAndCache(source, cache) => {
                let s = source.len();
                let (k_all, v_all) = cache.append(&k, &v)?;
                if kernels == Kernels::Fused && t == 1 {
                    if let Some(context) = self.one_token_context(&q, source, cache)? {
                        let out = self.output.forward(&context, kernels)?;
                        return Ok((self.norm.forward(&(out + x)?, kernels)?, None));
                    }
                }
                let target_scores = q.matmul(&k_all.t()?)?;
                let target_scores = match mask {
                    Some(m) => target_scores.broadcast_add(m)?,
                    None => target_scores,
                };
                // The source part: fold the batch into the rows so one product per head serves
                // every beam.
                let q_rows =
                    q.transpose(0, 1)?
                        .contiguous()?
                        .reshape((self.heads, b * t, self.head_dim))?;
                let source_scores = q_rows
                    .matmul(&source.keys_t)?
                    .reshape((self.heads, b, t, s))?
                    .transpose(0, 1)?;
                let scores = Tensor::cat(&[&source_scores, &target_scores], 3)?;
                let probs = softmax(&scores, kernels)?;
                let p_source = probs
                    .narrow(3, 0, s)?
                    .transpose(0, 1)?
                    .contiguous()?
                    .reshape((self.heads, b * t, s))?;
                let from_source = p_source
                    .matmul(&source.values)?
                    .reshape((self.heads, b, t, self.head_dim))?
                    .transpose(0, 1)?;
                let p_target = probs.narrow(3, s, probs.dim(3)? - s)?.contiguous()?;
                let from_target = p_target.matmul(&v_all.contiguous()?)?;
                ((from_source + from_target)?, None)
            }
        };
        let context = context.transpose(1, 2)?.reshape((b, t, hidden))?;
        let out = self.output.forward(&context, kernels)?;
        let out = self.norm.forward(&(out + x)?, kernels)?;
        Ok((out, kept))
    }
}

#[derive(Debug, Clone)]
struct Layer {
    attention: Attention,
    intermediate: Dense,
    output: Dense,
    norm: Norm,
}

impl Layer {
    fn load(vb: VarBuilder, cfg: &RobertaConfig) -> Result<Self> {
        let (h, i) = (cfg.hidden_size, cfg.intermediate_size);
        Ok(Self {
            attention: Attention::load(vb.pp("attention"), cfg)?,
            intermediate: Dense::load(vb.pp("intermediate").pp("dense"), h, i)?,
            output: Dense::load(vb.pp("output").pp("dense"), i, h)?,
            norm: Norm::load(vb.pp("output").pp("LayerNorm"), h, cfg.layer_norm_eps)?,
        })
    }

    fn forward(
        &self,
        x: &Tensor,
        mask: Option<&Tensor>,
        keys: Keys,
        kernels: Kernels,
    ) -> Result<(Tensor, Option<SourceKv>)> {
        let (attended, kept) = self.attention.forward(x, mask, keys, kernels)?;
        let inner = self.intermediate.forward(&attended, kernels)?.gelu_erf()?;
        let out = self.output.forward(&inner, kernels)?;
        Ok((self.norm.forward(&(out + attended)?, kernels)?, kept))
    }
}

/// The RoBERTa body: embeddings and encoder layers. The LM head is `word_embeddings`.
#[derive(Debug, Clone)]
pub struct Roberta {
    word_embeddings: Tensor,
    position_embeddings: Tensor,
    token_type_row: Tensor,
    embedding_norm: Norm,
    layers: Vec<Layer>,
    cfg: RobertaConfig,
    kernels: Kernels,
}

/// The encoded source: its last hidden states and every layer's keys and values.
#[derive(Debug, Clone)]
pub struct EncodedSource {
    pub hidden: Tensor,
    pub kv: Vec<SourceKv>,
}

impl EncodedSource {
    /// The number of source tokens.
    pub fn len(&self) -> usize {
        self.kv.first().map_or(0, SourceKv::len)
    }

    /// Whether the source is empty.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

impl Roberta {
    /// Load the weights under `vb` (already pointed at the RoBERTa body, e.g. past `roberta.`).
    pub fn load(vb: VarBuilder, cfg: &RobertaConfig) -> Result<Self> {
        let emb = vb.pp("embeddings");
        let h = cfg.hidden_size;
        let token_types = tensor(
            &emb.pp("token_type_embeddings"),
            &[cfg.type_vocab_size, h],
            "weight",
        )?;
        let layers = (0..cfg.num_hidden_layers)
            .map(|i| Layer::load(vb.pp("encoder").pp("layer").pp(i), cfg))
            .collect::<Result<Vec<_>>>()?;
        Ok(Self {
            word_embeddings: tensor(&emb.pp("word_embeddings"), &[cfg.vocab_size, h], "weight")?,
            position_embeddings: tensor(
                &emb.pp("position_embeddings"),
                &[cfg.max_position_embeddings, h],
                "weight",
            )?,
            token_type_row: token_types.get(0)?,
            embedding_norm: Norm::load(emb.pp("LayerNorm"), h, cfg.layer_norm_eps)?,
            layers,
            cfg: cfg.clone(),
            kernels: Kernels::Fused,
        })
    }

    /// The configuration the model was built from.
    pub fn config(&self) -> &RobertaConfig {
        &self.cfg
    }

    /// Choose fused (inference) or differentiable (training) kernels.
    pub fn set_kernels(&mut self, kernels: Kernels) {
        self.kernels = kernels;
    }

    /// The device the weights live on.
    pub fn device(&self) -> &Device {
        self.word_embeddings.device()
    }

    /// RoBERTa position ids of `len` tokens that follow `offset` earlier tokens.
    pub fn position_ids(&self, offset: usize, len: usize) -> Vec<u32> {
        let first = self.cfg.pad_token_id as usize + 1 + offset;
        (first..first + len).map(|p| p as u32).collect()
    }

    /// Embeddings of `ids` (`[B, t]`) at positions `offset..offset + t`.
    fn embed(&self, ids: &Tensor, offset: usize) -> Result<Tensor> {
        let (b, t) = ids.dims2()?;
        if offset + t > self.cfg.max_tokens() {
            anyhow::bail!(
                "sequence of {} tokens exceeds the model's {} positions",
                offset + t,
                self.cfg.max_tokens()
            );
        }
        let h = self.cfg.hidden_size;
        let words = self
            .word_embeddings
            .index_select(&ids.flatten_all()?, 0)?
            .reshape((b, t, h))?;
        let positions = Tensor::new(self.position_ids(offset, t), self.device())?;
        let positions = self.position_embeddings.index_select(&positions, 0)?;
        let x = words
            .broadcast_add(&positions)?
            .broadcast_add(&self.token_type_row)?;
        self.embedding_norm.forward(&x, self.kernels)
    }

    /// The full forward pass over whole sequences `[B, n]` with an optional additive mask
    /// broadcastable to `[B, heads, n, n]` (0 keeps, a large negative value hides). This is the
    /// path training uses.
    pub fn forward(&self, ids: &Tensor, mask: Option<&Tensor>) -> Result<Tensor> {
        let mut x = self.embed(ids, 0)?;
        for layer in &self.layers {
            x = layer.forward(&x, mask, Keys::Own, self.kernels)?.0;
        }
        Ok(x)
    }

    /// Encode a source sequence bidirectionally and keep every layer's keys and values.
    pub fn encode_source(&self, ids: &[u32]) -> Result<EncodedSource> {
        let ids = Tensor::new(ids, self.device())?.unsqueeze(0)?;
        let mut x = self.embed(&ids, 0)?;
        let mut kv = Vec::with_capacity(self.layers.len());
        for layer in &self.layers {
            let (out, kept) = layer.forward(&x, None, Keys::Own, self.kernels)?;
            kv.push(kept.context("source keys were not kept")?);
            x = out;
        }
        Ok(EncodedSource { hidden: x, kv })
    }

    /// Fresh per-layer caches for the target's keys and values.
    pub fn new_target_cache(&self) -> Vec<KvCache> {
        (0..self.layers.len())
            .map(|_| KvCache::new(2, 64))
            .collect()
    }

    /// Run target tokens `[B, t]` causally over the source and the cached target prefix,
    /// extending the caches. Returns the last hidden states `[B, t, H]`.
    pub fn decode(
        &self,
        ids: &Tensor,
        source: &EncodedSource,
        cache: &mut [KvCache],
    ) -> Result<Tensor> {
        let (_, t) = ids.dims2()?;
        let done = cache.first().map_or(0, KvCache::current_seq_len);
        let mut x = self.embed(ids, source.len() + done)?;
        let mask = causal_mask(done, t, self.device())?;
        for ((layer, kv), layer_cache) in self.layers.iter().zip(&source.kv).zip(cache.iter_mut()) {
            let keys = Keys::SourceAndCache(kv, layer_cache);
            x = layer.forward(&x, mask.as_ref(), keys, self.kernels)?.0;
        }
        Ok(x)
    }

    /// Logits over the vocabulary from hidden states `[N, H]` (the tied LM head, no bias).
    pub fn lm_logits(&self, hidden: &Tensor) -> Result<Tensor> {
        match inference_product(self.kernels, hidden, &self.word_embeddings, None)? {
            Some(logits) => Ok(logits),
            None => Ok(hidden.matmul(&self.word_embeddings.t()?)?),
        }
    }
}

/// The additive mask that keeps `t` new target tokens from seeing later ones (they see the
/// `done` cached tokens and themselves); `None` when one token is added.
fn causal_mask(done: usize, t: usize, device: &Device) -> Result<Option<Tensor>> {
    if t <= 1 {
        return Ok(None);
    }
    let total = done + t;
    let values: Vec<f32> = (0..t)
        .flat_map(|i| (0..total).map(move |j| if j <= done + i { 0.0 } else { f32::MIN }))
        .collect();
    Ok(Some(
        Tensor::from_vec(values, (t, total), device)?.to_dtype(DType::F32)?,
    ))
}

/// Reorder every layer's target cache along the batch so row `i` becomes old row `origin[i]`
/// (beam search keeps the prefixes of the beams it extends).
pub fn reorder_cache(cache: &mut [KvCache], origin: &[u32]) -> Result<()> {
    let identity = origin.iter().enumerate().all(|(i, &o)| i as u32 == o);
    let batch = cache
        .first()
        .and_then(|c| c.k().ok().flatten())
        .map(|k| k.dim(0))
        .transpose()?;
    if identity && batch == Some(origin.len()) {
        return Ok(());
    }
    for layer in cache.iter_mut() {
        let (Some(k), Some(v)) = (layer.k()?, layer.v()?) else {
            continue;
        };
        let index = Tensor::new(origin, k.device())?;
        let k = k.contiguous()?.index_select(&index, 0)?;
        let v = v.contiguous()?.index_select(&index, 0)?;
        layer.reset();
        layer.append(&k, &v)?;
    }
    Ok(())
}
