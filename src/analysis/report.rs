//! The evaluation report: every (gold trace, predicted text) case scored with CodeExecutor's
//! metrics, the overall tally, and breakdowns by mutation operator, by outcome and by trace
//! length. `tracelens eval` builds the cases from its input files and only formats the result.
//!
//! A per-sample line carries the sample's raw `counts` (its [`Tally`]), so the report of many
//! samples can be rebuilt from their lines alone ([`Report::from_samples`]): the report of a
//! sharded evaluation is the report of its shards' lines, in order.

use std::collections::BTreeMap;

use serde::Deserialize;
use serde_json::{json, Value as JsonValue};

use super::align::align_text;
use super::metrics::{score, Tally, Variant};

/// One case to score: a gold sample and the text predicted for it.
#[derive(Debug, Clone, Copy)]
pub struct Case<'a> {
    pub id: &'a str,
    /// The gold trace, one step per entry.
    pub gold: &'a [String],
    pub predicted: &'a str,
    /// The operator of the mutation that made the gold program, if any.
    pub mutation_op: Option<&'a str>,
    /// The gold run's outcome (`completed`, `exception`, ...), if recorded.
    pub outcome: Option<&'a str>,
}

/// One scored sample; it reads back from its own per-sample line.
#[derive(Debug, Clone, Deserialize)]
pub struct SampleResult {
    pub id: String,
    #[serde(rename = "counts")]
    pub tally: Tally,
    pub prediction: String,
    pub first_divergence: Option<JsonValue>,
    /// The mutation operator, `none` for an unmutated program.
    pub op: String,
    /// The gold outcome, `unknown` when not recorded.
    pub outcome: String,
    /// Gold steps.
    pub length: usize,
}

impl SampleResult {
    /// The per-sample line of `eval --out`.
    pub fn to_json(&self, variant: Variant) -> JsonValue {
        json!({
            "id": self.id,
            "metrics": self.tally.metrics().to_json(variant),
            "counts": self.tally,
            "prediction": self.prediction,
            "first_divergence": self.first_divergence,
            "op": self.op,
            "outcome": self.outcome,
            "length": self.length,
        })
    }
}

/// Every sample's result, the overall tally and the three breakdowns.
#[derive(Debug, Clone, Default)]
pub struct Report {
    pub samples: Vec<SampleResult>,
    pub overall: Tally,
    pub by_op: BTreeMap<String, Tally>,
    pub by_outcome: BTreeMap<String, Tally>,
    /// Keyed by (largest length in the bucket, its label), so buckets sort in order.
    pub by_length: BTreeMap<(usize, &'static str), Tally>,
}

/// A breakdown: its title and each group's label and tally, in order.
pub type Breakdown<'a> = (&'static str, Vec<(&'a str, &'a Tally)>);

/// Score every case.
pub fn evaluate<'a>(cases: impl IntoIterator<Item = Case<'a>>, variant: Variant) -> Report {
    let mut report = Report::default();
    for case in cases {
        let gold_text = case.gold.join(" ");
        let mut tally = Tally::default();
        tally.add(&score(case.predicted, &gold_text, variant));
        let first_divergence = match variant {
            Variant::Standard => first_divergence(&gold_text, case.predicted),
            Variant::Singleline => None,
        };
        report.add(SampleResult {
            id: case.id.to_string(),
            tally,
            prediction: case.predicted.to_string(),
            first_divergence,
            op: case.mutation_op.unwrap_or("none").to_string(),
            outcome: case.outcome.unwrap_or("unknown").to_string(),
            length: case.gold.len(),
        });
    }
    report
}

/// The first divergence of a sample as JSON: aligned index, step indices, differences.
fn first_divergence(gold: &str, predicted: &str) -> Option<JsonValue> {
    let alignment = align_text(gold, predicted);
    let at = alignment.first_divergence()?;
    let step = &alignment.steps[at];
    Some(json!({
        "index": at,
        "truth_step": step.truth,
        "predicted_step": step.predicted,
        "differences": step.differences,
    }))
}

/// Trace-length buckets (number of gold steps), keyed so they sort in order.
fn length_bucket(length: usize) -> (usize, &'static str) {
    const BUCKETS: [(usize, &str); 6] = [
        (0, "0"),
        (5, "1-5"),
        (10, "6-10"),
        (20, "11-20"),
        (50, "21-50"),
        (100, "51-100"),
    ];
    BUCKETS
        .into_iter()
        .find(|(max, _)| length <= *max)
        .unwrap_or((usize::MAX, "101+"))
}

impl Report {
    /// The report of these samples, in this order.
    pub fn from_samples(samples: impl IntoIterator<Item = SampleResult>) -> Report {
        let mut report = Report::default();
        samples.into_iter().for_each(|s| report.add(s));
        report
    }

    fn add(&mut self, sample: SampleResult) {
        self.overall.add_tally(&sample.tally);
        self.by_op
            .entry(sample.op.clone())
            .or_default()
            .add_tally(&sample.tally);
        self.by_outcome
            .entry(sample.outcome.clone())
            .or_default()
            .add_tally(&sample.tally);
        self.by_length
            .entry(length_bucket(sample.length))
            .or_default()
            .add_tally(&sample.tally);
        self.samples.push(sample);
    }

    /// The three breakdowns, by mutation operator, outcome and trace length.
    pub fn breakdowns(&self) -> [Breakdown<'_>; 3] {
        [
            (
                "mutation operator",
                self.by_op.iter().map(|(k, t)| (k.as_str(), t)).collect(),
            ),
            (
                "outcome",
                self.by_outcome
                    .iter()
                    .map(|(k, t)| (k.as_str(), t))
                    .collect(),
            ),
            (
                "trace length (steps)",
                self.by_length.iter().map(|((_, k), t)| (*k, t)).collect(),
            ),
        ]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cases_land_in_their_groups_and_buckets() {
        let short = vec!["<line> <0> <state> x : 1 </state>".to_string()];
        let long: Vec<String> = (0..12)
            .map(|i| format!("<line> <0> <state> x : {i} </state>"))
            .collect();
        let cases = [
            Case {
                id: "a",
                gold: &short,
                predicted: &short[0],
                mutation_op: None,
                outcome: Some("completed"),
            },
            Case {
                id: "b",
                gold: &long,
                predicted: "",
                mutation_op: Some("ROR"),
                outcome: None,
            },
        ];
        let report = evaluate(cases, Variant::Standard);
        assert_eq!(report.overall.samples, 2);
        assert_eq!(report.samples[0].first_divergence, None);
        assert!(report.samples[1].first_divergence.is_some());
        let [by_op, by_outcome, by_length] = report.breakdowns();
        let labels = |b: &Breakdown| b.1.iter().map(|(k, _)| k.to_string()).collect::<Vec<_>>();
        assert_eq!(labels(&by_op), ["ROR", "none"]);
        assert_eq!(labels(&by_outcome), ["completed", "unknown"]);
        assert_eq!(labels(&by_length), ["1-5", "11-20"]);
        assert_eq!(length_bucket(101), (usize::MAX, "101+"));
    }
}
