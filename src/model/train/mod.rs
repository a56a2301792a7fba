//! Training the CodeExecutor model in candle: CodeExecutor's prefix-LM objective with weighted
//! target tokens ([`batch`]), AdamW with warm-up, linear decay and clipping ([`optim`]), the
//! three-stage curriculum ([`curriculum`]), checkpoints that the runtime loads and that resume
//! the schedule exactly ([`checkpoint`]).
//!
//! The forward pass is the runtime's [`Roberta`] with its differentiable kernels
//! (`layer_norm_slow`, `softmax`): candle's fused kernels give no gradients.

pub mod batch;
pub mod checkpoint;
pub mod curriculum;
pub mod data;
pub mod init;
pub mod optim;

use std::path::Path;
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};
use candle_core::backprop::GradStore;
use candle_core::{Tensor, D};
use candle_nn::{ops, VarMap};
use serde::{Deserialize, Serialize};

use super::{Kernels, Roberta, RobertaConfig};
use batch::Batch;
use checkpoint::{read_tensors, write_tensors, write_text, OPTIMIZER_FILE, STATE_FILE};
use curriculum::Curriculum;
use optim::{learning_rate, AdamW, AdamWParams};

/// How to train.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrainOptions {
    /// Steps of each curriculum stage (singleline, tutorial, mix).
    pub steps: [usize; 3],
    pub batch_size: usize,
    /// Peak learning rate of each stage.
    pub lr: f64,
    /// Warm-up steps at the start of each stage.
    pub warmup: usize,
    pub adamw: AdamWParams,
    pub seed: u64,
    /// Source ids per example, wrappers included.
    pub max_source: usize,
    /// Target ids per example (trace plus `</s>`).
    pub max_target: usize,
    /// Save a checkpoint every this many steps (0 = only at the end).
    pub checkpoint_every: usize,
    /// Parallel threads that share each batch (see [`batch::shards`]).
    #[serde(default = "one_shard")]
    pub shards: usize,
    /// Give every dataset of a mixed batch an equal share of the loss (see
    /// [`batch::loss_scales`]); off, each target token counts by its own weight, so the datasets
    /// with long traces dominate the mix.
    #[serde(default)]
    pub balance_datasets: bool,
    /// Share of each batch of stages 2 and 3 kept for earlier stages' datasets (see
    /// [`Curriculum::with_replay`]); 0 in runs saved before replay existed.
    #[serde(default)]
    pub replay: f64,
}

/// Checkpoints written before sharding trained on whole batches.
fn one_shard() -> usize {
    1
}

impl Default for TrainOptions {
    fn default() -> Self {
        Self {
            steps: [300, 300, 300],
            batch_size: 8,
            lr: 1e-3,
            warmup: 30,
            adamw: AdamWParams::default(),
            seed: 0,
            max_source: 256,
            max_target: 512,
            checkpoint_every: 100,
            shards: 2,
            balance_datasets: false,
            replay: 0.0,
        }
    }
}

/// Where the time of the steps went.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct Timing {
    pub forward_s: f64,
    pub backward_s: f64,
    pub optimizer_s: f64,
    /// Real (unpadded) tokens processed.
    pub tokens: u64,
    /// Target tokens scored.
    pub target_tokens: u64,
}

impl Timing {
    /// Seconds spent in steps.
    pub fn total_s(&self) -> f64 {
        self.forward_s + self.backward_s + self.optimizer_s
    }

    /// Real tokens per second of step time.
    pub fn tokens_per_s(&self) -> f64 {
        let t = self.total_s();
        if t > 0.0 {
            self.tokens as f64 / t
        } else {
            0.0
        }
    }
}

/// What `train_state.json` holds.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct TrainState {
    /// Global steps done.
    pub step: usize,
    pub options: TrainOptions,
    /// Optimizer steps since the current stage began (its bias correction).
    pub optimizer_steps: usize,
    pub timing: Timing,
    /// (global step, loss) of every step.
    pub losses: Vec<(usize, f32)>,
}

/// One step's result.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct StepReport {
    pub loss: f32,
    pub grad_norm: f64,
    pub lr: f64,
}

