//! `tracelens dataset trace`: fill the ground-truth fields of `{id, code[, stdin]}` records.
//!
//! Every input line gives exactly one output line, in order. A line holding a JSON object
//! with a `code` string (and a string `stdin`, when present) is traced and written back with
//! `code_tokens`, `trace`, `trace_tokens` and `outcome` set, every other field kept as it was
//! (the id keeps its JSON type, string or integer). A program the CodeExecutor lexer rejects
//! gets empty `code_tokens` and an `error`; a program the tracer could not run at all gets the
//! outcome `crashed` and an `error`. Any other line (blank, not JSON, not UTF-8, no `code`) is
//! written back byte for byte, and reported unless blank. `--shard I/N` handles the `I`-th contiguous range
//! of lines ([`Shard`]), so the shards' outputs concatenated are the unsharded output.

use std::io::{self, Write};

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
}

/// One line of the input: a record to trace, or a line kept as it is.
enum Line<'a> {
    Record(Map<String, JsonValue>, TraceRequest),
    Kept(&'a [u8], String),
    Blank(&'a [u8]),
}

/// The input's lines: split on `\n`, without a last empty piece after a final newline.
pub fn lines(input: &[u8]) -> Vec<&[u8]> {
    let mut lines: Vec<&[u8]> = input.split(|b| *b == b'\n').collect();
    if input.is_empty() || input.ends_with(b"\n") {
        lines.pop();
    }
    lines
}

fn parse(line: &[u8], limits: Limits) -> Line<'_> {
    let kept = |why: &str| Line::Kept(line, why.to_string());
    let Ok(text) = std::str::from_utf8(line) else {
        return kept("not UTF-8");
    };
    if text.trim().is_empty() {
        return Line::Blank(line);
    }
    let object = match serde_json::from_str::<JsonValue>(text) {
        Ok(JsonValue::Object(object)) => object,
        Ok(_) => return kept("not a JSON object"),
        Err(e) => return Line::Kept(line, format!("not JSON: {e}")),
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

/// The record with its traced fields set from `result`.
fn fill(
    mut record: Map<String, JsonValue>,
    code: &str,
    result: Result<Trace, TracerError>,
) -> Map<String, JsonValue> {
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
    let trace_tokens: Vec<String> = trace
        .iter()
        .flat_map(|step| step.split_whitespace().map(str::to_string))
        .collect();
    record.insert("code_tokens".into(), strings(tokens));
    record.insert("trace".into(), strings(trace));
    record.insert("trace_tokens".into(), strings(trace_tokens));
    record.insert("outcome".into(), outcome.into());
    match error {
        Some(e) => record.insert("error".into(), e.into()),
        None => record.remove("error"),
    };
    record
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
    for (c, chunk) in mine.chunks(CHUNK).enumerate() {
        let parsed: Vec<Line> = chunk.iter().map(|l| parse(l, limits)).collect();
        let reqs: Vec<TraceRequest> = parsed
            .iter()
            .filter_map(|l| match l {
                Line::Record(_, req) => Some(req.clone()),
                Line::Kept(..) | Line::Blank(_) => None,
            })
            .collect();
        let base = c * CHUNK;
        let mut traced = pool
            .trace_many(&reqs, &|done| progress(base + done, mine.len()))
            .into_iter();
        for (i, line) in parsed.into_iter().enumerate() {
            match line {
                Line::Blank(bytes) => out.write_all(bytes)?,
                Line::Kept(bytes, why) => {
                    report.kept.push((first_number + base + i, why));
                    out.write_all(bytes)?;
                }
                Line::Record(record, req) => {
                    let result = traced
                        .next()
                        .ok_or_else(|| io::Error::other("a batch result is missing"))?;
                    report.traced += 1;
                    serde_json::to_writer(&mut *out, &fill(record, &req.code, result))?;
                }
            }
            out.write_all(b"\n")?;
        }
        progress(base + chunk.len(), mine.len());
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
        assert!(matches!(parse(b" \r", limits), Line::Blank(b" \r")));
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
                Line::Kept(bytes, reason) => assert_eq!((bytes, reason.as_str()), (line, why)),
                _ => panic!("{line:?} was not kept"),
            }
        }
        assert!(matches!(parse(b"{", limits), Line::Kept(_, why) if why.starts_with("not JSON")));
    }

    #[test]
    fn a_filled_record_keeps_its_fields_in_place() {
        let record: Map<String, JsonValue> =
            serde_json::from_str(r#"{"id": 7, "code": "x = (", "tags": ["a"], "error": "old"}"#)
                .unwrap();
        let failed = Err(TracerError::Worker("gone".into()));
        let filled = fill(record, "x = (", failed);
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
