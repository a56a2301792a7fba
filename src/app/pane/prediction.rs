//! The prediction pane's state: which model, its life cycle (loading, ready, failed), the
//! newest prediction request and its streamed text, and the predicted steps aligned with the
//! truth's CodeExecutor steps. Model events arrive as `Action::Model`; requests wait in
//! `pending` until the event loop hands them to the model worker. A request whose id is not
//! the newest is stale: its events are dropped.

use std::path::PathBuf;

use crate::analysis::align::{align, Alignment};
use crate::analysis::metrics::{score, Metrics, Tally, Variant};
use crate::model::causal::Completion;
use crate::model::worker::{Request, WorkerEvent};
use crate::model::{PredictOptions, Prediction};
use crate::trace::codeexecutor::{code_tokens, parse_trace, serialize_steps, steps_of, CeStep};
use crate::trace::{Event, Trace};

/// The beam size used when beam search is switched on.
pub const BEAM_SIZE: usize = 4;

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

/// The truth's CodeExecutor steps and how they map to the recorded steps (the stored
/// prediction view links its rows to steps through it too).
#[derive(Debug, Clone, Default)]
pub struct Truth {
    steps: Vec<CeStep>,
    /// For each recorded step, the CodeExecutor step it shows (the last `<line>` step so far).
    of_raw: Vec<Option<usize>>,
    /// For each CodeExecutor step, the recorded step that shows it.
    raw_of: Vec<usize>,
    /// The whole gold text, for scoring.
    gold: String,
}

impl Truth {
    /// The truth of a recorded trace.
    pub fn of(trace: &Trace) -> Truth {
        let steps = steps_of(trace);
        let line_steps: Vec<usize> = (0..steps.len())
            .filter(|&i| matches!(steps[i], CeStep::Line { .. }))
            .collect();
        let mut seen_lines: usize = 0;
        let mut raw_line = Vec::new();
        let of_raw = trace
            .steps
            .iter()
            .enumerate()
            .map(|(raw, step)| {
                if step.event == Event::Line {
                    seen_lines += 1;
                    raw_line.push(raw);
                }
                seen_lines
                    .checked_sub(1)
                    .and_then(|k| line_steps.get(k).copied())
            })
            .collect();
        // An output step shows at the recorded step of the `<line>` step before it.
        let mut lines_before: usize = 0;
        let raw_of = steps
            .iter()
            .map(|s| {
                if matches!(s, CeStep::Line { .. }) {
                    lines_before += 1;
                }
                lines_before
                    .checked_sub(1)
                    .and_then(|k| raw_line.get(k).copied())
                    .unwrap_or(0)
            })
            .collect();
        let gold = serialize_steps(&steps).join(" ");
        Truth {
            steps,
            of_raw,
            raw_of,
            gold,
        }
    }
}

impl Truth {
    /// The whole gold text (CodeExecutor steps joined with single spaces).
    pub fn gold(&self) -> &str {
        &self.gold
    }

    /// The aligned row (index into `alignment.steps`) of recorded step `raw`.
    pub fn row_of_raw(&self, alignment: &Alignment, raw: usize) -> Option<usize> {
        let ce = self.of_raw.get(raw).copied().flatten()?;
        alignment.position_of_truth(ce)
    }

    /// The recorded step that shows aligned row `row` (a predicted-only row shows at the
    /// truth step before it).
    pub fn raw_of_row(&self, alignment: &Alignment, row: usize) -> Option<usize> {
        let rows = alignment.steps.get(..=row)?;
        let truth = rows
            .iter()
            .rev()
            .find_map(|s| s.truth)
            .or_else(|| alignment.steps[row..].iter().find_map(|s| s.truth))?;
        self.raw_of.get(truth).copied()
    }

    /// The recorded step of the first divergence of `alignment` (`next`: the next one after
    /// the rows that show at recorded step `step`).
    pub fn divergence_step(&self, alignment: &Alignment, step: usize, next: bool) -> Option<usize> {
        let found = if next {
            let here = self.row_of_raw(alignment, step);
            let mut row = alignment.next_divergence(here);
            // Rows that show at the current step are not "next".
            while let Some(r) = row {
                if self.raw_of_row(alignment, r) != Some(step) || here.is_none() {
                    break;
                }
                row = alignment.next_divergence(Some(r));
            }
            row
        } else {
            alignment.first_divergence()
        };
        self.raw_of_row(alignment, found?)
    }
}

