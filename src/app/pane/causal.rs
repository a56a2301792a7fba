//! The live causal-LM pane's state: which model and its life cycle, the question asked (a
//! CRUXEval record's output or input, or "what does this program print"), the newest
//! generation request and its streamed monologue read into paragraphs and claims
//! ([`crate::analysis::monologue`]), the selected paragraph, the extracted answer and its check
//! by execution, and for CRUXEval-I the run of the model's proposed input beside the record's.
//!
//! Model events arrive through [`CausalPane::on_event`]; requests wait in `pending` until the
//! event loop hands them to the model worker, and a request whose id is not the newest is
//! stale: its events are dropped. Checks and proposed-input runs wait in `jobs` for the check
//! worker (`trace_jobs::Lane::Checks`); a result whose id is not the newest is dropped too.

use std::path::PathBuf;
use std::time::Duration;

use super::model_slot::{Answer, GenerationStatus, ModelSlot, ModelState};
use crate::analysis::monologue::{Judgement, Monologue};
use crate::app::trace_jobs::Job;
use crate::cruxeval::prompts::{LABEL_OFFSET, STOP};
use crate::cruxeval::question::Question;
use crate::cruxeval::score::{Check, Verdict};
use crate::cruxeval::{PromptKind, Task};
use crate::dataset::source::cruxeval_call;
use crate::model::causal::Sampling;
use crate::model::worker::{GenerateRequest, WorkerEvent};
use crate::trace::{Step, Trace};

/// At most this many tokens per answer (a monologue is long; the stop string usually ends it).
pub const MAX_TOKENS: usize = 1024;

/// Where the check of the extracted answer stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AnswerCheck {
    /// No answer yet.
    Waiting,
    Running,
    Done(Verdict),
}

/// The model's proposed input (CRUXEval-I) traced beside the record's.
#[derive(Debug, Clone, PartialEq)]
pub enum InputRun {
    /// Not a CRUXEval-I answer, or not checked yet.
    None,
    Running {
        args: String,
    },
    Done {
        args: String,
        trace: Box<Trace>,
        /// The first step where the two executions differ (`None`: they are the same).
        first_difference: Option<usize>,
    },
    Failed {
        args: String,
        message: String,
    },
}

/// What the newest check job is.
#[derive(Debug, Clone)]
enum Awaiting {
    Check(Check),
    InputRun,
}

/// The live causal-LM pane.
#[derive(Debug, Clone)]
pub struct CausalPane {
    /// The model file or directory (`None`: the pane is not in use, a CodeExecutor model or
    /// none is loaded), its state and the newest request's.
    pub model: ModelSlot,
    pub kind: PromptKind,
    /// The task asked of a CRUXEval record (any other program is asked what it prints).
    pub task: Task,
    pub sampling: Sampling,
    /// The question of the newest request.
    pub question: Option<Question>,
    pub prompt: String,
    /// The monologue so far.
    pub text: String,
    pub monologue: Monologue,
    /// Every claim's judgement in text order: (paragraph, claim within it, judgement).
    pub judged: Vec<(usize, usize, Judgement)>,
    /// The paragraph chosen with the paragraph keys.
    pub selected: Option<usize>,
    pub answer: Option<String>,
    pub check: AnswerCheck,
    pub input_run: InputRun,
    /// The monologue was made for code that has since changed.
    pub stale: bool,
    pending: Option<GenerateRequest>,
    cancel: bool,
    /// The program's real stdout (what a print question's answer is checked against).
    stdout: String,
    check_latest: u64,
    awaiting: Option<Awaiting>,
    jobs: Vec<Job>,
}

