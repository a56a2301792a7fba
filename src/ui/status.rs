//! The status bar: focused pane, the latest note and errors (first, so a narrow bar keeps
//! them), then `step i/N`, trace time, outcome, staleness and the summaries.

use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use ratatui::Frame;

use crate::app::scope::Scope;
use crate::app::{App, Command, TracerStatus};
use crate::trace::OutcomeKind;

pub(super) fn draw(frame: &mut Frame, area: Rect, app: &App) {
    let theme = &app.theme;
    let bar = theme.base.patch(theme.status_bar);
    let sep = Span::styled(" │ ", bar);
    let mut spans = vec![Span::styled(
        format!(" {} ", app.focus.name().to_uppercase()),
        bar,
    )];
    let mut push = |span: Span<'static>| {
        spans.push(sep.clone());
        spans.push(span);
    };
    // What the user must read comes first, so a narrow bar cuts the decoration, not it:
    // the note, then errors, then where the trace stands.
    if let Some(m) = &app.message {
        push(Span::styled(m.clone(), bar));
    }
    if let Some(err) = &app.stepping.syntax_error {
        let at = match (err.line, err.column) {
            (Some(l), Some(c)) => format!(" at {l}:{c}"),
            (Some(l), None) => format!(" at line {l}"),
            _ => String::new(),
        };
        let msg = err.message.clone().unwrap_or_default();
        push(Span::styled(
            format!("syntax error{at}: {msg}"),
            theme.syntax_error,
        ));
    }
    match &app.tracer {
        TracerStatus::Starting => push(Span::styled("tracer starting…".to_string(), bar)),
        TracerStatus::Failed(m) => push(Span::styled(
            format!("tracer unavailable: {m}"),
            theme.exception,
        )),
        TracerStatus::Ready => {}
    }
    if let Some(err) = &app.stepping.tracer_error {
        push(Span::styled(
            format!("trace failed: {err}"),
            theme.exception,
        ));
    }
    match &app.stepping.view {
        Some(view) => {
            let n = view.len();
            let i = if n == 0 { 0 } else { app.stepping.step + 1 };
            push(Span::styled(format!("step {i}/{n}"), bar));
            push(Span::styled(
                format!("{:.1} ms", view.trace().elapsed_ms),
                bar,
            ));
            let outcome = &view.trace().outcome;
            let style = if outcome.kind == OutcomeKind::Completed {
                bar
            } else {
                bar.patch(theme.exception)
            };
            push(Span::styled(super::outcome_text(outcome), style));
        }
        None => push(Span::styled("step 0/0".to_string(), bar)),
    }
    if app.stepping.stale {
        push(Span::styled("stale".to_string(), bar.patch(theme.stale)));
    }
    // Summaries last: when the bar is too narrow, they are what gets cut.
    let scores = super::stored::status_text(app).or_else(|| super::prediction::status_text(app));
    if let Some(scores) = scores {
        push(Span::styled(scores, bar));
    }
    if let Some(text) = crate::app::mutation::status_text(app) {
        push(Span::styled(text, bar.patch(theme.changed_value)));
    }
    let help = app
        .keymap
        .keys_of(Scope::Global, Command::Help)
        .first()
        .map(|k| format!(" {k} help "));
    let help_width = help.as_ref().map_or(0, |h| h.chars().count()) as u16;
    let left = Rect {
        width: area.width.saturating_sub(help_width),
        ..area
    };
    frame.render_widget(Paragraph::new(Line::from(spans)).style(bar), area);
    if let Some(help) = help {
        let right = Rect {
            x: area.x + left.width,
            width: help_width,
            ..area
        };
        frame.render_widget(Paragraph::new(help).style(bar), right);
    }
}
