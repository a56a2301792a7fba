//! Infrastructure failures of the tracer (no Python, a worker that cannot run). A program's
//! own failures are never errors: they are outcomes inside the `Trace`.

use std::path::PathBuf;

use thiserror::Error;

use super::sandbox::StrictRefusal;

/// Why the tracer could not produce a trace at all.
#[derive(Debug, Clone, Error)]
pub enum TracerError {
    /// No interpreter was given and none was found.
    #[error(
        "python3 was not found on PATH; install Python 3, or set TRACELENS_PYTHON=/path/to/python3 (or pass --python PATH)"
    )]
    PythonNotFound,
    /// The interpreter exists but cannot run the tracer.
    #[error(
        "cannot use {python} as the tracer's Python (set TRACELENS_PYTHON or --python): {reason}"
    )]
    PythonUnusable { python: PathBuf, reason: String },
    /// A worker process could not be started or kept failing.
    #[error("tracer worker failed: {0}")]
    Worker(String),
    /// `--sandbox strict` and a confinement layer this machine lacks.
    #[error(transparent)]
    Sandbox(#[from] StrictRefusal),
}
