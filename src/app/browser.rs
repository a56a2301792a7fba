//! The dataset browser's operations on the explorer: open a dataset, load a sample into the
//! editor, move the selection, review, save a sample with its new trace, save the file. The
//! browser's own state is [`super::pane::browser`].

use std::path::Path;
use std::time::Duration;

use crossterm::event::{MouseButton, MouseEventKind};
use ratatui::layout::Rect;

use super::command::Command;
use super::focus::Focus;
use super::layout::list_top;
use super::pane::browser::{Browser, BrowserModal};
use super::pane::mutation::MutationState;
use super::scope::Scope;
use super::state::{App, Leave, Modal};
use crate::dataset::{DatasetError, DatasetFile, Divergence, Filter, Record, RecordId, Verdict};
use crate::trace::codeexecutor;

/// Open a dataset in the browser: focus it, load its first record, and show what the
/// open found (malformed lines, a pending journal).
pub fn open_dataset(app: &mut App, path: &Path) -> Result<(), String> {
    let file = DatasetFile::open(path).map_err(|e| e.to_string())?;
    let report = file.open_report();
    let pending = file.pending_journal().is_some();
    let visible = (0..file.len()).collect();
    app.browser = Some(Box::new(Browser {
        file,
        filter: Filter::default(),
        visible,
        selected: 0,
        loaded: None,
        dirty: false,
    }));
    app.focus = Focus::Browser;
    load_selected_sample(app);
    let problems = report.len() > 1;
    app.modal = if pending {
        Some(Modal::Browser(BrowserModal::Journal(report)))
    } else if problems {
        Some(Modal::Browser(BrowserModal::Report(report)))
    } else {
        app.message = report.first().cloned();
        app.modal.take().filter(|m| !matches!(m, Modal::Browser(_)))
    };
    Ok(())
}

/// Load the selected record's code and stdin into the editors and trace it.
pub fn load_selected_sample(app: &mut App) {
    let Some(browser) = app.browser.as_mut() else {
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
            app.message = Some(err.to_string());
            return;
        }
    };
    if browser.file.summary(index).map(|s| s.divergence) == Some(Divergence::NotComputed) {
        let _ = browser.file.compute_divergence(index);
    }
    app.editor.load(&record.code, &record.stdin);
    // The sample is the original that mutations start from (and diff against).
    app.mutation = MutationState::new(app.editor.code());
    let loaded = (index, app.editor.code(), app.editor.stdin_text());
    if let Some(browser) = app.browser.as_mut() {
        browser.loaded = Some(loaded);
    }
    app.path = None;
    app.recovery_path = None;
    app.stepping.clear();
    app.request_trace(Duration::ZERO);
}

/// Move the selection by `by` rows (clamped) and load the sample there; when the loaded
/// sample's code or stdin has unsaved edits, ask first.
pub fn move_selection(app: &mut App, by: isize) {
    let Some(browser) = app.browser.as_ref() else {
        return;
    };
    let last = browser.visible.len().saturating_sub(1);
    if browser.selected.saturating_add_signed(by).min(last) == browser.selected {
        return;
    }
    if app.editor.is_modified() {
        app.modal = Some(Modal::ConfirmLeave(Leave::Select(by)));
        return;
    }
    move_selection_now(app, by);
}

/// Move the selection without asking (the edits were saved or discarded).
pub fn move_selection_now(app: &mut App, by: isize) {
    let Some(browser) = app.browser.as_mut() else {
        return;
    };
    let last = browser.visible.len().saturating_sub(1);
    browser.selected = browser.selected.saturating_add_signed(by).min(last);
    load_selected_sample(app);
}

/// The mouse over the browser pane (whose list is `list`): the wheel moves the selection,
/// a click focuses the pane and selects the row under it.
pub fn mouse_on_browser(app: &mut App, kind: MouseEventKind, list: Rect, row: u16) {
    match kind {
        MouseEventKind::ScrollDown => move_selection(app, 1),
        MouseEventKind::ScrollUp => move_selection(app, -1),
        MouseEventKind::Down(MouseButton::Left) => {
            app.focus = Focus::Browser;
            let Some(browser) = app.browser.as_ref() else {
                return;
            };
            let (len, selected) = (browser.visible.len(), browser.selected);
            if row < list.y || row >= list.y + list.height {
                return;
            }
            let index = list_top(len, selected, list.height as usize) + (row - list.y) as usize;
            if index < len {
                move_selection(app, index as isize - selected as isize);
            }
        }
        _ => {}
    }
}

/// Run one edit on the selected record and report its failure in the status bar.
pub fn edit_selected(
    app: &mut App,
    edit: impl FnOnce(&mut DatasetFile, usize) -> Result<(), DatasetError>,
) {
    let Some(browser) = app.browser.as_mut() else {
        return;
    };
    let Some(index) = browser.selected_record() else {
        app.message = Some("no sample selected".into());
        return;
    };
    if let Err(err) = edit(&mut browser.file, index) {
        app.message = Some(err.to_string());
    }
}

pub fn set_verdict(app: &mut App, verdict: Verdict) {
    edit_selected(app, |file, i| file.set_verdict(i, verdict));
}

/// Add `tag` to the selected sample, or remove it when the sample has it.
pub fn toggle_tag(app: &mut App, tag: &str) {
    let tag = tag.trim();
    if tag.is_empty() {
        return;
    }
    edit_selected(app, |file, i| {
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
fn edited_sample(app: &App) -> Result<(usize, Record), String> {
    let browser = app.browser.as_ref().ok_or("no dataset is open")?;
    let (index, code, stdin) = browser.loaded.as_ref().ok_or("no sample is loaded")?;
    let stepping = &app.stepping;
    let view = match &stepping.view {
        Some(view) if !stepping.stale && stepping.syntax_error.is_none() => view,
        _ if stepping.syntax_error.is_some() => {
            return Err("the program has a syntax error: fix it before saving".into())
        }
        _ => return Err("the new trace is not ready yet: try again in a moment".into()),
    };
    let mut record = browser.file.record(*index).map_err(|e| e.to_string())?;
    record.code = app.editor.code();
    record.stdin = app.editor.stdin_text();
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
pub fn save_sample(app: &mut App, as_new: bool) {
    let (index, mut record) = match edited_sample(app) {
        Ok(sample) => sample,
        Err(message) => {
            app.message = Some(message);
            return;
        }
    };
    let (code, stdin) = (app.editor.code(), app.editor.stdin_text());
    let save_key = app.keymap.key_label(Scope::Browser, Command::SaveDataset);
    let Some(browser) = app.browser.as_mut() else {
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
            format!("sample updated (save the dataset with {save_key})")
        })
    };
    app.message = Some(result.unwrap_or_else(|e| e.to_string()));
    app.editor.mark_saved();
}

/// Save the dataset file; when it changed on disk, ask before overwriting (`force`).
pub fn save_dataset(app: &mut App, force: bool) {
    let Some(browser) = app.browser.as_mut() else {
        return;
    };
    app.message = Some(match browser.file.save(force) {
        Ok(()) => format!("saved {}", browser.file.path().display()),
        Err(DatasetError::ChangedOnDisk(_)) => {
            app.modal = Some(Modal::Browser(BrowserModal::ConfirmOverwrite));
            return;
        }
        Err(err) => err.to_string(),
    });
}
