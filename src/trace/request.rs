//! What a caller asks the tracer for: a program, its stdin, and the limits it runs under
//! (docs/ARCHITECTURE.md section 2.1; every limit is configurable).

use serde::{Deserialize, Serialize};

/// Resource limits applied to one traced run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Limits {
    /// Wall-clock timeout of the child, in milliseconds.
    pub timeout_ms: u64,
    /// The most `line` steps recorded before the run ends with `step_limit`.
    pub max_steps: u64,
    /// Address-space limit of the child, in MiB.
    pub memory_mb: u64,
    /// The most bytes of stdout before the run ends with `output_limit`.
    pub max_stdout: u64,
    /// `repr` values longer than this many characters are cut and followed by `...`.
    pub max_repr: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            timeout_ms: 5_000,
            max_steps: 20_000,
            memory_mb: 512,
            max_stdout: 1 << 20,
            max_repr: 300,
        }
    }
}

/// One program to trace.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct TraceRequest {
    pub code: String,
    #[serde(default)]
    pub stdin: String,
    #[serde(default)]
    pub limits: Limits,
}
