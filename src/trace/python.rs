//! Finding the Python interpreter the tracer runs on: `--python PATH`, then
//! `TRACELENS_PYTHON`, then `python3` on PATH, resolved to the real `sys.executable` so shims
//! (pyenv, asdf) are paid for once, not per worker.

use std::env;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use super::error::TracerError;

/// The environment variable that names the interpreter.
pub const PYTHON_ENV: &str = "TRACELENS_PYTHON";

/// What the interpreter prints before `sys.executable` (the command builds it from two pieces).
const SYS_EXECUTABLE: &str = "sys.executable=";

/// Resolve the interpreter: `explicit`, else `$TRACELENS_PYTHON`, else `python3` on PATH, and
/// return the path of the real executable (`sys.executable`).
pub fn resolve_python(explicit: Option<&Path>) -> Result<PathBuf, TracerError> {
    let candidate = match explicit {
        Some(path) => path.to_path_buf(),
        None => match env::var_os(PYTHON_ENV).filter(|v| !v.is_empty()) {
            Some(value) => PathBuf::from(value),
            None => find_on_path("python3").ok_or(TracerError::PythonNotFound)?,
        },
    };
    sys_executable(&candidate)
}

fn find_on_path(name: &str) -> Option<PathBuf> {
    let path = env::var_os("PATH")?;
    env::split_paths(&path)
        .map(|dir| dir.join(name))
        .find(|file| file.is_file())
}

/// Asks the interpreter for `sys.executable`, without its `site` import (`-S`): the answer does
/// not depend on it, and every tracer run pays for this start.
fn sys_executable(python: &Path) -> Result<PathBuf, TracerError> {
    let unusable = |reason: String| TracerError::PythonUnusable {
        python: python.to_path_buf(),
        reason,
    };
    let output = Command::new(python)
        .args(["-S", "-c", "import sys; assert sys.version_info >= (3, 9), 'Python 3.9 or newer is needed'; print('sys.' + 'executable=' + sys.executable)"])
        .stdin(Stdio::null())
        .output()
        .map_err(|e| unusable(e.to_string()))?;
    if !output.status.success() {
        let stderr = String::from_utf8_lossy(&output.stderr);
        let last = stderr.lines().last().unwrap_or("it exited with an error");
        return Err(unusable(last.to_string()));
    }
    // The answer comes after a marker the command line does not hold, so a program that only
    // echoes its arguments (`--python /bin/echo`) is not taken for an interpreter.
    let stdout = String::from_utf8_lossy(&output.stdout);
    let Some(printed) = stdout.trim_end().strip_prefix(SYS_EXECUTABLE) else {
        return Err(unusable(
            "it did not answer as a Python interpreter does".to_string(),
        ));
    };
    if printed.is_empty() {
        // sys.executable can be empty in embedded interpreters; the candidate still works.
        return Ok(python.to_path_buf());
    }
    Ok(PathBuf::from(printed))
}
