//! Shared helpers of the tracer integration tests: one pool per test binary, and a compact
//! text form of steps for hand-written expectations.

// Each test binary uses a different subset of these helpers.
#![allow(dead_code)]

use std::path::PathBuf;
use std::sync::OnceLock;

use serde::Deserialize;

use tracelens::trace::{Event, Limits, PoolOptions, Step, Trace, TraceRequest, TracerPool};

/// The pool every test of this binary shares (two workers, like the target machine).
pub fn pool() -> &'static TracerPool {
    static POOL: OnceLock<TracerPool> = OnceLock::new();
    POOL.get_or_init(|| {
        TracerPool::start(PoolOptions {
            python: None,
            workers: 2,
            ..PoolOptions::default()
        })
        .expect("python3 must be available to run the tracer tests")
    })
}

/// Trace `code` with `stdin` under `limits`.
pub fn trace_with(code: &str, stdin: &str, limits: Limits) -> Trace {
    pool()
        .trace(&TraceRequest {
            code: code.to_string(),
            stdin: stdin.to_string(),
            limits,
        })
        .expect("the tracer pool must answer")
}

/// Trace `code` with no stdin and the default limits.
pub fn trace(code: &str) -> Trace {
    trace_with(code, "", Limits::default())
}

/// One step as text: `event line func@depth name=repr, ... [-> value] [| stdout]`.
pub fn brief(step: &Step) -> String {
    let event = match step.event {
        Event::Line => "line",
        Event::Call => "call",
        Event::Return => "return",
        Event::Exception => "exception",
    };
    let locals: Vec<String> = step
        .locals
        .iter()
        .map(|l| format!("{}={}", l.name, l.repr))
        .collect();
    let mut text = format!(
        "{event} {} {}@{} {}",
        step.line,
        step.func,
        step.depth,
        locals.join(", ")
    );
    if let Some(value) = &step.value {
        text.push_str(&format!(" -> {}", value.repr));
    }
    if !step.stdout.is_empty() {
        text.push_str(&format!(" | {:?}", step.stdout));
    }
    text.trim_end().to_string()
}

/// Every step of a trace in `brief` form.
pub fn briefs(trace: &Trace) -> Vec<String> {
    trace.steps.iter().map(brief).collect()
}

/// A trace as JSON with what differs between any two processes blanked: the elapsed time and
/// the memory addresses in default reprs (`<map object at 0x7f..>`).
pub fn comparable(trace: &Trace) -> String {
    let mut trace = trace.clone();
    trace.elapsed_ms = 0.0;
    let text = serde_json::to_string(&trace).expect("a trace serializes");
    let mut out = String::with_capacity(text.len());
    let mut rest = text.as_str();
    while let Some(at) = rest.find(" at 0x") {
        let (head, tail) = rest.split_at(at + " at 0x".len());
        out.push_str(head);
        out.push_str("ADDR");
        rest = tail.trim_start_matches(|c: char| c.is_ascii_hexdigit());
    }
    out.push_str(rest);
    out
}

#[derive(Deserialize)]
struct Problem {
    code: String,
    input: String,
}

/// The 800 CRUXEval programs as requests (`code + "\nresult = f(" + input + ")\n"`), or `None`
/// after a notice naming `test` when ../shared/cruxeval is absent.
pub fn cruxeval_requests(test: &str) -> Option<Vec<TraceRequest>> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/cruxeval/cruxeval.jsonl");
    let Ok(text) = std::fs::read_to_string(&path) else {
        eprintln!(
            "SKIPPED: CRUXEval {test} test: {} is absent",
            path.display()
        );
        return None;
    };
    let reqs: Vec<TraceRequest> = text
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| serde_json::from_str::<Problem>(l).expect("a CRUXEval record"))
        .map(|p| TraceRequest {
            code: format!("{}\nresult = f({})\n", p.code, p.input),
            stdin: String::new(),
            limits: Limits::default(),
        })
        .collect();
    assert_eq!(reqs.len(), 800);
    Some(reqs)
}

/// Two runs of the same requests give the same traces (see `comparable`).
pub fn assert_same_traces<E: std::fmt::Debug>(
    (a_name, a): (&str, &[Result<Trace, E>]),
    (b_name, b): (&str, &[Result<Trace, E>]),
) {
    let mut differ = Vec::new();
    for (i, (a, b)) in a.iter().zip(b).enumerate() {
        let (a, b) = (a.as_ref().expect("answer"), b.as_ref().expect("answer"));
        if comparable(a) != comparable(b) {
            differ.push(format!(
                "program {i}:\n  {a_name} {}\n  {b_name} {}",
                comparable(a),
                comparable(b)
            ));
        }
    }
    assert_eq!(a.len(), b.len());
    assert!(
        differ.is_empty(),
        "{} traces differ:\n{}",
        differ.len(),
        differ.join("\n")
    );
}
