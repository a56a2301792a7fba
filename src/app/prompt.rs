//! Editing a one-line prompt (save as, jump to step, the browser's tag / note / search /
//! filter / open prompts): typed characters, Backspace, Enter submits.

use crossterm::event::{KeyCode, KeyEvent};

/// Edit a one-line prompt; true when Enter submits it.
pub fn edit_prompt(text: &mut String, key: KeyEvent, accept: fn(char) -> bool) -> bool {
    match key.code {
        KeyCode::Enter => return true,
        KeyCode::Backspace => {
            text.pop();
        }
        KeyCode::Char(c) if accept(c) => text.push(c),
        _ => {}
    }
    false
}
