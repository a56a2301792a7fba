//! `tracelens dataset`: `export` converts a dataset to CodeExecutor, CRUXEval or tracelens
//! JSONL; `build` makes the curriculum's CodeExecutor-format datasets with the real tracer
//! (`crate::pipeline::dataset_build`); `trace` fills the traced fields of `{id, code[, stdin]}`
//! records (`crate::pipeline::dataset_trace`).

use std::io::{BufWriter, Read, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{bail, Context};
use clap::{Args, Subcommand, ValueEnum};
use indicatif::{ProgressBar, ProgressStyle};

use super::trace_cmd::TracerArgs;
use crate::atomic_file::{check_output, replace_file};
use crate::dataset::{export, ExportFormat, ExportOptions};
use crate::pipeline::dataset_build::{build, BuildOptions, Stage};
use crate::pipeline::dataset_trace::{trace_lines, ADDRESS};
use crate::pipeline::shard::Shard;
use crate::plural::count;
use crate::trace::{PoolOptions, TracerPool};

/// Arguments of `tracelens dataset`.
#[derive(Debug, Args)]
pub struct DatasetArgs {
    #[command(subcommand)]
    pub command: DatasetCommand,
}

/// The `dataset` subcommands.
#[derive(Debug, Subcommand)]
pub enum DatasetCommand {
    /// Export a dataset (tracelens, CodeExecutor or CRUXEval JSONL) to another format.
    Export(ExportArgs),
    /// Build a dataset (singleline, tutorial, mutants, diverse, handwritten) traced by CPython.
    Build(BuildArgs),
    /// Trace `{id, code[, stdin]}` records: fill code_tokens, trace, trace_tokens and outcome.
    Trace(TraceArgs),
}

/// Arguments of `tracelens dataset trace`.
#[derive(Debug, Args)]
pub struct TraceArgs {
    /// The records to trace (JSONL; `-` reads standard input).
    pub input: PathBuf,
    /// Where to write (atomically); never the input itself. `-` streams the lines to
    /// standard output as they are traced.
    #[arg(long)]
    pub out: PathBuf,
    /// Replace --out when it exists (without it, an existing file is refused).
    #[arg(long)]
    pub force: bool,
    /// Tracer worker processes (default: number of cores).
    #[arg(long, value_name = "N")]
    pub jobs: Option<usize>,
    /// Trace only the `I`-th of `N` contiguous ranges of lines (`I/N`, 0-based).
    #[arg(long, value_name = "I/N", default_value = "0/1")]
    pub shard: Shard,
    #[command(flatten)]
    pub tracer: TracerArgs,
}

/// Arguments of `tracelens dataset export`.
#[derive(Debug, Args)]
pub struct ExportArgs {
    /// The dataset to read.
    pub input: PathBuf,
    /// The format to write.
    #[arg(long, value_enum)]
    pub format: FormatArg,
    /// Export only records whose verdict is `accepted`.
    #[arg(long, value_enum)]
    pub only: Option<OnlyArg>,
    /// Export only records with this tag.
    #[arg(long)]
    pub tag: Option<String>,
    /// Where to write (atomically).
    #[arg(long)]
    pub out: PathBuf,
    /// Replace --out when it exists (without it, an existing file is refused).
    #[arg(long)]
    pub force: bool,
}

/// Arguments of `tracelens dataset build`.
#[derive(Debug, Args)]
pub struct BuildArgs {
    /// The dataset to build.
    #[arg(long, value_enum)]
    pub stage: StageArg,
    /// Seed programs: generated programs (singleline, tutorial, diverse) or CRUXEval functions
    /// (mutants).
    #[arg(long, default_value_t = 1000)]
    pub count: usize,
    /// Mutants per CRUXEval function (mutants stage).
    #[arg(long, default_value_t = 3)]
    pub mutants_per_program: usize,
    /// Fraction of seed programs held out for the test split.
    #[arg(long, default_value_t = 0.1)]
    pub test_fraction: f64,
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// Build only the `I`-th of `N` contiguous ranges of seed programs (`I/N`, 0-based).
    #[arg(long, value_name = "I/N", default_value = "0/1")]
    pub shard: Shard,
    /// CRUXEval JSONL (fields id, code, input, output).
    #[arg(long, default_value = "../shared/cruxeval/cruxeval.jsonl")]
    pub cruxeval: PathBuf,
    /// Directory of sample programs added to the tutorial stage (default: `samples`, when
    /// there is one).
    #[arg(long)]
    pub samples: Option<PathBuf>,
    /// Deepest nesting of blocks in diverse programs (a function body counts as one level).
    #[arg(long, default_value_t = 3)]
    pub max_depth: usize,
    /// Directory of hand-written programs (`*.py`, with `NAME.stdin` when present) traced by
    /// the handwritten stage, all into its test split.
    #[arg(long, default_value = "tests/fixtures/eval_handwritten")]
    pub programs: PathBuf,
    /// Output directory: STAGE.train.jsonl and STAGE.test.jsonl (with `.I-of-N` when sharded).
    #[arg(long)]
    pub out: PathBuf,
    /// Replace the stage's files in --out when they exist (without it, existing ones are
    /// refused).
    #[arg(long)]
    pub force: bool,
    /// The Python interpreter (default: $TRACELENS_PYTHON, else python3).
    #[arg(long)]
    pub python: Option<PathBuf>,
    /// Tracer workers.
    #[arg(long)]
    pub jobs: Option<usize>,
    /// Line steps a generated or CRUXEval program may take before it is left out (the
    /// programs of samples/ are always kept, under the tracer's own limit).
    #[arg(long, default_value_t = 100)]
    pub max_steps: u64,
}

/// `--stage` values.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum StageArg {
    Singleline,
    Tutorial,
    Mutants,
    Diverse,
    Handwritten,
}

