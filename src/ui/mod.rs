//! Drawing only: `draw(frame, &App)` paints every pane from the app state and changes nothing
//! but the editors' scroll positions (kept so the cursor stays visible).

mod browser;
mod cells;
mod editor;
mod monologue;
mod mutation;
mod overlay;
mod popup;
mod prediction;
mod status;
mod stepping;

use ratatui::layout::Rect;
use ratatui::text::Line;
use ratatui::widgets::{Block, BorderType, Borders, Paragraph, Wrap};
use ratatui::Frame;

use crate::app::layout::{PaneAreas, MIN_HEIGHT, MIN_WIDTH};
use crate::app::scope::Scope;
use crate::app::{App, Command};
use crate::trace::Outcome;

/// Draw one frame of the explorer.
pub fn draw(frame: &mut Frame, app: &App) {
    let area = frame.area();
    frame.render_widget(Block::new().style(app.theme.base), area);
    let Some(areas) = PaneAreas::compute(area) else {
        too_small(frame, area, app);
        return;
    };
    editor::draw_editor(frame, areas.editor, app);
    match &app.browser {
        Some(data) => browser::draw(frame, areas.code, app, data),
        None => stepping::draw_code(frame, areas.code, app),
    }
    stepping::draw_steps(frame, areas.steps, app);
    stepping::draw_variables(frame, areas.variables, app);
    stepping::draw_stack(frame, areas.stack, app);
    stepping::draw_stdout(frame, areas.stdout, app);
    if app.causal.is_active() {
        monologue::draw(frame, areas.prediction, app);
    } else {
        prediction::draw(frame, areas.prediction, app);
    }
    editor::draw_stdin(frame, areas.stdin, app);
    status::draw(frame, areas.status, app);
    overlay::draw(frame, area, app);
}

/// A pane's border and title, highlighted when focused.
fn pane<'a>(app: &App, title: Line<'a>, focused: bool) -> Block<'a> {
    let border = if focused {
        app.theme.border_focused
    } else {
        app.theme.border
    };
    Block::new()
        .borders(Borders::ALL)
        .border_type(if focused {
            BorderType::Thick
        } else {
            BorderType::Plain
        })
        .border_style(border)
        .title(title.style(app.theme.title))
        .style(app.theme.base)
}

/// How a run ended, in words: `timeout: ran past 5000 ms (line 3)`.
fn outcome_text(outcome: &Outcome) -> String {
    let mut text = outcome.kind.as_str().replace('_', " ");
    if let Some(m) = &outcome.message {
        text.push_str(&format!(": {m}"));
    }
    if let Some(l) = outcome.line {
        text.push_str(&format!(" (line {l})"));
    }
    text
}

/// The key of `command` in `scope` as hints show it (the user's keymap decides).
fn key(app: &App, scope: Scope, command: Command) -> String {
    app.keymap.key_label(scope, command)
}

fn too_small(frame: &mut Frame, area: Rect, app: &App) {
    let text = format!(
        "The terminal is too small for tracelens: it needs {MIN_WIDTH}x{MIN_HEIGHT}, this one is {}x{}. \
         Enlarge the window, or press {} to quit.",
        area.width,
        area.height,
        key(app, Scope::Global, Command::Quit)
    );
    frame.render_widget(
        Paragraph::new(text)
            .style(app.theme.base)
            .wrap(Wrap { trim: true }),
        area,
    );
}
