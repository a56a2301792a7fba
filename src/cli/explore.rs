//! `tracelens [FILE.py] [--stdin FILE] [--theme NAME|PATH] [--python PATH] [--keymap FILE]`:
//! open the explorer. Everything that can fail on user input (theme, keymap, program, stdin)
//! is checked here, before the terminal enters raw mode, so errors print plainly.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::str::FromStr;

use anyhow::Context;
use clap::Args;

use crate::app::{files, App, AppOptions, Keymap, Theme, TraceFn, TraceFnFactory};
use crate::trace::{PoolOptions, SandboxMode, TraceRequest, TracerPool};

/// The program opened when no FILE is given.
const DEFAULT_SAMPLE: &str = "samples/bubble_sort.py";

/// Arguments of the explorer (the command line with no subcommand).
#[derive(Debug, Args)]
pub struct ExploreArgs {
    /// The Python program to open (samples/bubble_sort.py when absent; created on save if new).
    pub file: Option<PathBuf>,
    /// The program's stdin (default: NAME.stdin beside FILE when it exists).
    #[arg(long, value_name = "FILE")]
    pub stdin: Option<PathBuf>,
    /// Theme: default, light, high-contrast, or a TOML file (missing keys come from default).
    #[arg(long, value_name = "NAME|PATH")]
    pub theme: Option<String>,
    /// The Python interpreter that records traces (default: TRACELENS_PYTHON, then python3).
    #[arg(long, value_name = "PATH")]
    pub python: Option<PathBuf>,
    /// Kernel confinement of the traced programs: on, strict or off (see `tracelens trace`).
    #[arg(long, value_name = "MODE", default_value = "on", value_parser = SandboxMode::from_str)]
    pub sandbox: SandboxMode,
    /// A keymap file overriding default keys (default: ~/.config/tracelens/keymap.toml if present).
    #[arg(long, value_name = "FILE")]
    pub keymap: Option<PathBuf>,
    /// Open a dataset (JSONL) in the sample browser.
    #[arg(long, value_name = "FILE.jsonl")]
    pub dataset: Option<PathBuf>,
    /// The model of the prediction pane: a CodeExecutor model directory (predicts the trace),
    /// a causal LM (a .gguf file, or a directory whose config.json model_type is llama or
    /// qwen2: streams a monologue about the program), or `none` to turn the pane off
    /// (default: TRACELENS_MODEL, then models/tracelens-tiny).
    #[arg(long, value_name = "PATH|none")]
    pub model: Option<String>,
}

/// Open the explorer.
pub fn run(args: ExploreArgs) -> anyhow::Result<ExitCode> {
    let theme = Theme::load(args.theme.as_deref().unwrap_or("default"))?;
    let keymap = load_keymap(args.keymap.as_deref())?;
    let program = open_program(args.file.as_deref())?;
    let (path, code) = (program.path, program.code);
    let stdin = read_stdin(args.stdin.as_deref(), program.read_from.as_deref())?;
    if !std::io::stdout().is_terminal() {
        anyhow::bail!(
            "the explorer needs a terminal (use `tracelens trace FILE.py` for plain output)"
        );
    }
    let recovery_path = files::recovery_path(path.as_deref());
    let recovery = recovery_path
        .as_deref()
        .and_then(|rec| files::pending_recovery(rec, &code));
    let mut app = App::new(AppOptions {
        path,
        code,
        stdin,
        name: program.name,
        theme,
        keymap,
        recovery,
        recovery_path,
    });
    if let Some(dataset) = &args.dataset {
        crate::app::browser::open_dataset(&mut app, dataset).map_err(anyhow::Error::msg)?;
    }
    crate::app::prediction::set_model(&mut app, crate::model::model_dir(args.model.as_deref()));
    let (python, sandbox) = (args.python, args.sandbox);
    crate::tui::run(app, move || tracer_factory(python.clone(), sandbox))
}

fn load_keymap(explicit: Option<&Path>) -> anyhow::Result<Keymap> {
    let path = explicit.map(Path::to_path_buf).or_else(|| {
        let config = std::env::var_os("XDG_CONFIG_HOME")
            .map(PathBuf::from)
            .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".config")))?;
        Some(config.join("tracelens/keymap.toml")).filter(|p| p.exists())
    });
    match path {
        Some(p) => Keymap::load(&p).map_err(anyhow::Error::msg),
        None => Ok(Keymap::default()),
    }
}

/// The program the explorer opens.
#[derive(Debug, PartialEq, Eq)]
struct Program {
    /// Where Ctrl-S saves it; `None` asks for a path.
    path: Option<PathBuf>,
    /// The name shown while it has no path.
    name: Option<String>,
    code: String,
    /// The file its text came from (its stdin is looked for beside it).
    read_from: Option<PathBuf>,
}

