//! Pop-ups drawn over the panes: the help overlay (generated from the keymap), the quit
//! confirmation, the save-as and jump-to-step prompts, and the recovery offer.

use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Paragraph};
use ratatui::Frame;

use super::popup::{centered, popup, prompt, show_popup};
use super::{key, no_or_close};
use crate::app::scope::Scope;
use crate::app::{App, Command, Modal};

pub(super) fn draw(frame: &mut Frame, area: Rect, app: &App) {
    let Some(modal) = &app.modal else {
        return;
    };
    let theme = &app.theme;
    let key_span = |text: String| Span::styled(text, theme.base.patch(theme.help_key));
    let (title, text, hints) = match modal {
        Modal::Help { scroll } => {
            let lines = help_lines(app);
            let height = area.height.saturating_sub(4);
            let box_area = centered(area, 76, height);
            frame.render_widget(Clear, box_area);
            let title = format!(
                " Help · {} closes · {}/{} scroll ",
                key(app, Scope::Global, Command::Close),
                key(app, Scope::Help, Command::ScrollUp),
                key(app, Scope::Help, Command::ScrollDown)
            );
            let block = popup(app, &title);
            frame.render_widget(
                Paragraph::new(lines).block(block).scroll((*scroll, 0)),
                box_area,
            );
            return;
        }
        Modal::Mutations(picker) => {
            super::mutation::draw_picker(frame, area, app, picker);
            return;
        }
        Modal::Diff { scroll } => {
            super::mutation::draw_diff(frame, area, app, *scroll);
            return;
        }
        Modal::ConfirmQuit => (
            " Unsaved changes ",
            Line::raw(match (app.modified, app.dataset_modified()) {
                (true, true) => "The program and the dataset have unsaved changes.",
                (false, true) => "The dataset has unsaved changes.",
                _ => "The program has unsaved changes.",
            }),
            vec![
                (
                    key(app, Scope::Confirm, Command::SaveAndQuit),
                    "save and quit",
                ),
                (
                    key(app, Scope::Confirm, Command::Yes),
                    "quit without saving",
                ),
                (no_or_close(app), "cancel"),
            ],
        ),
        Modal::SavePath(text) => (
            " Save as ",
            prompt("Path: ".into(), text),
            vec![
                (key(app, Scope::Prompt, Command::Submit), "save"),
                (key(app, Scope::Global, Command::Close), "cancel"),
            ],
        ),
        Modal::JumpToStep(text) => (
            " Jump to step ",
            prompt(
                format!("Step (1-{}): ", app.view.as_ref().map_or(0, |v| v.len())),
                text,
            ),
            vec![
                (key(app, Scope::Prompt, Command::Submit), "jump"),
                (key(app, Scope::Global, Command::Close), "cancel"),
            ],
        ),
        Modal::Browser(modal) => match super::browser::modal_text(app, modal) {
            Some(parts) => parts,
            None => return super::browser::draw_report(frame, area, app, modal),
        },
        Modal::Recovery(_) => (
            " Recover unsaved work? ",
            Line::raw("An unsaved buffer of this program from an earlier session was found."),
            vec![
                (key(app, Scope::Offer, Command::Restore), "restore it"),
                (key(app, Scope::Offer, Command::Discard), "discard it"),
            ],
        ),
    };
    let hints: Vec<Span> = hints
        .iter()
        .flat_map(|(k, what)| [key_span(k.clone()), Span::raw(format!(" {what}   "))])
        .collect();
    show_popup(
        frame,
        centered(area, 72, 4),
        app,
        title,
        vec![text, Line::from(hints)],
    );
}

/// The help text: one section per scope, one row per command with its keys.
fn help_lines(app: &App) -> Vec<Line<'static>> {
    let theme = &app.theme;
    let mut lines = Vec::new();
    for scope in Scope::ALL {
        let bindings: Vec<_> = app
            .keymap
            .bindings()
            .iter()
            .filter(|b| b.scope == *scope)
            .collect();
        if bindings.is_empty() {
            continue;
        }
        if !lines.is_empty() {
            lines.push(Line::raw(""));
        }
        let heading = match scope {
            Scope::Global => "Everywhere",
            Scope::Editor => {
                "Editor (other keys edit; Enter auto-indents; Ctrl-U / Ctrl-R undo / redo too)"
            }
            Scope::Stepping => "Stepping pane",
            Scope::Stdin => "Stdin pane",
            Scope::Browser => "Dataset browser",
            Scope::Help => "Help",
            Scope::Picker => "Mutation picker",
            Scope::Diff => "Diff against the original",
            Scope::Confirm => "Questions (unsaved changes, a file changed on disk)",
            Scope::Offer => "Offers (a recovered buffer, an edit journal)",
            Scope::Prompt => "Prompts (other keys type)",
        };
        lines.push(Line::styled(heading, theme.base.patch(theme.title)));
        for b in bindings {
            let keys = b
                .keys
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join(" / ");
            lines.push(Line::from(vec![
                Span::styled(format!("  {keys:<22}"), theme.base.patch(theme.help_key)),
                Span::raw(b.command.description()),
            ]));
        }
    }
    lines
}