/// A model being trained: its variables, the network over them, and the optimizer.
pub struct Trainer {
    varmap: VarMap,
    model: Roberta,
    cfg: RobertaConfig,
    optim: AdamW,
    pub options: TrainOptions,
    /// Global steps done.
    pub step: usize,
    pub timing: Timing,
    pub losses: Vec<(usize, f32)>,
}

fn named_vars(varmap: &VarMap) -> Result<Vec<(String, candle_core::Var)>> {
    let data = varmap
        .data()
        .lock()
        .map_err(|_| anyhow::anyhow!("variable map lock poisoned"))?;
    Ok(data.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
}

impl Trainer {
    /// A freshly initialised model of `cfg`.
    pub fn new(cfg: &RobertaConfig, options: TrainOptions) -> Result<Self> {
        cfg.validate()?;
        let varmap = init::fresh_varmap(cfg, options.seed)?;
        Self::over(varmap, cfg, options)
    }

    fn over(varmap: VarMap, cfg: &RobertaConfig, options: TrainOptions) -> Result<Self> {
        let mut model = init::roberta_on(&varmap, cfg)?;
        model.set_kernels(Kernels::Differentiable);
        let optim = AdamW::new(named_vars(&varmap)?, options.adamw)?;
        Ok(Self {
            varmap,
            model,
            cfg: cfg.clone(),
            optim,
            options,
            step: 0,
            timing: Timing::default(),
            losses: Vec::new(),
        })
    }

    /// Continue from a checkpoint directory written by [`Trainer::save`].
    pub fn resume(dir: &Path) -> Result<Self> {
        let cfg = RobertaConfig::from_file(&dir.join("config.json"))?;
        let state_path = dir.join(STATE_FILE);
        let text = std::fs::read_to_string(&state_path)
            .with_context(|| format!("cannot read {}", state_path.display()))?;
        let state: TrainState = serde_json::from_str(&text)
            .with_context(|| format!("{} is not a training state", state_path.display()))?;
        let mut varmap = init::fresh_varmap(&cfg, state.options.seed)?;
        let weights = dir.join(checkpoint::MODEL_FILE);
        varmap
            .load(&weights)
            .with_context(|| format!("cannot load {}", weights.display()))?;
        let mut trainer = Self::over(varmap, &cfg, state.options)?;
        let moments = read_tensors(&dir.join(OPTIMIZER_FILE))?;
        trainer.optim.restore(&moments, state.optimizer_steps)?;
        trainer.step = state.step;
        trainer.timing = state.timing;
        trainer.losses = state.losses;
        Ok(trainer)
    }

    /// The network being trained (differentiable kernels).
    pub fn model(&self) -> &Roberta {
        &self.model
    }

    /// The configuration.
    pub fn config(&self) -> &RobertaConfig {
        &self.cfg
    }

    /// Every trained variable with its name.
    pub fn variables(&self) -> Result<Vec<(String, candle_core::Var)>> {
        named_vars(&self.varmap)
    }

    /// The weighted cross-entropy of the batch's target tokens (mean over the weights).
    pub fn loss(&self, batch: &Batch) -> Result<Tensor> {
        self.weighted_nll(batch, batch.total_weight)
    }

    /// The batch's weighted negative log-likelihood divided by `total_weight`: the shards of a
    /// batch, each divided by the whole batch's weight, add up to the batch's loss.
    fn weighted_nll(&self, batch: &Batch, total_weight: f64) -> Result<Tensor> {
        if total_weight <= 0.0 {
            bail!("a batch without target tokens");
        }
        let hidden = self.model.forward(&batch.ids, Some(&batch.mask))?;
        let (b, n, h) = hidden.dims3()?;
        let rows = hidden.reshape((b * n, h))?.index_select(&batch.rows, 0)?;
        let logits = self.model.lm_logits(&rows)?;
        let log_probs = ops::log_softmax(&logits, D::Minus1)?;
        let picked = log_probs
            .gather(&batch.labels.unsqueeze(1)?, 1)?
            .squeeze(1)?;
        Ok(((picked * &batch.weights)?.sum_all()? / -total_weight)?)
    }

    /// Forward and backward of one shard, timed.
    fn shard_gradients(&self, shard: &Batch, total_weight: f64) -> Result<ShardGradients> {
        let t0 = Instant::now();
        let loss = self.weighted_nll(shard, total_weight)?;
        let t1 = Instant::now();
        let grads = loss.backward()?;
        Ok(ShardGradients {
            loss: loss.to_scalar::<f32>()?,
            grads,
            forward_s: (t1 - t0).as_secs_f64(),
            backward_s: t1.elapsed().as_secs_f64(),
        })
    }

    /// Forget the optimizer moments (a new curriculum stage starts).
    pub fn reset_optimizer(&mut self) -> Result<()> {
        self.optim = AdamW::new(self.variables()?, self.options.adamw)?;
        Ok(())
    }

    /// One optimisation step on one batch at learning rate `lr`, timed: each thread's batches
    /// (see [`batch::shards`]) run their forward and backward passes in turn, the threads in
    /// parallel, and all their gradients add up to the whole batch's.
    pub fn train_step(&mut self, threads: &[Vec<Batch>], lr: f64) -> Result<StepReport> {
        let shards = || threads.iter().flatten();
        let total_weight: f64 = shards().map(|b| b.total_weight).sum();
        let t0 = Instant::now();
        let this = &*self;
        let parts = std::thread::scope(|scope| {
            let running: Vec<_> = threads
                .iter()
                .map(|batches| {
                    scope.spawn(move || {
                        batches
                            .iter()
                            .map(|shard| this.shard_gradients(shard, total_weight))
                            .collect::<Result<Vec<_>>>()
                    })
                })
                .collect();
            running
                .into_iter()
                .map(|t| {
                    t.join()
                        .unwrap_or_else(|_| Err(anyhow::anyhow!("a training thread panicked")))
                })
                .collect::<Result<Vec<_>>>()
        })?;
        let parts: Vec<ShardGradients> = parts.into_iter().flatten().collect();
        let loss: f32 = parts.iter().map(|p| p.loss).sum();
        if !loss.is_finite() {
            bail!("the loss became {loss} at step {}", self.step);
        }
        let (forward, backward) = parts
            .iter()
            .fold((0.0, 0.0), |(f, b), p| (f + p.forward_s, b + p.backward_s));
        let grads = self.sum_gradients(parts)?;
        let t2 = Instant::now();
        let grad_norm = self.optim.step(&grads, lr)?;
        let t3 = Instant::now();
        // The threads overlap, so the step's wall time is split in proportion to their time.
        let wall = (t2 - t0).as_secs_f64();
        let forward_share = forward / (forward + backward).max(1e-12);
        self.timing.forward_s += wall * forward_share;
        self.timing.backward_s += wall * (1.0 - forward_share);
        self.timing.optimizer_s += (t3 - t2).as_secs_f64();
        for shard in shards() {
            self.timing.tokens += shard.tokens as u64;
            self.timing.target_tokens += shard.target_tokens as u64;
        }
        self.losses.push((self.step, loss));
        self.step += 1;
        Ok(StepReport {
            loss,
            grad_norm,
            lr,
        })
    }

    /// The shards' gradients added variable by variable, in the first shard's store.
    fn sum_gradients(&self, parts: Vec<ShardGradients>) -> Result<GradStore> {
        let mut parts = parts.into_iter();
        let Some(first) = parts.next() else {
            bail!("a step without shards");
        };
        let mut total = first.grads;
        let rest: Vec<GradStore> = parts.map(|p| p.grads).collect();
        if rest.is_empty() {
            return Ok(total);
        }
        for (_, var) in self.variables()? {
            let var = var.as_tensor();
            let mut sum = total.remove(var);
            for grads in &rest {
                if let Some(g) = grads.get(var) {
                    sum = Some(match sum {
                        Some(s) => (s + g)?,
                        None => g.clone(),
                    });
                }
            }
            if let Some(sum) = sum {
                total.insert(var, sum);
            }
        }
        Ok(total)
    }

    /// Write a checkpoint to `dir`: the model directory files (with a copy of `tokenizer`) and
    /// the training state.
    pub fn save(&self, dir: &Path, tokenizer: &Path) -> Result<()> {
        let mut cfg = self.cfg.clone();
        cfg.architectures = vec!["RobertaModel".into()];
        write_text(dir, "config.json", &serde_json::to_string_pretty(&cfg)?)?;
        checkpoint::write_atomic(dir, checkpoint::MODEL_FILE, |p| Ok(self.varmap.save(p)?))?;
        if tokenizer != dir.join("tokenizer.json") {
            let text = std::fs::read_to_string(tokenizer)
                .with_context(|| format!("cannot read {}", tokenizer.display()))?;
            write_text(dir, "tokenizer.json", &text)?;
        }
        let (moments, optimizer_steps) = self.optim.state();
        write_tensors(dir, OPTIMIZER_FILE, &moments)?;
        let state = TrainState {
            step: self.step,
            options: self.options.clone(),
            optimizer_steps,
            timing: self.timing,
            losses: self.losses.clone(),
        };
        write_text(dir, STATE_FILE, &serde_json::to_string(&state)?)
    }
}

/// What one shard's forward and backward passes produced.
struct ShardGradients {
    loss: f32,
    grads: GradStore,
    forward_s: f64,
    backward_s: f64,
}

/// What the progress callback sees after each step.
#[derive(Debug, Clone)]
pub struct Progress {
    pub step: usize,
    pub total: usize,
    pub stage: String,
    pub report: StepReport,
    /// Real tokens per second over the steps of this run.
    pub tokens_per_s: f64,
    /// Estimated time to the end.
    pub left: Duration,
}

/// Run the curriculum from the trainer's current step to the end, saving a checkpoint to `out`
/// every `checkpoint_every` steps, at the end of each stage and at the end. Stops early
/// (after saving) once `stop_after` steps have run in this call, when given.
pub fn run(
    trainer: &mut Trainer,
    curriculum: &Curriculum,
    vocab: &batch::Vocab,
    out: &Path,
    tokenizer: &Path,
    stop_after: Option<usize>,
    progress: &mut dyn FnMut(&Progress),
) -> Result<()> {
    let total = curriculum.total_steps();
    let started = Instant::now();
    let (start_step, start_tokens) = (trainer.step, trainer.timing.tokens);
    let device = trainer.model().device().clone();
    let mut saved_at = None;
    while let Some(at) = curriculum.position(trainer.step) {
        if stop_after.is_some_and(|n| trainer.step - start_step >= n) {
            break;
        }
        let stage = &curriculum.stages[at.stage];
        if at.step == 0 && trainer.step > 0 {
            trainer.reset_optimizer()?;
        }
        let lr = learning_rate(
            at.step,
            stage.steps,
            trainer.options.warmup,
            trainer.options.lr,
        );
        let examples = curriculum.batch(at, trainer.options.batch_size);
        // Replayed records count by their own token weights: balancing would give them half the
        // loss of a stage whatever their share of the batch.
        let balance = trainer.options.balance_datasets
            && curriculum.replay_places(at.stage, trainer.options.batch_size) == 0;
        let scaled = batch::loss_scales(&examples, vocab, balance);
        let shards = batch::shards(&scaled, trainer.options.shards, vocab, &device)?;
        let report = trainer.train_step(&shards, lr)?;
        let elapsed = started.elapsed().as_secs_f64();
        let done = trainer.step - start_step;
        let per_step = elapsed / done as f64;
        progress(&Progress {
            step: trainer.step,
            total,
            stage: stage.name.clone(),
            report,
            tokens_per_s: (trainer.timing.tokens - start_tokens) as f64 / elapsed.max(1e-9),
            left: Duration::from_secs_f64(per_step * total.saturating_sub(trainer.step) as f64),
        });
        let every = trainer.options.checkpoint_every;
        let stage_end = at.step + 1 == stage.steps;
        if stage_end || (every > 0 && trainer.step.is_multiple_of(every)) {
            trainer.save(out, tokenizer)?;
            saved_at = Some(trainer.step);
        }
    }
    if saved_at != Some(trainer.step) {
        trainer.save(out, tokenizer)?;
    }
    Ok(())
}
