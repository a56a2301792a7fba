//! The prediction pane's state: which model, its life cycle (loading, ready, failed), the
//! newest prediction request and its streamed text, and the predicted steps aligned with the
//! truth's CodeExecutor steps. Model events arrive as `Action::Model`; requests wait in
//! `pending` until the event loop hands them to the model worker. A request whose id is not
//! the newest is stale: its events are dropped.

use std::path::PathBuf;

use crate::analysis::align::{align, Alignment};
use crate::analysis::metrics::{score, Metrics, Tally, Variant};
use crate::model::worker::{Request, WorkerEvent};
use crate::model::PredictOptions;
use crate::trace::codeexecutor::{code_tokens, parse_trace, serialize_steps, steps_of, CeStep};
use crate::trace::{Event, Trace};

use super::model_slot::{Answer, GenerationStatus, ModelSlot, ModelState};

/// The beam size used when beam search is switched on.
pub const BEAM_SIZE: usize = 4;

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
    /// The model directory (`None` turns the pane off), its state and the newest request's.
    pub model: ModelSlot,
    /// 1 is greedy.
    pub beam: usize,
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
    truth: Truth,
    pending: Option<Request>,
    cancel: bool,
}

impl Default for PredictionPane {
    fn default() -> Self {
        PredictionPane {
            model: ModelSlot::new(None, ModelState::NotLoaded),
            beam: 1,
            text: String::new(),
            predicted: Vec::new(),
            truncated: false,
            alignment: Alignment::default(),
            metrics: None,
            stale: false,
            truth: Truth::default(),
            pending: None,
            cancel: false,
        }
    }
}

impl PredictionPane {
    /// A pane for the model in `dir` (`None`: `--model none`, the pane is off).
    pub fn new(dir: Option<PathBuf>) -> PredictionPane {
        PredictionPane {
            model: ModelSlot::new(dir, ModelState::Off),
            ..PredictionPane::default()
        }
    }

    pub fn is_off(&self) -> bool {
        self.model.state == ModelState::Off
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

    /// A new trace is on show: align against it and ask for a fresh prediction of `code`
    /// (a pane that is off keeps no truth: nothing is aligned with it).
    pub fn trace_changed(&mut self, trace: &Trace, code: &str) {
        self.stale = false;
        if self.is_off() {
            return;
        }
        self.truth = Truth::of(trace);
        let id = self.model.next_request();
        self.cancel = true;
        self.set_text(String::new());
        self.metrics = None;
        match code_tokens(code) {
            Ok(tokens) => {
                self.model.generation = GenerationStatus::Running {
                    tokens: 0,
                    tokens_per_s: 0.0,
                };
                self.pending = Some(Request {
                    id,
                    code_tokens: tokens,
                    opts: PredictOptions {
                        beam: self.beam,
                        ..PredictOptions::default()
                    },
                });
            }
            Err(e) => {
                self.pending = None;
                self.model.generation =
                    GenerationStatus::Failed(format!("cannot tokenize the program: {e}"));
            }
        }
    }

    /// The code changed: the running generation is stale, cancel it and drop its events.
    pub fn code_changed(&mut self) {
        if self.is_off() {
            return;
        }
        self.model.next_request();
        self.pending = None;
        self.cancel = true;
        self.stale = !self.text.is_empty();
        if matches!(self.model.generation, GenerationStatus::Running { .. }) {
            self.model.generation = GenerationStatus::Cancelled;
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
        match self.model.apply(event) {
            Some(Answer::Partial(text)) => self.set_text(text),
            Some(Answer::Trace(prediction)) => {
                self.model.generation = GenerationStatus::Done {
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
                self.model.generation =
                    GenerationStatus::Failed("the model answered with text, not a trace".into())
            }
            None => {}
        }
    }
}
