//! The browser's commands (selection, review, filters, saving) and the keys of its pop-ups
//! (journal offer, overwrite confirmation, tag / note / search / filter / open prompts).

use crossterm::event::KeyEvent;

use super::browser;
use super::command::Command;
use super::pane::browser::{parse_filter, BrowserModal, PromptKind};
use super::prompt::edit_prompt;
use super::scope::Scope;
use super::state::{App, Leave, Modal};
use crate::dataset::{Filter, Verdict};
use crate::plural::count;

fn prompt(app: &mut App, kind: PromptKind, text: String) {
    app.modal = Some(Modal::Browser(BrowserModal::Prompt { kind, text }));
}

/// Ask for the dataset to open.
pub(super) fn open_prompt(app: &mut App) {
    prompt(app, PromptKind::Open, String::new());
}

pub(super) fn run(app: &mut App, command: Command) {
    run_command(app, command);
    let edits = matches!(
        command,
        Command::Accept
            | Command::Reject
            | Command::Unreview
            | Command::SaveSample
            | Command::SaveAsNewSample
            | Command::SaveDataset
    );
    if edits {
        refresh_dirty(app);
    }
}

/// A command while a browser pop-up is open; false when it is not the pop-up's own (quit,
/// help and close are handled as for every pop-up).
pub(super) fn on_modal_command(app: &mut App, command: Command) -> bool {
    let Some(Modal::Browser(modal)) = app.modal.as_mut() else {
        return false;
    };
    match (modal, command) {
        (BrowserModal::Prompt { kind, text }, Command::Complete) => {
            if *kind == PromptKind::Tag {
                let tags = app
                    .browser
                    .as_ref()
                    .map(|b| b.file.tags())
                    .unwrap_or_default();
                if let Some(done) = complete_tag(&tags, text) {
                    *text = done;
                }
            }
        }
        (
            BrowserModal::Prompt { .. } | BrowserModal::Journal(_) | BrowserModal::ConfirmOverwrite,
            Command::Submit | Command::Restore | Command::Discard | Command::Save,
        ) => match (app.modal.take(), command) {
            (Some(Modal::Browser(BrowserModal::Prompt { kind, text })), Command::Submit) => {
                submit(app, kind, &text)
            }
            (Some(Modal::Browser(BrowserModal::Journal(_))), Command::Restore) => replay(app, true),
            (Some(Modal::Browser(BrowserModal::Journal(_))), Command::Discard) => {
                replay(app, false)
            }
            (Some(Modal::Browser(BrowserModal::ConfirmOverwrite)), Command::Save) => {
                browser::save_dataset(app, true)
            }
            (other, _) => app.modal = other,
        },
        _ => return false,
    }
    refresh_dirty(app);
    true
}

/// A key no binding claimed while a browser pop-up is open: text for its prompt; any key
/// closes the open report.
pub(super) fn on_modal_key(app: &mut App, key: KeyEvent) {
    match app.modal.as_mut() {
        Some(Modal::Browser(BrowserModal::Report(_))) => app.modal = None,
        Some(Modal::Browser(BrowserModal::Prompt { text, .. })) => edit_prompt(text, key, |_| true),
        _ => {}
    }
    refresh_dirty(app);
}

/// Every change to the dataset goes through `run` or `on_modal_key`, so the unsaved-edits mark
/// is refreshed there (checking all records once per edit, not once per frame or move).
fn refresh_dirty(app: &mut App) {
    if let Some(browser) = app.browser.as_mut() {
        browser.dirty = browser.file.is_dirty();
    }
}

