//! Scoring answers by execution, as CRUXEval's harness does (`evaluate_score` of
//! `evaluation/utils_general.py` and `check_correctness` of `evaluation/utils_execute.py`,
//! facebookresearch/cruxeval commit c7c7873), run through the tracer pool.
//!
//! - Skip rules: a CRUXEval-I answer without `f(` and a CRUXEval-O answer containing
//!   `f(INPUT)` are not run; they fail (`skipped`).
//! - The check: `CODE + "\nassert " + OUTPUT + " == " + ANSWER`, run with a 3 s limit; it
//!   passes only when it runs to its end. The harness counts any `BaseException` as a failure,
//!   `SystemExit` included, while the tracer reports a `SystemExit` of status 0 as completed;
//!   so the program run is the check followed by a line `pass`, and a completed run passes only
//!   when that last line ran (a check that is not valid Python stays invalid with the line
//!   added, since `pass` cannot continue an expression or fill an open block).
//! - Every verdict keeps its reason: `passed`, `skipped`, `wrong_value` (an `AssertionError`
//!   raised on the assert line or later), `exception` (with its type), `timeout`,
//!   `syntax_error` (the check does not compile), `limit` (the tracer's step, output or memory
//!   limit, or a crash: see below), `error` (the tracer could not run it at all) or
//!   `model_error` (the model gave no answer: the prompt was beyond its context, or it failed;
//!   nothing is run, and the answer fails).
//! - Identical checks (same sample, same answer) run once; the others reuse the verdict.
//!
//! Where it can differ from the harness: the harness runs `exec` untraced, the tracer records
//! every line, so a check doing millions of steps within 3 s natively may time out or fill
//! the trace buffer here (`limit`); the tracer also caps memory (2 GiB) and stdout (16 MiB),
//! where the harness has no cap. Such verdicts are reported under their own reason.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

use super::{Sample, Task};
use crate::trace::{Event, Limits, OutcomeKind, Trace, TraceRequest, TracerPool};

/// The harness's time limit for one check.
pub const TIMEOUT_MS: u64 = 3_000;

/// Why an answer passed or failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Reason {
    Passed,
    Skipped,
    WrongValue,
    Exception,
    Timeout,
    SyntaxError,
    Limit,
    Error,
    ModelError,
}

impl Reason {
    pub fn as_str(self) -> &'static str {
        match self {
            Reason::Passed => "passed",
            Reason::Skipped => "skipped",
            Reason::WrongValue => "wrong_value",
            Reason::Exception => "exception",
            Reason::Timeout => "timeout",
            Reason::SyntaxError => "syntax_error",
            Reason::Limit => "limit",
            Reason::Error => "error",
            Reason::ModelError => "model_error",
        }
    }
}

/// The verdict on one answer (as `eval --out` writes it, which reads back: the `passed`
/// flag written beside it is ignored on reading).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Verdict {
    pub reason: Reason,
    /// The exception's type (`exception`), the limit or crash (`limit`), the tracer's error
    /// (`error`), the model's error (`model_error`); absent otherwise.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
}

impl Verdict {
    fn new(reason: Reason) -> Verdict {
        Verdict {
            reason,
            detail: None,
        }
    }

    /// The verdict on an answer the model could not give, for `why`.
    pub fn model_error(why: impl Into<String>) -> Verdict {
        Verdict::with(Reason::ModelError, why)
    }

    fn with(reason: Reason, detail: impl Into<String>) -> Verdict {
        Verdict {
            reason,
            detail: Some(detail.into()),
        }
    }

    /// The verdict on an answer the skip rules leave out.
    pub fn skipped() -> Verdict {
        Verdict::new(Reason::Skipped)
    }

    /// The verdict on a check the tracer could not run.
    pub fn tracer_error(message: impl Into<String>) -> Verdict {
        Verdict::with(Reason::Error, message)
    }

    pub fn passed(&self) -> bool {
        self.reason == Reason::Passed
    }

    /// The verdict in words: `pass`, `fail: wrong value`, `fail: exception TypeError`,
    /// `fail: timeout`, `fail: syntax error`, `skipped (...)`.
    pub fn describe(&self) -> String {
        let detail = self.detail.as_deref().unwrap_or("");
        match self.reason {
            Reason::Passed => "pass".to_string(),
            Reason::Skipped => "skipped (the harness does not run this answer)".to_string(),
            Reason::WrongValue => "fail: wrong value".to_string(),
            Reason::Exception => format!("fail: exception {detail}"),
            Reason::Timeout => format!("fail: timeout ({} s)", TIMEOUT_MS / 1000),
            Reason::SyntaxError => "fail: syntax error".to_string(),
            Reason::Limit => format!("fail: tracer limit ({})", detail.replace('_', " ")),
            Reason::Error => format!("not checked: {detail}"),
            Reason::ModelError => format!("no answer: the model failed ({detail})"),
        }
    }

