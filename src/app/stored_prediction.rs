//! A record's stored prediction, of either kind, read from the record and scored:
//!
//! - a trace record's `prediction` (raw text, or an object with a `trace` list) is scored
//!   against the record's own `trace` exactly as `tracelens eval --gold --pred` scores it
//!   (`crate::analysis::metrics::score` with the standard metric, `align_text` for the first
//!   divergence);
//! - a CRUXEval record (string `input` and `output`) holds answers: `prediction` (one string)
//!   or `predictions` (a list), with their `verdicts` when `tracelens eval --task ... --out`
//!   wrote them (`{reason, detail}` each), and `task` (`output`, the default, or `input`).
//!   Answers without verdicts are scored by running the harness's checks
//!   (`crate::cruxeval::score::score_answers`), which the explorer does in the background.
//!
//! Anything malformed is a per-record error message, never a panic.

use serde_json::Value as JsonValue;

use crate::analysis::align::{align_text, Alignment};
use crate::analysis::metrics::{score, Metrics, Tally, Variant};
use crate::cruxeval::score::Verdict;
use crate::cruxeval::{Sample, Task};
use crate::dataset::source::cruxeval_original_code;
use crate::dataset::{
    divergence_of, is_cruxeval, DatasetFile, Divergence, Prediction, Record, StoredScore,
};
use crate::trace::codeexecutor::{parse_trace, CeStep};

/// A stored prediction.
#[derive(Debug, Clone, PartialEq)]
pub enum Stored {
    Trace(StoredTrace),
    Answers(StoredAnswers),
}

/// A predicted trace scored against the record's trace.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredTrace {
    /// The predicted text.
    pub text: String,
    /// The record's trace, joined with single spaces (what `eval` scores against).
    pub gold: String,
    pub predicted: Vec<CeStep>,
    pub alignment: Alignment,
    pub metrics: Metrics,
}

/// CRUXEval answers and, when known, their verdicts.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredAnswers {
    pub task: Task,
    /// The record as a CRUXEval sample (its original code, without the call the browser adds).
    pub sample: Sample,
    pub answers: Vec<String>,
    /// The verdicts stored in the record, one per answer.
    pub verdicts: Option<Vec<Verdict>>,
    /// The program was edited since the answers were made: they are not scored again.
    pub edited: bool,
}

/// Read the stored prediction of `record` (`None`: it has none).
pub fn read(record: &Record) -> Result<Option<Stored>, String> {
    if is_cruxeval(record) {
        return read_answers(record).map(|a| a.map(Stored::Answers));
    }
    Ok(record
        .prediction
        .as_ref()
        .map(|p| Stored::Trace(score_trace(&record.trace.join(" "), &p.text()))))
}

/// Score a predicted trace against a gold trace as `tracelens eval` does.
fn score_trace(gold: &str, text: &str) -> StoredTrace {
    let mut tally = Tally::default();
    tally.add(&score(text, gold, Variant::Standard));
    StoredTrace {
        text: text.to_string(),
        gold: gold.to_string(),
        predicted: parse_trace(text).steps,
        alignment: align_text(gold, text),
        metrics: tally.metrics(),
    }
}

fn read_answers(record: &Record) -> Result<Option<StoredAnswers>, String> {
    let extra = &record.extra;
    let many = match extra.get("predictions") {
        None | Some(JsonValue::Null) => None,
        Some(value) => Some(
            serde_json::from_value::<Vec<String>>(value.clone())
                .map_err(|_| "`predictions` is not a list of strings".to_string())?,
        ),
    };
    let one = match &record.prediction {
        None => None,
        Some(Prediction::Text(answer)) => Some(answer.clone()),
        Some(Prediction::Structured(_)) => {
            return Err("a CRUXEval record's `prediction` must be one answer (a string)".into())
        }
    };
    let answers = match (one, many) {
        (None, None) => return Ok(None),
        (Some(_), Some(_)) => return Err("has both `prediction` and `predictions`".into()),
        (Some(one), None) => vec![one],
        (None, Some(many)) => many,
    };
    let verdicts = match extra.get("verdicts") {
        None | Some(JsonValue::Null) => None,
        Some(value) => {
            let verdicts = serde_json::from_value::<Vec<Verdict>>(value.clone())
                .map_err(|e| format!("`verdicts` cannot be read: {e}"))?;
            if verdicts.len() != answers.len() {
                return Err(format!(
                    "{} verdicts for {} answers",
                    verdicts.len(),
                    answers.len()
                ));
            }
            Some(verdicts)
        }
    };
    let task = match extra.get("task").and_then(JsonValue::as_str) {
        None => Task::Output,
        Some("output") => Task::Output,
        Some("input") => Task::Input,
        Some(other) => return Err(format!("unknown task `{other}` (output or input)")),
    };
    let text = |key: &str| extra.get(key).and_then(JsonValue::as_str).unwrap_or("");
    let original = cruxeval_original_code(record);
    Ok(Some(StoredAnswers {
        task,
        sample: Sample {
            id: record.id.to_string(),
            code: original.unwrap_or(&record.code).to_string(),
            input: text("input").to_string(),
            output: text("output").to_string(),
        },
        answers,
        verdicts,
        edited: original.is_none(),
    }))
}

