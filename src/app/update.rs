//! `update(&mut App, Action)`: the dispatcher. It turns a terminal event into an action
//! through the keymap (`action_for`) and hands each action to the file that owns it; nothing
//! imports from here. No drawing, no waiting: tracing is queued as jobs for the worker, and
//! only saving touches the disk.

use crossterm::event::{Event as TermEvent, KeyCode, KeyEvent, KeyEventKind, KeyModifiers};
use ratatui::layout::Rect;
use tui_textarea::{CursorMove, Input, TextArea};

use super::action::Action;
use super::command::Command;
use super::effects::{buffer_changed, finish, navigate, save};
use super::focus::Focus;
use super::layout::{inner, PaneAreas};
use super::pane::editor::Buffer;
use super::scope::Scope;
use super::state::{App, Modal, TracerStatus};
use super::{browser_keys, causal, modal, mouse, mutation, prediction};
use crate::trace::{OutcomeKind, Trace};

/// The action a terminal event asks for, if any.
pub fn action_for(app: &App, event: TermEvent) -> Option<Action> {
    match event {
        TermEvent::Key(key) if key.kind != KeyEventKind::Release => {
            let command = match &app.modal {
                None => app.keymap.command_for(app.focus, &key),
                // A pop-up's own keys first; otherwise only quit, help and close reach it,
                // except that a prompt takes every plain character as text (a tag with a `q`).
                Some(modal) => {
                    let scope = modal.scope();
                    let text = scope == Some(Scope::Prompt) && is_text(&key);
                    scope
                        .and_then(|scope| app.keymap.command_in(scope, &key))
                        .or_else(|| {
                            app.keymap.command_for(app.focus, &key).filter(|c| {
                                !text && matches!(c, Command::Quit | Command::Help | Command::Close)
                            })
                        })
                }
            };
            Some(command.map_or(Action::Key(key), Action::Command))
        }
        TermEvent::Paste(text) => Some(Action::Paste(text)),
        TermEvent::Mouse(mouse) => Some(Action::Mouse(mouse)),
        TermEvent::Resize(w, h) => Some(Action::Resize(w, h)),
        _ => None,
    }
}

/// A key that types a character: a plain or shifted letter, digit or symbol.
fn is_text(key: &KeyEvent) -> bool {
    matches!(key.code, KeyCode::Char(_)) && (key.modifiers - KeyModifiers::SHIFT).is_empty()
}

/// Apply one action.
pub fn update(app: &mut App, action: Action) {
    match action {
        Action::Input(event) => {
            if let Some(action) = action_for(app, event) {
                update(app, action);
            }
        }
        Action::Command(command) => run_command(app, command),
        Action::Key(key) => on_key(app, key),
        Action::Paste(text) => on_paste(app, &text),
        Action::Mouse(mouse) => mouse::on_mouse(app, mouse),
        Action::Resize(w, h) => app.screen = Rect::new(0, 0, w, h),
        Action::Terminate => {
            // Keep the recovery file: the next start offers the unsaved buffer back.
            app.recovery_dirty = app.editor.modified;
            app.quit = true;
        }
        Action::TracerReady(Ok(())) => app.tracer = TracerStatus::Ready,
        Action::TracerReady(Err(message)) => app.tracer = TracerStatus::Failed(message),
        Action::Traced { id, result } => on_traced(app, id, result),
        Action::Model(event) if app.causal.is_active() => causal::on_model_event(app, event),
        Action::Model(event) => app.prediction.on_event(event),
        Action::Checked { id, result } => causal::on_checked(app, id, result),
    }
}

