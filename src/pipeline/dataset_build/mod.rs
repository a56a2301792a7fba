//! The dataset build (`tracelens dataset build`): the CodeExecutor-format datasets of
//! the curriculum, every trace recorded by the real tracer.
//!
//! - `singleline`: generated state setup plus one transforming line ([`singleline`]);
//! - `tutorial`: generated tutorial-style programs ([`tutorial`]) plus `samples/*.py`;
//! - `mutants`: CRUXEval functions followed by `print(f(INPUT))`, and their mutants;
//! - `diverse`: programs drawn from a grammar of statements and expressions ([`diverse`]);
//! - `handwritten`: every `.py` file of `--programs` (the hand-written evaluation set), all
//!   in the test split.
//!
//! Seed programs are split into train and test by a seeded hash of their text, so a test
//! program and all its mutants are only ever in the test split; the diverse stage hashes the
//! program's [`structure`] instead (names and literals abstracted), so no test structure is in
//! training. `--shard I/N` keeps the `I`-th
//! of `N` contiguous ranges of seed programs ([`Shard`]): the shards' files concatenated in
//! order are the unsharded files, byte for byte. Programs that do not complete (exceptions,
//! timeouts, limits), whose trace does not re-parse, or whose trace shows a memory address
//! (`<... object at 0x...>`, which changes from run to run and cannot be predicted) are left
//! out and counted.

pub mod diverse;
pub mod singleline;
pub mod structure;
pub mod tutorial;

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};
use indicatif::{ProgressBar, ProgressStyle};
use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use rand::SeedableRng;
use serde_json::Map;

use crate::atomic_file::{check_output, replace_file};
use crate::dataset::{Origin, Record};
use crate::mutate;
use crate::pipeline::shard::Shard;
use crate::trace::codeexecutor::{self, parse_trace};
use crate::trace::pool::{PoolOptions, TracerPool};
use crate::trace::request::{Limits, TraceRequest};
use crate::trace::schema::OutcomeKind;

/// Which dataset to build.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stage {
    Singleline,
    Tutorial,
    Mutants,
    Diverse,
    Handwritten,
}

impl Stage {
    fn name(self) -> &'static str {
        match self {
            Stage::Singleline => "singleline",
            Stage::Tutorial => "tutorial",
            Stage::Mutants => "mutants",
            Stage::Diverse => "diverse",
            Stage::Handwritten => "handwritten",
        }
    }
}

/// What to build and where (the command line's `tracelens dataset build` arguments).
#[derive(Debug, Clone)]
pub struct BuildOptions {
    pub stage: Stage,
    /// Seed programs: generated programs (singleline, tutorial, diverse) or CRUXEval functions
    /// (mutants).
    pub count: usize,
    /// Mutants per CRUXEval function (mutants stage).
    pub mutants_per_program: usize,
    /// Fraction of seed programs held out for the test split.
    pub test_fraction: f64,
    pub seed: u64,
    /// Build only this contiguous range of the seed programs.
    pub shard: Shard,
    /// CRUXEval JSONL (fields id, code, input, output).
    pub cruxeval: PathBuf,
    /// Directory of sample programs added to the tutorial stage.
    pub samples: PathBuf,
    /// Deepest nesting of blocks in diverse programs (a function body counts as one level).
    pub max_depth: usize,
    /// Directory of hand-written programs (`*.py`, with `NAME.stdin` when present) traced by
    /// the handwritten stage.
    pub programs: PathBuf,
    /// Output directory: STAGE.train.jsonl and STAGE.test.jsonl (with `.I-of-N` when sharded).
    pub out: PathBuf,
    /// Replace those files when they exist (`--force`).
    pub replace: bool,
    /// The Python interpreter (default: $TRACELENS_PYTHON, else python3).
    pub python: Option<PathBuf>,
    /// Tracer workers.
    pub jobs: Option<usize>,
    /// Line steps a generated or CRUXEval program may take before it is left out (the
    /// programs of samples/ are always kept, under the tracer's own limit).
    pub max_steps: u64,
}

/// A program to trace and where it came from.
#[derive(Debug, Clone)]
struct Program {
    id: String,
    origin: String,
    code: String,
    stdin: String,
    mutation: Option<crate::dataset::record::Mutation>,
    /// A program from samples/: traced under the tracer's own step limit, not `--max-steps`.
    hand_written: bool,
}

