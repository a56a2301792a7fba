//! `tracelens eval CRUXEVAL.jsonl --task ...` from the command line: the prediction formats,
//! raw generations extracted with `--prompt`, warnings for missing and unknown ids, `--out`
//! (atomic, usual mode, never replacing a file without `--force`), and clear errors.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

fn samples() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/cruxeval/score/samples.jsonl")
}

fn eval(args: &[&str], pred: Option<&Path>) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_tracelens"));
    command.arg("eval").arg(samples()).args(args);
    if let Some(pred) = pred {
        command.arg("--pred").arg(pred);
    }
    command.output().unwrap()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[test]
fn jsonl_predictions_with_missing_and_unknown_ids() {
    let dir = tempfile::tempdir().unwrap();
    let pred = dir.path().join("pred.jsonl");
    std::fs::write(
        &pred,
        concat!(
            "{\"id\": \"sample_add\", \"predictions\": [\"3\", \"4\"]}\n",
            "{\"id\": \"sample_upper\", \"prediction\": \"'AB!'\"}\n",
            "{\"id\": \"sample_upper\", \"prediction\": \"f('ab')\"}\n",
            "{\"id\": \"nowhere\", \"prediction\": \"1\"}\n",
            "broken\n",
        ),
    )
    .unwrap();
    let run = eval(&["--task", "output", "--json"], Some(&pred));
    assert!(run.status.success(), "{}", text(&run.stderr));
    let stderr = text(&run.stderr);
    assert!(stderr.contains("pred.jsonl:5: skipped"), "{stderr}");
    assert!(
        stderr.contains("10 records without a prediction"),
        "{stderr}"
    );
    assert!(
        stderr.contains("1 prediction id not in the dataset"),
        "{stderr}"
    );
    let summary: Value = serde_json::from_slice(&run.stdout).unwrap();
    assert_eq!(summary["samples"], 12);
    // add: 1 of 2, upper: 1 of 2 (the other skipped), the 10 others: one empty answer each.
    assert_eq!(summary["answers"], 14);
    let expected = (0.5 + 0.5) / 12.0 * 100.0;
    assert!((summary["pass@1"].as_f64().unwrap() - expected).abs() < 1e-9);
    assert_eq!(summary["failed_answers"]["skipped"], 1);
    assert_eq!(summary["failed_answers"]["syntax_error"], 10);
}

#[test]
fn raw_generations_are_extracted_with_the_prompt_kind() {
    let dir = tempfile::tempdir().unwrap();
    let pred = dir.path().join("generations.json");
    std::fs::write(
        &pred,
        r#"{"sample_add": ["assert f(1, 2) == 3\n", "think\n[ANSWER]\nassert f(1, 2) == 4\n[/ANSWER]"],
            "sample_tuple": ["[THOUGHT]\nassert f(0, 'x') == (0, 'x')\n[/THOUGHT]\n[ANSWER]\nassert f('x', 0) == (0, 'x')\n[/ANSWER]"]}"#,
    )
    .unwrap();
    let out = dir.path().join("report.jsonl");
    let run = eval(
        &[
            "--task",
            "output",
            "--prompt",
            "cot",
            "--out",
            out.to_str().unwrap(),
        ],
        Some(&pred),
    );
    assert!(run.status.success(), "{}", text(&run.stderr));
    assert!(text(&run.stdout).contains("CRUXEval-O, cot prompt: 12 samples"));
    let lines: Vec<Value> = std::fs::read_to_string(&out)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines[0]["id"], "sample_add");
    // Chain of thought reads after `[ANSWER]`: the first generation has none, so its answer
    // is what follows `==`; the second's is 4.
    assert_eq!(lines[0]["predictions"], serde_json::json!(["3", "4"]));
    assert_eq!(lines[0]["verdicts"][0]["reason"], "passed");
    assert_eq!(lines[0]["verdicts"][1]["reason"], "wrong_value");
    let tuple = lines.iter().find(|l| l["id"] == "sample_tuple").unwrap();
    assert_eq!(tuple["predictions"], serde_json::json!(["(0, 'x')"]));
    assert_eq!(tuple["verdicts"][0]["passed"], true);
    // The report reads back as predictions.
    let again = eval(&["--task", "output", "--json"], Some(&out));
    assert!(again.status.success(), "{}", text(&again.stderr));
    let summary: Value = serde_json::from_slice(&again.stdout).unwrap();
    assert_eq!(summary["answers"], 13);
}

#[cfg(unix)]
#[test]
fn out_is_never_replaced_without_force_and_has_the_usual_mode() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let pred = dir.path().join("pred.jsonl");
    std::fs::write(&pred, "{\"id\": \"sample_add\", \"prediction\": \"3\"}\n").unwrap();
    let out = dir.path().join("report.jsonl");
    let args = ["--task", "output", "--out", out.to_str().unwrap()];
    assert!(eval(&args, Some(&pred)).status.success());
    let mode = std::fs::metadata(&out).unwrap().permissions().mode() & 0o777;
    // The usual mode: 0666 less the umask (at least owner read and write, never execute).
    assert_eq!(mode & 0o600, 0o600, "{mode:o}");
    assert_eq!(mode & 0o111, 0, "{mode:o}");
    std::fs::write(&out, "mine\n").unwrap();
    let refused = eval(&args, Some(&pred));
    assert!(!refused.status.success());
    assert!(
        text(&refused.stderr).contains("--force"),
        "{}",
        text(&refused.stderr)
    );
    assert_eq!(std::fs::read_to_string(&out).unwrap(), "mine\n");
    // Not even --force writes over an input.
    let over_input = eval(
        &[
            "--task",
            "output",
            "--force",
            "--out",
            pred.to_str().unwrap(),
        ],
        Some(&pred),
    );
    assert!(!over_input.status.success());
    assert!(
        text(&over_input.stderr).contains("input file"),
        "{}",
        text(&over_input.stderr)
    );
    let forced = eval(
        &[
            "--task",
            "output",
            "--force",
            "--out",
            out.to_str().unwrap(),
        ],
        Some(&pred),
    );
    assert!(forced.status.success());
    assert!(std::fs::read_to_string(&out)
        .unwrap()
        .contains("sample_add"));
}

#[test]
fn bad_input_gets_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let pred = dir.path().join("pred.json");
    std::fs::write(&pred, "{\"sample_add\": 3}").unwrap();
    let run = eval(&["--task", "input"], Some(&pred));
    assert!(!run.status.success());
    assert!(
        text(&run.stderr).contains("no predictions read"),
        "{}",
        text(&run.stderr)
    );

    let run = eval(&["--task", "input"], None);
    assert!(
        text(&run.stderr).contains("give --pred FILE"),
        "{}",
        text(&run.stderr)
    );

    let run = eval(&[], Some(&pred));
    assert!(
        text(&run.stderr).contains("--pred goes with --gold"),
        "{}",
        text(&run.stderr)
    );

    let run = eval(
        &[
            "--task",
            "output",
            "--model",
            "/nonexistent",
            "--prompt",
            "direct",
        ],
        None,
    );
    assert!(!run.status.success());
    assert!(
        text(&run.stderr).contains("not available yet"),
        "{}",
        text(&run.stderr)
    );
}
