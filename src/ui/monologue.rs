//! The live causal-LM pane: the model's state and the question in the title; the extracted
//! answer with its pass / fail verdict, for CRUXEval-I the run of the model's proposed input
//! against the record's, and the first wrong claim; then the streamed monologue, one
//! paragraph after another, the paragraphs about the stepping cursor's line highlighted, the
//! selected one marked `▶`, and the first wrong claim marked `✗` and shown in the exception
//! style.

use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use ratatui::Frame;
use unicode_width::UnicodeWidthChar;

use super::prediction::{model_message, shorten_title};
use super::{key, pane};
use crate::app::layout::{inner, list_top};
use crate::app::pane::causal::{AnswerCheck, CausalPane, InputRun};
use crate::app::pane::model_slot::{GenerationStatus, ModelState};
use crate::app::scope::Scope;
use crate::app::{App, Command};
use crate::cruxeval::question::Question;
use crate::cruxeval::Task;

/// The pane title: model, state, question.
fn title(p: &CausalPane) -> String {
    let state = match (&p.model.state, &p.model.generation) {
        (ModelState::NotLoaded | ModelState::Off, _) => String::new(),
        (ModelState::Loading, _) => "loading".to_string(),
        (ModelState::LoadFailed(_), _) | (_, GenerationStatus::Failed(_)) => "failed".to_string(),
        (_, GenerationStatus::Running { tokens_per_s, .. }) => {
            format!("generating {tokens_per_s:.0} tok/s")
        }
        (_, GenerationStatus::Done { tokens_per_s, .. }) => format!("done {tokens_per_s:.0} tok/s"),
        (_, GenerationStatus::Cancelled) => "cancelled".to_string(),
        (_, GenerationStatus::Idle) => "ready".to_string(),
    };
    let question = match &p.question {
        Some(Question::Record {
            task: Task::Output, ..
        }) => "CRUXEval-O",
        Some(Question::Record {
            task: Task::Input, ..
        }) => "CRUXEval-I",
        Some(Question::Print { .. }) => "prints?",
        None => "",
    };
    let stale = if p.stale { " (stale)" } else { "" };
    let parts: Vec<&str> = [p.model.name.as_str(), state.as_str(), question]
        .into_iter()
        .filter(|s| !s.is_empty())
        .collect();
    format!(" Monologue · {}{stale} ", parts.join(" · "))
}

/// The verdict line: the answer and whether it passed.
fn answer_line(app: &App, p: &CausalPane) -> Option<Vec<(char, Style)>> {
    let theme = &app.theme;
    let answer = p.answer.as_deref()?;
    let answer = answer.replace('\n', "⏎");
    let (verdict, style) = match &p.check {
        AnswerCheck::Waiting => return None,
        AnswerCheck::Running => ("checking…".to_string(), theme.base.patch(theme.dim)),
        AnswerCheck::Done(v) if v.passed() => (
            v.describe(),
            theme
                .base
                .patch(theme.changed_value)
                .add_modifier(Modifier::BOLD),
        ),
        AnswerCheck::Done(v) => (v.describe(), theme.base.patch(theme.exception)),
    };
    let mut line = styled(&format!("answer {answer} · "), theme.base);
    line.extend(styled(&verdict, style));
    Some(line)
}

/// The proposed input's run against the record's (CRUXEval-I).
fn input_line(app: &App, p: &CausalPane) -> Option<Vec<(char, Style)>> {
    let theme = &app.theme;
    let (text, style) = match &p.input_run {
        InputRun::None => return None,
        InputRun::Running { args } => (format!("f({args}) is being traced…"), theme.dim),
        InputRun::Failed { args, message } => (
            format!("f({args}) could not be traced: {message}"),
            theme.exception,
        ),
        InputRun::Done {
            args,
            first_difference: None,
            ..
        } => (
            format!("f({args}) runs step for step as the record's input"),
            theme.dim,
        ),
        InputRun::Done {
            args,
            first_difference: Some(step),
            trace,
        } => {
            let steps = app.stepping.view.as_ref().map_or(&[][..], |v| v.steps());
            let line = |s: Option<&crate::trace::Step>| {
                s.map_or("end".to_string(), |s| format!("line {}", s.line))
            };
            (
                format!(
                    "f({args}) differs from the record's input at step {} ({} / {}) · {} jumps",
                    step + 1,
                    line(steps.get(*step)),
                    line(trace.steps.get(*step)),
                    key(app, Scope::Stepping, Command::FirstDivergence)
                ),
                theme.base,
            )
        }
    };
    Some(styled(&text, theme.base.patch(style)))
}

