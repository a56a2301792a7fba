//! The command line (docs/ARCHITECTURE.md section 6): clap definitions and dispatch. Each
//! subcommand's arguments and behaviour live in `src/cli/<name>.rs`; this file only routes.

use std::process::ExitCode;

use clap::{Parser, Subcommand};

mod cruxeval_cmd;
mod dataset_cmd;
mod doctor_cmd;
mod eval_cmd;
mod explore;
mod mutate_cmd;
mod predict_cmd;
mod trace_cmd;
mod train_cmd;

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
    /// Check the setup: the Python found, the sandbox layers available here, the model, the paths.
    Doctor(doctor_cmd::DoctorArgs),
}

/// Parse the process arguments, run the command, and turn errors into a message and exit code.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        None => explore::run(cli.explore),
        Some(Command::Trace(args)) => trace_cmd::run(args),
        Some(Command::Mutate(args)) => mutate_cmd::run(args),
        Some(Command::Predict(args)) => predict_cmd::run(args),
        Some(Command::Eval(args)) => eval_cmd::run(args),
        Some(Command::Dataset(args)) => dataset_cmd::run(args),
        Some(Command::Train(args)) => train_cmd::run(args),
        Some(Command::Doctor(args)) => doctor_cmd::run(args),
    };
    match result {
        Ok(code) => code,
        // The reader went away (`tracelens ... | head`): stop quietly, like other Unix tools.
        Err(err) if is_broken_pipe(&err) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("tracelens: {err:#}");
            ExitCode::FAILURE
        }
    }
}

/// Whether an error comes from writing to a pipe whose reader has closed it.
fn is_broken_pipe(err: &anyhow::Error) -> bool {
    err.chain().any(|cause| {
        cause
            .downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
    })
}
