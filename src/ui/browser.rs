//! Drawing the dataset browser: the virtualized sample list (id, verdict, tags, outcome,
//! mutation operator, the stored prediction's score and first divergence) and its pop-ups.

use ratatui::layout::Rect;
use ratatui::text::Line;
use ratatui::widgets::Paragraph;
use ratatui::Frame;

use super::popup::{hint_line, prompt, show_popup};
use super::{key, pane};
use crate::app::layout::{inner, list_top};
use crate::app::pane::browser::{Browser, BrowserModal, PromptKind};
use crate::app::scope::Scope;
use crate::app::{App, Command, Focus};
use crate::dataset::{Divergence, StoredScore, Summary};

/// The browser pane.
pub(super) fn draw(frame: &mut Frame, area: Rect, app: &App, browser: &Browser) {
    let focused = app.focus == Focus::Browser && app.modal.is_none();
    let dirty = if browser.dirty { " *" } else { "" };
    let title = format!(
        " Samples {}/{}{dirty} ",
        browser.visible.len(),
        browser.file.len()
    );
    let block = pane(app, Line::from(title), focused);
    let rows = inner(area);
    frame.render_widget(block, area);
    let height = rows.height as usize;
    if height == 0 {
        return;
    }
    let top = list_top(browser.visible.len(), browser.selected, height);
    let lines: Vec<Line> = browser.visible[top..]
        .iter()
        .take(height)
        .enumerate()
        .map(|(row, index)| {
            let text = browser
                .file
                .summary(*index)
                .map_or_else(String::new, row_text);
            if top + row == browser.selected {
                Line::styled(text, app.theme.current_line)
            } else {
                Line::raw(text)
            }
        })
        .collect();
    let lines = if lines.is_empty() {
        let text = if browser.file.is_empty() {
            "the file holds no samples".to_string()
        } else {
            format!(
                "no sample matches the filter ({} clears it)",
                key(app, Scope::Browser, Command::ClearFilter)
            )
        };
        vec![Line::styled(text, app.theme.dim)]
    } else {
        lines
    };
    frame.render_widget(Paragraph::new(lines).style(app.theme.base), rows);
}

/// The stored prediction's column: `acc 0% F1 67% div@3` for a trace (eval's per-sample
/// trace accuracy and line F1, then the first divergence), `pass`, `fail wrong_value` or
/// `3/10 pass` for CRUXEval answers, `unscored` for answers not run yet, `pred?` when it
/// cannot be read.
fn score_text(summary: &Summary) -> String {
    let pct = |v: Option<f64>| v.map_or("n/a".to_string(), |v| format!("{v:.0}%"));
    match &summary.score {
        StoredScore::None => String::new(),
        StoredScore::NotComputed => "pred".into(),
        StoredScore::Malformed => "pred?".into(),
        StoredScore::Unscored { .. } => "unscored".into(),
        StoredScore::Trace {
            accuracy, line_f1, ..
        } => {
            let divergence = match summary.divergence {
                Divergence::At(step) => format!(" div@{step}"),
                _ => String::new(),
            };
            format!("acc {} F1 {}{divergence}", pct(*accuracy), pct(*line_f1))
        }
        StoredScore::Answers {
            passed: 1,
            total: 1,
            ..
        } => "pass".into(),
        StoredScore::Answers {
            total: 1, failure, ..
        } => format!("fail {}", failure.as_deref().unwrap_or("")),
        StoredScore::Answers { passed, total, .. } => format!("{passed}/{total} pass"),
    }
}

/// One list row: `id  verdict  [tags]  outcome  op  score`.
fn row_text(summary: &Summary) -> String {
    let verdict = match summary.verdict.as_str() {
        "accepted" => "✓",
        "rejected" => "✗",
        _ => "·",
    };
    let tags = if summary.tags.is_empty() {
        String::new()
    } else {
        format!(" [{}]", summary.tags.join(","))
    };
    let note = if summary.has_note { " ✎" } else { "" };
    format!(
        "{verdict} {}{note}{tags} {} {} {}",
        summary.id,
        summary.outcome.as_deref().unwrap_or("-"),
        summary.operator.as_deref().unwrap_or(""),
        score_text(summary),
    )
}

type ModalParts = (&'static str, Line<'static>, Vec<(String, &'static str)>);

/// The title, text and key hints of a one-line browser pop-up (`None` for the reports).
pub(super) fn modal_text(app: &App, modal: &BrowserModal) -> Option<ModalParts> {
    match modal {
        BrowserModal::Report(_) | BrowserModal::Journal(_) => None,
        BrowserModal::ConfirmOverwrite => Some((
            " Changed on disk ",
            Line::raw("The dataset file changed on disk since it was opened. Save over it?"),
            vec![
                (key(app, Scope::Confirm, Command::Save), "save over it"),
                (key(app, Scope::Global, Command::Close), "cancel"),
            ],
        )),
        BrowserModal::Prompt { kind, text } => {
            let (title, label) = kind.label();
            let mut hints = vec![(key(app, Scope::Prompt, Command::Submit), "apply")];
            // Only the tag prompt completes.
            if *kind == PromptKind::Tag {
                hints.push((key(app, Scope::Prompt, Command::Complete), "complete a tag"));
            }
            hints.push((key(app, Scope::Global, Command::Close), "cancel"));
            Some((title, prompt(label.into(), text), hints))
        }
    }
}

/// The open report (malformed lines) or the journal offer: several lines.
pub(super) fn draw_report(frame: &mut Frame, area: Rect, app: &App, modal: &BrowserModal) {
    let (title, report, hints) = match modal {
        BrowserModal::Journal(report) => (
            " Unsaved edits found ",
            report,
            vec![
                (key(app, Scope::Offer, Command::Restore), "replay them"),
                (key(app, Scope::Offer, Command::Discard), "set them aside"),
                (key(app, Scope::Global, Command::Close), "later"),
            ],
        ),
        BrowserModal::Report(report) => (
            " Opened with problems ",
            report,
            vec![("any key".to_string(), "closes")],
        ),
        _ => return,
    };
    let lines: Vec<Line> = report.iter().map(|l| Line::raw(l.clone())).collect();
    let width = area.width.saturating_sub(4).min(100);
    show_popup(
        frame,
        area,
        width,
        app,
        title,
        lines,
        hint_line(app, &hints),
    );
}
