//! `tracelens eval CRUXEVAL.jsonl --task output|input`: CRUXEval-O / CRUXEval-I scored by
//! execution as the official harness scores them (see `crate::cruxeval`).
//!
//! Answers come from `--pred FILE` (CRUXEval's `generations.json`, or JSONL lines with an `id`
//! and `prediction` or `predictions`): taken as they are, or, with `--prompt KIND`, as raw
//! model text (with or without the prompt in front) from which the answer is extracted the
//! KIND way. Or they come from a causal LM (`--model PATH --prompt KIND`, `--samples N` answers
//! per record; `crate::app::causal_answer` asks and extracts), then go through the same
//! scoring; the per-sample lines also hold the raw generations.
//!
//! Decisions: a record without any prediction is scored as one empty answer (it fails, as in
//! CRUXEval's own inference, which writes `""` for a prompt it could not run), with a warning;
//! predictions for ids that are not in the dataset are ignored, with a warning. A record the
//! model fails on (its prompt beyond the model's context, a model error) gets `--samples`
//! failing answers with the reason `model_error`, a warning, and the run goes on. `--out` writes
//! one JSON line per record atomically, refuses to replace an existing file unless `--force`
//! is given, and never writes over an input file.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::str::FromStr;
use std::sync::atomic::AtomicBool;

use anyhow::{bail, Context};
use clap::Args;
use indicatif::{ProgressBar, ProgressStyle};

use super::eval_cmd::{write_atomically, EvalArgs};
use crate::app::causal_answer::{ask_all, Asking};
use crate::atomic_file::check_output;
use crate::cruxeval::extract::extract;
use crate::cruxeval::predictions::read_predictions;
use crate::cruxeval::prompts::prompt;
use crate::cruxeval::report::{Generated, Report, SampleResult};
use crate::cruxeval::score::{distinct_checks, score_all, Verdict};
use crate::cruxeval::{read_samples, PromptKind, Sample, Task};
use crate::model::causal::{self, CausalLm, LoadOptions};
use crate::plural::count;
use crate::trace::{PoolOptions, SandboxMode, TracerPool};

/// The CRUXEval arguments of `tracelens eval`.
#[derive(Debug, Args)]
pub struct CruxevalArgs {
    /// Score CRUXEval records (DATASET is CRUXEval's JSONL) on this task, by execution.
    #[arg(long, value_enum)]
    pub task: Option<Task>,
    /// How the model is asked (with --model); with --pred, the predictions are raw model text
    /// and the answer is extracted this way.
    #[arg(long, value_enum, requires = "task")]
    pub prompt: Option<PromptKind>,
    /// Answers generated per record (with --model).
    #[arg(long, default_value_t = 1, requires = "task",
          value_parser = clap::value_parser!(u32).range(1..=1000))]
    pub samples: u32,
    /// Sampling temperature; 0 is greedy (with --model).
    #[arg(long, default_value_t = 0.0, requires = "task")]
    pub temperature: f64,
    /// Nucleus sampling: the smallest set of tokens holding this much probability (with --model).
    #[arg(long, default_value_t = 0.95, requires = "task")]
    pub top_p: f64,
    /// Seed of the sampler (with --model).
    #[arg(long, default_value_t = 0, requires = "task")]
    pub seed: u64,
    /// A tokenizer.json to use instead of the one beside the model (with --model).
    #[arg(long, requires = "task")]
    pub tokenizer: Option<PathBuf>,
    /// CPU threads of the model (with --model; default: all cores).
    #[arg(long, requires = "task", value_parser = super::values::at_least_one)]
    pub threads: Option<usize>,
    /// Kernel confinement of the checks, which run model answers: `on` (every layer this
    /// machine has), `strict` (refuse to run without every layer) or `off` (for debugging).
    #[arg(long, value_name = "MODE", default_value = "on", value_parser = SandboxMode::from_str,
          requires = "task")]
    pub sandbox: SandboxMode,
}