impl CausalPane {
    /// A pane for the causal LM at `path` (`None`: not in use).
    pub fn new(path: Option<PathBuf>) -> CausalPane {
        CausalPane {
            model: ModelSlot::new(path, ModelState::NotLoaded),
            kind: PromptKind::Monologue,
            task: Task::Output,
            sampling: Sampling {
                max_tokens: MAX_TOKENS,
                stop: STOP.iter().map(|s| s.to_string()).collect(),
                ..Sampling::default()
            },
            question: None,
            prompt: String::new(),
            text: String::new(),
            monologue: Monologue::default(),
            judged: Vec::new(),
            selected: None,
            answer: None,
            check: AnswerCheck::Waiting,
            input_run: InputRun::None,
            stale: false,
            pending: None,
            cancel: false,
            stdout: String::new(),
            check_latest: 0,
            awaiting: None,
            jobs: Vec::new(),
        }
    }

    pub fn is_active(&self) -> bool {
        self.model.path.is_some()
    }

    /// Number new requests (and checks) after `past` (the ids a replaced pane used).
    pub fn skip_ids(&mut self, past: u64) {
        self.model.skip_ids(past);
        self.check_latest = self.check_latest.max(past);
    }

    /// The request waiting for the model worker, if any.
    pub fn take_request(&mut self) -> Option<GenerateRequest> {
        self.pending.take()
    }

    /// Whether the running generation must be cancelled (taken once).
    pub fn take_cancel(&mut self) -> bool {
        std::mem::take(&mut self.cancel)
    }

    /// Check jobs for the check worker, oldest first (the worker keeps the newest).
    pub fn take_jobs(&mut self) -> Vec<Job> {
        std::mem::take(&mut self.jobs)
    }

    /// A new trace is on show: ask `question` about it, unless the newest request asked the
    /// same and still stands (then the claims are only held against the new `truth`).
    pub fn ask(&mut self, question: Question, truth: &Trace) {
        if !self.is_active() {
            return;
        }
        self.stdout = truth.stdout.clone();
        self.stale = false;
        let prompt = question.prompt(self.kind);
        let stands = !matches!(
            self.model.generation,
            GenerationStatus::Cancelled | GenerationStatus::Failed(_) | GenerationStatus::Idle
        );
        if stands && prompt == self.prompt && self.question.as_ref() == Some(&question) {
            self.judge(&truth.steps);
            return;
        }
        let id = self.model.next_request();
        self.cancel = true;
        self.pending = Some(GenerateRequest {
            id,
            prompt: prompt.clone(),
            sampling: self.sampling.clone(),
        });
        self.model.generation = GenerationStatus::Running {
            tokens: 0,
            tokens_per_s: 0.0,
        };
        self.question = Some(question);
        self.prompt = prompt;
        self.set_text(String::new(), &[]);
        self.selected = None;
        self.answer = None;
        self.check = AnswerCheck::Waiting;
        self.input_run = InputRun::None;
        self.awaiting = None;
        self.check_latest += 1;
    }

