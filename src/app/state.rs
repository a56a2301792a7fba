//! The one `App` state: the panes (each its own leaf in `pane/`), the program's file, focus,
//! pop-ups and what the event loop must do next (trace jobs, recovery writes). `update`
//! changes it; `ui::draw` only reads it.

use std::path::PathBuf;
use std::time::Duration;

use ratatui::layout::Rect;

use super::focus::Focus;
use super::keymap::Keymap;
use super::pane::browser::{Browser, BrowserModal};
use super::pane::causal::CausalPane;
use super::pane::editor::EditorPane;
use super::pane::mutation::{MutationPicker, MutationState};
use super::pane::prediction::PredictionPane;
use super::pane::stepping::SteppingPane;
use super::scope::Scope;
use super::theme::Theme;
use super::trace_jobs::Job;
use crate::trace::{Limits, TraceRequest};

/// How long an edit waits for the next keystroke before it is traced.
pub const EDIT_DEBOUNCE: Duration = Duration::from_millis(150);

/// A pop-up that takes the keys while open.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Modal {
    Help {
        scroll: u16,
    },
    ConfirmQuit,
    SavePath(String),
    JumpToStep(String),
    /// The model to use instead (a path, or `none`).
    ModelPath(String),
    Recovery(String),
    /// Unsaved edits stand in the way of `Leave`: save them, discard them, or stay.
    ConfirmLeave(Leave),
    Browser(BrowserModal),
    Mutations(MutationPicker),
    Diff {
        scroll: u16,
    },
}

/// Where the user was going when unsaved edits made the explorer ask first.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Leave {
    /// Move the browser's selection by this many rows.
    Select(isize),
    /// Open another dataset.
    OpenDataset,
}

impl Modal {
    /// The keymap scope of the pop-up's own keys (`None`: a report any key closes).
    pub fn scope(&self) -> Option<Scope> {
        Some(match self {
            Modal::Help { .. } => Scope::Help,
            Modal::ConfirmQuit
            | Modal::ConfirmLeave(_)
            | Modal::Browser(BrowserModal::ConfirmOverwrite) => Scope::Confirm,
            Modal::SavePath(_)
            | Modal::JumpToStep(_)
            | Modal::ModelPath(_)
            | Modal::Browser(BrowserModal::Prompt { .. }) => Scope::Prompt,
            Modal::Recovery(_) | Modal::Browser(BrowserModal::Journal(_)) => Scope::Offer,
            Modal::Mutations(_) => Scope::Picker,
            Modal::Diff { .. } => Scope::Diff,
            Modal::Browser(BrowserModal::Report(_)) => return None,
        })
    }
}

/// What the tracer pool is doing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TracerStatus {
    Starting,
    Ready,
    Failed(String),
}

/// Everything needed to open the explorer on a program.
pub struct AppOptions {
    pub path: Option<PathBuf>,
    pub code: String,
    pub stdin: String,
    /// The name shown for a program that has no path yet (an unsaved copy of a sample).
    pub name: Option<String>,
    pub theme: Theme,
    pub keymap: Keymap,
    /// A recovered buffer to offer.
    pub recovery: Option<String>,
    pub recovery_path: Option<PathBuf>,
}

impl AppOptions {
    /// Options for `code` (from `path`, if any) with no stdin, the default theme and keymap, and
    /// no recovery file: what tests, benchmarks and embedders start from.
    pub fn new(path: Option<PathBuf>, code: String) -> AppOptions {
        AppOptions {
            path,
            code,
            stdin: String::new(),
            name: None,
            theme: Theme::default_theme(),
            keymap: Keymap::default(),
            recovery: None,
            recovery_path: None,
        }
    }
}

