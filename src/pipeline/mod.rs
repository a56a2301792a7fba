//! Pipelines: long batch jobs that combine the domain modules (tracer, mutation, dataset
//! records, files) into datasets. They sit above `trace`, `mutate` and `dataset` and below
//! the command line, which owns their clap arguments and only reports what they return.
//!
//! - [`dataset_build`]: the curriculum's CodeExecutor-format datasets (`tracelens dataset build`).
//! - [`mutate_batch`]: traced mutants of every program of a batch (`tracelens mutate --batch`).
//! - [`dataset_trace`]: the traced fields of `{id, code[, stdin]}` records (`tracelens dataset
//!   trace`).
//! - [`in_order`]: results made on several threads, streamed out in input order.
//! - [`shard`]: `--shard I/N`, the part of an input one run of a batch command handles.

pub mod dataset_build;
pub mod dataset_trace;
pub mod in_order;
pub mod mutate_batch;
pub mod shard;
