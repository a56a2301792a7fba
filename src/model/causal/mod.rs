//! Causal code LLMs on the CPU: the llama family (Llama, CodeLlama, DeepSeek-Coder, SemCoder)
//! and the qwen2 family (Qwen2.5-Coder) from GGUF or Hugging Face safetensors, with their exact
//! tokenizer, a key/value cache, greedy or seeded temperature / top-p decoding, stop strings,
//! streaming and cancellation.
//!
//! [`CausalLm::load`] opens a `.gguf` file or a model directory; [`CausalLm::generate`] continues
//! a prompt, reporting the text so far after every token.

pub mod block_matrix;
pub mod blocks;
pub mod config;
pub mod sampling;
pub mod tokenizer;
pub mod transformer;
pub mod weights;

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use anyhow::{anyhow, bail, Context, Result};
use tokenizers::Tokenizer;

pub use config::{Arch, CausalConfig};
pub use sampling::{Sampler, Sampling};
pub use tokenizer::TokenizerSource;
pub use transformer::{KvState, Transformer};
pub use weights::Weights;

/// How to load a model.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LoadOptions {
    /// A `tokenizer.json` to use instead of the one beside the weights.
    pub tokenizer: Option<PathBuf>,
}

/// Why a generation ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Finish {
    /// The model produced an end-of-sequence token.
    Eos,
    /// A stop string appeared (it is cut from the text).
    StopString,
    /// `max_tokens` tokens were generated.
    MaxTokens,
    /// The model's context length was reached.
    ContextFull,
    /// The cancellation flag was raised.
    Cancelled,
}

impl Finish {
    /// `eos`, `stop_string`, `max_tokens`, `context_full` or `cancelled`.
    pub fn as_str(self) -> &'static str {
        match self {
            Finish::Eos => "eos",
            Finish::StopString => "stop_string",
            Finish::MaxTokens => "max_tokens",
            Finish::ContextFull => "context_full",
            Finish::Cancelled => "cancelled",
        }
    }
}

/// A finished generation.
#[derive(Debug, Clone)]
pub struct Completion {
    /// The generated text, cut before the first stop string.
    pub text: String,
    /// The generated ids (an end-of-sequence token excluded).
    pub ids: Vec<u32>,
    pub prompt_tokens: usize,
    pub finish: Finish,
    /// Time to process the prompt.
    pub prompt_elapsed: Duration,
    /// Time to generate after the prompt.
    pub generate_elapsed: Duration,
}

/// The text so far, for streaming.
#[derive(Debug, Clone, PartialEq)]
pub struct Progress<'a> {
    pub text: &'a str,
    pub tokens: usize,
}

/// A loaded causal LM and its tokenizer.
pub struct CausalLm {
    pub name: String,
    pub model: Transformer,
    pub tokenizer: Tokenizer,
    pub tokenizer_source: TokenizerSource,
}

/// Open the weights at `path`: a `.gguf` file, or a directory with `config.json` and safetensors.
fn open(path: &Path) -> Result<(Weights, CausalConfig)> {
    if path.is_dir() {
        let cfg = CausalConfig::from_hf_file(&path.join("config.json"))?;
        return Ok((Weights::open_safetensors_dir(path)?, cfg));
    }
    if !path.is_file() {
        bail!(
            "model {} does not exist: pass a .gguf file or a directory with config.json and \
             safetensors weights",
            path.display()
        );
    }
    let weights = Weights::open_gguf(path)?;
    let cfg = CausalConfig::from_gguf(weights.gguf().context("not GGUF")?)
        .with_context(|| format!("in {}", path.display()))?;
    Ok((weights, cfg))
}

