//! Effects shared by the feature files (keys, pop-ups, mouse, mutation, browser): an edited
//! buffer, moving through the trace, saving the program, leaving. They sit below every feature
//! file and import none of them.

use std::path::PathBuf;

use super::command::Command;
use super::files;
use super::state::{App, Modal, EDIT_DEBOUNCE};

/// The two text buffers of the explorer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Buffer {
    /// The program.
    Editor,
    /// The program's standard input.
    Stdin,
}

/// Move through the trace.
pub(super) fn navigate(app: &mut App, command: Command) {
    let Some(view) = app.view.as_ref() else {
        app.message = Some("no trace yet".into());
        return;
    };
    if view.is_empty() {
        return;
    }
    let (i, last) = (app.step, view.len() - 1);
    let cursor_line = app.editor.cursor().0 as u32 + 1;
    let target = match command {
        Command::NextStep => Some((i + 1).min(last)),
        Command::PrevStep => Some(i.saturating_sub(1)),
        Command::Forward10 => Some((i + 10).min(last)),
        Command::Back10 => Some(i.saturating_sub(10)),
        Command::FirstStep => Some(0),
        Command::LastStep => Some(last),
        Command::StepOver => view.step_over(i),
        Command::BackOver => view.back_over(i),
        Command::StepOut => view.step_out(i),
        Command::BackOut => view.back_out(i),
        Command::NextOnCursorLine => view.next_on_line(i, cursor_line),
        Command::PrevOnCursorLine => view.prev_on_line(i, cursor_line),
        _ => None,
    };
    match target {
        Some(t) => app.step = t,
        None => {
            app.message = Some(format!(
                "no such step ({})",
                command.name().replace('_', " ")
            ))
        }
    }
}

/// Save the program (and its stdin, when that changed) to its path, or ask for one when it
/// has none (offering the name it was opened under).
pub(super) fn save(app: &mut App) {
    match app.path.clone() {
        Some(path) => save_to(app, path),
        None => app.modal = Some(Modal::SavePath(app.name.clone().unwrap_or_default())),
    }
}

/// Leave the explorer for good: the recovery file goes, nothing is left to offer.
pub(super) fn finish(app: &mut App) {
    if let Some(path) = &app.recovery_path {
        let _ = std::fs::remove_file(path);
    }
    app.recovery_dirty = false;
    app.quit = true;
}

/// Write the program to `path` (atomically) and make it the program's path; a changed stdin
/// goes to `PATH.stdin` beside it.
pub(super) fn save_to(app: &mut App, path: PathBuf) {
    let stdin_path = path.with_extension("stdin");
    // The file's own line endings are kept.
    let endings = |text: String| {
        if app.crlf {
            text.replace('\n', "\r\n")
        } else {
            text
        }
    };
    let saved = files::write_atomic(&path, &endings(app.code())).and_then(|()| {
        if app.stdin_modified {
            files::write_atomic(&stdin_path, &endings(app.stdin_text()))?;
        }
        Ok(())
    });
    match saved {
        Ok(()) => {
            if app.path.as_ref() != Some(&path) {
                if let Some(old) = &app.recovery_path {
                    let _ = std::fs::remove_file(old);
                }
                app.recovery_path = files::recovery_path(Some(&path));
            }
            if let Some(rec) = &app.recovery_path {
                let _ = std::fs::remove_file(rec);
            }
            app.recovery_dirty = false;
            app.message = Some(if app.stdin_modified {
                format!("saved {} and {}", path.display(), stdin_path.display())
            } else {
                format!("saved {}", path.display())
            });
            app.mark_saved();
            app.path = Some(path);
        }
        Err(err) => app.message = Some(format!("cannot save {}: {err}", path.display())),
    }
}

/// `buffer`'s text changed: mark the trace stale and re-trace after the debounce (an edit of
/// the program also marks it modified and due for the recovery file).
pub(super) fn buffer_changed(app: &mut App, buffer: Buffer) {
    // Modified means "differs from what was loaded or saved": undoing back to it is clean.
    match buffer {
        Buffer::Editor => {
            app.modified = app.code() != app.saved.0;
            app.recovery_dirty = true;
        }
        Buffer::Stdin => app.stdin_modified = app.stdin_text() != app.saved.1,
    }
    if app.view.is_some() {
        app.stale = true;
    }
    app.prediction.code_changed();
    app.causal.code_changed();
    app.request_trace(EDIT_DEBOUNCE);
}
