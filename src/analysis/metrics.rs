//! CodeExecutor's metrics (its inference metric script), reproduced on trace text.
//!
//! Per sample, both texts are stripped and split into segments at every `<line>` / `<output>`
//! (text before the first marker is a segment too); a last segment without `</state>` is
//! dropped. Gold segment `i` matches predicted segment `i` when:
//! - either holds `<output>` (or either lacks `<state>`): the segments are equal as text;
//! - otherwise the parts before `<state>` are equal and the `{name: value}` dicts are equal
//!   (split on `<dictsep>`, name before the first `:`, whitespace stripped, a later duplicate
//!   name wins). Correct identifiers are the equal name/value pairs of segments whose line
//!   parts are equal, even when the dicts differ.
//!
//! A segment's identifiers are counted from its dict; like the original, a segment without
//! `<state>` is read from its last character only (so it almost always counts zero).
//! Output accuracy counts samples whose gold has output; a sample is right when its list of
//! non-empty output texts (after `<output>` and one more character, cut at `_____event`)
//! equals the gold list. Trace accuracy: same number of segments and all match.
//!
//! Singleline variant: the whole text is one state (`<state>` / `</state>` stripped at the
//! ends), each entry's value is the text between its first and second `:` (as the original
//! splits), trace accuracy is dict equality.
//!
//! Percentages are rounded to two decimals. Where the original divides by zero (no gold with
//! output, no predicted segments, ...) the metric is `None` (JSON `null`); an F1 whose
//! precision and recall are both 0 is 0.

use serde::{Deserialize, Serialize};
use serde_json::{json, Value as JsonValue};

use crate::trace::codeexecutor::split_segments;

const STATE: &str = "<state>";
const STATE_END: &str = "</state>";
const DICTSEP: &str = "<dictsep>";
const OUTPUT: &str = "<output>";

/// Which metric script applies: CodeNet / tutorial traces, or single-line states.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Variant {
    Standard,
    Singleline,
}

/// The counts one sample contributes to the metrics.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
pub struct SampleScore {
    pub predicted_segments: usize,
    pub gold_segments: usize,
    pub matched_segments: usize,
    pub predicted_identifiers: usize,
    pub gold_identifiers: usize,
    pub correct_identifiers: usize,
    pub gold_has_output: bool,
    pub output_correct: bool,
    pub exact: bool,
}

/// Score one prediction against its gold trace text.
pub fn score(predicted: &str, gold: &str, variant: Variant) -> SampleScore {
    match variant {
        Variant::Standard => score_standard(py_strip(predicted), py_strip(gold)),
        Variant::Singleline => score_singleline(py_strip(predicted), py_strip(gold)),
    }
}

fn score_standard(predicted: &str, gold: &str) -> SampleScore {
    let pred_segments = kept_segments(predicted);
    let gold_segments = kept_segments(gold);
    let gold_outputs = outputs(&gold_segments);
    let mut s = SampleScore {
        predicted_segments: pred_segments.len(),
        gold_segments: gold_segments.len(),
        gold_has_output: !gold_outputs.is_empty(),
        predicted_identifiers: pred_segments.iter().map(|seg| seg.dict.len()).sum(),
        gold_identifiers: gold_segments.iter().map(|seg| seg.dict.len()).sum(),
        ..SampleScore::default()
    };
    s.output_correct = s.gold_has_output && outputs(&pred_segments) == gold_outputs;
    for (p, g) in pred_segments.iter().zip(&gold_segments) {
        let (same, correct) = compare_segments(p, g);
        s.matched_segments += usize::from(same);
        s.correct_identifiers += correct;
    }
    s.exact = s.matched_segments == s.gold_segments && s.predicted_segments == s.gold_segments;
    s
}

fn score_singleline(predicted: &str, gold: &str) -> SampleScore {
    let pred = singleline_dict(predicted);
    let gold = singleline_dict(gold);
    SampleScore {
        predicted_identifiers: pred.len(),
        gold_identifiers: gold.len(),
        correct_identifiers: pred.same_pairs(&gold),
        exact: pred == gold,
        ..SampleScore::default()
    }
}

/// One segment of a trace text, read once.
struct Segment<'a> {
    text: &'a str,
    is_output: bool,
    /// The stripped text before `<state>`, when the segment has one.
    line_part: Option<&'a str>,
    dict: Dict<'a>,
}

impl<'a> Segment<'a> {
    fn new(text: &'a str) -> Self {
        let state_at = text.find(STATE);
        Segment {
            text,
            is_output: text.contains(OUTPUT),
            line_part: state_at.map(|at| py_strip(&text[..at])),
            dict: segment_dict(text, state_at),
        }
    }
}

