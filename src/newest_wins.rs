//! The newest-wins job runner both background workers are built on (the explorer's trace
//! worker, `app::trace_jobs`, and the model worker, `model::worker`): one thread that keeps
//! only the newest job. Submitting a job replaces the one not yet started and raises the
//! running job's cancel flag; a job may ask to wait (debounce) for a newer one before it
//! starts; a panic in a job is caught and reported through the same sink as results, so a
//! failing job never takes the thread (or the explorer) down. Dropping the handle stops the
//! thread once the running job returns.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::thread;
use std::time::{Duration, Instant};

/// A job with the caller's id (so results can be matched to the newest request).
struct Pending<J> {
    id: u64,
    job: J,
    debounce: Duration,
}

struct Slot<J> {
    pending: Option<Pending<J>>,
    /// Counts submissions, so a debounce wait can tell that a newer job arrived.
    submitted: u64,
    running: Option<Arc<AtomicBool>>,
    shutdown: bool,
}

struct Shared<J> {
    slot: Mutex<Slot<J>>,
    wake: Condvar,
}

impl<J> Shared<J> {
    fn lock(&self) -> MutexGuard<'_, Slot<J>> {
        // A poisoned lock only means a panic elsewhere; the slot itself stays consistent.
        self.slot.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn cancel_running(slot: &Slot<J>) {
        if let Some(flag) = &slot.running {
            flag.store(true, Ordering::Relaxed);
        }
    }
}

/// One job handed to the worker's `run`.
pub struct Task<'a, J> {
    pub id: u64,
    pub job: J,
    /// Raised when a newer job arrives (or on shutdown); a long job should poll it.
    pub cancel: &'a AtomicBool,
}

/// Handle to a newest-wins worker thread.
pub struct NewestWins<J> {
    shared: Arc<Shared<J>>,
}

impl<J: Send + 'static> NewestWins<J> {
    /// Start the thread `name`. `setup` runs on it first (to start a tracer or load a model
    /// away from the caller) and may report through `sink`; then `run` serves each newest
    /// job. A panic in `run` is sent as `panicked(id, message)`.
    pub fn spawn<S, E>(
        name: &str,
        mut sink: impl FnMut(E) + Send + 'static,
        setup: impl FnOnce(&mut dyn FnMut(E)) -> S + Send + 'static,
        mut run: impl FnMut(&mut S, Task<J>, &mut dyn FnMut(E)) + Send + 'static,
        panicked: impl Fn(u64, String) -> E + Send + 'static,
    ) -> NewestWins<J> {
        let shared = Arc::new(Shared {
            slot: Mutex::new(Slot {
                pending: None,
                submitted: 0,
                running: None,
                shutdown: false,
            }),
            wake: Condvar::new(),
        });
        let inner = Arc::clone(&shared);
        let started = thread::Builder::new().name(name.into()).spawn(move || {
            let mut state = setup(&mut sink);
            while let Some((pending, cancel)) = next(&inner) {
                let id = pending.id;
                let task = Task {
                    id,
                    job: pending.job,
                    cancel: &cancel,
                };
                if let Err(message) = catch_panic(|| run(&mut state, task, &mut sink)) {
                    sink(panicked(id, message));
                }
            }
        });
        if let Err(err) = started {
            eprintln!("tracelens: cannot start the {name} thread: {err}");
        }
        NewestWins { shared }
    }

    /// Queue job `id`: it replaces the job not yet started and cancels the running one. It
    /// starts once `debounce` has passed without a newer job.
    pub fn submit(&self, id: u64, job: J, debounce: Duration) {
        let mut slot = self.shared.lock();
        Shared::cancel_running(&slot);
        slot.pending = Some(Pending { id, job, debounce });
        slot.submitted += 1;
        self.shared.wake.notify_one();
    }

    /// Cancel the running job (if any) and drop the one not yet started.
    pub fn cancel(&self) {
        let mut slot = self.shared.lock();
        Shared::cancel_running(&slot);
        slot.pending = None;
    }
}

impl<J> Drop for NewestWins<J> {
    fn drop(&mut self) {
        let mut slot = self.shared.lock();
        slot.shutdown = true;
        Shared::cancel_running(&slot);
        self.shared.wake.notify_one();
    }
}