/// FNV-1a over the seed and a text, then a SplitMix64 finish so every bit depends on every
/// byte (FNV alone leaves the high bits nearly equal for ids that differ in their last byte).
fn fnv(seed: u64, text: &str) -> u64 {
    let h = seed
        .to_le_bytes()
        .iter()
        .chain(text.as_bytes())
        .fold(0xcbf2_9ce4_8422_2325u64, |h, b| {
            (h ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3)
        });
    let h = (h ^ (h >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    let h = (h ^ (h >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    h ^ (h >> 31)
}

/// Whether a seed program is held out, keyed by its text: the same program always lands in
/// the same split, whatever its id.
fn is_test(seed: u64, code: &str, fraction: f64) -> bool {
    ((fnv(seed, code) >> 11) as f64 / (1u64 << 53) as f64) < fraction
}

fn seed_program(id: String, code: String, stdin: String) -> Program {
    Program {
        origin: id.clone(),
        id,
        code,
        stdin,
        mutation: None,
        hand_written: false,
    }
}

/// The programs of a directory (`NAME.py`, with `NAME.stdin` when present), by name, with ids
/// `PREFIX-NAME`.
fn samples(dir: &Path, prefix: &str) -> Result<Vec<Program>> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        eprintln!("no samples directory at {}; none added", dir.display());
        return Ok(Vec::new());
    };
    let mut paths: Vec<PathBuf> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "py"))
        .collect();
    paths.sort();
    paths
        .iter()
        .map(|p| {
            let code = std::fs::read_to_string(p)
                .with_context(|| format!("cannot read {}", p.display()))?;
            let stdin = std::fs::read_to_string(p.with_extension("stdin")).unwrap_or_default();
            let stem = p
                .file_stem()
                .map(|s| s.to_string_lossy())
                .unwrap_or_default();
            Ok(Program {
                hand_written: true,
                ..seed_program(format!("{prefix}-{stem}"), code, stdin)
            })
        })
        .collect()
}

/// The CRUXEval functions, each followed by a call on its recorded input.
fn cruxeval(path: &Path, count: usize) -> Result<Vec<Program>> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("cannot read CRUXEval data {}", path.display()))?;
    let mut out = Vec::new();
    for (i, line) in text
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
    {
        let v: serde_json::Value = serde_json::from_str(line)
            .with_context(|| format!("{} line {}: not JSON", path.display(), i + 1))?;
        let field = |k: &str| v.get(k).and_then(|x| x.as_str()).map(str::to_string);
        let (Some(id), Some(code), Some(input)) = (field("id"), field("code"), field("input"))
        else {
            bail!(
                "{} line {}: needs id, code and input",
                path.display(),
                i + 1
            );
        };
        let program = format!("{}\nprint(f({input}))\n", code.trim_end());
        out.push(seed_program(id, program, String::new()));
        if out.len() == count {
            break;
        }
    }
    Ok(out)
}

/// Up to `k` mutants of a CRUXEval program (the function is mutated, the call kept), chosen
/// with a seeded shuffle.
fn with_mutants(p: Program, k: usize, seed: u64) -> Vec<Program> {
    let Some(call_at) = p.code.rfind("\nprint(f(") else {
        return vec![p];
    };
    let (function, call) = p.code.split_at(call_at);
    let mut found = mutate::mutants(function).unwrap_or_default();
    let mut rng = StdRng::seed_from_u64(fnv(seed, &p.id));
    found.shuffle(&mut rng);
    let mut seen = std::collections::HashSet::new();
    let mut out = vec![p.clone()];
    for m in found {
        if out.len() > k {
            break;
        }
        if !seen.insert(m.code.clone()) {
            continue;
        }
        out.push(Program {
            id: format!("{}-m{}", p.id, m.mutation.id),
            origin: p.id.clone(),
            code: format!("{}{call}", m.code),
            stdin: String::new(),
            mutation: Some(m.mutation.to_record()),
            hand_written: false,
        });
    }
    out
}

/// How many draws a generator gets per requested program before the build settles for fewer
/// (a generator's space of distinct programs is finite).
const DRAWS_PER_PROGRAM: usize = 20;

/// Up to `count` distinct programs from a generator, in the order drawn, ids `PREFIX-I`.
fn generated(
    prefix: &str,
    count: usize,
    generator: &dyn Fn(&mut StdRng) -> String,
    rng: &mut StdRng,
) -> Vec<Program> {
    let mut seen = std::collections::HashSet::new();
    let mut out = Vec::new();
    for _ in 0..count.saturating_mul(DRAWS_PER_PROGRAM) {
        if out.len() == count {
            break;
        }
        let code = generator(rng);
        if seen.insert(code.clone()) {
            out.push(seed_program(
                format!("{prefix}-{}", out.len()),
                code,
                String::new(),
            ));
        }
    }
    out
}

