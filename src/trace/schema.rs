//! The trace JSON contract (schema version 1, docs/ARCHITECTURE.md section 2.1).
//!
//! `outcome.column` (1-based) is present for `syntax_error` outcomes only, so the editor can
//! point at the exact place; it is omitted otherwise.

use serde::{Deserialize, Serialize};

/// The schema version written into every trace.
pub const SCHEMA_VERSION: u32 = 1;

/// A recorded execution of one program.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Trace {
    pub version: u32,
    pub python: String,
    pub outcome: Outcome,
    pub steps: Vec<Step>,
    pub stdout: String,
    pub stderr: String,
    pub elapsed_ms: f64,
}

/// How the run ended.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Outcome {
    pub kind: OutcomeKind,
    pub message: Option<String>,
    pub line: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub column: Option<u32>,
}

/// The kinds of outcome; every kind but `SyntaxError` keeps the steps recorded so far.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OutcomeKind {
    Completed,
    Exception,
    SyntaxError,
    Timeout,
    StepLimit,
    MemoryLimit,
    OutputLimit,
    Crashed,
}

/// One event of one traced frame.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Step {
    pub event: Event,
    pub line: u32,
    pub func: String,
    pub depth: u32,
    pub locals: Vec<Local>,
    pub stdout: String,
    /// The return value (`return`) or the exception (`exception`); absent otherwise.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<Value>,
}

/// The event that produced a step.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Event {
    Line,
    Call,
    Return,
    Exception,
}

/// One local variable of a frame.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Local {
    pub name: String,
    pub repr: String,
    #[serde(rename = "type")]
    pub ty: String,
}

/// A return value or an exception.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Value {
    pub repr: String,
    #[serde(rename = "type")]
    pub ty: String,
}

impl Step {
    /// A step of `event` on `line` in `func` at `depth` with `locals` as (name, repr) pairs
    /// (every type `int`), no output and no value: what tests and hand-made fixtures need.
    pub fn hand_made(
        event: Event,
        line: u32,
        func: &str,
        depth: u32,
        locals: &[(&str, &str)],
    ) -> Step {
        Step {
            event,
            line,
            func: func.to_string(),
            depth,
            locals: locals
                .iter()
                .map(|(n, r)| Local {
                    name: n.to_string(),
                    repr: r.to_string(),
                    ty: "int".to_string(),
                })
                .collect(),
            stdout: String::new(),
            value: None,
        }
    }
}

impl Trace {
    /// A trace of `steps` that ended with an outcome of `kind` (no message, line or output):
    /// what tests, benchmarks and hand-made fixtures need.
    pub fn with_steps(kind: OutcomeKind, steps: Vec<Step>) -> Trace {
        Trace {
            version: SCHEMA_VERSION,
            python: String::new(),
            outcome: Outcome {
                kind,
                message: None,
                line: None,
                column: None,
            },
            steps,
            stdout: String::new(),
            stderr: String::new(),
            elapsed_ms: 0.0,
        }
    }
}

impl OutcomeKind {
    /// Every kind.
    pub const ALL: [OutcomeKind; 8] = [
        OutcomeKind::Completed,
        OutcomeKind::Exception,
        OutcomeKind::SyntaxError,
        OutcomeKind::Timeout,
        OutcomeKind::StepLimit,
        OutcomeKind::MemoryLimit,
        OutcomeKind::OutputLimit,
        OutcomeKind::Crashed,
    ];

    /// The snake_case name used in JSON and in dataset records.
    pub fn as_str(self) -> &'static str {
        match self {
            OutcomeKind::Completed => "completed",
            OutcomeKind::Exception => "exception",
            OutcomeKind::SyntaxError => "syntax_error",
            OutcomeKind::Timeout => "timeout",
            OutcomeKind::StepLimit => "step_limit",
            OutcomeKind::MemoryLimit => "memory_limit",
            OutcomeKind::OutputLimit => "output_limit",
            OutcomeKind::Crashed => "crashed",
        }
    }
}
