//! tracelens: a terminal explorer for Python execution traces.
//!
//! The crate is a library with a thin binary (`src/main.rs`). Dependency direction:
//! `ui -> app -> {trace, mutate, model, analysis, dataset, cruxeval}`; the domain modules never
//! import `app` or `ui`, and the command line (`cli`) uses the same domain APIs as the TUI.

pub mod analysis;
pub mod app;
pub mod cli;
pub mod cruxeval;
pub mod dataset;
pub mod model;
pub mod mutate;
pub mod trace;
pub mod ui;
