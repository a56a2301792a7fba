//! `tracelens dataset trace`: fill the ground-truth fields of `{id, code[, stdin]}` records.
//!
//! Every input line gives exactly one output line, in order. A line holding a JSON object
//! with a `code` string (and a string `stdin`, when present) is traced and written back with
//! `code_tokens`, `trace`, `trace_tokens` and `outcome` set, every other field kept as it was
//! (the id keeps its JSON type, string or integer). A program the CodeExecutor lexer rejects
//! gets empty `code_tokens` and an `error`; a program the tracer could not run at all gets the
//! outcome `crashed` and an `error`. Any other line (blank, not JSON, not UTF-8, no `code`) is
//! written back byte for byte, and reported unless blank. An object's address in a repr
//! (`<map object at 0x7f35...>`) differs from run to run and from one tracer child to the next,
//! so it is written as `0xADDR` ([`mask_addresses`]) and the output is a function of the input. `--shard I/N` handles the `I`-th contiguous range
//! of lines ([`Shard`]), so the shards' outputs concatenated are the unsharded output.

use std::io::{self, Write};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, PoisonError};

use serde_json::{Map, Value as JsonValue};

use super::shard::Shard;
use crate::trace::codeexecutor::{code_tokens, trace_steps};
use crate::trace::{Limits, Trace, TraceRequest, TracerError, TracerPool};

/// Lines traced together between two writes of the output.
const CHUNK: usize = 1024;

/// What a run wrote.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TracedReport {
    /// Lines of this shard.
    pub lines: usize,
    /// Records traced (whatever their outcome).
    pub traced: usize,
    /// Lines other than blank ones written back unchanged: 1-based line number and why.
    pub kept: Vec<(usize, String)>,
    /// Records whose trace showed object addresses (written as `0xADDR`).
    pub masked: usize,
}

/// CodeExecutor trace steps with object addresses masked, and their tokens.
pub struct StableTrace {
    pub steps: Vec<String>,
    pub tokens: Vec<String>,
    /// Whether any address was masked.
    pub masked: bool,
}

impl StableTrace {
    /// Mask the addresses of `steps` and split them into tokens.
    pub fn of(steps: Vec<String>) -> StableTrace {
        let mut masked = false;
        let steps: Vec<String> = steps
            .into_iter()
            .map(|step| {
                mask_addresses(&step).map_or(step, |stable| {
                    masked = true;
                    stable
                })
            })
            .collect();
        let tokens = steps
            .iter()
            .flat_map(|step| step.split_whitespace().map(str::to_string))
            .collect();
        StableTrace {
            steps,
            tokens,
            masked,
        }
    }
}

/// The placeholder of an object's address in a trace.
pub const ADDRESS: &str = "0xADDR";

/// `step` with every ` at 0x<hex digits>` written ` at 0xADDR`; `None` when it has none.
pub fn mask_addresses(step: &str) -> Option<String> {
    const AT: &str = " at 0x";
    if !step.contains(AT) {
        return None;
    }
    let mut rest = step;
    let mut out = String::with_capacity(step.len());
    while let Some(i) = rest.find(AT) {
        out.push_str(&rest[..i]);
        let tail = &rest[i + AT.len()..];
        let digits = tail.bytes().take_while(u8::is_ascii_hexdigit).count();
        out.push_str(" at ");
        out.push_str(if digits > 0 { ADDRESS } else { "0x" });
        rest = &tail[digits..];
    }
    out.push_str(rest);
    Some(out)
}

/// One line of the input: a record to trace, or a line kept as it is.
enum Line {
    Record(Map<String, JsonValue>, TraceRequest),
    Kept(String),
    Blank,
}

/// The input's lines: split on `\n`, without a last empty piece after a final newline.
pub fn lines(input: &[u8]) -> Vec<&[u8]> {
    let mut lines: Vec<&[u8]> = input.split(|b| *b == b'\n').collect();
    if input.is_empty() || input.ends_with(b"\n") {
        lines.pop();
    }
    lines
}

