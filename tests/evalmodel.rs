//! `tracelens eval DATASET.jsonl --model DIR` with the tiny random parity model: the scores
//! equal what `--gold --pred` gives when it reads the written report back as predictions,
//! `--jobs 2` equals `--jobs 1`, bad records are reported while the run goes on, and model
//! problems are one clear error.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::{json, Value};

fn fixture(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(rel)
}

fn eval(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_tracelens"))
        .arg("eval")
        .args(args)
        .env_remove("TRACELENS_MODEL")
        .output()
        .expect("run tracelens")
}

fn success(out: &Output) -> String {
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(out.status.success(), "{stderr}");
    stderr
}

/// The hand-written gold records of the metric fixtures (no code, so the model sees an empty
/// program) and three real programs: the scorable records, in `scorable.jsonl`. The dataset
/// adds one that cannot be tokenized, one without a trace and a malformed line.
fn write_dataset(dir: &Path) -> PathBuf {
    let mut text = std::fs::read_to_string(fixture("eval/standard_gold.jsonl")).unwrap();
    let real = [
        json!({"id": "real-1", "code": "x = 1\ny = x + 2\n",
               "trace": ["<line> <0> <state> x : 1 </state>",
                         "<line> <1> <state> x : 1 <dictsep> y : 3 </state>"]}),
        json!({"id": "real-2", "code": "for i in range(2):\n    print(i)\n",
               "trace": ["<line> <0> <state> i : 0 </state>", "<output> 0",
                         "<line> <1> <state> i : 0 </state>"],
               "origin": {"id": "real", "mutation":
                          {"op": "ROR", "line": 1, "before": "<", "after": ">"}}}),
        json!({"id": "real-3", "code": "s = 'ab'\nt = s * 2\n",
               "code_tokens": ["<0>", "s", "=", "'ab'", "<1>", "t", "=", "s", "*", "2"],
               "trace": ["<line> <0> <state> s : 'ab' </state>"]}),
    ];
    let unscorable = [
        json!({"id": "bad-code", "code": "x = 'unterminated\n",
               "trace": ["<line> <0> <state> </state>"]}),
        json!({"id": "no-trace", "code": "x = 1\n"}),
    ];
    let push = |text: &mut String, records: &[Value]| {
        for record in records {
            text.push_str(&record.to_string());
            text.push('\n');
        }
    };
    push(&mut text, &real);
    std::fs::write(dir.join("scorable.jsonl"), &text).unwrap();
    push(&mut text, &unscorable);
    text.push_str("this line is not json\n");
    let path = dir.join("dataset.jsonl");
    std::fs::write(&path, text).unwrap();
    path
}

fn model_dir() -> String {
    fixture("parity/tiny").to_str().unwrap().to_string()
}

/// Run the dataset form with `jobs`; the JSON summary, the report lines and stderr.
fn predict_and_score(dataset: &Path, report: &Path, jobs: &str) -> (Value, String, String) {
    let model = model_dir();
    let out = eval(&[
        dataset.to_str().unwrap(),
        "--model",
        &model,
        "--max-tokens",
        "24",
        "--jobs",
        jobs,
        "--json",
        "--out",
        report.to_str().unwrap(),
    ]);
    let stderr = success(&out);
    let summary = serde_json::from_slice(&out.stdout).unwrap();
    (summary, std::fs::read_to_string(report).unwrap(), stderr)
}

#[test]
fn scores_equal_the_gold_pred_form_and_jobs_do_not_change_results() {
    let dir = tempfile::tempdir().unwrap();
    let dataset = write_dataset(dir.path());
    let report = dir.path().join("report.jsonl");
    let (summary, lines, stderr) = predict_and_score(&dataset, &report, "1");

    for needle in [
        "dataset.jsonl:41: skipped malformed record",
        "bad-code: cannot tokenize",
        "no-trace: no `trace` to score against",
    ] {
        assert!(stderr.contains(needle), "missing {needle:?} in {stderr}");
    }
    let samples: Vec<Value> = lines
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(samples.len(), 38, "35 fixture records and 3 real programs");
    assert!(samples.iter().all(|s| s["prediction"].is_string()));
    assert!(samples.iter().any(|s| s["prediction"] != ""));

    // The report itself, read back as the predictions of the --gold --pred form.
    let rescored = dir.path().join("rescored.jsonl");
    let out = eval(&[
        "--gold",
        dir.path().join("scorable.jsonl").to_str().unwrap(),
        "--pred",
        report.to_str().unwrap(),
        "--json",
        "--out",
        rescored.to_str().unwrap(),
    ]);
    success(&out);
    let rescored: Vec<Value> = std::fs::read_to_string(&rescored)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(rescored, samples);
    let gold_form: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(gold_form, summary);

    let report2 = dir.path().join("report2.jsonl");
    let (summary2, lines2, _) = predict_and_score(&dataset, &report2, "2");
    assert_eq!(summary2, summary);
    assert_eq!(lines2, lines);
}

#[test]
fn model_problems_are_one_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let dataset = write_dataset(dir.path());
    let data = dataset.to_str().unwrap();

    let out = eval(&[data, "--model", "/nonexistent/model"]);
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("model directory /nonexistent/model does not exist"),
        "{stderr}"
    );

    let out = eval(&[data, "--model", "none"]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("needs a model"));

    let broken = dir.path().join("broken");
    std::fs::create_dir(&broken).unwrap();
    for file in [
        "config.json",
        "vocab.json",
        "merges.txt",
        "added_tokens.json",
    ] {
        std::fs::copy(fixture("parity/tiny").join(file), broken.join(file)).unwrap();
    }
    std::fs::write(broken.join("model.safetensors"), b"not a safetensors file").unwrap();
    let out = eval(&[data, "--model", broken.to_str().unwrap()]);
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("cannot load the model in"), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");

    let out = eval(&["/nonexistent/data.jsonl", "--model", &model_dir()]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("cannot read /nonexistent/data.jsonl"));
}