fn run_command(app: &mut App, command: Command) {
    if app.modal.is_some() {
        modal::on_command(app, command);
        return;
    }
    app.message = None;
    match command {
        Command::Quit if app.editor.is_modified() || app.dataset_modified() => {
            app.modal = Some(Modal::ConfirmQuit)
        }
        Command::Quit => finish(app),
        Command::Help => app.modal = Some(Modal::Help { scroll: 0 }),
        Command::Close => {}
        Command::FocusNext => cycle_focus(app, 1),
        Command::FocusPrev => cycle_focus(app, Focus::ORDER.len() - 1),
        Command::Save => save(app),
        Command::Retrace => app.request_trace(std::time::Duration::ZERO),
        Command::Undo | Command::Redo => undo_redo(app, command == Command::Undo),
        Command::JumpToStep => app.modal = Some(Modal::JumpToStep(String::new())),
        Command::OpenModel => app.modal = Some(Modal::ModelPath(String::new())),
        Command::ToggleBeam => prediction::toggle_beam(app),
        Command::FirstDivergence | Command::NextDivergence if app.causal.is_active() => {
            causal::jump_to_input_difference(app)
        }
        Command::FirstDivergence => prediction::jump_to_divergence(app, false),
        Command::NextDivergence => prediction::jump_to_divergence(app, true),
        Command::NextParagraph => causal::select_paragraph(app, 1),
        Command::PrevParagraph => causal::select_paragraph(app, -1),
        Command::ParagraphStep => causal::jump_to_paragraph_line(app),
        Command::SwitchTask => causal::switch_task(app),
        Command::MutateLine => mutation::open_picker(app, false),
        Command::MutateProgram => mutation::open_picker(app, true),
        Command::MutateRandom => mutation::apply_random(app),
        Command::ShowDiff => mutation::show_diff(app),
        Command::BackToOriginal => mutation::back_to_original(app),
        Command::NextStep
        | Command::PrevStep
        | Command::Forward10
        | Command::Back10
        | Command::FirstStep
        | Command::LastStep
        | Command::NextOnCursorLine
        | Command::PrevOnCursorLine
        | Command::StepOver
        | Command::BackOver
        | Command::StepOut
        | Command::BackOut => navigate(app, command),
        Command::SampleNext
        | Command::SamplePrev
        | Command::SamplePageDown
        | Command::SamplePageUp
        | Command::Accept
        | Command::Reject
        | Command::Unreview
        | Command::Tag
        | Command::Note
        | Command::Search
        | Command::FilterSpec
        | Command::ClearFilter
        | Command::SaveSample
        | Command::SaveAsNewSample
        | Command::SaveDataset
        | Command::OpenDataset => browser_keys::run(app, command),
        // The pop-ups' commands mean nothing while no pop-up is open.
        Command::ScrollDown
        | Command::ScrollUp
        | Command::ScrollPageDown
        | Command::ScrollPageUp
        | Command::ScrollTop
        | Command::ScrollBottom
        | Command::Choose
        | Command::Restore
        | Command::Discard
        | Command::Submit
        | Command::Complete => {}
    }
}

/// Undo or redo one step: in the editor a typed word is one step (see `UndoGroups`).
fn undo_redo(app: &mut App, undo: bool) {
    let buffer = if app.focus == Focus::Stdin {
        Buffer::Stdin
    } else {
        Buffer::Editor
    };
    let editor = &mut app.editor;
    let steps = match (buffer, undo) {
        (Buffer::Stdin, _) => 1,
        (Buffer::Editor, true) => editor.undo_groups.undo_step(&editor.code()),
        (Buffer::Editor, false) => editor.undo_groups.redo_step(&editor.code()),
    };
    let mut changed = false;
    for _ in 0..steps {
        let area = app.editor.area_mut(buffer);
        if !(if undo { area.undo() } else { area.redo() }) {
            break;
        }
        changed = true;
        if buffer == Buffer::Editor {
            mutation::after_undo_redo(app, undo);
        }
    }
    if !changed {
        return;
    }
    buffer_changed(app, buffer);
    if buffer == Buffer::Editor {
        let code = app.editor.code();
        app.editor.undo_groups.settled(code);
    }
}

fn cycle_focus(app: &mut App, by: usize) {
    let order = Focus::ORDER;
    let mut at = order.iter().position(|f| *f == app.focus).unwrap_or(0);
    loop {
        at = (at + by) % order.len();
        if order[at] != Focus::Browser || app.browser.is_some() {
            break;
        }
    }
    app.focus = order[at];
}

