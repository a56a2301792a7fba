//! Drawing the dataset browser: the virtualized sample list (id, verdict, tags, outcome,
//! mutation operator, first divergence) and its pop-ups.

use ratatui::layout::Rect;
use ratatui::text::Line;
use ratatui::widgets::Paragraph;
use ratatui::Frame;

use super::popup::{centered, prompt, show_popup};
use super::{key, no_or_close, pane};
use crate::app::layout::{inner, list_top};
use crate::app::pane::browser::{Browser, BrowserModal};
use crate::app::scope::Scope;
use crate::app::{App, Command, Focus};
use crate::dataset::{Divergence, Summary};

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
        vec![Line::styled(
            format!(
                "no sample matches the filter ({} clears it)",
                key(app, Scope::Browser, Command::ClearFilter)
            ),
            app.theme.dim,
        )]
    } else {
        lines
    };
    frame.render_widget(Paragraph::new(lines).style(app.theme.base), rows);
}

/// One list row: `id  verdict  [tags]  outcome  op  divergence`.
fn row_text(summary: &Summary) -> String {
    let verdict = match summary.verdict.as_str() {
        "accepted" => "✓",
        "rejected" => "✗",
        _ => "·",
    };
    let divergence = match summary.divergence {
        Divergence::NoPrediction => String::new(),
        Divergence::NotComputed => "pred".into(),
        Divergence::Agrees => "agrees".into(),
        Divergence::At(step) => format!("div@{step}"),
    };
    let tags = if summary.tags.is_empty() {
        String::new()
    } else {
        format!(" [{}]", summary.tags.join(","))
    };
    format!(
        "{verdict} {}{tags} {} {} {divergence}",
        summary.id,
        summary.outcome.as_deref().unwrap_or("-"),
        summary.operator.as_deref().unwrap_or(""),
    )
}

type ModalParts = (&'static str, Line<'static>, Vec<(String, &'static str)>);

/// The title, text and key hints of a one-line browser pop-up (`None` for the reports).
pub(super) fn modal_text(app: &App, modal: &BrowserModal) -> Option<ModalParts> {
    match modal {
        BrowserModal::Report(_) | BrowserModal::Journal(_) => None,
        BrowserModal::ConfirmOverwrite => Some((
            " Changed on disk ",
            Line::raw("The dataset file changed on disk since it was opened."),
            vec![
                (key(app, Scope::Confirm, Command::Yes), "overwrite it"),
                (no_or_close(app), "cancel"),
            ],
        )),
        BrowserModal::Prompt { kind, text } => {
            let (title, label) = kind.label();
            Some((
                title,
                prompt(label.into(), text),
                vec![
                    (key(app, Scope::Prompt, Command::Submit), "apply"),
                    (key(app, Scope::Prompt, Command::Complete), "complete a tag"),
                    (key(app, Scope::Global, Command::Close), "cancel"),
                ],
            ))
        }
    }
}

/// The open report (malformed lines) or the journal offer: several lines.
pub(super) fn draw_report(frame: &mut Frame, area: Rect, app: &App, modal: &BrowserModal) {
    let (title, report, hint) = match modal {
        BrowserModal::Journal(report) => (
            " Unsaved edits found ",
            report,
            format!(
                "{} replay them   {} set them aside   {} later",
                key(app, Scope::Offer, Command::Restore),
                key(app, Scope::Offer, Command::Discard),
                key(app, Scope::Global, Command::Close)
            ),
        ),
        BrowserModal::Report(report) => (
            " Opened with problems ",
            report,
            "any key closes".to_string(),
        ),
        _ => return,
    };
    let mut lines: Vec<Line> = report.iter().map(|l| Line::raw(l.clone())).collect();
    lines.push(Line::styled(hint, app.theme.base.patch(app.theme.help_key)));
    let height = (lines.len() as u16 + 2).min(area.height.saturating_sub(2));
    show_popup(frame, centered(area, 76, height), app, title, lines);
}
