//! Turning a worker's reply (the child's records plus how it ended) into a `Trace`.
//!
//! Records, one per line: `S` + step, `O` + stdout text, `E` + stderr text, `F` + outcome.
//! A step comes as a JSON array (`WireStep`), which the tracer builds faster than an object.
//! A child that was killed or died leaves no `F` record; its outcome then comes from the
//! worker's status, and every step it finished is kept.

use serde::Deserialize;

use super::schema::{Event, Local, Outcome, OutcomeKind, Step, Trace, Value, SCHEMA_VERSION};
use super::worker::Status;

/// SIGKILL: a child killed without a timeout was killed by the system, which in practice means
/// memory.
const SIGKILL: i32 = 9;

/// A step as the tracer writes it: `[event, line, func, depth, [name, repr, type, name, ...],
/// stdout, [value repr, value type] or null]`.
#[derive(Deserialize)]
struct WireStep(
    Event,
    u32,
    String,
    u32,
    Vec<String>,
    String,
    Option<(String, String)>,
);

impl From<WireStep> for Step {
    fn from(WireStep(event, line, func, depth, flat, stdout, value): WireStep) -> Step {
        let mut parts = flat.into_iter();
        let mut locals = Vec::with_capacity(parts.len() / 3);
        while let (Some(name), Some(repr), Some(ty)) = (parts.next(), parts.next(), parts.next()) {
            locals.push(Local { name, repr, ty });
        }
        Step {
            event,
            line,
            func,
            depth,
            locals,
            stdout,
            value: value.map(|(repr, ty)| Value { repr, ty }),
        }
    }
}

/// Build the trace of one run from the worker's reply.
pub fn assemble(python: &str, status: &Status, payload: &[u8]) -> Trace {
    let mut steps: Vec<Step> = Vec::new();
    let mut stdout = String::new();
    let mut stderr = String::new();
    let mut outcome = None;
    for record in payload.split(|&b| b == b'\n') {
        let Some((&tag, body)) = record.split_first() else {
            continue;
        };
        match tag {
            b'S' => {
                if let Ok(step) = serde_json::from_slice::<WireStep>(body) {
                    steps.push(step.into());
                }
            }
            b'O' => stdout.push_str(&serde_json::from_slice::<String>(body).unwrap_or_default()),
            b'E' => stderr.push_str(&serde_json::from_slice::<String>(body).unwrap_or_default()),
            b'F' => outcome = serde_json::from_slice::<Outcome>(body).ok(),
            _ => {}
        }
    }
    let outcome = outcome.unwrap_or_else(|| outcome_from_status(status, steps.last()));
    Trace {
        version: SCHEMA_VERSION,
        python: python.to_string(),
        outcome,
        steps,
        stdout,
        stderr,
        elapsed_ms: status.elapsed_ms,
    }
}

/// The outcome of a child that left no final record.
fn outcome_from_status(status: &Status, last: Option<&Step>) -> Outcome {
    let (kind, message) = match (status.status.as_str(), status.signal) {
        ("timeout", _) => (
            OutcomeKind::Timeout,
            "the program ran past its time limit and was killed".to_string(),
        ),
        ("signal", Some(SIGKILL)) => (
            OutcomeKind::MemoryLimit,
            "the program was killed by the system (SIGKILL), most likely for memory".to_string(),
        ),
        ("signal", Some(sig)) => (
            OutcomeKind::Crashed,
            format!("the program's process died with signal {sig}"),
        ),
        _ => (
            OutcomeKind::Crashed,
            format!(
                "the program's process ended (status {}) before the tracer finished",
                status.exit.unwrap_or(-1)
            ),
        ),
    };
    Outcome {
        kind,
        message: Some(message),
        line: last.map(|s| s.line),
        column: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn status(kind: &str, signal: Option<i32>) -> Status {
        Status {
            status: kind.into(),
            exit: Some(0),
            signal,
            elapsed_ms: 1.5,
            message: None,
            n: 0,
        }
    }

    const STEP: &str = r#"S["line",2,"<module>",0,["x","1","int"],"hi\n",null]"#;

    #[test]
    fn a_complete_reply_keeps_steps_output_and_outcome() {
        let payload = format!(
            "{STEP}\nO\"hi\\n\"\nE\"warn\"\nF{{\"kind\":\"completed\",\"message\":null,\"line\":null}}\n"
        );
        let trace = assemble("3.11.7", &status("exited", None), payload.as_bytes());
        assert_eq!(trace.steps.len(), 1);
        assert_eq!(trace.steps[0].line, 2);
        assert_eq!(trace.steps[0].stdout, "hi\n");
        assert_eq!(trace.steps[0].value, None);
        let x = &trace.steps[0].locals;
        assert_eq!(
            (x[0].name.as_str(), x[0].repr.as_str(), x[0].ty.as_str()),
            ("x", "1", "int")
        );
        assert_eq!(trace.stdout, "hi\n");
        assert_eq!(trace.stderr, "warn");
        assert_eq!(trace.outcome.kind, OutcomeKind::Completed);
        assert_eq!(trace.python, "3.11.7");
    }

    #[test]
    fn a_killed_child_keeps_its_steps_and_gets_its_outcome_from_the_status() {
        let payload = format!("{STEP}\n");
        let timeout = assemble("3", &status("timeout", None), payload.as_bytes());
        assert_eq!(timeout.outcome.kind, OutcomeKind::Timeout);
        assert_eq!(timeout.outcome.line, Some(2));
        assert_eq!(timeout.steps.len(), 1);
        let segv = assemble("3", &status("signal", Some(11)), b"");
        assert_eq!(segv.outcome.kind, OutcomeKind::Crashed);
        let oom = assemble("3", &status("signal", Some(SIGKILL)), b"");
        assert_eq!(oom.outcome.kind, OutcomeKind::MemoryLimit);
    }
}
