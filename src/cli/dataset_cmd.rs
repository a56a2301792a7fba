//! `tracelens dataset`: `export` converts a dataset to CodeExecutor, CRUXEval or tracelens
//! JSONL; `build` makes the curriculum's CodeExecutor-format datasets with the real tracer
//! (`crate::pipeline::dataset_build`).

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::bail;
use clap::{Args, Subcommand, ValueEnum};

use crate::dataset::{export, ExportFormat, ExportOptions};
use crate::pipeline::dataset_build::{build, BuildOptions, Stage};
use crate::plural::count;

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
    /// Build a curriculum dataset (singleline, tutorial, mutants) traced by CPython.
    Build(BuildArgs),
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
}

/// Arguments of `tracelens dataset build`.
#[derive(Debug, Args)]
pub struct BuildArgs {
    /// The dataset to build.
    #[arg(long, value_enum)]
    pub stage: StageArg,
    /// Seed programs: generated programs (singleline, tutorial) or CRUXEval functions (mutants).
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
    /// Build only seed programs `i` modulo `n` (`i/n`, 0-based).
    #[arg(long, default_value = "0/1", value_parser = parse_shard)]
    pub shard: (usize, usize),
    /// CRUXEval JSONL (fields id, code, input, output).
    #[arg(long, default_value = "../shared/cruxeval/cruxeval.jsonl")]
    pub cruxeval: PathBuf,
    /// Directory of sample programs added to the tutorial stage (default: `samples`, when
    /// there is one).
    #[arg(long)]
    pub samples: Option<PathBuf>,
    /// Output directory: STAGE.train.jsonl and STAGE.test.jsonl (with `.I-of-N` when sharded).
    #[arg(long)]
    pub out: PathBuf,
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

fn parse_shard(text: &str) -> Result<(usize, usize), String> {
    let (i, n) = text
        .split_once('/')
        .ok_or_else(|| format!("expected I/N, got {text:?}"))?;
    let i: usize = i
        .trim()
        .parse()
        .map_err(|_| format!("bad shard index {i:?}"))?;
    let n: usize = n
        .trim()
        .parse()
        .map_err(|_| format!("bad shard count {n:?}"))?;
    if n == 0 || i >= n {
        return Err(format!("shard {i}/{n}: need 0 <= I < N"));
    }
    Ok((i, n))
}

/// `--stage` values.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum StageArg {
    Singleline,
    Tutorial,
    Mutants,
}

impl From<BuildArgs> for BuildOptions {
    fn from(args: BuildArgs) -> Self {
        BuildOptions {
            stage: match args.stage {
                StageArg::Singleline => Stage::Singleline,
                StageArg::Tutorial => Stage::Tutorial,
                StageArg::Mutants => Stage::Mutants,
            },
            count: args.count,
            mutants_per_program: args.mutants_per_program,
            test_fraction: args.test_fraction,
            seed: args.seed,
            shard: args.shard,
            cruxeval: args.cruxeval,
            samples: args.samples.unwrap_or_else(|| PathBuf::from("samples")),
            out: args.out,
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shards_parse() {
        assert_eq!(parse_shard("1/4"), Ok((1, 4)));
        assert!(parse_shard("4/4").is_err() && parse_shard("x").is_err());
    }
}