/// The first wrong claim, in one line.
fn wrong_line(app: &App, p: &CausalPane) -> Option<Vec<(char, Style)>> {
    let (para, claim, truth) = p.first_wrong()?;
    let claim = &p.monologue.paragraphs[para].claims[claim];
    let said = p
        .text
        .get(claim.start..claim.end)
        .unwrap_or("")
        .replace('\n', " ");
    Some(styled(
        &format!(
            "✗ first wrong claim ¶{}: {said} (truth: {})",
            para + 1,
            truth.join(" or ")
        ),
        app.theme.base.patch(app.theme.exception),
    ))
}

/// Styled characters cut into rows of `width` columns (a newline also ends a row); rows
/// after the first are indented two columns.
fn wrap(chars: Vec<(char, Style)>, width: usize) -> Vec<Line<'static>> {
    let indent = |style: Style| vec![(' ', style), (' ', style)];
    let mut rows: Vec<Vec<(char, Style)>> = vec![Vec::new()];
    let mut used = 0;
    for (c, style) in chars {
        let w = c.width().unwrap_or(0);
        if c == '\n' || (used + w > width && used > 2) {
            rows.push(indent(style));
            used = 2;
            if c == '\n' {
                continue;
            }
        }
        rows.last_mut().expect("one row at least").push((c, style));
        used += w;
    }
    rows.into_iter()
        .map(|row| {
            let spans: Vec<Span> = row
                .chunk_by(|a, b| a.1 == b.1)
                .map(|run| Span::styled(run.iter().map(|(c, _)| *c).collect::<String>(), run[0].1))
                .collect();
            Line::from(spans)
        })
        .collect()
}

/// `text` in `style`, as characters for [`wrap`].
fn styled(text: &str, style: Style) -> Vec<(char, Style)> {
    text.chars().map(|c| (c, style)).collect()
}

/// Draw the pane.
pub(super) fn draw(frame: &mut Frame, area: Rect, app: &App) {
    let p = &app.causal;
    let theme = &app.theme;
    let block = pane(
        app,
        Line::from(shorten_title(title(p), &p.model.name, area.width)),
        false,
    );
    let note = |text: String, style: Style| {
        Paragraph::new(Line::styled(text, style))
            .block(block.clone())
            .wrap(ratatui::widgets::Wrap { trim: true })
    };
    if let Some((text, style)) = model_message(app, &p.model) {
        frame.render_widget(note(text, style), area);
        return;
    }
    if p.text.is_empty() {
        let text = match p.model.generation {
            GenerationStatus::Running { .. } => "generating…",
            _ => "The model said nothing.",
        };
        frame.render_widget(note(text.to_string(), theme.dim), area);
        return;
    }
    let body = inner(area);
    let width = body.width as usize;
    let mut head: Vec<Line> = [answer_line(app, p), input_line(app, p), wrong_line(app, p)]
        .into_iter()
        .flatten()
        .flat_map(|line| wrap(line, width))
        .collect();
    // The monologue keeps at least half the pane.
    head.truncate((body.height as usize) / 2);
    let cursor_line = app.stepping.current_step().map(|s| s.line);
    let wrong = p.first_wrong().map(|(para, claim, _)| (para, claim));
    let mut rows: Vec<Line> = Vec::new();
    let mut target = None;
    for (i, para) in p.monologue.paragraphs.iter().enumerate() {
        let here = cursor_line.is_some() && para.line == cursor_line;
        let selected = p.selected == Some(i);
        let mut style = theme.base;
        if here {
            style = style.patch(theme.selected_step);
        }
        if selected {
            style = style.add_modifier(Modifier::BOLD);
        }
        let mark = match (selected, wrong.map(|w| w.0) == Some(i)) {
            (true, _) => "▶ ",
            (false, true) => "✗ ",
            (false, false) => "  ",
        };
        let claim = wrong.filter(|w| w.0 == i).map(|(_, c)| {
            let claim = &para.claims[c];
            (claim.start - para.start, claim.end - para.start)
        });
        if (selected || (here && p.selected.is_none())) && target.is_none() {
            target = Some(rows.len());
        }
        let text = p.text.get(para.start..para.end).unwrap_or("");
        let mut chars = styled(mark, style);
        chars.extend(text.char_indices().map(|(at, c)| {
            let in_claim = claim.is_some_and(|(s, e)| at >= s && at < e);
            (
                c,
                if in_claim {
                    style.patch(theme.exception)
                } else {
                    style
                },
            )
        }));
        rows.extend(wrap(chars, width));
    }
    let height = (body.height as usize).saturating_sub(head.len());
    let top = match target {
        Some(t) => list_top(rows.len(), t, height),
        // While streaming, follow the newest text.
        None => rows.len().saturating_sub(height),
    };
    head.extend(rows.into_iter().skip(top).take(height));
    frame.render_widget(Paragraph::new(head).block(block), area);
}
