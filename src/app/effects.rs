//! Effects shared by the feature files (keys, pop-ups, mouse, mutation, browser): an edited
//! buffer, moving through the trace, saving the program, leaving. They sit below every feature
//! file and import none of them.

use std::path::PathBuf;

use super::command::Command;
use super::files;
use super::pane::editor::Buffer;
use super::state::{App, Modal, EDIT_DEBOUNCE};

/// Move through the trace (the message says why not, when there is no such step).
pub(super) fn navigate(app: &mut App, command: Command) {
    let cursor_line = app.editor.program.cursor().0 as u32 + 1;
    if let Err(message) = app.stepping.navigate(command, cursor_line) {
        app.message = Some(message);
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
        if app.editor.crlf {
            text.replace('\n', "\r\n")
        } else {
            text
        }
    };
    let saved = files::write_atomic(&path, &endings(app.editor.code())).and_then(|()| {
        if app.editor.stdin_modified {
            files::write_atomic(&stdin_path, &endings(app.editor.stdin_text()))?;
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
            app.message = Some(if app.editor.stdin_modified {
                format!("saved {} and {}", path.display(), stdin_path.display())
            } else {
                format!("saved {}", path.display())
            });
            app.editor.mark_saved();
            app.path = Some(path);
        }
        Err(err) => app.message = Some(format!("cannot save {}: {err}", path.display())),
    }
}

/// `buffer`'s text changed: mark the trace stale and re-trace after the debounce (an edit of
/// the program also marks it modified and due for the recovery file).
pub(super) fn buffer_changed(app: &mut App, buffer: Buffer) {
    app.editor.changed(buffer);
    if buffer == Buffer::Editor {
        app.recovery_dirty = true;
    }
    app.stepping.code_changed();
    app.prediction.code_changed();
    app.causal.code_changed();
    app.request_trace(EDIT_DEBOUNCE);
}
