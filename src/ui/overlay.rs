//! Pop-ups drawn over the panes: the help overlay (generated from the keymap), the quit
//! confirmation, the save-as and jump-to-step prompts, and the recovery offer.

use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Paragraph};
use ratatui::Frame;

use super::key;
use super::popup::{centered, hint_line, popup, prompt, show_popup};
use crate::app::scope::Scope;
use crate::app::{App, Command, Modal};

pub(super) fn draw(frame: &mut Frame, area: Rect, app: &App) {
    let Some(modal) = &app.modal else {
        return;
    };
    let cancel = || (key(app, Scope::Global, Command::Close), "cancel");
    let (title, text, hints): (&str, Line, Vec<(String, &str)>) = match modal {
        Modal::Help { scroll } => return draw_help(frame, area, app, *scroll),
        Modal::Mutations(picker) => {
            super::mutation::draw_picker(frame, area, app, picker);
            return;
        }
        Modal::Diff { scroll } => {
            super::mutation::draw_diff(frame, area, app, *scroll);
            return;
        }
        Modal::ConfirmQuit | Modal::ConfirmLeave(_) => (
            " Unsaved changes ",
            Line::raw(save_question(app)),
            vec![
                (key(app, Scope::Confirm, Command::Save), "save"),
                (key(app, Scope::Confirm, Command::Discard), "discard"),
                cancel(),
            ],
        ),
        Modal::SavePath(text) => (
            " Save as ",
            prompt("Path: ".into(), text),
            vec![(key(app, Scope::Prompt, Command::Submit), "save"), cancel()],
        ),
        Modal::ModelPath(text) => (
            " Model: a .gguf file, a model directory, or none ",
            prompt("Path: ".into(), text),
            vec![(key(app, Scope::Prompt, Command::Submit), "load"), cancel()],
        ),
        Modal::JumpToStep(text) => (
            " Jump to step ",
            prompt(format!("Step (1-{}): ", app.stepping.len()), text),
            vec![(key(app, Scope::Prompt, Command::Submit), "jump"), cancel()],
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
                (key(app, Scope::Global, Command::Close), "keep it for later"),
            ],
        ),
    };
    let hints = hint_line(app, &hints);
    let width = (hints.width().max(text.width()) as u16)
        .saturating_add(4)
        .max(40);
    show_popup(frame, area, width, app, title, vec![text], hints);
}

/// "Save changes to bubble_sort.py and data.jsonl?": what quitting or leaving now would lose.
fn save_question(app: &App) -> String {
    let mut names = Vec::new();
    let program = app.program_name();
    if app.editor.modified {
        names.push(program.clone());
    }
    if app.editor.stdin_modified {
        names.push(match &app.path {
            Some(path) => path
                .with_extension("stdin")
                .file_name()
                .map_or_else(|| "its stdin".into(), |n| n.to_string_lossy().into_owned()),
            None => format!("the stdin of {program}"),
        });
    }
    if let Some(browser) = app.browser.as_ref().filter(|b| b.file.is_dirty()) {
        let path = browser.file.path();
        names.push(path.file_name().map_or_else(
            || path.display().to_string(),
            |n| n.to_string_lossy().into_owned(),
        ));
    }
    format!("Save changes to {}?", names.join(" and "))
}

/// The help overlay: as wide as its longest line (within the screen), scrolled no further
/// than its last line.
fn draw_help(frame: &mut Frame, area: Rect, app: &App, scroll: u16) {
    let lines = help_lines(app);
    let longest = lines.iter().map(Line::width).max().unwrap_or(0);
    let width = u16::try_from(longest + 2)
        .unwrap_or(u16::MAX)
        .min(area.width.saturating_sub(2));
    let height = u16::try_from(lines.len() + 2)
        .unwrap_or(u16::MAX)
        .min(area.height.saturating_sub(2));
    let box_area = centered(area, width, height);
    let visible = box_area.height.saturating_sub(2);
    let last_top = u16::try_from(lines.len())
        .unwrap_or(u16::MAX)
        .saturating_sub(visible);
    let close = key(app, Scope::Global, Command::Close);
    let title = if last_top > 0 {
        format!(
            " Help · {close} closes · {}/{} scroll ",
            key(app, Scope::Help, Command::ScrollUp),
            key(app, Scope::Help, Command::ScrollDown)
        )
    } else {
        format!(" Help · {close} closes ")
    };
    frame.render_widget(Clear, box_area);
    frame.render_widget(
        Paragraph::new(lines)
            .block(popup(app, &title))
            .scroll((scroll.min(last_top), 0)),
        box_area,
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
