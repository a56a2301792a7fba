//! The live causal-LM pane's operations on the explorer: a new trace asks the model about the
//! program (the loaded CRUXEval record's output or input prediction, else what the program
//! prints), worker events and check results come in with the truth they are held against,
//! the paragraph keys, the jump from a paragraph to its line's first step, and the jump to the
//! first step where the model's proposed input runs differently. The pane's own state is
//! [`super::pane::causal`].

use super::state::App;
use crate::cruxeval::question::Question;
use crate::cruxeval::{Sample, Task};
use crate::dataset::source::cruxeval_call;
use crate::model::worker::WorkerEvent;
use crate::trace::{Event, Step, Trace};

/// The steps of the trace on show (none before the first trace).
fn truth(app: &App) -> &[Step] {
    app.stepping.view.as_ref().map_or(&[], |v| v.steps())
}

/// The question the traced program asks: the loaded CRUXEval record (its `f`, edited or not,
/// as long as the program still ends with the record's call) in the pane's task, else "what
/// does this program print".
pub fn question_for(app: &App) -> Question {
    let code = app.latest_code();
    let record = app.browser.as_ref().and_then(|b| {
        let (index, ..) = b.loaded.as_ref()?;
        b.file.record(*index).ok()
    });
    if let Some(record) = record {
        let field = |name: &str| record.extra.get(name)?.as_str().map(str::to_string);
        if let (Some(input), Some(output)) = (field("input"), field("output")) {
            if let Some(f) = code.strip_suffix(&cruxeval_call(&input)) {
                return Question::Record {
                    sample: Sample {
                        id: record.id.to_string(),
                        code: f.to_string(),
                        input,
                        output,
                    },
                    task: app.causal.task,
                };
            }
        }
    }
    let stdin = app.editor.stdin_text();
    Question::Print {
        code: code.trim_end_matches('\n').to_string(),
        stdin: stdin.strip_suffix('\n').unwrap_or(&stdin).to_string(),
    }
}

/// A trace was put on show (called by `update`): ask about it.
pub(super) fn trace_changed(app: &mut App) {
    if !app.causal.is_active() {
        return;
    }
    let question = question_for(app);
    let Some(view) = app.stepping.view.as_ref() else {
        return;
    };
    let trace: &Trace = view.trace();
    app.causal.ask(question, trace);
}

/// One model worker event for the pane.
pub(super) fn on_model_event(app: &mut App, event: WorkerEvent) {
    let App {
        causal, stepping, ..
    } = app;
    causal.on_event(event, stepping.view.as_ref().map_or(&[], |v| v.steps()));
}

/// One check worker result for the pane.
pub(super) fn on_checked(app: &mut App, id: u64, result: Result<Trace, String>) {
    let App {
        causal, stepping, ..
    } = app;
    causal.on_checked(
        id,
        result,
        stepping.view.as_ref().map_or(&[], |v| v.steps()),
    );
}

/// Select the next (`by` 1) or previous (-1) paragraph of the monologue.
pub(super) fn select_paragraph(app: &mut App, by: isize) {
    if !app.causal.is_active() {
        app.message = Some("no causal LM is loaded: there is no monologue".into());
        return;
    }
    if app.causal.select(by).is_none() {
        app.message = Some("the monologue has no paragraphs yet".into());
    }
}

/// Jump to the first step on the selected paragraph's line.
pub(super) fn jump_to_paragraph_line(app: &mut App) {
    let pane = &app.causal;
    let Some(selected) = pane.selected else {
        app.message = Some(if pane.is_active() {
            "select a paragraph of the monologue first".to_string()
        } else {
            "no causal LM is loaded: there is no monologue".to_string()
        });
        return;
    };
    let Some(line) = pane.monologue.paragraphs.get(selected).and_then(|p| p.line) else {
        app.message = Some("the selected paragraph names no line".into());
        return;
    };
    match truth(app)
        .iter()
        .position(|s| s.event == Event::Line && s.line == line)
    {
        Some(step) => app.stepping.step = step,
        None => app.message = Some(format!("line {line} never ran")),
    }
}

/// Switch a CRUXEval record's question between output and input prediction, and ask again.
pub(super) fn switch_task(app: &mut App) {
    if !app.causal.is_active() {
        app.message = Some("no causal LM is loaded".into());
        return;
    }
    let task = app.causal.switch_task();
    app.message = Some(match (&question_for(app), task) {
        (Question::Print { .. }, _) => {
            "CRUXEval task: the program is no CRUXEval record; it is asked what it prints"
                .to_string()
        }
        (_, Task::Output) => "CRUXEval task: output prediction".to_string(),
        (_, Task::Input) => "CRUXEval task: input prediction".to_string(),
    });
    trace_changed(app);
}

/// Jump to the first step where the model's proposed input runs differently from the
/// record's input (the step of the record's run).
pub(super) fn jump_to_input_difference(app: &mut App) {
    use super::pane::causal::InputRun;
    match &app.causal.input_run {
        InputRun::Done {
            first_difference: Some(step),
            ..
        } => app.stepping.step = (*step).min(truth(app).len().saturating_sub(1)),
        InputRun::Done { .. } => {
            app.message = Some("the proposed input runs exactly as the record's".into())
        }
        InputRun::Running { .. } => {
            app.message = Some("the proposed input is still being traced".into())
        }
        InputRun::Failed { message, .. } => {
            app.message = Some(format!("the proposed input could not be traced: {message}"))
        }
        InputRun::None => {
            app.message =
                Some("no proposed input to compare (ask a CRUXEval record's input)".into())
        }
    }
}
