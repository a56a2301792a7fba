//! The dataset browser's state: the open `DatasetFile`, the filter and the records it lets
//! through, the selection, and the operations on them (open, load a sample into the editor,
//! review, save a sample with its new trace, save the file).

use std::path::Path;
use std::time::Duration;

use crossterm::event::{MouseButton, MouseEventKind};
use ratatui::layout::Rect;

use super::layout::list_top;
use super::mutation::MutationState;
use super::state::{text_area, App, Focus, Modal};
use crate::dataset::{DatasetError, DatasetFile, Divergence, Filter, Record, RecordId, Verdict};
use crate::mutate::Operator;
use crate::trace::{codeexecutor, OutcomeKind};

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
/// text search). A value in double quotes may hold spaces (`tag:"two words"`). Unknown keys
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

impl App {
    /// Open a dataset in the browser: focus it, load its first record, and show what the
    /// open found (malformed lines, a pending journal).
    pub fn open_dataset(&mut self, path: &Path) -> Result<(), String> {
        let file = DatasetFile::open(path).map_err(|e| e.to_string())?;
        let report = file.open_report();
        let pending = file.pending_journal().is_some();
        let visible = (0..file.len()).collect();
        self.browser = Some(Box::new(Browser {
            file,
            filter: Filter::default(),
            visible,
            selected: 0,
            loaded: None,
            dirty: false,
        }));
        self.focus = Focus::Browser;
        self.load_selected_sample();
        let problems = report.len() > 1;
        self.modal = if pending {
            Some(Modal::Browser(BrowserModal::Journal(report)))
        } else if problems {
            Some(Modal::Browser(BrowserModal::Report(report)))
        } else {
            self.message = report.first().cloned();
            self.modal
                .take()
                .filter(|m| !matches!(m, Modal::Browser(_)))
        };
        Ok(())
    }

    /// Load the selected record's code and stdin into the editors and trace it.
    pub fn load_selected_sample(&mut self) {
        let Some(browser) = self.browser.as_mut() else {
            return;
        };
        let Some(index) = browser.selected_record() else {
            browser.loaded = None;
            return;
        };
        if browser.loaded.as_ref().is_some_and(|(i, ..)| *i == index) {
            return;
        }
        let record = match browser.file.record(index) {
            Ok(record) => record,
            Err(err) => {
                self.message = Some(err.to_string());
                return;
            }
        };
        if browser.file.summary(index).map(|s| s.divergence) == Some(Divergence::NotComputed) {
            let _ = browser.file.compute_divergence(index);
        }
        let editor = text_area(&record.code);
        let stdin = text_area(&record.stdin);
        self.editor = editor;
        self.stdin = stdin;
        // The sample is the original that mutations start from (and diff against).
        self.mutation = MutationState::new(self.code());
        let loaded = (index, self.code(), self.stdin_text());
        if let Some(browser) = self.browser.as_mut() {
            browser.loaded = Some(loaded);
        }
        self.path = None;
        self.recovery_path = None;
        self.modified = false;
        self.view = None;
        self.step = 0;
        self.stale = false;
        self.syntax_error = None;
        self.request_trace(Duration::ZERO);
    }

    /// Move the selection by `by` rows (clamped) and load the sample there.
    pub fn move_selection(&mut self, by: isize) {
        let Some(browser) = self.browser.as_mut() else {
            return;
        };
        let last = browser.visible.len().saturating_sub(1);
        browser.selected = browser.selected.saturating_add_signed(by).min(last);
        self.load_selected_sample();
    }

    /// The mouse over the browser pane (whose list is `list`): the wheel moves the selection,
    /// a click focuses the pane and selects the row under it.
    pub fn mouse_on_browser(&mut self, kind: MouseEventKind, list: Rect, row: u16) {
        match kind {
            MouseEventKind::ScrollDown => self.move_selection(1),
            MouseEventKind::ScrollUp => self.move_selection(-1),
            MouseEventKind::Down(MouseButton::Left) => {
                self.focus = Focus::Browser;
                let Some(browser) = self.browser.as_ref() else {
                    return;
                };
                let (len, selected) = (browser.visible.len(), browser.selected);
                if row < list.y || row >= list.y + list.height {
                    return;
                }
                let index = list_top(len, selected, list.height as usize) + (row - list.y) as usize;
                if index < len {
                    self.move_selection(index as isize - selected as isize);
                }
            }
            _ => {}
        }
    }