/// Wait for the newest job and its debounce; `None` on shutdown.
fn next<J>(shared: &Shared<J>) -> Option<(Pending<J>, Arc<AtomicBool>)> {
    let mut slot = shared.lock();
    slot.running = None;
    loop {
        if slot.shutdown {
            return None;
        }
        let Some(debounce) = slot.pending.as_ref().map(|p| p.debounce) else {
            slot = shared.wake.wait(slot).unwrap_or_else(|e| e.into_inner());
            continue;
        };
        // Wait out the debounce; a newer job restarts the wait with its own.
        let seen = slot.submitted;
        let deadline = Instant::now() + debounce;
        while !slot.shutdown && slot.submitted == seen {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                break;
            }
            slot = shared
                .wake
                .wait_timeout(slot, left)
                .unwrap_or_else(|e| e.into_inner())
                .0;
        }
        if slot.submitted != seen || slot.shutdown {
            continue;
        }
        if let Some(pending) = slot.pending.take() {
            let cancel = Arc::new(AtomicBool::new(false));
            slot.running = Some(Arc::clone(&cancel));
            return Some((pending, cancel));
        }
    }
}

/// Run `f`, turning a panic into its message.
pub fn catch_panic<T>(f: impl FnOnce() -> T) -> Result<T, String> {
    catch_unwind(AssertUnwindSafe(f)).map_err(|payload| {
        payload
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| payload.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "no message".to_string())
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::mpsc;

    /// A worker with no setup whose events arrive on the returned channel.
    fn spawned<J: Send + 'static, E: Send + 'static>(
        run: impl FnMut(&mut (), Task<J>, &mut dyn FnMut(E)) + Send + 'static,
        panicked: impl Fn(u64, String) -> E + Send + 'static,
    ) -> (NewestWins<J>, mpsc::Receiver<E>) {
        let (tx, rx) = mpsc::channel();
        let sink = move |e| {
            let _ = tx.send(e);
        };
        (
            NewestWins::spawn("test-worker", sink, |_| (), run, panicked),
            rx,
        )
    }

    fn echo_worker() -> (NewestWins<String>, mpsc::Receiver<(u64, String)>) {
        spawned(
            |_, task: Task<String>, sink| {
                if task.job == "boom" {
                    panic!("job bug");
                }
                sink((task.id, task.job))
            },
            |id, message| (id, format!("panicked: {message}")),
        )
    }

    #[test]
    fn the_newest_job_wins_the_debounce() {
        let (worker, rx) = echo_worker();
        for (id, job) in ["a", "ab", "abc"].iter().enumerate() {
            worker.submit(id as u64, job.to_string(), Duration::from_millis(200));
        }
        let got = rx.recv_timeout(Duration::from_secs(5)).unwrap();
        assert_eq!(got, (2, "abc".to_string()));
        assert!(rx.recv_timeout(Duration::from_millis(400)).is_err());
    }

    #[test]
    fn a_panicking_job_is_reported_and_the_worker_goes_on() {
        let (worker, rx) = echo_worker();
        worker.submit(1, "boom".into(), Duration::ZERO);
        let first = rx.recv_timeout(Duration::from_secs(5)).unwrap();
        assert_eq!(first, (1, "panicked: job bug".to_string()));
        worker.submit(2, "fine".into(), Duration::ZERO);
        let second = rx.recv_timeout(Duration::from_secs(5)).unwrap();
        assert_eq!(second, (2, "fine".to_string()));
    }

    #[test]
    fn a_newer_job_raises_the_running_jobs_cancel_flag() {
        let (worker, rx) = spawned(
            |_, task: Task<()>, sink| {
                sink(("started", task.id));
                let start = Instant::now();
                while !task.cancel.load(Ordering::Relaxed)
                    && start.elapsed() < Duration::from_secs(5)
                {
                    thread::sleep(Duration::from_millis(1));
                }
                sink(("stopped", task.id));
            },
            |id, _| ("panicked", id),
        );
        worker.submit(1, (), Duration::ZERO);
        assert_eq!(
            rx.recv_timeout(Duration::from_secs(5)).unwrap(),
            ("started", 1)
        );
        let asked = Instant::now();
        worker.submit(2, (), Duration::ZERO);
        assert_eq!(
            rx.recv_timeout(Duration::from_secs(5)).unwrap(),
            ("stopped", 1)
        );
        assert!(asked.elapsed() < Duration::from_secs(2));
        assert_eq!(
            rx.recv_timeout(Duration::from_secs(5)).unwrap(),
            ("started", 2)
        );
        worker.cancel();
        assert_eq!(
            rx.recv_timeout(Duration::from_secs(5)).unwrap(),
            ("stopped", 2)
        );
    }
}
