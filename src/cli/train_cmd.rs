//! `tracelens train`: train a CodeExecutor-architecture model with the three-stage curriculum
//! (singleline, tutorial, mix) on JSONL files of CodeExecutor-format records, writing a model
//! directory the runtime loads; `--resume` continues a run from its checkpoint.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{bail, Context, Result};
use clap::Args;
use indicatif::{ProgressBar, ProgressStyle};

use crate::model::tokenizer_train::{round_trip_failures, save_tokenizer, train_tokenizer};
use crate::model::train::batch::{Example, Vocab};
use crate::model::train::checkpoint::MODEL_FILE;
use crate::model::train::curriculum::{Curriculum, DATASETS};
use crate::model::train::data::{load_examples, read_records, tokenizer_texts};
use crate::model::train::optim::AdamWParams;
use crate::model::train::{self as training, init, Progress, TrainOptions, Trainer};
use crate::model::{CodeTokenizer, RobertaConfig, MAX_SOURCE_TOKENS, MAX_TARGET_TOKENS};
use crate::plural::count;

/// Arguments of `tracelens train`.
#[derive(Debug, Args)]
pub struct TrainArgs {
    /// Stage 1 data: SingleLine records (JSONL).
    #[arg(long)]
    pub singleline: Option<PathBuf>,
    /// Stage 2 data: Tutorial records (JSONL).
    #[arg(long)]
    pub tutorial: Option<PathBuf>,
    /// Stage 3 adds these mutant (CodeNet-style) records to the mix (JSONL).
    #[arg(long)]
    pub mutants: Option<PathBuf>,
    /// Output model directory (checkpoints are written here).
    #[arg(long)]
    pub out: PathBuf,
    /// A tokenizer.json to use; without it a byte-level BPE is trained on the training data.
    #[arg(long)]
    pub tokenizer: Option<PathBuf>,
    /// Vocabulary size of a trained tokenizer (special tokens included).
    #[arg(long, default_value_t = 4000)]
    pub vocab_size: usize,
    /// Steps of the stages singleline,tutorial,mix.
    #[arg(long, value_delimiter = ',', default_values_t = [300, 300, 300])]
    pub steps: Vec<usize>,
    #[arg(long, default_value_t = 8)]
    pub batch_size: usize,
    /// Peak learning rate of each stage.
    #[arg(long, default_value_t = 1e-3)]
    pub lr: f64,
    /// Warm-up steps of each stage.
    #[arg(long, default_value_t = 30)]
    pub warmup: usize,
    /// Clip the global gradient norm to this (0 = off).
    #[arg(long, default_value_t = 1.0)]
    pub clip: f64,
    #[arg(long, default_value_t = 0.01)]
    pub weight_decay: f64,
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// Hidden size (default configuration: about 5M parameters with a 4000-token vocabulary).
    #[arg(long, default_value_t = 256)]
    pub hidden: usize,
    #[arg(long, default_value_t = 4)]
    pub layers: usize,
    #[arg(long, default_value_t = 4)]
    pub heads: usize,
    #[arg(long, default_value_t = 1024)]
    pub intermediate: usize,
    /// Source ids per example, wrappers included.
    #[arg(long, default_value_t = MAX_SOURCE_TOKENS)]
    pub max_source: usize,
    /// Target ids per example.
    #[arg(long, default_value_t = 512)]
    pub max_target: usize,
    /// Save a checkpoint every N steps (0 = at stage ends only).
    #[arg(long, default_value_t = 100)]
    pub checkpoint_every: usize,
    /// Share each batch among this many parallel threads, each running its part in batches of
    /// similar length (a fixed number, so a run gives the same numbers on any machine).
    #[arg(long, default_value_t = 2)]
    pub shards: usize,
    /// In the mix stage, give each dataset an equal share of the loss instead of weighing it by
    /// its number of target tokens (which lets the long CRUXEval traces dominate).
    #[arg(long)]
    pub balance_datasets: bool,
    /// Share of every batch of the tutorial stage kept for SingleLine records (a stage keeps
    /// this share for the datasets of earlier stages that it does not draw from), so it does
    /// not forget them; 0 to 1, exclusive.
    #[arg(long, default_value_t = 0.0)]
    pub replay: f64,
    /// Continue the run whose checkpoint is in --out (its options win over the ones given).
    #[arg(long)]
    pub resume: bool,
    /// Train a new run in an --out that holds a model, replacing it (without it, or
    /// --resume, such an --out is refused).
    #[arg(long, conflicts_with = "resume")]
    pub force: bool,
    /// Run at most N steps in this call, then save (continue later with --resume).
    #[arg(long)]
    pub stop_after: Option<usize>,
}

