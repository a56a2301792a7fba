//! The command line as a newcomer meets it (issue 22): nothing a command writes destroys its
//! input or gets an unusual mode, integer ids keep their type, bad arguments are refused before
//! the expensive work, and messages say what happened once, with the right plurals.

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::{json, Value};

fn tracelens(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_tracelens"))
        .args(args)
        .output()
        .expect("the binary runs")
}

/// The binary run by `sh` under `umask 027`.
fn tracelens_with_umask(dir: &Path, args: &str) -> Output {
    Command::new("sh")
        .arg("-c")
        .arg(format!(
            "umask 027; exec \"{}\" {args}",
            env!("CARGO_BIN_EXE_tracelens")
        ))
        .current_dir(dir)
        .output()
        .expect("sh runs")
}

/// `tracelens dataset export INPUT --out OUT --format FORMAT [ARGS]`.
fn export(input: &Path, out: &Path, format_and_args: &[&str]) -> Output {
    let (format, args) = format_and_args.split_first().expect("a format");
    Command::new(env!("CARGO_BIN_EXE_tracelens"))
        .args(["dataset", "export"])
        .arg(input)
        .arg("--out")
        .arg(out)
        .args(["--format", format])
        .args(args)
        .output()
        .expect("the binary runs")
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let path = dir.join(name);
    fs::write(&path, text).unwrap();
    path
}

fn lines_of(path: &Path) -> Vec<Value> {
    fs::read_to_string(path)
        .unwrap()
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect()
}

fn mode(path: &Path) -> u32 {
    fs::metadata(path).unwrap().permissions().mode() & 0o777
}

const TRACED: &str = r#"{"id": "a", "code": "x = 1\n", "trace": ["<line> <0> <state> </state>"]}"#;

/// Ten lines: three records, blank lines and malformed lines.
fn ten_lines() -> String {
    format!("{TRACED}\n\n{{broken\n{TRACED}\nnot json\n\n{TRACED}\n[1]\n\n{{\"id\": 1}}\n")
}

#[test]
fn export_refuses_to_overwrite_its_input() {
    let dir = tempfile::tempdir().unwrap();
    let original = ten_lines();
    let path = write(dir.path(), "same.jsonl", &original);
    for out in ["same.jsonl", "./same.jsonl"] {
        let output = Command::new(env!("CARGO_BIN_EXE_tracelens"))
            .args(["dataset", "export", "same.jsonl", "--format", "tracelens"])
            .args(["--out", out])
            .current_dir(dir.path())
            .output()
            .unwrap();
        assert!(!output.status.success(), "export over its input succeeded");
        assert!(
            stderr(&output).contains("is the input file"),
            "{}",
            stderr(&output)
        );
        assert_eq!(fs::read_to_string(&path).unwrap(), original);
    }
}

#[test]
fn export_writes_code_tokens_derived_as_eval_derives_them() {
    let dir = tempfile::tempdir().unwrap();
    let input = write(dir.path(), "in.jsonl", &format!("{TRACED}\n"));
    let out = dir.path().join("ce.jsonl");
    let output = export(&input, &out, &["codeexecutor"]);
    assert!(output.status.success(), "{}", stderr(&output));
    assert!(
        stderr(&output).contains("wrote 1 record to"),
        "{}",
        stderr(&output)
    );
    let records = lines_of(&out);
    assert_eq!(records.len(), 1);
    let want = tracelens::trace::codeexecutor::code_tokens("x = 1\n").unwrap();
    assert_eq!(records[0]["code_tokens"], json!(want));
}

#[test]
fn an_export_of_nothing_says_so_and_fails_when_every_record_was_skipped() {
    let dir = tempfile::tempdir().unwrap();
    let input = write(
        dir.path(),
        "untraced.jsonl",
        "{\"id\": \"a\", \"code\": \"x = 1\"}\n",
    );
    let out = dir.path().join("ce.jsonl");
    let output = export(&input, &out, &["codeexecutor"]);
    assert!(!output.status.success());
    let text = stderr(&output);
    assert!(text.contains("wrote 0 records"), "{text}");
    assert!(text.contains("every record was skipped"), "{text}");
    let filtered = export(&input, &out, &["tracelens", "--tag", "none", "--force"]);
    assert!(filtered.status.success());
    assert!(stderr(&filtered).contains("no record passed the filter"));
}

