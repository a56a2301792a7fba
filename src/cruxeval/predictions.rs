//! Predictions made elsewhere, in the two shapes `tracelens eval --task ... --pred FILE` reads:
//!
//! - CRUXEval's `generations.json` (what its `inference/` and SemCoder's `process_cruxeval.py`
//!   write and `evaluation/evaluate_generations.py` reads): one JSON object mapping each
//!   sample id (`sample_N`) to the list of its answers;
//! - JSONL, one object per line with an `id` and either `prediction` (one answer) or
//!   `predictions` (a list); lines with the same id add up, so one answer per line works too;
//!   other fields are ignored, so the per-sample lines of `eval --out` read back.
//!
//! A malformed JSONL line is reported and skipped; a file that is neither shape is an error.

use std::collections::HashMap;
use std::path::Path;

use anyhow::{bail, Context};
use serde::Deserialize;

/// The answers per sample id, in the order read, and a warning per line left out.
#[derive(Debug, Default)]
pub struct Predictions {
    pub answers: HashMap<String, Vec<String>>,
    pub warnings: Vec<String>,
}

#[derive(Deserialize)]
struct Line {
    id: String,
    prediction: Option<String>,
    predictions: Option<Vec<String>>,
}

/// Read a predictions file in either shape.
pub fn read_predictions(path: &Path) -> anyhow::Result<Predictions> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
    parse(&text, &path.display().to_string())
}

/// Parse the text of a predictions file named `name` (for messages).
pub fn parse(text: &str, name: &str) -> anyhow::Result<Predictions> {
    if let Ok(answers) = serde_json::from_str::<HashMap<String, Vec<String>>>(text) {
        return Ok(Predictions {
            answers,
            warnings: Vec::new(),
        });
    }
    let mut read = Predictions::default();
    let mut lines = 0;
    for (index, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        lines += 1;
        let parsed = serde_json::from_str::<Line>(line)
            .map_err(|err| err.to_string())
            .and_then(|line| match (line.prediction, line.predictions) {
                (Some(one), None) => Ok((line.id, vec![one])),
                (None, Some(many)) => Ok((line.id, many)),
                (Some(_), Some(_)) => Err("has both `prediction` and `predictions`".into()),
                (None, None) => Err("has neither `prediction` nor `predictions`".into()),
            });
        match parsed {
            Ok((id, answers)) => read.answers.entry(id).or_default().extend(answers),
            Err(err) => read
                .warnings
                .push(format!("{name}:{}: skipped: {err}", index + 1)),
        }
    }
    if read.answers.is_empty() && lines > 0 {
        let whole = serde_json::from_str::<serde_json::Value>(text);
        if matches!(whole, Ok(serde_json::Value::Object(_))) && lines > 1 {
            bail!("{name}: a JSON object that is not CRUXEval's generations.json ({{\"sample_N\": [answer, ...]}}: every value a list of strings)");
        }
        bail!(
            "{name}: no predictions read: give CRUXEval's generations.json or JSONL lines \
             {{\"id\", \"prediction\" | \"predictions\"}} ({})",
            read.warnings.first().map_or("", String::as_str)
        );
    }
    Ok(read)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generations_json_is_read_whole() {
        let read = parse(r#"{"sample_0": ["1", "2"], "sample_1": []}"#, "g").unwrap();
        assert_eq!(read.answers["sample_0"], vec!["1", "2"]);
        assert!(read.answers["sample_1"].is_empty());
    }

    #[test]
    fn jsonl_lines_add_up_and_bad_lines_are_reported() {
        let text = "{\"id\": \"a\", \"prediction\": \"1\"}\n{\"id\": \"a\", \"predictions\": [\"2\"]}\nnot json\n{\"id\": \"b\"}\n";
        let read = parse(text, "p.jsonl").unwrap();
        assert_eq!(read.answers["a"], vec!["1", "2"]);
        assert_eq!(read.warnings.len(), 2);
        assert!(read.warnings[0].starts_with("p.jsonl:3:"));
    }

    #[test]
    fn an_object_of_the_wrong_shape_is_an_error() {
        let err = parse("{\"sample_0\": [1, 2]}", "g.json").unwrap_err();
        assert!(err.to_string().contains("no predictions read"), "{err}");
        let err = parse("{\n\"sample_0\": [1]\n}", "g.json").unwrap_err();
        assert!(
            err.to_string().contains("not CRUXEval's generations.json"),
            "{err}"
        );
    }
}
