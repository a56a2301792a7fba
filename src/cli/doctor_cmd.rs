//! `tracelens doctor`: what a user runs first when something is wrong. It prints the Python
//! the tracer would use, the sandbox layers this machine gives (from a real worker), whether
//! the model loads, and the paths tracelens reads and writes.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::Args;

use crate::app::files::recovery_dir;
use crate::model::{model_dir, Model};
use crate::trace::{resolve_python, PoolOptions, SandboxMode, TracerPool};

/// Arguments of `tracelens doctor`.
#[derive(Debug, Args)]
pub struct DoctorArgs {
    /// The Python interpreter to check (default: $TRACELENS_PYTHON, then python3 on PATH).
    #[arg(long, value_name = "PATH")]
    pub python: Option<PathBuf>,
    /// The model directory to check (default: $TRACELENS_MODEL, else models/tracelens-tiny).
    #[arg(long, value_name = "DIR")]
    pub model: Option<String>,
}

/// Run the checks; the exit code is 1 when the tracer cannot run at all.
pub fn run(args: DoctorArgs) -> anyhow::Result<ExitCode> {
    let mut usable = true;
    match resolve_python(args.python.as_deref()) {
        Ok(python) => println!("python: {}", python.display()),
        Err(e) => {
            println!("python: NOT USABLE: {e}");
            usable = false;
        }
    }
    println!("sandbox (--sandbox on):");
    let pool = TracerPool::start(PoolOptions {
        python: args.python.clone(),
        workers: 1,
        sandbox: SandboxMode::On,
    });
    match &pool {
        Ok(pool) => {
            println!("  Python {} in a confined worker", pool.python_version());
            for layer in pool.sandbox_layers() {
                match &layer.missing {
                    None => println!("  on       {}", layer.name),
                    Some(why) => println!("  MISSING  {}: {why}", layer.name),
                }
            }
        }
        Err(e) => {
            println!("  no worker started: {e}");
            usable = false;
        }
    }
    drop(pool);
    match model_dir(args.model.as_deref()) {
        None => println!("model: none (--model none)"),
        Some(dir) => match Model::load(&dir) {
            Ok(model) => println!("model: {} loads ({})", dir.display(), model.name),
            Err(e) => println!("model: {} does not load: {e:#}", dir.display()),
        },
    }
    println!("paths:");
    let temp = std::env::var_os("TMPDIR").map_or_else(|| PathBuf::from("/tmp"), PathBuf::from);
    path_line("worker directories in", &temp);
    match recovery_dir() {
        Some(dir) => path_line("recovery copies in", &dir),
        None => println!("  recovery copies: no HOME, none are kept"),
    }
    if let Some(config) = std::env::var_os("XDG_CONFIG_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".config")))
    {
        path_line("keymap", &config.join("tracelens/keymap.toml"));
    }
    Ok(if usable {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

fn path_line(what: &str, path: &Path) {
    let state = if path.exists() { "exists" } else { "absent" };
    println!("  {what} {} ({state})", path.display());
}