/// The segments of a stripped text, without a last segment that lacks `</state>`.
fn kept_segments(text: &str) -> Vec<Segment<'_>> {
    let mut segments: Vec<&str> = split_segments(text).into_iter().map(|(_, s)| s).collect();
    if segments
        .last()
        .is_some_and(|last| !last.contains(STATE_END))
    {
        segments.pop();
    }
    segments.into_iter().map(Segment::new).collect()
}

/// The non-empty output texts of the segments, in order.
fn outputs<'a>(segments: &[Segment<'a>]) -> Vec<&'a str> {
    segments
        .iter()
        .filter(|seg| seg.is_output)
        .filter_map(|seg| {
            // the original skips "<output> " (nine characters) from the segment start
            let mut rest = seg.text.get(OUTPUT.len()..).unwrap_or_default().chars();
            rest.next();
            let text = py_strip(rest.as_str());
            let text = text
                .find("_____event")
                .map_or(text, |at| py_strip(&text[..at]));
            (!text.is_empty()).then_some(text)
        })
        .collect()
}

/// Whether two segments match, and how many identifiers the prediction got right.
fn compare_segments(predicted: &Segment<'_>, gold: &Segment<'_>) -> (bool, usize) {
    if predicted.is_output || gold.is_output {
        return (predicted.text == gold.text, 0);
    }
    match (predicted.line_part, gold.line_part) {
        (Some(p), Some(g)) if p == g => (
            predicted.dict == gold.dict,
            predicted.dict.same_pairs(&gold.dict),
        ),
        (Some(_), Some(_)) => (false, 0),
        _ => (predicted.text == gold.text, 0),
    }
}

/// The `{name: value}` dict of a segment, read as the original reads it.
fn segment_dict(segment: &str, state_at: Option<usize>) -> Dict<'_> {
    let region = match state_at {
        Some(at) => &segment[at..],
        // the original slices from index -1 here: the last character
        None => segment
            .char_indices()
            .last()
            .map_or("", |(at, _)| &segment[at..]),
    };
    let mut dict = Dict::default();
    for entry in state_body(region).split(DICTSEP) {
        if let Some((name, value)) = entry.split_once(':') {
            dict.insert(py_strip(name), py_strip(value));
        }
    }
    dict
}

/// The singleline dict: value is the text between the first and the second `:`.
fn singleline_dict(text: &str) -> Dict<'_> {
    let mut dict = Dict::default();
    for entry in state_body(text).split(DICTSEP) {
        let mut parts = entry.split(':');
        if let (Some(name), Some(value)) = (parts.next(), parts.next()) {
            dict.insert(py_strip(name), py_strip(value));
        }
    }
    dict
}

/// Strip whitespace, then one leading `<state>` and one trailing `</state>`.
fn state_body(text: &str) -> &str {
    let text = py_strip(text);
    let text = text.strip_prefix(STATE).unwrap_or(text);
    text.strip_suffix(STATE_END).unwrap_or(text)
}

/// Python's `str.strip()`: Rust's whitespace plus the separators U+001C..U+001F.
fn py_strip(text: &str) -> &str {
    text.trim_matches(|c: char| c.is_whitespace() || ('\u{1c}'..='\u{1f}').contains(&c))
}

/// A small insertion-ordered map with Python dict semantics (a later key overwrites).
#[derive(Debug, Default)]
struct Dict<'a> {
    entries: Vec<(&'a str, &'a str)>,
}

impl<'a> Dict<'a> {
    fn insert(&mut self, name: &'a str, value: &'a str) {
        match self.entries.iter_mut().find(|(n, _)| *n == name) {
            Some(entry) => entry.1 = value,
            None => self.entries.push((name, value)),
        }
    }

    fn get(&self, name: &str) -> Option<&'a str> {
        self.entries
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, v)| *v)
    }

    fn len(&self) -> usize {
        self.entries.len()
    }

    /// How many names both hold with equal values.
    fn same_pairs(&self, other: &Dict<'_>) -> usize {
        self.entries
            .iter()
            .filter(|(name, value)| other.get(name) == Some(*value))
            .count()
    }
}

impl PartialEq for Dict<'_> {
    fn eq(&self, other: &Self) -> bool {
        self.len() == other.len() && self.same_pairs(other) == self.len()
    }
}

/// Sums of sample scores over a set of samples.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Tally {
    pub samples: usize,
    pub exact: usize,
    pub gold_with_output: usize,
    pub output_correct: usize,
    pub predicted_segments: usize,
    pub gold_segments: usize,
    pub matched_segments: usize,
    pub predicted_identifiers: usize,
    pub gold_identifiers: usize,
    pub correct_identifiers: usize,
}