/// Compute the browser's divergence and score of record `index` when they are not yet known
/// (reading the record; an unreadable record keeps them unknown).
pub fn score_record(file: &mut DatasetFile, index: usize) {
    let Some(summary) = file.summary(index) else {
        return;
    };
    if summary.divergence != Divergence::NotComputed && summary.score != StoredScore::NotComputed {
        return;
    }
    let Ok(record) = file.record(index) else {
        return;
    };
    let _ = file.set_divergence(index, divergence_of(&record));
    let _ = file.set_score(index, score_of(&read(&record), None));
}

/// The browser column's score of what [`read`] found; `verdicts` are the answers' verdicts
/// when they were scored here (the record's own otherwise).
pub fn score_of(
    read: &Result<Option<Stored>, String>,
    verdicts: Option<&[Verdict]>,
) -> StoredScore {
    match read {
        Err(_) => StoredScore::Malformed,
        Ok(None) => StoredScore::None,
        Ok(Some(Stored::Trace(t))) => StoredScore::Trace {
            accuracy: t.metrics.trace_accuracy,
            line_f1: t.metrics.line_f1,
            exact: t.alignment.first_divergence().is_none(),
        },
        Ok(Some(Stored::Answers(a))) => match verdicts.or(a.verdicts.as_deref()) {
            None => StoredScore::Unscored {
                answers: a.answers.len(),
            },
            Some(verdicts) => StoredScore::Answers {
                passed: verdicts.iter().filter(|v| v.passed()).count(),
                total: verdicts.len(),
                failure: verdicts.iter().find(|v| !v.passed()).map(Verdict::label),
            },
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dataset::source::parse_line;

    fn stored(line: &str) -> Result<Option<Stored>, String> {
        read(&parse_line(line.as_bytes()).unwrap().0)
    }

    #[test]
    fn a_trace_prediction_is_scored_as_eval_scores_it() {
        let line = r#"{"id": "t", "code": "x = 1\nx = 2\n", "trace": ["<line> <0> <state> x : 1 </state>", "<line> <1> <state> x : 2 </state>"], "prediction": "<line> <0> <state> x : 1 </state> <line> <1> <state> x : 3 </state>"}"#;
        let read = stored(line);
        let Ok(Some(Stored::Trace(t))) = &read else {
            panic!("{read:?}")
        };
        assert_eq!(t.alignment.first_divergence(), Some(1));
        assert_eq!(t.metrics.trace_accuracy, Some(0.0));
        assert_eq!(
            score_of(&read, None),
            StoredScore::Trace {
                accuracy: Some(0.0),
                line_f1: t.metrics.line_f1,
                exact: false
            }
        );
    }

    #[test]
    fn cruxeval_answers_come_with_their_verdicts_or_without() {
        let base = r#""id": "sample_1", "code": "def f(x):\n    return x + 1", "input": "1", "output": "2""#;
        let read = stored(&format!(
            r#"{{{base}, "task": "output", "predictions": ["2", "3"], "verdicts": [{{"passed": true, "reason": "passed"}}, {{"passed": false, "reason": "wrong_value", "detail": null}}]}}"#
        ));
        let Ok(Some(Stored::Answers(a))) = &read else {
            panic!("{read:?}")
        };
        assert_eq!(a.sample.code, "def f(x):\n    return x + 1");
        assert!(!a.edited);
        assert_eq!(
            score_of(&read, None),
            StoredScore::Answers {
                passed: 1,
                total: 2,
                failure: Some("wrong_value".into())
            }
        );
        let one = stored(&format!(r#"{{{base}, "prediction": "2"}}"#));
        assert_eq!(score_of(&one, None), StoredScore::Unscored { answers: 1 });
        assert_eq!(
            score_of(&stored(&format!("{{{base}}}")), None),
            StoredScore::None
        );
    }

    #[test]
    fn malformed_predictions_are_errors_naming_the_problem() {
        let base = r#""id": "s", "code": "def f(x):\n    return x", "input": "1", "output": "1""#;
        for (extra, message) in [
            (r#""predictions": "1""#, "not a list of strings"),
            (r#""prediction": "1", "predictions": ["1"]"#, "both"),
            (
                r#""predictions": ["1"], "verdicts": []"#,
                "0 verdicts for 1 answers",
            ),
            (
                r#""predictions": ["1"], "verdicts": [{"reason": "great"}]"#,
                "cannot be read",
            ),
            (r#""predictions": ["1"], "task": "both""#, "unknown task"),
            (r#""prediction": {"trace": []}"#, "must be one answer"),
        ] {
            let read = stored(&format!("{{{base}, {extra}}}"));
            let err = read.clone().unwrap_err();
            assert!(err.contains(message), "{extra}: {err}");
            assert_eq!(score_of(&read, None), StoredScore::Malformed);
        }
    }
}
