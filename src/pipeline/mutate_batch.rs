//! Batch mutation: for each program of a batch, up to K distinct mutants chosen with a seeded
//! generator, traced with the ground-truth tracer, filtered (dataset records out,
//! docs/ARCHITECTURE.md section 3), with counts per operator and per drop reason.
//!
//! The tracer is passed in as a function with the shape of `TracerPool::trace_many`, so the
//! pipeline does not depend on how traces are produced (tests use a scripted tracer).
//!
//! Output lines, in input order: one dataset record per kept mutant (id `PROGRAM-NN` with NN
//! the mutation's id, `origin` naming the program and the mutation, the CodeExecutor fields,
//! `outcome`; object addresses in reprs written as `0xADDR`, as `dataset trace` does), and for
//! an input that cannot be mutated one line
//! `{"id", "code", "outcome": "syntax_error", "error"}` (no `outcome` for a malformed line).
//! The choice of mutants depends only on the seed, the program's position in the whole batch
//! and its source.

use std::collections::{BTreeMap, HashSet};

use rand::{rngs::StdRng, seq::SliceRandom, SeedableRng};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value as JsonValue};

use super::dataset_trace::StableTrace;
use crate::dataset::record::{Origin, Record, RecordId};
use crate::mutate::{mutants, MutateError, Mutation, Operator};
use crate::plural::count;
use crate::trace::{codeexecutor, Limits, OutcomeKind, Trace, TraceRequest};

/// One input program (`{"id", "code", "stdin"}`; other fields are ignored).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Program {
    pub id: RecordId,
    pub code: String,
    #[serde(default)]
    pub stdin: String,
}

/// How the batch runs.
#[derive(Debug, Clone)]
pub struct BatchOptions {
    /// The most distinct mutants generated per program.
    pub per_program: usize,
    pub seed: u64,
    /// Keep mutants whose run ends in an uncaught exception.
    pub keep_exceptions: bool,
    pub limits: Limits,
    /// The position of the first input in the whole batch (`--shard`), so that a program's
    /// choice of mutants is the same however the batch is sharded.
    pub first: usize,
}

/// Why a generated mutant was not written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DropReason {
    /// Its source equals the original's or an earlier mutant's.
    Duplicate,
    /// Its run ended this way: `syntax_error` (CPython rejected it), `timeout`, `step_limit`,
    /// `memory_limit`, `output_limit`, `crashed`, or `exception` without `--keep-exceptions`.
    Outcome(OutcomeKind),
    /// Its trace equals the original program's.
    SameTrace,
    /// The tracer could not run it at all.
    TracerError,
    /// Its trace could not be projected to the CodeExecutor format.
    FormatError,
}

impl DropReason {
    /// The reason's name in reports (`same_trace`, `timeout`, ...).
    pub fn name(self) -> String {
        match self {
            DropReason::Duplicate => "duplicate".to_string(),
            DropReason::Outcome(kind) => outcome_name(kind),
            DropReason::SameTrace => "same_trace".to_string(),
            DropReason::TracerError => "tracer_error".to_string(),
            DropReason::FormatError => "format_error".to_string(),
        }
    }
}

/// Counts gathered over a batch.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct BatchReport {
    pub programs: usize,
    /// Inputs that could not be mutated (bad lines, programs that do not parse); each has an
    /// error line.
    pub program_errors: usize,
    /// Mutants generated, then kept, per operator.
    pub generated: BTreeMap<Operator, usize>,
    pub kept: BTreeMap<Operator, usize>,
    /// Mutants dropped, per reason name ([`DropReason::name`]).
    pub dropped: BTreeMap<String, usize>,
    /// Mutants sent to the tracer (originals not counted).
    pub traced: usize,
    /// The first infrastructure failure of the tracer, if any.
    pub tracer_error: Option<String>,
}

impl BatchReport {
    fn drop(&mut self, reason: DropReason) {
        *self.dropped.entry(reason.name()).or_default() += 1;
    }

