//! The explorer's check worker: a newest-wins worker ([`crate::newest_wins`]) that scores the
//! answers a CRUXEval record stores without verdicts, running the harness's checks
//! (`crate::cruxeval::score::score_answers`) on a tracer of its own, so they never hold up the
//! trace of the program on show. It is started on the first check; results go back as
//! `Action::Scored`.

use std::sync::mpsc::Sender;
use std::time::Duration;

use super::action::Action;
use super::pane::stored::CheckJob;
use super::trace_jobs::{TraceFn, TraceFnFactory};
use crate::cruxeval::score::score_answers;
use crate::newest_wins::{catch_panic, NewestWins, Task};

/// The handle the event loop holds; dropping it stops the worker.
pub struct CheckWorker {
    jobs: NewestWins<CheckJob>,
}

impl CheckWorker {
    /// Start the worker thread, its tracer made by `factory`; results go to `results`.
    pub fn spawn(factory: TraceFnFactory, results: Sender<Action>) -> CheckWorker {
        let jobs = NewestWins::spawn(
            "check-worker",
            // A closed channel means the explorer is closing.
            move |action| {
                let _ = results.send(action);
            },
            |_| match catch_panic(factory) {
                Ok(Ok(tracer)) => Ok(tracer),
                Ok(Err(message)) => Err(message),
                Err(panic) => Err(format!("the tracer panicked while starting: {panic}")),
            },
            |tracer: &mut Result<TraceFn, String>, task: Task<CheckJob>, sink| {
                let job = task.job;
                let result = match tracer.as_mut() {
                    Ok(trace) => Ok(score_answers(job.task, &job.sample, &job.answers, trace)),
                    Err(message) => Err(format!("the checks cannot run: {message}")),
                };
                sink(Action::Scored {
                    id: task.id,
                    result,
                });
            },
            |id, message| Action::Scored {
                id,
                result: Err(format!("the check panicked: {message}")),
            },
        );
        CheckWorker { jobs }
    }

    /// Queue a check; an older queued one is replaced.
    pub fn submit(&self, job: CheckJob) {
        self.jobs.submit(job.id, job, Duration::ZERO);
    }
}