/// The seed programs of a stage, in a fixed order, each program text once.
fn seeds(args: &BuildOptions) -> Result<Vec<Program>> {
    let mut rng = StdRng::seed_from_u64(args.seed);
    Ok(match args.stage {
        Stage::Singleline => generated("singleline", args.count, &singleline::program, &mut rng),
        Stage::Tutorial => {
            let mut all = generated("tutorial", args.count, &tutorial::program, &mut rng);
            let known: std::collections::HashSet<String> =
                all.iter().map(|p| p.code.clone()).collect();
            all.extend(
                samples(&args.samples, "sample")?
                    .into_iter()
                    .filter(|p| !known.contains(&p.code)),
            );
            all
        }
        Stage::Mutants => cruxeval(&args.cruxeval, args.count)?,
        Stage::Diverse => {
            let cfg = diverse::Config {
                max_depth: args.max_depth,
            };
            generated(
                "diverse",
                args.count,
                &|rng| diverse::program(rng, cfg),
                &mut rng,
            )
        }
        Stage::Handwritten => {
            if !args.programs.is_dir() {
                bail!("no directory of programs at {}", args.programs.display());
            }
            samples(&args.programs, "handwritten")?
        }
    })
}

/// What a build produced.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BuildReport {
    pub train: usize,
    pub test: usize,
    /// Seed programs left out: did not complete, or would not format or re-parse.
    pub left_out: usize,
    /// Mutants left out, for the same reasons (mutants stage).
    pub mutants_left_out: usize,
    pub train_path: PathBuf,
    pub test_path: PathBuf,
}

/// Turn a program and its trace into a record, if it completed and its trace re-parses.
fn to_record(p: &Program, trace: &crate::trace::schema::Trace, stage: Stage) -> Option<Record> {
    if trace.outcome.kind != OutcomeKind::Completed {
        return None;
    }
    let ce = codeexecutor::record(&p.code, trace).ok()?;
    let parsed = parse_trace(&ce.trace.join(" "));
    if ce.trace.is_empty()
        || ce.trace.iter().any(|step| step.contains(" at 0x"))
        || !parsed.problems.is_empty()
        || parsed.truncated
        || parsed.steps.len() != ce.trace.len()
    {
        return None;
    }
    Some(Record {
        id: p.id.clone().into(),
        code: p.code.clone(),
        stdin: p.stdin.clone(),
        origin: Some(Origin {
            id: p.origin.clone().into(),
            mutation: p.mutation.clone(),
            extra: Map::new(),
        }),
        code_tokens: ce.code_tokens,
        trace: ce.trace,
        trace_tokens: ce.trace_tokens,
        outcome: Some("completed".into()),
        prediction: None,
        verdict: "unreviewed".into(),
        tags: vec![stage.name().into()],
        note: String::new(),
        extra: Map::new(),
    })
}

/// Write records as JSONL, atomically.
fn write_jsonl(path: &Path, records: &[Record]) -> Result<()> {
    replace_file(path, false, |w| {
        for r in records {
            serde_json::to_writer(&mut *w, r)?;
            w.write_all(b"\n")?;
        }
        Ok(())
    })
    .with_context(|| format!("cannot write {}", path.display()))
}