fn on_key(app: &mut App, key: KeyEvent) {
    if app.modal.is_some() {
        modal::on_key(app, key);
        return;
    }
    // The editor's text before the key, to count the edit for undo.
    let before_code = (app.focus == Focus::Editor).then(|| app.editor.code());
    let page = PaneAreas::compute(app.screen).map_or(1, |areas| {
        let pane = if app.focus == Focus::Stdin {
            areas.stdin
        } else {
            areas.editor
        };
        inner(pane).height.saturating_sub(1).max(1)
    });
    let buffer = match app.focus {
        Focus::Editor => Buffer::Editor,
        Focus::Stdin => Buffer::Stdin,
        Focus::Stepping | Focus::Browser => return,
    };
    let editor = &mut app.editor;
    let area = editor.area_mut(buffer);
    if move_far(area, key, page) {
        editor.undo_groups.moved();
        return;
    }
    let is_enter = key.code == KeyCode::Enter && key.modifiers.is_empty();
    let changed = if buffer == Buffer::Editor && is_enter {
        let (row, column) = area.cursor();
        let before: String = area.lines()[row].chars().take(column).collect();
        // One edit, so one undo takes the new line back.
        area.insert_str(format!("\n{}", next_line_indent(&before)))
    } else {
        area.input(Input::from(key))
    };
    if !changed {
        editor.undo_groups.moved();
        return;
    }
    if let Some(before) = before_code {
        let word = matches!(key.code, KeyCode::Char(c) if c.is_alphanumeric() || c == '_')
            && (key.modifiers - KeyModifiers::SHIFT).is_empty();
        let after = editor.code();
        editor.undo_groups.edited(word, &before, after);
    }
    buffer_changed(app, buffer);
}

/// PageUp / PageDown move the cursor a pane's height, keeping its column where the line
/// allows; Ctrl-Home / Ctrl-End go to the start / end of the buffer. Whether `key` was one.
fn move_far(area: &mut TextArea<'static>, key: KeyEvent, page: u16) -> bool {
    let ctrl = key.modifiers == KeyModifiers::CONTROL;
    let (row, column) = area.cursor();
    let row = u16::try_from(row).unwrap_or(u16::MAX);
    let column = u16::try_from(column).unwrap_or(u16::MAX);
    let target = match key.code {
        KeyCode::PageDown if key.modifiers.is_empty() => (row.saturating_add(page), column),
        KeyCode::PageUp if key.modifiers.is_empty() => (row.saturating_sub(page), column),
        KeyCode::Home if ctrl => (0, 0),
        KeyCode::End if ctrl => (u16::MAX, u16::MAX),
        _ => return false,
    };
    // Jump clamps the row and column to the buffer.
    area.move_cursor(CursorMove::Jump(target.0, target.1));
    true
}

/// Python auto-indent, from the text before the cursor: the new line keeps its indentation,
/// one level deeper after a `:`. Enter within the indentation (column 0 included) adds none:
/// the rest of the line moves down with its own. (Tab moves focus, so the editor indents for
/// the user.)
fn next_line_indent(before: &str) -> String {
    if before.trim().is_empty() {
        return String::new();
    }
    let lead: String = before.chars().take_while(|c| *c == ' ').collect();
    if before.trim_end().ends_with(':') {
        lead + "    "
    } else {
        lead
    }
}

fn on_paste(app: &mut App, text: &str) {
    let text = text.replace("\r\n", "\n").replace('\r', "\n");
    match (&mut app.modal, app.focus) {
        (Some(Modal::SavePath(path) | Modal::ModelPath(path)), _) => path.push_str(text.trim_end()),
        (Some(_), _) | (None, Focus::Stepping | Focus::Browser) => {}
        (None, Focus::Editor) => {
            if app.editor.program.insert_str(&text) {
                buffer_changed(app, Buffer::Editor);
            }
        }
        (None, Focus::Stdin) => {
            if app.editor.stdin.insert_str(&text) {
                buffer_changed(app, Buffer::Stdin);
            }
        }
    }
}

fn on_traced(app: &mut App, id: u64, result: Result<Trace, String>) {
    if id != app.latest_request() {
        app.dropped_results += 1;
        return;
    }
    match result {
        Ok(trace) if trace.outcome.kind == OutcomeKind::SyntaxError => {
            app.stepping.show_syntax_error(trace.outcome)
        }
        Ok(trace) => {
            let code = app.latest_code().to_string();
            app.stepping.show(trace, &code);
            prediction::trace_changed(app);
            causal::trace_changed(app);
            mutation::on_new_trace(app);
        }
        Err(message) => app.stepping.show_tracer_error(message),
    }
}
