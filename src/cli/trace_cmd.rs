//! `tracelens trace`: record the real execution of one program (`FILE.py`, `-` for stdin) or of a
//! JSONL batch (`--batch IN.jsonl`), printing trace JSON (docs/ARCHITECTURE.md sections 2.1 and 6).

use std::fs;
use std::io::{self, BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::str::FromStr;

use anyhow::{bail, Context};
use clap::{Args, ValueEnum};
use indicatif::{ProgressBar, ProgressStyle};
use serde::Serialize;
use serde_json::Value as Json;

use crate::atomic_file::{check_output, replace_file};
use crate::trace::schema::{Outcome, OutcomeKind};
use crate::trace::{
    codeexecutor, Limits, PoolOptions, SandboxMode, Trace, TraceRequest, TracerPool,
};

/// Requests traced together between two writes of a batch's output.
const BATCH_CHUNK: usize = 1024;

/// Arguments of `tracelens trace`.
#[derive(Debug, Args)]
pub struct TraceArgs {
    /// The program to trace (`-` reads it from stdin).
    #[arg(required_unless_present = "batch", conflicts_with = "batch")]
    pub file: Option<PathBuf>,
    /// The program's stdin (default: FILE with the extension `.stdin` when it exists, else empty).
    #[arg(long, value_name = "FILE", conflicts_with = "batch")]
    pub stdin: Option<PathBuf>,
    /// Output format of a single trace.
    #[arg(long, value_enum, default_value_t = Format::Json)]
    pub format: Format,
    #[command(flatten)]
    pub tracer: TracerArgs,
    /// Trace every record of a JSONL file (`{"id", "code", "stdin"}` per line; `-` = stdin).
    #[arg(long, value_name = "IN.jsonl")]
    pub batch: Option<PathBuf>,
    /// Where batch output goes (`-` or absent = stdout); written atomically.
    #[arg(long, value_name = "OUT.jsonl", requires = "batch")]
    pub out: Option<PathBuf>,
    /// Replace --out when it exists (without it, an existing file is refused).
    #[arg(long, requires = "out")]
    pub force: bool,
    /// Worker processes for a batch (default: number of cores).
    #[arg(long, value_name = "N", requires = "batch")]
    pub jobs: Option<usize>,
}

/// How the tracer runs: its limits, interpreter and sandbox (shared with `dataset trace`).
#[derive(Debug, Args)]
pub struct TracerArgs {
    /// Wall-clock limit per program, in milliseconds.
    #[arg(long, value_name = "N")]
    pub timeout_ms: Option<u64>,
    /// The most `line` steps recorded per program.
    #[arg(long, value_name = "N")]
    pub max_steps: Option<u64>,
    /// The Python interpreter (default: $TRACELENS_PYTHON, then python3 on PATH).
    #[arg(long, value_name = "PATH")]
    pub python: Option<PathBuf>,
    /// Kernel confinement of the traced programs: `on` (every layer this machine has),
    /// `strict` (refuse to trace without every layer) or `off` (for debugging).
    #[arg(long, value_name = "MODE", default_value = "on", value_parser = SandboxMode::from_str)]
    pub sandbox: SandboxMode,
}

impl TracerArgs {
    /// The default limits with the ones given on the command line.
    pub fn limits(&self) -> Limits {
        let mut limits = Limits::default();
        if let Some(ms) = self.timeout_ms {
            limits.timeout_ms = ms;
        }
        if let Some(steps) = self.max_steps {
            limits.max_steps = steps;
        }
        limits
    }
}

/// How a single trace is printed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// The trace JSON of docs/ARCHITECTURE.md 2.1.
    Json,
    /// A CodeExecutor record: code_tokens, trace, trace_tokens.
    Codeexecutor,
}