impl TrainArgs {
    fn options(&self) -> Result<TrainOptions> {
        let steps: [usize; 3] =
            self.steps.clone().try_into().map_err(|_| {
                anyhow::anyhow!("--steps takes three counts: singleline,tutorial,mix")
            })?;
        if self.batch_size == 0 {
            bail!("--batch-size must be positive");
        }
        if self.shards == 0 || self.shards > self.batch_size {
            bail!("--shards must be between 1 and --batch-size");
        }
        Ok(TrainOptions {
            steps,
            batch_size: self.batch_size,
            lr: self.lr,
            warmup: self.warmup,
            adamw: AdamWParams {
                weight_decay: self.weight_decay,
                max_grad_norm: self.clip,
                ..AdamWParams::default()
            },
            seed: self.seed,
            max_source: self.max_source.min(MAX_SOURCE_TOKENS),
            max_target: self.max_target.clamp(1, MAX_TARGET_TOKENS),
            checkpoint_every: self.checkpoint_every,
            shards: self.shards,
            balance_datasets: self.balance_datasets,
            replay: self.replay,
        })
    }

    fn config(&self, vocab_size: usize, pad: u32) -> RobertaConfig {
        RobertaConfig {
            vocab_size,
            hidden_size: self.hidden,
            num_hidden_layers: self.layers,
            num_attention_heads: self.heads,
            intermediate_size: self.intermediate,
            max_position_embeddings: MAX_SOURCE_TOKENS + MAX_TARGET_TOKENS + pad as usize + 1,
            type_vocab_size: 1,
            pad_token_id: pad,
            architectures: vec!["RobertaModel".into()],
            ..RobertaConfig::codeexecutor()
        }
    }

    fn files(&self) -> [Option<&Path>; 3] {
        [
            self.singleline.as_deref(),
            self.tutorial.as_deref(),
            self.mutants.as_deref(),
        ]
    }
}

/// The tokenizer: given, already in the output directory (resume), or trained on the data.
fn tokenizer(args: &TrainArgs) -> Result<(CodeTokenizer, PathBuf)> {
    let in_out = args.out.join("tokenizer.json");
    let given = args
        .tokenizer
        .clone()
        .or_else(|| args.resume.then(|| in_out.clone()));
    if let Some(path) = given {
        let dir = path.parent().unwrap_or(Path::new("."));
        if path.file_name().is_some_and(|n| n != "tokenizer.json") {
            bail!("--tokenizer must name a file called tokenizer.json");
        }
        return Ok((CodeTokenizer::from_dir(dir)?, path));
    }
    let mut records = Vec::new();
    for file in args.files().into_iter().flatten() {
        records.extend(read_records(file)?.0);
    }
    if records.is_empty() {
        bail!("the training data holds no records: nothing to train a tokenizer on");
    }
    let texts = tokenizer_texts(&records);
    eprintln!(
        "training a {}-token BPE tokenizer on {}",
        args.vocab_size,
        count(records.len(), "record")
    );
    let trained = train_tokenizer(texts.iter(), args.vocab_size)?;
    let saved = save_tokenizer(&trained, &in_out)?;
    let failed = round_trip_failures(&saved, &records);
    if let Some(first) = failed.first() {
        eprintln!(
            "warning: {} of {} records do not decode back to their text (first: {first})",
            failed.len(),
            records.len()
        );
    }
    Ok((saved, in_out))
}

