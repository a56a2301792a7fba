//! The differential test (issue 20): every program of `tests/fixtures/trace_corpus` (at least
//! 60, covering the language) is traced, run by plain CPython, and run under an independent
//! minimal `sys.settrace` recorder (`tests/fixtures/record_lines.py`). The trace's stdout,
//! stderr and exit status must be CPython's (memory addresses aside), and its line steps the
//! recorder's, in the same order.

mod tracer_support;

use std::path::Path;

use tracelens::trace::Limits;
use tracer_support::{
    comparable_run, corpus_program, line_steps, record_lines, run_plain, trace_with, traced_run,
};

#[test]
fn every_corpus_program_is_recorded_as_cpython_runs_it() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/trace_corpus");
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .expect("tests/fixtures/trace_corpus")
        .filter_map(|e| e.ok())
        .filter_map(|e| {
            let name = e.file_name().to_string_lossy().into_owned();
            name.strip_suffix(".py").map(str::to_string)
        })
        .collect();
    names.sort();
    assert!(names.len() >= 60, "{} programs", names.len());
    let mut failures = Vec::new();
    for name in &names {
        let (path, stdin) = corpus_program(name);
        let code = std::fs::read_to_string(&path).expect("the program");
        let trace = trace_with(&code, &stdin, Limits::default());
        let traced = comparable_run(&traced_run(&trace));
        let plain = comparable_run(&run_plain(&path, &stdin));
        if traced != plain {
            failures.push(format!(
                "{name}: traced {traced:?}\n   plain CPython {plain:?}"
            ));
        }
        let lines = line_steps(&trace);
        let recorded = record_lines(&path, &stdin);
        if lines != recorded {
            let at = lines
                .iter()
                .zip(&recorded)
                .position(|(a, b)| a != b)
                .unwrap_or(lines.len().min(recorded.len()));
            failures.push(format!(
                "{name}: line steps differ from the recorder's at step {at} ({} vs {}): {:?} vs {:?}",
                lines.len(),
                recorded.len(),
                &lines[at.min(lines.len())..(at + 3).min(lines.len())],
                &recorded[at.min(recorded.len())..(at + 3).min(recorded.len())],
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} programs differ:\n{}",
        failures.len(),
        names.len(),
        failures.join("\n")
    );
}
