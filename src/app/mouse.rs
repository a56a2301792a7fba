//! Mouse input: clicks focus panes, select a step in the step list or place the editor cursor;
//! the wheel over the trace steps through it, over the Variables pane scrolls it.

use crossterm::event::{MouseButton, MouseEvent, MouseEventKind};
use tui_textarea::CursorMove;

use super::browser;
use super::command::Command;
use super::effects::navigate;
use super::focus::Focus;
use super::layout::{contains, gutter_width, inner, PaneAreas};
use super::state::App;

pub(super) fn on_mouse(app: &mut App, mouse: MouseEvent) {
    if app.modal.is_some() {
        return;
    }
    let Some(areas) = PaneAreas::compute(app.screen) else {
        return;
    };
    let (col, row) = (mouse.column, mouse.row);
    let scroll = match mouse.kind {
        MouseEventKind::ScrollDown => Some(Command::NextStep),
        MouseEventKind::ScrollUp => Some(Command::PrevStep),
        _ => None,
    };
    if app.browser.is_some() && contains(areas.code, col, row) {
        return browser::mouse_on_browser(app, mouse.kind, inner(areas.code), row);
    }
    if contains(areas.variables, col, row) {
        match mouse.kind {
            MouseEventKind::ScrollDown => return app.stepping.scroll_variables(true),
            MouseEventKind::ScrollUp => return app.stepping.scroll_variables(false),
            _ => {}
        }
    }
    if contains(areas.steps, col, row) || contains(areas.code, col, row) {
        if let Some(command) = scroll {
            navigate(app, command);
            return;
        }
    }
    if mouse.kind != MouseEventKind::Down(MouseButton::Left) {
        return;
    }
    if contains(areas.steps, col, row) {
        app.focus = Focus::Stepping;
        let list = inner(areas.steps);
        if contains(list, col, row) {
            app.stepping
                .click_list_row((row - list.y) as usize, list.height as usize);
        }
    } else if contains(areas.editor, col, row) {
        app.focus = Focus::Editor;
        let text = inner(areas.editor);
        let gutter = gutter_width(app.editor.program.lines().len()) as u16;
        if contains(text, col, row) && col >= text.x + gutter {
            let (top, left) = app.editor.program_scroll.get();
            let r = top + (row - text.y) as usize;
            let c = left + (col - text.x - gutter) as usize;
            app.editor.program.move_cursor(CursorMove::Jump(
                r.min(u16::MAX as usize) as u16,
                c.min(u16::MAX as usize) as u16,
            ));
        }
    } else if contains(areas.stdin, col, row) {
        app.focus = Focus::Stdin;
    } else if contains(areas.code, col, row) || contains(areas.variables, col, row) {
        app.focus = Focus::Stepping;
    }
}
