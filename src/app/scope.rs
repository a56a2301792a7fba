//! Where a key binding applies: everywhere, while a pane has the focus, or while a pop-up is
//! open (pop-up scopes come first; then the focused pane's and the global `quit`, `help`,
//! `close`).

use super::focus::Focus;

/// Where a binding applies.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Scope {
    Global,
    Editor,
    Stepping,
    Stdin,
    Browser,
    /// The help overlay.
    Help,
    /// The mutation picker.
    Picker,
    /// The diff against the original program.
    Diff,
    /// A yes / no question (unsaved changes on quit, a file changed on disk).
    Confirm,
    /// An offer to restore or discard (a recovered buffer, an edit journal).
    Offer,
    /// A one-line prompt (save as, jump to step, tag, note, search, filter, open).
    Prompt,
}

impl Scope {
    pub const ALL: &'static [Scope] = &[
        Scope::Global,
        Scope::Editor,
        Scope::Stepping,
        Scope::Stdin,
        Scope::Browser,
        Scope::Help,
        Scope::Picker,
        Scope::Diff,
        Scope::Confirm,
        Scope::Offer,
        Scope::Prompt,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Scope::Global => "global",
            Scope::Editor => "editor",
            Scope::Stepping => "stepping",
            Scope::Stdin => "stdin",
            Scope::Browser => "browser",
            Scope::Help => "help",
            Scope::Picker => "picker",
            Scope::Diff => "diff",
            Scope::Confirm => "confirm",
            Scope::Offer => "offer",
            Scope::Prompt => "prompt",
        }
    }

    /// True where the focused widget takes text, so only modified keys may be bound (a
    /// prompt's Enter submits it, so a prompt may bind Enter too).
    pub fn takes_text(self) -> bool {
        matches!(
            self,
            Scope::Global | Scope::Editor | Scope::Stdin | Scope::Prompt
        )
    }

    pub fn of_focus(focus: Focus) -> Scope {
        match focus {
            Focus::Editor => Scope::Editor,
            Focus::Stepping => Scope::Stepping,
            Focus::Stdin => Scope::Stdin,
            Focus::Browser => Scope::Browser,
        }
    }
}
