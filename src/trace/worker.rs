//! One long-lived tracer worker: a Python process running the embedded `tracer.py`, spoken to
//! over its stdin/stdout. A request is one JSON line; the answer is a JSON status line
//! followed by a payload of records (see `records.rs`). The worker runs each request in a
//! forked child: a pure program in a child shared with earlier pure programs and checked clean
//! after each, any other in a fresh child of its own (see `Children`).

use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};
use std::time::{Duration, Instant};

use serde::Deserialize;

use super::error::TracerError;
use super::request::TraceRequest;
use super::sandbox::{self, Layer, SandboxMode, WorkerSandbox};

/// The tracer script, run by the worker's interpreter: the confinement code, then the tracer.
const TRACER_PY: &str = concat!(include_str!("confine.py"), include_str!("tracer.py"));

/// How long a closing worker gets to clean up before it is killed.
const CLOSE_GRACE: Duration = Duration::from_millis(300);

/// Which children a worker runs its requests in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Children {
    /// Pure programs share a child that is checked clean after every request; any other
    /// program gets a fresh child of its own (the default).
    ReusedWhenPure,
    /// Every request gets a freshly forked child, used once.
    FreshEach,
}

/// How a worker runs its requests: which children, which kernel layers, and whether the audit
/// hook (the friendly first line) is installed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WorkerConfig {
    pub children: Children,
    pub sandbox: SandboxMode,
    /// Off only to test the kernel layers on their own.
    pub audit_hook: bool,
}

/// The first line a worker writes once it is ready.
#[derive(Debug, Deserialize)]
struct Hello {
    python: String,
    /// The worker's temporary directory, which it removes when it exits normally.
    tmpdir: PathBuf,
    /// The child-level confinement layers and why any is missing (empty with the sandbox off).
    #[serde(default)]
    sandbox: Vec<Layer>,
}

/// How the child of one request ended, as the worker saw it.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Status {
    /// `exited`, `timeout` (killed at the time limit), `signal`, or `error` (the worker could
    /// not run the request at all).
    pub status: String,
    #[serde(default)]
    pub exit: Option<i32>,
    #[serde(default)]
    pub signal: Option<i32>,
    #[serde(default)]
    pub elapsed_ms: f64,
    #[serde(default)]
    pub message: Option<String>,
    pub n: usize,
}

/// The worker's answer to one request.
#[derive(Debug)]
pub struct Reply {
    pub status: Status,
    pub payload: Vec<u8>,
}

/// A running worker process.
pub struct Worker {
    child: Child,
    stdin: Option<ChildStdin>,
    stdout: BufReader<ChildStdout>,
    python_version: String,
    tmpdir: Option<PathBuf>,
    layers: Vec<Layer>,
    /// Held for the worker's life: its lifeline (None with the sandbox off).
    _sandbox: Option<WorkerSandbox>,
}

impl Worker {
    /// Start a worker on `python` and wait until it reports ready (see `WorkerConfig`).
    pub fn spawn(python: &Path, config: WorkerConfig) -> Result<Worker, TracerError> {
        let fail = |what: &str, e: &dyn std::fmt::Display| TracerError::PythonUnusable {
            python: python.to_path_buf(),
            reason: format!("{what}: {e}"),
        };
        let mut command = Command::new(python);
        command.args(["-S", "-u", "-c", TRACER_PY]);
        if config.children == Children::FreshEach {
            command.arg("--fresh-children");
        }
        if !config.audit_hook {
            command.arg("--no-audit-hook");
        }
        command
            .env_clear()
            .env("PYTHONHASHSEED", "0")
            .env("LANG", "C.UTF-8")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null());
        let mut sandbox =
            sandbox::confine_worker(&mut command, config.sandbox).map_err(TracerError::Worker)?;
        let spawned = command.spawn();
        if let Some(sandbox) = sandbox.as_mut() {
            sandbox.started();
        }
        let mut child = spawned.map_err(|e| fail("cannot start it", &e))?;
        let (Some(stdin), Some(stdout)) = (child.stdin.take(), child.stdout.take()) else {
            let _ = child.kill();
            return Err(TracerError::Worker("worker pipes are missing".into()));
        };
        let mut worker = Worker {
            child,
            stdin: Some(stdin),
            stdout: BufReader::new(stdout),
            python_version: String::new(),
            tmpdir: None,
            layers: Vec::new(),
            _sandbox: sandbox,
        };
        let mut line = String::new();
        let hello = match worker.stdout.read_line(&mut line) {
            Ok(n) if n > 0 => serde_json::from_str::<Hello>(&line)
                .map_err(|e| fail("the tracer did not start", &e))?,
            Ok(_) => return Err(fail("the tracer did not start", &"it exited at once")),
            Err(e) => return Err(fail("the tracer did not start", &e)),
        };
        worker.python_version = hello.python;
        worker.tmpdir = Some(hello.tmpdir);
        worker.layers = hello.sandbox;
        Ok(worker)
    }

    /// The child-level confinement layers this worker reported.
    pub fn layers(&self) -> &[Layer] {
        &self.layers
    }

    /// The interpreter's version, e.g. `3.11.7`.
    pub fn python_version(&self) -> &str {
        &self.python_version
    }

    /// Send one request line (from [`encode`]) without waiting for its reply: the worker
    /// reads it when it is done with the requests sent before it. An error means the worker
    /// is unusable.
    pub fn send(&mut self, line: &[u8]) -> std::io::Result<()> {
        let stdin = self
            .stdin
            .as_mut()
            .ok_or_else(|| std::io::Error::other("worker is closed"))?;
        stdin.write_all(line)?;
        stdin.flush()
    }

    /// Wait for the reply to the oldest request sent and not yet answered. An error means the
    /// worker is unusable.
    pub fn receive(&mut self) -> std::io::Result<Reply> {
        let mut header = String::new();
        if self.stdout.read_line(&mut header)? == 0 {
            return Err(std::io::Error::new(
                std::io::ErrorKind::UnexpectedEof,
                "the worker exited",
            ));
        }
        let status: Status = serde_json::from_str(&header)?;
        let mut payload = vec![0; status.n];
        self.stdout.read_exact(&mut payload)?;
        Ok(Reply { status, payload })
    }
}

/// A request as the line a worker reads.
pub fn encode(req: &TraceRequest) -> std::io::Result<Vec<u8>> {
    let mut line = serde_json::to_vec(req)?;
    line.push(b'\n');
    Ok(line)
}

/// Only a directory named like the ones the tracer creates is ever removed.
fn is_worker_tmpdir(dir: &Path) -> bool {
    dir.file_name()
        .and_then(|n| n.to_str())
        .is_some_and(|n| n.starts_with("tracelens-"))
}

impl Drop for Worker {
    fn drop(&mut self) {
        // Closing stdin asks the worker to remove its temporary directory and exit.
        drop(self.stdin.take());
        let deadline = Instant::now() + CLOSE_GRACE;
        let cleaned_up = loop {
            match self.child.try_wait() {
                Ok(Some(status)) => break status.success(),
                Ok(None) if Instant::now() < deadline => {
                    std::thread::sleep(Duration::from_millis(2))
                }
                _ => {
                    let _ = self.child.kill();
                    let _ = self.child.wait();
                    break false;
                }
            }
        };
        // A worker that died or was killed could not remove its temporary directory.
        if !cleaned_up {
            if let Some(dir) = self.tmpdir.take().filter(|d| is_worker_tmpdir(d)) {
                let _ = std::fs::remove_dir_all(dir);
            }
        }
    }
}