fn parse(line: &[u8], limits: Limits) -> Line {
    let kept = |why: &str| Line::Kept(why.to_string());
    let Ok(text) = std::str::from_utf8(line) else {
        return kept("not UTF-8");
    };
    if text.trim().is_empty() {
        return Line::Blank;
    }
    let object = match serde_json::from_str::<JsonValue>(text) {
        Ok(JsonValue::Object(object)) => object,
        Ok(_) => return kept("not a JSON object"),
        Err(e) => return Line::Kept(format!("not JSON: {e}")),
    };
    let Some(code) = object.get("code").and_then(JsonValue::as_str) else {
        return kept("no \"code\" string");
    };
    let stdin = match object.get("stdin") {
        None | Some(JsonValue::Null) => String::new(),
        Some(JsonValue::String(s)) => s.clone(),
        Some(_) => return kept("\"stdin\" is not a string"),
    };
    let req = TraceRequest {
        code: code.to_string(),
        stdin,
        limits,
    };
    Line::Record(object, req)
}

/// The record with its traced fields set from `result`, and whether addresses were masked.
fn fill(
    mut record: Map<String, JsonValue>,
    code: &str,
    result: Result<Trace, TracerError>,
) -> (Map<String, JsonValue>, bool) {
    let strings = |v: Vec<String>| JsonValue::Array(v.into_iter().map(JsonValue::from).collect());
    let mut error = None;
    let (trace, outcome) = match result {
        Ok(trace) => (trace_steps(&trace), trace.outcome.kind.as_str()),
        Err(e) => {
            error = Some(format!("the tracer could not run this program: {e}"));
            (Vec::new(), "crashed")
        }
    };
    let tokens = code_tokens(code).unwrap_or_else(|e| {
        error.get_or_insert(e.to_string());
        Vec::new()
    });
    let stable = StableTrace::of(trace);
    let (trace, trace_tokens, masked) = (stable.steps, stable.tokens, stable.masked);
    record.insert("code_tokens".into(), strings(tokens));
    record.insert("trace".into(), strings(trace));
    record.insert("trace_tokens".into(), strings(trace_tokens));
    record.insert("outcome".into(), outcome.into());
    match error {
        Some(e) => record.insert("error".into(), e.into()),
        None => record.remove("error"),
    };
    (record, masked)
}

/// A traced record's output line and whether addresses were masked in it.
type Rendered = io::Result<(Vec<u8>, bool)>;

/// Trace and render the records among `lines` (`None` for the other lines), on twice as many
/// threads as the pool has workers: while some threads wait for a tracer worker, the others
/// project and serialize finished traces, so the workers do not wait for that work.
/// `on_done` is called after each line.
fn render(
    lines: Vec<Line>,
    pool: &TracerPool,
    on_done: &(dyn Fn() + Sync),
) -> Vec<Option<Rendered>> {
    let next = AtomicUsize::new(0);
    let slots: Vec<Mutex<Option<Rendered>>> = lines.iter().map(|_| Mutex::new(None)).collect();
    let lines: Vec<Mutex<Option<Line>>> = lines.into_iter().map(|l| Mutex::new(Some(l))).collect();
    let take = |i: usize| {
        lines[i]
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take()
    };
    std::thread::scope(|scope| {
        for _ in 0..(2 * pool.workers()).min(lines.len()) {
            scope.spawn(|| loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                if i >= lines.len() {
                    break;
                }
                if let Some(Line::Record(record, req)) = take(i) {
                    let (filled, masked) = fill(record, &req.code, pool.trace(&req));
                    let rendered = serde_json::to_vec(&filled).map(|bytes| (bytes, masked));
                    *slots[i].lock().unwrap_or_else(PoisonError::into_inner) =
                        Some(rendered.map_err(io::Error::from));
                }
                on_done();
            });
        }
    });
    slots
        .into_iter()
        .map(|slot| slot.into_inner().unwrap_or_else(PoisonError::into_inner))
        .collect()
}

