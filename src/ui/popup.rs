//! The frame every pop-up shares: a centred box, cleared, with a bordered title block, and the
//! one-line prompt with its cursor mark.

use ratatui::layout::{Constraint, Flex, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Wrap};
use ratatui::Frame;

use crate::app::App;

/// Draw a bordered pop-up of wrapped `lines`, centred in `area`, `width` wide (at most the
/// screen) and as tall as the wrapped lines need (at most the screen). `hints` (the keys that
/// answer it) sit in the bottom border, so no amount of text can push them out of sight; when
/// the text does not fit, the top border says how many rows are hidden.
pub(super) fn show_popup(
    frame: &mut Frame,
    area: Rect,
    width: u16,
    app: &App,
    title: &str,
    lines: Vec<Line>,
    hints: Line,
) {
    let width = width.min(area.width);
    let rows = wrapped_rows(&lines, width.saturating_sub(2));
    let box_area = centered(area, width, u16::try_from(rows + 2).unwrap_or(u16::MAX));
    let hidden = rows.saturating_sub(usize::from(box_area.height.saturating_sub(2)));
    let mut block = popup(app, title).title_bottom(hints);
    if hidden > 0 {
        block = block.title(Line::raw(format!(" {hidden} more rows not shown ")).right_aligned());
    }
    frame.render_widget(Clear, box_area);
    frame.render_widget(
        Paragraph::new(lines)
            .block(block)
            .wrap(Wrap { trim: false }),
        box_area,
    );
}

/// The rows `lines` take once wrapped at `width` columns (word wrapping can take a little
/// more; the hints do not depend on it).
pub(super) fn wrapped_rows(lines: &[Line], width: u16) -> usize {
    let width = usize::from(width.max(1));
    lines.iter().map(|l| l.width().max(1).div_ceil(width)).sum()
}

/// Key hints as one line: each key in the theme's key style, then what it does.
pub(super) fn hint_line(app: &App, hints: &[(String, &str)]) -> Line<'static> {
    let key = app.theme.base.patch(app.theme.help_key);
    let mut spans = vec![Span::raw(" ")];
    for (k, what) in hints {
        spans.push(Span::styled(k.clone(), key));
        spans.push(Span::raw(format!(" {what}  ")));
    }
    Line::from(spans)
}

/// A one-line prompt with its text and a cursor mark.
pub(super) fn prompt(label: String, text: &str) -> Line<'static> {
    Line::from(vec![
        Span::raw(label),
        Span::raw(text.to_string()),
        Span::raw("▏"),
    ])
}

pub(super) fn popup<'a>(app: &App, title: &'a str) -> Block<'a> {
    Block::new()
        .borders(Borders::ALL)
        .border_style(app.theme.border_focused)
        .title(Line::styled(title, app.theme.title))
        .style(app.theme.base)
}

pub(super) fn centered(area: Rect, width: u16, height: u16) -> Rect {
    let [row] = Layout::vertical([Constraint::Length(height.min(area.height))])
        .flex(Flex::Center)
        .areas(area);
    let [cell] = Layout::horizontal([Constraint::Length(width.min(area.width))])
        .flex(Flex::Center)
        .areas(row);
    cell
}