    /// `exception:TypeError`, `limit:step_limit`, or the reason alone.
    pub fn label(&self) -> String {
        match (&self.detail, self.reason) {
            (Some(detail), Reason::Exception | Reason::Limit) => {
                format!("{}:{detail}", self.reason.as_str())
            }
            _ => self.reason.as_str().to_string(),
        }
    }
}

/// The harness's skip rules.
pub fn is_skipped(task: Task, sample: &Sample, answer: &str) -> bool {
    match task {
        Task::Input => !answer.contains("f("),
        Task::Output => answer.contains(&format!("f({})", sample.input)),
    }
}

/// The harness's check program for `answer`.
pub fn check_program(sample: &Sample, answer: &str) -> String {
    format!("{}\nassert {} == {}", sample.code, sample.output, answer)
}

/// A check as it runs here: the program with its last line, the first line of the `assert`
/// and the number of that last line. [`score_all`] and [`print_check`] run many or one; the
/// explorer runs one through its own tracer with [`Check::request`] and [`Check::verdict`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Check {
    program: String,
    stdin: String,
    assert_line: u32,
    last_line: u32,
}

impl Check {
    /// The harness's check of `answer` to `sample` in `task`; `None` when the skip rules leave
    /// it out (its verdict is [`Verdict::skipped`]).
    pub fn for_answer(task: Task, sample: &Sample, answer: &str) -> Option<Check> {
        if is_skipped(task, sample, answer) {
            return None;
        }
        let assertion = format!("assert {} == {}", sample.output, answer);
        Some(Check::new(&sample.code, &assertion, String::new()))
    }

    /// The check of an answer to "what does this program print" (see [`print_check`]).
    pub fn for_print(stdout: &str, answer: &str) -> Check {
        Check::new(
            "import sys",
            &format!("assert sys.stdin.read() == {answer}"),
            stdout.to_string(),
        )
    }

    fn new(before_assert: &str, assertion: &str, stdin: String) -> Check {
        let program = format!("{before_assert}\n{assertion}\npass");
        let assert_line = python_lines(before_assert) + 1;
        let last_line = python_lines(&program);
        Check {
            program,
            stdin,
            assert_line,
            last_line,
        }
    }

    /// The program to trace.
    pub fn request(&self) -> TraceRequest {
        TraceRequest {
            code: self.program.clone(),
            stdin: self.stdin.clone(),
            limits: check_limits(),
        }
    }

    /// The verdict on the traced check.
    pub fn verdict(&self, trace: &Trace) -> Verdict {
        let outcome = &trace.outcome;
        match outcome.kind {
            OutcomeKind::Completed if self.ran_to_the_end(trace) => Verdict::new(Reason::Passed),
            OutcomeKind::Completed => Verdict::with(Reason::Exception, "SystemExit"),
            OutcomeKind::Exception | OutcomeKind::MemoryLimit => {
                let message = outcome.message.as_deref().unwrap_or("");
                let kind = exception_type(message);
                let on_assert = outcome.line.is_some_and(|line| line >= self.assert_line);
                if kind == "AssertionError" && on_assert {
                    Verdict::new(Reason::WrongValue)
                } else {
                    Verdict::with(Reason::Exception, kind)
                }
            }
            OutcomeKind::SyntaxError => Verdict::new(Reason::SyntaxError),
            OutcomeKind::Timeout => Verdict::new(Reason::Timeout),
            OutcomeKind::StepLimit | OutcomeKind::OutputLimit | OutcomeKind::Crashed => {
                Verdict::with(Reason::Limit, outcome.kind.as_str())
            }
        }
    }

    fn ran_to_the_end(&self, trace: &Trace) -> bool {
        trace
            .steps
            .iter()
            .rev()
            .any(|s| s.depth == 0 && s.event == Event::Line && s.line == self.last_line)
    }
}

/// The limits a check runs under: the harness's 3 s, and room for what the harness does not
/// cap (steps, output, memory) as far as the tracer allows.
fn check_limits() -> Limits {
    Limits {
        timeout_ms: TIMEOUT_MS,
        max_steps: 1 << 40,
        memory_mb: 2048,
        max_stdout: 16 << 20,
        max_repr: 16,
    }
}

/// The number of lines Python sees in `text` (`\r\n`, `\r` and `\n` end a line).
fn python_lines(text: &str) -> u32 {
    let bytes = text.as_bytes();
    let mut lines = 1u32;
    for (i, &b) in bytes.iter().enumerate() {
        let ends_line = b == b'\n' || (b == b'\r' && bytes.get(i + 1) != Some(&b'\n'));
        lines += u32::from(ends_line);
    }
    lines
}

/// The type in the tracer's exception text `Type: message` (or `Type`).
fn exception_type(message: &str) -> &str {
    message.split(": ").next().unwrap_or(message).trim()
}

