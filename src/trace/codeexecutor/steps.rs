//! Trace serialization: steps of a recorded trace as CodeExecutor step strings.

use std::collections::HashMap;

use crate::trace::schema::{Event, Trace};

use super::render_value;

/// One CodeExecutor trace step. `line` is 0-based (the `<i>` token); `state` holds
/// (name, rendered value) pairs in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CeStep {
    Line {
        line: u32,
        state: Vec<(String, String)>,
    },
    Output(String),
}

/// The CodeExecutor steps of a recorded trace (see the module docs for the rules). A local
/// keeps its value over many steps, so each distinct `repr` is rendered once per trace.
pub fn steps_of(trace: &Trace) -> Vec<CeStep> {
    let mut steps = Vec::new();
    let mut printed = String::new();
    let mut rendered: HashMap<&str, String> = HashMap::new();
    for step in &trace.steps {
        printed.push_str(&step.stdout);
        if step.event != Event::Line {
            continue;
        }
        push_output(&mut steps, &mut printed);
        let state = step
            .locals
            .iter()
            .map(|local| {
                let value = rendered
                    .entry(&local.repr)
                    .or_insert_with(|| render_value(&local.repr));
                (local.name.clone(), value.clone())
            })
            .collect();
        steps.push(CeStep::Line {
            line: step.line.saturating_sub(1),
            state,
        });
    }
    push_output(&mut steps, &mut printed);
    steps
}

/// Append an output step for `printed` (whitespace-normalized) unless it is blank; clear it.
fn push_output(steps: &mut Vec<CeStep>, printed: &mut String) {
    let text = printed.split_whitespace().collect::<Vec<_>>().join(" ");
    if !text.is_empty() {
        steps.push(CeStep::Output(text));
    }
    printed.clear();
}

/// The CodeExecutor step strings of a recorded trace.
pub fn trace_steps(trace: &Trace) -> Vec<String> {
    serialize_steps(&steps_of(trace))
}

/// Write steps as CodeExecutor step strings.
pub fn serialize_steps(steps: &[CeStep]) -> Vec<String> {
    steps.iter().map(serialize_step).collect()
}

fn serialize_step(step: &CeStep) -> String {
    match step {
        CeStep::Output(text) => format!("<output> {text}"),
        CeStep::Line { line, state } => {
            let pairs: usize = state.iter().map(|(n, v)| n.len() + v.len() + 14).sum();
            let mut out = String::with_capacity(32 + pairs);
            out.push_str("<line> <");
            out.push_str(&line.to_string());
            out.push_str("> <state> ");
            for (i, (name, value)) in state.iter().enumerate() {
                if i > 0 {
                    out.push_str("<dictsep> ");
                }
                out.push_str(name);
                out.push_str(" : ");
                out.push_str(value);
                out.push(' ');
            }
            out.push_str("</state>");
            out
        }
    }
}
