//! A causal LM's shape, read from a Hugging Face `config.json` or from GGUF metadata: the
//! architecture (llama or qwen2 family), sizes, grouped-query heads, RMSNorm epsilon, RoPE base
//! and linear RoPE scaling, context length, tied embeddings and attention biases. Anything the
//! runtime cannot honour exactly (another RoPE scaling type, partial rotary, sliding windows) is
//! refused with a message instead of being run silently wrong.

use std::path::Path;

use anyhow::{bail, Context, Result};
use candle_core::quantized::gguf_file::{Content, Value};
use serde::Deserialize;

/// The supported architecture families.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Arch {
    /// Llama, CodeLlama, DeepSeek-Coder, SemCoder.
    Llama,
    /// Qwen2 and Qwen2.5(-Coder): biases on the q/k/v projections.
    Qwen2,
}

impl Arch {
    pub(crate) fn parse(name: &str, source: &str) -> Result<Self> {
        match name {
            "llama" => Ok(Self::Llama),
            "qwen2" => Ok(Self::Qwen2),
            other => {
                bail!("{source}: architecture {other:?} is not supported (supported: llama, qwen2)")
            }
        }
    }

    /// The name GGUF and `config.json` use.
    pub fn name(self) -> &'static str {
        match self {
            Self::Llama => "llama",
            Self::Qwen2 => "qwen2",
        }
    }
}

/// The shape and numerics of a causal decoder.
#[derive(Debug, Clone, PartialEq)]
pub struct CausalConfig {
    pub arch: Arch,
    pub vocab_size: usize,
    pub hidden_size: usize,
    pub intermediate_size: usize,
    pub num_layers: usize,
    pub num_heads: usize,
    pub num_kv_heads: usize,
    pub head_dim: usize,
    pub rms_norm_eps: f64,
    pub rope_theta: f32,
    /// Linear RoPE scaling: positions are divided by this (1 without scaling).
    pub rope_linear_factor: f32,
    /// Whether the q/k rotation pairs adjacent dimensions (GGUF llama, whose converter permutes
    /// the q/k rows) rather than the two halves of each head (Hugging Face, GGUF qwen2).
    pub rope_interleaved: bool,
    /// The context length the model was trained for.
    pub max_positions: usize,
    /// Whether the output projection reuses the token embeddings.
    pub tie_embeddings: bool,
    /// Biases on the q/k/v projections.
    pub qkv_bias: bool,
    /// A bias on the attention output projection.
    pub o_bias: bool,
    pub bos_token_id: Option<u32>,
    pub eos_token_ids: Vec<u32>,
}

/// `rope_scaling` in a `config.json`.
#[derive(Debug, Deserialize)]
struct RopeScaling {
    #[serde(alias = "rope_type")]
    r#type: Option<String>,
    factor: Option<f32>,
}

/// An id or a list of ids (`eos_token_id` is either).
#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum Ids {
    One(u32),
    Many(Vec<u32>),
}

#[derive(Debug, Deserialize)]
struct HfConfig {
    model_type: String,
    vocab_size: usize,
    hidden_size: usize,
    intermediate_size: usize,
    num_hidden_layers: usize,
    num_attention_heads: usize,
    num_key_value_heads: Option<usize>,
    head_dim: Option<usize>,
    rms_norm_eps: f64,
    rope_theta: Option<f32>,
    rope_scaling: Option<RopeScaling>,
    max_position_embeddings: usize,
    tie_word_embeddings: Option<bool>,
    attention_bias: Option<bool>,
    use_sliding_window: Option<bool>,
    bos_token_id: Option<u32>,
    eos_token_id: Option<Ids>,
}

/// The linear factor of a RoPE scaling, refusing the kinds this runtime does not implement.
fn linear_factor(kind: Option<&str>, factor: Option<f32>, source: &str) -> Result<f32> {
    match kind {
        None | Some("none") => Ok(1.0),
        Some("linear") => match factor {
            Some(f) if f.is_finite() && f > 0.0 => Ok(f),
            other => {
                bail!("{source}: linear RoPE scaling needs a positive factor, found {other:?}")
            }
        },
        Some(other) => bail!(
            "{source}: RoPE scaling {other:?} is not supported (only linear scaling is implemented)"
        ),
    }
}

