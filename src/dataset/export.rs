//! `tracelens dataset export`: write the records of a dataset (optionally only accepted ones,
//! or those with a tag) as CodeExecutor, CRUXEval or tracelens JSONL, atomically. A record
//! that cannot be expressed in the target format is skipped and reported; the rest go on.

use std::io::Write;
use std::path::Path;

use serde::Serialize;
use serde_json::Value as JsonValue;

use super::file::{DatasetError, DatasetFile};
use super::record::{Record, Verdict};
use super::source::cruxeval_original_code;
use crate::atomic_file::{check_output, replace_file};

/// The formats a dataset can be exported to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExportFormat {
    /// `id, code, code_tokens, trace, trace_tokens`: ready for `tracelens train`.
    CodeExecutor,
    /// `code, input, output, id`, with the original CRUXEval program.
    CruxEval,
    /// Full tracelens records.
    Tracelens,
}

/// Which records to export, and how.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExportOptions {
    pub format: ExportFormat,
    pub only_accepted: bool,
    pub tag: Option<String>,
    /// Replace `out` when it exists (`--force`).
    pub replace: bool,
}

/// What an export did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ExportReport {
    pub written: usize,
    /// Records left out by `only_accepted` / `tag`.
    pub filtered_out: usize,
    /// Records that could not be exported: `id: reason`.
    pub skipped: Vec<String>,
    /// The input's open report (record count, malformed lines, pending journal).
    pub input_report: Vec<String>,
}

#[derive(Serialize)]
struct CodeExecutorRecord<'a> {
    id: &'a str,
    code: &'a str,
    code_tokens: &'a [String],
    trace: &'a [String],
    trace_tokens: Vec<&'a str>,
}

#[derive(Serialize)]
struct CruxEvalRecord<'a> {
    code: &'a str,
    input: &'a JsonValue,
    output: &'a JsonValue,
    id: &'a str,
}

/// Export `input` to `out` (written atomically; `out` is untouched when the export fails).
pub fn export(
    input: &Path,
    out: &Path,
    options: &ExportOptions,
) -> Result<ExportReport, DatasetError> {
    let io_err = |source| DatasetError::Io {
        path: out.to_path_buf(),
        source,
    };
    check_output(out, &[input], options.replace).map_err(io_err)?;
    let dataset = DatasetFile::open(input)?;
    let mut report = ExportReport {
        input_report: dataset.open_report(),
        ..ExportReport::default()
    };
    replace_file(out, false, |writer| {
        for (index, summary) in dataset.summaries().enumerate() {
            let accepted = summary.verdict == Verdict::Accepted.as_str();
            let tagged = options
                .tag
                .as_ref()
                .is_none_or(|tag| summary.tags.contains(tag));
            if (options.only_accepted && !accepted) || !tagged {
                report.filtered_out += 1;
                continue;
            }
            let line = dataset
                .record(index)
                .map_err(|err| err.to_string())
                .and_then(|record| to_json(&record, options.format));
            match line {
                Ok(mut line) => {
                    line.push(b'\n');
                    writer.write_all(&line)?;
                    report.written += 1;
                }
                Err(reason) => report.skipped.push(format!("{}: {reason}", summary.id)),
            }
        }
        Ok(())
    })
    .map_err(io_err)?;
    Ok(report)
}

/// One record in the target format, or why it cannot be.
fn to_json(record: &Record, format: ExportFormat) -> Result<Vec<u8>, String> {
    let json = match format {
        ExportFormat::Tracelens => serde_json::to_vec(record),
        ExportFormat::CodeExecutor => {
            if record.trace.is_empty() {
                return Err("no trace (trace the record first)".into());
            }
            let code_tokens = record
                .code_tokens_or_derived()
                .map_err(|err| format!("cannot tokenize its code: {err}"))?;
            let trace_tokens = if record.trace_tokens.is_empty() {
                // Trace steps are tokens separated by spaces (docs/ARCHITECTURE.md 2.2), as in
                // `trace::codeexecutor::record`.
                record
                    .trace
                    .iter()
                    .flat_map(|step| step.split_whitespace())
                    .collect()
            } else {
                record.trace_tokens.iter().map(String::as_str).collect()
            };
            serde_json::to_vec(&CodeExecutorRecord {
                id: &record.id,
                code: &record.code,
                code_tokens: &code_tokens,
                trace: &record.trace,
                trace_tokens,
            })
        }
        ExportFormat::CruxEval => {
            let (Some(input), Some(output)) =
                (record.extra.get("input"), record.extra.get("output"))
            else {
                return Err("not a CRUXEval record (no input and output)".into());
            };
            let code = cruxeval_original_code(record).ok_or(
                "the program was edited: it no longer ends with the call of f on its input",
            )?;
            serde_json::to_vec(&CruxEvalRecord {
                code,
                input,
                output,
                id: &record.id,
            })
        }
    };
    json.map_err(|err| err.to_string())
}
