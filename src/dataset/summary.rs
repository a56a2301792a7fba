//! What a browser list shows for each record, kept in memory for every record of an open
//! dataset, and the filters over it (verdict, tag, mutation operator, divergence, outcome,
//! stored prediction passed / failed / absent, text search over id and code).

use super::record::Record;
use super::source::SourceFormat;
use crate::analysis::align::align_text;

/// Where a record's prediction first departs from its ground truth. Computing it takes the
/// alignment of `crate::analysis` (see [`divergence_of`]), so it is done on demand
/// (`DatasetFile::compute_divergence`) or supplied by the caller (`DatasetFile::set_divergence`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Divergence {
    /// The record has no prediction.
    NoPrediction,
    /// It has one, but it has not been compared with the truth yet.
    NotComputed,
    /// The prediction matches the truth.
    Agrees,
    /// The first diverging step: the 0-based index into the aligned steps of
    /// `crate::analysis::align::Alignment` (as `first_divergence.index` in `tracelens eval`).
    At(usize),
}

/// Align a record's prediction with its trace and find the first divergence. A CRUXEval
/// record's prediction is an answer, not a trace: it has no divergence.
pub fn divergence_of(record: &Record) -> Divergence {
    let Some(prediction) = &record.prediction else {
        return Divergence::NoPrediction;
    };
    if is_cruxeval(record) {
        return Divergence::NoPrediction;
    }
    let alignment = align_text(&record.trace.join(" "), &prediction.text());
    alignment
        .first_divergence()
        .map_or(Divergence::Agrees, Divergence::At)
}

/// Whether a record is a CRUXEval record (string `input` and `output`), whose stored
/// predictions are answers rather than traces.
pub fn is_cruxeval(record: &Record) -> bool {
    let string = |key| record.extra.get(key).is_some_and(|v| v.is_string());
    string("input") && string("output")
}

/// How a record's stored prediction scored, for the browser's column and its `pred:` filter.
/// The explorer computes it (`crate::app::stored_prediction`) and stores it with
/// `DatasetFile::set_score`.
#[derive(Debug, Clone, PartialEq)]
pub enum StoredScore {
    /// The record has no stored prediction.
    None,
    /// It has one, not scored yet.
    NotComputed,
    /// A predicted trace: its trace accuracy and line F1 in percent as `tracelens eval`
    /// scores one sample (`None` where undefined), and whether it aligns with the truth
    /// without a divergence.
    Trace {
        accuracy: Option<f64>,
        line_f1: Option<f64>,
        exact: bool,
    },
    /// CRUXEval answers: how many passed of how many, and the first failure's reason.
    Answers {
        passed: usize,
        total: usize,
        failure: Option<String>,
    },
    /// CRUXEval answers without verdicts: scoring them runs them (when the record is selected).
    Unscored { answers: usize },
    /// The stored prediction cannot be read.
    Malformed,
}

impl StoredScore {
    /// Passed (every answer passed, or the trace is exactly the truth), failed, or neither
    /// (nothing stored, not scored yet, unreadable).
    pub fn passed(&self) -> Option<bool> {
        match self {
            StoredScore::Trace { exact, .. } => Some(*exact),
            StoredScore::Answers { passed, total, .. } => Some(passed == total && *total > 0),
            _ => None,
        }
    }
}

/// What the `pred:` filter keeps.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StoredFilter {
    Pass,
    Fail,
    /// Records without a stored prediction.
    None,
}

/// The list entry of one record.
#[derive(Debug, Clone, PartialEq)]
pub struct Summary {
    pub id: String,
    pub verdict: String,
    pub tags: Vec<String>,
    pub outcome: Option<String>,
    /// The mutation operator, for records made by mutation.
    pub operator: Option<String>,
    pub divergence: Divergence,
    /// How the stored prediction scored.
    pub score: StoredScore,
    /// The reviewer wrote a note on the record.
    pub has_note: bool,
    /// The format the record was read in (new records are tracelens records).
    pub format: SourceFormat,
    /// Lowercased `id` and `code`, for the text search.
    search_text: String,
}

impl Summary {
    /// The summary of a record.
    pub fn of(record: &Record, format: SourceFormat) -> Self {
        Summary::new(
            SummaryFields {
                id: record.id.to_string(),
                verdict: record.verdict.clone(),
                tags: record.tags.clone(),
                outcome: record.outcome.clone(),
                operator: record
                    .origin
                    .as_ref()
                    .and_then(|origin| origin.mutation.as_ref())
                    .map(|mutation| mutation.op.clone()),
                has_prediction: record.prediction.is_some()
                    || record.extra.contains_key("predictions"),
                has_note: !record.note.is_empty(),
                format,
            },
            &[&record.code],
        )
    }

    /// A summary from its fields and the pieces of the record's code (concatenated).
    pub fn new(fields: SummaryFields, code: &[&str]) -> Self {
        let code_len: usize = code.iter().map(|piece| piece.len()).sum();
        let mut search_text = String::with_capacity(fields.id.len() + 1 + code_len);
        search_text.push_str(&fields.id);
        search_text.push('\n');
        code.iter().for_each(|piece| search_text.push_str(piece));
        search_text.make_ascii_lowercase();
        Summary {
            id: fields.id,
            verdict: fields.verdict,
            tags: fields.tags,
            outcome: fields.outcome,
            operator: fields.operator,
            divergence: if fields.has_prediction {
                Divergence::NotComputed
            } else {
                Divergence::NoPrediction
            },
            score: if fields.has_prediction {
                StoredScore::NotComputed
            } else {
                StoredScore::None
            },
            has_note: fields.has_note,
            format: fields.format,
            search_text,
        }
    }
}