/// The explorer state.
pub struct App {
    /// The program and its stdin.
    pub editor: EditorPane,
    /// The trace on show and its current step.
    pub stepping: SteppingPane,
    /// The program's file (none for a new program or a dataset sample).
    pub path: Option<PathBuf>,
    /// The name shown (and offered when saving) for a program without a path.
    pub name: Option<String>,
    pub theme: Theme,
    pub keymap: Keymap,
    pub focus: Focus,
    pub modal: Option<Modal>,
    pub tracer: TracerStatus,
    /// A one-line note for the status bar.
    pub message: Option<String>,
    pub quit: bool,
    pub screen: Rect,
    /// Trace results dropped because a newer request was made.
    pub dropped_results: usize,
    pub recovery_path: Option<PathBuf>,
    /// The buffer changed since the last recovery write.
    pub recovery_dirty: bool,
    /// The open dataset, when the explorer browses one.
    pub browser: Option<Box<Browser>>,
    /// The model's prediction of the trace on show.
    pub prediction: PredictionPane,
    /// A causal LM's live monologue about the program (in use instead of `prediction` when
    /// the model is a causal LM).
    pub causal: CausalPane,
    /// The original program, mutations applied to it and its trace.
    pub mutation: MutationState,
    latest_request: u64,
    latest_code: String,
    jobs: Vec<Job>,
    /// Another model was picked: the event loop restarts the model worker.
    model_picked: bool,
}

impl App {
    /// A new explorer; its first trace job is queued at once.
    pub fn new(options: AppOptions) -> App {
        let editor = EditorPane::new(&options.code, &options.stdin);
        let mut app = App {
            mutation: MutationState::new(editor.code()),
            editor,
            stepping: SteppingPane::default(),
            path: options.path,
            name: options.name,
            theme: options.theme,
            keymap: options.keymap,
            focus: Focus::Editor,
            modal: options.recovery.map(Modal::Recovery),
            tracer: TracerStatus::Starting,
            message: None,
            quit: false,
            screen: Rect::new(0, 0, 100, 30),
            dropped_results: 0,
            recovery_path: options.recovery_path,
            recovery_dirty: false,
            browser: None,
            prediction: PredictionPane::default(),
            causal: CausalPane::new(None),
            latest_request: 0,
            latest_code: String::new(),
            jobs: Vec::new(),
            model_picked: false,
        };
        app.request_trace(Duration::ZERO);
        app
    }

    /// The name of the program for titles and questions: its file name, the loaded sample's
    /// id, the name it was opened under, or `untitled`.
    pub fn program_name(&self) -> String {
        if let Some(name) = self.path.as_ref().and_then(|p| p.file_name()) {
            return name.to_string_lossy().into_owned();
        }
        let sample = self.browser.as_ref().and_then(|b| {
            let (index, ..) = b.loaded.as_ref()?;
            Some(b.file.summary(*index)?.id.clone())
        });
        sample
            .or_else(|| self.name.clone())
            .unwrap_or_else(|| "untitled".to_string())
    }

    /// Queue a trace of the current buffer; newer requests supersede it.
    pub fn request_trace(&mut self, debounce: Duration) {
        self.latest_request += 1;
        self.latest_code = self.editor.code();
        self.jobs.push(Job {
            id: self.latest_request,
            request: TraceRequest {
                code: self.latest_code.clone(),
                stdin: self.editor.stdin_text(),
                limits: Limits::default(),
            },
            debounce,
        });
    }

    /// The id of the newest trace request.
    pub fn latest_request(&self) -> u64 {
        self.latest_request
    }

    /// The code of the newest trace request.
    pub fn latest_code(&self) -> &str {
        &self.latest_code
    }

    /// Whether another model was picked since the last call (the model worker must restart).
    pub fn take_model_picked(&mut self) -> bool {
        std::mem::take(&mut self.model_picked)
    }

    /// Another model was picked.
    pub(super) fn model_picked(&mut self) {
        self.model_picked = true;
    }

    /// Jobs for the trace worker, oldest first (the worker keeps the newest).
    pub fn take_jobs(&mut self) -> Vec<Job> {
        std::mem::take(&mut self.jobs)
    }

    /// The buffer to write to the recovery file, if it changed since the last write.
    pub fn take_recovery_snapshot(&mut self) -> Option<(PathBuf, String)> {
        if !self.recovery_dirty {
            return None;
        }
        self.recovery_dirty = false;
        Some((self.recovery_path.clone()?, self.editor.code()))
    }

    /// Whether an open dataset has edits not yet saved to its file (the journal holds them).
    pub fn dataset_modified(&self) -> bool {
        self.browser.as_ref().is_some_and(|b| b.file.is_dirty())
    }
}
