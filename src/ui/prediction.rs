//! The prediction pane and the divergence view: the model's state in the title, the predicted
//! steps aligned with the truth's (match / mismatch marks, the first divergence highlighted,
//! the current step's row selected), truth and prediction side by side in the variables table,
//! and this program's scores for the status bar.

use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};
use ratatui::Frame;

use super::{cells, pane};
use crate::analysis::align::Alignment;
use crate::app::layout::{inner, list_top};
use crate::app::pane::model_slot::{GenerationStatus, ModelSlot, ModelState};
use crate::app::pane::prediction::PredictionPane;
use crate::app::App;
use crate::trace::codeexecutor::CeStep;
use crate::trace::OutcomeKind;
use unicode_width::UnicodeWidthStr;

/// A pane title shortened step by step until it fits in `width` columns (the decoration
/// goes first, then the model's name: the state and what follows it stay).
pub(super) fn shorten_title(mut title: String, model_name: &str, width: u16) -> String {
    let model = format!("{model_name} · ");
    for (long, short) in [
        ("Prediction · ", "Pred "),
        ("Monologue · ", "Mono "),
        ("generating ", "gen "),
        (" tok/s", "t/s"),
        (model.as_str(), ""),
        ("Pred ", ""),
        ("Mono ", ""),
    ] {
        if title.chars().count() + 2 <= width as usize {
            break;
        }
        title = title.replacen(long, short, 1);
    }
    title
}

/// The pane title: model name, state and search.
fn title(p: &PredictionPane, width: u16) -> String {
    shorten_title(full_title(p), &p.model.name, width)
}

fn full_title(p: &PredictionPane) -> String {
    let state = match (&p.model.state, &p.model.generation) {
        (ModelState::Off, _) => return " Prediction (off) ".to_string(),
        (ModelState::NotLoaded, _) => return " Prediction ".to_string(),
        (ModelState::Loading, _) => "loading".to_string(),
        (ModelState::LoadFailed(_), _) => "failed".to_string(),
        (ModelState::Ready, GenerationStatus::Running { tokens_per_s, .. }) => {
            format!("generating {tokens_per_s:.0} tok/s")
        }
        (ModelState::Ready, GenerationStatus::Done { tokens_per_s, .. }) => {
            format!("done {tokens_per_s:.0} tok/s")
        }
        (ModelState::Ready, GenerationStatus::Failed(_)) => "failed".to_string(),
        (ModelState::Ready, GenerationStatus::Cancelled) => "cancelled".to_string(),
        (ModelState::Ready, GenerationStatus::Idle) => "ready".to_string(),
    };
    let search = match p.beam {
        1 => "greedy".to_string(),
        n => format!("beam {n}"),
    };
    let stale = if p.stale { " (stale)" } else { "" };
    format!(
        " Prediction · {} · {state} · {search}{stale} ",
        p.model.name
    )
}

/// One step as a short line: `L3 a:1 b:2` or `out hello`.
fn step_text(step: &CeStep) -> String {
    match step {
        CeStep::Output(text) => format!("out {text}"),
        CeStep::Line { line, state } => {
            let vars: Vec<String> = state.iter().map(|(n, v)| format!("{n}:{v}")).collect();
            format!("L{} {}", line + 1, vars.join(" "))
        }
    }
}

/// What the pane says instead of a prediction while the model is off, loading, failed or
/// waiting (`None`: there is a prediction to show).
pub(super) fn model_message(app: &App, model: &ModelSlot) -> Option<(String, Style)> {
    let theme = &app.theme;
    match (&model.state, &model.generation) {
        (ModelState::Off, _) => Some((
            "The prediction pane is off (--model none).".to_string(),
            theme.dim,
        )),
        (ModelState::NotLoaded, _) => Some(("The model is not loaded yet.".to_string(), theme.dim)),
        (ModelState::Loading, _) => Some(("Loading the model…".to_string(), theme.dim)),
        (ModelState::LoadFailed(m), _) => Some((
            format!("The model failed to load: {m}"),
            theme.base.patch(theme.exception),
        )),
        (_, GenerationStatus::Failed(m)) => Some((
            format!("The prediction failed: {m}"),
            theme.base.patch(theme.exception),
        )),
        (_, GenerationStatus::Idle) => Some(("Waiting for a trace…".to_string(), theme.dim)),
        _ => None,
    }
}

/// Draw the prediction pane.
pub(super) fn draw(frame: &mut Frame, area: Rect, app: &App) {
    let p = &app.prediction;
    let theme = &app.theme;
    let block = pane(app, Line::from(title(p, area.width)), false);
    let note = |text: String, style: Style| {
        Paragraph::new(Line::styled(text, style))
            .block(block.clone())
            .wrap(Wrap { trim: true })
    };
    if let Some((text, style)) = model_message(app, &p.model) {
        frame.render_widget(note(text, style), area);
        return;
    }
    if p.alignment.steps.is_empty() || p.predicted.is_empty() {
        let text = match (p.text.is_empty(), &p.model.generation) {
            (true, _) => "generating…".to_string(),
            (false, GenerationStatus::Running { .. }) => p.text.clone(),
            (false, _) => format!("No step could be read from the prediction: {}", p.text),
        };
        frame.render_widget(note(text, theme.dim), area);
        return;
    }
    let generating = matches!(p.model.generation, GenerationStatus::Running { .. });
    let current = p.row_of_raw(app.stepping.step);
    let height = inner(area).height as usize;
    let lines = aligned_rows(app, &p.alignment, &p.predicted, current, generating, height);
    frame.render_widget(Paragraph::new(lines).block(block), area);
}