/// The prediction pane.
#[derive(Debug, Clone)]
pub struct PredictionPane {
    /// The model directory; `None` turns the pane off.
    pub dir: Option<PathBuf>,
    pub model_name: String,
    pub model: ModelState,
    /// 1 is greedy.
    pub beam: usize,
    pub generation: GenerationStatus,
    /// The predicted text so far.
    pub text: String,
    pub predicted: Vec<CeStep>,
    /// The predicted text ends inside a step.
    pub truncated: bool,
    pub alignment: Alignment,
    /// This program's metrics, once the prediction is done.
    pub metrics: Option<Metrics>,
    /// The prediction was made for code that has since changed.
    pub stale: bool,
    /// Events of stale requests that were dropped.
    pub dropped_events: usize,
    truth: Truth,
    latest: u64,
    pending: Option<Request>,
    cancel: bool,
}

impl Default for PredictionPane {
    fn default() -> Self {
        PredictionPane {
            dir: None,
            model_name: String::new(),
            model: ModelState::NotLoaded,
            beam: 1,
            generation: GenerationStatus::Idle,
            text: String::new(),
            predicted: Vec::new(),
            truncated: false,
            alignment: Alignment::default(),
            metrics: None,
            stale: false,
            dropped_events: 0,
            truth: Truth::default(),
            latest: 0,
            pending: None,
            cancel: false,
        }
    }
}

impl PredictionPane {
    /// A pane for the model in `dir` (`None`: `--model none`, the pane is off).
    pub fn new(dir: Option<PathBuf>) -> PredictionPane {
        let model = if dir.is_some() {
            ModelState::NotLoaded
        } else {
            ModelState::Off
        };
        let model_name = dir.as_deref().map(short_name).unwrap_or_default();
        PredictionPane {
            dir,
            model_name,
            model,
            ..PredictionPane::default()
        }
    }

    pub fn is_off(&self) -> bool {
        self.model == ModelState::Off
    }

    /// The id of the newest request.
    pub fn latest_request(&self) -> u64 {
        self.latest
    }

    /// Number new requests after `past` (the ids a replaced pane used).
    pub fn skip_ids(&mut self, past: u64) {
        self.latest = self.latest.max(past);
    }

    /// The request waiting for the worker, if any.
    pub fn take_request(&mut self) -> Option<Request> {
        self.pending.take()
    }

    /// Whether the running generation must be cancelled (taken once).
    pub fn take_cancel(&mut self) -> bool {
        std::mem::take(&mut self.cancel)
    }

    /// The truth's CodeExecutor steps.
    pub fn truth_steps(&self) -> &[CeStep] {
        &self.truth.steps
    }

    /// The truth the prediction is aligned with.
    pub fn truth(&self) -> &Truth {
        &self.truth
    }

    /// The aligned row (index into `alignment.steps`) of recorded step `raw`.
    pub fn row_of_raw(&self, raw: usize) -> Option<usize> {
        self.truth.row_of_raw(&self.alignment, raw)
    }

    /// The recorded step that shows aligned row `row`.
    pub fn raw_of_row(&self, row: usize) -> Option<usize> {
        self.truth.raw_of_row(&self.alignment, row)
    }

    /// The recorded step of the first divergence, if the prediction diverges.
    pub fn first_divergence_raw(&self) -> Option<usize> {
        self.raw_of_row(self.alignment.first_divergence()?)
    }

    /// A new trace is on show: align against it and ask for a fresh prediction of `code`.
    pub fn trace_changed(&mut self, trace: &Trace, code: &str) {
        self.truth = Truth::of(trace);
        self.stale = false;
        if self.is_off() {
            return;
        }
        self.latest += 1;
        self.cancel = true;
        self.set_text(String::new());
        self.metrics = None;
        match code_tokens(code) {
            Ok(tokens) => {
                self.generation = GenerationStatus::Running {
                    tokens: 0,
                    tokens_per_s: 0.0,
                };
                self.pending = Some(Request {
                    id: self.latest,
                    code_tokens: tokens,
                    opts: PredictOptions {
                        beam: self.beam,
                        ..PredictOptions::default()
                    },
                });
            }
            Err(e) => {
                self.pending = None;
                self.generation =
                    GenerationStatus::Failed(format!("cannot tokenize the program: {e}"));
            }
        }
    }

    /// The code changed: the running generation is stale, cancel it and drop its events.
    pub fn code_changed(&mut self) {
        if self.is_off() {
            return;
        }
        self.latest += 1;
        self.pending = None;
        self.cancel = true;
        self.stale = !self.text.is_empty();
        if matches!(self.generation, GenerationStatus::Running { .. }) {
            self.generation = GenerationStatus::Cancelled;
        }
    }

