//! The CRUXEval tasks (Gu et al. 2024, facebookresearch/cruxeval): predict what `f(input)`
//! returns (CRUXEval-O) or an input that gives a known output (CRUXEval-I), answered directly,
//! after a chain of thought, or after SemCoder's monologue (ARiSE-Lab/SemCoder). This module
//! builds the prompts (`prompts`), extracts answers from generations (`extract`), scores
//! answers by execution as the official harness does (`score`, `passk`), reads predictions
//! made elsewhere (`predictions`), and summarises a run (`report`, `ops`).
//!
//! Each submodule's doc names the published code whose behaviour it reproduces.

pub mod extract;
pub mod ops;
pub mod passk;
pub mod predictions;
pub mod prompts;
mod pystr;
pub mod question;
pub mod report;
pub mod score;

use std::path::Path;

use anyhow::Context;
use serde::{Deserialize, Serialize};

/// Which half of CRUXEval.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum Task {
    /// CRUXEval-O: predict the output of `f(input)`.
    Output,
    /// CRUXEval-I: predict an input that gives the output.
    Input,
}

/// How the model is asked to answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum PromptKind {
    /// CRUXEval's direct prompt: the answer straight away.
    Direct,
    /// CRUXEval's chain-of-thought prompt.
    Cot,
    /// SemCoder's monologue: forward for CRUXEval-O, backward for CRUXEval-I.
    Monologue,
}

impl Task {
    pub fn as_str(self) -> &'static str {
        match self {
            Task::Output => "output",
            Task::Input => "input",
        }
    }
}

impl PromptKind {
    pub fn as_str(self) -> &'static str {
        match self {
            PromptKind::Direct => "direct",
            PromptKind::Cot => "cot",
            PromptKind::Monologue => "monologue",
        }
    }
}

/// One CRUXEval record: a function `f`, an input (the text of its arguments) and the output
/// (the text of the value it returns).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Sample {
    pub id: String,
    pub code: String,
    pub input: String,
    pub output: String,
}

/// The samples of a CRUXEval JSONL file, and a warning per line that is not one.
pub struct Samples {
    pub samples: Vec<Sample>,
    pub warnings: Vec<String>,
}

/// Read CRUXEval records (`{"code", "input", "output", "id"}` per line). Malformed lines and
/// repeated ids are reported and left out.
pub fn read_samples(path: &Path) -> anyhow::Result<Samples> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
    let mut seen = std::collections::HashSet::new();
    let mut read = Samples {
        samples: Vec::new(),
        warnings: Vec::new(),
    };
    for (index, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        match serde_json::from_str::<Sample>(line) {
            Ok(sample) if !seen.insert(sample.id.clone()) => read.warnings.push(format!(
                "{}:{}: id {} appears again; left out",
                path.display(),
                index + 1,
                sample.id
            )),
            Ok(sample) => read.samples.push(sample),
            Err(err) => read.warnings.push(format!(
                "{}:{}: not a CRUXEval record (code, input, output, id): {err}",
                path.display(),
                index + 1
            )),
        }
    }
    Ok(read)
}
