//! Mutation in the explorer: the picker (mutations on the cursor's line or in the whole
//! program), applying one or a random one as an ordinary undoable editor edit, the distance
//! from the original program, going back to it, and the first step where the mutant's
//! execution differs from the original's.
//!
//! The original program is the text the explorer opened with (saving does not change it).
//! Its trace is kept from the first trace of that text, and every later trace is compared
//! with it step by step (event, line, function, depth, locals, value and stdout).
//!
//! An edit that replaces text is a delete and an insert in tui-textarea's history; the buffer
//! between the two halves is remembered, so undo and redo pass over it in one keystroke.

use tui_textarea::CursorMove;

use super::effects::buffer_changed;
use super::pane::editor::Buffer;
use super::pane::mutation::{first_difference, Distance, MutationPicker, PickerScope};
use super::state::{App, Modal};
use crate::mutate::{self, Mutation};

/// The status-bar text for the buffer's distance from the original (none when it is the
/// original).
pub fn status_text(app: &App) -> Option<String> {
    let text = match app.mutation.distance(&app.editor.code()) {
        Distance::Original => return None,
        Distance::Mutations(1) => "1 mutation from the original".to_string(),
        Distance::Mutations(n) => format!("{n} mutations from the original"),
        Distance::Edited => "edited since the original".to_string(),
    };
    match app.mutation.first_change {
        Some(i) if app.stepping.view.is_some() && !app.stepping.stale => {
            Some(format!("{text} · first change at step {}", i + 1))
        }
        _ => Some(text),
    }
}

/// Open the picker on the mutations of the cursor's line, or of the whole program.
pub(super) fn open_picker(app: &mut App, whole_program: bool) {
    let all = match mutate::mutations(&app.editor.code()) {
        Ok(all) => all,
        Err(err) => {
            app.message = Some(format!("cannot mutate: {err}"));
            return;
        }
    };
    let line = app.editor.program.cursor().0 as u32 + 1;
    let (scope, items): (PickerScope, Vec<Mutation>) = if whole_program {
        (PickerScope::Program, all)
    } else {
        let on_line = all.into_iter().filter(|m| m.line == line).collect();
        (PickerScope::Line(line), on_line)
    };
    if items.is_empty() {
        app.message = Some(match scope {
            PickerScope::Line(l) => format!("no mutations on line {l}"),
            PickerScope::Program => "the program has no mutations".to_string(),
        });
        return;
    }
    app.modal = Some(Modal::Mutations(MutationPicker {
        scope,
        items,
        selected: 0,
    }));
}

/// Apply one mutation chosen at random from the whole program.
pub(super) fn apply_random(app: &mut App) {
    app.mutation.seed = app.mutation.seed.wrapping_add(1);
    match mutate::random(&app.editor.code(), app.mutation.seed) {
        Ok(Some(mutant)) => apply(app, &mutant.mutation),
        Ok(None) => app.message = Some("the program has no mutations".into()),
        Err(err) => app.message = Some(format!("cannot mutate: {err}")),
    }
}

/// Apply `m` (listed for the current buffer) to the editor as one undoable edit.
pub(super) fn apply(app: &mut App, m: &Mutation) {
    let before = app.editor.code();
    let expected = match mutate::apply(&before, m) {
        Ok(code) => code,
        Err(err) => {
            app.message = Some(format!("cannot apply mutation {}: {err}", m.id));
            return;
        }
    };
    if let Err(err) = replace_span(app, m.start, m.end, &m.replacement) {
        app.message = Some(format!("cannot apply mutation {}: {err}", m.id));
        return;
    }
    if app.editor.code() != expected {
        app.message = Some(format!(
            "mutation {} did not apply exactly; undo reverts it",
            m.id
        ));
    } else {
        app.message = Some(format!(
            "{} line {}: {}",
            m.op.code(),
            m.line,
            m.description
        ));
    }
    let distance = match app.mutation.distance(&before) {
        Distance::Original => Some(1),
        Distance::Mutations(n) => Some(n + 1),
        Distance::Edited => None,
    };
    if let Some(n) = distance {
        app.mutation.reached.push((app.editor.code(), n));
    }
    app.mutation.first_change = None;
    app.mutation.jump_pending = true;
    buffer_changed(app, Buffer::Editor);
}

/// Replace the buffer with the original program, as one undoable edit.
pub(super) fn back_to_original(app: &mut App) {
    let code = app.editor.code();
    let original = app.mutation.original.clone();
    if code == original {
        app.message = Some("the buffer is the original program".into());
        return;
    }
    let (start, end_code, end_original) = changed_span(&code, &original);
    match replace_span(app, start, end_code, &original[start..end_original]) {
        Ok(()) => {
            app.message = Some("back to the original program (undo returns)".into());
            app.mutation.jump_pending = false;
            buffer_changed(app, Buffer::Editor);
        }
        Err(err) => app.message = Some(format!("cannot restore the original: {err}")),
    }
}

