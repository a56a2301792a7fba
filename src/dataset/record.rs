//! The dataset sample record (docs/ARCHITECTURE.md section 3).
//!
//! Unknown fields are kept in `extra` and written back on save. CodeExecutor records
//! (`id, code, code_tokens, trace, trace_tokens`) deserialize into the same type, since every
//! tracelens-only field has a default.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value as JsonValue};

pub use super::record_id::RecordId;

/// One dataset sample.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Record {
    pub id: RecordId,
    pub code: String,
    #[serde(default)]
    pub stdin: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub origin: Option<Origin>,
    #[serde(default)]
    pub code_tokens: Vec<String>,
    #[serde(default)]
    pub trace: Vec<String>,
    #[serde(default)]
    pub trace_tokens: Vec<String>,
    /// The ground-truth outcome kind (`completed`, `exception`, ...), when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub outcome: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prediction: Option<Prediction>,
    #[serde(default = "default_verdict")]
    pub verdict: String,
    #[serde(default)]
    pub tags: Vec<String>,
    #[serde(default)]
    pub note: String,
    /// Fields this version does not know; kept verbatim on save.
    #[serde(flatten)]
    pub extra: Map<String, JsonValue>,
}

/// Where a sample came from: the id of the program it was derived from, and the mutation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Origin {
    pub id: RecordId,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mutation: Option<Mutation>,
    #[serde(flatten)]
    pub extra: Map<String, JsonValue>,
}

/// The mutation that produced a sample from its origin (1-based line).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Mutation {
    pub op: String,
    pub line: u32,
    pub before: String,
    pub after: String,
}

/// A model's prediction: either the raw predicted text or an object with a trace list.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Prediction {
    Text(String),
    Structured(StructuredPrediction),
}

/// A prediction stored as an object.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StructuredPrediction {
    #[serde(default)]
    pub model: String,
    #[serde(default)]
    pub trace: Vec<String>,
    #[serde(default)]
    pub metrics: Map<String, JsonValue>,
    #[serde(flatten)]
    pub extra: Map<String, JsonValue>,
}

fn default_verdict() -> String {
    Verdict::Unreviewed.as_str().to_string()
}

impl Record {
    /// The record's `code_tokens`, or, when it has none, its code tokenized the CodeExecutor
    /// way (what `eval` feeds the model and `dataset export` writes).
    pub fn code_tokens_or_derived(
        &self,
    ) -> Result<std::borrow::Cow<'_, [String]>, crate::trace::codeexecutor::CodeFormatError> {
        if self.code_tokens.is_empty() {
            crate::trace::codeexecutor::code_tokens(&self.code).map(std::borrow::Cow::Owned)
        } else {
            Ok(std::borrow::Cow::Borrowed(&self.code_tokens))
        }
    }
}

impl Prediction {
    /// The predicted trace as one string: raw text as is, a trace list joined with single spaces.
    pub fn text(&self) -> String {
        match self {
            Prediction::Text(text) => text.clone(),
            Prediction::Structured(p) => p.trace.join(" "),
        }
    }
}

/// A reviewer's decision on a sample; stored as its lowercase name in `Record::verdict`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    Unreviewed,
    Accepted,
    Rejected,
}

impl Verdict {
    /// The name stored in records.
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Unreviewed => "unreviewed",
            Verdict::Accepted => "accepted",
            Verdict::Rejected => "rejected",
        }
    }
}