/// Trace this shard of `input`'s lines on `pool` and write one line per input line to `out`.
/// `progress` gets (lines done, lines in the shard).
pub fn trace_lines(
    input: &[u8],
    shard: Shard,
    limits: Limits,
    pool: &TracerPool,
    out: &mut impl Write,
    progress: &(dyn Fn(usize, usize) + Sync),
) -> io::Result<TracedReport> {
    let all = lines(input);
    let range = shard.range(all.len());
    let first_number = range.start + 1;
    let mine = &all[range];
    let mut report = TracedReport {
        lines: mine.len(),
        ..TracedReport::default()
    };
    let done = AtomicUsize::new(0);
    let on_done = || progress(done.fetch_add(1, Ordering::Relaxed) + 1, mine.len());
    for (c, chunk) in mine.chunks(CHUNK).enumerate() {
        let parsed: Vec<Line> = chunk.iter().map(|l| parse(l, limits)).collect();
        let mut kept = Vec::new();
        for (i, line) in parsed.iter().enumerate() {
            if let Line::Kept(why) = line {
                kept.push((first_number + c * CHUNK + i, why.clone()));
            }
        }
        report.kept.extend(kept);
        let rendered = render(parsed, pool, &on_done);
        for (bytes, rendered) in chunk.iter().zip(rendered) {
            match rendered {
                None => out.write_all(bytes)?,
                Some(result) => {
                    let (line, masked) = result?;
                    report.traced += 1;
                    report.masked += usize::from(masked);
                    out.write_all(&line)?;
                }
            }
            out.write_all(b"\n")?;
        }
    }
    out.flush()?;
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_split_like_a_text_editor_shows_them() {
        assert!(lines(b"").is_empty());
        assert_eq!(lines(b"a\n\nb"), vec![&b"a"[..], b"", b"b"]);
        assert_eq!(lines(b"a\nb\n"), vec![&b"a"[..], b"b"]);
    }

    #[test]
    fn kept_lines_say_why() {
        let limits = Limits::default();
        assert!(matches!(parse(b" \r", limits), Line::Blank));
        for (line, why) in [
            (&b"\xff{"[..], "not UTF-8"),
            (b"[1]", "not a JSON object"),
            (br#"{"id": 1}"#, "no \"code\" string"),
            (
                br#"{"id": 1, "code": "x", "stdin": 3}"#,
                "\"stdin\" is not a string",
            ),
        ] {
            match parse(line, limits) {
                Line::Kept(reason) => assert_eq!(reason, why),
                _ => panic!("{line:?} was not kept"),
            }
        }
        assert!(matches!(parse(b"{", limits), Line::Kept(why) if why.starts_with("not JSON")));
    }

    #[test]
    fn addresses_are_masked_and_nothing_else() {
        assert_eq!(mask_addresses("<line> <0> <state> x : 1 </state>"), None);
        assert_eq!(
            mask_addresses("m : < map object at 0x7f351d4103d0 > <dictsep> i : <x at 0x1> at 0xg")
                .as_deref(),
            Some("m : < map object at 0xADDR > <dictsep> i : <x at 0xADDR> at 0xg")
        );
    }

    #[test]
    fn a_filled_record_keeps_its_fields_in_place() {
        let record: Map<String, JsonValue> =
            serde_json::from_str(r#"{"id": 7, "code": "x = (", "tags": ["a"], "error": "old"}"#)
                .unwrap();
        let failed = Err(TracerError::Worker("gone".into()));
        let (filled, masked) = fill(record, "x = (", failed);
        assert!(!masked);
        let keys: Vec<&str> = filled.keys().map(String::as_str).collect();
        assert_eq!(
            keys,
            [
                "id",
                "code",
                "tags",
                "error",
                "code_tokens",
                "trace",
                "trace_tokens",
                "outcome"
            ]
        );
        assert_eq!(filled["id"], 7);
        assert_eq!(filled["outcome"], "crashed");
        assert!(filled["error"].as_str().unwrap().contains("gone"));
    }
}