/// Load the examples of each stage's file.
fn examples(
    args: &TrainArgs,
    tokenizer: &CodeTokenizer,
    vocab: &Vocab,
    options: &TrainOptions,
) -> Result<[Vec<Example>; 3]> {
    let mut out: [Vec<Example>; 3] = Default::default();
    for (i, file) in args.files().into_iter().enumerate() {
        let Some(file) = file else { continue };
        let (name, prefix) = DATASETS[i];
        let limits = (options.max_source, options.max_target);
        let loaded = load_examples(file, prefix, tokenizer, vocab, limits)?;
        if let Some((line, why)) = loaded.skipped.first() {
            eprintln!(
                "{name}: skipped {} of {} (first at {line}: {why})",
                count(loaded.skipped.len(), "record"),
                file.display()
            );
        }
        eprintln!("{name}: {}", count(loaded.examples.len(), "example"));
        out[i] = loaded.examples;
    }
    Ok(out)
}

/// Run the command.
pub fn run(args: TrainArgs) -> Result<ExitCode> {
    // Training runs its shards on its own threads (see `TrainOptions::shards`).
    crate::model::alloc::one_candle_thread();
    crate::model::alloc::keep_freed_buffers();
    // Checked before a tokenizer is trained or a checkpoint read.
    if args.files().iter().all(Option::is_none) {
        bail!("no training data: give --singleline, --tutorial or --mutants (JSONL files)");
    }
    if !args.resume && !args.force && args.out.join(MODEL_FILE).exists() {
        bail!(
            "{} holds a model: pass --resume to continue its run, or --force to train a new \
             one over it",
            args.out.display()
        );
    }
    let options = args.options()?;
    let (tokenizer, tokenizer_path) = tokenizer(&args)?;
    let vocab = Vocab::new(&tokenizer)?;
    let mut trainer = if args.resume {
        let t = Trainer::resume(&args.out)
            .with_context(|| format!("cannot resume from {}", args.out.display()))?;
        let total: usize = t.options.steps.iter().sum();
        if t.step >= total {
            eprintln!(
                "the run in {} is finished (step {} of {total}): nothing to resume; give more \
                 --steps to a new run",
                args.out.display(),
                t.step
            );
            return Ok(ExitCode::SUCCESS);
        }
        eprintln!("resuming at step {}", t.step);
        t
    } else {
        let cfg = args.config(tokenizer.vocab_size(), vocab.pad);
        eprintln!(
            "model: {} parameters ({} layers, hidden {}, vocabulary {})",
            init::parameter_count(&cfg),
            cfg.num_hidden_layers,
            cfg.hidden_size,
            cfg.vocab_size
        );
        Trainer::new(&cfg, options)?
    };
    let options = trainer.options.clone();
    let data = examples(&args, &tokenizer, &vocab, &options)?;
    let curriculum =
        Curriculum::new(data, options.steps, options.seed)?.with_replay(options.replay)?;
    let bar = ProgressBar::new(curriculum.total_steps() as u64);
    bar.set_style(
        ProgressStyle::with_template("{bar:30} {pos}/{len} {msg}")
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    bar.set_position(trainer.step as u64);
    // Without a terminal the bar is hidden: print a plain line every 10 steps instead.
    let plain = bar.is_hidden();
    let mut show = |p: &Progress| {
        let line = format!(
            "{} loss {:.4} lr {:.2e} {:.0} tok/s, {}s left",
            p.stage,
            p.report.loss,
            p.report.lr,
            p.tokens_per_s,
            p.left.as_secs()
        );
        if plain && (p.step.is_multiple_of(10) || p.step == p.total || p.step == 1) {
            eprintln!("step {}/{} {line}", p.step, p.total);
        }
        bar.set_position(p.step as u64);
        bar.set_message(line);
    };
    training::run(
        &mut trainer,
        &curriculum,
        &vocab,
        &args.out,
        &tokenizer_path,
        args.stop_after,
        &mut show,
    )?;
    bar.finish();
    let t = trainer.timing;
    let total = t.total_s().max(1e-9);
    eprintln!(
        "step {} of {}; {:.0} tokens/s; time forward {:.0}%, backward {:.0}%, optimizer {:.0}%; saved to {}",
        trainer.step,
        curriculum.total_steps(),
        t.tokens_per_s(),
        100.0 * t.forward_s / total,
        100.0 * t.backward_s / total,
        100.0 * t.optimizer_s / total,
        args.out.display()
    );
    Ok(ExitCode::SUCCESS)
}