/// The rows of an alignment as the pane shows them: a match / mismatch mark and the predicted
/// step, the first divergence reversed, the current step's row (`current`) selected, the rows
/// not generated yet dimmed while `generating`; the `height` rows around the current one.
pub(super) fn aligned_rows(
    app: &App,
    alignment: &Alignment,
    predicted: &[CeStep],
    current: Option<usize>,
    generating: bool,
    height: usize,
) -> Vec<Line<'static>> {
    let theme = &app.theme;
    let rows = &alignment.steps;
    let first = alignment.first_divergence();
    let top = list_top(rows.len(), current.unwrap_or(0), height);
    rows.iter()
        .enumerate()
        .skip(top)
        .take(height)
        .map(|(i, row)| {
            let pending = generating && row.predicted.is_none();
            let (mark, mut style) = if pending {
                ("…", theme.base.patch(theme.dim))
            } else if row.matches() {
                ("✓", theme.base)
            } else {
                ("✗", theme.base.patch(theme.exception))
            };
            if first == Some(i) {
                style = style.add_modifier(Modifier::REVERSED);
            }
            if current == Some(i) {
                style = style.patch(theme.selected_step);
            }
            let text = match row.predicted.and_then(|k| predicted.get(k)) {
                Some(step) => step_text(step),
                None if pending => "(not generated yet)".to_string(),
                None => "(no predicted step)".to_string(),
            };
            Line::styled(format!("{mark} {text}"), style)
        })
        .collect()
}

/// The variables table with truth and prediction side by side for the current step, differing
/// values highlighted; `None` when there is no prediction to compare.
pub(super) fn side_by_side(app: &App) -> Option<Vec<Line<'static>>> {
    let p = &app.prediction;
    if p.is_off() || p.text.is_empty() || app.stored.active() {
        return None;
    }
    let row = &p.alignment.steps[p.row_of_raw(app.stepping.step)?];
    let state_of = |step: Option<&CeStep>| match step {
        Some(CeStep::Line { state, .. }) => state.clone(),
        _ => Vec::new(),
    };
    let truth = state_of(row.truth.and_then(|t| p.truth_steps().get(t)));
    let predicted = state_of(row.predicted.and_then(|k| p.predicted.get(k)));
    let mut names: Vec<&String> = truth.iter().map(|(n, _)| n).collect();
    names.extend(
        predicted
            .iter()
            .map(|(n, _)| n)
            .filter(|n| !truth.iter().any(|(t, _)| t == *n)),
    );
    let value = |state: &[(String, String)], name: &str| {
        state
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.clone())
    };
    let theme = &app.theme;
    let name_width = names
        .iter()
        .map(|n| UnicodeWidthStr::width(n.as_str()))
        .max()
        .unwrap_or(0)
        .min(16);
    let shown = |v: Option<String>| v.unwrap_or_else(|| "—".into());
    // The truth as Python shows it (its repr); the two sides are compared as CodeExecutor
    // tokens, the form the model predicts in, which is all the predicted side has.
    let locals = app
        .stepping
        .current_step()
        .map_or(&[][..], |s| &s.locals[..]);
    let repr = |name: &str| {
        locals
            .iter()
            .find(|l| l.name == name)
            .map(|l| l.repr.clone())
    };
    let rows: Vec<(&String, String, String, bool)> = names
        .into_iter()
        .map(|name| {
            let (t, pr) = (value(&truth, name), value(&predicted, name));
            let same = t == pr;
            (name, shown(repr(name).or(t)), shown(pr), same)
        })
        .collect();
    let truth_width = rows
        .iter()
        .map(|r| UnicodeWidthStr::width(r.1.as_str()))
        .chain([5])
        .max()
        .unwrap_or(5)
        .min(24);
    let mut lines = vec![Line::styled(
        format!(
            "{} {} │ predicted",
            cells::cell("", name_width),
            cells::cell("truth", truth_width)
        ),
        theme.base.patch(theme.dim),
    )];
    for (name, t, pr, same) in rows {
        let style = if same {
            theme.base
        } else {
            theme.base.patch(theme.exception)
        };
        lines.push(Line::from(vec![
            Span::styled(format!("{} ", cells::cell(name, name_width)), style),
            Span::styled(format!("{} │ {pr}", cells::cell(&t, truth_width)), style),
        ]));
    }
    if row.truth.is_none() {
        lines.push(Line::styled(
            "(the prediction has an extra step here)",
            theme.base.patch(theme.exception),
        ));
    }
    Some(lines)
}

/// The status bar's scores: trace accuracy, identifier F1 and the first-divergence step.
pub(super) fn status_text(app: &App) -> Option<String> {
    let p = &app.prediction;
    let metrics = p.metrics.as_ref().filter(|_| !app.stored.active())?;
    // A run cut short has no complete truth to score against.
    let outcome = app.stepping.view.as_ref()?.trace().outcome.kind;
    if !matches!(outcome, OutcomeKind::Completed | OutcomeKind::Exception) {
        return Some(format!(
            "not scored: the run ended in {}",
            outcome.as_str().replace('_', " ")
        ));
    }
    let pct = |v: Option<f64>| v.map_or("n/a".to_string(), |v| format!("{v:.0}%"));
    let divergence = match p.first_divergence_raw() {
        Some(raw) => format!("diverges at step {}", raw + 1),
        None => "no divergence".to_string(),
    };
    Some(format!(
        "trace acc {} · id F1 {} · {divergence}",
        pct(metrics.trace_accuracy),
        pct(metrics.identifier_f1)
    ))
}
