//! What can happen to the explorer: `Action`s, everything `update` handles (bound commands,
//! text input, mouse, resize, trace and model results). The commands are `super::command`.

use crossterm::event::{KeyEvent, MouseEvent};

use super::command::Command;
use crate::model::worker::WorkerEvent;
use crate::trace::Trace;

/// Everything `update` reacts to.
#[derive(Debug, Clone)]
pub enum Action {
    /// A raw terminal event, mapped through the keymap by `update`.
    Input(crossterm::event::Event),
    /// A bound command.
    Command(Command),
    /// A key that no binding claimed: text input for the focused editor or prompt.
    Key(KeyEvent),
    /// Bracketed paste.
    Paste(String),
    Mouse(MouseEvent),
    Resize(u16, u16),
    /// SIGTERM, SIGHUP or SIGINT: save the buffer to the recovery file and leave.
    Terminate,
    /// The tracer pool started (or failed to).
    TracerReady(Result<(), String>),
    /// A trace result for request `id`.
    Traced {
        id: u64,
        result: Result<Trace, String>,
    },
    /// An event of the model worker (the prediction pane).
    Model(WorkerEvent),
    /// A result of the check worker for check `id` (the live pane's answer check or the run of
    /// a proposed input).
    Checked {
        id: u64,
        result: Result<Trace, String>,
    },
}
