//! `tracelens predict FILE.py`: predict a program's execution trace with the model and print it
//! as text (one step per line) or as JSON (model, input_ids, output_ids, text, steps,
//! tokens_per_s, elapsed_ms).

use std::io::Read;
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::atomic::AtomicBool;

use anyhow::{Context, Result};
use clap::{Args, ValueEnum};

use super::values::at_least_one;
use crate::model::{self, Model, PredictOptions};
use crate::trace::codeexecutor::{code_tokens, parse_trace, split_segments, CeStep};

/// Output format of `tracelens predict`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    Text,
    Json,
}

/// Arguments of `tracelens predict`.
#[derive(Debug, Args)]
pub struct PredictArgs {
    /// The Python program (`-` reads standard input).
    pub file: PathBuf,
    /// Model directory (default: $TRACELENS_MODEL, else models/tracelens-tiny).
    #[arg(long)]
    pub model: Option<String>,
    /// Beam size (1 = greedy).
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..=64))]
    pub beam: u32,
    /// At most this many generated tokens.
    #[arg(long, default_value_t = model::MAX_TARGET_TOKENS, value_parser = at_least_one)]
    pub max_tokens: usize,
    /// Dataset prefix: codenet, tutorial or singleline (with or without <>).
    #[arg(long, default_value = "codenet", value_parser = prefix_token)]
    pub prefix: String,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
}

/// `codenet` or `<codenet>` becomes `<codenet>`; a name the model was not trained with is
/// refused on the command line.
fn prefix_token(prefix: &str) -> Result<String, String> {
    let bare = prefix.trim().trim_start_matches('<').trim_end_matches('>');
    if !PREFIXES.contains(&bare) {
        return Err(format!("{prefix:?} is not one of {}", PREFIXES.join(", ")));
    }
    Ok(format!("<{bare}>"))
}

/// The dataset prefixes the model knows.
const PREFIXES: [&str; 3] = ["codenet", "tutorial", "singleline"];

fn read_program(file: &PathBuf) -> Result<String> {
    if file.as_os_str() == "-" {
        let mut src = String::new();
        std::io::stdin()
            .read_to_string(&mut src)
            .context("cannot read the program from standard input")?;
        return Ok(src);
    }
    std::fs::read_to_string(file).with_context(|| format!("cannot read {}", file.display()))
}

/// A parsed step as JSON: `{"line": i, "state": [[name, value], ...]}` or `{"output": text}`.
fn step_json(step: &CeStep) -> serde_json::Value {
    match step {
        CeStep::Line { line, state } => serde_json::json!({"line": line, "state": state}),
        CeStep::Output(text) => serde_json::json!({ "output": text }),
    }
}

/// Run the command.
pub fn run(args: PredictArgs) -> Result<ExitCode> {
    let src = read_program(&args.file)?;
    let code_tokens =
        code_tokens(&src).with_context(|| format!("cannot tokenize {}", args.file.display()))?;
    let dir = model::model_dir(args.model.as_deref())
        .context("`--model none` turns the model off; `predict` needs a model")?;
    let model = Model::load(&dir)?;
    let opts = PredictOptions {
        beam: args.beam as usize,
        max_tokens: args.max_tokens,
        prefix: args.prefix.clone(),
        ..PredictOptions::default()
    };
    let never = AtomicBool::new(false);
    let prediction = model.predict(&code_tokens, &opts, &never, &mut |_| {})?;
    match args.format {
        Format::Text => {
            for (_, step) in split_segments(&prediction.text) {
                writeln!(std::io::stdout(), "{}", step.trim())?;
            }
        }
        Format::Json => {
            let out = serde_json::json!({
                "model": model.name,
                "input_ids": prediction.input_ids,
                "output_ids": prediction.output_ids,
                "text": prediction.text,
                "steps": parse_trace(&prediction.text)
                    .steps
                    .iter()
                    .map(step_json)
                    .collect::<Vec<_>>(),
                "tokens_per_s": prediction.tokens_per_s,
                "elapsed_ms": prediction.elapsed.as_secs_f64() * 1000.0,
            });
            writeln!(std::io::stdout(), "{out}")?;
        }
    }
    Ok(ExitCode::SUCCESS)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefixes_are_normalised() {
        assert_eq!(prefix_token("codenet").unwrap(), "<codenet>");
        assert_eq!(prefix_token("<tutorial>").unwrap(), "<tutorial>");
        assert!(prefix_token("foo")
            .unwrap_err()
            .contains("codenet, tutorial, singleline"));
    }

    #[test]
    fn steps_become_json_objects() {
        let line = CeStep::Line {
            line: 2,
            state: vec![("x".into(), "1".into())],
        };
        assert_eq!(
            step_json(&line).to_string(),
            r#"{"line":2,"state":[["x","1"]]}"#
        );
        assert_eq!(
            step_json(&CeStep::Output("hi".into())).to_string(),
            r#"{"output":"hi"}"#
        );
    }
}