/// Run `eval --task`.
pub fn run(args: &EvalArgs, task: Task) -> anyhow::Result<ExitCode> {
    let crux = &args.cruxeval;
    let Some(dataset) = &args.dataset else {
        bail!("--task needs the CRUXEval records: tracelens eval CRUXEVAL.jsonl --task {} (--pred FILE | --model PATH)", task.as_str());
    };
    if !args.shard.is_whole() {
        bail!("--shard is not supported with --task: score the whole file (it takes seconds)");
    }
    if let Some(out) = &args.out {
        let model = args.model.as_ref().map(PathBuf::from);
        let inputs: Vec<&Path> = [Some(dataset), args.pred.as_ref(), model.as_ref()]
            .into_iter()
            .flatten()
            .map(PathBuf::as_path)
            .collect();
        check_output(out, &inputs, args.force)
            .with_context(|| format!("cannot write {}", out.display()))?;
    }
    let read = read_samples(dataset)?;
    let mut warnings = read.warnings;
    let samples = read.samples;
    if samples.is_empty() {
        bail!("{}: no CRUXEval records in it", dataset.display());
    }
    // Started first, so a tracer that cannot start wastes no generation.
    let jobs = args
        .jobs
        .map_or_else(|| PoolOptions::default().workers, |j| j as usize);
    let pool = TracerPool::start(PoolOptions {
        workers: jobs,
        sandbox: crux.sandbox,
        ..PoolOptions::default()
    })
    .context("cannot start the tracer that runs the checks")?;
    let answered = match (&args.pred, &args.model) {
        (Some(pred), _) => Answered::given(predicted_answers(
            pred,
            &samples,
            task,
            crux.prompt,
            &mut warnings,
        )?),
        (None, Some(model)) => generate(Path::new(model), &samples, task, args, &mut warnings)?,
        (None, None) => bail!("give --pred FILE (answers made elsewhere) or --model PATH"),
    };
    let Answered {
        answers,
        generated,
        model_errors,
    } = answered;
    let progress = ProgressBar::new(distinct_checks(task, &samples, &answers) as u64);
    if let Ok(style) =
        ProgressStyle::with_template("{bar:40} {pos}/{len} checks, {per_sec}, eta {eta}")
    {
        progress.set_style(style);
    }
    let verdicts = score_all(&pool, task, &samples, &answers, &|done| {
        progress.set_position(done as u64)
    });
    progress.finish_and_clear();
    let per_record = crux.samples as usize;
    let report = Report {
        task,
        prompt: crux.prompt,
        samples: samples
            .iter()
            .zip(answers)
            .zip(verdicts)
            .zip(generated.into_iter().zip(model_errors))
            .map(|(((sample, answers), verdicts), (generated, error))| {
                let mut result = match error {
                    Some(error) => SampleResult::new(
                        sample,
                        vec![String::new(); per_record],
                        vec![Verdict::model_error(error); per_record],
                    ),
                    None => SampleResult::new(sample, answers, verdicts),
                };
                result.generated = generated;
                result
            })
            .collect(),
    };
    for warning in &warnings {
        eprintln!("tracelens eval: {warning}");
    }
    if let Some(out) = &args.out {
        write_atomically(out, &report.sample_lines())?;
    }
    let mut stdout = std::io::stdout();
    if args.json {
        writeln!(stdout, "{}", report.summary_json())?;
    } else {
        write!(stdout, "{}", report.table())?;
    }
    Ok(ExitCode::SUCCESS)
}

