//! The tracer pool: N long-lived workers shared by every caller (TUI, batch pipelines).
//! `trace` blocks on a free worker; a worker that dies is restarted and the request retried
//! once, after which the request is reported as `crashed`.

use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Condvar, Mutex, MutexGuard, PoisonError};

use super::error::TracerError;
use super::python::resolve_python;
use super::records::assemble;
use super::request::TraceRequest;
use super::sandbox::{self, Layer, SandboxMode, StrictRefusal};
use super::schema::{Outcome, OutcomeKind, Trace, SCHEMA_VERSION};
use super::worker::{Children, Worker, WorkerConfig};

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
        let result = self.trace_on(index, req);
        lock(&self.idle).push(index);
        self.freed.notify_one();
        result
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
        std::thread::scope(|scope| {
            for _ in 0..self.slots.len().min(reqs.len()) {
                scope.spawn(|| loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    let Some(req) = reqs.get(i) else { break };
                    *lock(&results[i]) = Some(self.trace(req));
                    on_done(done.fetch_add(1, Ordering::Relaxed) + 1);
                });
            }
        });
        results
            .into_iter()
            .map(|slot| {
                slot.into_inner()
                    .unwrap_or_else(PoisonError::into_inner)
                    .unwrap_or_else(|| Err(TracerError::Worker("request was not run".into())))
            })
            .collect()
    }

    /// Run `req` on worker `index`, restarting the worker if it died (one retry).
    fn trace_on(&self, index: usize, req: &TraceRequest) -> Result<Trace, TracerError> {
        let mut slot = lock(&self.slots[index]);
        let mut last_error = String::new();
        for _attempt in 0..2 {
            if slot.is_none() {
                *slot = Some(Worker::spawn(&self.python, self.config)?);
            }
            let Some(worker) = slot.as_mut() else {
                continue;
            };
            match worker.request(req) {
                Ok(reply) if reply.status.status == "error" => {
                    let message = reply.status.message.unwrap_or_default();
                    return Err(TracerError::Worker(message));
                }
                Ok(reply) => {
                    return Ok(assemble(
                        worker.python_version(),
                        &reply.status,
                        &reply.payload,
                    ))
                }
                Err(e) => {
                    last_error = e.to_string();
                    *slot = None;
                }
            }
        }
        Ok(Trace {
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
        })
    }
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