/// Open the diff of the buffer against the original program.
pub(super) fn show_diff(app: &mut App) {
    if app.editor.code() == app.mutation.original {
        app.message = Some("the buffer is the original program: no diff".into());
    } else {
        app.modal = Some(Modal::Diff { scroll: 0 });
    }
}

/// After one undo or redo in the editor: finish a replacing edit left halfway.
pub(super) fn after_undo_redo(app: &mut App, undo: bool) {
    if app.mutation.halfway.contains(&app.editor.code()) {
        if undo {
            app.editor.program.undo();
        } else {
            app.editor.program.redo();
        }
    }
}

/// A new trace is on show: keep it as the original's, or find where it first differs.
pub(super) fn on_new_trace(app: &mut App) {
    let Some(view) = &app.stepping.view else {
        return;
    };
    if app.latest_code() == app.mutation.original {
        app.mutation.original_trace = Some(view.shared_trace());
        app.mutation.first_change = None;
        app.mutation.jump_pending = false;
        return;
    }
    let Some(original) = &app.mutation.original_trace else {
        return;
    };
    let first = first_difference(&original.steps, view.steps());
    app.mutation.first_change = first;
    if std::mem::take(&mut app.mutation.jump_pending) {
        match first {
            Some(i) => {
                app.stepping.step = i;
                app.message = Some(format!(
                    "the execution first differs from the original at step {}",
                    i + 1
                ));
            }
            None => app.message = Some("the execution is the same as the original's".into()),
        }
    }
}

/// Replace bytes `[start, end)` of the buffer's text with `replacement` through the editor,
/// so that undo reverts it.
fn replace_span(app: &mut App, start: usize, end: usize, replacement: &str) -> Result<(), String> {
    let code = app.editor.code();
    if start > end
        || end > code.len()
        || !code.is_char_boundary(start)
        || !code.is_char_boundary(end)
    {
        return Err(format!("span {start}..{end} is outside the buffer"));
    }
    let from = cursor_at(&code, start)?;
    let to = cursor_at(&code, end)?;
    let editor = &mut app.editor.program;
    editor.cancel_selection();
    editor.move_cursor(CursorMove::Jump(from.0, from.1));
    if start < end {
        editor.start_selection();
        editor.move_cursor(CursorMove::Jump(to.0, to.1));
    }
    if replacement.is_empty() {
        editor.delete_str(0);
    } else {
        editor.insert_str(replacement);
    }
    if start < end && !replacement.is_empty() {
        let mut halfway = code;
        halfway.replace_range(start..end, "");
        app.mutation.halfway.push(halfway);
    }
    Ok(())
}

/// The editor (row, column in characters) of byte `at` of the buffer text (which ends with
/// the newline `EditorPane::code` adds; its end is the end of the last line).
fn cursor_at(code: &str, at: usize) -> Result<(u16, u16), String> {
    let head = &code[..at.min(code.len().saturating_sub(1))];
    let row = head.matches('\n').count();
    let line_start = head.rfind('\n').map_or(0, |i| i + 1);
    let col = head[line_start..].chars().count();
    match (u16::try_from(row), u16::try_from(col)) {
        (Ok(r), Ok(c)) => Ok((r, c)),
        _ => Err("the program is too long to edit there (over 65535 lines or columns)".into()),
    }
}

/// The span where `a` and `b` differ: (start, end in `a`, end in `b`), on char boundaries.
fn changed_span(a: &str, b: &str) -> (usize, usize, usize) {
    let start = a
        .char_indices()
        .zip(b.chars())
        .find(|((_, x), y)| x != y)
        .map_or(a.len().min(b.len()), |((i, _), _)| i);
    let room = a.len().min(b.len()) - start;
    let tail = a[start..]
        .chars()
        .rev()
        .zip(b[start..].chars().rev())
        .take_while(|(x, y)| x == y)
        .map(|(x, _)| x.len_utf8())
        .scan(0, |sum, n| {
            *sum += n;
            Some(*sum)
        })
        .take_while(|sum| *sum <= room)
        .last()
        .unwrap_or(0);
    (start, a.len() - tail, b.len() - tail)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn changed_span_is_the_smallest_differing_region() {
        assert_eq!(changed_span("x < 1\n", "x <= 1\n"), (3, 3, 4));
        assert_eq!(changed_span("abc\n", "abc\n"), (4, 4, 4));
        assert_eq!(changed_span("aa\n", "aaa\n"), (2, 2, 3));
        assert_eq!(changed_span("é1\n", "é2\n"), (2, 3, 3));
    }

    #[test]
    fn cursor_positions_count_characters() {
        let code = "ab\né = 1\n";
        assert_eq!(cursor_at(code, 0), Ok((0, 0)));
        assert_eq!(cursor_at(code, 3), Ok((1, 0)));
        assert_eq!(cursor_at(code, 6), Ok((1, 2)));
        assert_eq!(cursor_at(code, code.len()), Ok((1, 5)));
    }
}
