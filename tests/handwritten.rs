//! The hand-written evaluation set (`tests/fixtures/eval_handwritten/*.py`): every program runs
//! under CPython and traces into a record, all of them in the test split, and `tracelens eval`
//! scores the shipped model on them.

use std::path::{Path, PathBuf};
use std::process::Command;

mod build_support;

use build_support::build_args;
use tracelens::pipeline::dataset_build::{build, Stage};

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn programs() -> PathBuf {
    root().join("tests/fixtures/eval_handwritten")
}

fn build_set(out: &Path) -> tracelens::pipeline::dataset_build::BuildReport {
    build(&build_args(Stage::Handwritten, 0, out)).unwrap()
}

#[test]
fn every_program_runs_and_traces_into_the_test_split() {
    let files = std::fs::read_dir(programs())
        .unwrap()
        .filter(|e| {
            e.as_ref()
                .unwrap()
                .path()
                .extension()
                .is_some_and(|x| x == "py")
        })
        .count();
    assert!(files >= 150, "{files} programs");
    let dir = tempfile::tempdir().unwrap();
    let report = build_set(dir.path());
    assert_eq!(
        (report.train, report.test, report.left_out),
        (0, files, 0),
        "{report:?}"
    );

    let first: String = std::fs::read_to_string(&report.test_path)
        .unwrap()
        .lines()
        .take(3)
        .map(|l| format!("{l}\n"))
        .collect();
    let three = dir.path().join("three.jsonl");
    std::fs::write(&three, first).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_tracelens"))
        .arg("eval")
        .arg(&three)
        .arg("--model")
        .arg(root().join("models/tracelens-tiny"))
        .args([
            "--prefix",
            "tutorial",
            "--max-tokens",
            "40",
            "--jobs",
            "1",
            "--json",
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let summary: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(summary["trace_accuracy"].is_number(), "{summary}");
}
