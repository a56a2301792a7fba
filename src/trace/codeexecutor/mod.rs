//! The CodeExecutor format (docs/ARCHITECTURE.md 2.2): the projection of a program and its
//! trace into the token language of CodeExecutor (Liu et al., 2023), and a tolerant parser
//! back to steps.
//!
//! # Code
//! [`code_tokens`] gives one entry per *physical* source line that holds at least one token:
//! the 0-based line token `<i>`, then one `<indent>` / `<dedent>` per change of indentation
//! level, then the line's tokens from the rustpython-parser lexer, each as its exact source text
//! (a string literal stays one token with its prefix and quotes, even when it contains spaces).
//! Decisions:
//! - Blank lines and comment-only lines produce no entry; comments are dropped. Line numbers
//!   are still physical (0-based), so `<line> <i>` in a trace points at the same line.
//! - A statement spanning several lines (bracket or backslash continuation) keeps each token
//!   under the physical line where it starts: `x = [1,\n 2]` gives `<0> x = [ 1 ,` and `<1> 2 ]`.
//!   CPython reports such a statement at its first line, so the trace step says `<0>`.
//! - A multi-line (triple-quoted) string is one token, verbatim, under the line where it starts.
//! - Dedents at the end of the file (no line follows) are dropped.
//! - Line tokens go past `<199>` for longer programs; the model vocabulary only knows `<0>`..`<199>`.
//!
//! # Trace
//! [`trace_steps`] gives one string per `line` step: `<line> <i> <state> n : v <dictsep> n : v
//! </state>` (an empty state is `<state> </state>`), values rendered by [`render_value`].
//! A value is the tracer's rendering, made without running the program's code (a program's
//! object is `Probe(n=3)`, projected as `Probe ( n = 3 )`; see `tracer.py`).
//! Text printed while a step ran becomes a step `<output> TEXT` placed right before that step's
//! `<line>` step. Decisions:
//! - Output text is split on whitespace and re-joined with single spaces: newlines inside
//!   printed text become spaces and a trailing newline disappears. Output that is only
//!   whitespace (e.g. `print()`) produces no step.
//! - Text printed by `call`/`return`/`exception` steps is carried to the next `line` step's
//!   output; text printed after the last `line` step becomes a final `<output>` step.
//! - `trace_tokens` is the trace steps split on whitespace, concatenated.
//!
//! # Parsing
//! [`parse_trace`] reads any text (model output included) back into [`CeStep`]s. It never
//! panics: text before the first step, malformed line tokens, state pairs without `:` and
//! text after `</state>` are reported as [`ParseProblem`]s; a last `<line>` step without
//! `</state>` is dropped and reported as `truncated`. Output text and values are trimmed.
//! Known limit: a value or output that itself contains `<line>`, `<output>`, `<dictsep>` or
//! `</state>` cannot be told apart from the markers.

mod code;
mod parse;
mod steps;
mod value;

pub use code::{code_token_texts, code_tokens};
pub use parse::{parse_trace, split_segments, ParseProblem, ParsedTrace};
pub use steps::{serialize_steps, steps_of, trace_steps, CeStep};
pub use value::render_value;

use super::schema::Trace;

/// Why a program could not be put into the CodeExecutor format.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CodeFormatError {
    /// The lexer rejected the source (1-based line and column).
    #[error("cannot tokenize line {line}, column {column}: {message}")]
    Lex {
        line: u32,
        column: u32,
        message: String,
    },
}

/// A program and its trace in the CodeExecutor format (the fields of a CodeExecutor record).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct CeRecord {
    pub code_tokens: Vec<String>,
    pub trace: Vec<String>,
    pub trace_tokens: Vec<String>,
}

/// Project a program and its recorded trace into a CodeExecutor record.
pub fn record(code: &str, trace: &Trace) -> Result<CeRecord, CodeFormatError> {
    let code_tokens = code_tokens(code)?;
    let trace = trace_steps(trace);
    let trace_tokens = trace
        .iter()
        .flat_map(|step| step.split_whitespace().map(str::to_string))
        .collect();
    Ok(CeRecord {
        code_tokens,
        trace,
        trace_tokens,
    })
}
