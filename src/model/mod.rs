//! The CodeExecutor / UniXcoder model in candle: configuration, weights loading, tokenizer,
//! generation (greedy and beam, with key/value cache) and the background model worker.
//!
//! [`Model`] bundles a loaded directory; [`Model::predict`] turns CodeExecutor code tokens into a
//! predicted trace text, streaming partial text and honouring a cancellation flag.

pub mod alloc;
pub mod batch;
pub mod beam;
pub mod causal;
pub mod config;
pub mod generate;
pub mod roberta;
pub mod row_product;
pub mod safetensors_file;
pub mod step_attention;
pub mod tokenizer;
pub mod tokenizer_train;
pub mod train;
pub mod weights;
pub mod worker;

use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;
use std::time::Duration;

use anyhow::{bail, Context, Result};

pub use config::RobertaConfig;
pub use generate::{generate, Generation, Search, StopReason};
pub use roberta::{Kernels, Roberta};
pub use tokenizer::CodeTokenizer;
pub use weights::WeightsFile;

/// Where the shipped default model lives: relative to the working directory, else in the
/// source tree the binary was built from (so `target/release/tracelens` finds it anywhere).
pub const DEFAULT_MODEL_DIR: &str = "models/tracelens-tiny";
/// The environment variable naming a model directory.
pub const MODEL_ENV: &str = "TRACELENS_MODEL";
/// CodeExecutor's source length (tokens, wrappers included).
pub const MAX_SOURCE_TOKENS: usize = 256;
/// CodeExecutor's target length.
pub const MAX_TARGET_TOKENS: usize = 768;

/// The model directory chosen by `--model`, else `TRACELENS_MODEL`, else the shipped default.
/// `None` means the user turned the model off (`--model none`).
pub fn model_dir(arg: Option<&str>) -> Option<PathBuf> {
    let env = std::env::var(MODEL_ENV).ok().filter(|v| !v.is_empty());
    let chosen = arg.map(str::to_string).or(env);
    match chosen.as_deref() {
        Some("none") => None,
        Some(dir) => Some(PathBuf::from(dir)),
        None => Some(default_model_dir()),
    }
}

/// The shipped default model's directory (see [`DEFAULT_MODEL_DIR`]).
fn default_model_dir() -> PathBuf {
    default_model_dir_from(Path::new(""))
}

/// The default model directory as seen from `cwd` (the empty path is the working directory).
fn default_model_dir_from(cwd: &Path) -> PathBuf {
    let local = cwd.join(DEFAULT_MODEL_DIR);
    let built_from = Path::new(env!("CARGO_MANIFEST_DIR")).join(DEFAULT_MODEL_DIR);
    if !local.is_dir() && built_from.is_dir() {
        built_from
    } else {
        local
    }
}

/// How to predict.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PredictOptions {
    /// Beam size; 1 is greedy.
    pub beam: usize,
    /// At most this many generated ids (also capped by the target length and positions).
    pub max_tokens: usize,
    /// The dataset prefix token (`<codenet>`, `<tutorial>`, `<singleline>`).
    pub prefix: String,
    /// Source length cap, wrappers included.
    pub max_source: usize,
}

impl Default for PredictOptions {
    fn default() -> Self {
        Self {
            beam: 1,
            max_tokens: MAX_TARGET_TOKENS,
            prefix: "<codenet>".into(),
            max_source: MAX_SOURCE_TOKENS,
        }
    }
}

/// Text generated so far, for streaming.
#[derive(Debug, Clone, PartialEq)]
pub struct Partial {
    pub text: String,
    pub tokens: usize,
    pub tokens_per_s: f64,
}

/// A finished prediction.
#[derive(Debug, Clone)]
pub struct Prediction {
    /// The whole source sequence fed to the model.
    pub input_ids: Vec<u32>,
    /// The generated ids after `<mask0>`, without the final `</s>`.
    pub output_ids: Vec<u32>,
    pub text: String,
    pub stop: StopReason,
    /// Source encoding plus decoding time.
    pub elapsed: Duration,
    /// Decoder steps per second (source encoding excluded).
    pub tokens_per_s: f64,
}

/// The source sequence `<s> <encoder-decoder> </s> PREFIX CODE <mask0> </s>` of a program given
/// as CodeExecutor code tokens, the code cut so the whole fits in `max_source` tokens. Training
/// builds its inputs with the same function, so they match what inference feeds the model.
pub fn source_ids<S: AsRef<str>>(
    tokenizer: &CodeTokenizer,
    code_tokens: &[S],
    prefix: &str,
    max_source: usize,
) -> Result<Vec<u32>> {
    let head = ["<s>", "<encoder-decoder>", "</s>", prefix];
    let tail = ["<mask0>", "</s>"];
    let room = max_source
        .checked_sub(head.len() + tail.len())
        .filter(|r| *r > 0)
        .with_context(|| format!("max_source {max_source} leaves no room for code"))?;
    let mut ids = head
        .iter()
        .map(|tok| tokenizer.token_id(tok))
        .collect::<Result<Vec<_>>>()?;
    let code = tokenizer.encode_tokens(code_tokens)?;
    ids.extend(code.iter().take(room));
    for tok in tail {
        ids.push(tokenizer.token_id(tok)?);
    }
    Ok(ids)
}

