//! The samples against the real interpreter (issue 2): every sample completes, hand-checked
//! step sequences (the call-ordering rule, a `for` header's per-iteration steps, caught and
//! propagating exceptions, a while loop, methods), determinism, and `tracelens trace` itself.

mod tracer_support;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use tracelens::trace::{Limits, OutcomeKind, Trace, TraceRequest};
use tracer_support::{brief, briefs, pool, trace};

fn samples_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("samples")
}

fn sample_request(name: &str) -> TraceRequest {
    let path = samples_dir().join(name);
    let code = std::fs::read_to_string(&path).expect("sample exists");
    let stdin = std::fs::read_to_string(path.with_extension("stdin")).unwrap_or_default();
    TraceRequest {
        code,
        stdin,
        limits: Limits::default(),
    }
}

fn trace_sample(name: &str) -> Trace {
    let t = pool().trace(&sample_request(name)).expect("pool answers");
    assert_eq!(
        t.outcome.kind,
        OutcomeKind::Completed,
        "{name}: {:?}",
        t.outcome
    );
    t
}

/// The steps from the first one equal to `first`, `len` of them.
fn window(trace: &Trace, first: &str, len: usize) -> Vec<String> {
    let all = briefs(trace);
    let start = all
        .iter()
        .position(|s| s == first)
        .unwrap_or_else(|| panic!("no step {first:?} in\n{}", all.join("\n")));
    all[start..(start + len).min(all.len())].to_vec()
}

#[test]
fn every_sample_completes() {
    let mut names: Vec<String> = std::fs::read_dir(samples_dir())
        .expect("samples/")
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().to_string())
        .filter(|n| n.ends_with(".py"))
        .collect();
    names.sort();
    assert!(names.len() >= 12, "{names:?}");
    assert!(names.contains(&"bubble_sort.py".to_string()));
    let reqs: Vec<TraceRequest> = names.iter().map(|n| sample_request(n)).collect();
    for (name, result) in names.iter().zip(pool().trace_many(&reqs, &|_| {})) {
        let t = result.expect("pool answers");
        assert_eq!(
            t.outcome.kind,
            OutcomeKind::Completed,
            "{name}: {:?}",
            t.outcome
        );
        assert!(!t.steps.is_empty(), "{name}");
        assert!(!t.stdout.is_empty(), "{name} prints its result");
    }
}

#[test]
fn factorial_steps_follow_the_call_ordering_rule() {
    let t = trace_sample("factorial.py");
    let expected = [
        "line 1 <module>@0",
        "call 1 factorial@1 n=4",
        "line 2 factorial@1 n=4",
        "call 1 factorial@2 n=3",
        "line 2 factorial@2 n=3",
        "call 1 factorial@3 n=2",
        "line 2 factorial@3 n=2",
        "call 1 factorial@4 n=1",
        "line 2 factorial@4 n=1",
        "line 3 factorial@4 n=1",
        "return 3 factorial@4 n=1 -> 1",
        "line 4 factorial@3 n=2",
        "return 4 factorial@3 n=2 -> 2",
        "line 4 factorial@2 n=3",
        "return 4 factorial@2 n=3 -> 6",
        "line 4 factorial@1 n=4",
        "return 4 factorial@1 n=4 -> 24",
        // Line 7 completes only after the whole call: its step comes after the callee's.
        "line 7 <module>@0 value=24",
        "line 8 <module>@0 value=24 | \"4! = 24\\n\"",
    ];
    assert_eq!(briefs(&t), expected);
    assert_eq!(t.stdout, "4! = 24\n");
}