/// Score every answer of every sample. `answers[i]` are the answers for `samples[i]`; the
/// result has the same shape. `on_done` gets the number of checks run so far out of the
/// distinct ones (see [`distinct_checks`]).
pub fn score_all(
    pool: &TracerPool,
    task: Task,
    samples: &[Sample],
    answers: &[Vec<String>],
    on_done: &(dyn Fn(usize) + Sync),
) -> Vec<Vec<Verdict>> {
    let mut index: HashMap<(usize, &str), usize> = HashMap::new();
    let mut checks: Vec<Check> = Vec::new();
    for (at, (sample, list)) in samples.iter().zip(answers).enumerate() {
        for answer in list {
            if index.contains_key(&(at, answer.as_str())) {
                continue;
            }
            if let Some(check) = Check::for_answer(task, sample, answer) {
                checks.push(check);
                index.insert((at, answer.as_str()), checks.len() - 1);
            }
        }
    }
    let requests: Vec<TraceRequest> = checks.iter().map(Check::request).collect();
    let traces = pool.trace_many(&requests, on_done);
    let verdicts: Vec<Verdict> = checks
        .iter()
        .zip(traces)
        .map(|(check, trace)| match trace {
            Ok(trace) => check.verdict(&trace),
            Err(err) => Verdict::tracer_error(err.to_string()),
        })
        .collect();
    samples
        .iter()
        .zip(answers)
        .enumerate()
        .map(|(at, (sample, list))| {
            list.iter()
                .map(|answer| match index.get(&(at, answer.as_str())) {
                    Some(&check) => verdicts[check].clone(),
                    None if is_skipped(task, sample, answer) => Verdict::skipped(),
                    None => Verdict::with(Reason::Error, "the check was not run"),
                })
                .collect()
        })
        .collect()
}

/// Score one sample's answers one check at a time with `run` (the explorer's tracer, which
/// runs one program at a time): the same skip rules, checks and verdicts as [`score_all`].
pub fn score_answers(
    task: Task,
    sample: &Sample,
    answers: &[String],
    mut run: impl FnMut(&TraceRequest) -> Result<Trace, String>,
) -> Vec<Verdict> {
    let mut seen: HashMap<&str, Verdict> = HashMap::new();
    answers
        .iter()
        .map(|answer| {
            if is_skipped(task, sample, answer) {
                return Verdict::new(Reason::Skipped);
            }
            if let Some(verdict) = seen.get(answer.as_str()) {
                return verdict.clone();
            }
            let assertion = format!("assert {} == {}", sample.output, answer);
            let check = Check::new(&sample.code, &assertion, String::new());
            let verdict = match run(&check.request()) {
                Ok(trace) => check.verdict(&trace),
                Err(err) => Verdict::with(Reason::Error, err),
            };
            seen.insert(answer.as_str(), verdict.clone());
            verdict
        })
        .collect()
}

/// How many checks [`score_all`] runs for these answers (skipped and repeated ones aside).
pub fn distinct_checks(task: Task, samples: &[Sample], answers: &[Vec<String>]) -> usize {
    let mut seen = std::collections::HashSet::new();
    for (at, (sample, list)) in samples.iter().zip(answers).enumerate() {
        for answer in list {
            if !is_skipped(task, sample, answer) {
                seen.insert((at, answer.as_str()));
            }
        }
    }
    seen.len()
}

/// Score an answer to "what does this program print" (`prompts::print_prompt`): the answer
/// passes when its value equals `stdout`, the program's real output, compared in a check
/// `import sys` / `assert sys.stdin.read() == ANSWER` that reads `stdout` on its stdin.
pub fn print_check(pool: &TracerPool, stdout: &str, answer: &str) -> Verdict {
    let check = Check::for_print(stdout, answer);
    match pool.trace(&check.request()) {
        Ok(trace) => check.verdict(&trace),
        Err(err) => Verdict::tracer_error(err.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Sample {
        Sample {
            id: "s".into(),
            code: "def f(x):\n    return x + 1".into(),
            input: "1".into(),
            output: "2".into(),
        }
    }

    #[test]
    fn skip_rules_are_the_harnesss() {
        let s = sample();
        assert!(is_skipped(Task::Output, &s, "f(1)"));
        assert!(!is_skipped(Task::Output, &s, "f(2)"));
        assert!(is_skipped(Task::Input, &s, "1"));
        assert!(!is_skipped(Task::Input, &s, "f(1)"));
    }

    #[test]
    fn the_check_is_the_harnesss_string() {
        assert_eq!(
            check_program(&sample(), "3"),
            "def f(x):\n    return x + 1\nassert 2 == 3"
        );
    }

    #[test]
    fn lines_are_counted_as_python_counts_them() {
        assert_eq!(python_lines("a"), 1);
        assert_eq!(python_lines("a\r\nb\rc\n"), 4);
        let check = Check::new("def f():\n    pass", "assert 1 == 1", String::new());
        assert_eq!((check.assert_line, check.last_line), (3, 4));
    }

    #[test]
    fn exception_types_come_from_the_message() {
        assert_eq!(exception_type("KeyError: 'a'"), "KeyError");
        assert_eq!(exception_type("StopIteration"), "StopIteration");
    }
}