impl CausalLm {
    /// Load a `.gguf` file or a Hugging Face model directory, with its tokenizer.
    pub fn load(path: &Path, opts: &LoadOptions) -> Result<Self> {
        let (weights, cfg) = open(path)?;
        let (tokenizer, tokenizer_source) =
            tokenizer::load(path, opts.tokenizer.as_deref(), weights.gguf())?;
        let vocab = tokenizer.get_vocab_size(true);
        if vocab > cfg.vocab_size {
            bail!(
                "the tokenizer ({}) has {vocab} tokens but the model only {}: it belongs to \
                 another model",
                match &tokenizer_source {
                    TokenizerSource::File(f) => f.display().to_string(),
                    TokenizerSource::GgufMetadata => "GGUF metadata".into(),
                },
                cfg.vocab_size
            );
        }
        let model = Transformer::load(&weights, &cfg)
            .with_context(|| format!("in {}", weights.path().display()))?;
        let name = path
            .file_name()
            .map_or_else(|| "model".into(), |n| n.to_string_lossy().into_owned());
        Ok(Self {
            name,
            model,
            tokenizer,
            tokenizer_source,
        })
    }

    /// The prompt's token ids as the model's own tokenizer makes them (special tokens such as
    /// a beginning-of-sequence token added as the tokenizer's template says).
    pub fn encode(&self, prompt: &str) -> Result<Vec<u32>> {
        let enc = self
            .tokenizer
            .encode(prompt, true)
            .map_err(|e| anyhow!("cannot tokenize the prompt: {e}"))?;
        Ok(enc.get_ids().to_vec())
    }

    /// Text of generated ids (special tokens left out).
    pub fn decode(&self, ids: &[u32]) -> Result<String> {
        self.tokenizer
            .decode(ids, true)
            .map_err(|e| anyhow!("cannot decode: {e}"))
    }

    /// Continue `prompt`, calling `on_token` with the text so far after every token and
    /// stopping early once `cancel` is set.
    pub fn generate(
        &self,
        prompt: &str,
        sampling: &Sampling,
        cancel: &AtomicBool,
        on_token: &mut dyn FnMut(&Progress),
    ) -> Result<Completion> {
        let prompt_ids = self.encode(prompt)?;
        self.generate_ids(&prompt_ids, sampling, cancel, on_token)
    }

    /// [`Self::generate`] from token ids.
    pub fn generate_ids(
        &self,
        prompt_ids: &[u32],
        sampling: &Sampling,
        cancel: &AtomicBool,
        on_token: &mut dyn FnMut(&Progress),
    ) -> Result<Completion> {
        sampling.check()?;
        let prompt = self.prefill(prompt_ids)?;
        self.continue_from(&prompt, sampling, cancel, on_token)
    }

    /// Feed the prompt once: several generations can then continue it
    /// ([`Self::continue_from`]) without processing it again.
    pub fn prefill(&self, prompt_ids: &[u32]) -> Result<Prefilled> {
        if prompt_ids.is_empty() {
            bail!("the prompt is empty");
        }
        let mut state = self.model.new_state();
        let started = Instant::now();
        let logits = self.model.forward(prompt_ids, &mut state, false)?;
        Ok(Prefilled {
            last_logits: logits.flatten_all()?.to_vec1::<f32>()?,
            state,
            elapsed: started.elapsed(),
        })
    }