#[test]
fn safe_divide_has_per_iteration_header_steps_and_a_caught_exception() {
    let t = trace_sample("safe_divide.py");
    let expected = [
        "line 1 <module>@0",
        "line 9 <module>@0 ratios=[]",
        "line 10 <module>@0 ratios=[], divisor=2",
        "call 1 safe_divide@1 a=10, b=2",
        "line 2 safe_divide@1 a=10, b=2",
        "line 3 safe_divide@1 a=10, b=2, result=5.0",
        "line 6 safe_divide@1 a=10, b=2, result=5.0",
        "return 6 safe_divide@1 a=10, b=2, result=5.0 -> 5.0",
        "line 11 <module>@0 ratios=[5.0], divisor=2",
        "line 10 <module>@0 ratios=[5.0], divisor=0",
        "call 1 safe_divide@1 a=10, b=0",
        "line 2 safe_divide@1 a=10, b=0",
        "line 3 safe_divide@1 a=10, b=0",
        "exception 3 safe_divide@1 a=10, b=0 -> ZeroDivisionError('division by zero')",
        "line 4 safe_divide@1 a=10, b=0",
        "line 5 safe_divide@1 a=10, b=0, result=None",
        "line 6 safe_divide@1 a=10, b=0, result=None",
        "return 6 safe_divide@1 a=10, b=0, result=None -> None",
        "line 11 <module>@0 ratios=[5.0, None], divisor=0",
        "line 10 <module>@0 ratios=[5.0, None], divisor=4",
        "call 1 safe_divide@1 a=10, b=4",
        "line 2 safe_divide@1 a=10, b=4",
        "line 3 safe_divide@1 a=10, b=4, result=2.5",
        "line 6 safe_divide@1 a=10, b=4, result=2.5",
        "return 6 safe_divide@1 a=10, b=4, result=2.5 -> 2.5",
        "line 11 <module>@0 ratios=[5.0, None, 2.5], divisor=4",
        // The header's last check, which ends the loop, is a step too.
        "line 10 <module>@0 ratios=[5.0, None, 2.5], divisor=4",
        "line 12 <module>@0 ratios=[5.0, None, 2.5], divisor=4 | \"[5.0, None, 2.5]\\n\"",
    ];
    assert_eq!(briefs(&t), expected);
}

#[test]
fn gcd_lcm_nests_three_functions_and_steps_the_while_condition() {
    let t = trace_sample("gcd_lcm.py");
    let expected = [
        "call 7 lcm@2 a=4, b=6",
        "call 1 gcd@3 a=4, b=6",
        "line 2 gcd@3 a=4, b=6",
        "line 3 gcd@3 a=6, b=4",
        "line 2 gcd@3 a=6, b=4",
        "line 3 gcd@3 a=4, b=2",
        "line 2 gcd@3 a=4, b=2",
        "line 3 gcd@3 a=2, b=0",
        "line 2 gcd@3 a=2, b=0",
        "line 4 gcd@3 a=2, b=0",
        "return 4 gcd@3 a=2, b=0 -> 2",
        "line 8 lcm@2 a=4, b=6",
        "return 8 lcm@2 a=4, b=6 -> 12",
        "line 14 lcm_of@1 values=[4, 6, 10], result=12, v=6",
        "line 13 lcm_of@1 values=[4, 6, 10], result=12, v=10",
    ];
    assert_eq!(window(&t, expected[0], expected.len()), expected);
    let last = t.steps.last().map(brief);
    assert_eq!(last.as_deref(), Some("line 18 <module>@0  | \"60\\n\""));
}

#[test]
fn binary_search_returns_minus_one_when_the_window_closes() {
    let t = trace_sample("binary_search.py");
    let expected = [
        "line 8 binary_search@1 items=[1, 3, 5, 7, 9, 11], target=4, lo=1, hi=1, mid=0",
        "line 3 binary_search@1 items=[1, 3, 5, 7, 9, 11], target=4, lo=1, hi=1, mid=0",
        "line 4 binary_search@1 items=[1, 3, 5, 7, 9, 11], target=4, lo=1, hi=1, mid=1",
        "line 5 binary_search@1 items=[1, 3, 5, 7, 9, 11], target=4, lo=1, hi=1, mid=1",
        "line 7 binary_search@1 items=[1, 3, 5, 7, 9, 11], target=4, lo=1, hi=1, mid=1",
        "line 8 binary_search@1 items=[1, 3, 5, 7, 9, 11], target=4, lo=2, hi=1, mid=1",
        "line 3 binary_search@1 items=[1, 3, 5, 7, 9, 11], target=4, lo=2, hi=1, mid=1",
        "line 11 binary_search@1 items=[1, 3, 5, 7, 9, 11], target=4, lo=2, hi=1, mid=1",
        "return 11 binary_search@1 items=[1, 3, 5, 7, 9, 11], target=4, lo=2, hi=1, mid=1 -> -1",
        "line 16 <module>@0 data=[1, 3, 5, 7, 9, 11], found=3, missing=-1",
    ];
    assert_eq!(window(&t, expected[0], expected.len()), expected);
}