/// What a summary is made of, besides the code.
#[derive(Debug, Clone, PartialEq)]
pub struct SummaryFields {
    pub id: String,
    pub verdict: String,
    pub tags: Vec<String>,
    pub outcome: Option<String>,
    pub operator: Option<String>,
    pub has_prediction: bool,
    pub has_note: bool,
    pub format: SourceFormat,
}

/// A conjunction of conditions; `None` (or an empty text) accepts everything.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Filter {
    pub verdict: Option<String>,
    pub tag: Option<String>,
    pub operator: Option<String>,
    /// `Some(true)`: only records whose prediction diverges; `Some(false)`: only records whose
    /// prediction agrees with the truth.
    pub diverged: Option<bool>,
    pub outcome: Option<String>,
    /// Records whose stored prediction passed, failed, or that have none.
    pub stored: Option<StoredFilter>,
    /// Case-insensitive (ASCII) substring of the id or the code.
    pub text: String,
}

impl Filter {
    /// Whether the summary passes every condition. `needle` is `self.text` lowercased
    /// (computed once per filtering pass by [`Filter::apply`]).
    fn accepts(&self, summary: &Summary, needle: &str) -> bool {
        let same = |want: &Option<String>, have: Option<&str>| {
            want.as_deref().is_none_or(|want| have == Some(want))
        };
        same(&self.verdict, Some(&summary.verdict))
            && same(&self.outcome, summary.outcome.as_deref())
            && same(&self.operator, summary.operator.as_deref())
            && self
                .tag
                .as_ref()
                .is_none_or(|tag| summary.tags.iter().any(|t| t == tag))
            && self
                .diverged
                .is_none_or(|diverged| match summary.divergence {
                    Divergence::At(_) => diverged,
                    Divergence::Agrees => !diverged,
                    Divergence::NoPrediction | Divergence::NotComputed => false,
                })
            && self.stored.is_none_or(|want| match want {
                StoredFilter::Pass => summary.score.passed() == Some(true),
                StoredFilter::Fail => summary.score.passed() == Some(false),
                StoredFilter::None => summary.score == StoredScore::None,
            })
            && (needle.is_empty() || summary.search_text.contains(needle))
    }

    /// The indices of the summaries that pass, in order.
    pub fn apply<'a>(&self, summaries: impl Iterator<Item = &'a Summary>) -> Vec<usize> {
        let needle = self.text.to_ascii_lowercase();
        summaries
            .enumerate()
            .filter(|(_, summary)| self.accepts(summary, &needle))
            .map(|(index, _)| index)
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dataset::source::parse_line;

    fn summary(line: &str) -> Summary {
        let (record, format) = parse_line(line.as_bytes()).unwrap();
        Summary::of(&record, format)
    }

    #[test]
    fn filters_combine() {
        let all = [
            summary(
                r#"{"id": "A-1", "code": "x = Max(1)", "verdict": "accepted", "tags": ["loop"], "outcome": "completed"}"#,
            ),
            summary(
                r#"{"id": "b-2", "code": "y = 2", "origin": {"id": "b", "mutation": {"op": "ROR", "line": 1, "before": "<", "after": ">"}}, "prediction": "x"}"#,
            ),
            summary(
                r#"{"id": "c-3", "code": "z = 3", "tags": ["loop", "io"], "outcome": "exception"}"#,
            ),
        ];
        let run = |filter: Filter| filter.apply(all.iter());
        assert_eq!(run(Filter::default()), vec![0, 1, 2]);
        assert_eq!(
            run(Filter {
                verdict: Some("unreviewed".into()),
                ..Filter::default()
            }),
            vec![1, 2]
        );
        assert_eq!(
            run(Filter {
                tag: Some("loop".into()),
                ..Filter::default()
            }),
            vec![0, 2]
        );
        assert_eq!(
            run(Filter {
                operator: Some("ROR".into()),
                ..Filter::default()
            }),
            vec![1]
        );
        assert_eq!(
            run(Filter {
                outcome: Some("exception".into()),
                ..Filter::default()
            }),
            vec![2]
        );
        assert_eq!(
            run(Filter {
                text: "max(".into(),
                ..Filter::default()
            }),
            vec![0]
        );
        assert_eq!(
            run(Filter {
                text: "a-1".into(),
                ..Filter::default()
            }),
            vec![0]
        );
        assert_eq!(
            run(Filter {
                tag: Some("loop".into()),
                text: "z".into(),
                ..Filter::default()
            }),
            vec![2]
        );
        assert_eq!(all[1].divergence, Divergence::NotComputed);
        assert_eq!(
            run(Filter {
                diverged: Some(true),
                ..Filter::default()
            }),
            Vec::<usize>::new()
        );
        let mut with_divergence = all.clone();
        with_divergence[1].divergence = Divergence::At(4);
        let diverged = Filter {
            diverged: Some(true),
            ..Filter::default()
        };
        assert_eq!(diverged.apply(with_divergence.iter()), vec![1]);
    }
}
