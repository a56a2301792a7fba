//! Shared helpers of the tracer integration tests: one pool per test binary, a compact text
//! form of steps for hand-written expectations, the CRUXEval requests, and plain CPython runs
//! to compare with.

// Each test binary uses a different subset of these helpers.
#![allow(dead_code)]

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;

use serde::Deserialize;

use tracelens::trace::{
    Event, Limits, OutcomeKind, PoolOptions, Step, Trace, TraceRequest, TracerPool,
};

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
/// the memory addresses in default reprs (`<map object at 0x7f..>`, see `without_addresses`).
pub fn comparable(trace: &Trace) -> String {
    let mut trace = trace.clone();
    trace.elapsed_ms = 0.0;
    without_addresses(&serde_json::to_string(&trace).expect("a trace serializes"))
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

/// How plain CPython ran a program: what it wrote and its exit status.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Run {
    pub stdout: String,
    pub stderr: String,
    pub status: i32,
}

/// The environment the tracer's workers give a program.
fn python_command(args: &[&std::ffi::OsStr], dir: &Path) -> Command {
    let mut command = Command::new(pool().python());
    command
        .arg("-S")
        .args(args)
        .env_clear()
        .env("PYTHONHASHSEED", "0")
        .env("LANG", "C.UTF-8")
        .current_dir(dir)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    command
}

fn run_python(args: &[&std::ffi::OsStr], stdin: &str) -> std::process::Output {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let mut child = python_command(args, dir.path())
        .spawn()
        .expect("python3 runs");
    let mut input = child.stdin.take().expect("stdin");
    let bytes = stdin.as_bytes().to_vec();
    let writer = std::thread::spawn(move || {
        let _ = input.write_all(&bytes);
    });
    let output = child.wait_with_output().expect("python3 finishes");
    let _ = writer.join();
    output
}

/// Run `program` with plain CPython (the pool's interpreter, the workers' environment), as
/// `python3 -S PROGRAM`. Tracebacks name the file `<tracelens>`, as in a trace.
pub fn run_plain(program: &Path, stdin: &str) -> Run {
    let output = run_python(&[program.as_os_str()], stdin);
    let stderr = String::from_utf8_lossy(&output.stderr).replace(
        &format!("File \"{}\"", program.display()),
        "File \"<tracelens>\"",
    );
    Run {
        stdout: escape_invalid_utf8(&output.stdout),
        stderr,
        status: output.status.code().unwrap_or(-1),
    }
}

/// Bytes as text the way a trace shows output: invalid UTF-8 as `\xNN` escapes.
fn escape_invalid_utf8(mut bytes: &[u8]) -> String {
    let mut text = String::new();
    loop {
        match std::str::from_utf8(bytes) {
            Ok(valid) => {
                text.push_str(valid);
                return text;
            }
            Err(e) => {
                let (valid, rest) = bytes.split_at(e.valid_up_to());
                text.push_str(std::str::from_utf8(valid).unwrap_or_default());
                let bad = e.error_len().unwrap_or(rest.len());
                for b in &rest[..bad] {
                    text.push_str(&format!("\\x{b:02x}"));
                }
                bytes = &rest[bad..];
            }
        }
    }
}

/// The line steps of `program` as the independent recorder (`tests/fixtures/record_lines.py`,
/// plain `sys.settrace`) orders them, one `FUNC:LINE` each.
pub fn record_lines(program: &Path, stdin: &str) -> Vec<String> {
    let recorder = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/record_lines.py");
    let out = tempfile::NamedTempFile::new().expect("a temporary file");
    run_python(
        &[
            recorder.as_os_str(),
            program.as_os_str(),
            out.path().as_os_str(),
        ],
        stdin,
    );
    std::fs::read_to_string(out.path())
        .expect("the recorder's output")
        .lines()
        .map(str::to_string)
        .collect()
}

/// The line steps of a trace, one `FUNC:LINE` each.
pub fn line_steps(trace: &Trace) -> Vec<String> {
    trace
        .steps
        .iter()
        .filter(|s| s.event == Event::Line)
        .map(|s| format!("{}:{}", s.func, s.line))
        .collect()
}

/// The exit status CPython would have ended the traced program with.
pub fn trace_status(trace: &Trace) -> i32 {
    match trace.outcome.kind {
        OutcomeKind::Completed => 0,
        OutcomeKind::Exception => trace
            .outcome
            .message
            .as_deref()
            .and_then(|m| m.strip_prefix("SystemExit: "))
            .and_then(|code| code.parse::<i64>().ok())
            .map_or(1, |code| (code & 0xff) as i32),
        _ => -1,
    }
}

/// How a run looks once memory addresses (`<function f at 0x7f..>`), which differ between
/// any two processes, are left out.
pub fn without_addresses(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find("0x") {
        out.push_str(&rest[..at + 2]);
        rest = rest[at + 2..].trim_start_matches(|c: char| c.is_ascii_hexdigit());
    }
    out.push_str(rest);
    out
}

/// The trace's run as plain CPython's would look: stdout, stderr and exit status.
pub fn traced_run(trace: &Trace) -> Run {
    Run {
        stdout: trace.stdout.clone(),
        stderr: trace.stderr.clone(),
        status: trace_status(trace),
    }
}

/// A run with memory addresses left out.
pub fn comparable_run(run: &Run) -> Run {
    Run {
        stdout: without_addresses(&run.stdout),
        stderr: without_addresses(&run.stderr),
        status: run.status,
    }
}

/// A program of `tests/fixtures/trace_corpus` and its stdin (NAME.stdin, when present).
pub fn corpus_program(name: &str) -> (PathBuf, String) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/trace_corpus")
        .join(format!("{name}.py"));
    let stdin = std::fs::read_to_string(path.with_extension("stdin")).unwrap_or_default();
    (path, stdin)
}

/// Trace a corpus program and check that its stdout, stderr and exit status are plain
/// CPython's (addresses aside); returns the trace.
pub fn trace_like_cpython(name: &str) -> Trace {
    let (path, stdin) = corpus_program(name);
    let code = std::fs::read_to_string(&path).expect("the program");
    same_as_cpython(name, &code, &path, &stdin)
}

/// Trace `code` and check its run against plain CPython's, as `trace_like_cpython` does.
pub fn source_like_cpython(code: &str, stdin: &str) -> Trace {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let path = dir.path().join("program.py");
    std::fs::write(&path, code).expect("the program is written");
    same_as_cpython(code, code, &path, stdin)
}

fn same_as_cpython(what: &str, code: &str, path: &Path, stdin: &str) -> Trace {
    let trace = trace_with(code, stdin, Limits::default());
    let plain = run_plain(path, stdin);
    assert_eq!(
        comparable_run(&traced_run(&trace)),
        comparable_run(&plain),
        "{what}: the trace's run (left) differs from plain CPython's (right); outcome {:?}",
        trace.outcome
    );
    trace
}