    /// Generate after a prefilled prompt (which is left as it was), calling `on_token` with the
    /// text so far after every token and stopping early once `cancel` is set.
    pub fn continue_from(
        &self,
        prompt: &Prefilled,
        sampling: &Sampling,
        cancel: &AtomicBool,
        on_token: &mut dyn FnMut(&Progress),
    ) -> Result<Completion> {
        sampling.check()?;
        let cfg = self.model.config();
        let mut sampler = Sampler::new(sampling);
        let mut state = prompt.state.fork()?;
        let started = Instant::now();
        let mut logits = prompt.last_logits.clone();
        let mut ids = Vec::new();
        let mut text = String::new();
        let finish = loop {
            if cancel.load(Ordering::Relaxed) {
                break Finish::Cancelled;
            }
            if ids.len() >= sampling.max_tokens {
                break Finish::MaxTokens;
            }
            let next = sampler.next(&logits)?;
            if cfg.eos_token_ids.contains(&next) {
                break Finish::Eos;
            }
            ids.push(next);
            text = self.decode(&ids)?;
            if let Some(cut) = first_stop(&text, &sampling.stop) {
                text.truncate(cut);
                on_token(&Progress {
                    text: &text,
                    tokens: ids.len(),
                });
                break Finish::StopString;
            }
            on_token(&Progress {
                text: &text,
                tokens: ids.len(),
            });
            if state.position() >= cfg.max_positions {
                break Finish::ContextFull;
            }
            logits = self
                .model
                .forward(&[next], &mut state, false)?
                .flatten_all()?
                .to_vec1::<f32>()?;
        };
        Ok(Completion {
            text,
            ids,
            prompt_tokens: prompt.state.position(),
            finish,
            prompt_elapsed: prompt.elapsed,
            generate_elapsed: started.elapsed(),
        })
    }
}

/// A prompt fed to the model: its key/value cache and the logits of its last position.
pub struct Prefilled {
    state: KvState,
    last_logits: Vec<f32>,
    elapsed: Duration,
}

impl Prefilled {
    /// The prompt's length in tokens.
    pub fn tokens(&self) -> usize {
        self.state.position()
    }
}

/// The byte offset of the earliest stop string in `text`.
fn first_stop(text: &str, stops: &[String]) -> Option<usize> {
    stops
        .iter()
        .filter(|s| !s.is_empty())
        .filter_map(|s| text.find(s.as_str()))
        .min()
}

/// Whether `path` names a causal LM rather than a CodeExecutor model directory: a `.gguf`
/// file (existing or not, so that loading reports what is wrong with it), or a directory whose
/// `config.json` has `model_type` `llama` or `qwen2`.
pub fn is_causal_model(path: &Path) -> bool {
    if path
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("gguf"))
    {
        return !path.is_dir();
    }
    let Ok(text) = std::fs::read_to_string(path.join("config.json")) else {
        return false;
    };
    serde_json::from_str::<serde_json::Value>(&text)
        .ok()
        .and_then(|config| {
            let kind = config.get("model_type")?.as_str()?;
            Some(Arch::parse(kind, "").is_ok())
        })
        .unwrap_or(false)
}

/// Use `threads` threads for the CPU kernels (candle reads `RAYON_NUM_THREADS`; rayon's global
/// pool is built once). Call before loading a model.
pub fn set_threads(threads: usize) -> Result<()> {
    if threads == 0 {
        bail!("--threads must be at least 1");
    }
    std::env::set_var("RAYON_NUM_THREADS", threads.to_string());
    rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build_global()
        .map_err(|e| anyhow!("cannot set the thread count: {e}"))
}

#[cfg(test)]
mod tests {
    use super::{first_stop, is_causal_model};
    use std::path::Path;

    #[test]
    fn causal_models_are_told_from_codeexecutor_ones() {
        let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/causal");
        assert!(is_causal_model(&fixtures.join("llama/model-f32.gguf")));
        assert!(is_causal_model(&fixtures.join("qwen2/hf")));
        assert!(is_causal_model(Path::new("missing.gguf")));
        let shipped = Path::new(env!("CARGO_MANIFEST_DIR")).join("models/tracelens-tiny");
        assert!(!is_causal_model(&shipped));
        assert!(!is_causal_model(Path::new("no/such/dir")));
    }

    #[test]
    fn the_earliest_stop_string_wins() {
        let stops = vec!["[/ANSWER]".to_string(), "\n".to_string(), String::new()];
        assert_eq!(first_stop("a == 3 [/ANSWER]\nmore", &stops), Some(7));
        assert_eq!(first_stop("x\n[/ANSWER]", &stops), Some(1));
        assert_eq!(first_stop("nothing", &stops), None);
    }
}