impl CausalConfig {
    /// Read a Hugging Face `config.json`.
    pub fn from_hf_file(path: &Path) -> Result<Self> {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("cannot read {}", path.display()))?;
        Self::from_hf_json(&text).with_context(|| format!("in {}", path.display()))
    }

    /// Parse the text of a Hugging Face `config.json`.
    pub fn from_hf_json(text: &str) -> Result<Self> {
        let hf: HfConfig = serde_json::from_str(text).context("not a llama/qwen2 config.json")?;
        let arch = Arch::parse(&hf.model_type, "config.json model_type")?;
        if hf.use_sliding_window == Some(true) {
            bail!("use_sliding_window is set: sliding-window attention is not supported");
        }
        let scaling = hf.rope_scaling.as_ref();
        let rope_linear_factor = linear_factor(
            scaling.and_then(|s| s.r#type.as_deref()),
            scaling.and_then(|s| s.factor),
            "config.json rope_scaling",
        )?;
        let attention_bias = hf.attention_bias.unwrap_or(false);
        let cfg = Self {
            arch,
            vocab_size: hf.vocab_size,
            hidden_size: hf.hidden_size,
            intermediate_size: hf.intermediate_size,
            num_layers: hf.num_hidden_layers,
            num_heads: hf.num_attention_heads,
            num_kv_heads: hf.num_key_value_heads.unwrap_or(hf.num_attention_heads),
            head_dim: hf
                .head_dim
                .unwrap_or(hf.hidden_size / hf.num_attention_heads.max(1)),
            rms_norm_eps: hf.rms_norm_eps,
            rope_theta: hf.rope_theta.unwrap_or(10_000.0),
            rope_linear_factor,
            rope_interleaved: false,
            max_positions: hf.max_position_embeddings,
            tie_embeddings: hf.tie_word_embeddings.unwrap_or(false),
            qkv_bias: arch == Arch::Qwen2 || attention_bias,
            o_bias: arch == Arch::Llama && attention_bias,
            bos_token_id: hf.bos_token_id,
            eos_token_ids: match hf.eos_token_id {
                None => vec![],
                Some(Ids::One(id)) => vec![id],
                Some(Ids::Many(ids)) => ids,
            },
        };
        cfg.check()?;
        Ok(cfg)
    }

    /// Read GGUF metadata (`general.architecture` and the `<arch>.` keys). Whether the output
    /// projection is tied and whether q/k/v carry biases is read from the tensor list.
    pub fn from_gguf(content: &Content) -> Result<Self> {
        let meta = Meta(content);
        let arch = Arch::parse(
            meta.string("general.architecture")?,
            "GGUF general.architecture",
        )?;
        let key = |k: &str| format!("{}.{k}", arch.name());
        let hidden_size = meta.usize(&key("embedding_length"))?;
        let num_heads = meta.usize(&key("attention.head_count"))?;
        let head_dim = meta
            .opt(&key("attention.key_length"), Meta::usize)?
            .unwrap_or(hidden_size / num_heads.max(1));
        if let Some(rotary) = meta.opt(&key("rope.dimension_count"), Meta::usize)? {
            if rotary != head_dim {
                bail!("GGUF: partial rotary embeddings ({rotary} of {head_dim} dimensions) are not supported");
            }
        }
        let scaling_type = meta.opt(&key("rope.scaling.type"), Meta::string)?;
        let factor = meta
            .opt(&key("rope.scaling.factor"), Meta::f64)?
            .map(|f| f as f32);
        // Older converters wrote only the factor, meaning linear scaling.
        let scaling_type = scaling_type.or(factor.filter(|f| *f != 1.0).map(|_| "linear"));
        let rope_linear_factor = linear_factor(scaling_type, factor, "GGUF rope.scaling")?;
        let embd = content
            .tensor_infos
            .get("token_embd.weight")
            .context("GGUF: missing tensor token_embd.weight")?;
        let vocab_size = embd.shape.dims().first().copied().unwrap_or(0);
        let token_id =
            |k: &str| Ok::<_, anyhow::Error>(meta.opt(k, Meta::usize)?.map(|id| id as u32));
        let eos = token_id("tokenizer.ggml.eos_token_id")?
            .into_iter()
            .collect();
        let cfg = Self {
            arch,
            vocab_size,
            hidden_size,
            intermediate_size: meta.usize(&key("feed_forward_length"))?,
            num_layers: meta.usize(&key("block_count"))?,
            num_heads,
            num_kv_heads: meta
                .opt(&key("attention.head_count_kv"), Meta::usize)?
                .unwrap_or(num_heads),
            head_dim,
            rms_norm_eps: meta.f64(&key("attention.layer_norm_rms_epsilon"))?,
            rope_theta: meta
                .opt(&key("rope.freq_base"), Meta::f64)?
                .map_or(10_000.0, |f| f as f32),
            rope_linear_factor,
            rope_interleaved: arch == Arch::Llama,
            max_positions: meta.usize(&key("context_length"))?,
            tie_embeddings: !content.tensor_infos.contains_key("output.weight"),
            qkv_bias: content.tensor_infos.contains_key("blk.0.attn_q.bias"),
            o_bias: content.tensor_infos.contains_key("blk.0.attn_output.bias"),
            bos_token_id: token_id("tokenizer.ggml.bos_token_id")?,
            eos_token_ids: eos,
        };
        cfg.check()?;
        Ok(cfg)
    }

    /// Reject shapes the forward pass cannot run.
    fn check(&self) -> Result<()> {
        let positive = [
            ("vocab size", self.vocab_size),
            ("hidden size", self.hidden_size),
            ("intermediate size", self.intermediate_size),
            ("layers", self.num_layers),
            ("attention heads", self.num_heads),
            ("key/value heads", self.num_kv_heads),
            ("context length", self.max_positions),
        ];
        if let Some((name, _)) = positive.iter().find(|(_, v)| *v == 0) {
            bail!("the model's {name} is 0");
        }
        if self.head_dim == 0 || !self.head_dim.is_multiple_of(2) {
            bail!("head dimension {} must be even and positive", self.head_dim);
        }
        if !self.num_heads.is_multiple_of(self.num_kv_heads) {
            bail!(
                "{} attention heads cannot be grouped over {} key/value heads",
                self.num_heads,
                self.num_kv_heads
            );
        }
        if !(self.rms_norm_eps.is_finite() && self.rms_norm_eps > 0.0) {
            bail!("RMSNorm epsilon {} must be positive", self.rms_norm_eps);
        }
        if !(self.rope_theta.is_finite() && self.rope_theta > 0.0) {
            bail!("RoPE base {} must be positive", self.rope_theta);
        }
        Ok(())
    }
}

