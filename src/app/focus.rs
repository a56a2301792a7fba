//! The pane that receives keys, and the order Tab cycles through.

/// The pane that receives keys. Later panes (prediction, dataset) join `ORDER`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Focus {
    Editor,
    Stepping,
    Stdin,
    Browser,
}

impl Focus {
    /// The Tab order.
    pub const ORDER: &'static [Focus] =
        &[Focus::Editor, Focus::Stepping, Focus::Stdin, Focus::Browser];

    pub fn name(self) -> &'static str {
        match self {
            Focus::Editor => "editor",
            Focus::Stepping => "stepping",
            Focus::Stdin => "stdin",
            Focus::Browser => "browser",
        }
    }
}
