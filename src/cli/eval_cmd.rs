//! `tracelens eval`: score predictions against ground truth with CodeExecutor's metrics
//! (`--gold G.jsonl --pred P.jsonl`), print a summary and breakdowns, write per-sample results.
//!
//! Records are matched by `id`. A gold trace is the record's `trace` list joined with single
//! spaces; a prediction is the `prediction` field of the line with the same id (raw text, or
//! an object whose `trace` list is joined the same way). A prediction line needs only `id` and
//! `prediction`, so both dataset records and the per-sample lines `eval --out` writes can be
//! scored again. A gold record without a prediction is
//! scored as an empty prediction (and counted in a warning); predictions without a gold
//! record are ignored (with a warning); malformed lines are reported with their line number
//! and skipped.
//!
//! `tracelens eval DATASET.jsonl --model DIR` first predicts every record with the model
//! ([`predict_form`]) and then scores through the same path. Both forms build a list of
//! (gold record, predicted text) pairs; `crate::analysis::report` scores them, and this file
//! formats the report.
//!
//! `--shard I/N` scores only the `I`-th of `N` contiguous ranges of the gold records (in the
//! dataset form, predicts only those). `tracelens eval --merge R0.jsonl R1.jsonl ...` rebuilds
//! the report of one unsharded run from the shards' `--out` files (each line carries its raw
//! counts): the same summary and breakdowns, and with `--out` the same per-sample file, byte
//! for byte.

use std::collections::{HashMap, HashSet};
use std::fs;
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{bail, Context};
use clap::{Args, ValueEnum};
use serde::de::DeserializeOwned;
use serde::Deserialize;

use super::cruxeval_cmd::CruxevalArgs;
use crate::analysis::metrics::Variant;
use crate::analysis::report::{evaluate, Case, Report, SampleResult};
use crate::atomic_file::{check_output, replace_file};
use crate::dataset::record::{Prediction, Record, RecordId};
use crate::pipeline::shard::Shard;
use crate::plural::count;

mod predict_form;

/// Arguments of `tracelens eval`.
#[derive(Debug, Args)]
pub struct EvalArgs {
    /// Dataset to predict with the model and score in one go (with --task: CRUXEval records).
    #[arg(conflicts_with_all = ["gold", "merge"])]
    pub dataset: Option<PathBuf>,
    /// Merge the per-sample `--out` files of sharded runs (in shard order) into one report.
    #[arg(long, num_args = 1.., value_name = "REPORT", conflicts_with_all = ["gold", "pred", "shard"])]
    pub merge: Vec<PathBuf>,
    /// Score only the `I`-th of `N` contiguous ranges of gold records (`I/N`, 0-based).
    #[arg(long, value_name = "I/N", default_value = "0/1")]
    pub shard: Shard,
    /// Gold dataset records (JSONL; `-` for stdin).
    #[arg(long, requires = "pred")]
    pub gold: Option<PathBuf>,
    /// Records holding predictions in their `prediction` field (JSONL; `-` for stdin); with
    /// --task, CRUXEval answers (generations.json or JSONL).
    #[arg(long)]
    pub pred: Option<PathBuf>,
    /// Dataset prefix; picks the metric variant (and the model's prefix token).
    #[arg(long, value_enum, default_value_t = Prefix::Codenet)]
    pub prefix: Prefix,
    /// The metric script, when not the prefix's own: `standard` scores every step of a trace,
    /// `singleline` one final state (CodeExecutor's SingleLine script). tracelens's singleline
    /// records hold whole traces, so `--prefix singleline --metric standard` scores them whole.
    #[arg(long, value_enum)]
    pub metric: Option<Metric>,
    /// Print the summary as one JSON object.
    #[arg(long)]
    pub json: bool,
    /// Write per-sample results (id, metrics, first divergence) to this JSONL file.
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Replace --out when it exists (without it, an existing file is refused).
    #[arg(long, requires = "out")]
    pub force: bool,
    /// Model directory (dataset form; default: $TRACELENS_MODEL, else models/tracelens-tiny);
    /// with --task, a causal LM: a .gguf file or a Hugging Face model directory.
    #[arg(long)]
    pub model: Option<String>,
    /// Beam size, 1 = greedy (dataset form).
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..=64))]
    pub beam: u32,
    /// Worker threads sharing the loaded model (dataset form; default 1); with --task, tracer
    /// workers running the checks (default: one per core).
    #[arg(long, value_parser = clap::value_parser!(u32).range(1..=256))]
    pub jobs: Option<u32>,
    /// At most this many generated tokens per record (dataset form), per answer with --task.
    #[arg(long, default_value_t = crate::model::MAX_TARGET_TOKENS, value_parser = super::values::at_least_one)]
    pub max_tokens: usize,
    #[command(flatten)]
    pub cruxeval: CruxevalArgs,
}