    /// The report as text: one line per operator, then one per drop reason.
    pub fn render(&self) -> String {
        let kept: usize = self.kept.values().sum();
        let generated: usize = self.generated.values().sum();
        let mut text = format!(
            "{} ({} with errors), {} generated, {} traced, {kept} kept\n",
            count(self.programs, "program"),
            self.program_errors,
            count(generated, "mutant"),
            self.traced
        );
        text.push_str("per operator (generated -> kept):\n");
        for (op, n) in &self.generated {
            let k = self.kept.get(op).copied().unwrap_or(0);
            text.push_str(&format!("  {op}  {n:>6} -> {k}\n"));
        }
        if let Some(error) = &self.tracer_error {
            text.push_str(&format!("tracer error (first): {error}\n"));
        }
        text.push_str("dropped:\n");
        for (reason, n) in &self.dropped {
            text.push_str(&format!("  {reason:<13} {n}\n"));
        }
        text
    }
}

/// An input line that is not a program: its id (`line N` when it has none) and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Malformed {
    pub id: RecordId,
    pub error: String,
}

/// One input line.
pub type Input = Result<Program, Malformed>;

/// One output line: a record, or an input that could not be mutated.
#[derive(Debug, Clone, PartialEq)]
pub enum Output {
    Mutant(Box<Record>),
    /// `outcome` is `syntax_error` for a program that does not parse, absent for a bad line.
    Error {
        id: RecordId,
        code: String,
        outcome: Option<&'static str>,
        error: String,
    },
}

impl Output {
    /// The JSON object written for this line.
    pub fn to_json(&self) -> JsonValue {
        match self {
            Output::Mutant(record) => serde_json::to_value(record).unwrap_or(JsonValue::Null),
            Output::Error {
                id,
                code,
                outcome,
                error,
            } => {
                let mut map = Map::new();
                map.insert("id".into(), id.to_json());
                map.insert("code".into(), code.clone().into());
                if let Some(outcome) = outcome {
                    map.insert("outcome".into(), (*outcome).into());
                }
                map.insert("error".into(), error.clone().into());
                JsonValue::Object(map)
            }
        }
    }
}

/// The tracer: traces many requests, results in input order; the callback gets the number done.
pub type TraceMany<'a> =
    dyn Fn(&[TraceRequest], &(dyn Fn(usize) + Sync)) -> Vec<Result<Trace, String>> + 'a;

/// A program's chosen mutants, before tracing.
struct Plan {
    program: Program,
    mutants: Vec<(Mutation, String)>,
}

/// The seed of one program's choice: the batch seed mixed with the program's position.
fn program_seed(seed: u64, index: usize) -> u64 {
    seed ^ (index as u64)
        .wrapping_add(1)
        .wrapping_mul(0x9E37_79B9_7F4A_7C15)
}

/// Choose up to `per_program` mutations at random; duplicate sources are counted and dropped.
fn plan(
    program: Program,
    index: usize,
    opts: &BatchOptions,
    report: &mut BatchReport,
) -> Result<Plan, MutateError> {
    let mut all = mutants(&program.code)?;
    all.shuffle(&mut StdRng::seed_from_u64(program_seed(opts.seed, index)));
    let mut seen = HashSet::from([program.code.clone()]);
    let mut chosen = Vec::new();
    for m in all.into_iter().take(opts.per_program) {
        *report.generated.entry(m.mutation.op).or_default() += 1;
        if seen.insert(m.code.clone()) {
            chosen.push((m.mutation, m.code));
        } else {
            report.drop(DropReason::Duplicate);
        }
    }
    Ok(Plan {
        program,
        mutants: chosen,
    })
}

/// Whether two runs behaved the same (elapsed time and interpreter aside).
fn same_run(a: &Trace, b: &Trace) -> bool {
    a.outcome == b.outcome && a.steps == b.steps && a.stdout == b.stdout
}

fn drop_reason(
    trace: &Trace,
    original: Option<&Trace>,
    keep_exceptions: bool,
) -> Option<DropReason> {
    let by_kind = match trace.outcome.kind {
        OutcomeKind::Completed => None,
        OutcomeKind::Exception if keep_exceptions => None,
        kind => Some(DropReason::Outcome(kind)),
    };
    by_kind.or_else(|| {
        original
            .is_some_and(|o| same_run(o, trace))
            .then_some(DropReason::SameTrace)
    })
}

fn outcome_name(kind: OutcomeKind) -> String {
    serde_json::to_value(kind)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default()
}