/// Run the command.
pub fn run(args: TraceArgs) -> anyhow::Result<ExitCode> {
    let limits = args.tracer.limits();
    if args.batch.is_some() && args.format != Format::Json {
        bail!("--format applies to a single program; a batch always writes trace JSON lines");
    }
    let dash = Some(Path::new("-"));
    if args.file.as_deref() == dash && args.stdin.as_deref() == dash {
        bail!("the program and its --stdin cannot both come from standard input");
    }
    match (&args.batch, &args.file) {
        (Some(input), _) => run_batch(&args, input, limits),
        (None, Some(file)) => run_single(&args, file, limits),
        (None, None) => bail!("give a program to trace (FILE.py or -) or --batch IN.jsonl"),
    }
}

fn run_single(args: &TraceArgs, file: &Path, limits: Limits) -> anyhow::Result<ExitCode> {
    let code = read_text(file).with_context(|| format!("cannot read {}", file.display()))?;
    let stdin = match &args.stdin {
        Some(path) => read_text(path).with_context(|| format!("cannot read {}", path.display()))?,
        None => fs::read_to_string(file.with_extension("stdin")).unwrap_or_default(),
    };
    let pool = TracerPool::start(PoolOptions {
        python: args.tracer.python.clone(),
        workers: 1,
        sandbox: args.tracer.sandbox,
    })?;
    pool.notice_missing_layers();
    let req = TraceRequest {
        code,
        stdin,
        limits,
    };
    let trace = pool.trace(&req)?;
    let mut out = io::stdout().lock();
    match args.format {
        Format::Json => serde_json::to_writer_pretty(&mut out, &trace)?,
        Format::Codeexecutor => {
            let record = codeexecutor::record(&req.code, &trace).with_context(|| {
                format!("cannot put {} in the CodeExecutor format", file.display())
            })?;
            let outcome = trace.outcome.kind;
            serde_json::to_writer_pretty(&mut out, &CeOutput { record, outcome })?;
            writeln!(out)?;
            if outcome != OutcomeKind::Completed {
                eprintln!("{}: {}", file.display(), describe(&trace.outcome));
            }
            if outcome == OutcomeKind::SyntaxError {
                return Ok(ExitCode::FAILURE);
            }
            return Ok(ExitCode::SUCCESS);
        }
    }
    writeln!(out)?;
    Ok(ExitCode::SUCCESS)
}

/// A CodeExecutor record and how the run ended (`completed`, `syntax_error`, `timeout`, ...),
/// so an empty or short trace says why.
#[derive(Serialize)]
struct CeOutput {
    #[serde(flatten)]
    record: codeexecutor::CeRecord,
    outcome: OutcomeKind,
}

/// An outcome other than `completed`, for people: `syntax_error at line 1, column 4: ...`.
fn describe(outcome: &Outcome) -> String {
    let mut text = outcome.kind.as_str().replace('_', " ");
    if let Some(line) = outcome.line {
        text.push_str(&format!(" at line {line}"));
        if let Some(column) = outcome.column {
            text.push_str(&format!(", column {column}"));
        }
    }
    if let Some(message) = &outcome.message {
        text.push_str(&format!(": {message}"));
    }
    text
}

/// Read a whole file, or stdin for `-`.
fn read_text(path: &Path) -> io::Result<String> {
    if path == Path::new("-") {
        let mut text = String::new();
        io::stdin().read_to_string(&mut text)?;
        Ok(text)
    } else {
        fs::read_to_string(path)
    }
}

/// One input line of a batch: a request, or the error that line gets instead.
enum Entry {
    Request { id: Json, req: TraceRequest },
    Bad { id: Json, error: String },
}

#[derive(Serialize)]
struct TracedLine<'a> {
    id: &'a Json,
    trace: &'a Trace,
}

#[derive(Serialize)]
struct ErrorLine<'a> {
    id: &'a Json,
    error: &'a str,
}

