//! The background model worker, a newest-wins worker ([`crate::newest_wins`]): loads a model
//! on its own thread, keeps only the newest request, cancels a running generation as soon as a
//! newer request arrives, streams partial text, and turns every failure (loading, generation,
//! even a panic) into an event message.
//!
//! One worker serves either kind of model: a CodeExecutor model predicting a trace from code
//! tokens ([`Request`]), or a causal LM continuing a prompt ([`GenerateRequest`]); which one
//! [`ModelWorker::for_path`] loads is decided by [`is_causal_model`]. Asking a model for what it
//! cannot do fails the request with a message.
//! Events go to a callback the caller supplies, so the TUI can route them into its one channel.

use std::path::PathBuf;
use std::sync::atomic::AtomicBool;
use std::time::{Duration, Instant};

use anyhow::{bail, Result};

use super::causal::{is_causal_model, CausalLm, Completion, Finish, LoadOptions, Sampling};
use super::{Model, Partial, PredictOptions, Prediction, StopReason};
use crate::newest_wins::{catch_panic, NewestWins, Task};

/// A model the worker serves: a CodeExecutor model predicts traces, a causal LM continues
/// prompts; each leaves the other method's default, which fails with a message.
pub trait Predictor: Send + 'static {
    /// Predict a trace from CodeExecutor code tokens, reporting partial text and stopping early
    /// once `cancel` is set.
    fn predict(
        &self,
        _code_tokens: &[String],
        _opts: &PredictOptions,
        _cancel: &AtomicBool,
        _on_partial: &mut dyn FnMut(&Partial),
    ) -> Result<Prediction> {
        bail!("this model is a causal LM: it continues prompts and does not predict CodeExecutor traces")
    }

    /// Continue `prompt`, reporting the text so far after every token and stopping early once
    /// `cancel` is set.
    fn generate(
        &self,
        _prompt: &str,
        _sampling: &Sampling,
        _cancel: &AtomicBool,
        _on_partial: &mut dyn FnMut(&Partial),
    ) -> Result<Completion> {
        bail!("this model predicts CodeExecutor traces: it cannot continue a prompt")
    }
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

impl Predictor for CausalLm {
    fn generate(
        &self,
        prompt: &str,
        sampling: &Sampling,
        cancel: &AtomicBool,
        on_partial: &mut dyn FnMut(&Partial),
    ) -> Result<Completion> {
        let started = Instant::now();
        CausalLm::generate(self, prompt, sampling, cancel, &mut |progress| {
            let seconds = started.elapsed().as_secs_f64();
            on_partial(&Partial {
                text: progress.text.to_string(),
                tokens: progress.tokens,
                tokens_per_s: if seconds > 0.0 {
                    progress.tokens as f64 / seconds
                } else {
                    0.0
                },
            })
        })
    }
}

/// One prediction request; `id` lets the caller drop stale results.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request {
    pub id: u64,
    pub code_tokens: Vec<String>,
    pub opts: PredictOptions,
}

/// One request to continue a prompt with a causal LM; `id` lets the caller drop stale results.
#[derive(Debug, Clone, PartialEq)]
pub struct GenerateRequest {
    pub id: u64,
    pub prompt: String,
    pub sampling: Sampling,
}

/// A request of either kind, as the worker queues it.
enum Job {
    Trace(Request),
    Generate(GenerateRequest),
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
    /// Trace request `id` finished.
    Done { id: u64, prediction: Prediction },
    /// Generate request `id` finished.
    Generated { id: u64, completion: Completion },
    /// Request `id` was cancelled by a newer request (or by shutdown).
    Cancelled { id: u64 },
    /// Request `id` failed.
    Failed { id: u64, message: String },
}

impl WorkerEvent {
    /// Whether the event can come from a worker for the model at `path`: a loading event names
    /// its model (a worker replaced by one for another model may still report on its own).
    pub fn is_about(&self, path: Option<&std::path::Path>) -> bool {
        match self {
            WorkerEvent::Loading { model }
            | WorkerEvent::Ready { model }
            | WorkerEvent::LoadFailed { model, .. } => {
                path.is_some_and(|p| p.display().to_string() == *model)
            }
            _ => true,
        }
    }
}

/// Handle to the worker thread. Dropping it cancels the running generation and stops the
/// thread once that returns (loading cannot be interrupted, so drop never waits).
pub struct ModelWorker {
    jobs: NewestWins<Job>,
}

impl ModelWorker {
    /// Start a worker that loads the model at `path`: a causal LM ([`CausalLm::load`]) when
    /// [`is_causal_model`] says so, else a CodeExecutor model directory ([`Model::load`]).
    pub fn for_path<F>(path: PathBuf, on_event: F) -> Self
    where
        F: FnMut(WorkerEvent) + Send + 'static,
    {
        let name = path.display().to_string();
        let load = move || -> Result<Box<dyn Predictor>> {
            Ok(if is_causal_model(&path) {
                Box::new(CausalLm::load(&path, &LoadOptions::default())?)
            } else {
                Box::new(Model::load(&path)?)
            })
        };
        Self::spawn_boxed(name, load, on_event)
    }