impl Tally {
    /// Add one sample.
    pub fn add(&mut self, s: &SampleScore) {
        self.add_tally(&Tally {
            samples: 1,
            exact: usize::from(s.exact),
            gold_with_output: usize::from(s.gold_has_output),
            output_correct: usize::from(s.output_correct),
            predicted_segments: s.predicted_segments,
            gold_segments: s.gold_segments,
            matched_segments: s.matched_segments,
            predicted_identifiers: s.predicted_identifiers,
            gold_identifiers: s.gold_identifiers,
            correct_identifiers: s.correct_identifiers,
        });
    }

    /// Add another tally (a group of samples).
    pub fn add_tally(&mut self, other: &Tally) {
        self.samples += other.samples;
        self.exact += other.exact;
        self.gold_with_output += other.gold_with_output;
        self.output_correct += other.output_correct;
        self.predicted_segments += other.predicted_segments;
        self.gold_segments += other.gold_segments;
        self.matched_segments += other.matched_segments;
        self.predicted_identifiers += other.predicted_identifiers;
        self.gold_identifiers += other.gold_identifiers;
        self.correct_identifiers += other.correct_identifiers;
    }

    /// The metrics of the samples added so far.
    pub fn metrics(&self) -> Metrics {
        let line_precision = percent(self.matched_segments, self.predicted_segments);
        let line_recall = percent(self.matched_segments, self.gold_segments);
        let identifier_precision = percent(self.correct_identifiers, self.predicted_identifiers);
        let identifier_recall = percent(self.correct_identifiers, self.gold_identifiers);
        Metrics {
            output_accuracy: percent(self.output_correct, self.gold_with_output),
            trace_accuracy: percent(self.exact, self.samples),
            line_precision,
            line_recall,
            line_f1: f1(
                ratio(self.matched_segments, self.predicted_segments),
                ratio(self.matched_segments, self.gold_segments),
            ),
            identifier_precision,
            identifier_recall,
            identifier_f1: f1(
                ratio(self.correct_identifiers, self.predicted_identifiers),
                ratio(self.correct_identifiers, self.gold_identifiers),
            ),
        }
    }
}

/// CodeExecutor's reported numbers: percentages rounded to two decimals, `None` when undefined.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize)]
pub struct Metrics {
    pub output_accuracy: Option<f64>,
    pub trace_accuracy: Option<f64>,
    pub line_precision: Option<f64>,
    pub line_recall: Option<f64>,
    pub line_f1: Option<f64>,
    pub identifier_precision: Option<f64>,
    pub identifier_recall: Option<f64>,
    pub identifier_f1: Option<f64>,
}

impl Metrics {
    /// The metrics a variant reports, as (JSON key, value) pairs in report order.
    pub fn reported(&self, variant: Variant) -> Vec<(&'static str, Option<f64>)> {
        let identifier = [
            ("identifier_precision", self.identifier_precision),
            ("identifier_recall", self.identifier_recall),
            ("identifier_f1", self.identifier_f1),
        ];
        let mut keys = match variant {
            Variant::Standard => vec![
                ("output_accuracy", self.output_accuracy),
                ("trace_accuracy", self.trace_accuracy),
                ("line_precision", self.line_precision),
                ("line_recall", self.line_recall),
                ("line_f1", self.line_f1),
            ],
            Variant::Singleline => vec![("trace_accuracy", self.trace_accuracy)],
        };
        keys.extend(identifier);
        keys
    }

    /// The reported metrics as one JSON object (`null` where undefined).
    pub fn to_json(&self, variant: Variant) -> JsonValue {
        let map = self
            .reported(variant)
            .into_iter()
            .map(|(key, value)| (key.to_string(), json!(value)))
            .collect();
        JsonValue::Object(map)
    }
}

fn ratio(part: usize, whole: usize) -> Option<f64> {
    (whole != 0).then(|| part as f64 / whole as f64)
}

fn percent(part: usize, whole: usize) -> Option<f64> {
    ratio(part, whole).map(round_percent)
}

fn f1(precision: Option<f64>, recall: Option<f64>) -> Option<f64> {
    let (p, r) = (precision?, recall?);
    let f1 = if p + r == 0.0 {
        0.0
    } else {
        2.0 * p * r / (p + r)
    };
    Some(round_percent(f1))
}

