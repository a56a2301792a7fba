//! A model pane's model: which one (its path; `None`, not in use), its name, how far it has
//! loaded, the newest request and its status, and the count of stale events dropped. The
//! CodeExecutor prediction pane and the causal-LM pane each hold one, and apply a model
//! worker's events to it alike (`ModelSlot::apply`); what is left (the streamed text, the
//! finished trace or completion) is the pane's own to show.

use std::path::{Path, PathBuf};

use crate::model::causal::Completion;
use crate::model::worker::WorkerEvent;
use crate::model::Prediction;

/// Where the model stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ModelState {
    /// `--model none`: the pane is off.
    Off,
    /// No worker event yet.
    NotLoaded,
    Loading,
    Ready,
    LoadFailed(String),
}

/// What the newest request is doing.
#[derive(Debug, Clone, PartialEq)]
pub enum GenerationStatus {
    Idle,
    Running { tokens: usize, tokens_per_s: f64 },
    Done { tokens: usize, tokens_per_s: f64 },
    Cancelled,
    Failed(String),
}

impl ModelState {
    /// The generation status after a request failed with `message` (a load failure is already
    /// on show; the request failing with it adds nothing).
    pub fn failed(&self, message: String) -> GenerationStatus {
        match self {
            ModelState::LoadFailed(_) => GenerationStatus::Idle,
            _ => GenerationStatus::Failed(message),
        }
    }
}

/// A pane's model and its newest request.
#[derive(Debug, Clone)]
pub struct ModelSlot {
    /// The model file or directory; `None`: the pane is not in use.
    pub path: Option<PathBuf>,
    /// The path's last component, for the pane title.
    pub name: String,
    pub state: ModelState,
    pub generation: GenerationStatus,
    /// Events (and, in the causal pane, check results) of stale requests that were dropped.
    pub dropped_events: usize,
    /// The id of the newest request.
    latest: u64,
}

/// What is left of a worker event for the pane of its request to do.
#[derive(Debug)]
pub(crate) enum Answer {
    /// The text generated so far (the status already counts its tokens).
    Partial(String),
    /// A CodeExecutor model's finished trace.
    Trace(Prediction),
    /// A causal LM's finished text.
    Completion(Completion),
}

impl ModelSlot {
    /// The model at `path`, not loaded yet; `None` gives a slot in state `absent`.
    pub fn new(path: Option<PathBuf>, absent: ModelState) -> ModelSlot {
        ModelSlot {
            name: path.as_deref().map(short_name).unwrap_or_default(),
            state: if path.is_some() {
                ModelState::NotLoaded
            } else {
                absent
            },
            path,
            generation: GenerationStatus::Idle,
            dropped_events: 0,
            latest: 0,
        }
    }

    /// The id of the newest request.
    pub fn latest(&self) -> u64 {
        self.latest
    }

    /// A new request's id, newer than every one before.
    pub fn next_request(&mut self) -> u64 {
        self.latest += 1;
        self.latest
    }

    /// Number new requests after `past` (the ids a replaced pane used).
    pub fn skip_ids(&mut self, past: u64) {
        self.latest = self.latest.max(past);
    }

    /// Apply the part of `event` that every model pane applies alike: the model's life cycle
    /// (an event of a worker for another model, replaced since, is ignored), dropping the events
    /// of a stale request, and the newest request's streamed, cancelled and failed status.
    /// `Some` holds the answer for the pane to show.
    pub(crate) fn apply(&mut self, event: WorkerEvent) -> Option<Answer> {
        if !event.is_about(self.path.as_deref()) {
            return None;
        }
        let id = match &event {
            WorkerEvent::Loading { model: loading } => {
                self.name = short_name(Path::new(loading));
                self.state = ModelState::Loading;
                return None;
            }
            WorkerEvent::Ready { .. } => {
                self.state = ModelState::Ready;
                return None;
            }
            WorkerEvent::LoadFailed { message, .. } => {
                self.state = ModelState::LoadFailed(message.clone());
                self.generation = GenerationStatus::Idle;
                return None;
            }
            WorkerEvent::Partial { id, .. }
            | WorkerEvent::Done { id, .. }
            | WorkerEvent::Generated { id, .. }
            | WorkerEvent::Cancelled { id }
            | WorkerEvent::Failed { id, .. } => *id,
        };
        if id != self.latest {
            self.dropped_events += 1;
            return None;
        }
        match event {
            WorkerEvent::Partial { partial, .. } => {
                self.generation = GenerationStatus::Running {
                    tokens: partial.tokens,
                    tokens_per_s: partial.tokens_per_s,
                };
                Some(Answer::Partial(partial.text))
            }
            WorkerEvent::Done { prediction, .. } => Some(Answer::Trace(prediction)),
            WorkerEvent::Generated { completion, .. } => Some(Answer::Completion(completion)),
            WorkerEvent::Cancelled { .. } => {
                self.generation = GenerationStatus::Cancelled;
                None
            }
            WorkerEvent::Failed { message, .. } => {
                self.generation = self.state.failed(message);
                None
            }
            WorkerEvent::Loading { .. }
            | WorkerEvent::Ready { .. }
            | WorkerEvent::LoadFailed { .. } => None,
        }
    }
}

/// The last path component, for the pane title.
fn short_name(path: &Path) -> String {
    path.file_name().map_or_else(
        || path.display().to_string(),
        |n| n.to_string_lossy().into_owned(),
    )
}
