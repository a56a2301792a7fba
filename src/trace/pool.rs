//! The tracer pool: N long-lived workers shared by every caller (TUI, batch pipelines).
//! `trace` blocks on a free worker; `trace_stream` (and `trace_many` on it) keeps every worker
//! busy, each sent its next program while it runs the last. A worker that dies is restarted
//! and the request it ran retried once, after which the request is reported as `crashed`.

use std::collections::VecDeque;
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Condvar, Mutex, MutexGuard, PoisonError};

use super::error::TracerError;
use super::python::resolve_python;
use super::records::assemble;
use super::request::TraceRequest;
use super::sandbox::{self, Layer, SandboxMode, StrictRefusal};
use super::schema::{Outcome, OutcomeKind, Trace, SCHEMA_VERSION};
use super::worker::{encode, Children, Reply, Worker, WorkerConfig};

/// Set (to anything but `0`) to run every request in a fresh child, as before children were
/// reused: the way to compare the two.
pub const FRESH_CHILDREN_ENV: &str = "TRACELENS_FRESH_CHILDREN";

/// How to start a pool.
#[derive(Debug, Clone)]
pub struct PoolOptions {
    /// The interpreter (`--python`); `None` resolves `TRACELENS_PYTHON`, then `python3`.
    pub python: Option<PathBuf>,
    /// Number of worker processes (at least 1).
    pub workers: usize,
    /// The kernel confinement of the traced programs (`--sandbox`).
    pub sandbox: SandboxMode,
}

impl Default for PoolOptions {
    fn default() -> Self {
        PoolOptions {
            python: None,
            workers: std::thread::available_parallelism().map_or(1, |n| n.get()),
            sandbox: SandboxMode::default(),
        }
    }
}

/// A pool of tracer workers; `Send + Sync`, share it with `Arc`.
pub struct TracerPool {
    python: PathBuf,
    config: WorkerConfig,
    python_version: String,
    layers: Vec<Layer>,
    slots: Vec<Mutex<Option<Worker>>>,
    idle: Mutex<Vec<usize>>,
    freed: Condvar,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

impl TracerPool {
    /// Resolve the interpreter and start every worker. Pure programs share a child checked
    /// clean after every request, unless `TRACELENS_FRESH_CHILDREN` is set.
    pub fn start(opts: PoolOptions) -> Result<TracerPool, TracerError> {
        let fresh = std::env::var_os(FRESH_CHILDREN_ENV).is_some_and(|v| !v.is_empty() && v != "0");
        let children = if fresh {
            Children::FreshEach
        } else {
            Children::ReusedWhenPure
        };
        Self::start_with(opts, children, true)
    }

    /// Start a pool whose every request runs in a freshly forked child, used once (the
    /// reference the reused children are compared with).
    pub fn start_with_fresh_children(opts: PoolOptions) -> Result<TracerPool, TracerError> {
        Self::start_with(opts, Children::FreshEach, true)
    }

    /// Start a pool whose children have no audit hook: the kernel layers alone hold the
    /// programs (for testing those layers on their own).
    pub fn start_without_audit_hook(opts: PoolOptions) -> Result<TracerPool, TracerError> {
        Self::start_with(opts, Children::ReusedWhenPure, false)
    }

    fn start_with(
        opts: PoolOptions,
        children: Children,
        audit_hook: bool,
    ) -> Result<TracerPool, TracerError> {
        let config = WorkerConfig {
            children,
            sandbox: opts.sandbox,
            audit_hook,
        };
        let python = resolve_python(opts.python.as_deref())?;
        let count = opts.workers.max(1);
        let workers = std::thread::scope(|scope| {
            let spawns: Vec<_> = (0..count)
                .map(|_| scope.spawn(|| Worker::spawn(&python, config)))
                .collect();
            spawns
                .into_iter()
                .map(|h| {
                    h.join().unwrap_or_else(|_| {
                        Err(TracerError::Worker("worker start panicked".into()))
                    })
                })
                .collect::<Result<Vec<_>, _>>()
        })?;
        let python_version = workers
            .first()
            .map(|w| w.python_version().to_string())
            .unwrap_or_default();
        let mut layers = Vec::new();
        if opts.sandbox != SandboxMode::Off {
            layers = sandbox::worker_layers();
            layers.extend(
                workers
                    .first()
                    .map_or(&[][..], |w| w.layers())
                    .iter()
                    .cloned(),
            );
        }
        if opts.sandbox == SandboxMode::Strict {
            if let Some(missing) = sandbox::missing_line(&layers) {
                return Err(StrictRefusal(missing).into());
            }
        }
        Ok(TracerPool {
            python,
            config,
            python_version,
            layers,
            slots: workers.into_iter().map(|w| Mutex::new(Some(w))).collect(),
            idle: Mutex::new((0..count).collect()),
            freed: Condvar::new(),
        })
    }