/// A loaded model directory: network, tokenizer and a display name.
#[derive(Debug, Clone)]
pub struct Model {
    pub name: String,
    pub roberta: Roberta,
    pub tokenizer: CodeTokenizer,
}

fn rate(tokens: usize, elapsed: Duration) -> f64 {
    let s = elapsed.as_secs_f64();
    if s > 0.0 {
        tokens as f64 / s
    } else {
        0.0
    }
}

impl Model {
    /// Load `config.json`, the weights and the tokenizer from `dir`.
    pub fn load(dir: &Path) -> Result<Self> {
        if !dir.is_dir() {
            bail!(
                "model directory {} does not exist. Train one with `tracelens train`, download \
                 microsoft/codeexecutor (config.json, pytorch_model.bin, vocab.json, merges.txt, \
                 added_tokens.json) into a directory, and pass it with --model DIR or {MODEL_ENV}",
                dir.display()
            );
        }
        let cfg = RobertaConfig::from_file(&dir.join("config.json"))?;
        let tokenizer = CodeTokenizer::from_dir(dir)?;
        if tokenizer.vocab_size() > cfg.vocab_size {
            bail!(
                "the tokenizer has {} tokens but the model only {} (vocab_size in config.json)",
                tokenizer.vocab_size(),
                cfg.vocab_size
            );
        }
        let roberta = WeightsFile::find(dir)?.load(&cfg)?;
        let name = dir
            .canonicalize()
            .unwrap_or_else(|_| dir.to_path_buf())
            .file_name()
            .map_or_else(|| "model".into(), |n| n.to_string_lossy().into_owned());
        Ok(Self {
            name,
            roberta,
            tokenizer,
        })
    }

    /// The source sequence `<s> <encoder-decoder> </s> PREFIX CODE <mask0> </s>`, the code cut
    /// so the whole fits in `max_source` tokens.
    pub fn source_ids<S: AsRef<str>>(
        &self,
        code_tokens: &[S],
        prefix: &str,
        max_source: usize,
    ) -> Result<Vec<u32>> {
        let max_source = max_source.min(self.roberta.config().max_tokens());
        source_ids(&self.tokenizer, code_tokens, prefix, max_source)
    }

    /// Predict the trace of the program given as CodeExecutor code tokens.
    pub fn predict<S: AsRef<str>>(
        &self,
        code_tokens: &[S],
        opts: &PredictOptions,
        cancel: &AtomicBool,
        on_partial: &mut dyn FnMut(&Partial),
    ) -> Result<Prediction> {
        let input_ids = self.source_ids(code_tokens, &opts.prefix, opts.max_source)?;
        let room = self.roberta.config().max_tokens() - input_ids.len();
        let search = Search {
            sos: self.tokenizer.token_id("<mask0>")?,
            eos: self.tokenizer.token_id("</s>")?,
            beam: opts.beam.max(1),
            max_tokens: opts.max_tokens.min(MAX_TARGET_TOKENS).min(room),
        };
        let started = std::time::Instant::now();
        let mut step = |ids: &[u32]| {
            if let Ok(text) = self.tokenizer.decode(ids) {
                on_partial(&Partial {
                    text,
                    tokens: ids.len(),
                    tokens_per_s: rate(ids.len(), started.elapsed()),
                });
            }
        };
        let gen = generate(&self.roberta, &input_ids, &search, cancel, &mut step)?;
        Ok(Prediction {
            text: self.tokenizer.decode(&gen.ids)?,
            tokens_per_s: gen.steps_per_s(),
            input_ids,
            output_ids: gen.ids,
            stop: gen.stop,
            elapsed: gen.source_elapsed + gen.elapsed,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_model_is_found_from_a_directory_without_one() {
        let elsewhere = tempfile::tempdir().unwrap();
        let found = default_model_dir_from(elsewhere.path());
        assert_eq!(
            found,
            Path::new(env!("CARGO_MANIFEST_DIR")).join(DEFAULT_MODEL_DIR)
        );
        assert!(found.join("config.json").is_file());
    }

    #[test]
    fn a_default_model_in_the_working_directory_comes_first() {
        let here = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(here.path().join(DEFAULT_MODEL_DIR)).unwrap();
        assert_eq!(
            default_model_dir_from(here.path()),
            here.path().join(DEFAULT_MODEL_DIR)
        );
    }
}
