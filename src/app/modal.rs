//! Pop-ups: their commands (through the keymap's pop-up scopes) and the keys they type. Each
//! pop-up's state lives in its `Modal` variant and is changed in place; a command that ends
//! the pop-up takes it out of `App::modal` and acts on what it held.

use crossterm::event::KeyEvent;

use super::command::Command;
use super::effects::{buffer_changed, finish, save, save_to};
use super::focus::Focus;
use super::pane::editor::Buffer;
use super::prompt::edit_prompt;
use super::scope::Scope;
use super::state::{App, Leave, Modal};
use super::{browser, browser_keys, mutation, prediction};

/// A command while a pop-up is open.
pub(super) fn on_command(app: &mut App, command: Command) {
    // The help has a heading and a blank row per scope and a row per binding: scrolling
    // stops once its last row is in view.
    let help_rows = app.keymap.bindings().len() + 2 * Scope::ALL.len();
    let help_view = usize::from(app.screen.height.saturating_sub(4));
    let help_last = u16::try_from(help_rows.saturating_sub(help_view)).unwrap_or(u16::MAX);
    match app.modal.as_mut() {
        Some(Modal::Help { scroll }) => {
            if let Some(moved) = scrolled(*scroll, command) {
                *scroll = moved.min(help_last);
                return;
            }
        }
        Some(Modal::Diff { scroll }) => {
            if let Some(moved) = scrolled(*scroll, command) {
                *scroll = moved;
                return;
            }
        }
        Some(Modal::Mutations(picker)) => {
            let last = picker.items.len().saturating_sub(1);
            if let Some(moved) = moved_in_list(picker.selected, last, command) {
                picker.selected = moved;
                return;
            }
        }
        _ => {}
    }
    if matches!(app.modal, Some(Modal::Browser(_))) && browser_keys::on_modal_command(app, command)
    {
        return;
    }
    // The pop-up closes unless an arm puts it back.
    let Some(modal) = app.modal.take() else {
        return;
    };
    match (modal, command) {
        // The save questions: s saves, d discards, Esc cancels; nothing else answers them (a
        // second Ctrl-Q included).
        (Modal::ConfirmQuit, Command::Discard) => {
            discard_dataset_edits(app);
            finish(app);
        }
        (Modal::ConfirmQuit, Command::Save) => save_and_quit(app),
        (Modal::ConfirmLeave(leave), Command::Save) => {
            save_before_leaving(app, leave);
            let dataset_kept = leave != Leave::OpenDataset || !app.dataset_modified();
            if !app.editor.is_modified() && dataset_kept && app.modal.is_none() {
                go(app, leave);
            }
        }
        (Modal::ConfirmLeave(leave), Command::Discard) => {
            if leave == Leave::OpenDataset {
                discard_dataset_edits(app);
            }
            go(app, leave);
        }
        // Esc on the recovery offer keeps the file for the next start; nothing this session
        // writes replaces it.
        (Modal::Recovery(_), Command::Close) => {
            app.recovery_path = None;
            app.message = Some(
                "kept the unsaved buffer for the next start; this session's edits are not \
                 saved for recovery"
                    .into(),
            );
        }
        (_, Command::Close)
        | (Modal::Help { .. } | Modal::Mutations(_) | Modal::Diff { .. }, Command::Quit)
        | (Modal::Help { .. }, Command::Help) => {}
        (_, Command::Help) => app.modal = Some(Modal::Help { scroll: 0 }),
        (Modal::Mutations(picker), Command::Choose) => {
            if let Some(m) = picker.items.get(picker.selected) {
                mutation::apply(app, m);
            }
        }
        (Modal::Recovery(text), Command::Restore) => {
            app.editor.replace_program(&text);
            app.focus = Focus::Editor;
            buffer_changed(app, Buffer::Editor);
            app.message = Some("recovered the unsaved buffer".into());
        }
        (Modal::Recovery(_), Command::Discard) => {
            if let Some(path) = &app.recovery_path {
                let _ = std::fs::remove_file(path);
            }
        }
        (Modal::SavePath(text), Command::Submit) => {
            if !text.trim().is_empty() {
                save_to(app, text.trim().into());
            }
        }
        (Modal::JumpToStep(text), Command::Submit) => jump_to(app, &text),
        (Modal::ModelPath(text), Command::Submit) => prediction::pick_model(app, &text),
        (modal, _) => app.modal = Some(modal),
    }
}

/// A key no binding claimed while a pop-up is open: text for its prompt.
pub(super) fn on_key(app: &mut App, key: KeyEvent) {
    match app.modal.as_mut() {
        Some(Modal::SavePath(text) | Modal::ModelPath(text)) => edit_prompt(text, key, |_| true),
        Some(Modal::JumpToStep(text)) => edit_prompt(text, key, |c| c.is_ascii_digit()),
        Some(Modal::Browser(_)) => browser_keys::on_modal_key(app, key),
        _ => {}
    }
}

/// "Save and quit": save what is unsaved, then quit unless saving asks something first.
fn save_and_quit(app: &mut App) {
    if app.editor.is_modified() {
        save(app);
    }
    if app.dataset_modified() {
        browser::save_dataset(app, false);
    }
    if !app.editor.is_modified() && !app.dataset_modified() && app.modal.is_none() {
        finish(app);
    }
}

/// The `s` answer before leaving: the program to its file, or the loaded sample's edits into
/// the sample; before another dataset opens, this one's unsaved edits to its file.
fn save_before_leaving(app: &mut App, leave: Leave) {
    if app.editor.is_modified() {
        if app.browser.as_ref().is_some_and(|b| b.loaded.is_some()) {
            browser::save_sample(app, false);
        } else {
            save(app);
        }
    }
    if leave == Leave::OpenDataset && app.dataset_modified() {
        browser::save_dataset(app, false);
    }
}

/// Carry on where the user was going.
fn go(app: &mut App, leave: Leave) {
    match leave {
        Leave::Select(by) => browser::move_selection_now(app, by),
        Leave::OpenDataset => browser_keys::open_prompt(app),
    }
}

/// Quitting without saving: the dataset's journal of this session's edits is set aside
/// (`FILE.jsonl.journal.discarded`), so the next open does not offer them back.
fn discard_dataset_edits(app: &mut App) {
    if let Some(browser) = app.browser.take() {
        let _ = browser.file.close_discarding_edits();
    }
}

/// A scroll position after a scrolling command (`None`: not one).
fn scrolled(scroll: u16, command: Command) -> Option<u16> {
    Some(match command {
        Command::ScrollDown => scroll.saturating_add(1),
        Command::ScrollUp => scroll.saturating_sub(1),
        Command::ScrollPageDown => scroll.saturating_add(10),
        Command::ScrollPageUp => scroll.saturating_sub(10),
        _ => return None,
    })
}

/// A list selection after a moving command, kept within `0..=last` (`None`: not one).
fn moved_in_list(selected: usize, last: usize, command: Command) -> Option<usize> {
    Some(match command {
        Command::ScrollDown => (selected + 1).min(last),
        Command::ScrollUp => selected.saturating_sub(1),
        Command::ScrollPageDown => (selected + 10).min(last),
        Command::ScrollPageUp => selected.saturating_sub(10),
        Command::ScrollTop => 0,
        Command::ScrollBottom => last,
        _ => return None,
    })
}

fn jump_to(app: &mut App, text: &str) {
    if let Err(message) = app.stepping.jump_to(text) {
        app.message = Some(message);
    }
}
