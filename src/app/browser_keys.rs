//! The browser's commands (selection, review, filters, saving) and the keys of its pop-ups
//! (journal offer, overwrite confirmation, tag / note / search / filter / open prompts).

use crossterm::event::{KeyCode, KeyEvent};

use super::command::Command;
use super::pane::browser::{parse_filter, BrowserModal, PromptKind};
use super::prompt::edit_prompt;
use super::state::{App, Modal};
use crate::dataset::{Filter, Verdict};

fn prompt(app: &mut App, kind: PromptKind, text: String) {
    app.modal = Some(Modal::Browser(BrowserModal::Prompt { kind, text }));
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

pub(super) fn on_modal_key(modal: BrowserModal, app: &mut App, key: KeyEvent) {
    on_key(modal, app, key);
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
        return prompt(app, PromptKind::Open, String::new());
    }
    let Some(browser) = app.browser.as_ref() else {
        app.message = Some("no dataset is open (Ctrl-O opens one)".into());
        return;
    };
    match command {
        Command::SampleNext => app.move_selection(1),
        Command::SamplePrev => app.move_selection(-1),
        Command::SamplePageDown => app.move_selection(10),
        Command::SamplePageUp => app.move_selection(-10),
        Command::Accept => app.set_verdict(Verdict::Accepted),
        Command::Reject => app.set_verdict(Verdict::Rejected),
        Command::Unreview => app.set_verdict(Verdict::Unreviewed),
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
        Command::SaveSample => app.save_sample(false),
        Command::SaveAsNewSample => app.save_sample(true),
        Command::SaveDataset => app.save_dataset(false),
        _ => {}
    }
}

fn apply_filter(app: &mut App, filter: Filter) {
    if let Some(browser) = app.browser.as_mut() {
        browser.set_filter(filter);
        app.message = Some(format!(
            "{} of {} samples shown",
            browser.visible.len(),
            browser.file.len()
        ));
    }
    app.load_selected_sample();
}

/// The first tag of the file that starts with `text` (and is longer), for Tab completion.
pub fn complete_tag(tags: &[String], text: &str) -> Option<String> {
    tags.iter()
        .find(|t| t.starts_with(text) && t.len() > text.len())
        .cloned()
}

fn on_key(modal: BrowserModal, app: &mut App, key: KeyEvent) {
    let ch = match key.code {
        KeyCode::Char(c) => Some(c),
        _ => None,
    };
    match modal {
        BrowserModal::Report(_) => app.modal = None,
        BrowserModal::Journal(report) => match ch {
            Some('r') => {
                app.modal = None;
                replay(app, true);
            }
            Some('d') => {
                app.modal = None;
                replay(app, false);
            }
            _ => app.modal = Some(Modal::Browser(BrowserModal::Journal(report))),
        },
        BrowserModal::ConfirmOverwrite => match ch {
            Some('y') => {
                app.modal = None;
                app.save_dataset(true);
            }
            Some('n') => app.modal = None,
            _ => {}
        },
        BrowserModal::Prompt { kind, mut text } => {
            if kind == PromptKind::Tag && key.code == KeyCode::Tab {
                let tags = app
                    .browser
                    .as_ref()
                    .map(|b| b.file.tags())
                    .unwrap_or_default();
                if let Some(done) = complete_tag(&tags, &text) {
                    text = done;
                }
                return prompt(app, kind, text);
            }
            if !edit_prompt(&mut text, key, |_| true) {
                return prompt(app, kind, text);
            }
            app.modal = None;
            submit(app, kind, &text);
        }
    }
}

fn submit(app: &mut App, kind: PromptKind, text: &str) {
    match kind {
        PromptKind::Tag => app.toggle_tag(text),
        PromptKind::Note => app.edit_selected(|file, i| file.set_note(i, text)),
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
            if let Err(message) = app.open_dataset(std::path::Path::new(text.trim())) {
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
                format!("replayed {} edit(s)", report.applied)
            }
            Ok(report) => format!(
                "replayed {} edit(s); skipped {}: {}",
                report.applied,
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
    app.load_selected_sample();
    app.message = Some(message);
}
