//! A causal LM's tokenizer, only from sources that reproduce the model's own tokenization
//! exactly: a `tokenizer.json` (given, or beside the weights), else a GGUF file's tokenizer
//! metadata where candle rebuilds it exactly (byte-level BPE with qwen2 pre-tokenization).
//! Anything else (DeepSeek-Coder's pre-tokenization, SentencePiece models such as CodeLlama)
//! is an error naming the file to put beside the model.

use std::path::{Path, PathBuf};

use anyhow::{anyhow, bail, Context, Result};
use candle_core::quantized::gguf_file::{Content, Value};
use candle_core::quantized::tokenizer::TokenizerFromGguf;
use tokenizers::Tokenizer;

/// Where the tokenizer was found (for messages and the model's description).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TokenizerSource {
    File(PathBuf),
    GgufMetadata,
}

/// The GGUF pre-tokenizations candle's `TokenizerFromGguf` rebuilds exactly.
const EXACT_GGUF_PRE: [&str; 1] = ["qwen2"];

/// Load the tokenizer for the weights at `weights` (a `.gguf` file or a model directory):
/// `explicit` if given, else `tokenizer.json` in the weights' directory, else the GGUF metadata
/// where that is exact.
pub fn load(
    weights: &Path,
    explicit: Option<&Path>,
    gguf: Option<&Content>,
) -> Result<(Tokenizer, TokenizerSource)> {
    let dir = if weights.is_dir() {
        weights.to_path_buf()
    } else {
        weights
            .parent()
            .map_or_else(PathBuf::new, Path::to_path_buf)
    };
    let beside = dir.join("tokenizer.json");
    if let Some(file) = explicit.or(beside.is_file().then_some(beside.as_path())) {
        let tok = Tokenizer::from_file(file)
            .map_err(|e| anyhow!("cannot read tokenizer {}: {e}", file.display()))?;
        return Ok((tok, TokenizerSource::File(file.to_path_buf())));
    }
    let Some(content) = gguf else {
        bail!(
            "no tokenizer: put the model's tokenizer.json at {} (or pass --tokenizer FILE)",
            beside.display()
        );
    };
    let text = |key: &str| match content.metadata.get(key) {
        Some(Value::String(s)) => Some(s.as_str()),
        _ => None,
    };
    let model = text("tokenizer.ggml.model");
    let pre = text("tokenizer.ggml.pre");
    if model == Some("gpt2") && pre.is_some_and(|p| EXACT_GGUF_PRE.contains(&p)) {
        let tok = Tokenizer::from_gguf(content).context("cannot rebuild the GGUF tokenizer")?;
        return Ok((tok, TokenizerSource::GgufMetadata));
    }
    bail!(
        "the tokenizer in {} (model {}, pre-tokenization {}) cannot be rebuilt exactly from GGUF \
         metadata: put the model's tokenizer.json (from its Hugging Face repository) at {} or \
         pass --tokenizer FILE",
        weights.display(),
        model.unwrap_or("unknown"),
        pre.unwrap_or("unknown"),
        beside.display()
    )
}
