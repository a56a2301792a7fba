//! The frame every pop-up shares: a centred box, cleared, with a bordered title block, and the
//! one-line prompt with its cursor mark.

use ratatui::layout::{Constraint, Flex, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Wrap};
use ratatui::Frame;

use crate::app::App;

/// Clear `box_area` and draw a bordered pop-up of wrapped `lines` in it.
pub(super) fn show_popup(
    frame: &mut Frame,
    box_area: Rect,
    app: &App,
    title: &str,
    lines: Vec<Line>,
) {
    frame.render_widget(Clear, box_area);
    frame.render_widget(
        Paragraph::new(lines)
            .block(popup(app, title))
            .wrap(Wrap { trim: false }),
        box_area,
    );
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
