//! What a CRUXEval run reports: pass@1 and pass@5 over all samples (see `passk`), the failed
//! answers counted by how they failed, and pass@1 / pass@5 by program length (non-blank code
//! lines) and by the operations the program uses (see `ops`); as a table, as one JSON summary,
//! and as one JSON line per sample. A sample's line is its CRUXEval record (`id`, `code`,
//! `input`, `output`) with the `task`, its answers (`predictions`) and their `verdicts`, so the
//! dataset browser shows it as a record with stored answers and `eval --pred` reads it back.
//! When a model generated the answers, each sample's line also holds the raw generations (the
//! text after the prompt, cut at the stop string), why each one ended and its token count, and
//! the summary counts the records the model failed on.

use std::collections::BTreeMap;

use serde_json::{json, Value};

use super::ops::{operations, GROUPS};
use super::passk::{mean_pass_at_k, pass_at_k};
use super::pystr::is_blank;
use super::score::Verdict;
use super::{PromptKind, Sample, Task};

/// What a model generated for one answer.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Generated {
    /// The text after the prompt, up to the stop string.
    pub text: String,
    /// Why generation ended (`stop_string`, `eos`, `max_tokens`, `context_full`, ...).
    pub finish: String,
    /// Generated tokens.
    pub tokens: usize,
}

/// One sample's answers and verdicts.
#[derive(Debug, Clone)]
pub struct SampleResult {
    /// The sample itself, so each per-sample line is a CRUXEval record with its stored
    /// answers (the dataset browser opens it).
    pub sample: Sample,
    pub answers: Vec<String>,
    pub verdicts: Vec<Verdict>,
    /// The model's generations, one per answer (empty when the answers were given).
    pub generated: Vec<Generated>,
    /// Non-blank lines of the program.
    pub lines: usize,
    pub operations: Vec<&'static str>,
}

impl SampleResult {
    /// (answers, answers passed): the harness's n and c.
    fn counts(&self) -> (usize, usize) {
        let passed = self.verdicts.iter().filter(|v| v.passed()).count();
        (self.verdicts.len(), passed)
    }

    /// The model failed on this sample (no answer was generated).
    fn model_failed(&self) -> bool {
        self.verdicts
            .iter()
            .any(|v| v.reason == super::score::Reason::ModelError)
    }

    fn to_json(&self, task: Task) -> Value {
        let (n, c) = self.counts();
        let mut line = json!({
            "id": self.sample.id,
            "code": self.sample.code,
            "input": self.sample.input,
            "output": self.sample.output,
            "task": task.as_str(),
            "predictions": self.answers,
            "verdicts": self.verdicts.iter().map(|v| json!({
                "passed": v.passed(),
                "reason": v.reason.as_str(),
                "detail": v.detail,
            })).collect::<Vec<_>>(),
            "n": n,
            "c": c,
            "pass@1": pass_at_k(n, c, 1),
            "pass@5": pass_at_k(n, c, 5),
            "lines": self.lines,
            "operations": self.operations,
        });
        if !self.generated.is_empty() {
            line["generations"] = json!(self.generated);
        }
        line
    }
}

/// A scored run.
#[derive(Debug, Clone)]
pub struct Report {
    pub task: Task,
    /// How the answers were asked for, when this run generated or extracted them.
    pub prompt: Option<PromptKind>,
    pub samples: Vec<SampleResult>,
}

/// Program-length buckets (non-blank lines), keyed to sort in order.
fn length_bucket(lines: usize) -> (usize, &'static str) {
    const BUCKETS: [(usize, &str); 4] = [(3, "1-3"), (5, "4-5"), (7, "6-7"), (9, "8-9")];
    BUCKETS
        .into_iter()
        .find(|(max, _)| lines <= *max)
        .unwrap_or((usize::MAX, "10+"))
}

impl SampleResult {
    /// The result for `sample` with its answers and their verdicts.
    pub fn new(sample: &Sample, answers: Vec<String>, verdicts: Vec<Verdict>) -> SampleResult {
        SampleResult {
            sample: sample.clone(),
            answers,
            verdicts,
            generated: Vec::new(),
            lines: sample.code.split('\n').filter(|l| !is_blank(l)).count(),
            operations: operations(&sample.code),
        }
    }
}

impl Report {
    /// Samples the model failed on.
    pub fn model_failures(&self) -> usize {
        self.samples.iter().filter(|s| s.model_failed()).count()
    }

