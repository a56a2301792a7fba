//! The dataset browser's state: the open `DatasetFile`, the filter and the records it lets
//! through, the selection, the loaded sample, and the browser's pop-ups.

use crate::app::stored_prediction::score_record;
use crate::dataset::{DatasetFile, Filter, StoredFilter};
use crate::mutate::Operator;
use crate::trace::OutcomeKind;

/// A pop-up of the browser.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BrowserModal {
    /// What opening the file found (record count, malformed lines); any key closes it.
    Report(Vec<String>),
    /// A journal of unsaved edits from an earlier session: replay or discard it.
    Journal(Vec<String>),
    /// The file changed on disk since it was opened: overwrite it?
    ConfirmOverwrite,
    /// A one-line prompt.
    Prompt { kind: PromptKind, text: String },
}

/// What a browser prompt asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PromptKind {
    /// A tag to add, or to remove when the sample has it already.
    Tag,
    Note,
    Search,
    Filter,
    /// A dataset file to open.
    Open,
}

impl PromptKind {
    /// The prompt's title and label.
    pub fn label(self) -> (&'static str, &'static str) {
        match self {
            PromptKind::Tag => (" Tag (add, or remove if present) ", "Tag: "),
            PromptKind::Note => (" Note ", "Note: "),
            PromptKind::Search => (" Search ids and code ", "Text: "),
            PromptKind::Filter => (
                " Filter: verdict:V tag:T op:O diverged:yes|no pred:pass|fail|none outcome:K words ",
                "Filter: ",
            ),
            PromptKind::Open => (" Open dataset ", "Path: "),
        }
    }
}

/// The open dataset and what the browser shows of it.
#[derive(Debug)]
pub struct Browser {
    pub file: DatasetFile,
    pub filter: Filter,
    /// The record indices that pass the filter, in file order.
    pub visible: Vec<usize>,
    /// The selected row of `visible`.
    pub selected: usize,
    /// The record loaded in the editor, with the code and stdin it was loaded with.
    pub loaded: Option<(usize, String, String)>,
    /// There are edits not yet saved to the file (refreshed after each browser key).
    pub dirty: bool,
}

impl Browser {
    /// The record index of the selected row.
    pub fn selected_record(&self) -> Option<usize> {
        self.visible.get(self.selected).copied()
    }

    /// Apply `filter` (computing divergences and stored scores first when it asks about them).
    pub fn set_filter(&mut self, filter: Filter) {
        if filter.diverged.is_some() || filter.stored.is_some() {
            for index in 0..self.file.len() {
                score_record(&mut self.file, index);
            }
        }
        self.visible = self.file.filter(&filter);
        self.filter = filter;
        self.selected = 0;
    }
}

/// Parse a filter spec: `verdict:V tag:T op:O diverged:yes|no pred:pass|fail|none outcome:K`
/// and free words (the text search). `pred:pass` keeps records whose stored prediction passed
/// (every answer passed, or the trace is exactly the truth), `pred:fail` those where it failed,
/// `pred:none` those without one. A value in double quotes may hold spaces (`tag:"two words"`). Unknown keys
/// and values no record can have are an error; operators match in any case.
pub fn parse_filter(spec: &str) -> Result<Filter, String> {
    let mut filter = Filter::default();
    let mut words = Vec::new();
    for word in filter_words(spec)? {
        let Some((key, value)) = word.split_once(':') else {
            words.push(word);
            continue;
        };
        let one_of = |known: &[&str]| {
            if known.contains(&value) {
                Ok(Some(value.to_string()))
            } else {
                Err(format!("{key}:{value} (use {})", known.join(", ")))
            }
        };
        match key {
            "verdict" => filter.verdict = one_of(&VERDICTS)?,
            "outcome" => {
                let known = OutcomeKind::ALL.map(OutcomeKind::as_str);
                filter.outcome = one_of(&known)?;
            }
            "tag" => filter.tag = Some(value.to_string()),
            "op" | "operator" => {
                let op = value.to_ascii_uppercase();
                let known: Vec<&str> = Operator::ALL.iter().map(|op| op.code()).collect();
                if !known.contains(&op.as_str()) {
                    return Err(format!("{key}:{value} (use {})", known.join(", ")));
                }
                filter.operator = Some(op);
            }
            "diverged" => {
                filter.diverged = match value {
                    "yes" | "true" => Some(true),
                    "no" | "false" => Some(false),
                    _ => return Err(format!("diverged:{value} (use yes or no)")),
                }
            }
            "pred" => filter.stored = Some(stored_filter(value)?),
            _ => {
                return Err(format!(
                    "unknown filter `{key}` (verdict, tag, op, diverged, pred, outcome)"
                ))
            }
        }
    }
    filter.text = words.join(" ");
    Ok(filter)
}

/// The value of a `pred:` filter.
fn stored_filter(value: &str) -> Result<StoredFilter, String> {
    match value {
        "pass" => Ok(StoredFilter::Pass),
        "fail" => Ok(StoredFilter::Fail),
        "none" => Ok(StoredFilter::None),
        _ => Err(format!("pred:{value} (one of pass, fail, none)")),
    }
}

/// The verdicts a record can have.
const VERDICTS: [&str; 3] = ["unreviewed", "accepted", "rejected"];

/// A spec split on whitespace, where text in double quotes (quotes removed) stays in one word.
fn filter_words(spec: &str) -> Result<Vec<String>, String> {
    let (mut words, mut word, mut quoted) = (Vec::new(), String::new(), false);
    for c in spec.chars() {
        match c {
            '"' => quoted = !quoted,
            c if c.is_whitespace() && !quoted => {
                if !word.is_empty() {
                    words.push(std::mem::take(&mut word));
                }
            }
            c => word.push(c),
        }
    }
    if quoted {
        return Err("a quote is not closed".to_string());
    }
    if !word.is_empty() {
        words.push(word);
    }
    Ok(words)
}
