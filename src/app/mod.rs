//! The explorer application: one `App` state, the `Action` enum, `update`, the keymap, themes
//! and the trace worker. It knows no terminal: the event loop is `crate::tui`, drawing
//! `crate::ui`.

pub mod action;
pub mod browser;
mod browser_keys;
pub mod causal;
pub mod causal_answer;
pub mod check_jobs;
pub mod command;
mod effects;
pub mod files;
pub mod focus;
pub mod keymap;
pub mod layout;
pub mod line_diff;
mod modal;
mod mouse;
pub mod mutation;
pub mod pane;
pub mod prediction;
mod prompt;
pub mod scope;
pub mod state;
mod stored;
pub mod stored_prediction;
pub mod theme;
pub mod trace_jobs;
pub mod trace_view;
pub mod undo_groups;
pub mod update;

pub use action::Action;
pub use check_jobs::CheckWorker;
pub use command::Command;
pub use focus::Focus;
pub use keymap::Keymap;
pub use state::{App, AppOptions, Leave, Modal, TracerStatus};
pub use theme::Theme;
pub use trace_jobs::{Job, TraceFn, TraceFnFactory, TraceWorker};
pub use trace_view::TraceView;
pub use update::update;
