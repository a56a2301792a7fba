//! The explorer's trace workers: newest-wins workers ([`crate::newest_wins`]) that own a
//! tracer, keep only the newest request, debounce edits, and send results on the app's
//! channel: the program's traces as `Action::Traced` ([`Lane::Program`]), and the live model
//! pane's checks and runs of proposed inputs as `Action::Checked` ([`Lane::Checks`], its own
//! tracer, so a check never waits behind or replaces an edit's trace).
//!
//! The tracer is a boxed closure made by a factory that runs on the worker thread, so the
//! pool starts in the background (the first frame never waits for it) and tests can inject
//! fakes.

use std::sync::mpsc::Sender;
use std::time::Duration;

use super::action::Action;
use crate::newest_wins::{catch_panic, NewestWins};
use crate::trace::{Trace, TraceRequest};

/// Records one program; an error is a message for the status bar.
pub type TraceFn = Box<dyn FnMut(&TraceRequest) -> Result<Trace, String> + Send>;

/// Starts the tracer (on the worker thread).
pub type TraceFnFactory = Box<dyn FnOnce() -> Result<TraceFn, String> + Send>;

/// One request to the worker.
#[derive(Debug, Clone)]
pub struct Job {
    pub id: u64,
    pub request: TraceRequest,
    /// How long to wait for a newer request before tracing this one.
    pub debounce: Duration,
}

/// Which results a worker sends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lane {
    /// The program's traces: `Action::TracerReady`, then `Action::Traced`.
    Program,
    /// The live model pane's checks: `Action::Checked` only (a tracer that cannot start fails
    /// each check with its message).
    Checks,
}

impl Lane {
    fn ready(self, result: Result<(), String>) -> Option<Action> {
        match self {
            Lane::Program => Some(Action::TracerReady(result)),
            Lane::Checks => None,
        }
    }

    fn traced(self, id: u64, result: Result<Trace, String>) -> Action {
        match self {
            Lane::Program => Action::Traced { id, result },
            Lane::Checks => Action::Checked { id, result },
        }
    }
}

/// The handle the event loop holds; dropping it stops the worker.
pub struct TraceWorker {
    jobs: NewestWins<TraceRequest>,
}

impl TraceWorker {
    /// Start the program's trace worker; results go to `results`.
    pub fn spawn(factory: TraceFnFactory, results: Sender<Action>) -> TraceWorker {
        TraceWorker::spawn_lane(factory, results, Lane::Program)
    }

    /// Start a worker whose results go to `results` as `lane` sends them.
    pub fn spawn_lane(factory: TraceFnFactory, results: Sender<Action>, lane: Lane) -> TraceWorker {
        let name = match lane {
            Lane::Program => "trace-worker",
            Lane::Checks => "check-worker",
        };
        let jobs = NewestWins::spawn(
            name,
            // A closed channel means the explorer is closing.
            move |action| {
                let _ = results.send(action);
            },
            move |sink| {
                let started = match catch_panic(factory) {
                    Ok(started) => started,
                    Err(panic) => Err(format!("the tracer panicked while starting: {panic}")),
                };
                if let Some(action) = lane.ready(started.as_ref().map(|_| ()).map_err(Clone::clone))
                {
                    sink(action);
                }
                started
            },
            move |tracer: &mut Result<TraceFn, String>, task, sink| {
                let result = match tracer.as_mut() {
                    Ok(trace) => trace(&task.job),
                    Err(message) => Err(format!("no tracer is available: {message}")),
                };
                sink(lane.traced(task.id, result));
            },
            move |id, message| lane.traced(id, Err(format!("the tracer panicked: {message}"))),
        );
        TraceWorker { jobs }
    }

    /// Queue a request; an older queued one is replaced.
    pub fn submit(&self, job: Job) {
        self.jobs.submit(job.id, job.request, job.debounce);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::app::trace_view::tests::trace_of;
    use std::sync::{mpsc, Arc, Mutex};

    #[test]
    fn newest_request_wins_and_edits_are_debounced() {
        let seen = Arc::new(Mutex::new(Vec::new()));
        let log = Arc::clone(&seen);
        let factory: TraceFnFactory = Box::new(move || {
            Ok(Box::new(move |req: &TraceRequest| {
                log.lock().unwrap().push(req.code.clone());
                Ok(trace_of(Vec::new()))
            }) as TraceFn)
        });
        let (tx, rx) = mpsc::channel();
        let worker = TraceWorker::spawn(factory, tx);
        assert!(matches!(rx.recv().unwrap(), Action::TracerReady(Ok(()))));
        for (id, code) in ["a", "ab", "abc"].iter().enumerate() {
            worker.submit(Job {
                id: id as u64,
                request: TraceRequest {
                    code: code.to_string(),
                    ..Default::default()
                },
                debounce: Duration::from_millis(200),
            });
        }
        match rx.recv_timeout(Duration::from_secs(5)).unwrap() {
            Action::Traced { id, result } => {
                assert_eq!(id, 2);
                assert!(result.is_ok());
            }
            other => panic!("unexpected {other:?}"),
        }
        assert_eq!(*seen.lock().unwrap(), ["abc"]);
    }

    #[test]
    fn a_panicking_tracer_is_reported_and_the_worker_goes_on() {
        let factory: TraceFnFactory = Box::new(|| {
            Ok(Box::new(|req: &TraceRequest| {
                if req.code == "boom" {
                    panic!("tracer bug");
                }
                Ok(trace_of(Vec::new()))
            }) as TraceFn)
        });
        let (tx, rx) = mpsc::channel();
        let worker = TraceWorker::spawn(factory, tx);
        assert!(matches!(rx.recv().unwrap(), Action::TracerReady(Ok(()))));
        for (id, code) in [(1, "boom"), (2, "fine")] {
            worker.submit(Job {
                id,
                request: TraceRequest {
                    code: code.into(),
                    ..Default::default()
                },
                debounce: Duration::ZERO,
            });
            match rx.recv_timeout(Duration::from_secs(5)).unwrap() {
                Action::Traced {
                    id: 1,
                    result: Err(m),
                } => assert_eq!(m, "the tracer panicked: tracer bug"),
                Action::Traced { id: 2, result } => assert!(result.is_ok()),
                other => panic!("unexpected {other:?}"),
            }
        }
    }

    #[test]
    fn a_failing_tracer_is_reported_not_fatal() {
        let factory: TraceFnFactory = Box::new(|| Err("python3 not found".into()));
        let (tx, rx) = mpsc::channel();
        let worker = TraceWorker::spawn(factory, tx);
        assert!(
            matches!(rx.recv().unwrap(), Action::TracerReady(Err(m)) if m == "python3 not found")
        );
        worker.submit(Job {
            id: 7,
            request: TraceRequest::default(),
            debounce: Duration::ZERO,
        });
        assert!(matches!(
            rx.recv().unwrap(),
            Action::Traced {
                id: 7,
                result: Err(_)
            }
        ));
    }
}
