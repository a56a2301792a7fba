//! The stored-prediction view's state: the loaded dataset record's stored prediction (a
//! scored trace, or CRUXEval answers with their verdicts), whether the prediction pane shows
//! it or the live model (the switch key), the live truth that links a stored trace's rows to
//! the steps, and the background check that scores answers stored without verdicts. Check
//! requests wait in `pending` until the event loop hands them to the check worker
//! (`crate::app::check_jobs`); a result whose id is not the newest is dropped.

use super::prediction::Truth;
use crate::app::stored_prediction::{Stored, StoredAnswers};
use crate::cruxeval::score::Verdict;
use crate::cruxeval::{Sample, Task};

/// A request to score one record's answers by execution.
#[derive(Debug, Clone, PartialEq)]
pub struct CheckJob {
    pub id: u64,
    pub task: Task,
    pub sample: Sample,
    pub answers: Vec<String>,
}

/// Where the verdicts of stored answers come from.
#[derive(Debug, Clone, PartialEq)]
pub enum Scoring {
    /// The record holds them.
    FromRecord,
    /// Their checks are running.
    Running,
    /// Scored here.
    Scored(Vec<Verdict>),
    /// Scoring failed (the tracer could not start, ...).
    Failed(String),
    /// Not scored, for the reason given.
    NotScored(&'static str),
}

/// The loaded record's stored prediction.
#[derive(Debug, Clone)]
pub struct Shown {
    /// The record's index in the dataset file.
    pub record: usize,
    /// What was read, or why it cannot be read.
    pub stored: Result<Stored, String>,
    /// For a trace: the truth of the run on show, when it is the record's trace (the rows
    /// then link to steps).
    pub truth: Option<Truth>,
    /// For answers: where their verdicts stand.
    pub scoring: Scoring,
}

impl Shown {
    /// The answers' verdicts: the record's, or those scored here.
    pub fn verdicts(&self) -> Option<&[Verdict]> {
        match (&self.stored, &self.scoring) {
            (Ok(Stored::Answers(a)), Scoring::FromRecord) => a.verdicts.as_deref(),
            (_, Scoring::Scored(verdicts)) => Some(verdicts),
            _ => None,
        }
    }
}

/// The stored-prediction view.
#[derive(Debug, Clone)]
pub struct StoredView {
    /// Show the loaded record's stored prediction (when it has one) instead of running the
    /// live model; the switch key flips it.
    pub prefer_stored: bool,
    pub shown: Option<Shown>,
    latest: u64,
    pending: Option<CheckJob>,
}

impl Default for StoredView {
    fn default() -> Self {
        StoredView {
            prefer_stored: true,
            shown: None,
            latest: 0,
            pending: None,
        }
    }
}

impl StoredView {
    /// Whether the prediction pane shows the stored prediction now.
    pub fn active(&self) -> bool {
        self.prefer_stored && self.shown.is_some()
    }

    /// The check waiting for the worker, if any.
    pub fn take_check(&mut self) -> Option<CheckJob> {
        self.pending.take()
    }

    /// Record `record` was loaded; `stored` is what it stores (`Ok(None)`: nothing).
    pub fn load(&mut self, record: usize, stored: Result<Option<Stored>, String>) {
        self.latest += 1;
        self.pending = None;
        let stored = match stored {
            Ok(None) => {
                self.shown = None;
                return;
            }
            Ok(Some(stored)) => Ok(stored),
            Err(message) => Err(message),
        };
        let scoring = match &stored {
            Ok(Stored::Answers(answers)) => self.scoring_of(answers),
            _ => Scoring::FromRecord,
        };
        self.shown = Some(Shown {
            record,
            stored,
            truth: None,
            scoring,
        });
    }

    /// Where the answers' verdicts come from; queues their check when the record has none.
    fn scoring_of(&mut self, answers: &StoredAnswers) -> Scoring {
        if answers.verdicts.is_some() {
            return Scoring::FromRecord;
        }
        if answers.edited {
            return Scoring::NotScored("the program was edited since the answers were made");
        }
        self.pending = Some(CheckJob {
            id: self.latest,
            task: answers.task,
            sample: answers.sample.clone(),
            answers: answers.answers.clone(),
        });
        Scoring::Running
    }

    /// No record is loaded.
    pub fn clear(&mut self) {
        self.latest += 1;
        self.pending = None;
        self.shown = None;
    }

    /// A new trace is on show: a stored trace links to it when it is the record's trace.
    pub fn trace_changed(&mut self, truth: Truth) {
        if let Some(shown) = self.shown.as_mut() {
            if let Ok(Stored::Trace(t)) = &shown.stored {
                shown.truth = (truth.gold() == t.gold).then_some(truth);
            }
        }
    }

    /// The result of check `id`: the record and its verdicts when it is the newest check.
    pub fn on_checked(
        &mut self,
        id: u64,
        result: Result<Vec<Verdict>, String>,
    ) -> Option<(usize, Vec<Verdict>)> {
        let shown = self.shown.as_mut().filter(|_| id == self.latest)?;
        match result {
            Ok(verdicts) => {
                shown.scoring = Scoring::Scored(verdicts.clone());
                Some((shown.record, verdicts))
            }
            Err(message) => {
                shown.scoring = Scoring::Failed(message);
                None
            }
        }
    }
}
