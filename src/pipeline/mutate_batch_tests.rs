//! Batch pipeline tests with a scripted tracer: drop reasons counted exactly, deterministic
//! choice for a seed, and bad inputs reported in their own line while the batch goes on.

use super::*;
use crate::trace::{Event, Local, Outcome, Step};

const PROGRAM: &str = "x = 1\ny = x + 2\nprint(y)\n";

fn trace(kind: OutcomeKind, stdout: &str) -> Trace {
    Trace {
        version: 1,
        python: "3.11.7".into(),
        outcome: Outcome {
            kind,
            message: None,
            line: None,
            column: None,
        },
        steps: vec![Step {
            event: Event::Line,
            line: 1,
            func: "<module>".into(),
            depth: 0,
            locals: vec![Local {
                name: "x".into(),
                repr: "1".into(),
                ty: "int".into(),
            }],
            stdout: stdout.into(),
            value: None,
        }],
        stdout: stdout.into(),
        stderr: String::new(),
        elapsed_ms: 1.0,
    }
}

/// The scripted outcome of a program: a rule on its text.
fn scripted(code: &str) -> Result<Trace, String> {
    if code == PROGRAM || code.contains("x + 3") {
        return Ok(trace(OutcomeKind::Completed, "3\n"));
    }
    if code.contains("x - 2") {
        return Ok(trace(OutcomeKind::Timeout, ""));
    }
    if code.contains("print(y)") && code.contains("pass") {
        return Ok(trace(OutcomeKind::Exception, ""));
    }
    if code.contains("y = x + 0") {
        return Err("worker died".into());
    }
    Ok(trace(OutcomeKind::Completed, code))
}

fn tracer(reqs: &[TraceRequest], done: &(dyn Fn(usize) + Sync)) -> Vec<Result<Trace, String>> {
    reqs.iter()
        .enumerate()
        .map(|(i, r)| {
            done(i + 1);
            scripted(&r.code)
        })
        .collect()
}

fn options(per_program: usize, seed: u64) -> BatchOptions {
    BatchOptions {
        per_program,
        seed,
        keep_exceptions: false,
        limits: Limits::default(),
        first: 0,
    }
}

fn program(id: &str, code: &str) -> Input {
    Ok(Program {
        id: id.into(),
        code: code.into(),
        stdin: String::new(),
    })
}

fn json_lines(outputs: &[Output]) -> Vec<String> {
    outputs.iter().map(|o| o.to_json().to_string()).collect()
}

#[test]
fn drop_reasons_are_counted_per_mutant() {
    let all = mutants(PROGRAM).unwrap();
    let (outputs, report) = run(
        vec![program("p", PROGRAM)],
        &options(1000, 1),
        &tracer,
        &|_, _| {},
    );
    // Expected counts, from the scripted rule applied to every mutant.
    let mut expected: BTreeMap<String, usize> = BTreeMap::new();
    let mut kept = 0;
    for m in &all {
        let reason = match scripted(&m.code) {
            Err(_) => Some("tracer_error"),
            Ok(t) if t.outcome.kind == OutcomeKind::Timeout => Some("timeout"),
            Ok(t) if t.outcome.kind == OutcomeKind::Exception => Some("exception"),
            Ok(t) if t.stdout == "3\n" => Some("same_trace"),
            Ok(_) => None,
        };
        match reason {
            Some(r) => *expected.entry(r.to_string()).or_default() += 1,
            None => kept += 1,
        }
    }
    for reason in ["timeout", "exception", "same_trace", "tracer_error"] {
        assert!(
            expected.get(reason).copied().unwrap_or(0) > 0,
            "{reason} not exercised"
        );
    }
    assert_eq!(report.dropped, expected);
    assert_eq!(outputs.len(), kept);
    assert_eq!(report.kept.values().sum::<usize>(), kept);
    assert_eq!(report.generated.values().sum::<usize>(), all.len());
    assert_eq!(report.traced, all.len());
    assert_eq!(report.tracer_error.as_deref(), Some("worker died"));
    let Output::Mutant(record) = &outputs[0] else {
        panic!("expected a record");
    };
    let origin = record.origin.as_ref().unwrap();
    assert_eq!(origin.id, "p");
    let mutation = origin.mutation.as_ref().unwrap();
    let source = all.iter().find(|m| m.code == record.code).unwrap();
    assert_eq!(record.id, format!("p-{:02}", source.mutation.id).as_str());
    assert_eq!(mutation.op, source.mutation.op.code());
    assert_eq!(record.outcome.as_deref(), Some("completed"));
    assert!(!record.code_tokens.is_empty() && !record.trace.is_empty());
}

#[test]
fn exceptions_are_kept_on_request() {
    let mut opts = options(1000, 1);
    let (_, dropping) = run(vec![program("p", PROGRAM)], &opts, &tracer, &|_, _| {});
    opts.keep_exceptions = true;
    let (outputs, keeping) = run(vec![program("p", PROGRAM)], &opts, &tracer, &|_, _| {});
    let exceptions = dropping.dropped["exception"];
    assert!(!keeping.dropped.contains_key("exception"));
    let with_exception = outputs
        .iter()
        .filter(|o| matches!(o, Output::Mutant(r) if r.outcome.as_deref() == Some("exception")))
        .count();
    assert_eq!(with_exception, exceptions);
}

#[test]
fn choice_is_deterministic_for_a_seed_and_duplicates_are_dropped() {
    let inputs = || vec![program("a", PROGRAM), program("b", "n = 5\nm = n * 2\n")];
    let (first, _) = run(inputs(), &options(3, 42), &tracer, &|_, _| {});
    let (again, _) = run(inputs(), &options(3, 42), &tracer, &|_, _| {});
    let (other, _) = run(inputs(), &options(3, 43), &tracer, &|_, _| {});
    assert_eq!(json_lines(&first), json_lines(&again));
    assert_ne!(json_lines(&first), json_lines(&other));
    // Deleting either `not` gives the same source: the second one is a duplicate.
    let (_, report) = run(
        vec![program("d", "v = not not w\n")],
        &options(10, 1),
        &tracer,
        &|_, _| {},
    );
    assert_eq!(report.dropped.get("duplicate"), Some(&1));
}

#[test]
fn bad_inputs_get_an_error_line_and_the_batch_goes_on() {
    let inputs = vec![
        program("ok1", PROGRAM),
        program("broken", "def f(:\n    pass\n"),
        Err(Malformed {
            id: "line 3".into(),
            error: "expected value".into(),
        }),
        program("ok2", "n = 5\nm = n * 2\n"),
    ];
    let (outputs, report) = run(inputs, &options(2, 7), &tracer, &|_, _| {});
    assert_eq!(report.program_errors, 2);
    let lines: Vec<JsonValue> = outputs.iter().map(Output::to_json).collect();
    let ids: Vec<&str> = lines.iter().map(|l| l["id"].as_str().unwrap()).collect();
    let broken = ids.iter().position(|id| *id == "broken").unwrap();
    assert_eq!(lines[broken]["outcome"], "syntax_error");
    assert!(lines[broken]["error"]
        .as_str()
        .unwrap()
        .contains("does not parse"));
    assert_eq!(ids[broken + 1], "line 3");
    assert!(ids[..broken].iter().all(|id| id.starts_with("ok1-")));
    assert!(ids[broken + 2..].iter().all(|id| id.starts_with("ok2-")));
    assert!(ids.len() > 3);
}
