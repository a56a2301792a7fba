//! Ground truth: the trace types (schema version 1), the CPython tracer pool that records
//! them, and the CodeExecutor projection of code and traces.
//!
//! Each request runs in a child forked from a long-lived worker (`worker.rs`, `tracer.py`).
//! A *pure* program (one that cannot reach anything outside its own objects: `is_pure` in
//! `tracer.py`) runs in a child shared with the pure programs before it, which checks after
//! every request that it is still clean and otherwise exits; any other program gets a freshly
//! forked child of its own, used once. `TRACELENS_FRESH_CHILDREN=1` gives every request a
//! fresh child.

pub mod codeexecutor;
pub mod error;
pub mod pool;
pub mod python;
mod records;
pub mod request;
pub mod sandbox;
pub mod schema;
mod worker;

pub use error::TracerError;
pub use pool::{PoolOptions, TracerPool};
pub use python::resolve_python;
pub use request::{Limits, TraceRequest};
pub use sandbox::{Layer, SandboxMode};
pub use schema::{Event, Local, Outcome, OutcomeKind, Step, Trace, Value};
