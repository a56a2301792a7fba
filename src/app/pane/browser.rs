//! The dataset browser's state: the open `DatasetFile`, the filter and the records it lets
//! through, the selection, the loaded sample, and the browser's pop-ups.

use crate::dataset::{DatasetFile, Divergence, Filter};

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
                " Filter: verdict:V tag:T op:O diverged:yes|no outcome:K words ",
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

    /// Apply `filter` (computing divergences first when it asks about them).
    pub fn set_filter(&mut self, filter: Filter) {
        if filter.diverged.is_some() {
            for index in 0..self.file.len() {
                if self.file.summary(index).map(|s| s.divergence) == Some(Divergence::NotComputed) {
                    let _ = self.file.compute_divergence(index);
                }
            }
        }
        self.visible = self.file.filter(&filter);
        self.filter = filter;
        self.selected = 0;
    }
}

/// Parse a filter spec: `verdict:V tag:T op:O diverged:yes|no outcome:K` and free words (the
/// text search). Unknown keys are an error.
pub fn parse_filter(spec: &str) -> Result<Filter, String> {
    let mut filter = Filter::default();
    let mut words = Vec::new();
    for word in spec.split_whitespace() {
        let Some((key, value)) = word.split_once(':') else {
            words.push(word);
            continue;
        };
        let value = Some(value.to_string());
        match key {
            "verdict" => filter.verdict = value,
            "tag" => filter.tag = value,
            "op" | "operator" => filter.operator = value,
            "outcome" => filter.outcome = value,
            "diverged" => {
                filter.diverged = match value.as_deref() {
                    Some("yes" | "true") => Some(true),
                    Some("no" | "false") => Some(false),
                    _ => return Err(format!("diverged:{} (use yes or no)", word[9..].trim())),
                }
            }
            _ => {
                return Err(format!(
                    "unknown filter `{key}` (verdict, tag, op, diverged, outcome)"
                ))
            }
        }
    }
    filter.text = words.join(" ");
    Ok(filter)
}
