//! `tracelens dataset trace`, and `--shard I/N` on `dataset trace`, `mutate --batch` and
//! `eval` (with `eval --merge`): the shards' outputs concatenated in order are the output of
//! one unsharded run, byte for byte, and a bad record costs only itself.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use serde_json::Value;

fn tracelens(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_tracelens"))
        .args(args)
        .output()
        .expect("tracelens runs")
}

fn ok(out: Output) -> Output {
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

fn path(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// Run `args` once unsharded and in `count` shards (each writing `--out`), and assert the
/// shards' files concatenated equal the unsharded file; return the unsharded file's bytes.
fn sharded_equals_whole(dir: &Path, args: &[&str], count: usize) -> Vec<u8> {
    // Callers compare several settings in one directory: each run replaces the last one's files.
    let whole = dir.join("whole.jsonl");
    let mut run = args.to_vec();
    run.extend(["--out", path(&whole), "--force"]);
    ok(tracelens(&run));
    let mut joined = Vec::new();
    for index in 0..count {
        let part = dir.join(format!("part{index}.jsonl"));
        let shard = format!("{index}/{count}");
        let mut run = args.to_vec();
        run.extend(["--out", path(&part), "--force", "--shard", &shard]);
        ok(tracelens(&run));
        joined.extend(std::fs::read(&part).unwrap());
    }
    let whole = std::fs::read(&whole).unwrap();
    assert!(
        joined == whole,
        "{count} shards differ from one run:\n{}\n---\n{}",
        String::from_utf8_lossy(&joined),
        String::from_utf8_lossy(&whole)
    );
    whole
}

/// A program that ends the process running it (the sandbox keeps a program from killing its
/// tracer worker itself, so this is the worst crash a program can cause).
const CRASHES: &str = "import os\nprint('bye')\nos._exit(3)\n";

#[test]
fn dataset_trace_fills_every_record_keeps_every_other_line_and_shards_concatenate() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("in.jsonl");
    let mut text = Vec::new();
    let records = [
        serde_json::json!({"id": "a", "code": "x = 1\nprint(x + 1)\n", "tags": ["t"]}),
        serde_json::json!({"id": 7, "code": "s = input()\nprint(s * 2)\n", "stdin": "ab\n"}),
        serde_json::json!({"id": "raises", "code": "x = 1\ny = x / 0\n"}),
        serde_json::json!({"id": "syntax", "code": "def f(:\n"}),
        serde_json::json!({"id": "crashes", "code": CRASHES}),
        serde_json::json!({"id": "after", "code": "print('still here')\n"}),
        serde_json::json!({"id": "address", "code": "it = iter([1])\nprint(it)\n"}),
    ];
    for (i, record) in records.iter().enumerate() {
        text.extend(record.to_string().as_bytes());
        text.push(b'\n');
        if i == 1 {
            text.extend(b"{not json\n\n\xff\xfe binary\n{\"id\": \"no code\"}\n");
        }
    }
    std::fs::write(&input, &text).unwrap();
    let whole = sharded_equals_whole(
        dir.path(),
        &["dataset", "trace", path(&input), "--jobs", "2"],
        3,
    );
    let streamed = ok(tracelens(&[
        "dataset",
        "trace",
        path(&input),
        "--jobs",
        "2",
        "--out",
        "-",
    ]));
    assert!(streamed.stdout == whole, "--out - writes the file's bytes");
    let lines: Vec<&[u8]> = whole.split(|b| *b == b'\n').collect();
    assert_eq!(lines.len(), 12, "one line per input line, then the end");
    assert_eq!(lines[2], b"{not json");
    assert_eq!(lines[3], b"");
    assert_eq!(lines[4], b"\xff\xfe binary");
    assert_eq!(lines[5], br#"{"id": "no code"}"#);
    let json = |i: usize| -> Value { serde_json::from_slice(lines[i]).unwrap() };
    let a = json(0);
    assert_eq!(a["id"], "a");
    assert_eq!(a["tags"], serde_json::json!(["t"]));
    assert_eq!(a["outcome"], "completed");
    assert_eq!(
        a["code_tokens"].as_array().unwrap()[..4],
        ["<0>", "x", "=", "1"]
    );
    let has_step = |record: &Value, step: &str| {
        record["trace"]
            .as_array()
            .unwrap()
            .iter()
            .any(|s| s == step)
    };
    assert_eq!(a["trace"].as_array().unwrap().len(), 3, "{a}");
    assert!(has_step(&a, "<output> 2"), "{a}");
    let keys: Vec<&String> = a.as_object().unwrap().keys().collect();
    assert_eq!(
        keys,
        [
            "id",
            "code",
            "tags",
            "code_tokens",
            "trace",
            "trace_tokens",
            "outcome"
        ]
    );
    let seven = json(1);
    assert!(seven["id"].is_u64(), "an integer id stays an integer");
    assert!(has_step(&seven, "<output> abab"), "{seven}");
    assert_eq!(json(6)["outcome"], "exception");
    let syntax = json(7);
    assert_eq!(syntax["outcome"], "syntax_error");
    assert!(
        syntax["error"]
            .as_str()
            .unwrap()
            .contains("cannot tokenize"),
        "{syntax}"
    );
    assert_eq!(json(8)["outcome"], "crashed");
    assert_eq!(
        json(9)["outcome"],
        "completed",
        "a crash costs only its record"
    );
    assert!(has_step(&json(9), "<output> still here"));
    assert!(
        has_step(&json(10), "<output> <list_iterator object at 0xADDR>"),
        "an address, different in every run, is masked: {}",
        json(10)
    );
}

#[test]
fn dataset_trace_to_stdout_writes_each_line_once_the_lines_before_it_are_traced() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("in.jsonl");
    let lines = [
        serde_json::json!({"id": "quick", "code": "print(1)\n"}),
        serde_json::json!({"id": "slow", "code": "import time\ntime.sleep(60)\n"}),
    ];
    let text: String = lines.iter().map(|l| format!("{l}\n")).collect();
    std::fs::write(&input, text).unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_tracelens"))
        .args(["dataset", "trace", path(&input), "--jobs", "2"])
        .args(["--timeout-ms", "120000", "--out", "-"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut first = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut first)
        .unwrap();
    let still_running = child.try_wait().unwrap().is_none();
    child.kill().unwrap();
    child.wait().unwrap();
    let first: Value = serde_json::from_str(&first).unwrap();
    assert_eq!(first["id"], "quick");
    assert_eq!(first["outcome"], "completed");
    assert!(
        still_running,
        "the first line came out while the second program still ran"
    );
}

#[test]
fn dataset_trace_refuses_to_write_over_its_input() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("in.jsonl");
    std::fs::write(&input, "{\"id\": \"a\", \"code\": \"x = 1\"}\nbad\n").unwrap();
    let out = tracelens(&["dataset", "trace", path(&input), "--out", path(&input)]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("is the input file"));
    assert_eq!(
        std::fs::read_to_string(&input).unwrap(),
        "{\"id\": \"a\", \"code\": \"x = 1\"}\nbad\n"
    );
}

#[test]
fn mutate_batch_shards_concatenate_to_the_whole() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("programs.jsonl");
    let programs = [
        "def f(a, b):\n    if a > b:\n        return a - b\n    return a + b\nprint(f(3, 2))\n",
        "xs = [1, 2, 3]\ntotal = 0\nfor x in xs:\n    total += x * 2\nprint(total)\n",
        "s = 'abc'\nt = s.upper() + s\nprint(len(t) > 4)\n",
        "n = 10\nwhile n > 3:\n    n -= 2\nprint(n)\n",
        "def g(:\n",
    ];
    let mut text = String::new();
    for (i, code) in programs.iter().enumerate() {
        text.push_str(&serde_json::json!({"id": format!("p{i}"), "code": code}).to_string());
        text.push('\n');
    }
    text.push_str("not json\n");
    std::fs::write(&input, text).unwrap();
    let args = [
        "mutate",
        "--batch",
        path(&input),
        "--per-program",
        "3",
        "--seed",
        "5",
        "--jobs",
        "2",
    ];
    let whole = sharded_equals_whole(dir.path(), &args, 3);
    let text = String::from_utf8(whole).unwrap();
    assert!(text.lines().count() > 6, "mutants were kept:\n{text}");
    let unseeded = tracelens(&[
        "mutate",
        "--batch",
        path(&input),
        "--per-program",
        "3",
        "--shard",
        "0/2",
    ]);
    assert!(!unseeded.status.success());
    assert!(String::from_utf8_lossy(&unseeded.stderr).contains("--shard needs --seed"));
}