#[test]
fn an_unwritable_output_is_reported_once_and_without_temporary_paths() {
    let dir = tempfile::tempdir().unwrap();
    let input = write(dir.path(), "in.jsonl", &format!("{TRACED}\n"));
    let out = dir.path().join("missing/out.jsonl");
    let output = export(&input, &out, &["tracelens"]);
    assert!(!output.status.success());
    let text = stderr(&output);
    assert_eq!(text.matches("os error 2").count(), 1, "{text}");
    assert!(!text.contains(".tracelens-"), "{text}");
}

#[test]
fn integer_ids_are_accepted_and_written_back_as_integers() {
    let dir = tempfile::tempdir().unwrap();
    let input = write(
        dir.path(),
        "ints.jsonl",
        "{\"id\": 7, \"code\": \"x = 1\\n\", \"trace\": [\"<line> <0> <state> </state>\"]}\n\
         {\"id\": \"s\", \"code\": \"y = 2\\n\", \"origin\": {\"id\": 7}}\n",
    );
    let data = tracelens::dataset::DatasetFile::open(&input).expect("integer ids open");
    assert_eq!(data.summary(0).unwrap().id, "7");
    let out = dir.path().join("out.jsonl");
    let output = export(&input, &out, &["tracelens"]);
    assert!(output.status.success(), "{}", stderr(&output));
    let records = lines_of(&out);
    assert_eq!(records[0]["id"], json!(7));
    assert_eq!(records[1]["id"], json!("s"));
    assert_eq!(records[1]["origin"]["id"], json!(7));

    // mutate --batch: an integer id is a program's id, and a bad line keeps its id's type.
    let batch = write(
        dir.path(),
        "batch.jsonl",
        "{\"id\": 7, \"code\": \"x = 1 + 2\\nprint(x)\\n\"}\n{\"id\": 8, \"code\": 5}\n",
    );
    let mutants = dir.path().join("mutants.jsonl");
    let output = tracelens(&[
        "mutate",
        "--batch",
        batch.to_str().unwrap(),
        "--per-program",
        "1",
        "--seed",
        "1",
        "--out",
        mutants.to_str().unwrap(),
    ]);
    assert!(output.status.success(), "{}", stderr(&output));
    let lines = lines_of(&mutants);
    assert!(
        lines.iter().any(|l| l["origin"]["id"] == json!(7)),
        "{lines:?}"
    );
    assert!(lines
        .iter()
        .any(|l| l["id"] == json!(8) && l.get("error").is_some()));
    assert!(
        stderr(&output).contains("2 programs"),
        "{}",
        stderr(&output)
    );
}

#[test]
fn files_get_the_usual_mode_whatever_the_command() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "in.jsonl", &format!("{TRACED}\n"));
    write(
        dir.path(),
        "p.jsonl",
        "{\"id\": 1, \"code\": \"x = 1 + 2\\n\"}\n",
    );
    for (args, out) in [
        (
            "dataset export in.jsonl --format tracelens --out export.jsonl",
            "export.jsonl",
        ),
        ("trace --batch p.jsonl --out traced.jsonl", "traced.jsonl"),
        (
            "mutate --batch p.jsonl --per-program 1 --seed 1 --out mutants.jsonl",
            "mutants.jsonl",
        ),
    ] {
        let output = tracelens_with_umask(dir.path(), args);
        assert!(output.status.success(), "{args}: {}", stderr(&output));
        assert_eq!(mode(&dir.path().join(out)), 0o640, "{args}");
    }
}

#[test]
fn a_codeexecutor_trace_says_how_the_run_ended() {
    let dir = tempfile::tempdir().unwrap();
    let bad = write(dir.path(), "bad.py", "if True\n    x = 1\n");
    let output = tracelens(&["trace", bad.to_str().unwrap(), "--format", "codeexecutor"]);
    assert!(!output.status.success(), "a syntax error exits non-zero");
    let record: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(record["outcome"], json!("syntax_error"));
    assert!(
        stderr(&output).contains("syntax error at line 1"),
        "{}",
        stderr(&output)
    );
    let good = write(dir.path(), "good.py", "x = 1\n");
    let output = tracelens(&["trace", good.to_str().unwrap(), "--format", "codeexecutor"]);
    assert!(output.status.success());
    let record: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(record["outcome"], json!("completed"));
    assert!(output.stderr.is_empty());
}

