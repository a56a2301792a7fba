//! The background model worker, a newest-wins worker ([`crate::newest_wins`]): loads a model
//! on its own thread, keeps only the newest request, cancels a running generation as soon as a
//! newer request arrives, streams partial text, and turns every failure (loading, generation,
//! even a panic) into an event message.
//! Events go to a callback the caller supplies, so the TUI can route them into its one channel.

use std::path::PathBuf;
use std::sync::atomic::AtomicBool;
use std::time::Duration;

use anyhow::Result;

use super::{Model, Partial, PredictOptions, Prediction, StopReason};
use crate::newest_wins::{catch_panic, NewestWins, Task};

/// Something that predicts a trace from CodeExecutor code tokens ([`Model`] in practice).
pub trait Predictor: Send + 'static {
    /// Predict, reporting partial text and stopping early once `cancel` is set.
    fn predict(
        &self,
        code_tokens: &[String],
        opts: &PredictOptions,
        cancel: &AtomicBool,
        on_partial: &mut dyn FnMut(&Partial),
    ) -> Result<Prediction>;
}

impl Predictor for Model {
    fn predict(
        &self,
        code_tokens: &[String],
        opts: &PredictOptions,
        cancel: &AtomicBool,
        on_partial: &mut dyn FnMut(&Partial),
    ) -> Result<Prediction> {
        Model::predict(self, code_tokens, opts, cancel, on_partial)
    }
}

/// One prediction request; `id` lets the caller drop stale results.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request {
    pub id: u64,
    pub code_tokens: Vec<String>,
    pub opts: PredictOptions,
}

/// What the worker reports.
#[derive(Debug, Clone)]
pub enum WorkerEvent {
    /// Loading has started.
    Loading { model: String },
    /// The model is loaded and requests will be served.
    Ready { model: String },
    /// The model could not be loaded; later requests fail with this message too.
    LoadFailed { model: String, message: String },
    /// Text generated so far for request `id`.
    Partial { id: u64, partial: Partial },
    /// Request `id` finished.
    Done { id: u64, prediction: Prediction },
    /// Request `id` was cancelled by a newer request (or by shutdown).
    Cancelled { id: u64 },
    /// Request `id` failed.
    Failed { id: u64, message: String },
}

/// Handle to the worker thread. Dropping it cancels the running generation and stops the
/// thread once that returns (loading cannot be interrupted, so drop never waits).
pub struct ModelWorker {
    jobs: NewestWins<Request>,
}

impl ModelWorker {
    /// Start a worker that loads the model in `dir` with [`Model::load`].
    pub fn for_dir<F>(dir: PathBuf, on_event: F) -> Self
    where
        F: FnMut(WorkerEvent) + Send + 'static,
    {
        let name = dir.display().to_string();
        Self::spawn(name, move || Model::load(&dir), on_event)
    }

    /// Start a worker that builds its predictor with `load` on the worker thread.
    pub fn spawn<P, L, F>(model: String, load: L, on_event: F) -> Self
    where
        P: Predictor,
        L: FnOnce() -> Result<P> + Send + 'static,
        F: FnMut(WorkerEvent) + Send + 'static,
    {
        let jobs = NewestWins::spawn(
            "model-worker",
            on_event,
            move |sink| {
                sink(WorkerEvent::Loading {
                    model: model.clone(),
                });
                let loaded = catch_panic(load)
                    .unwrap_or_else(|_| Err(anyhow::anyhow!("the model loader panicked")));
                match loaded {
                    Ok(p) => {
                        sink(WorkerEvent::Ready { model });
                        Ok(p)
                    }
                    Err(e) => {
                        let message = format!("{e:#}");
                        sink(WorkerEvent::LoadFailed {
                            model,
                            message: message.clone(),
                        });
                        Err(message)
                    }
                }
            },
            |predictor: &mut Result<P, String>, task: Task<Request>, sink| {
                let id = task.id;
                let event = match predictor {
                    Err(message) => WorkerEvent::Failed {
                        id,
                        message: format!("the model failed to load: {message}"),
                    },
                    Ok(p) => {
                        let mut stream = |partial: &Partial| {
                            sink(WorkerEvent::Partial {
                                id,
                                partial: partial.clone(),
                            })
                        };
                        let request = &task.job;
                        match p.predict(
                            &request.code_tokens,
                            &request.opts,
                            task.cancel,
                            &mut stream,
                        ) {
                            Ok(prediction) if prediction.stop == StopReason::Cancelled => {
                                WorkerEvent::Cancelled { id }
                            }
                            Ok(prediction) => WorkerEvent::Done { id, prediction },
                            Err(e) => WorkerEvent::Failed {
                                id,
                                message: format!("{e:#}"),
                            },
                        }
                    }
                };
                sink(event);
            },
            |id, _| WorkerEvent::Failed {
                id,
                message: "the model panicked while generating".into(),
            },
        );
        Self { jobs }
    }

    /// Queue a request: it replaces any request not yet started and cancels the running one.
    pub fn request(&self, request: Request) {
        self.jobs.submit(request.id, request, Duration::ZERO);
    }

