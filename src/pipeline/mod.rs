//! Pipelines: long batch jobs that combine the domain modules (tracer, mutation, dataset
//! records, files) into datasets. They sit above `trace`, `mutate` and `dataset` and below
//! the command line, which owns their clap arguments and only reports what they return.
//!
//! - [`dataset_build`]: the curriculum's CodeExecutor-format datasets (`tracelens dataset build`).
//! - [`mutate_batch`]: traced mutants of every program of a batch (`tracelens mutate --batch`).

pub mod dataset_build;
pub mod mutate_batch;
