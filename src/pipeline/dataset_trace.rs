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

use std::borrow::Cow;
use std::io::{self, Write};

use serde::ser::{Serialize, SerializeMap, Serializer};
use serde_json::{Map, Value as JsonValue};

use super::in_order::InOrder;
use super::shard::Shard;
use crate::trace::codeexecutor::{code_token_texts, trace_steps};
use crate::trace::{Limits, Trace, TraceRequest, TracerError, TracerPool};

/// The most lines traced ahead of the last one written.
const WINDOW: usize = 1024;

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

/// CodeExecutor trace steps with object addresses masked.
pub struct StableTrace {
    pub steps: Vec<String>,
    /// Whether any address was masked.
    pub masked: bool,
}

impl StableTrace {
    /// Mask the addresses of `steps`.
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
        StableTrace { steps, masked }
    }

    /// The trace tokens: the steps split on whitespace, concatenated.
    pub fn tokens(&self) -> impl Iterator<Item = &str> {
        self.steps.iter().flat_map(|step| words(step))
    }
}

/// `text.split_whitespace()`, split byte by byte where that gives the same words: in ASCII
/// text without a vertical tab (the one ASCII character that is Unicode whitespace and not
/// ASCII whitespace), which is nearly every step.
fn words(text: &str) -> impl Iterator<Item = &str> {
    let ascii = text.is_ascii() && !text.contains('\x0b');
    let (bytewise, general) = if ascii {
        (Some(text.split_ascii_whitespace()), None)
    } else {
        (None, Some(text.split_whitespace()))
    };
    bytewise
        .into_iter()
        .flatten()
        .chain(general.into_iter().flatten())
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

/// A traced record: the input object with its traced fields in place, the arrays kept as
/// they are and written straight into the output line (no JSON value per token).
struct Filled<'a> {
    /// The input's fields, with `code_tokens`, `trace` and `trace_tokens` holding `null`
    /// where their arrays go (so every field keeps its place), and `outcome` and `error` set.
    record: Map<String, JsonValue>,
    code_tokens: Vec<Cow<'a, str>>,
    trace: StableTrace,
}

const CODE_TOKENS: &str = "code_tokens";
const TRACE: &str = "trace";
const TRACE_TOKENS: &str = "trace_tokens";

impl Serialize for Filled<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(self.record.len()))?;
        for (key, value) in &self.record {
            match key.as_str() {
                CODE_TOKENS => map.serialize_entry(key, &self.code_tokens)?,
                TRACE => map.serialize_entry(key, &self.trace.steps)?,
                TRACE_TOKENS => map.serialize_entry(key, &Tokens(&self.trace))?,
                _ => map.serialize_entry(key, value)?,
            }
        }
        map.end()
    }
}

/// The trace tokens of a trace, serialized as a JSON array of strings.
struct Tokens<'a>(&'a StableTrace);

impl Serialize for Tokens<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(self.0.tokens())
    }
}

/// The record with its traced fields set from `result`.
fn fill(
    mut record: Map<String, JsonValue>,
    code: &str,
    result: Result<Trace, TracerError>,
) -> Filled<'_> {
    let mut error = None;
    let (trace, outcome) = match result {
        Ok(trace) => (trace_steps(&trace), trace.outcome.kind.as_str()),
        Err(e) => {
            error = Some(format!("the tracer could not run this program: {e}"));
            (Vec::new(), "crashed")
        }
    };
    let code_tokens = code_token_texts(code).unwrap_or_else(|e| {
        error.get_or_insert(e.to_string());
        Vec::new()
    });
    for key in [CODE_TOKENS, TRACE, TRACE_TOKENS] {
        record.insert(key.into(), JsonValue::Null);
    }
    record.insert("outcome".into(), outcome.into());
    match error {
        Some(e) => record.insert("error".into(), e.into()),
        None => record.remove("error"),
    };
    Filled {
        record,
        code_tokens,
        trace: StableTrace::of(trace),
    }
}

/// What one input line becomes.
enum Output {
    /// Written back as it is; why, unless it is blank.
    Kept(Option<String>),
    /// A traced record's line and whether addresses were masked in it.
    Traced(serde_json::Result<Vec<u8>>, bool),
}

/// Trace this shard of `input`'s lines on `pool` and write one line per input line to `out`,
/// in order, each within a few milliseconds of the lines before it being written (`out` is
/// flushed after every run of lines, so a reader of `out` gets the lines as they come).
/// Each worker is driven by a thread of its own that sends it the next program before
/// projecting and serializing the last one's trace, so the workers do not wait for that
/// work. `progress` gets (lines done, lines in the shard).
pub fn trace_lines(
    input: &[u8],
    shard: Shard,
    limits: Limits,
    pool: &TracerPool,
    out: &mut dyn Write,
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
    let in_order = InOrder::new(mine.len(), WINDOW);
    let next = || loop {
        let i = in_order.claim()?;
        match parse(mine[i], limits) {
            Line::Blank => in_order.put(i, Output::Kept(None)),
            Line::Kept(why) => in_order.put(i, Output::Kept(Some(why))),
            Line::Record(record, req) => return Some(((i, record, req.code.clone()), req)),
        }
    };
    let done = |(i, record, code): (usize, Map<String, JsonValue>, String), result| {
        let filled = fill(record, &code, result);
        in_order.put(
            i,
            Output::Traced(serde_json::to_vec(&filled), filled.trace.masked),
        );
    };
    let mut written = 0;
    std::thread::scope(|scope| {
        scope.spawn(|| pool.trace_stream(&next, &done));
        in_order.hand_on(&mut |next| {
            let Some(next) = next else {
                return out.flush();
            };
            match next {
                Output::Kept(why) => {
                    if let Some(why) = why {
                        report.kept.push((first_number + written, why));
                    }
                    out.write_all(mine[written])?;
                }
                Output::Traced(line, masked) => {
                    report.traced += 1;
                    report.masked += usize::from(masked);
                    out.write_all(&line?)?;
                }
            }
            out.write_all(b"\n")?;
            written += 1;
            progress(written, mine.len());
            Ok(())
        })
    })?;
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
    fn words_are_split_as_split_whitespace_splits_them() {
        for text in [
            "",
            "  ",
            "<line> <0> <state> s : a b\tc\nd </state>",
            "x\u{b}y\u{c}z\rw",
            "é\u{a0}ü\u{2028}v  w",
            " lead and trail ",
        ] {
            let expected: Vec<&str> = text.split_whitespace().collect();
            assert_eq!(words(text).collect::<Vec<_>>(), expected, "{text:?}");
        }
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
        let filled = fill(record, "x = (", failed);
        assert!(!filled.trace.masked);
        let filled = serde_json::to_value(&filled).unwrap();
        let filled = filled.as_object().unwrap();
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
