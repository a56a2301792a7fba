//! Reading one JSONL line as a record: tracelens records, CodeExecutor records
//! (`id, code, code_tokens, trace, trace_tokens`) and CRUXEval records (`id, code, input, output`).
//!
//! A CRUXEval record becomes a runnable program: its `code` followed by one call of `f` with
//! the input, stored in a variable so the result shows in the trace as its `repr`:
//!
//! ```text
//! CODE + "\nresult = f(" + INPUT + ")\n"
//! ```
//!
//! The original `input` and `output` fields are kept (in `Record::extra`), so
//! [`cruxeval_original_code`] strips exactly that suffix again and export back to CRUXEval is
//! lossless.

use serde_json::{Map, Value as JsonValue};

use super::record::Record;

/// The format a line was written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SourceFormat {
    Tracelens,
    CodeExecutor,
    CruxEval,
}

/// Why a line is not a record. The message is meant for people (it names the problem).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct LineError(pub String);

/// Parse one line (without its line terminator) into a record and the format it came in.
pub fn parse_line(bytes: &[u8]) -> Result<(Record, SourceFormat), LineError> {
    let text = std::str::from_utf8(bytes).map_err(|err| {
        LineError(format!(
            "invalid UTF-8 at byte {} of the line",
            err.valid_up_to()
        ))
    })?;
    let object: Map<String, JsonValue> =
        serde_json::from_str(text).map_err(|err| LineError(format!("not a JSON object: {err}")))?;
    let format = detect(|key| object.contains_key(key));
    let mut record: Record = serde_json::from_value(JsonValue::Object(object))
        .map_err(|err| LineError(format!("not a dataset record: {err}")))?;
    if format == SourceFormat::CruxEval {
        let input = record
            .extra
            .get("input")
            .and_then(JsonValue::as_str)
            .ok_or_else(|| LineError("CRUXEval record: `input` is not a string".into()))?;
        if !record.extra.get("output").is_some_and(JsonValue::is_string) {
            return Err(LineError(
                "CRUXEval record: `output` is not a string".into(),
            ));
        }
        record.code.push_str(&cruxeval_call(input));
    }
    Ok((record, format))
}

/// Which format an object is in: CRUXEval has `input` and `output` and no trace (and may carry
/// stored answers: `prediction`, `predictions`, `verdicts`); CodeExecutor has
/// `code_tokens`/`trace` and none of the tracelens fields; anything else is tracelens.
/// `has` tells whether the object has a key (with any value, `null` included).
pub fn detect(has: impl Fn(&str) -> bool) -> SourceFormat {
    let review = ["verdict", "tags", "note", "origin", "outcome", "stdin"];
    if review.iter().any(|key| has(key)) {
        SourceFormat::Tracelens
    } else if has("input") && has("output") && !has("trace") {
        SourceFormat::CruxEval
    } else if has("prediction") {
        SourceFormat::Tracelens
    } else if has("code_tokens") || has("trace") || has("trace_tokens") {
        SourceFormat::CodeExecutor
    } else {
        SourceFormat::Tracelens
    }
}

/// The line appended to a CRUXEval program to call `f` with the given input.
pub fn cruxeval_call(input: &str) -> String {
    format!("\nresult = f({input})\n")
}

/// The CRUXEval `code` of a record that came from CRUXEval: its program without the call that
/// [`parse_line`] appended. `None` when the record has no string `input` or its code no longer
/// ends with that call (the program was edited).
pub fn cruxeval_original_code(record: &Record) -> Option<&str> {
    let input = record.extra.get("input")?.as_str()?;
    record.code.strip_suffix(&cruxeval_call(input))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cruxeval_record_becomes_a_call_and_back() {
        let line = br#"{"code": "def f(a, b):\n    return a + b", "input": "1, 2", "output": "3", "id": "sample_9"}"#;
        let (record, format) = parse_line(line).unwrap();
        assert_eq!(format, SourceFormat::CruxEval);
        assert_eq!(
            record.code,
            "def f(a, b):\n    return a + b\nresult = f(1, 2)\n"
        );
        assert_eq!(
            cruxeval_original_code(&record),
            Some("def f(a, b):\n    return a + b")
        );
        assert_eq!(record.extra["output"], "3");
    }

    #[test]
    fn codeexecutor_and_tracelens_records_are_told_apart() {
        let ce = br#"{"id": "1", "code": "x = 1", "code_tokens": ["<0>"], "trace": ["<line> <0> <state> x : 1 </state>"], "trace_tokens": []}"#;
        assert_eq!(parse_line(ce).unwrap().1, SourceFormat::CodeExecutor);
        let tl = br#"{"id": "1", "code": "x = 1", "verdict": "accepted"}"#;
        let (record, format) = parse_line(tl).unwrap();
        assert_eq!(format, SourceFormat::Tracelens);
        assert_eq!(record.verdict, "accepted");
    }

    #[test]
    fn bad_lines_name_the_problem() {
        assert!(parse_line(b"{\"id\": ")
            .unwrap_err()
            .0
            .contains("not a JSON object"));
        let wrong_type = br#"{"id": "a", "code": "x", "tags": 5}"#;
        assert!(parse_line(wrong_type)
            .unwrap_err()
            .0
            .contains("not a dataset record"));
        assert!(parse_line(b"{\"id\": \"\xff\"}")
            .unwrap_err()
            .0
            .contains("UTF-8"));
        let crux_bad = br#"{"id": "a", "code": "x", "input": 1, "output": "2"}"#;
        assert!(parse_line(crux_bad).unwrap_err().0.contains("`input`"));
    }
}