    /// The code changed: the running generation is stale, cancel it and drop its events.
    pub fn code_changed(&mut self) {
        if !self.is_active() {
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

    /// Show `text`, read into paragraphs and claims held against `truth`.
    fn set_text(&mut self, text: String, truth: &[Step]) {
        self.monologue = Monologue::parse(&text, LABEL_OFFSET);
        self.text = text;
        if self
            .selected
            .is_some_and(|s| s >= self.monologue.paragraphs.len())
        {
            self.selected = None;
        }
        self.judge(truth);
    }

    /// Hold the claims against `truth` (for CRUXEval-I, the run of the model's own input once
    /// it is traced).
    pub fn judge(&mut self, truth: &[Step]) {
        let truth = match &self.input_run {
            InputRun::Done { trace, .. } => &trace.steps[..],
            _ => truth,
        };
        self.judged = self.monologue.judge(truth);
    }

    /// The first wrong claim: (paragraph, claim within it, the truth's values there).
    pub fn first_wrong(&self) -> Option<(usize, usize, &[String])> {
        self.judged.iter().find_map(|(p, c, j)| match j {
            Judgement::Wrong { truth } => Some((*p, *c, &truth[..])),
            _ => None,
        })
    }

    /// Apply one model worker event; `truth` is the trace on show's steps.
    pub fn on_event(&mut self, event: WorkerEvent, truth: &[Step]) {
        match self.model.apply(event) {
            Some(Answer::Partial(text)) => self.set_text(text, truth),
            Some(Answer::Completion(completion)) => {
                let seconds = completion.generate_elapsed.as_secs_f64();
                self.model.generation = GenerationStatus::Done {
                    tokens: completion.ids.len(),
                    tokens_per_s: if seconds > 0.0 {
                        completion.ids.len().saturating_sub(1) as f64 / seconds
                    } else {
                        0.0
                    },
                };
                self.set_text(completion.text, truth);
                self.answered();
            }
            Some(Answer::Trace(_)) => {
                self.model.generation =
                    GenerationStatus::Failed("the model answered with a CodeExecutor trace".into())
            }
            None => {}
        }
    }

    /// The generation finished: extract the answer and queue its check.
    fn answered(&mut self) {
        let Some(question) = &self.question else {
            return;
        };
        let answer = question.extract(self.kind, &self.prompt, &self.text);
        match question.check(&answer, &self.stdout) {
            Some(check) => {
                self.check = AnswerCheck::Running;
                self.queue(check.request(), Awaiting::Check(check));
            }
            None => self.check = AnswerCheck::Done(Verdict::skipped()),
        }
        self.answer = Some(answer);
    }

    fn queue(&mut self, request: crate::trace::TraceRequest, awaiting: Awaiting) {
        self.check_latest += 1;
        self.awaiting = Some(awaiting);
        self.jobs.push(Job {
            id: self.check_latest,
            request,
            debounce: Duration::ZERO,
        });
    }

    /// A check job's result arrived; `truth` is the trace on show's steps (the record's own
    /// input, which a proposed input's run is compared with).
    pub fn on_checked(&mut self, id: u64, result: Result<Trace, String>, truth: &[Step]) {
        if id != self.check_latest {
            self.model.dropped_events += 1;
            return;
        }
        match self.awaiting.take() {
            Some(Awaiting::Check(check)) => {
                let verdict = match &result {
                    Ok(trace) => check.verdict(trace),
                    Err(message) => Verdict::tracer_error(message.clone()),
                };
                self.check = AnswerCheck::Done(verdict);
                self.run_proposed_input();
            }
            Some(Awaiting::InputRun) => {
                let args = match &self.input_run {
                    InputRun::Running { args } => args.clone(),
                    _ => return,
                };
                self.input_run = match result {
                    Ok(trace) => InputRun::Done {
                        first_difference: super::mutation::first_difference(truth, &trace.steps),
                        args,
                        trace: Box::new(trace),
                    },
                    Err(message) => InputRun::Failed { args, message },
                };
                self.judge(truth);
            }
            None => {}
        }
    }

    /// For a CRUXEval-I answer: trace the record's program called with the model's input.
    fn run_proposed_input(&mut self) {
        let (Some(question), Some(answer)) = (&self.question, &self.answer) else {
            return;
        };
        let (Some(args), Question::Record { sample, .. }) =
            (question.proposed_input(answer), question)
        else {
            return;
        };
        let request = crate::trace::TraceRequest {
            code: format!("{}{}", sample.code, cruxeval_call(args)),
            ..Default::default()
        };
        self.input_run = InputRun::Running {
            args: args.to_string(),
        };
        self.queue(request, Awaiting::InputRun);
    }

    /// Select the paragraph `by` paragraphs away (from none: the first or the last).
    pub fn select(&mut self, by: isize) -> Option<usize> {
        let count = self.monologue.paragraphs.len();
        if count == 0 {
            return None;
        }
        let next = match self.selected {
            None if by >= 0 => 0,
            None => count - 1,
            Some(s) => s.saturating_add_signed(by).min(count - 1),
        };
        self.selected = Some(next);
        self.selected
    }

    /// Switch the task asked of a CRUXEval record; the next trace change asks again.
    pub fn switch_task(&mut self) -> Task {
        self.task = match self.task {
            Task::Output => Task::Input,
            Task::Input => Task::Output,
        };
        self.task
    }
}
