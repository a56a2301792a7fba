//! Pop-ups: their commands (through the keymap's pop-up scopes) and the keys they type. Each
//! pop-up's state lives in its `Modal` variant and is changed in place; a command gets an
//! explicit [`Outcome`] from the pop-up: keep it open, or close it and then run a [`Then`]
//! that carries what the pop-up held (a path typed, a mutation chosen, a recovered buffer).

use crossterm::event::KeyEvent;

use super::command::Command;
use super::effects::{buffer_changed, finish, save, save_to};
use super::focus::Focus;
use super::pane::editor::Buffer;
use super::prompt::edit_prompt;
use super::scope::Scope;
use super::state::{App, Leave, Modal};
use super::{browser, browser_keys, mutation, prediction};
use crate::mutate::Mutation;

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
    let Some(modal) = app.modal.as_mut() else {
        return;
    };
    match outcome(modal, command) {
        Outcome::Keep => {}
        Outcome::Close(then) => {
            app.modal = None;
            run(app, then);
        }
    }
}

/// What a command does to the open pop-up.
enum Outcome {
    /// The pop-up stays open: the command means nothing to it.
    Keep,
    /// The pop-up closes, then this runs.
    Close(Then),
}

/// What runs once a pop-up has closed, with what it held.
enum Then {
    Nothing,
    /// "Quit?" answered d: drop unsaved dataset edits, quit.
    QuitDiscarding,
    /// "Quit?" answered s.
    SaveAndQuit,
    /// "Leave?" answered s: save, then leave if nothing is left unsaved.
    SaveAndLeave(Leave),
    /// "Leave?" answered d.
    LeaveDiscarding(Leave),
    /// Esc on the recovery offer: keep the file for the next start.
    KeepRecoveryForLater,
    Restore(String),
    DiscardRecovery,
    OpenHelp,
    ApplyMutation(Mutation),
    SaveTo(String),
    JumpTo(String),
    PickModel(String),
}

/// The pop-up's answer to `command`, taking what the closing step needs out of it.
fn outcome(modal: &mut Modal, command: Command) -> Outcome {
    let then = match (modal, command) {
        // The save questions: s saves, d discards, Esc cancels; nothing else answers them (a
        // second Ctrl-Q included).
        (Modal::ConfirmQuit, Command::Discard) => Then::QuitDiscarding,
        (Modal::ConfirmQuit, Command::Save) => Then::SaveAndQuit,
        (Modal::ConfirmLeave(leave), Command::Save) => Then::SaveAndLeave(*leave),
        (Modal::ConfirmLeave(leave), Command::Discard) => Then::LeaveDiscarding(*leave),
        // Esc on the recovery offer keeps the file for the next start; nothing this session
        // writes replaces it.
        (Modal::Recovery(_), Command::Close) => Then::KeepRecoveryForLater,
        (_, Command::Close)
        | (Modal::Help { .. } | Modal::Mutations(_) | Modal::Diff { .. }, Command::Quit)
        | (Modal::Help { .. }, Command::Help) => Then::Nothing,
        (_, Command::Help) => Then::OpenHelp,
        (Modal::Mutations(picker), Command::Choose) => match picker.items.get(picker.selected) {
            Some(m) => Then::ApplyMutation(m.clone()),
            None => Then::Nothing,
        },
        (Modal::Recovery(text), Command::Restore) => Then::Restore(std::mem::take(text)),
        (Modal::Recovery(_), Command::Discard) => Then::DiscardRecovery,
        (Modal::SavePath(text), Command::Submit) => Then::SaveTo(std::mem::take(text)),
        (Modal::JumpToStep(text), Command::Submit) => Then::JumpTo(std::mem::take(text)),
        (Modal::ModelPath(text), Command::Submit) => Then::PickModel(std::mem::take(text)),
        _ => return Outcome::Keep,
    };
    Outcome::Close(then)
}

/// What follows a closed pop-up.
fn run(app: &mut App, then: Then) {
    match then {
        Then::Nothing => {}
        Then::QuitDiscarding => {
            discard_dataset_edits(app);
            finish(app);
        }
        Then::SaveAndQuit => save_and_quit(app),
        Then::SaveAndLeave(leave) => {
            save_before_leaving(app, leave);
            let dataset_kept = leave != Leave::OpenDataset || !app.dataset_modified();
            if !app.editor.is_modified() && dataset_kept && app.modal.is_none() {
                go(app, leave);
            }
        }
        Then::LeaveDiscarding(leave) => {
            if leave == Leave::OpenDataset {
                discard_dataset_edits(app);
            }
            go(app, leave);
        }
        Then::KeepRecoveryForLater => {
            app.recovery_path = None;
            app.message = Some(
                "kept the unsaved buffer for the next start; this session's edits are not \
                 saved for recovery"
                    .into(),
            );
        }
        Then::Restore(text) => {
            app.editor.replace_program(&text);
            app.focus = Focus::Editor;
            buffer_changed(app, Buffer::Editor);
            app.message = Some("recovered the unsaved buffer".into());
        }
        Then::DiscardRecovery => {
            if let Some(path) = &app.recovery_path {
                let _ = std::fs::remove_file(path);
            }
        }
        Then::OpenHelp => app.modal = Some(Modal::Help { scroll: 0 }),
        Then::ApplyMutation(m) => mutation::apply(app, &m),
        Then::SaveTo(text) => {
            if !text.trim().is_empty() {
                save_to(app, text.trim().into());
            }
        }
        Then::JumpTo(text) => jump_to(app, &text),
        Then::PickModel(text) => prediction::pick_model(app, &text),
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