fn run_command(app: &mut App, command: Command) {
    if command == Command::OpenDataset {
        if app.editor.is_modified() || app.dataset_modified() {
            app.modal = Some(Modal::ConfirmLeave(Leave::OpenDataset));
            return;
        }
        return open_prompt(app);
    }
    let Some(browser) = app.browser.as_ref() else {
        let open = app.keymap.key_label(Scope::Global, Command::OpenDataset);
        app.message = Some(format!("no dataset is open ({open} opens one)"));
        return;
    };
    match command {
        Command::SampleNext => browser::move_selection(app, 1),
        Command::SamplePrev => browser::move_selection(app, -1),
        Command::SamplePageDown => browser::move_selection(app, 10),
        Command::SamplePageUp => browser::move_selection(app, -10),
        Command::Accept => browser::set_verdict(app, Verdict::Accepted),
        Command::Reject => browser::set_verdict(app, Verdict::Rejected),
        Command::Unreview => browser::set_verdict(app, Verdict::Unreviewed),
        Command::Tag => prompt(app, PromptKind::Tag, String::new()),
        Command::Note => {
            let note = browser
                .selected_record()
                .and_then(|i| browser.file.record(i).ok())
                .map(|r| r.note)
                .unwrap_or_default();
            prompt(app, PromptKind::Note, note)
        }
        Command::Search => prompt(app, PromptKind::Search, browser.filter.text.clone()),
        Command::FilterSpec => prompt(app, PromptKind::Filter, String::new()),
        Command::ClearFilter => apply_filter(app, Filter::default()),
        Command::SaveSample => browser::save_sample(app, false),
        Command::SaveAsNewSample => browser::save_sample(app, true),
        Command::SaveDataset => browser::save_dataset(app, false),
        _ => {}
    }
}

fn apply_filter(app: &mut App, filter: Filter) {
    if let Some(browser) = app.browser.as_mut() {
        browser.set_filter(filter);
        app.message = Some(format!(
            "{} of {} shown",
            browser.visible.len(),
            count(browser.file.len(), "sample")
        ));
    }
    browser::load_selected_sample(app);
}

/// The first tag of the file that starts with `text` (and is longer), for Tab completion.
pub fn complete_tag(tags: &[String], text: &str) -> Option<String> {
    tags.iter()
        .find(|t| t.starts_with(text) && t.len() > text.len())
        .cloned()
}

fn submit(app: &mut App, kind: PromptKind, text: &str) {
    match kind {
        PromptKind::Tag => browser::toggle_tag(app, text),
        PromptKind::Note => browser::edit_selected(app, |file, i| file.set_note(i, text)),
        PromptKind::Search => {
            let mut filter = app
                .browser
                .as_ref()
                .map(|b| b.filter.clone())
                .unwrap_or_default();
            filter.text = text.trim().to_string();
            apply_filter(app, filter);
        }
        PromptKind::Filter => match parse_filter(text) {
            Ok(filter) => apply_filter(app, filter),
            Err(message) => app.message = Some(message),
        },
        PromptKind::Open if text.trim().is_empty() => {}
        PromptKind::Open => {
            if let Err(message) = browser::open_dataset(app, std::path::Path::new(text.trim())) {
                app.message = Some(message);
            }
        }
    }
}

/// Replay (or set aside) the journal found at open.
fn replay(app: &mut App, replay: bool) {
    let Some(browser) = app.browser.as_mut() else {
        return;
    };
    let message = if replay {
        match browser.file.replay_journal() {
            Ok(report) if report.skipped.is_empty() => {
                format!("replayed {}", count(report.applied, "edit"))
            }
            Ok(report) => format!(
                "replayed {}; skipped {}: {}",
                count(report.applied, "edit"),
                report.skipped.len(),
                report.skipped.join("; ")
            ),
            Err(err) => err.to_string(),
        }
    } else {
        match browser.file.discard_journal() {
            Ok(Some(aside)) => format!("journal set aside as {}", aside.display()),
            Ok(None) => "no journal".into(),
            Err(err) => err.to_string(),
        }
    };
    // Replayed edits may have replaced the loaded sample or added new ones.
    browser.set_filter(browser.filter.clone());
    browser.loaded = None;
    browser::load_selected_sample(app);
    app.message = Some(message);
}