fn eval_fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/eval")
        .join(name)
}

#[test]
fn eval_shards_merge_into_the_report_of_one_run() {
    let dir = tempfile::tempdir().unwrap();
    for (set, prefix) in [("standard", "codenet"), ("singleline", "singleline")] {
        let (gold, pred) = (
            eval_fixture(&format!("{set}_gold.jsonl")),
            eval_fixture(&format!("{set}_pred.jsonl")),
        );
        let args = [
            "eval",
            "--gold",
            path(&gold),
            "--pred",
            path(&pred),
            "--prefix",
            prefix,
        ];
        let mut whole_run = args.to_vec();
        let whole_out = dir.path().join("whole.jsonl");
        whole_run.extend(["--out", path(&whole_out), "--force"]);
        let table = ok(tracelens(&whole_run)).stdout;
        whole_run.push("--json");
        let summary = ok(tracelens(&whole_run)).stdout;
        let whole_lines = sharded_equals_whole(dir.path(), &args, 4);
        assert!(whole_lines.len() > 100, "{set}: a report was written");
        let parts: Vec<String> = (0..4)
            .map(|i| path(&dir.path().join(format!("part{i}.jsonl"))).to_string())
            .collect();
        let merged_out = dir.path().join("merged.jsonl");
        let merge = |json: bool| {
            let mut run = vec![
                "eval",
                "--prefix",
                prefix,
                "--out",
                path(&merged_out),
                "--force",
            ];
            if json {
                run.push("--json");
            }
            run.push("--merge");
            run.extend(parts.iter().map(String::as_str));
            ok(tracelens(&run)).stdout
        };
        assert_eq!(merge(false), table, "{set}: table");
        assert_eq!(merge(true), summary, "{set}: summary");
        assert!(
            std::fs::read(&merged_out).unwrap() == whole_lines,
            "{set}: merged lines"
        );
    }
    let bad = dir.path().join("bad.jsonl");
    std::fs::write(&bad, "{\"id\": \"x\"}\n").unwrap();
    let out = tracelens(&["eval", "--merge", path(&bad)]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("bad.jsonl:1: not a per-sample line"));
}
