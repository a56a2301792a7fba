//! Dataset samples: record types (docs/ARCHITECTURE.md section 3), indexed lazy reading of JSONL
//! files (tracelens, CodeExecutor and CRUXEval records), journalled editing, atomic saving, and
//! export to CodeExecutor, CRUXEval and tracelens JSONL.

pub mod export;
pub mod file;
pub mod journal;
mod parse;
mod peek;
pub mod record;
pub mod record_id;
mod save;
pub mod scan;
pub mod source;
pub mod summary;

pub use export::{export, ExportFormat, ExportOptions, ExportReport};
pub use file::{DatasetError, DatasetFile, LineProblem, ReplayReport};
pub use record::{Mutation, Origin, Prediction, Record, Verdict};
pub use record_id::RecordId;
pub use summary::{
    divergence_of, is_cruxeval, Divergence, Filter, StoredFilter, StoredScore, Summary,
};