    /// Cancel the running generation (if any) and drop the request not yet started.
    pub fn cancel(&self) {
        self.jobs.cancel();
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::Ordering;
    use std::sync::mpsc::{channel, Receiver};
    use std::thread;
    use std::time::Instant;

    use super::*;

    /// A predictor that emits one token every `per_token` until `tokens` or cancellation.
    struct Slow {
        tokens: usize,
        per_token: Duration,
    }

    impl Predictor for Slow {
        fn predict(
            &self,
            code_tokens: &[String],
            _opts: &PredictOptions,
            cancel: &AtomicBool,
            on_partial: &mut dyn FnMut(&Partial),
        ) -> Result<Prediction> {
            if code_tokens.iter().any(|t| t == "boom") {
                anyhow::bail!("cannot predict boom");
            }
            let start = Instant::now();
            let mut out = Vec::new();
            let mut stop = StopReason::MaxTokens;
            for i in 0..self.tokens {
                if cancel.load(Ordering::Relaxed) {
                    stop = StopReason::Cancelled;
                    break;
                }
                thread::sleep(self.per_token);
                out.push(i as u32);
                on_partial(&Partial {
                    text: format!("{}", out.len()),
                    tokens: out.len(),
                    tokens_per_s: 0.0,
                });
            }
            Ok(Prediction {
                input_ids: vec![],
                text: code_tokens.join(" "),
                output_ids: out,
                stop,
                elapsed: start.elapsed(),
                tokens_per_s: 0.0,
            })
        }
    }

    fn request(id: u64, code: &str) -> Request {
        Request {
            id,
            code_tokens: vec![code.to_string()],
            opts: PredictOptions::default(),
        }
    }

    fn slow_worker(load_delay: Duration, tokens: usize) -> (ModelWorker, Receiver<WorkerEvent>) {
        let (tx, rx) = channel();
        let worker = ModelWorker::spawn(
            "slow".into(),
            move || {
                thread::sleep(load_delay);
                Ok(Slow {
                    tokens,
                    per_token: Duration::from_millis(2),
                })
            },
            move |e| {
                let _ = tx.send(e);
            },
        );
        (worker, rx)
    }

    /// Events until (and including) the first that `stop` accepts.
    fn events_until(
        rx: &Receiver<WorkerEvent>,
        stop: impl Fn(&WorkerEvent) -> bool,
    ) -> Vec<WorkerEvent> {
        let mut seen = Vec::new();
        loop {
            let e = rx
                .recv_timeout(Duration::from_secs(20))
                .expect("worker went quiet");
            let last = stop(&e);
            seen.push(e);
            if last {
                return seen;
            }
        }
    }

    #[test]
    fn newest_request_wins_while_loading() {
        let (worker, rx) = slow_worker(Duration::from_millis(200), 3);
        for id in 1..=3 {
            worker.request(request(id, &format!("program {id}")));
        }
        let seen = events_until(&rx, |e| matches!(e, WorkerEvent::Done { .. }));
        assert!(matches!(seen[0], WorkerEvent::Loading { .. }));
        assert!(matches!(seen[1], WorkerEvent::Ready { .. }));
        for e in &seen[2..] {
            match e {
                WorkerEvent::Partial { id, .. } => assert_eq!(*id, 3),
                WorkerEvent::Done { id, prediction } => {
                    assert_eq!(*id, 3);
                    assert_eq!(prediction.text, "program 3");
                }
                other => panic!("unexpected {other:?}"),
            }
        }
    }

    #[test]
    fn a_new_request_cancels_a_long_generation_promptly() {
        let (worker, rx) = slow_worker(Duration::ZERO, 1_000_000);
        worker.request(request(1, "long"));
        events_until(&rx, |e| matches!(e, WorkerEvent::Partial { id: 1, .. }));
        let asked = Instant::now();
        worker.request(request(2, "boom"));
        let seen = events_until(&rx, |e| matches!(e, WorkerEvent::Cancelled { id: 1 }));
        assert!(
            asked.elapsed() < Duration::from_secs(2),
            "cancellation took {:?}",
            asked.elapsed()
        );
        assert!(seen
            .iter()
            .all(|e| matches!(e, WorkerEvent::Partial { id: 1, .. })
                || matches!(e, WorkerEvent::Cancelled { id: 1 })));
        // The newer request then runs (and its failure arrives as a message).
        let seen = events_until(&rx, |e| matches!(e, WorkerEvent::Failed { .. }));
        match seen.last() {
            Some(WorkerEvent::Failed { id: 2, message }) => {
                assert!(message.contains("cannot predict boom"), "{message}")
            }
            other => panic!("unexpected {other:?}"),
        }
    }

    #[test]
    fn load_failure_reaches_the_caller_and_fails_requests() {
        let (tx, rx) = channel();
        let worker = ModelWorker::spawn::<Slow, _, _>(
            "broken".into(),
            || anyhow::bail!("no weights here"),
            move |e| {
                let _ = tx.send(e);
            },
        );
        let seen = events_until(&rx, |e| matches!(e, WorkerEvent::LoadFailed { .. }));
        match seen.last() {
            Some(WorkerEvent::LoadFailed { message, .. }) => {
                assert!(message.contains("no weights here"))
            }
            other => panic!("unexpected {other:?}"),
        }
        worker.request(request(7, "x"));
        let seen = events_until(&rx, |e| matches!(e, WorkerEvent::Failed { .. }));
        match seen.last() {
            Some(WorkerEvent::Failed { id: 7, message }) => {
                assert!(message.contains("failed to load") && message.contains("no weights here"))
            }
            other => panic!("unexpected {other:?}"),
        }
    }

    #[test]
    fn a_panicking_loader_becomes_a_message() {
        let (tx, rx) = channel();
        let _worker = ModelWorker::spawn::<Slow, _, _>(
            "panics".into(),
            || panic!("loader bug"),
            move |e| {
                let _ = tx.send(e);
            },
        );
        let seen = events_until(&rx, |e| matches!(e, WorkerEvent::LoadFailed { .. }));
        assert!(
            matches!(seen.last(), Some(WorkerEvent::LoadFailed { message, .. }) if message.contains("panicked"))
        );
    }
}