/// CodeExecutor's two metric scripts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Metric {
    Standard,
    Singleline,
}

impl From<Metric> for Variant {
    fn from(metric: Metric) -> Self {
        match metric {
            Metric::Standard => Variant::Standard,
            Metric::Singleline => Variant::Singleline,
        }
    }
}

/// The dataset prefixes of CodeExecutor.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Prefix {
    Codenet,
    Tutorial,
    Singleline,
}

impl Prefix {
    fn variant(self) -> Variant {
        match self {
            Prefix::Codenet | Prefix::Tutorial => Variant::Standard,
            Prefix::Singleline => Variant::Singleline,
        }
    }

    /// The prefix token fed to the model.
    fn token(self) -> &'static str {
        match self {
            Prefix::Codenet => "<codenet>",
            Prefix::Tutorial => "<tutorial>",
            Prefix::Singleline => "<singleline>",
        }
    }
}

/// Run the command.
pub fn run(args: EvalArgs) -> anyhow::Result<ExitCode> {
    if let Some(task) = args.cruxeval.task {
        return super::cruxeval_cmd::run(&args, task);
    }
    let variant = args.metric.map_or(args.prefix.variant(), Variant::from);
    if let Some(out) = &args.out {
        let inputs: Vec<&Path> = [&args.dataset, &args.gold, &args.pred]
            .into_iter()
            .flatten()
            .map(PathBuf::as_path)
            .collect();
        check_output(out, &inputs, args.force)
            .with_context(|| format!("cannot write {}", out.display()))?;
    }
    let (report, warnings) = match (&args.dataset, &args.gold, &args.pred) {
        _ if !args.merge.is_empty() => (merge(&args.merge)?, Vec::new()),
        (Some(_), _, Some(_)) => bail!("--pred goes with --gold (or with --task for CRUXEval)"),
        (Some(dataset), _, _) => {
            let mut loaded = read_records::<Record>(dataset)?;
            let range = args.shard.range(loaded.records.len());
            loaded.records.drain(range.end..);
            loaded.records.drain(..range.start);
            let predicted = predict_form::predict(&loaded.records, &args)?;
            let warnings = loaded.warnings.into_iter().chain(predicted.warnings);
            (score(&predicted.pairs, variant), warnings.collect())
        }
        (None, Some(gold), Some(pred)) => {
            let gold = read_records(gold)?;
            let pred = read_records(pred)?;
            let (mut pairs, warnings) = match_by_id(&gold, &pred);
            let range = args.shard.range(pairs.len());
            let mine: Vec<Pair> = pairs.drain(range).collect();
            (score(&mine, variant), warnings)
        }
        _ => bail!(
            "give DATASET.jsonl (predicted with --model DIR), --gold G.jsonl --pred P.jsonl, \
             or --merge REPORT..."
        ),
    };
    for warning in &warnings {
        eprintln!("tracelens eval: {warning}");
    }
    if let Some(out) = &args.out {
        let lines: Vec<String> = report
            .samples
            .iter()
            .map(|s| s.to_json(variant).to_string())
            .collect();
        write_atomically(out, &lines)?;
    }
    let summary = report.overall.metrics();
    if args.json {
        writeln!(std::io::stdout(), "{}", summary.to_json(variant))?;
    } else {
        write!(std::io::stdout(), "{}", table(&report, variant))?;
    }
    Ok(ExitCode::SUCCESS)
}

/// The report of the per-sample lines of `reports`, read in order (see `--merge`); a line that
/// is not a per-sample line ends the merge with its file and line number.
fn merge(reports: &[PathBuf]) -> anyhow::Result<Report> {
    let mut samples = Vec::new();
    for path in reports {
        let text =
            fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
        for (index, line) in text.lines().enumerate() {
            let sample: SampleResult = serde_json::from_str(line).with_context(|| {
                format!(
                    "{}:{}: not a per-sample line of `eval --out`",
                    path.display(),
                    index + 1
                )
            })?;
            samples.push(sample);
        }
    }
    Ok(Report::from_samples(samples))
}

/// Lines read from a JSONL file, and a warning per malformed line.
struct Loaded<T> {
    records: Vec<T>,
    warnings: Vec<String>,
}

/// A line of the `--pred` file: its id and prediction; any other fields are ignored.
#[derive(Deserialize)]
struct PredictionLine {
    id: RecordId,
    prediction: Option<Prediction>,
}

