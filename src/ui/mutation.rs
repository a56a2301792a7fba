//! The mutation pop-ups: the picker (each mutation with its before -> after preview, the
//! selected one's description below) and the line diff of the buffer against the original.

use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Paragraph};
use ratatui::Frame;

use super::key;
use super::popup::{centered, popup};
use crate::app::layout::{inner, list_top};
use crate::app::line_diff::{line_diff, DiffLine};
use crate::app::pane::mutation::{MutationPicker, PickerScope};
use crate::app::scope::Scope;
use crate::app::{App, Command};

/// The longest preview of one side of a mutation, in characters.
const PREVIEW_CHARS: usize = 28;

pub(super) fn draw_picker(frame: &mut Frame, area: Rect, app: &App, picker: &MutationPicker) {
    let theme = &app.theme;
    let keys = format!(
        "{} applies · {} closes",
        key(app, Scope::Picker, Command::Choose),
        key(app, Scope::Global, Command::Close)
    );
    let title = match picker.scope {
        PickerScope::Line(l) => format!(" Mutations on line {l} · {keys} "),
        PickerScope::Program => format!(" All {} mutations · {keys} ", picker.items.len()),
    };
    let rows = picker.items.len() as u16;
    let box_area = centered(
        area,
        76,
        rows.saturating_add(3).min(area.height.saturating_sub(2)),
    );
    let list_height = inner(box_area).height.saturating_sub(1) as usize;
    let top = list_top(picker.items.len(), picker.selected, list_height);
    let mut lines: Vec<Line> = picker
        .items
        .iter()
        .enumerate()
        .skip(top)
        .take(list_height)
        .map(|(i, m)| {
            let (mark, style) = if i == picker.selected {
                ("▶", theme.base.patch(theme.selected_step))
            } else {
                (" ", theme.base)
            };
            Line::styled(
                format!(
                    "{mark}{:>3} {:<3} {:>4}:{:<3} {} -> {}",
                    m.id,
                    m.op.code(),
                    m.line,
                    m.column,
                    preview(&m.before),
                    preview(&m.after)
                ),
                style,
            )
        })
        .collect();
    if let Some(m) = picker.items.get(picker.selected) {
        lines.push(Line::styled(
            m.description.replace('\n', " "),
            theme.base.patch(theme.dim),
        ));
    }
    frame.render_widget(Clear, box_area);
    frame.render_widget(Paragraph::new(lines).block(popup(app, &title)), box_area);
}

/// One side of a mutation on one line: newlines shown as ⏎, long text cut with …, empty as "".
fn preview(text: &str) -> String {
    if text.is_empty() {
        return "\"\"".to_string();
    }
    let flat = text.replace('\n', "⏎");
    if flat.chars().count() <= PREVIEW_CHARS {
        return flat;
    }
    let mut cut: String = flat.chars().take(PREVIEW_CHARS - 1).collect();
    cut.push('…');
    cut
}

pub(super) fn draw_diff(frame: &mut Frame, area: Rect, app: &App, scroll: u16) {
    let theme = &app.theme;
    let diff = line_diff(app.mutation.original(), &app.editor.code());
    let removed = diff
        .iter()
        .filter(|d| matches!(d, DiffLine::Removed(_)))
        .count();
    let added = diff
        .iter()
        .filter(|d| matches!(d, DiffLine::Added(_)))
        .count();
    let lines: Vec<Line> = diff
        .into_iter()
        .map(|d| match d {
            DiffLine::Same(l) => Line::styled(format!("  {l}"), theme.base),
            DiffLine::Removed(l) => {
                Line::styled(format!("- {l}"), theme.base.patch(theme.exception))
            }
            DiffLine::Added(l) => Line::from(Span::styled(
                format!("+ {l}"),
                theme.base.patch(theme.changed_value),
            )),
        })
        .collect();
    let title = format!(
        " Buffer against the original · -{removed} +{added} · {}/{} scroll · {} closes ",
        key(app, Scope::Diff, Command::ScrollUp),
        key(app, Scope::Diff, Command::ScrollDown),
        key(app, Scope::Global, Command::Close)
    );
    let height = (lines.len() as u16).saturating_add(2);
    let box_area = centered(area, 76, height.min(area.height.saturating_sub(4)));
    frame.render_widget(Clear, box_area);
    frame.render_widget(
        Paragraph::new(lines)
            .block(popup(app, &title))
            .scroll((scroll, 0)),
        box_area,
    );
}