/// The record of a kept mutant.
fn mutant_record(
    program: &Program,
    mutation: &Mutation,
    code: String,
    trace: &Trace,
) -> Result<Record, String> {
    let ce = codeexecutor::record(&code, trace).map_err(|e| e.to_string())?;
    let stable = StableTrace::of(ce.trace);
    Ok(Record {
        id: format!("{}-{:02}", program.id, mutation.id).into(),
        code,
        stdin: program.stdin.clone(),
        origin: Some(Origin {
            id: program.id.clone(),
            mutation: Some(mutation.to_record()),
            extra: Map::new(),
        }),
        code_tokens: ce.code_tokens,
        trace_tokens: stable.tokens().map(str::to_string).collect(),
        trace: stable.steps,
        outcome: Some(outcome_name(trace.outcome.kind)),
        prediction: None,
        verdict: "unreviewed".to_string(),
        tags: Vec::new(),
        note: String::new(),
        extra: Map::new(),
    })
}

/// Mutate, trace and filter a batch. Output lines follow the input order (each program's kept
/// mutants in the order they were chosen); an input that cannot be mutated gets an error line
/// and the batch goes on. `progress` gets (traces done, traces in all).
pub fn run(
    inputs: Vec<Input>,
    opts: &BatchOptions,
    trace_many: &TraceMany,
    progress: &(dyn Fn(usize, usize) + Sync),
) -> (Vec<Output>, BatchReport) {
    let mut report = BatchReport {
        programs: inputs.len(),
        ..BatchReport::default()
    };
    let mut plans = Vec::new();
    let mut outputs: Vec<Option<Output>> = Vec::new();
    for (index, input) in inputs.into_iter().enumerate() {
        let failed = match input {
            Err(bad) => Output::Error {
                id: bad.id,
                code: String::new(),
                outcome: None,
                error: bad.error,
            },
            Ok(program) => {
                let (id, code) = (program.id.clone(), program.code.clone());
                match plan(program, opts.first + index, opts, &mut report) {
                    Ok(p) => {
                        plans.push((outputs.len(), p));
                        outputs.push(None);
                        continue;
                    }
                    Err(e) => Output::Error {
                        id,
                        code,
                        outcome: Some("syntax_error"),
                        error: e.to_string(),
                    },
                }
            }
        };
        report.program_errors += 1;
        outputs.push(Some(failed));
    }
    // One request per original, then one per mutant, all traced together.
    let mut requests = Vec::new();
    for (_, p) in &plans {
        for code in std::iter::once(&p.program.code).chain(p.mutants.iter().map(|(_, c)| c)) {
            requests.push(TraceRequest {
                code: code.clone(),
                stdin: p.program.stdin.clone(),
                limits: opts.limits,
            });
        }
    }
    let total = requests.len();
    let mut traces = trace_many(&requests, &|done| progress(done, total)).into_iter();
    let mut per_slot: BTreeMap<usize, Vec<Output>> = BTreeMap::new();
    for (slot, p) in plans {
        let original = traces.next().and_then(Result::ok);
        for (mutation, code) in p.mutants {
            report.traced += 1;
            let result = traces
                .next()
                .unwrap_or_else(|| Err("no trace returned".into()));
            let outcome = match result {
                Err(message) => {
                    report.tracer_error.get_or_insert(message);
                    Err(DropReason::TracerError)
                }
                Ok(trace) => match drop_reason(&trace, original.as_ref(), opts.keep_exceptions) {
                    Some(reason) => Err(reason),
                    None => mutant_record(&p.program, &mutation, code, &trace)
                        .map_err(|_| DropReason::FormatError),
                },
            };
            match outcome {
                Ok(record) => {
                    *report.kept.entry(mutation.op).or_default() += 1;
                    per_slot
                        .entry(slot)
                        .or_default()
                        .push(Output::Mutant(Box::new(record)));
                }
                Err(reason) => report.drop(reason),
            }
        }
    }
    let mut lines = Vec::new();
    for (slot, output) in outputs.into_iter().enumerate() {
        match output {
            Some(error) => lines.push(error),
            None => lines.extend(per_slot.remove(&slot).unwrap_or_default()),
        }
    }
    (lines, report)
}

#[cfg(test)]
#[path = "mutate_batch_tests.rs"]
mod tests;