/// `round(100 * x, 2)`: rounded on the exact binary value, as Python does.
fn round_percent(x: f64) -> f64 {
    format!("{:.2}", 100.0 * x).parse().unwrap_or(f64::NAN)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn standard(pred: &str, gold: &str) -> SampleScore {
        score(pred, gold, Variant::Standard)
    }

    const GOLD: &str =
        "<line> <0> <state> a : 1 </state> <line> <1> <state> a : 1 <dictsep> b : 2 </state>";

    #[test]
    fn exact_match_counts_everything() {
        let s = standard(GOLD, GOLD);
        assert_eq!(
            (s.matched_segments, s.gold_segments, s.predicted_segments),
            (2, 2, 2)
        );
        assert_eq!((s.correct_identifiers, s.gold_identifiers), (3, 3));
        assert!(s.exact && !s.gold_has_output);
    }

    #[test]
    fn truncated_last_segment_is_dropped() {
        let s = standard(
            "<line> <0> <state> a : 1 </state> <line> <1> <state> a : 1 <dic",
            GOLD,
        );
        assert_eq!((s.predicted_segments, s.matched_segments), (1, 1));
        assert_eq!(s.predicted_identifiers, 1);
        assert!(!s.exact);
    }

    #[test]
    fn empty_states_match_and_count_no_identifiers() {
        let text = "<line> <0> <state> </state> <line> <1> <state> </state>";
        let s = standard(text, text);
        assert!(s.exact);
        assert_eq!((s.gold_identifiers, s.predicted_identifiers), (0, 0));
        let t = Tally {
            samples: 1,
            exact: 1,
            gold_segments: 2,
            predicted_segments: 2,
            matched_segments: 2,
            ..Tally::default()
        };
        let m = t.metrics();
        assert_eq!((m.identifier_precision, m.identifier_f1), (None, None));
        assert_eq!(m.line_f1, Some(100.0));
    }

    #[test]
    fn values_keep_everything_after_the_first_colon() {
        let gold = "<line> <0> <state> t : 12:30 <dictsep> d : { a : 1 } </state>";
        let pred = "<line> <0> <state> t : 12:45 <dictsep> d : { a : 1 } </state>";
        let s = standard(pred, gold);
        assert_eq!((s.matched_segments, s.correct_identifiers), (0, 1));
        // the singleline variant keeps only the text between the first two colons
        let s = score(
            "<state> t : 12:45 </state>",
            "<state> t : 12:30 </state>",
            Variant::Singleline,
        );
        assert!(s.exact);
    }

    #[test]
    fn missing_and_extra_steps_are_positional() {
        let missing = standard("<line> <0> <state> a : 1 </state>", GOLD);
        assert_eq!(
            (
                missing.matched_segments,
                missing.predicted_segments,
                missing.gold_segments
            ),
            (1, 1, 2)
        );
        let extra = standard(&format!("<line> <5> <state> a : 1 </state> {GOLD}"), GOLD);
        // an inserted first step shifts every position: nothing matches
        assert_eq!((extra.matched_segments, extra.correct_identifiers), (0, 0));
    }

    #[test]
    fn wrong_line_gives_no_identifier_credit() {
        let s = standard(
            "<line> <0> <state> a : 1 </state> <line> <2> <state> a : 1 <dictsep> b : 2 </state>",
            GOLD,
        );
        assert_eq!((s.matched_segments, s.correct_identifiers), (1, 1));
    }

    #[test]
    fn outputs_compare_exactly_and_only_gold_with_output_counts() {
        let gold = "<output> 3 <line> <0> <state> x : 3 </state>";
        let right = standard(gold, gold);
        assert!(right.gold_has_output && right.output_correct);
        let wrong = standard("<output> 4 <line> <0> <state> x : 3 </state>", gold);
        assert!(wrong.gold_has_output && !wrong.output_correct);
        assert_eq!(wrong.matched_segments, 1);
        let none = standard(gold, "<line> <0> <state> x : 3 </state>");
        assert!(!none.gold_has_output && !none.output_correct);
        let event = standard(
            "<output> 3 _____event x <line> <0> <state> x : 3 </state>",
            gold,
        );
        assert!(event.output_correct && !event.exact);
    }

    #[test]
    fn tally_rounds_percentages_and_handles_zero_denominators() {
        let mut t = Tally::default();
        t.add(&standard("<line> <0> <state> a : 1 </state>", GOLD));
        t.add(&standard("", GOLD));
        let m = t.metrics();
        assert_eq!(m.trace_accuracy, Some(0.0));
        assert_eq!(m.line_precision, Some(100.0));
        assert_eq!(m.line_recall, Some(25.0));
        assert_eq!(m.line_f1, Some(40.0));
        assert_eq!(m.identifier_recall, Some(16.67));
        assert_eq!(m.output_accuracy, None);
        let json = m.to_json(Variant::Singleline);
        assert_eq!(json.as_object().unwrap().len(), 4);
    }
}
