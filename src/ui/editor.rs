//! The editor and stdin panes: text with a line-number gutter, the cursor, the current step's
//! line and a syntax error marked at its line and column.

use std::cell::Cell;

use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use ratatui::Frame;

use super::pane;
use crate::app::layout::{gutter_width, inner};
use crate::app::{App, Focus};

/// Marks drawn over a text pane.
struct Marks {
    /// 1-based line of the current step.
    current: Option<u32>,
    /// 1-based line and column of a syntax error.
    error: Option<(u32, Option<u32>)>,
    gutter: bool,
}

pub(super) fn draw_editor(frame: &mut Frame, area: Rect, app: &App) {
    let name = app.program_name();
    let mut title = vec![Span::raw(format!(" Editor · {name}"))];
    if app.editor.modified {
        title.push(Span::raw(" [+]"));
    }
    title.push(Span::raw(" "));
    let marks = Marks {
        current: app.stepping.current_step().map(|s| s.line),
        error: app
            .stepping
            .syntax_error
            .as_ref()
            .and_then(|o| o.line.map(|l| (l, o.column))),
        gutter: true,
    };
    let focused = app.focus == Focus::Editor && app.modal.is_none();
    let block = pane(app, Line::from(title), focused);
    frame.render_widget(block, area);
    draw_text(
        frame,
        inner(area),
        app,
        &app.editor.program,
        &app.editor.program_scroll,
        focused,
        &marks,
    );
}

pub(super) fn draw_stdin(frame: &mut Frame, area: Rect, app: &App) {
    let focused = app.focus == Focus::Stdin && app.modal.is_none();
    frame.render_widget(pane(app, Line::from(" Stdin "), focused), area);
    let marks = Marks {
        current: None,
        error: None,
        gutter: false,
    };
    draw_text(
        frame,
        inner(area),
        app,
        &app.editor.stdin,
        &app.editor.stdin_scroll,
        focused,
        &marks,
    );
}

/// Keep `pos` within `[top, top + size)`, moving `top` as little as possible.
fn follow(top: usize, pos: usize, size: usize) -> usize {
    if size == 0 || pos < top {
        pos
    } else if pos >= top + size {
        pos + 1 - size
    } else {
        top
    }
}

fn draw_text(
    frame: &mut Frame,
    area: Rect,
    app: &App,
    text: &tui_textarea::TextArea<'static>,
    scroll: &Cell<(usize, usize)>,
    focused: bool,
    marks: &Marks,
) {
    let theme = &app.theme;
    let lines = text.lines();
    let (row, cursor) = text.cursor();
    // Columns on screen: a tab reaches the next multiple of TAB_WIDTH.
    let col = lines
        .get(row)
        .map_or(cursor, |line| display_column(line, cursor));
    let gutter = if marks.gutter {
        gutter_width(lines.len())
    } else {
        0
    };
    let width = (area.width as usize).saturating_sub(gutter);
    let (top, left) = scroll.get();
    // A cursor that fits in the first screenful of columns shows the line from its start
    // (after End on a long line, Down to a short one must not leave the view scrolled).
    let left = if col < width {
        0
    } else {
        follow(left, col, width)
    };
    let top = follow(top, row, area.height as usize);
    scroll.set((top, left));
    let rows = lines
        .iter()
        .enumerate()
        .skip(top)
        .take(area.height as usize)
        .map(|(i, line)| {
            let number = i as u32 + 1;
            let mut spans = Vec::new();
            if marks.gutter {
                let style = if marks.error.is_some_and(|(l, _)| l == number) {
                    theme.syntax_error
                } else if marks.current == Some(number) {
                    theme.current_line
                } else {
                    theme.line_number
                };
                spans.push(Span::styled(
                    format!("{number:>w$} ", w = gutter - 1),
                    style,
                ));
            }
            let base = if focused && i == row {
                theme.base.patch(theme.cursor_line)
            } else {
                theme.base
            };
            let mut mark_cols: Vec<(usize, Style)> = Vec::new();
            if let Some((l, c)) = marks.error {
                if l == number {
                    let c = c.map_or(0, |c| c.saturating_sub(1) as usize);
                    mark_cols.push((display_column(line, c), theme.syntax_error));
                }
            }
            if focused && i == row {
                mark_cols.push((col, theme.cursor));
            }
            spans.extend(styled_row(
                &expand_tabs(line),
                left,
                width,
                base,
                &mark_cols,
            ));
            Line::from(spans)
        });
    frame.render_widget(Paragraph::new(rows.collect::<Vec<_>>()), area);
}

/// Columns a tab advances to (a multiple of it), as the editor's tab length.
const TAB_WIDTH: usize = 4;

/// The screen column of character `index` of `line`, tabs expanded.
fn display_column(line: &str, index: usize) -> usize {
    line.chars().take(index).fold(0, |column, c| {
        if c == '\t' {
            (column / TAB_WIDTH + 1) * TAB_WIDTH
        } else {
            column + 1
        }
    })
}

/// `line` with each tab replaced by the spaces up to the next tab stop.
fn expand_tabs(line: &str) -> String {
    if !line.contains('\t') {
        return line.to_string();
    }
    let mut out = String::with_capacity(line.len() + 8);
    for c in line.chars() {
        if c == '\t' {
            let next = (out.chars().count() / TAB_WIDTH + 1) * TAB_WIDTH;
            while out.chars().count() < next {
                out.push(' ');
            }
        } else {
            out.push(c);
        }
    }
    out
}

/// One line cut to `[left, left + width)`, with single cells restyled at `marks` (columns in
/// characters; a mark past the end of the line draws as a blank cell).
fn styled_row(
    line: &str,
    left: usize,
    width: usize,
    base: Style,
    marks: &[(usize, Style)],
) -> Vec<Span<'static>> {
    let visible: Vec<char> = line.chars().skip(left).take(width).collect();
    let mut spans = Vec::new();
    let mut start = 0;
    let mut cols: Vec<(usize, Style)> = marks
        .iter()
        .filter(|(c, _)| *c >= left && *c < left + width)
        .map(|(c, s)| (c - left, *s))
        .collect();
    cols.sort_by_key(|(c, _)| *c);
    for (c, style) in cols {
        if c < start {
            continue;
        }
        let end = c.min(visible.len());
        if start < end {
            spans.push(Span::styled(
                visible[start..end].iter().collect::<String>(),
                base,
            ));
        }
        let cell = visible.get(c).map_or(" ".to_string(), |ch| ch.to_string());
        spans.push(Span::styled(cell, base.patch(style)));
        start = c + 1;
    }
    if start < visible.len() {
        spans.push(Span::styled(
            visible[start..].iter().collect::<String>(),
            base,
        ));
    }
    spans
}