/// Every sample's answers from `--pred`, extracted the `prompt` way when one is given.
fn predicted_answers(
    path: &Path,
    samples: &[Sample],
    task: Task,
    kind: Option<PromptKind>,
    warnings: &mut Vec<String>,
) -> anyhow::Result<Vec<Vec<String>>> {
    let mut read = read_predictions(path)?;
    warnings.append(&mut read.warnings);
    let mut missing = 0;
    let answers: Vec<Vec<String>> = samples
        .iter()
        .map(|sample| {
            let answers = read.answers.remove(&sample.id).unwrap_or_default();
            if answers.is_empty() {
                missing += 1;
                return vec![String::new()];
            }
            match kind {
                None => answers,
                Some(kind) => {
                    let asked = prompt(sample, task, kind);
                    answers
                        .iter()
                        .map(|text| {
                            let generation = text.strip_prefix(asked.as_str()).unwrap_or(text);
                            extract(task, kind, &asked, generation)
                        })
                        .collect()
                }
            }
        })
        .collect();
    if missing > 0 {
        let missing = count(missing, "record");
        warnings.push(format!(
            "{missing} without a prediction; each is scored as one empty answer"
        ));
    }
    if !read.answers.is_empty() {
        let unknown = count(read.answers.len(), "prediction id");
        warnings.push(format!("{unknown} not in the dataset; ignored"));
    }
    Ok(answers)
}

/// Every record's answers, with what the model generated and the records it failed on.
struct Answered {
    answers: Vec<Vec<String>>,
    /// Per record, one entry per answer (empty for given answers).
    generated: Vec<Vec<Generated>>,
    /// Per record, why the model gave no answer.
    model_errors: Vec<Option<String>>,
}

impl Answered {
    fn given(answers: Vec<Vec<String>>) -> Answered {
        Answered {
            generated: vec![Vec::new(); answers.len()],
            model_errors: vec![None; answers.len()],
            answers,
        }
    }
}

/// Answers from the causal LM at `model`, `--samples` per record, with progress on stderr.
fn generate(
    model: &Path,
    samples: &[Sample],
    task: Task,
    args: &EvalArgs,
    warnings: &mut Vec<String>,
) -> anyhow::Result<Answered> {
    let crux = &args.cruxeval;
    let Some(kind) = crux.prompt else {
        bail!("--model needs --prompt direct|cot|monologue: how the model is asked");
    };
    let asking = Asking {
        kind,
        samples: crux.samples as usize,
        temperature: crux.temperature,
        top_p: crux.top_p,
        seed: crux.seed,
        max_tokens: args.max_tokens,
    };
    asking.check()?;
    if let Some(threads) = crux.threads {
        causal::set_threads(threads)?;
    }
    let lm = CausalLm::load(
        model,
        &LoadOptions {
            tokenizer: crux.tokenizer.clone(),
        },
    )
    .with_context(|| format!("cannot load the model {}", model.display()))?;
    let progress = ProgressBar::new(samples.len() as u64);
    if let Ok(style) = ProgressStyle::with_template(
        "{bar:40} {pos}/{len} records generated, {per_sec}, eta {eta} {msg}",
    ) {
        progress.set_style(style);
    }
    let mut failed = 0;
    let results = ask_all(
        &lm,
        samples,
        task,
        &asking,
        &AtomicBool::new(false),
        &mut |done, _, result| {
            failed += usize::from(result.is_err());
            if failed > 0 {
                progress.set_message(format!("({failed} failed)"));
            }
            progress.set_position(done as u64);
        },
    )?;
    progress.finish_and_clear();
    let mut answered = Answered {
        answers: Vec::with_capacity(samples.len()),
        generated: Vec::with_capacity(samples.len()),
        model_errors: Vec::with_capacity(samples.len()),
    };
    for (sample, result) in samples.iter().zip(results) {
        match result {
            Ok(done) => {
                answered.generated.push(
                    done.answers
                        .iter()
                        .map(|a| Generated {
                            text: a.generation.clone(),
                            finish: a.finish.as_str().to_string(),
                            tokens: a.tokens,
                        })
                        .collect(),
                );
                answered
                    .answers
                    .push(done.answers.into_iter().map(|a| a.answer).collect());
                answered.model_errors.push(None);
            }
            Err(err) => {
                let why = format!("{err:#}");
                warnings.push(format!("{}: the model gave no answer: {why}", sample.id));
                answered.answers.push(Vec::new());
                answered.generated.push(Vec::new());
                answered.model_errors.push(Some(why));
            }
        }
    }
    Ok(answered)
}