/// Typed access to GGUF metadata with messages naming the key.
struct Meta<'a>(&'a Content);

impl<'a> Meta<'a> {
    /// `read(key)` where the key is present, else `None`.
    fn opt<T>(&self, key: &str, read: impl Fn(&Self, &str) -> Result<T>) -> Result<Option<T>> {
        match self.0.metadata.get(key) {
            Some(_) => read(self, key).map(Some),
            None => Ok(None),
        }
    }

    fn value(&self, key: &str) -> Result<&'a Value> {
        self.0
            .metadata
            .get(key)
            .with_context(|| format!("GGUF: missing metadata key {key}"))
    }

    fn string(&self, key: &str) -> Result<&'a str> {
        match self.value(key)? {
            Value::String(s) => Ok(s),
            other => bail!("GGUF: {key} should be a string, found {other:?}"),
        }
    }

    fn usize(&self, key: &str) -> Result<usize> {
        let v = self.value(key)?;
        let n = match v {
            Value::U8(n) => Some(*n as u64),
            Value::U16(n) => Some(*n as u64),
            Value::U32(n) => Some(*n as u64),
            Value::U64(n) => Some(*n),
            Value::I8(n) => u64::try_from(*n).ok(),
            Value::I16(n) => u64::try_from(*n).ok(),
            Value::I32(n) => u64::try_from(*n).ok(),
            Value::I64(n) => u64::try_from(*n).ok(),
            _ => None,
        };
        n.and_then(|n| usize::try_from(n).ok())
            .with_context(|| format!("GGUF: {key} should be a non-negative integer, found {v:?}"))
    }

    fn f64(&self, key: &str) -> Result<f64> {
        match self.value(key)? {
            Value::F32(x) => Ok(*x as f64),
            Value::F64(x) => Ok(*x),
            _ => self.usize(key).map(|n| n as f64),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hf(extra: &str) -> String {
        format!(
            r#"{{"model_type":"llama","vocab_size":32,"hidden_size":16,"intermediate_size":24,
            "num_hidden_layers":2,"num_attention_heads":4,"num_key_value_heads":2,
            "rms_norm_eps":1e-6,"max_position_embeddings":16384{extra}}}"#
        )
    }

    #[test]
    fn linear_rope_scaling_is_read_from_config_json() {
        let cfg =
            CausalConfig::from_hf_json(&hf(r#","rope_scaling":{"type":"linear","factor":4.0}"#))
                .unwrap();
        assert_eq!(cfg.rope_linear_factor, 4.0);
        assert_eq!(cfg.max_positions, 16384);
        assert_eq!(cfg.head_dim, 4);
        let plain = CausalConfig::from_hf_json(&hf(r#","rope_scaling":null"#)).unwrap();
        assert_eq!(plain.rope_linear_factor, 1.0);
    }

    #[test]
    fn other_rope_scalings_and_bad_shapes_are_refused() {
        let yarn =
            CausalConfig::from_hf_json(&hf(r#","rope_scaling":{"rope_type":"yarn","factor":4.0}"#));
        assert!(format!("{:#}", yarn.unwrap_err()).contains("yarn"));
        let bad = hf("").replace(r#""num_key_value_heads":2"#, r#""num_key_value_heads":3"#);
        assert!(format!("{:#}", CausalConfig::from_hf_json(&bad).unwrap_err()).contains("grouped"));
        let other = hf("").replace("llama", "mistral");
        assert!(
            format!("{:#}", CausalConfig::from_hf_json(&other).unwrap_err())
                .contains("not supported")
        );
    }
}