/// Build one stage's train and test files.
pub fn build(args: &BuildOptions) -> Result<BuildReport> {
    if args.count == 0 && args.stage != Stage::Handwritten {
        bail!("--count 0 builds nothing: give at least 1 seed program");
    }
    if !(0.0..=1.0).contains(&args.test_fraction) {
        bail!(
            "--test-fraction {} is not a fraction: give a number from 0 to 1",
            args.test_fraction
        );
    }
    let (train_path, test_path) = output_paths(args);
    if args.out.is_dir() {
        for path in [&train_path, &test_path] {
            check_output(path, &[], args.replace)
                .with_context(|| format!("cannot write {}", path.display()))?;
        }
    }
    let mut seeds = seeds(args)?;
    let range = args.shard.range(seeds.len());
    let programs: Vec<(bool, Program)> = seeds
        .drain(range)
        .flat_map(|p| {
            let test = match args.stage {
                Stage::Handwritten => true,
                Stage::Diverse => {
                    let shape = structure::structure(&p.code).unwrap_or_else(|| p.code.clone());
                    is_test(args.seed, &shape, args.test_fraction)
                }
                _ => is_test(args.seed, &p.code, args.test_fraction),
            };
            let all = if args.stage == Stage::Mutants {
                with_mutants(p, args.mutants_per_program, args.seed)
            } else {
                vec![p]
            };
            all.into_iter().map(move |p| (test, p))
        })
        .collect();
    let pool = TracerPool::start(PoolOptions {
        python: args.python.clone(),
        workers: args.jobs.unwrap_or_else(|| PoolOptions::default().workers),
        ..PoolOptions::default()
    })
    .context("cannot start the tracer")?;
    pool.notice_missing_layers();
    let limits = Limits {
        timeout_ms: 2_000,
        max_steps: args.max_steps,
        ..Limits::default()
    };
    let requests: Vec<TraceRequest> = programs
        .iter()
        .map(|(_, p)| TraceRequest {
            code: p.code.clone(),
            stdin: p.stdin.clone(),
            limits: if p.hand_written {
                Limits {
                    max_steps: Limits::default().max_steps,
                    ..limits
                }
            } else {
                limits
            },
        })
        .collect();
    let bar = ProgressBar::new(requests.len() as u64);
    bar.set_style(
        ProgressStyle::with_template("tracing {bar:30} {pos}/{len} {eta}")
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    let traces = pool.trace_many(&requests, &|done| bar.set_position(done as u64));
    bar.finish_and_clear();
    let (mut train, mut test) = (Vec::new(), Vec::new());
    let (mut left_out, mut mutants_left_out) = (0, 0);
    for ((is_test, p), trace) in programs.iter().zip(&traces) {
        match trace
            .as_ref()
            .ok()
            .and_then(|t| to_record(p, t, args.stage))
        {
            Some(r) if *is_test => test.push(r),
            Some(r) => train.push(r),
            None if p.mutation.is_some() => mutants_left_out += 1,
            None => left_out += 1,
        }
    }
    std::fs::create_dir_all(&args.out)
        .with_context(|| format!("cannot create {}", args.out.display()))?;
    write_jsonl(&train_path, &train)?;
    write_jsonl(&test_path, &test)?;
    Ok(BuildReport {
        train: train.len(),
        test: test.len(),
        left_out,
        mutants_left_out,
        train_path,
        test_path,
    })
}

/// The train and test files a build writes: `STAGE.train.jsonl` and `STAGE.test.jsonl` in
/// the output directory, with `.I-of-N` before `.jsonl` when sharded.
fn output_paths(args: &BuildOptions) -> (PathBuf, PathBuf) {
    let Shard { index, count } = args.shard;
    let suffix = if count > 1 {
        format!(".{index}-of-{count}")
    } else {
        String::new()
    };
    let name = args.stage.name();
    (
        args.out.join(format!("{name}.train{suffix}.jsonl")),
        args.out.join(format!("{name}.test{suffix}.jsonl")),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_split_is_stable() {
        let ids: Vec<String> = (0..1000).map(|i| format!("p-{i}")).collect();
        let held = ids.iter().filter(|id| is_test(3, id, 0.2)).count();
        assert!((150..250).contains(&held), "{held}");
        assert!(ids
            .iter()
            .all(|id| is_test(3, id, 0.2) == is_test(3, id, 0.2)));
    }

    #[test]
    fn generated_programs_are_distinct() {
        let mut rng = StdRng::seed_from_u64(1);
        let programs = generated("t", 300, &tutorial::program, &mut rng);
        assert_eq!(programs.len(), 300);
        let codes: std::collections::HashSet<&str> =
            programs.iter().map(|p| p.code.as_str()).collect();
        assert_eq!(codes.len(), 300);
        assert_eq!(programs[299].id, "t-299");
    }

    #[test]
    fn generators_are_deterministic_and_parse() {
        for f in [singleline::program, tutorial::program] {
            let a: Vec<String> = {
                let mut rng = StdRng::seed_from_u64(5);
                (0..50).map(|_| f(&mut rng)).collect()
            };
            let mut rng = StdRng::seed_from_u64(5);
            let b: Vec<String> = (0..50).map(|_| f(&mut rng)).collect();
            assert_eq!(a, b);
            for code in &a {
                assert!(codeexecutor::code_tokens(code).is_ok(), "{code}");
                assert!(mutate::mutations(code).is_ok(), "does not parse: {code}");
            }
        }
    }
}
