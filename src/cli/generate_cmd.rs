//! `tracelens generate --model PATH --prompt-file FILE`: continue a prompt with a causal LM
//! (a `.gguf` file or a Hugging Face model directory), streaming the text to standard output;
//! `--stats` adds a JSON line of token counts and speeds on standard error.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::atomic::AtomicBool;
use std::time::Instant;

use anyhow::Result;
use clap::Args;

use crate::model::causal::{self, CausalLm, LoadOptions, Sampling};

/// Arguments of `tracelens generate`.
#[derive(Debug, Args)]
pub struct GenerateArgs {
    /// A `.gguf` file, or a directory with config.json, safetensors weights and tokenizer.json.
    #[arg(long)]
    pub model: PathBuf,
    /// The prompt (`-` reads standard input).
    #[arg(long)]
    pub prompt_file: PathBuf,
    /// A tokenizer.json to use instead of the one beside the model.
    #[arg(long)]
    pub tokenizer: Option<PathBuf>,
    /// At most this many generated tokens.
    #[arg(long, default_value_t = 256)]
    pub max_tokens: usize,
    /// Sampling temperature; 0 is greedy.
    #[arg(long, default_value_t = 0.0)]
    pub temperature: f64,
    /// Nucleus sampling mass.
    #[arg(long, default_value_t = 1.0)]
    pub top_p: f64,
    /// Seed of the sampler.
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// Stop at this string (repeatable); it is not printed.
    #[arg(long)]
    pub stop: Vec<String>,
    /// CPU threads (default: all cores).
    #[arg(long)]
    pub threads: Option<usize>,
    /// Print a JSON line of token counts and speeds to standard error at the end.
    #[arg(long)]
    pub stats: bool,
}

fn per_second(n: usize, seconds: f64) -> f64 {
    if seconds > 0.0 {
        n as f64 / seconds
    } else {
        0.0
    }
}

/// Run the command.
pub fn run(args: GenerateArgs) -> Result<ExitCode> {
    if let Some(threads) = args.threads {
        causal::set_threads(threads)?;
    }
    let prompt = super::read_file_or_stdin(&args.prompt_file, "the prompt")?;
    let sampling = Sampling {
        temperature: args.temperature,
        top_p: args.top_p,
        seed: args.seed,
        max_tokens: args.max_tokens,
        stop: args.stop.clone(),
    };
    sampling.check()?;
    let started = Instant::now();
    let opts = LoadOptions {
        tokenizer: args.tokenizer.clone(),
    };
    let lm = CausalLm::load(&args.model, &opts)?;
    let load_ms = started.elapsed().as_millis();
    let mut out = std::io::stdout().lock();
    let mut printed = 0;
    let mut write_err = None;
    let done = lm.generate(&prompt, &sampling, &AtomicBool::new(false), &mut |p| {
        // Print what is settled: a text ending in a replacement character may still be an
        // incomplete UTF-8 sequence.
        let text = p.text;
        if text.len() > printed && text.is_char_boundary(printed) && !text.ends_with('\u{FFFD}') {
            if let Err(e) = out
                .write_all(&text.as_bytes()[printed..])
                .and_then(|_| out.flush())
            {
                write_err.get_or_insert(e);
            }
            printed = text.len();
        }
    })?;
    if let Some(e) = write_err {
        return Err(e.into());
    }
    if done.text.len() > printed && done.text.is_char_boundary(printed) {
        out.write_all(&done.text.as_bytes()[printed..])?;
    }
    writeln!(out)?;
    if args.stats {
        let prompt_s = done.prompt_elapsed.as_secs_f64();
        let gen_s = done.generate_elapsed.as_secs_f64();
        let stats = serde_json::json!({
            "model": lm.name,
            "load_ms": load_ms,
            "prompt_tokens": done.prompt_tokens,
            "prompt_ms": prompt_s * 1e3,
            "prompt_tokens_per_s": per_second(done.prompt_tokens, prompt_s),
            "generated_tokens": done.ids.len(),
            "generate_ms": gen_s * 1e3,
            // The first token comes from the prompt pass; the rest each take one step.
            "generate_tokens_per_s": per_second(done.ids.len().saturating_sub(1), gen_s),
            "finish": done.finish.as_str(),
        });
        eprintln!("{stats}");
    }
    Ok(ExitCode::SUCCESS)
}