    /// Show `text`; the alignment (the costly part on long traces) is redone only when the
    /// parsed steps changed, so streaming a token that only extends a step costs a parse.
    fn set_text(&mut self, text: String) {
        let parsed = parse_trace(&text);
        if text.is_empty() {
            self.alignment = Alignment::default();
        } else if parsed.steps != self.predicted
            || parsed.truncated != self.truncated
            || self.alignment.steps.is_empty()
        {
            self.alignment = align(&self.truth.steps, &parsed);
        }
        self.predicted = parsed.steps;
        self.truncated = parsed.truncated;
        self.text = text;
    }

    /// Apply one model worker event.
    pub fn on_event(&mut self, event: WorkerEvent) {
        let link = ModelLink {
            path: self.dir.as_deref(),
            model: &mut self.model,
            name: &mut self.model_name,
            generation: &mut self.generation,
            latest: self.latest,
            dropped_events: &mut self.dropped_events,
        };
        match link.apply(event) {
            Some(Answer::Partial(text)) => self.set_text(text),
            Some(Answer::Trace(prediction)) => {
                self.generation = GenerationStatus::Done {
                    tokens: prediction.output_ids.len(),
                    tokens_per_s: prediction.tokens_per_s,
                };
                let mut tally = Tally::default();
                tally.add(&score(
                    &prediction.text,
                    &self.truth.gold,
                    Variant::Standard,
                ));
                self.metrics = Some(tally.metrics());
                self.set_text(prediction.text);
            }
            Some(Answer::Completion(_)) => {
                self.generation =
                    GenerationStatus::Failed("the model answered with text, not a trace".into())
            }
            None => {}
        }
    }
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

/// What a pane shares with the model worker's events: its model (`path`; `None`: not in use),
/// the model's state and name, the newest request (`latest`) and its status, and the count of
/// stale events dropped.
pub(crate) struct ModelLink<'a> {
    pub path: Option<&'a std::path::Path>,
    pub model: &'a mut ModelState,
    pub name: &'a mut String,
    pub generation: &'a mut GenerationStatus,
    pub latest: u64,
    pub dropped_events: &'a mut usize,
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

impl ModelLink<'_> {
    /// Apply the part of `event` that every model pane applies alike: the model's life cycle
    /// (an event of a worker for another model, replaced since, is ignored), dropping the events
    /// of a stale request, and the newest request's streamed, cancelled and failed status.
    /// `Some` holds the answer for the pane to show.
    pub(crate) fn apply(self, event: WorkerEvent) -> Option<Answer> {
        if !event.is_about(self.path) {
            return None;
        }
        let id = match &event {
            WorkerEvent::Loading { model: loading } => {
                *self.name = short_name(std::path::Path::new(loading));
                *self.model = ModelState::Loading;
                return None;
            }
            WorkerEvent::Ready { .. } => {
                *self.model = ModelState::Ready;
                return None;
            }
            WorkerEvent::LoadFailed { message, .. } => {
                *self.model = ModelState::LoadFailed(message.clone());
                *self.generation = GenerationStatus::Idle;
                return None;
            }
            WorkerEvent::Partial { id, .. }
            | WorkerEvent::Done { id, .. }
            | WorkerEvent::Generated { id, .. }
            | WorkerEvent::Cancelled { id }
            | WorkerEvent::Failed { id, .. } => *id,
        };
        if id != self.latest {
            *self.dropped_events += 1;
            return None;
        }
        match event {
            WorkerEvent::Partial { partial, .. } => {
                *self.generation = GenerationStatus::Running {
                    tokens: partial.tokens,
                    tokens_per_s: partial.tokens_per_s,
                };
                Some(Answer::Partial(partial.text))
            }
            WorkerEvent::Done { prediction, .. } => Some(Answer::Trace(prediction)),
            WorkerEvent::Generated { completion, .. } => Some(Answer::Completion(completion)),
            WorkerEvent::Cancelled { .. } => {
                *self.generation = GenerationStatus::Cancelled;
                None
            }
            WorkerEvent::Failed { message, .. } => {
                *self.generation = self.model.failed(message);
                None
            }
            WorkerEvent::Loading { .. }
            | WorkerEvent::Ready { .. }
            | WorkerEvent::LoadFailed { .. } => None,
        }
    }
}

/// The last path component, for the pane title.
pub(crate) fn short_name(path: &std::path::Path) -> String {
    path.file_name().map_or_else(
        || path.display().to_string(),
        |n| n.to_string_lossy().into_owned(),
    )
}