    /// The interpreter the workers run.
    pub fn python(&self) -> &std::path::Path {
        &self.python
    }

    /// The interpreter's version, e.g. `3.11.7`.
    pub fn python_version(&self) -> &str {
        &self.python_version
    }

    /// The confinement layers of this pool's workers, each with why it is missing (empty with
    /// the sandbox off).
    pub fn sandbox_layers(&self) -> &[Layer] {
        &self.layers
    }

    /// Say once per process, on stderr, which confinement layers this machine lacks (for the
    /// command-line tools; the explorer shows them in `tracelens doctor` instead).
    pub fn notice_missing_layers(&self) {
        sandbox::notice(&self.layers);
    }

    /// Number of workers.
    pub fn workers(&self) -> usize {
        self.slots.len()
    }

    /// Trace one program; blocks until a worker is free. Thread-safe.
    pub fn trace(&self, req: &TraceRequest) -> Result<Trace, TracerError> {
        let given = Mutex::new(Some(req.clone()));
        let result = Mutex::new(None);
        self.with_idle_worker(|index| {
            self.stream_on(
                index,
                &|| lock(&given).take().map(|req| ((), req)),
                &|(), r| *lock(&result) = Some(r),
            )
        });
        let result = result.into_inner().unwrap_or_else(PoisonError::into_inner);
        result.unwrap_or_else(|| Err(TracerError::Worker("request was not run".into())))
    }

    /// Trace many programs on all workers; results keep the input order. `on_done` is called
    /// after each request finishes with the number finished so far.
    pub fn trace_many(
        &self,
        reqs: &[TraceRequest],
        on_done: &(dyn Fn(usize) + Sync),
    ) -> Vec<Result<Trace, TracerError>> {
        let next = AtomicUsize::new(0);
        let done = AtomicUsize::new(0);
        let results: Vec<Mutex<Option<Result<Trace, TracerError>>>> =
            reqs.iter().map(|_| Mutex::new(None)).collect();
        self.trace_stream(
            &|| {
                let i = next.fetch_add(1, Ordering::Relaxed);
                reqs.get(i).map(|req| (i, req.clone()))
            },
            &|i, result| {
                *lock(&results[i]) = Some(result);
                on_done(done.fetch_add(1, Ordering::Relaxed) + 1);
            },
        );
        results
            .into_iter()
            .map(|slot| {
                slot.into_inner()
                    .unwrap_or_else(PoisonError::into_inner)
                    .unwrap_or_else(|| Err(TracerError::Worker("request was not run".into())))
            })
            .collect()
    }

    /// Trace the requests `next` hands out (until it gives `None`) on every worker at once,
    /// calling `done` with each one's item and result as it finishes, on the thread that
    /// drives its worker. Each worker is sent its next request before the reply to the one it
    /// runs is read, so it goes from one program to the next without waiting for the caller's
    /// work on the last result. Blocks until every request handed out is done.
    pub fn trace_stream<T: Send>(
        &self,
        next: &(dyn Fn() -> Option<(T, TraceRequest)> + Sync),
        done: &(dyn Fn(T, Result<Trace, TracerError>) + Sync),
    ) {
        std::thread::scope(|scope| {
            for _ in 0..self.slots.len() {
                scope.spawn(|| self.with_idle_worker(|index| self.stream_on(index, next, done)));
            }
        });
    }

    /// Run `work` with the index of a worker no one else uses meanwhile (waiting for one).
    fn with_idle_worker<R>(&self, work: impl FnOnce(usize) -> R) -> R {
        let index = {
            let mut idle = lock(&self.idle);
            loop {
                if let Some(i) = idle.pop() {
                    break i;
                }
                idle = self
                    .freed
                    .wait(idle)
                    .unwrap_or_else(PoisonError::into_inner);
            }
        };
        let result = work(index);
        lock(&self.idle).push(index);
        self.freed.notify_one();
        result
    }

