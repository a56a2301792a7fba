//! Keys while a pop-up is open: help scrolling, the quit confirmation, the recovery offer and
//! the one-line prompts (save as, jump to step).

use crossterm::event::{KeyCode, KeyEvent};

use super::effects::{buffer_changed, finish, save, save_to, Buffer};
use super::focus::Focus;
use super::prompt::edit_prompt;
use super::state::{text_area, App, Modal};
use super::trace_view::TraceView;
use super::{browser_keys, mutation};

pub(super) fn on_modal_key(modal: Modal, app: &mut App, key: KeyEvent) {
    let ch = match key.code {
        KeyCode::Char(c) => Some(c),
        _ => None,
    };
    match modal {
        Modal::Help { scroll } => {
            let scroll = match key.code {
                KeyCode::Down | KeyCode::Char('j') => scroll.saturating_add(1),
                KeyCode::Up | KeyCode::Char('k') => scroll.saturating_sub(1),
                KeyCode::PageDown => scroll.saturating_add(10),
                KeyCode::PageUp => scroll.saturating_sub(10),
                KeyCode::Char('q' | '?') => {
                    app.modal = None;
                    return;
                }
                _ => scroll,
            };
            app.modal = Some(Modal::Help { scroll });
        }
        Modal::ConfirmQuit => match ch {
            Some('y') => finish(app),
            Some('s') => {
                app.modal = None;
                if app.modified {
                    save(app);
                }
                if app.dataset_modified() {
                    app.save_dataset(false);
                }
                if !app.modified && !app.dataset_modified() && app.modal.is_none() {
                    finish(app);
                }
            }
            Some('n') => app.modal = None,
            _ => {}
        },
        Modal::Recovery(text) => match ch {
            Some('r') => {
                app.modal = None;
                app.editor = text_area(&text);
                app.focus = Focus::Editor;
                buffer_changed(app, Buffer::Editor);
                app.message = Some("recovered the unsaved buffer".into());
            }
            Some('d') => {
                app.modal = None;
                if let Some(path) = &app.recovery_path {
                    let _ = std::fs::remove_file(path);
                }
            }
            _ => {}
        },
        Modal::SavePath(mut text) => {
            if edit_prompt(&mut text, key, |_| true) {
                app.modal = None;
                if !text.trim().is_empty() {
                    save_to(app, text.trim().into());
                }
            } else {
                app.modal = Some(Modal::SavePath(text));
            }
        }
        Modal::Browser(modal) => browser_keys::on_modal_key(modal, app, key),
        Modal::JumpToStep(mut text) => {
            if edit_prompt(&mut text, key, |c| c.is_ascii_digit()) {
                app.modal = None;
                jump_to(app, &text);
            } else {
                app.modal = Some(Modal::JumpToStep(text));
            }
        }
        Modal::Mutations(picker) => mutation::on_picker_key(app, picker, key),
        Modal::Diff { scroll } => mutation::on_diff_key(app, scroll, key),
    }
}

fn jump_to(app: &mut App, text: &str) {
    let len = app.view.as_ref().map_or(0, TraceView::len);
    match text.trim().parse::<usize>() {
        Ok(n) if n >= 1 && n <= len => app.step = n - 1,
        _ => app.message = Some(format!("no step {} (the trace has {len})", text.trim())),
    }
}
