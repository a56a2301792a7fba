//! The stepping pane: the traced code with the current and next line marked, the virtualized
//! step list, the variables of the current step (changed values highlighted), the call stack
//! and the program's stdout up to the current step.

use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use ratatui::Frame;

use super::{cells, pane};
use crate::app::layout::{inner, list_top};
use crate::app::{App, Focus};
use crate::trace::{Event, OutcomeKind};

fn focused(app: &App) -> bool {
    app.focus == Focus::Stepping && app.modal.is_none()
}

/// The empty-pane text when there is no trace to show.
fn no_trace(app: &App) -> Line<'static> {
    let text = match (&app.tracer, &app.stepping.syntax_error) {
        (_, Some(_)) => "no trace: the program has a syntax error",
        (crate::app::TracerStatus::Failed(_), _) => "no trace: the tracer is not available",
        _ => "tracing…",
    };
    Line::styled(text, app.theme.dim)
}

pub(super) fn draw_code(frame: &mut Frame, area: Rect, app: &App) {
    let mut title = vec![Span::raw(" Trace ")];
    if app.stepping.stale {
        title.push(Span::styled("(stale) ", app.theme.stale));
    }
    let mut block = pane(app, Line::from(title), focused(app));
    let Some(view) = &app.stepping.view else {
        frame.render_widget(Paragraph::new(no_trace(app)).block(block), area);
        return;
    };
    let outcome = &view.trace().outcome;
    if outcome.kind != OutcomeKind::Completed {
        let text = format!(" {} ", super::outcome_text(outcome));
        block = block.title_bottom(Line::styled(text, app.theme.exception));
    }
    let current = view.steps().get(app.stepping.step).map(|s| s.line);
    let next = view.steps().get(app.stepping.step + 1).map(|s| s.line);
    let body = inner(area);
    let height = body.height as usize;
    let focus_line = current.map_or(0, |l| l.saturating_sub(1) as usize);
    let top = list_top(view.code_lines.len(), focus_line, height);
    let width = view.code_lines.len().to_string().len().max(3);
    let lines: Vec<Line> = view
        .code_lines
        .iter()
        .enumerate()
        .skip(top)
        .take(height)
        .map(|(i, text)| {
            let number = i as u32 + 1;
            let (marker, style) = if current == Some(number) {
                ("▶", app.theme.base.patch(app.theme.current_line))
            } else if next == Some(number) {
                ("›", app.theme.base.patch(app.theme.next_line))
            } else {
                (" ", app.theme.base)
            };
            Line::from(vec![
                Span::styled(format!("{number:>width$}"), app.theme.line_number),
                Span::styled(marker, style),
                Span::styled(text.replace('\t', " "), style),
            ])
        })
        .collect();
    frame.render_widget(Paragraph::new(lines).block(block), area);
}

fn event_name(event: Event) -> &'static str {
    match event {
        Event::Line => "line",
        Event::Call => "call",
        Event::Return => "ret ",
        Event::Exception => "exc ",
    }
}

pub(super) fn draw_steps(frame: &mut Frame, area: Rect, app: &App) {
    let len = app.stepping.len();
    let title = format!(
        " Steps {}/{len} ",
        if len == 0 { 0 } else { app.stepping.step + 1 }
    );
    let block = pane(app, Line::from(title), focused(app));
    let Some(view) = &app.stepping.view else {
        frame.render_widget(Paragraph::new(no_trace(app)).block(block), area);
        return;
    };
    let height = inner(area).height as usize;
    let top = list_top(len, app.stepping.step, height);
    let width = len.to_string().len();
    let divergence = app.prediction.first_divergence_raw();
    let first_change = app.mutation.first_change.filter(|_| !app.stepping.stale);
    let lines: Vec<Line> = view.steps()[top..(top + height).min(len)]
        .iter()
        .enumerate()
        .map(|(k, s)| {
            let i = top + k;
            let style = if i == app.stepping.step {
                app.theme.base.patch(app.theme.selected_step)
            } else if divergence == Some(i) {
                app.theme
                    .base
                    .patch(app.theme.exception)
                    .add_modifier(Modifier::REVERSED)
            } else if first_change == Some(i) {
                app.theme.base.patch(app.theme.changed_value)
            } else if s.event == Event::Exception {
                app.theme.base.patch(app.theme.exception)
            } else {
                app.theme.base
            };
            let indent = " ".repeat(s.depth.min(8) as usize);
            let mark = if first_change == Some(i) { "≠" } else { " " };
            Line::styled(
                format!(
                    "{:>width$}{mark}{} {indent}{}:{}",
                    i + 1,
                    event_name(s.event),
                    s.func,
                    s.line
                ),
                style,
            )
        })
        .collect();
    frame.render_widget(Paragraph::new(lines).block(block), area);
}