#[test]
fn garbling_errors_are_plain() {
    let dir = tempfile::tempdir().unwrap();
    let program = write(dir.path(), "p.py", "x = 1\n");
    let output = tracelens(&["trace", program.to_str().unwrap(), "--python", "/bin/echo"]);
    assert!(!output.status.success());
    let text = stderr(&output);
    assert!(
        text.contains("did not answer as a Python interpreter"),
        "{text}"
    );
    assert!(
        !text.contains("-S -c"),
        "echo's output taken for a path: {text}"
    );

    let bad = write(dir.path(), "bad.py", "x = 1\ny = = 2\n");
    let output = tracelens(&["mutate", "--list", bad.to_str().unwrap()]);
    assert!(!output.status.success());
    let text = stderr(&output);
    assert!(text.contains("line 2, column"), "{text}");
    assert!(!text.contains("byte offset"), "{text}");
}

#[test]
fn bad_arguments_are_refused_before_the_work() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let out = out.to_str().unwrap();
    for (args, says) in [
        (vec!["--test-fraction", "1.5"], "not a fraction"),
        (vec!["--count", "0"], "--count 0"),
        (
            vec!["--samples", "/nonexistent/samples"],
            "no such directory",
        ),
    ] {
        let mut all = vec!["dataset", "build", "--stage", "tutorial", "--out", out];
        all.extend(args);
        let output = tracelens(&all);
        assert!(!output.status.success(), "{all:?}");
        assert!(
            stderr(&output).contains(says),
            "{all:?}: {}",
            stderr(&output)
        );
        assert!(!Path::new(out).exists(), "{all:?} wrote something");
    }
    let program = write(dir.path(), "p.py", "x = 1\n");
    let program = program.to_str().unwrap();
    for args in [["--prefix", "foo"], ["--max-tokens", "0"]] {
        let output = tracelens(&["predict", program, args[0], args[1]]);
        assert_eq!(
            output.status.code(),
            Some(2),
            "{args:?}: {}",
            stderr(&output)
        );
        assert!(stderr(&output).contains(args[0]), "{}", stderr(&output));
    }

    // train with no data trains no tokenizer.
    let model = dir.path().join("model");
    let output = tracelens(&["train", "--out", model.to_str().unwrap()]);
    assert!(!output.status.success());
    assert!(
        stderr(&output).contains("no training data"),
        "{}",
        stderr(&output)
    );
    assert!(!model.join("tokenizer.json").exists());

    // eval checks where its report goes before it loads a model and predicts.
    let data = write(dir.path(), "d.jsonl", &format!("{TRACED}\n"));
    let output = tracelens(&[
        "eval",
        data.to_str().unwrap(),
        "--model",
        "/nonexistent/model",
        "--out",
        "/nonexistent/r.jsonl",
    ]);
    assert!(!output.status.success());
    assert!(
        stderr(&output).contains("cannot write /nonexistent/r.jsonl"),
        "{}",
        stderr(&output)
    );
}

