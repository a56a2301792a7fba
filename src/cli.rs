//! The command line (docs/ARCHITECTURE.md section 6): clap definitions and dispatch. Each
//! subcommand's arguments and behaviour live in `src/cli/<name>.rs`; this file only routes.

use std::io::Write;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

mod cruxeval_cmd;
mod dataset_cmd;
mod doctor_cmd;
mod eval_cmd;
mod explore;
mod generate_cmd;
mod mutate_cmd;
mod predict_cmd;
mod trace_cmd;
mod train_cmd;
mod values;

/// tracelens: step through real Python executions and watch a model predict them.
#[derive(Debug, Parser)]
#[command(
    name = "tracelens",
    version,
    about,
    args_conflicts_with_subcommands = true
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
    #[command(flatten)]
    pub explore: explore::ExploreArgs,
}

/// The subcommands; with none, the explorer opens.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Record the real execution of a program (or a batch of programs) with CPython.
    Trace(trace_cmd::TraceArgs),
    /// List, apply or batch-generate mutants (MutPy operators).
    Mutate(mutate_cmd::MutateArgs),
    /// Predict a program's execution trace with the model.
    Predict(predict_cmd::PredictArgs),
    /// Score predictions against ground truth with CodeExecutor's metrics.
    Eval(eval_cmd::EvalArgs),
    /// Build or export datasets.
    Dataset(dataset_cmd::DatasetArgs),
    /// Train a model with curriculum learning.
    Train(train_cmd::TrainArgs),
    /// Continue a prompt with a causal LM (GGUF or Hugging Face safetensors).
    Generate(generate_cmd::GenerateArgs),
    /// Check the setup: the Python found, the sandbox layers available here, the model, the paths.
    Doctor(doctor_cmd::DoctorArgs),
}

/// Parse the process arguments, run the command, and turn errors into a message and exit code.
pub fn main() -> ExitCode {
    quiet_on_closed_pipes();
    let cli = Cli::parse();
    let result = match cli.command {
        None => explore::run(cli.explore),
        Some(Command::Trace(args)) => trace_cmd::run(args),
        Some(Command::Mutate(args)) => mutate_cmd::run(args),
        Some(Command::Predict(args)) => predict_cmd::run(args),
        Some(Command::Eval(args)) => eval_cmd::run(args),
        Some(Command::Dataset(args)) => dataset_cmd::run(args),
        Some(Command::Train(args)) => train_cmd::run(args),
        Some(Command::Generate(args)) => generate_cmd::run(args),
        Some(Command::Doctor(args)) => doctor_cmd::run(args),
    };
    match result {
        Ok(code) => code,
        // The reader went away (`tracelens ... | head`): stop quietly, like other Unix tools.
        Err(err) if is_broken_pipe(&err) => ExitCode::SUCCESS,
        Err(err) => {
            // Written, not printed: a closed stderr must not turn the error into a panic.
            let _ = writeln!(std::io::stderr(), "tracelens: {}", message(&err));
            ExitCode::FAILURE
        }
    }
}

/// The text of `file`, or of standard input when it is `-`; `what` names it in errors.
fn read_file_or_stdin(file: &std::path::Path, what: &str) -> anyhow::Result<String> {
    use anyhow::Context;
    use std::io::Read;
    if file.as_os_str() == "-" {
        let mut text = String::new();
        std::io::stdin()
            .read_to_string(&mut text)
            .with_context(|| format!("cannot read {what} from standard input"))?;
        return Ok(text);
    }
    std::fs::read_to_string(file).with_context(|| format!("cannot read {}", file.display()))
}

/// The error and its causes joined with `: `, leaving out a cause whose text the message
/// already holds (an error that prints its source would otherwise say it twice).
fn message(err: &anyhow::Error) -> String {
    let mut text = String::new();
    for cause in err.chain() {
        let part = cause.to_string();
        if text.contains(&part) {
            continue;
        }
        if !text.is_empty() {
            text.push_str(": ");
        }
        text.push_str(&part);
    }
    text
}

/// `println!` and `eprintln!` panic when their reader has gone (`tracelens ... 2>&1 | head`);
/// such a panic ends the process quietly with status 0, like the error path below.
fn quiet_on_closed_pipes() {
    let default = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let text = info
            .payload()
            .downcast_ref::<String>()
            .map(String::as_str)
            .or_else(|| info.payload().downcast_ref::<&str>().copied())
            .unwrap_or_default();
        if text.starts_with("failed printing to std") && text.contains("Broken pipe") {
            std::process::exit(0);
        }
        default(info);
    }));
}

/// Whether an error comes from writing to a pipe whose reader has closed it.
fn is_broken_pipe(err: &anyhow::Error) -> bool {
    let broken = Some(std::io::ErrorKind::BrokenPipe);
    err.chain().any(|cause| {
        cause.downcast_ref::<std::io::Error>().map(|io| io.kind()) == broken
            // serde_json's error does not give its io::Error as its source.
            || cause
                .downcast_ref::<serde_json::Error>()
                .and_then(serde_json::Error::io_error_kind)
                == broken
    })
}