    /// pass@k over `samples`, in percent.
    fn pass_at<'a>(samples: impl Iterator<Item = &'a SampleResult>, k: usize) -> f64 {
        let counts: Vec<(usize, usize)> = samples.map(SampleResult::counts).collect();
        mean_pass_at_k(&counts, k)
    }

    /// pass@1 over every sample, in percent.
    pub fn pass_at_1(&self) -> f64 {
        Self::pass_at(self.samples.iter(), 1)
    }

    /// pass@5 over every sample, in percent.
    pub fn pass_at_5(&self) -> f64 {
        Self::pass_at(self.samples.iter(), 5)
    }

    fn answers(&self) -> usize {
        self.samples.iter().map(|s| s.verdicts.len()).sum()
    }

    /// Failed answers counted by label (`wrong_value`, `exception:TypeError`, ...).
    fn failures(&self) -> BTreeMap<String, usize> {
        let mut counts = BTreeMap::new();
        for verdict in self.samples.iter().flat_map(|s| &s.verdicts) {
            if !verdict.passed() {
                *counts.entry(verdict.label()).or_insert(0) += 1;
            }
        }
        counts
    }

    /// (group, samples, pass@1, pass@5) by program length.
    fn by_length(&self) -> Vec<(&'static str, usize, f64, f64)> {
        let mut groups: BTreeMap<(usize, &'static str), Vec<&SampleResult>> = BTreeMap::new();
        for sample in &self.samples {
            groups
                .entry(length_bucket(sample.lines))
                .or_default()
                .push(sample);
        }
        groups
            .into_iter()
            .map(|((_, name), group)| Self::row(name, &group))
            .collect()
    }

    /// (group, samples, pass@1, pass@5) by operation group (a sample may be in several).
    fn by_operation(&self) -> Vec<(&'static str, usize, f64, f64)> {
        GROUPS
            .iter()
            .filter_map(|group| {
                let members: Vec<&SampleResult> = self
                    .samples
                    .iter()
                    .filter(|s| s.operations.contains(group))
                    .collect();
                (!members.is_empty()).then(|| Self::row(group, &members))
            })
            .collect()
    }

    fn row(name: &'static str, group: &[&SampleResult]) -> (&'static str, usize, f64, f64) {
        (
            name,
            group.len(),
            Self::pass_at(group.iter().copied(), 1),
            Self::pass_at(group.iter().copied(), 5),
        )
    }

    /// The summary as one JSON object.
    pub fn summary_json(&self) -> Value {
        let groups = |rows: Vec<(&str, usize, f64, f64)>| -> Value {
            rows.into_iter()
                .map(|(name, n, p1, p5)| {
                    (
                        name.to_string(),
                        json!({"samples": n, "pass@1": p1, "pass@5": p5}),
                    )
                })
                .collect::<serde_json::Map<_, _>>()
                .into()
        };
        json!({
            "task": self.task.as_str(),
            "prompt": self.prompt.map(PromptKind::as_str),
            "samples": self.samples.len(),
            "answers": self.answers(),
            "model_failures": self.model_failures(),
            "pass@1": self.pass_at_1(),
            "pass@5": self.pass_at_5(),
            "failed_answers": self.failures(),
            "by_length": groups(self.by_length()),
            "by_operation": groups(self.by_operation()),
        })
    }

    /// One JSON line per sample.
    pub fn sample_lines(&self) -> Vec<String> {
        self.samples
            .iter()
            .map(|s| s.to_json(self.task).to_string())
            .collect()
    }

    /// The summary table and the three breakdowns, as text.
    pub fn table(&self) -> String {
        let name = match self.task {
            Task::Output => "CRUXEval-O",
            Task::Input => "CRUXEval-I",
        };
        let prompt = self
            .prompt
            .map_or(String::new(), |p| format!(", {} prompt", p.as_str()));
        let mut out = format!(
            "{name}{prompt}: {} samples, {} answers\n\n{:<22}{:>8.2}\n{:<22}{:>8.2}\n",
            self.samples.len(),
            self.answers(),
            "pass@1",
            self.pass_at_1(),
            "pass@5",
            self.pass_at_5(),
        );
        let model_failures = self.model_failures();
        if model_failures > 0 {
            out.push_str(&format!(
                "\nthe model failed on {} (model_error; see the warnings)\n",
                crate::plural::count(model_failures, "sample")
            ));
        }
        let failures = self.failures();
        let failed: usize = failures.values().sum();
        out.push_str(&format!(
            "\nfailed answers by outcome\n{:<28}{:>7}{:>8}\n",
            "outcome", "n", "%"
        ));
        let mut ordered: Vec<(&String, &usize)> = failures.iter().collect();
        ordered.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
        for (label, count) in ordered {
            let share = 100.0 * *count as f64 / failed.max(1) as f64;
            out.push_str(&format!("{label:<28}{count:>7}{share:>8.1}\n"));
        }
        for (title, rows) in [
            ("program length (lines)", self.by_length()),
            ("operations used", self.by_operation()),
        ] {
            out.push_str(&format!(
                "\nby {title}\n{:<18}{:>7}{:>9}{:>9}\n",
                "group", "samples", "pass@1", "pass@5"
            ));
            for (group, n, p1, p5) in rows {
                out.push_str(&format!("{group:<18}{n:>7}{p1:>9.2}{p5:>9.2}\n"));
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::super::score::Reason;
    use super::*;

    fn verdict(reason: Reason) -> Verdict {
        Verdict {
            reason,
            detail: None,
        }
    }

    #[test]
    fn buckets_and_pass_rates() {
        let sample = Sample {
            id: "a".into(),
            code: "def f(s):\n\n    return s.upper()".into(),
            input: "'a'".into(),
            output: "'A'".into(),
        };
        let result = SampleResult::new(
            &sample,
            vec!["'A'".into(), "'a'".into()],
            vec![verdict(Reason::Passed), verdict(Reason::WrongValue)],
        );
        assert_eq!(result.lines, 2);
        let report = Report {
            task: Task::Output,
            prompt: None,
            samples: vec![result],
        };
        assert!((report.pass_at_1() - 50.0).abs() < 1e-9);
        assert_eq!(report.pass_at_5(), 100.0);
        let summary = report.summary_json();
        assert_eq!(summary["failed_answers"]["wrong_value"], 1);
        assert_eq!(summary["by_length"]["1-3"]["samples"], 1);
        assert_eq!(summary["by_operation"]["str methods"]["samples"], 1);
        assert!(report.table().contains("wrong_value"));
    }
}
