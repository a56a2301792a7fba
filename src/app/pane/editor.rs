//! The editor and stdin panes' state: the program and its standard input as text areas, what
//! they were loaded or saved as (so "modified" means "differs from that", and undoing back to
//! it is clean), the program's line endings, where each was last drawn scrolled to, and how
//! the editor's edits group into undo steps.

use std::cell::Cell;

use tui_textarea::TextArea;

use crate::app::undo_groups::UndoGroups;

/// The two text buffers of the explorer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Buffer {
    /// The program.
    Editor,
    /// The program's standard input.
    Stdin,
}

/// The editor and stdin panes.
pub struct EditorPane {
    /// The program.
    pub program: TextArea<'static>,
    /// The program's standard input.
    pub stdin: TextArea<'static>,
    /// The program differs from what it was loaded from (its file, or the sample).
    pub modified: bool,
    /// The stdin differs from what it was loaded from.
    pub stdin_modified: bool,
    /// The program and stdin as last loaded or saved: the `modified` flags compare with them.
    saved: (String, String),
    /// The program was loaded with CRLF line endings, and is saved with them.
    pub crlf: bool,
    /// The program's first visible row and column (kept by drawing so the cursor stays
    /// visible).
    pub program_scroll: Cell<(usize, usize)>,
    /// The same for the stdin pane.
    pub stdin_scroll: Cell<(usize, usize)>,
    /// How many editor edits each undo step takes (a typed word is one).
    pub undo_groups: UndoGroups,
}

impl EditorPane {
    /// The panes holding `code` and `stdin`, both counted as saved.
    pub fn new(code: &str, stdin: &str) -> EditorPane {
        let mut pane = EditorPane {
            program: text_area(code),
            stdin: text_area(stdin),
            modified: false,
            stdin_modified: false,
            saved: (String::new(), String::new()),
            crlf: code.contains("\r\n"),
            program_scroll: Cell::new((0, 0)),
            stdin_scroll: Cell::new((0, 0)),
            undo_groups: UndoGroups::default(),
        };
        pane.mark_saved();
        pane
    }

    /// The program text (each line ends with a newline).
    pub fn code(&self) -> String {
        let mut text = self.program.lines().join("\n");
        text.push('\n');
        text
    }

    /// The stdin text (empty when every line is).
    pub fn stdin_text(&self) -> String {
        let lines = self.stdin.lines();
        if lines.iter().all(String::is_empty) {
            return String::new();
        }
        let mut text = lines.join("\n");
        text.push('\n');
        text
    }

    /// The buffers as they are now are what is on disk (or in the sample).
    pub fn mark_saved(&mut self) {
        self.saved = (self.code(), self.stdin_text());
        self.modified = false;
        self.stdin_modified = false;
    }

    /// Whether the program or its stdin has changes that would be lost.
    pub fn is_modified(&self) -> bool {
        self.modified || self.stdin_modified
    }

    /// `buffer`'s text changed: compare it again with what was loaded or saved.
    pub fn changed(&mut self, buffer: Buffer) {
        match buffer {
            Buffer::Editor => self.modified = self.code() != self.saved.0,
            Buffer::Stdin => self.stdin_modified = self.stdin_text() != self.saved.1,
        }
    }

    /// Replace the program with `code` (a recovered buffer): a fresh text area, nothing to
    /// undo. The caller reports the change (`effects::buffer_changed`).
    pub fn replace_program(&mut self, code: &str) {
        self.program = text_area(code);
    }

    /// Load another program and stdin (a dataset sample), counted as saved.
    pub fn load(&mut self, code: &str, stdin: &str) {
        self.program = text_area(code);
        self.stdin = text_area(stdin);
        self.mark_saved();
    }

    /// The text area of `buffer`.
    pub fn area_mut(&mut self, buffer: Buffer) -> &mut TextArea<'static> {
        match buffer {
            Buffer::Editor => &mut self.program,
            Buffer::Stdin => &mut self.stdin,
        }
    }
}

/// A text area holding `text`, set up as the explorer's editors are.
fn text_area(text: &str) -> TextArea<'static> {
    let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
    if lines.is_empty() {
        lines.push(String::new());
    }
    let mut area = TextArea::new(lines);
    area.set_tab_length(4);
    area.set_max_histories(1000);
    area
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn modified_means_different_from_what_was_saved() {
        let mut pane = EditorPane::new("x = 1\n", "");
        assert!(!pane.is_modified());
        pane.program.insert_str("y");
        pane.changed(Buffer::Editor);
        assert!(pane.modified && pane.is_modified());
        assert!(pane.program.undo());
        pane.changed(Buffer::Editor);
        assert!(!pane.modified, "undoing back to the saved text is clean");
        pane.stdin.insert_str("5");
        pane.changed(Buffer::Stdin);
        assert!(pane.stdin_modified && !pane.modified);
        pane.mark_saved();
        assert!(!pane.is_modified());
    }

    #[test]
    fn texts_end_with_a_newline_and_an_empty_stdin_is_empty() {
        let pane = EditorPane::new("a\r\nb\r\n", "\n");
        assert_eq!(pane.code(), "a\nb\n");
        assert!(pane.crlf);
        assert_eq!(pane.stdin_text(), "");
    }
}
