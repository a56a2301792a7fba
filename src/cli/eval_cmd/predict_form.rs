//! The dataset form of `tracelens eval`: predict every record's trace with the model, with a
//! progress bar and `--jobs` worker threads sharing one loaded model.
//!
//! Decisions: a record without a `trace` is not traced here; it is reported and left out of
//! the scores (trace the dataset first, e.g. with `tracelens dataset`). The model reads the
//! record's `code_tokens` when present, otherwise the CodeExecutor tokens of its `code`; a
//! program that cannot be tokenized or predicted is reported and left out. A model that
//! cannot be loaded is one error that ends the run.

use anyhow::Context;
use indicatif::{ProgressBar, ProgressStyle};

use super::{EvalArgs, Pair};
use crate::dataset::record::Record;
use crate::model::{self, batch, Model, PredictOptions};

/// The predicted pairs, and a warning per record left out.
pub struct Predicted<'a> {
    pub pairs: Vec<Pair<'a>>,
    pub warnings: Vec<String>,
}

/// Predict the records that have a trace; report the others.
pub fn predict<'a>(records: &'a [Record], args: &EvalArgs) -> anyhow::Result<Predicted<'a>> {
    let dir = model::model_dir(args.model.as_deref())
        .context("`--model none` turns the model off; `eval DATASET.jsonl` needs a model")?;
    let model =
        Model::load(&dir).with_context(|| format!("cannot load the model in {}", dir.display()))?;
    let mut warnings = Vec::new();
    let mut chosen: Vec<&Record> = Vec::with_capacity(records.len());
    let mut programs: Vec<Vec<String>> = Vec::with_capacity(records.len());
    for record in records {
        if record.trace.is_empty() {
            warnings.push(format!(
                "{}: no `trace` to score against; left out (trace the dataset first)",
                record.id
            ));
            continue;
        }
        match record.code_tokens_or_derived() {
            Ok(tokens) => {
                chosen.push(record);
                programs.push(tokens.into_owned());
            }
            Err(err) => warnings.push(format!("{}: cannot tokenize: {err}; left out", record.id)),
        }
    }
    let opts = PredictOptions {
        beam: args.beam as usize,
        max_tokens: args.max_tokens,
        prefix: args.prefix.token().to_string(),
        ..PredictOptions::default()
    };
    let progress = ProgressBar::new(programs.len() as u64);
    if let Ok(style) =
        ProgressStyle::with_template("{bar:40} {pos}/{len} predicted, {per_sec}, eta {eta}")
    {
        progress.set_style(style);
    }
    let results = batch::predict_many(
        &model,
        &programs,
        &opts,
        args.jobs.unwrap_or(1) as usize,
        &|| progress.inc(1),
    );
    progress.finish_and_clear();
    let mut pairs = Vec::with_capacity(chosen.len());
    for (record, result) in chosen.into_iter().zip(results) {
        match result {
            Ok(prediction) => pairs.push((record, prediction.text)),
            Err(err) => warnings.push(format!(
                "{}: prediction failed: {err:#}; left out",
                record.id
            )),
        }
    }
    Ok(Predicted { pairs, warnings })
}
