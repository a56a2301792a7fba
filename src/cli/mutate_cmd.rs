//! `tracelens mutate`: list, apply or pick a random mutation of one program, or build a
//! dataset of traced mutants from a JSONL batch (docs/ARCHITECTURE.md section 6).

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use anyhow::Context;
use clap::Args;
use indicatif::{ProgressBar, ProgressStyle};

use crate::atomic_file::{check_output, replace_file};
use crate::dataset::RecordId;
use crate::mutate::{self, Mutation};
use crate::pipeline::mutate_batch::{
    self, BatchOptions, Input, Malformed, Output, Program, TraceMany,
};
use crate::pipeline::shard::Shard;
use crate::trace::{Limits, PoolOptions, TracerPool};

/// Arguments of `tracelens mutate`.
#[derive(Debug, Args)]
#[command(after_help = mutate::catalogue())]
pub struct MutateArgs {
    /// The Python program to mutate (`-` reads standard input).
    #[arg(required_unless_present = "batch", conflicts_with = "batch")]
    pub file: Option<PathBuf>,
    /// List every mutation of FILE: id, line:column, operator, before -> after.
    #[arg(long, group = "action")]
    pub list: bool,
    /// With --list: print the mutations as a JSON array.
    #[arg(long, requires = "list")]
    pub json: bool,
    /// Print the mutant made by the mutation with this id (see --list).
    #[arg(long, value_name = "ID", group = "action")]
    pub apply: Option<usize>,
    /// Print the mutant made by one mutation chosen at random.
    #[arg(long, group = "action")]
    pub random: bool,
    /// Seed of --random and --batch (a random seed, printed to stderr, when absent).
    #[arg(long, value_name = "S")]
    pub seed: Option<u64>,
    /// Mutate every program of a JSONL file ({"id", "code", "stdin"}) and trace each mutant.
    #[arg(long, value_name = "IN.jsonl")]
    pub batch: Option<PathBuf>,
    /// With --batch: the most distinct mutants generated per program.
    #[arg(long, value_name = "K", requires = "batch")]
    pub per_program: Option<usize>,
    /// With --batch: where the records go (standard output when absent).
    #[arg(long, value_name = "OUT.jsonl", requires = "batch")]
    pub out: Option<PathBuf>,
    /// With --batch: replace --out when it exists (without it, an existing file is refused).
    #[arg(long, requires = "out")]
    pub force: bool,
    /// With --batch: tracer worker processes.
    #[arg(long, value_name = "N", default_value_t = 2, requires = "batch")]
    pub jobs: usize,
    /// With --batch: keep mutants that end in an uncaught exception.
    #[arg(long, requires = "batch")]
    pub keep_exceptions: bool,
    /// With --batch: mutate only the `I`-th of `N` contiguous ranges of programs (`I/N`,
    /// 0-based; needs --seed). The shards' outputs concatenated are the unsharded output.
    #[arg(long, value_name = "I/N", default_value = "0/1", requires = "batch")]
    pub shard: Shard,
    /// With --batch: the Python interpreter that traces (default: TRACELENS_PYTHON, python3).
    #[arg(long, value_name = "PATH", requires = "batch")]
    pub python: Option<PathBuf>,
}

/// Run the command.
pub fn run(args: MutateArgs) -> anyhow::Result<ExitCode> {
    if let Some(input) = &args.batch {
        return run_batch(&args, input);
    }
    let Some(file) = &args.file else {
        anyhow::bail!("give a FILE to mutate, or --batch IN.jsonl");
    };
    let source = read_source(file)?;
    let list = mutate::mutations(&source).with_context(|| file.display().to_string())?;
    if args.list {
        print_list(&list, args.json)?;
    } else if let Some(id) = args.apply {
        let Some(mutation) = list.iter().find(|m| m.id == id) else {
            anyhow::bail!(
                "{} has no mutation {id} (it has {}; see --list)",
                file.display(),
                list.len()
            );
        };
        write!(std::io::stdout(), "{}", mutate::apply(&source, mutation)?)?;
    } else if args.random {
        let seed = args.seed.unwrap_or_else(rand::random);
        eprintln!("seed {seed}");
        match mutate::random(&source, seed)? {
            Some(mutant) => {
                eprintln!("{}", summary(&mutant.mutation));
                write!(std::io::stdout(), "{}", mutant.code)?;
            }
            None => anyhow::bail!("{} has no mutation", file.display()),
        }
    } else {
        anyhow::bail!("say what to do: --list, --apply ID or --random");
    }
    Ok(ExitCode::SUCCESS)
}

