//! The prediction pane when it shows a dataset record's stored prediction: a stored trace as
//! the live prediction is shown (its rows aligned with the record's trace, mismatches marked,
//! the first divergence highlighted, the current step's row selected when the record's trace
//! is this run's), CRUXEval answers with their pass / fail verdicts and reasons, or why the
//! stored prediction cannot be read; and its scores for the status bar.

use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::Line;
use ratatui::widgets::{Paragraph, Wrap};
use ratatui::Frame;

use super::prediction::aligned_rows;
use super::{key, pane};
use crate::app::layout::inner;
use crate::app::pane::stored::{Scoring, Shown};
use crate::app::scope::Scope;
use crate::app::stored_prediction::{Stored, StoredAnswers, StoredTrace};
use crate::app::{App, Command};
use crate::cruxeval::Task;

/// Draw the pane for `shown`.
pub(super) fn draw(frame: &mut Frame, area: Rect, app: &App, shown: &Shown) {
    let theme = &app.theme;
    let switch = key(app, Scope::Global, Command::ToggleStored);
    let (title, lines) = match &shown.stored {
        Err(message) => (
            "unreadable".to_string(),
            vec![Line::styled(
                format!("The stored prediction cannot be read: {message}"),
                theme.base.patch(theme.exception),
            )],
        ),
        Ok(Stored::Trace(t)) => (trace_title(t), trace_lines(app, area, shown, t)),
        Ok(Stored::Answers(a)) => answers_lines(app, shown, a),
    };
    // Shortened until it fits: the word `prediction` goes first, then the key hint.
    let title = [
        format!(" Stored prediction · {title} · {switch} live "),
        format!(" Stored · {title} · {switch} live "),
        format!(" Stored · {title} "),
    ]
    .into_iter()
    .find(|t| t.chars().count() + 2 <= area.width as usize)
    .unwrap_or_else(|| format!(" Stored · {title} "));
    let block = pane(app, Line::from(title), false);
    let wrap = !matches!(shown.stored, Ok(Stored::Trace(_)));
    let mut paragraph = Paragraph::new(lines).block(block).style(theme.base);
    if wrap {
        paragraph = paragraph.wrap(Wrap { trim: false });
    }
    frame.render_widget(paragraph, area);
}

/// `acc 0% F1 67% div@2`, as the browser's column: trace accuracy and line F1 of this one
/// sample as `tracelens eval` scores it, and the aligned index of the first divergence.
fn trace_title(t: &StoredTrace) -> String {
    let pct = |v: Option<f64>| v.map_or("n/a".to_string(), |v| format!("{v:.0}%"));
    let divergence = match t.alignment.first_divergence() {
        Some(row) => format!("div@{row}"),
        None => "exact".to_string(),
    };
    format!(
        "acc {} F1 {} {divergence}",
        pct(t.metrics.trace_accuracy),
        pct(t.metrics.line_f1)
    )
}

fn trace_lines(app: &App, area: Rect, shown: &Shown, t: &StoredTrace) -> Vec<Line<'static>> {
    let height = inner(area).height as usize;
    if t.predicted.is_empty() {
        return vec![Line::styled(
            format!(
                "No step could be read from the stored prediction: {}",
                t.text
            ),
            app.theme.dim,
        )];
    }
    match &shown.truth {
        Some(truth) => {
            let current = truth.row_of_raw(&t.alignment, app.stepping.step);
            aligned_rows(app, &t.alignment, &t.predicted, current, false, height)
        }
        None => {
            let mut lines = vec![Line::styled(
                "(the record's trace is not this run's: rows are not linked to steps)",
                app.theme.dim,
            )];
            lines.extend(aligned_rows(
                app,
                &t.alignment,
                &t.predicted,
                None,
                false,
                height.saturating_sub(1),
            ));
            lines
        }
    }
}

/// The title and lines of stored CRUXEval answers: the question, then each answer with its
/// verdict, then where the verdicts come from.
fn answers_lines(app: &App, shown: &Shown, a: &StoredAnswers) -> (String, Vec<Line<'static>>) {
    let theme = &app.theme;
    let verdicts = shown.verdicts();
    let question = match a.task {
        Task::Output => format!(
            "CRUXEval-O: f({}) == ?  (truth {})",
            a.sample.input, a.sample.output
        ),
        Task::Input => format!("CRUXEval-I: f(?) == {}", a.sample.output),
    };
    let mut lines = vec![Line::styled(question, theme.base.patch(theme.dim))];
    for (i, answer) in a.answers.iter().enumerate() {
        let (text, style): (String, Style) = match verdicts.and_then(|v| v.get(i)) {
            Some(v) if v.passed() => (format!("✓ {answer}  pass"), theme.base),
            Some(v) => (
                format!("✗ {answer}  fail: {}", v.label()),
                theme.base.patch(theme.exception),
            ),
            None => (format!("· {answer}"), theme.base),
        };
        lines.push(Line::styled(text, style));
    }
    let source = match &shown.scoring {
        Scoring::FromRecord => "verdicts stored in the record".to_string(),
        Scoring::Running => "scoring by execution…".to_string(),
        Scoring::Scored(_) => "verdicts scored here by execution".to_string(),
        Scoring::Failed(message) => format!("not scored: {message}"),
        Scoring::NotScored(reason) => format!("not scored: {reason}"),
    };
    lines.push(Line::styled(source, theme.dim));
    let title = match verdicts {
        Some(v) if v.len() == 1 && v[0].passed() => "pass".to_string(),
        Some(v) if v.len() == 1 => format!("fail: {}", v[0].label()),
        Some(v) => format!(
            "{}/{} pass",
            v.iter().filter(|v| v.passed()).count(),
            v.len()
        ),
        None => format!(
            "{} unscored",
            crate::plural::count(a.answers.len(), "answer")
        ),
    };
    (title, lines)
}

/// The status bar's scores of a stored trace: as the live prediction's, marked `stored`.
pub(super) fn status_text(app: &App) -> Option<String> {
    let shown = app.stored.shown.as_ref().filter(|_| app.stored.active())?;
    let Ok(Stored::Trace(t)) = &shown.stored else {
        return None;
    };
    let pct = |v: Option<f64>| v.map_or("n/a".to_string(), |v| format!("{v:.0}%"));
    let divergence = match (&shown.truth, t.alignment.first_divergence()) {
        (_, None) => "no divergence".to_string(),
        (Some(truth), Some(_)) => match truth.divergence_step(&t.alignment, 0, false) {
            Some(raw) => format!("diverges at step {}", raw + 1),
            None => "diverges".to_string(),
        },
        (None, Some(row)) => format!("diverges at row {}", row + 1),
    };
    Some(format!(
        "stored: trace acc {} · id F1 {} · {divergence}",
        pct(t.metrics.trace_accuracy),
        pct(t.metrics.identifier_f1)
    ))
}