    /// Worker `index`'s part of [`Self::trace_stream`]. At most two requests are with the
    /// worker at once (the one it runs and the next), and the next only when it fits in a
    /// pipe's smallest buffer: a longer one could block this thread writing it while the
    /// worker blocks writing a reply no one reads. A worker that dies is restarted and its
    /// requests sent again; the one it was running when it died twice is `crashed`.
    fn stream_on<T>(
        &self,
        index: usize,
        next: &(dyn Fn() -> Option<(T, TraceRequest)> + Sync),
        done: &(dyn Fn(T, Result<Trace, TracerError>) + Sync),
    ) {
        let mut slot = lock(&self.slots[index]);
        let mut sent: VecDeque<Sent<T>> = VecDeque::new();
        let mut held: Option<Sent<T>> = None;
        let mut more = true;
        loop {
            if held.is_none() && more {
                match next() {
                    Some((item, req)) => match encode(&req) {
                        Ok(line) => {
                            held = Some(Sent {
                                item,
                                line,
                                died: 0,
                            })
                        }
                        Err(e) => done(item, Err(TracerError::Worker(e.to_string()))),
                    },
                    None => more = false,
                }
                continue;
            }
            let room = sent.is_empty()
                || (sent.len() == 1 && held.as_ref().is_some_and(|h| h.line.len() <= PIPE_PAGE));
            if let Some(request) = held.take_if(|_| room) {
                let worker = match slot.as_mut() {
                    Some(worker) => worker,
                    None => match Worker::spawn(&self.python, self.config) {
                        Ok(worker) => slot.insert(worker),
                        Err(e) => {
                            done(request.item, Err(e));
                            continue;
                        }
                    },
                };
                let sending = worker.send(&request.line);
                sent.push_back(request);
                if let Err(e) = sending {
                    self.restart(&mut slot, &mut sent, e.to_string(), done);
                }
                continue;
            }
            let Some(worker) = slot.as_mut().filter(|_| !sent.is_empty()) else {
                if held.is_none() && !more {
                    break;
                }
                continue;
            };
            match worker.receive() {
                Ok(reply) => {
                    let version = worker.python_version().to_string();
                    if let Some(request) = sent.pop_front() {
                        done(request.item, answer(&version, reply));
                    }
                }
                Err(e) => self.restart(&mut slot, &mut sent, e.to_string(), done),
            }
        }
    }

    /// After the worker in `slot` died (`error`): count a death against the request it was
    /// running (the oldest sent), which is `crashed` at its second, and send the others again
    /// to a new worker. Every request still waiting fails when no worker can be started.
    fn restart<T>(
        &self,
        slot: &mut Option<Worker>,
        sent: &mut VecDeque<Sent<T>>,
        mut error: String,
        done: &(dyn Fn(T, Result<Trace, TracerError>) + Sync),
    ) {
        loop {
            *slot = None;
            if let Some(running) = sent.front_mut() {
                running.died += 1;
                if running.died >= 2 {
                    if let Some(running) = sent.pop_front() {
                        done(running.item, Ok(self.died_twice(&error)));
                    }
                }
            }
            if sent.is_empty() {
                return;
            }
            let worker = match Worker::spawn(&self.python, self.config) {
                Ok(worker) => slot.insert(worker),
                Err(e) => {
                    for request in sent.drain(..) {
                        done(request.item, Err(e.clone()));
                    }
                    return;
                }
            };
            match sent
                .iter()
                .try_for_each(|request| worker.send(&request.line))
            {
                Ok(()) => return,
                Err(e) => error = e.to_string(),
            }
        }
    }

    /// The trace of a program whose worker died twice while running it.
    fn died_twice(&self, last_error: &str) -> Trace {
        Trace {
            version: SCHEMA_VERSION,
            python: self.python_version.clone(),
            outcome: Outcome {
                kind: OutcomeKind::Crashed,
                message: Some(format!(
                    "the tracer worker died twice while running this program ({last_error})"
                )),
                line: None,
                column: None,
            },
            steps: Vec::new(),
            stdout: String::new(),
            stderr: String::new(),
            elapsed_ms: 0.0,
        }
    }
}

/// The most bytes a request sent ahead may have: a pipe's smallest buffer (one page, what a
/// pipe gets once its user has used up the pipe pages the kernel allows).
const PIPE_PAGE: usize = 4096;

/// A request handed to a worker (or about to be), with the caller's item for it.
struct Sent<T> {
    item: T,
    /// The request as the worker reads it.
    line: Vec<u8>,
    /// How many workers died while running it.
    died: u8,
}

/// What a worker's reply means: the trace, or the worker's own error.
fn answer(python_version: &str, reply: Reply) -> Result<Trace, TracerError> {
    if reply.status.status == "error" {
        let message = reply.status.message.unwrap_or_default();
        return Err(TracerError::Worker(message));
    }
    Ok(assemble(python_version, &reply.status, &reply.payload))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shareable<T: Send + Sync>() {}

    #[test]
    fn the_pool_can_be_shared_between_threads() {
        shareable::<TracerPool>();
        assert!(PoolOptions::default().workers >= 1);
    }
}