pub(super) fn draw_variables(frame: &mut Frame, area: Rect, app: &App) {
    let step = app.stepping.current_step();
    let title = match step {
        Some(s) => format!(" Variables · {} ", s.func),
        None => " Variables ".to_string(),
    };
    let block = pane(app, Line::from(title), false);
    let (Some(view), Some(step)) = (&app.stepping.view, step) else {
        frame.render_widget(Paragraph::new("").block(block), area);
        return;
    };
    let theme = &app.theme;
    let rows = inner(area);
    // Rows are cut to the pane's width (wide characters count two columns), and rows past its
    // height are counted in a last "+N more" row.
    let fit = |lines: Vec<Line<'static>>| {
        // Scrolled by the wheel, never past the last screenful.
        let skip = app
            .stepping
            .variables_scroll
            .min(lines.len().saturating_sub(usize::from(rows.height)));
        let lines = lines
            .into_iter()
            .skip(skip)
            .map(|line| cells::cut_line(line, usize::from(rows.width)))
            .collect();
        cells::with_more_mark(lines, usize::from(rows.height), theme.base.patch(theme.dim))
    };
    if let Some(lines) = super::prediction::side_by_side(app) {
        frame.render_widget(Paragraph::new(fit(lines)).block(block), area);
        return;
    }
    let mut lines = Vec::new();
    match (&step.value, step.event) {
        (Some(v), Event::Exception) => lines.push(Line::styled(
            format!("raised {}", v.repr),
            theme.base.patch(theme.exception),
        )),
        (Some(v), Event::Return) => lines.push(Line::styled(
            format!("returns {} ({})", v.repr, v.ty),
            theme.base.patch(theme.title),
        )),
        _ => {}
    }
    let changed = view.changed_locals(app.stepping.step);
    let name_width = step
        .locals
        .iter()
        .map(|l| unicode_width::UnicodeWidthStr::width(l.name.as_str()))
        .max()
        .unwrap_or(0)
        .min(16);
    for (local, changed) in step.locals.iter().zip(changed) {
        let style = if changed {
            theme.base.patch(theme.changed_value)
        } else {
            theme.base
        };
        lines.push(Line::from(vec![
            Span::styled(format!("{} ", cells::cell(&local.name, name_width)), style),
            Span::styled(local.repr.clone(), style),
            Span::styled(format!("  {}", local.ty), theme.base.patch(theme.dim)),
        ]));
    }
    if lines.is_empty() {
        lines.push(Line::styled("(no locals)", theme.base.patch(theme.dim)));
    }
    frame.render_widget(Paragraph::new(fit(lines)).block(block), area);
}

pub(super) fn draw_stack(frame: &mut Frame, area: Rect, app: &App) {
    let block = pane(app, Line::from(" Call stack "), false);
    let Some(view) = &app.stepping.view else {
        frame.render_widget(Paragraph::new("").block(block), area);
        return;
    };
    let lines: Vec<Line> = view
        .stack(app.stepping.step)
        .iter()
        .enumerate()
        .map(|(k, f)| {
            let style: Style = if k == 0 {
                app.theme.base.patch(app.theme.title)
            } else {
                app.theme.base
            };
            Line::styled(format!("{}:{}", f.func, f.line), style)
        })
        .collect();
    frame.render_widget(Paragraph::new(lines).block(block), area);
}

pub(super) fn draw_stdout(frame: &mut Frame, area: Rect, app: &App) {
    let block = pane(app, Line::from(" Stdout "), false);
    let Some(view) = &app.stepping.view else {
        frame.render_widget(Paragraph::new("").block(block), area);
        return;
    };
    let height = inner(area).height as usize;
    let text = view.stdout_until(app.stepping.step);
    let tail: Vec<&str> = text.lines().rev().take(height).collect();
    let lines: Vec<Line> = tail
        .into_iter()
        .rev()
        .map(|l| Line::raw(l.to_string()))
        .collect();
    frame.render_widget(Paragraph::new(lines).block(block), area);
}