impl From<BuildArgs> for BuildOptions {
    fn from(args: BuildArgs) -> Self {
        BuildOptions {
            stage: match args.stage {
                StageArg::Singleline => Stage::Singleline,
                StageArg::Tutorial => Stage::Tutorial,
                StageArg::Mutants => Stage::Mutants,
                StageArg::Diverse => Stage::Diverse,
                StageArg::Handwritten => Stage::Handwritten,
            },
            count: args.count,
            mutants_per_program: args.mutants_per_program,
            test_fraction: args.test_fraction,
            seed: args.seed,
            shard: args.shard,
            cruxeval: args.cruxeval,
            samples: args.samples.unwrap_or_else(|| PathBuf::from("samples")),
            max_depth: args.max_depth,
            programs: args.programs,
            out: args.out,
            replace: args.force,
            python: args.python,
            jobs: args.jobs,
            max_steps: args.max_steps,
        }
    }
}

/// `--format` values.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum FormatArg {
    Codeexecutor,
    Cruxeval,
    Tracelens,
}

/// `--only` values.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum OnlyArg {
    Accepted,
}

/// Run the command.
pub fn run(args: DatasetArgs) -> anyhow::Result<ExitCode> {
    match args.command {
        DatasetCommand::Export(args) => run_export(args),
        DatasetCommand::Build(args) => run_build(args),
        DatasetCommand::Trace(args) => run_trace(&args),
    }
}

fn run_export(args: ExportArgs) -> anyhow::Result<ExitCode> {
    let options = ExportOptions {
        format: match args.format {
            FormatArg::Codeexecutor => ExportFormat::CodeExecutor,
            FormatArg::Cruxeval => ExportFormat::CruxEval,
            FormatArg::Tracelens => ExportFormat::Tracelens,
        },
        only_accepted: matches!(args.only, Some(OnlyArg::Accepted)),
        tag: args.tag,
        replace: args.force,
    };
    let report = export(&args.input, &args.out, &options)?;
    for line in &report.input_report {
        eprintln!("{line}");
    }
    for skipped in &report.skipped {
        eprintln!("skipped {skipped}");
    }
    eprintln!(
        "wrote {} to {} ({} filtered out, {} skipped)",
        count(report.written, "record"),
        args.out.display(),
        report.filtered_out,
        report.skipped.len()
    );
    if report.written > 0 {
        return Ok(ExitCode::SUCCESS);
    }
    let why = if !report.skipped.is_empty() {
        "every record was skipped (see above)"
    } else if report.filtered_out > 0 {
        "no record passed the filter"
    } else {
        "the input has no records"
    };
    eprintln!("{} is empty: {why}", args.out.display());
    Ok(if report.skipped.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

fn run_build(args: BuildArgs) -> anyhow::Result<ExitCode> {
    if let Some(samples) = args.samples.as_ref().filter(|dir| !dir.is_dir()) {
        bail!("--samples {}: no such directory", samples.display());
    }
    let mutants = matches!(args.stage, StageArg::Mutants);
    let report = build(&args.into())?;
    let mut left_out = count(report.left_out, "seed program");
    if mutants {
        left_out.push_str(&format!(
            " and {}",
            count(report.mutants_left_out, "mutant")
        ));
    }
    eprintln!(
        "{} and {} test records ({left_out} left out: did not complete or would not \
         format) in {} and {}",
        count(report.train, "train record"),
        report.test,
        report.train_path.display(),
        report.test_path.display()
    );
    Ok(ExitCode::SUCCESS)
}

fn run_trace(args: &TraceArgs) -> anyhow::Result<ExitCode> {
    if args.out != Path::new("-") {
        check_output(&args.out, &[&args.input], args.force)
            .with_context(|| format!("cannot write {}", args.out.display()))?;
    }
    let mut input = Vec::new();
    if args.input == Path::new("-") {
        std::io::stdin().read_to_end(&mut input)
    } else {
        std::fs::File::open(&args.input).and_then(|mut f| f.read_to_end(&mut input))
    }
    .with_context(|| format!("cannot read {}", args.input.display()))?;
    let limits = args.tracer.limits();
    let pool = TracerPool::start(PoolOptions {
        python: args.tracer.python.clone(),
        sandbox: args.tracer.sandbox,
        workers: args.jobs.unwrap_or(PoolOptions::default().workers).max(1),
    })
    .context("cannot start the tracer")?;
    let bar = ProgressBar::new(0).with_style(
        ProgressStyle::with_template("{bar:40} {pos}/{len} lines  {per_sec}  eta {eta}")
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    let progress = |done: usize, total: usize| {
        bar.set_length(total as u64);
        bar.set_position(done as u64);
    };
    let trace = |w: &mut dyn Write| trace_lines(&input, args.shard, limits, &pool, w, &progress);
    let report = if args.out == Path::new("-") {
        trace(&mut BufWriter::with_capacity(
            1 << 20,
            std::io::stdout().lock(),
        ))
        .context("cannot write to standard output")?
    } else {
        replace_file(&args.out, false, |w| trace(w))
            .with_context(|| format!("cannot write {}", args.out.display()))?
    };
    bar.finish_and_clear();
    for (line, why) in &report.kept {
        eprintln!("{}:{line}: kept as it is ({why})", args.input.display());
    }
    if report.masked > 0 {
        eprintln!(
            "{} record(s) show object addresses, which change from run to run: written as {ADDRESS}",
            report.masked
        );
    }
    eprintln!(
        "traced {} record(s) of {} line(s) into {} ({} line(s) kept as they were)",
        report.traced,
        report.lines,
        args.out.display(),
        report.kept.len()
    );
    Ok(ExitCode::SUCCESS)
}