fn read_records<T: DeserializeOwned>(path: &Path) -> anyhow::Result<Loaded<T>> {
    let text = if path == Path::new("-") {
        let mut text = String::new();
        io::stdin()
            .read_to_string(&mut text)
            .context("cannot read stdin")?;
        text
    } else {
        fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?
    };
    let mut loaded = Loaded {
        records: Vec::new(),
        warnings: Vec::new(),
    };
    for (index, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        match serde_json::from_str::<T>(line) {
            Ok(record) => loaded.records.push(record),
            Err(err) => loaded.warnings.push(format!(
                "{}:{}: skipped malformed record: {err}",
                path.display(),
                index + 1
            )),
        }
    }
    Ok(loaded)
}

/// A gold record and the text predicted for it.
type Pair<'a> = (&'a Record, String);

/// Pair every gold record with the prediction of the same id (empty when there is none).
fn match_by_id<'a>(
    gold: &'a Loaded<Record>,
    pred: &Loaded<PredictionLine>,
) -> (Vec<Pair<'a>>, Vec<String>) {
    let mut warnings: Vec<String> = gold
        .warnings
        .iter()
        .chain(&pred.warnings)
        .cloned()
        .collect();
    let predictions: HashMap<&str, String> = pred
        .records
        .iter()
        .filter_map(|r| Some((r.id.as_str(), r.prediction.as_ref()?.text())))
        .collect();
    let gold_ids: HashSet<&str> = gold.records.iter().map(|r| r.id.as_str()).collect();
    let unmatched = pred
        .records
        .iter()
        .filter(|r| !gold_ids.contains(r.id.as_str()))
        .count();
    if unmatched > 0 {
        let unmatched = count(unmatched, "prediction record");
        warnings.push(format!("{unmatched} without a gold record; ignored"));
    }
    let mut missing = 0;
    let pairs = gold
        .records
        .iter()
        .map(|record| {
            let predicted = predictions
                .get(record.id.as_str())
                .cloned()
                .unwrap_or_else(|| {
                    missing += 1;
                    String::new()
                });
            (record, predicted)
        })
        .collect();
    if missing > 0 {
        let missing = count(missing, "gold record");
        warnings.push(format!("{missing} without a prediction; scored as empty"));
    }
    (pairs, warnings)
}

/// Score every pair (see [`evaluate`]).
fn score(pairs: &[Pair], variant: Variant) -> Report {
    let cases = pairs.iter().map(|(record, predicted)| Case {
        id: &record.id,
        gold: &record.trace,
        predicted,
        mutation_op: record
            .origin
            .as_ref()
            .and_then(|o| o.mutation.as_ref())
            .map(|m| m.op.as_str()),
        outcome: record.outcome.as_deref(),
    });
    evaluate(cases, variant)
}

/// The summary table and the three breakdowns, as text.
fn table(report: &Report, variant: Variant) -> String {
    let summary = report.overall.metrics();
    let mut out = format!("{} samples\n\n", report.overall.samples);
    for (key, value) in summary.reported(variant) {
        out.push_str(&format!("{:<22}{:>8}\n", key, show(value)));
    }
    let columns = summary.reported(variant);
    for (title, groups) in report.breakdowns() {
        out.push_str(&format!("\nby {title}\n{:<16}{:>6}", "group", "n"));
        for (key, _) in &columns {
            out.push_str(&format!(" {:>9}", short_name(key)));
        }
        out.push('\n');
        for (group, tally) in groups {
            out.push_str(&format!("{group:<16}{:>6}", tally.samples));
            for (_, value) in tally.metrics().reported(variant) {
                out.push_str(&format!(" {:>9}", show(value)));
            }
            out.push('\n');
        }
    }
    out
}

fn show(value: Option<f64>) -> String {
    value.map_or_else(|| "n/a".to_string(), |v| format!("{v:.2}"))
}

fn short_name(key: &str) -> &str {
    match key {
        "output_accuracy" => "output",
        "trace_accuracy" => "trace",
        "line_precision" => "line P",
        "line_recall" => "line R",
        "line_f1" => "line F1",
        "identifier_precision" => "id P",
        "identifier_recall" => "id R",
        "identifier_f1" => "id F1",
        other => other,
    }
}

/// Write lines to `path` atomically (see [`replace_file`]).
pub(super) fn write_atomically(path: &Path, lines: &[String]) -> anyhow::Result<()> {
    replace_file(path, false, |w| {
        lines.iter().try_for_each(|line| writeln!(w, "{line}"))
    })
    .with_context(|| format!("cannot write {}", path.display()))
}
