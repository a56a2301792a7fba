//! Editing a one-line prompt (save as, jump to step, the browser's tag / note / search /
//! filter / open prompts): typed characters and Backspace. Submitting is the prompt scope's
//! `submit` command (Enter by default).

use crossterm::event::{KeyCode, KeyEvent};

/// Apply a typed key to a one-line prompt: `accept`ed characters are added, Backspace
/// removes the last one.
pub fn edit_prompt(text: &mut String, key: KeyEvent, accept: fn(char) -> bool) {
    match key.code {
        KeyCode::Backspace => {
            text.pop();
        }
        KeyCode::Char(c) if accept(c) => text.push(c),
        _ => {}
    }
}
