//! `tracelens eval --gold --pred` against the expected values of the Python reference
//! (tests/fixtures/eval/ref_metrics.py, produced by make_fixtures.py).

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/eval")
        .join(name)
}

fn eval(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_tracelens"))
        .arg("eval")
        .args(args)
        .output()
        .expect("run tracelens")
}

fn expected(set: &str) -> Value {
    let text = std::fs::read_to_string(fixture(&format!("{set}_expected.json"))).unwrap();
    serde_json::from_str(&text).unwrap()
}

/// Every key of `want` is in `got` with the same number to two decimals (or both null).
fn assert_same_metrics(got: &Value, want: &Value, what: &str) {
    let (got, want) = (got.as_object().unwrap(), want.as_object().unwrap());
    assert_eq!(
        got.keys().collect::<Vec<_>>(),
        want.keys().collect::<Vec<_>>(),
        "{what}: keys"
    );
    for (key, w) in want {
        let g = &got[key];
        match (g.as_f64(), w.as_f64()) {
            (Some(g), Some(w)) => assert!((g - w).abs() < 0.001, "{what} {key}: {g} != {w}"),
            _ => assert!(g.is_null() && w.is_null(), "{what} {key}: {g} != {w}"),
        }
    }
}

fn check_set(set: &str, options: &[&str]) {
    let gold = fixture(&format!("{set}_gold.jsonl"));
    let pred = fixture(&format!("{set}_pred.jsonl"));
    let dir = tempfile::tempdir().unwrap();
    let report = dir.path().join("report.jsonl");
    let mut args = vec![
        "--gold",
        gold.to_str().unwrap(),
        "--pred",
        pred.to_str().unwrap(),
        "--json",
        "--out",
        report.to_str().unwrap(),
    ];
    args.extend_from_slice(options);
    let out = eval(&args);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let want = expected(set);
    let summary: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_same_metrics(&summary, &want["summary"], "summary");
    let samples = want["samples"].as_object().unwrap();
    let lines = std::fs::read_to_string(&report).unwrap();
    let mut seen = 0;
    for line in lines.lines() {
        let sample: Value = serde_json::from_str(line).unwrap();
        let id = sample["id"].as_str().unwrap();
        assert_same_metrics(&sample["metrics"], &samples[id], id);
        seen += 1;
    }
    assert_eq!(seen, samples.len());
}

#[test]
fn reproduces_the_reference_on_standard_pairs() {
    check_set("standard", &["--prefix", "codenet"]);
}

#[test]
fn the_metric_option_overrides_the_prefix_script() {
    check_set(
        "standard",
        &["--prefix", "singleline", "--metric", "standard"],
    );
    check_set(
        "singleline",
        &["--prefix", "codenet", "--metric", "singleline"],
    );
}

#[test]
fn reproduces_the_reference_on_singleline_pairs() {
    check_set("singleline", &["--prefix", "singleline"]);
}

#[test]
fn report_has_first_divergence_and_groups() {
    let dir = tempfile::tempdir().unwrap();
    let report = dir.path().join("r.jsonl");
    let out = eval(&[
        "--gold",
        fixture("standard_gold.jsonl").to_str().unwrap(),
        "--pred",
        fixture("standard_pred.jsonl").to_str().unwrap(),
        "--out",
        report.to_str().unwrap(),
    ]);
    assert!(out.status.success());
    let table = String::from_utf8(out.stdout).unwrap();
    assert!(table.starts_with("35 samples"), "{table}");
    for needle in [
        "by mutation operator",
        "AOR",
        "by outcome",
        "timeout",
        "by trace length (steps)",
        "6-10",
    ] {
        assert!(table.contains(needle), "missing {needle} in\n{table}");
    }
    let lines = std::fs::read_to_string(&report).unwrap();
    let by_id = |id: &str| -> Value {
        lines
            .lines()
            .map(|l| serde_json::from_str::<Value>(l).unwrap())
            .find(|v| v["id"] == id)
            .unwrap()
    };
    assert!(by_id("exact")["first_divergence"].is_null());
    let wrong = by_id("wrong-value");
    assert_eq!(wrong["first_divergence"]["index"], 1);
    assert_eq!(
        wrong["first_divergence"]["differences"][0],
        serde_json::json!({"kind": "wrong_value", "name": "b", "truth": "2", "predicted": "3"})
    );
    assert_eq!(
        by_id("truncated-pred")["first_divergence"]["differences"][0]["kind"],
        "prediction_truncated"
    );
    assert_eq!(by_id("wrong-value")["op"], "AOR");
    assert_eq!(by_id("loop-exact")["length"], 9);
}

#[test]
fn malformed_lines_and_missing_predictions_are_reported_not_fatal() {
    let dir = tempfile::tempdir().unwrap();
    let gold = dir.path().join("g.jsonl");
    let pred = dir.path().join("p.jsonl");
    std::fs::write(
        &gold,
        "{\"id\": \"a\", \"code\": \"\", \"trace\": [\"<line> <0> <state> x : 1 </state>\"]}\n\
         not json\n\
         {\"id\": \"b\", \"code\": \"\", \"trace\": [\"<line> <0> <state> x : 2 </state>\"]}\n",
    )
    .unwrap();
    std::fs::write(
        &pred,
        "{\"id\": \"a\", \"code\": \"\", \"prediction\": \"<line> <0> <state> x : 1 </state>\"}\n\
         {\"id\": \"zzz\", \"code\": \"\", \"prediction\": \"\"}\n",
    )
    .unwrap();
    let out = eval(&[
        "--gold",
        gold.to_str().unwrap(),
        "--pred",
        pred.to_str().unwrap(),
        "--json",
    ]);
    assert!(out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("g.jsonl:2: skipped malformed record"),
        "{stderr}"
    );
    assert!(
        stderr.contains("1 gold record without a prediction"),
        "{stderr}"
    );
    assert!(
        stderr.contains("1 prediction record without a gold record"),
        "{stderr}"
    );
    let summary: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(summary["trace_accuracy"], 50.0);
    assert!(summary["output_accuracy"].is_null());
}

#[test]
fn missing_files_and_arguments_fail_clearly() {
    let out = eval(&[
        "--gold",
        "/nonexistent/g.jsonl",
        "--pred",
        "/nonexistent/p.jsonl",
    ]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("cannot read /nonexistent/g.jsonl"));
    let out = eval(&[]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("give DATASET.jsonl"));
}