fn read_source(file: &Path) -> anyhow::Result<String> {
    if file == Path::new("-") {
        let mut text = String::new();
        std::io::stdin()
            .read_to_string(&mut text)
            .context("reading standard input")?;
        Ok(text)
    } else {
        std::fs::read_to_string(file).with_context(|| format!("reading {}", file.display()))
    }
}

/// One line per mutation: `id  line:col  OP  description`.
fn summary(m: &Mutation) -> String {
    format!(
        "{:>4}  {:>4}:{:<3} {}  {}",
        m.id,
        m.line,
        m.column,
        m.op,
        m.description.replace('\n', "\\n")
    )
}

fn print_list(list: &[Mutation], json: bool) -> anyhow::Result<()> {
    if json {
        writeln!(std::io::stdout(), "{}", serde_json::to_string_pretty(list)?)?;
    } else {
        for m in list {
            writeln!(std::io::stdout(), "{}", summary(m))?;
        }
    }
    Ok(())
}

fn run_batch(args: &MutateArgs, input: &Path) -> anyhow::Result<ExitCode> {
    let Some(per_program) = args.per_program else {
        anyhow::bail!("--batch needs --per-program K");
    };
    if let Some(out) = args.out.as_deref().filter(|p| *p != Path::new("-")) {
        check_output(out, &[input], args.force)
            .with_context(|| format!("cannot write {}", out.display()))?;
    }
    if !args.shard.is_whole() && args.seed.is_none() {
        anyhow::bail!("--shard needs --seed S, the same for every shard");
    }
    let mut inputs = parse_inputs(&read_source(input)?);
    let range = args.shard.range(inputs.len());
    let first = range.start;
    let inputs: Vec<Input> = inputs.drain(range).collect();
    let seed = args.seed.unwrap_or_else(rand::random);
    eprintln!("seed {seed}");
    let opts = BatchOptions {
        per_program,
        seed,
        keep_exceptions: args.keep_exceptions,
        limits: Limits::default(),
        first,
    };
    let tracer = start_tracer(args)?;
    let bar = ProgressBar::new(0).with_style(
        ProgressStyle::with_template("{bar:40} {pos}/{len} traces  {per_sec}  eta {eta}")
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    let started = Instant::now();
    let (outputs, report) = mutate_batch::run(inputs, &opts, &*tracer, &|done, total| {
        bar.set_length(total as u64);
        bar.set_position(done as u64);
    });
    bar.finish_and_clear();
    let seconds = started.elapsed().as_secs_f64();
    write_lines(args.out.as_deref(), &outputs)?;
    eprint!("{}", report.render());
    eprintln!(
        "{} mutants traced in {seconds:.2} s: {:.1} mutants/s (--jobs {})",
        report.traced,
        report.traced as f64 / seconds.max(1e-9),
        args.jobs
    );
    Ok(ExitCode::SUCCESS)
}

/// The programs of a JSONL batch; a line that is not one is kept as `Malformed`.
fn parse_inputs(text: &str) -> Vec<Input> {
    text.lines()
        .enumerate()
        .filter(|(_, line)| !line.trim().is_empty())
        .map(|(i, line)| {
            serde_json::from_str::<Program>(line).map_err(|e| {
                let id = serde_json::from_str::<serde_json::Value>(line)
                    .ok()
                    .and_then(|v| serde_json::from_value::<RecordId>(v["id"].clone()).ok())
                    .unwrap_or_else(|| format!("line {}", i + 1).into());
                Malformed {
                    id,
                    error: format!("line {}: {e}", i + 1),
                }
            })
        })
        .collect()
}

/// The tracer the batch runs on: the ground-truth pool with `--jobs` workers.
fn start_tracer(args: &MutateArgs) -> anyhow::Result<Box<TraceMany<'static>>> {
    let pool = TracerPool::start(PoolOptions {
        python: args.python.clone(),
        workers: args.jobs,
        ..PoolOptions::default()
    })?;
    pool.notice_missing_layers();
    Ok(Box::new(move |requests, done| {
        pool.trace_many(requests, done)
            .into_iter()
            .map(|r| r.map_err(|e| e.to_string()))
            .collect()
    }))
}

/// Write one JSON object per line to `out` atomically (temporary file, fsync, rename), or to
/// standard output.
fn write_lines(out: Option<&Path>, outputs: &[Output]) -> anyhow::Result<()> {
    let mut text = String::new();
    for output in outputs {
        text.push_str(&output.to_json().to_string());
        text.push('\n');
    }
    match out {
        None => std::io::stdout().write_all(text.as_bytes())?,
        Some(path) => replace_file(path, false, |w| w.write_all(text.as_bytes()))
            .with_context(|| format!("cannot write {}", path.display()))?,
    }
    Ok(())
}
