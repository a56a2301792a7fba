//! Where a key binding applies: everywhere, or while a pane has the focus.

use super::focus::Focus;

/// Where a binding applies.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Scope {
    Global,
    Editor,
    Stepping,
    Stdin,
    Browser,
}

impl Scope {
    pub const ALL: &'static [Scope] = &[
        Scope::Global,
        Scope::Editor,
        Scope::Stepping,
        Scope::Stdin,
        Scope::Browser,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Scope::Global => "global",
            Scope::Editor => "editor",
            Scope::Stepping => "stepping",
            Scope::Stdin => "stdin",
            Scope::Browser => "browser",
        }
    }

    /// True where the focused widget takes text, so only modified keys may be bound.
    pub fn takes_text(self) -> bool {
        !matches!(self, Scope::Stepping | Scope::Browser)
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