fn parse_entry(number: usize, line: &str, limits: Limits) -> Entry {
    let value: Json = match serde_json::from_str(line) {
        Ok(v) => v,
        Err(e) => {
            return Entry::Bad {
                id: Json::Null,
                error: format!("line {number}: not JSON: {e}"),
            }
        }
    };
    let id = value.get("id").cloned().unwrap_or(Json::Null);
    let Some(code) = value.get("code").and_then(Json::as_str) else {
        return Entry::Bad {
            id,
            error: format!("line {number}: no \"code\" string"),
        };
    };
    let stdin = match value.get("stdin") {
        None | Some(Json::Null) => String::new(),
        Some(Json::String(s)) => s.clone(),
        Some(_) => {
            return Entry::Bad {
                id,
                error: format!("line {number}: \"stdin\" is not a string"),
            }
        }
    };
    Entry::Request {
        id,
        req: TraceRequest {
            code: code.to_string(),
            stdin,
            limits,
        },
    }
}

fn run_batch(args: &TraceArgs, input: &Path, limits: Limits) -> anyhow::Result<ExitCode> {
    let out = args.out.as_deref().filter(|p| *p != Path::new("-"));
    if let Some(out) = out {
        check_output(out, &[input], args.force)
            .with_context(|| format!("cannot write {}", out.display()))?;
    }
    let reader: Box<dyn BufRead> = if input == Path::new("-") {
        Box::new(BufReader::new(io::stdin()))
    } else {
        let file =
            fs::File::open(input).with_context(|| format!("cannot open {}", input.display()))?;
        Box::new(BufReader::new(file))
    };
    let mut entries = Vec::new();
    for (i, line) in reader.split(b'\n').enumerate() {
        let line = line.with_context(|| format!("cannot read {}", input.display()))?;
        match String::from_utf8(line) {
            Ok(text) if text.trim().is_empty() => {}
            Ok(text) => entries.push(parse_entry(i + 1, &text, limits)),
            Err(_) => entries.push(Entry::Bad {
                id: Json::Null,
                error: format!("line {}: not UTF-8", i + 1),
            }),
        }
    }
    let mut workers = args.jobs.unwrap_or(PoolOptions::default().workers).max(1);
    workers = workers.min(entries.len().max(1));
    let pool = TracerPool::start(PoolOptions {
        python: args.tracer.python.clone(),
        workers,
        sandbox: args.tracer.sandbox,
    })?;
    pool.notice_missing_layers();
    let progress = ProgressBar::new(entries.len() as u64);
    if let Ok(style) = ProgressStyle::with_template("{bar:40} {pos}/{len} traces {per_sec} {eta}") {
        progress.set_style(style);
    }
    match out {
        Some(path) => replace_file(path, false, |w| write_batch(w, &entries, &pool, &progress))
            .with_context(|| format!("cannot write {}", path.display()))?,
        None => write_batch(&mut io::stdout().lock(), &entries, &pool, &progress)?,
    }
    progress.finish_and_clear();
    Ok(ExitCode::SUCCESS)
}

/// Trace the entries chunk by chunk and write one output line per entry, in input order.
fn write_batch(
    out: &mut impl Write,
    entries: &[Entry],
    pool: &TracerPool,
    progress: &ProgressBar,
) -> io::Result<()> {
    for chunk in entries.chunks(BATCH_CHUNK) {
        let reqs: Vec<TraceRequest> = chunk
            .iter()
            .filter_map(|e| match e {
                Entry::Request { req, .. } => Some(req.clone()),
                Entry::Bad { .. } => None,
            })
            .collect();
        let base = progress.position();
        let mut traced = pool
            .trace_many(&reqs, &|done| progress.set_position(base + done as u64))
            .into_iter();
        for entry in chunk {
            let line = match entry {
                Entry::Bad { id, error } => serde_json::to_string(&ErrorLine { id, error })?,
                Entry::Request { id, .. } => match traced.next() {
                    Some(Ok(trace)) => serde_json::to_string(&TracedLine { id, trace: &trace })?,
                    Some(Err(e)) => serde_json::to_string(&ErrorLine {
                        id,
                        error: &e.to_string(),
                    })?,
                    None => return Err(io::Error::other("a batch result is missing")),
                },
            };
            writeln!(out, "{line}")?;
        }
        progress.inc((chunk.len() - reqs.len()) as u64);
    }
    out.flush()
}