/// FILE (a new file when it does not exist yet); else a copy of the default sample, an unsaved
/// buffer named after it (so Ctrl-S never overwrites the shipped sample); else an untitled
/// empty buffer.
fn open_program(file: Option<&Path>) -> anyhow::Result<Program> {
    let read = |path: &Path| {
        std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))
    };
    let Some(path) = file else {
        let beside_crate = Path::new(env!("CARGO_MANIFEST_DIR")).join(DEFAULT_SAMPLE);
        let sample = [PathBuf::from(DEFAULT_SAMPLE), beside_crate]
            .into_iter()
            .find(|p| p.exists());
        return Ok(match sample {
            Some(sample) => Program {
                path: None,
                name: sample.file_name().map(|n| n.to_string_lossy().into_owned()),
                code: read(&sample)?,
                read_from: Some(sample),
            },
            None => Program {
                path: None,
                name: None,
                code: String::new(),
                read_from: None,
            },
        });
    };
    let code = if path.exists() {
        read(path)?
    } else {
        String::new()
    };
    Ok(Program {
        path: Some(path.to_path_buf()),
        name: None,
        code,
        read_from: Some(path.to_path_buf()),
    })
}

fn read_stdin(explicit: Option<&Path>, program: Option<&Path>) -> anyhow::Result<String> {
    if let Some(p) = explicit {
        return std::fs::read_to_string(p)
            .with_context(|| format!("cannot read stdin file {}", p.display()));
    }
    let beside = program
        .map(|p| p.with_extension("stdin"))
        .filter(|p| p.exists());
    match beside {
        Some(p) => {
            std::fs::read_to_string(&p).with_context(|| format!("cannot read {}", p.display()))
        }
        None => Ok(String::new()),
    }
}

/// The tracer the explorer's worker starts in the background: a one-worker pool (the
/// explorer traces one program at a time, newest request first).
fn tracer_factory(python: Option<PathBuf>, sandbox: SandboxMode) -> TraceFnFactory {
    Box::new(move || {
        let pool = TracerPool::start(PoolOptions {
            python,
            workers: 1,
            sandbox,
        })
        .map_err(|e| e.to_string())?;
        Ok(
            Box::new(move |request: &TraceRequest| pool.trace(request).map_err(|e| e.to_string()))
                as TraceFn,
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(file: Option<PathBuf>, theme: Option<&str>) -> ExploreArgs {
        ExploreArgs {
            file,
            stdin: None,
            theme: theme.map(str::to_string),
            python: None,
            sandbox: SandboxMode::On,
            keymap: None,
            dataset: None,
            model: None,
        }
    }

    #[test]
    fn a_bad_theme_is_reported_before_the_terminal_is_touched() {
        let dir = tempfile::tempdir().unwrap();
        let theme = dir.path().join("mine.toml");
        std::fs::write(&theme, "status_bar = { fg = \"nope\" }\n").unwrap();
        let err = run(args(None, theme.to_str())).unwrap_err().to_string();
        assert!(
            err.contains("mine.toml") && err.contains("key `status_bar.fg`: bad colour `nope`"),
            "{err}"
        );
    }

    #[test]
    fn program_and_stdin_are_found_beside_each_other() {
        let dir = tempfile::tempdir().unwrap();
        let prog = dir.path().join("p.py");
        std::fs::write(&prog, "x = input()\n").unwrap();
        std::fs::write(dir.path().join("p.stdin"), "42\n").unwrap();
        let opened = open_program(Some(&prog)).unwrap();
        assert_eq!(
            (opened.path.as_deref(), opened.code.as_str()),
            (Some(prog.as_path()), "x = input()\n")
        );
        assert_eq!(read_stdin(None, Some(&prog)).unwrap(), "42\n");
        let new = dir.path().join("new.py");
        let opened = open_program(Some(&new)).unwrap();
        assert_eq!(
            (opened.path, opened.code),
            (Some(new.clone()), String::new())
        );
        assert_eq!(read_stdin(None, Some(&new)).unwrap(), "");
        let err = read_stdin(Some(&dir.path().join("missing.txt")), None).unwrap_err();
        assert!(format!("{err:#}").contains("missing.txt"));
    }

    #[test]
    fn with_no_file_a_copy_of_the_sample_opens() {
        let opened = open_program(None).unwrap();
        assert_eq!(
            opened.path, None,
            "Ctrl-S must not overwrite the shipped sample"
        );
        match opened.read_from {
            Some(p) => {
                assert!(p.ends_with(DEFAULT_SAMPLE));
                assert!(opened.code.contains("def "));
                assert_eq!(opened.name.as_deref(), Some("bubble_sort.py"));
            }
            None => eprintln!("SKIP: samples/bubble_sort.py absent; an untitled buffer opens"),
        }
    }
}