    /// Start a worker that builds its predictor with `load` on the worker thread.
    pub fn spawn<P, L, F>(model: String, load: L, on_event: F) -> Self
    where
        P: Predictor,
        L: FnOnce() -> Result<P> + Send + 'static,
        F: FnMut(WorkerEvent) + Send + 'static,
    {
        let boxed = move || load().map(|p| Box::new(p) as Box<dyn Predictor>);
        Self::spawn_boxed(model, boxed, on_event)
    }

    fn spawn_boxed<L, F>(model: String, load: L, on_event: F) -> Self
    where
        L: FnOnce() -> Result<Box<dyn Predictor>> + Send + 'static,
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
            |predictor: &mut Result<Box<dyn Predictor>, String>, task: Task<Job>, sink| {
                let id = task.id;
                let event = match predictor {
                    Err(message) => WorkerEvent::Failed {
                        id,
                        message: format!("the model failed to load: {message}"),
                    },
                    Ok(p) => serve(p.as_ref(), task, sink),
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
        self.jobs
            .submit(request.id, Job::Trace(request), Duration::ZERO);
    }

    /// Queue a prompt to continue, as [`Self::request`] queues a trace request.
    pub fn generate(&self, request: GenerateRequest) {
        self.jobs
            .submit(request.id, Job::Generate(request), Duration::ZERO);
    }

    /// Cancel the running generation (if any) and drop the request not yet started.
    pub fn cancel(&self) {
        self.jobs.cancel();
    }
}

/// Run one job on a loaded model, streaming its partial text through `sink`; the event to
/// report at its end.
fn serve(p: &dyn Predictor, task: Task<Job>, sink: &mut dyn FnMut(WorkerEvent)) -> WorkerEvent {
    let id = task.id;
    let mut stream = |partial: &Partial| {
        sink(WorkerEvent::Partial {
            id,
            partial: partial.clone(),
        })
    };
    let failed = |e: anyhow::Error| WorkerEvent::Failed {
        id,
        message: format!("{e:#}"),
    };
    match &task.job {
        Job::Trace(request) => {
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
                Err(e) => failed(e),
            }
        }
        Job::Generate(request) => {
            match p.generate(&request.prompt, &request.sampling, task.cancel, &mut stream) {
                Ok(completion) if completion.finish == Finish::Cancelled => {
                    WorkerEvent::Cancelled { id }
                }
                Ok(completion) => WorkerEvent::Generated { id, completion },
                Err(e) => failed(e),
            }
        }
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

    /// A causal-LM stand-in: streams the prompt back one character per token.
    struct Echo;

    impl Predictor for Echo {
        fn generate(
            &self,
            prompt: &str,
            _sampling: &Sampling,
            cancel: &AtomicBool,
            on_partial: &mut dyn FnMut(&Partial),
        ) -> Result<Completion> {
            let mut text = String::new();
            for c in prompt.chars() {
                if cancel.load(Ordering::Relaxed) {
                    break;
                }
                text.push(c);
                on_partial(&Partial {
                    text: text.clone(),
                    tokens: text.chars().count(),
                    tokens_per_s: 0.0,
                });
            }
            Ok(Completion {
                ids: vec![0; text.chars().count()],
                text,
                prompt_tokens: 1,
                finish: Finish::Eos,
                prompt_elapsed: Duration::ZERO,
                generate_elapsed: Duration::ZERO,
            })
        }
    }

    #[test]
    fn one_worker_serves_prompts_and_refuses_the_other_kind_of_request() {
        let (tx, rx) = channel();
        let worker = ModelWorker::spawn(
            "echo".into(),
            || Ok(Echo),
            move |e| {
                let _ = tx.send(e);
            },
        );
        worker.generate(GenerateRequest {
            id: 1,
            prompt: "abc".into(),
            sampling: Sampling::default(),
        });
        let seen = events_until(&rx, |e| matches!(e, WorkerEvent::Generated { .. }));
        let partials: Vec<&str> = seen
            .iter()
            .filter_map(|e| match e {
                WorkerEvent::Partial { id: 1, partial } => Some(partial.text.as_str()),
                _ => None,
            })
            .collect();
        assert_eq!(partials, ["a", "ab", "abc"]);
        match seen.last() {
            Some(WorkerEvent::Generated { id: 1, completion }) => {
                assert_eq!(completion.text, "abc")
            }
            other => panic!("unexpected {other:?}"),
        }
        worker.request(request(2, "x"));
        let seen = events_until(&rx, |e| matches!(e, WorkerEvent::Failed { .. }));
        assert!(
            matches!(seen.last(), Some(WorkerEvent::Failed { id: 2, message }) if message.contains("causal LM")),
            "{seen:?}"
        );
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