#[test]
fn train_prints_its_loss_and_a_finished_run_says_so_on_resume() {
    let dir = tempfile::tempdir().unwrap();
    let data: String = (0..12)
        .map(|n| {
            let code = format!("a = {n}\nb = a * 2\n");
            let record = json!({
                "id": n,
                "code": code,
                "code_tokens": tracelens::trace::codeexecutor::code_tokens(&code).unwrap(),
                "trace": [
                    format!("<line> <0> <state> a : {n} </state>"),
                    format!("<line> <1> <state> a : {n} <dictsep> b : {} </state>", 2 * n),
                ],
            });
            format!("{record}\n")
        })
        .collect();
    let data = write(dir.path(), "single.jsonl", &data);
    let out = dir.path().join("model");
    let train = |extra: &[&str]| {
        let mut args = vec![
            "train",
            "--singleline",
            data.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
            "--steps",
            "3,0,0",
            "--vocab-size",
            "600",
            "--hidden",
            "32",
            "--layers",
            "1",
            "--heads",
            "2",
            "--intermediate",
            "64",
            "--batch-size",
            "2",
            "--shards",
            "1",
            "--max-source",
            "64",
            "--max-target",
            "64",
        ];
        args.extend(extra);
        tracelens(&args)
    };
    let output = train(&[]);
    let text = stderr(&output);
    assert!(output.status.success(), "{text}");
    for want in ["step 1/3", "step 3/3", " loss ", "tok/s", "s left"] {
        assert!(text.contains(want), "{want:?} missing from:\n{text}");
    }
    let output = train(&["--resume"]);
    let text = stderr(&output);
    assert!(output.status.success(), "{text}");
    assert!(text.contains("is finished (step 3 of 3)"), "{text}");
}

#[test]
fn an_existing_output_is_replaced_only_with_force() {
    let dir = tempfile::tempdir().unwrap();
    let programs = write(
        dir.path(),
        "programs.jsonl",
        "{\"id\": \"a\", \"code\": \"x = 1\\nprint(x)\\n\"}\n",
    );
    let traced = dir.path().join("traced.jsonl");
    let fresh = tracelens(&[
        "dataset",
        "trace",
        programs.to_str().unwrap(),
        "--out",
        traced.to_str().unwrap(),
        "--jobs",
        "1",
    ]);
    assert!(fresh.status.success(), "{}", stderr(&fresh));
    let built = dir.path().join("built");
    fs::create_dir(&built).unwrap();
    let mine = "a file of mine\n";
    let out = write(dir.path(), "out.jsonl", mine);
    let stage_file = write(&built, "singleline.train.jsonl", mine);
    let (programs, traced, out_s) = (
        programs.to_str().unwrap(),
        traced.to_str().unwrap(),
        out.to_str().unwrap(),
    );
    let commands: Vec<(Vec<&str>, &Path)> = vec![
        (
            vec!["trace", "--batch", programs, "--out", out_s, "--jobs", "1"],
            &out,
        ),
        (
            vec!["dataset", "trace", programs, "--out", out_s, "--jobs", "1"],
            &out,
        ),
        (
            vec![
                "dataset",
                "export",
                traced,
                "--format",
                "tracelens",
                "--out",
                out_s,
            ],
            &out,
        ),
        (
            vec![
                "mutate",
                "--batch",
                programs,
                "--per-program",
                "1",
                "--out",
                out_s,
                "--jobs",
                "1",
            ],
            &out,
        ),
        (
            vec![
                "dataset",
                "build",
                "--stage",
                "singleline",
                "--count",
                "3",
                "--out",
                built.to_str().unwrap(),
                "--jobs",
                "1",
            ],
            &stage_file,
        ),
    ];
    for (args, target) in &commands {
        fs::write(target, mine).unwrap();
        let refused = tracelens(args);
        assert!(!refused.status.success(), "{args:?} replaced {target:?}");
        assert!(
            stderr(&refused).contains("exists; pass --force to replace it"),
            "{args:?}: {}",
            stderr(&refused)
        );
        assert_eq!(fs::read_to_string(target).unwrap(), mine, "{args:?}");
        let forced = tracelens(&[&args[..], &["--force"]].concat());
        assert!(forced.status.success(), "{args:?}: {}", stderr(&forced));
        assert_ne!(fs::read_to_string(target).unwrap(), mine, "{args:?}");
    }

    // A model directory is trained over only with --force (or continued with --resume).
    let model = dir.path().join("model");
    fs::create_dir(&model).unwrap();
    let weights = write(&model, "model.safetensors", mine);
    let output = tracelens(&[
        "train",
        "--singleline",
        traced,
        "--out",
        model.to_str().unwrap(),
    ]);
    assert!(!output.status.success());
    assert!(stderr(&output).contains("--resume"), "{}", stderr(&output));
    assert_eq!(fs::read_to_string(&weights).unwrap(), mine);
}
