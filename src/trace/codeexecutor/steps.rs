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

/// A step as [`walk`] hands it on: borrowed from the trace and the rendered values.
enum StepRef<'a> {
    Line {
        line: u32,
        state: &'a [(&'a str, &'a str)],
    },
    Output(String),
}

/// Go through the CodeExecutor steps of a recorded trace (see the module docs for the rules).
/// A local keeps its value over many steps, so each distinct `repr` is rendered once per trace.
fn walk(trace: &Trace, on_step: &mut dyn FnMut(StepRef<'_>)) {
    let mut printed = String::new();
    let mut rendered: HashMap<&str, String> = HashMap::new();
    for step in &trace.steps {
        printed.push_str(&step.stdout);
        if step.event != Event::Line {
            continue;
        }
        push_output(on_step, &mut printed);
        for local in &step.locals {
            rendered
                .entry(&local.repr)
                .or_insert_with(|| render_value(&local.repr));
        }
        let state: Vec<(&str, &str)> = step
            .locals
            .iter()
            .map(|local| (local.name.as_str(), rendered[local.repr.as_str()].as_str()))
            .collect();
        on_step(StepRef::Line {
            line: step.line.saturating_sub(1),
            state: &state,
        });
    }
    push_output(on_step, &mut printed);
}

/// The CodeExecutor steps of a recorded trace.
pub fn steps_of(trace: &Trace) -> Vec<CeStep> {
    let mut steps = Vec::new();
    walk(trace, &mut |step| {
        steps.push(match step {
            StepRef::Output(text) => CeStep::Output(text),
            StepRef::Line { line, state } => CeStep::Line {
                line,
                state: state
                    .iter()
                    .map(|(name, value)| (name.to_string(), value.to_string()))
                    .collect(),
            },
        })
    });
    steps
}

/// Hand on an output step for `printed` (whitespace-normalized) unless it is blank; clear it.
fn push_output(on_step: &mut dyn FnMut(StepRef<'_>), printed: &mut String) {
    let text = printed.split_whitespace().collect::<Vec<_>>().join(" ");
    if !text.is_empty() {
        on_step(StepRef::Output(text));
    }
    printed.clear();
}

/// The CodeExecutor step strings of a recorded trace (what `serialize_steps(&steps_of(trace))`
/// gives, without the owned steps in between).
pub fn trace_steps(trace: &Trace) -> Vec<String> {
    let mut steps = Vec::new();
    walk(trace, &mut |step| {
        steps.push(match step {
            StepRef::Output(text) => output_step(&text),
            StepRef::Line { line, state } => line_step(line, state.iter().copied()),
        })
    });
    steps
}

/// Write steps as CodeExecutor step strings.
pub fn serialize_steps(steps: &[CeStep]) -> Vec<String> {
    steps.iter().map(serialize_step).collect()
}

fn serialize_step(step: &CeStep) -> String {
    match step {
        CeStep::Output(text) => output_step(text),
        CeStep::Line { line, state } => {
            line_step(*line, state.iter().map(|(n, v)| (n.as_str(), v.as_str())))
        }
    }
}

fn output_step(text: &str) -> String {
    format!("<output> {text}")
}

/// `<line> <i> <state> n : v <dictsep> ... </state>`.
fn line_step<'a>(line: u32, state: impl Iterator<Item = (&'a str, &'a str)> + Clone) -> String {
    let pairs: usize = state.clone().map(|(n, v)| n.len() + v.len() + 14).sum();
    let mut out = String::with_capacity(32 + pairs);
    out.push_str("<line> <");
    out.push_str(&line.to_string());
    out.push_str("> <state> ");
    for (i, (name, value)) in state.enumerate() {
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