#[test]
fn parse_ages_shows_an_exception_passing_through_a_folded_comprehension() {
    let t = trace_sample("parse_ages.py");
    let expected = [
        "call 3 parse_age@2 text='-3'",
        "line 4 parse_age@2 text='-3', age=-3",
        "line 5 parse_age@2 text='-3', age=-3",
        "line 6 parse_age@2 text='-3', age=-3",
        "exception 6 parse_age@2 text='-3', age=-3 -> ValueError('negative age: -3')",
        // The list comprehension has no frame of its own: parse_all sees the exception.
        "line 11 parse_all@1 texts=['12', '-3']",
        "exception 11 parse_all@1 texts=['12', '-3'] -> ValueError('negative age: -3')",
        "line 18 <module>@0 batches=[['31', '7'], ['12', '-3'], ['abc']], good=[[31, 7]], batch=['12', '-3']",
        "exception 18 <module>@0 batches=[['31', '7'], ['12', '-3'], ['abc']], good=[[31, 7]], batch=['12', '-3'] -> ValueError('negative age: -3')",
        "line 19 <module>@0 batches=[['31', '7'], ['12', '-3'], ['abc']], good=[[31, 7]], batch=['12', '-3'], error=ValueError('negative age: -3')",
        "line 20 <module>@0 batches=[['31', '7'], ['12', '-3'], ['abc']], good=[[31, 7]], batch=['12', '-3'] | \"skipped: negative age: -3\\n\"",
    ];
    assert_eq!(window(&t, expected[0], expected.len()), expected);
}

#[test]
fn bank_account_methods_see_self_and_the_caught_error() {
    let t = trace_sample("bank_account.py");
    let expected = [
        "call 10 withdraw@1 self=Account(owner='ada', balance=15.5), amount=100",
        "line 11 withdraw@1 self=Account(owner='ada', balance=15.5), amount=100",
        "line 12 withdraw@1 self=Account(owner='ada', balance=15.5), amount=100",
        "exception 12 withdraw@1 self=Account(owner='ada', balance=15.5), amount=100 -> ValueError('insufficient funds')",
        "line 23 <module>@0 acct=Account(owner='ada', balance=15.5)",
        "exception 23 <module>@0 acct=Account(owner='ada', balance=15.5) -> ValueError('insufficient funds')",
        "line 24 <module>@0 acct=Account(owner='ada', balance=15.5), err=ValueError('insufficient funds')",
        "line 25 <module>@0 acct=Account(owner='ada', balance=15.5), message='insufficient funds'",
    ];
    assert_eq!(window(&t, expected[0], expected.len()), expected);
    // Its own __repr__ never runs: `self` is shown from its attributes, none yet on the call.
    let init = t
        .steps
        .iter()
        .find(|s| s.func == "__init__")
        .expect("__init__");
    assert_eq!(init.locals[0].repr, "Account()");
}

#[test]
fn samples_reading_stdin_see_their_stdin_file() {
    assert_eq!(
        trace_sample("word_count.py").stdout,
        "the: 3\nsat: 2\ncat: 1\n"
    );
    assert_eq!(trace_sample("temperatures.py").stdout, "mean: 70.2 F\n");
}

#[test]
fn an_uncaught_exception_is_the_outcome_with_its_line() {
    let t = trace("def check(x):\n    if x > 2:\n        raise KeyError(x)\n\nfor i in range(5):\n    check(i)\n");
    assert_eq!(t.outcome.kind, OutcomeKind::Exception);
    assert_eq!(t.outcome.message.as_deref(), Some("KeyError: 3"));
    assert_eq!(t.outcome.line, Some(3));
    assert!(t.stderr.contains("Traceback") && t.stderr.contains("KeyError: 3"));
    assert!(
        !t.stderr.contains("tracer.py"),
        "only the program's frames: {}",
        t.stderr
    );
}

#[test]
fn traces_are_deterministic_across_runs_and_workers() {
    let code = "words = {'pear', 'apple', 'fig', 'kiwi', 'plum', 'lime'}\nordered = list(words)\ncounts = {w: len(w) for w in words}\nimport random\nroll = random.random()\n";
    let reqs: Vec<TraceRequest> = (0..6)
        .map(|_| TraceRequest {
            code: code.to_string(),
            ..TraceRequest::default()
        })
        .collect();
    let traces: Vec<Vec<String>> = pool()
        .trace_many(&reqs, &|_| {})
        .into_iter()
        .map(|t| briefs(&t.expect("pool answers")))
        .collect();
    for other in &traces[1..] {
        assert_eq!(&traces[0], other);
    }
}

