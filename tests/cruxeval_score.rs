//! The CRUXEval scorer against an independent reimplementation of CRUXEval's
//! `evaluate_generations` (scripts/cruxeval_reference.py):
//! - on generated answer fixtures (scripts/make_score_fixtures.py; skips, timeouts, syntax
//!   errors, exceptions, SystemExit, samples with fewer than 5 answers): every verdict with
//!   its reason, and pass@1 / pass@5 as the same floating-point numbers;
//! - on CodeLlama-7B's published generations (../shared/cruxeval/codellama-7b, from CRUXEval's
//!   repository with the official per-answer verdicts), through `tracelens eval --task`:
//!   pass@1 34.2125 (O) and 35.95 (I) and the official verdict for each of the 16,000 answers.
//!   Skipped, with a notice, when ../shared/cruxeval is absent.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::Command;

use serde::Deserialize;
use serde_json::Value;
use tracelens::cruxeval::predictions::read_predictions;
use tracelens::cruxeval::report::{Report, SampleResult};
use tracelens::cruxeval::score::{print_check, score_all, Reason};
use tracelens::cruxeval::{read_samples, Task};
use tracelens::trace::{PoolOptions, TracerPool};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The number after `"key":` in JSON `text`, parsed exactly (serde_json's default float
/// parsing may miss by one ulp, and these figures must be the same floating-point numbers).
fn number(text: &str, key: &str) -> f64 {
    let quoted = format!("\"{key}\":");
    let at = text.find(&quoted).unwrap_or_else(|| panic!("no {key}")) + quoted.len();
    let token: String = text[at..]
        .trim_start()
        .chars()
        .take_while(|c| c.is_ascii_digit() || "+-.eE".contains(*c))
        .collect();
    token.parse().unwrap()
}

#[derive(Deserialize)]
struct Expected {
    samples: BTreeMap<String, Vec<ExpectedVerdict>>,
}

#[derive(Deserialize, PartialEq, Debug)]
struct ExpectedVerdict {
    passed: bool,
    reason: String,
    #[serde(rename = "type")]
    kind: Option<String>,
}

fn score_fixture(task: Task) {
    let dir = root().join("tests/fixtures/cruxeval/score");
    let samples = read_samples(&dir.join("samples.jsonl")).unwrap().samples;
    let mut predictions =
        read_predictions(&dir.join(format!("{}.generations.json", task.as_str()))).unwrap();
    let answers: Vec<Vec<String>> = samples
        .iter()
        .map(|s| predictions.answers.remove(&s.id).unwrap())
        .collect();
    let expected_text =
        std::fs::read_to_string(dir.join(format!("{}.expected.json", task.as_str()))).unwrap();
    let expected: Expected = serde_json::from_str(&expected_text).unwrap();
    let pool = TracerPool::start(PoolOptions::default()).unwrap();
    let verdicts = score_all(&pool, task, &samples, &answers, &|_| {});
    let mut reasons = std::collections::BTreeSet::new();
    for ((sample, answers), verdicts) in samples.iter().zip(&answers).zip(&verdicts) {
        for ((answer, got), want) in answers
            .iter()
            .zip(verdicts)
            .zip(&expected.samples[&sample.id])
        {
            let got = ExpectedVerdict {
                passed: got.passed(),
                reason: got.reason.as_str().to_string(),
                kind: got.detail.clone(),
            };
            assert_eq!(
                &got,
                want,
                "{} {}: answer {answer:?}",
                task.as_str(),
                sample.id
            );
            reasons.insert(got.reason);
        }
    }
    for reason in [
        "passed",
        "skipped",
        "wrong_value",
        "exception",
        "timeout",
        "syntax_error",
    ] {
        assert!(
            reasons.contains(reason),
            "the fixture lacks a `{reason}` answer"
        );
    }
    let report = Report {
        task,
        prompt: None,
        samples: samples
            .iter()
            .zip(answers)
            .zip(verdicts)
            .map(|((s, a), v)| SampleResult::new(s, a, v))
            .collect(),
    };
    assert_eq!(report.pass_at_1(), number(&expected_text, "pass_at_1"));
    assert_eq!(report.pass_at_5(), number(&expected_text, "pass_at_5"));
}

#[test]
fn output_answers_are_scored_as_the_reference_scores_them() {
    score_fixture(Task::Output);
}

#[test]
fn input_answers_are_scored_as_the_reference_scores_them() {
    score_fixture(Task::Input);
}

/// `tracelens eval --task TASK --pred` on CodeLlama-7B's generations against the official
/// scores, when ../shared/cruxeval is present.
fn codellama(task: Task, pass_at_1: f64) {
    let shared = root().join("../shared/cruxeval");
    if !shared.join("codellama-7b").exists() {
        eprintln!(
            "SKIP: {} is absent; CodeLlama-7B's official scores were not reproduced",
            shared.join("codellama-7b").display()
        );
        return;
    }
    let name = task.as_str();
    let generations = shared.join(format!(
        "codellama-7b/sample_codellama-7b_temp0.2_{name}.generations.json"
    ));
    let scored_text = std::fs::read_to_string(shared.join(format!(
        "codellama-7b/sample_scored_codellama-7b_temp0.2_{name}.json"
    )))
    .unwrap();
    let scored: Value = serde_json::from_str(&scored_text).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("report.jsonl");
    let run = Command::new(env!("CARGO_BIN_EXE_tracelens"))
        .arg("eval")
        .arg(shared.join("cruxeval.jsonl"))
        .args(["--task", name, "--json", "--pred"])
        .arg(&generations)
        .arg("--out")
        .arg(&out)
        .output()
        .unwrap();
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let summary = String::from_utf8(run.stdout).unwrap();
    let ours = number(&summary, "pass@1");
    assert!((ours - pass_at_1).abs() < 1e-9, "pass@1 {ours}");
    assert_eq!(ours, number(&scored_text, "pass_at_1"));
    assert_eq!(
        number(&summary, "pass@5"),
        number(&scored_text, "pass_at_5")
    );
    let official = &scored["raw_scored_generations"];
    let mut answers = 0;
    for line in std::fs::read_to_string(&out).unwrap().lines() {
        let sample: Value = serde_json::from_str(line).unwrap();
        let id = sample["id"].as_str().unwrap();
        let ours: Vec<bool> = sample["verdicts"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v["passed"].as_bool().unwrap())
            .collect();
        let theirs: Vec<bool> = serde_json::from_value(official[id].clone()).unwrap();
        assert_eq!(ours, theirs, "{name} {id}");
        answers += ours.len();
    }
    assert_eq!(answers, 8000);
}

#[test]
fn codellama_output_predictions_score_as_published() {
    codellama(Task::Output, 34.2125);
}

#[test]
fn codellama_input_predictions_score_as_published() {
    codellama(Task::Input, 35.95);
}

#[test]
fn print_answers_are_checked_against_the_real_stdout() {
    let pool = TracerPool::start(PoolOptions::default()).unwrap();
    let stdout = "it's\n\"quoted\"\n";
    assert!(print_check(&pool, stdout, r#""it's\n\"quoted\"\n""#).passed());
    assert!(print_check(&pool, stdout, r#"'it\'s\n"quoted"\n'"#).passed());
    let wrong = print_check(&pool, stdout, "'its'");
    assert_eq!(wrong.reason, Reason::WrongValue);
    assert_eq!(
        print_check(&pool, stdout, "'open").reason,
        Reason::SyntaxError
    );
}
