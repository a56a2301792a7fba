//! tracelens: a terminal explorer for Python execution traces.
//!
//! The crate is a library with a thin binary (`src/main.rs`). Dependency direction:
//! `cli -> tui -> ui -> app -> {trace, mutate, model, analysis, dataset, cruxeval}`, with
//! `pipeline` between `cli` and the domain; the domain modules never import `app`, `ui`, `tui`,
//! `cli` or `pipeline`, and the command line uses the same domain APIs as the TUI.
//! docs/ARCHITECTURE.md draws the whole map (`tests/import_graph.rs` checks it).

pub mod analysis;
pub mod app;
pub mod atomic_file;
pub mod cli;
pub mod cruxeval;
pub mod dataset;
pub mod model;
pub mod mutate;
pub mod newest_wins;
pub mod pipeline;
pub mod plural;
pub mod trace;
pub mod tui;
pub mod ui;