fn run_cli(args: &[&str], stdin: impl AsRef<[u8]>) -> (bool, String, String) {
    use std::io::Write;
    let mut child = Command::new(env!("CARGO_BIN_EXE_tracelens"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run tracelens");
    if let Some(mut input) = child.stdin.take() {
        input.write_all(stdin.as_ref()).expect("write stdin");
    }
    let out = child.wait_with_output().expect("wait");
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).to_string(),
        String::from_utf8_lossy(&out.stderr).to_string(),
    )
}

#[test]
fn the_cli_traces_a_file_with_its_stdin_file() {
    let file = samples_dir().join("temperatures.py");
    let (ok, stdout, stderr) = run_cli(&["trace", &file.display().to_string()], "");
    assert!(ok, "{stderr}");
    let t: Trace = serde_json::from_str(&stdout).expect("trace JSON");
    assert_eq!(t.outcome.kind, OutcomeKind::Completed);
    assert_eq!(t.stdout, "mean: 70.2 F\n");
}

#[test]
fn a_cli_batch_keeps_input_order_and_reports_bad_records_in_place() {
    let input = [
        r#"{"id": "a", "code": "x = 1\nprint(x)\n"}"#,
        "not json",
        r#"{"id": 7, "stdin": "hi\n", "code": "s = input()\n"}"#,
        r#"{"id": "no-code"}"#,
        r#"{"id": "slow", "code": "while True: pass\n"}"#,
        r#"{"id": "z", "code": "y = (\n"}"#,
    ]
    .join("\n");
    let mut input = input.into_bytes();
    input.extend_from_slice(b"\n{\"id\": \"bytes\", \"code\": \"\xff\"}\n");
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("out.jsonl");
    let out_arg = out.display().to_string();
    let args = [
        "trace",
        "--batch",
        "-",
        "--out",
        &out_arg,
        "--jobs",
        "2",
        "--timeout-ms",
        "300",
    ];
    let (ok, _, stderr) = run_cli(&args, &input);
    assert!(ok, "{stderr}");
    let text = std::fs::read_to_string(&out).expect("output written");
    let lines: Vec<serde_json::Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).expect("JSON line"))
        .collect();
    assert_eq!(lines.len(), 7);
    assert_eq!(lines[0]["id"], "a");
    assert_eq!(lines[0]["trace"]["outcome"]["kind"], "completed");
    assert_eq!(lines[0]["trace"]["stdout"], "1\n");
    assert!(lines[1]["error"].as_str().unwrap_or("").contains("line 2"));
    assert_eq!(lines[2]["id"], 7);
    assert_eq!(lines[2]["trace"]["steps"][0]["locals"][0]["repr"], "'hi'");
    assert_eq!(lines[3]["id"], "no-code");
    assert!(lines[3]["error"].as_str().unwrap_or("").contains("code"));
    assert_eq!(lines[4]["trace"]["outcome"]["kind"], "timeout");
    assert_eq!(lines[5]["trace"]["outcome"]["kind"], "syntax_error");
    assert_eq!(lines[6]["error"], "line 7: not UTF-8");
}

#[test]
fn the_cli_prints_the_published_codeexecutor_example() {
    let (ok, stdout, stderr) = run_cli(
        &["trace", "-", "--format", "codeexecutor"],
        "s = ['x', 'y', 'z']\n",
    );
    assert!(ok, "{stderr}");
    let record: serde_json::Value = serde_json::from_str(&stdout).expect("record JSON");
    let code: Vec<&str> = record["code_tokens"]
        .as_array()
        .expect("code_tokens")
        .iter()
        .filter_map(|t| t.as_str())
        .collect();
    assert_eq!(code.join(" "), "<0> s = [ 'x' , 'y' , 'z' ]");
    assert_eq!(
        record["trace"][0],
        "<line> <0> <state> s : [ x , y , z ] </state>"
    );
    assert_eq!(record["trace_tokens"][0], "<line>");
}