    /// Run one edit on the selected record and report its failure in the status bar.
    pub fn edit_selected(
        &mut self,
        edit: impl FnOnce(&mut DatasetFile, usize) -> Result<(), DatasetError>,
    ) {
        let Some(browser) = self.browser.as_mut() else {
            return;
        };
        let Some(index) = browser.selected_record() else {
            self.message = Some("no sample selected".into());
            return;
        };
        if let Err(err) = edit(&mut browser.file, index) {
            self.message = Some(err.to_string());
        }
    }

    pub fn set_verdict(&mut self, verdict: Verdict) {
        self.edit_selected(|file, i| file.set_verdict(i, verdict));
    }

    /// Add `tag` to the selected sample, or remove it when the sample has it.
    pub fn toggle_tag(&mut self, tag: &str) {
        let tag = tag.trim();
        if tag.is_empty() {
            return;
        }
        self.edit_selected(|file, i| {
            let has = file
                .summary(i)
                .is_some_and(|s| s.tags.iter().any(|t| t == tag));
            if has {
                file.remove_tag(i, tag)
            } else {
                file.add_tag(i, tag)
            }
        });
    }

    /// The loaded sample's record with the editor's code and stdin and their new ground truth
    /// (CodeExecutor fields and outcome); a prediction is cleared when the program changed.
    fn edited_sample(&self) -> Result<(usize, Record), String> {
        let browser = self.browser.as_ref().ok_or("no dataset is open")?;
        let (index, code, stdin) = browser.loaded.as_ref().ok_or("no sample is loaded")?;
        let view = match &self.view {
            Some(view) if !self.stale && self.syntax_error.is_none() => view,
            _ if self.syntax_error.is_some() => {
                return Err("the program has a syntax error: fix it before saving".into())
            }
            _ => return Err("the new trace is not ready yet: try again in a moment".into()),
        };
        let mut record = browser.file.record(*index).map_err(|e| e.to_string())?;
        record.code = self.code();
        record.stdin = self.stdin_text();
        let trace = view.trace();
        let ce = codeexecutor::record(&record.code, trace).map_err(|e| e.to_string())?;
        record.code_tokens = ce.code_tokens;
        record.trace = ce.trace;
        record.trace_tokens = ce.trace_tokens;
        record.outcome = Some(trace.outcome.kind.as_str().to_string());
        if record.code != *code || record.stdin != *stdin {
            record.prediction = None;
        }
        Ok((*index, record))
    }

    /// "Save sample": store the edited code with its new ground-truth trace.
    pub fn save_sample(&mut self, as_new: bool) {
        let (index, mut record) = match self.edited_sample() {
            Ok(sample) => sample,
            Err(message) => {
                self.message = Some(message);
                return;
            }
        };
        let (code, stdin) = (self.code(), self.stdin_text());
        let Some(browser) = self.browser.as_mut() else {
            return;
        };
        let result = if as_new {
            record.id = RecordId::default();
            record.prediction = None;
            record.verdict = Verdict::Unreviewed.as_str().to_string();
            record.note.clear();
            browser.file.add_derived(index, record).map(|new| {
                browser.visible.push(new);
                browser.selected = browser.visible.len() - 1;
                browser.loaded = Some((new, code, stdin));
                format!(
                    "added sample {}",
                    browser.file.summary(new).map_or("", |s| &s.id)
                )
            })
        } else {
            browser.file.replace(index, record).map(|()| {
                browser.loaded = Some((index, code, stdin));
                "sample updated (save the dataset with Ctrl-S)".to_string()
            })
        };
        self.message = Some(result.unwrap_or_else(|e| e.to_string()));
        self.modified = false;
    }

    /// Save the dataset file; when it changed on disk, ask before overwriting (`force`).
    /// Whether an open dataset has edits not yet saved to its file (the journal holds them).
    pub fn dataset_modified(&self) -> bool {
        self.browser.as_ref().is_some_and(|b| b.file.is_dirty())
    }

    pub fn save_dataset(&mut self, force: bool) {
        let Some(browser) = self.browser.as_mut() else {
            return;
        };
        self.message = Some(match browser.file.save(force) {
            Ok(()) => format!("saved {}", browser.file.path().display()),
            Err(DatasetError::ChangedOnDisk(_)) => {
                self.modal = Some(Modal::Browser(BrowserModal::ConfirmOverwrite));
                return;
            }
            Err(err) => err.to_string(),
        });
    }
}
