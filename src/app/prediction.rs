//! The prediction pane's operations on the explorer: a new trace asks for a prediction,
//! switching greedy / beam search, the divergence jumps, and handing requests to the model
//! worker (`crate::model::worker::ModelWorker`). The pane's own state is
//! [`super::pane::prediction`].

use std::path::PathBuf;
use std::sync::mpsc::Sender;

use super::action::Action;
use super::pane::causal::CausalPane;
use super::pane::prediction::{PredictionPane, BEAM_SIZE};
use super::state::App;
use crate::model::causal::is_causal_model;
use crate::model::worker::ModelWorker;

/// A trace was put on show in `app` (called by `update`).
pub(super) fn trace_changed(app: &mut App) {
    let Some(view) = app.stepping.view.as_ref() else {
        return;
    };
    let code = view.code_lines.join("\n") + "\n";
    app.prediction.trace_changed(view.trace(), &code);
}

/// Switch greedy / beam search and predict again.
pub(super) fn toggle_beam(app: &mut App) {
    if app.causal.is_active() {
        app.message =
            Some("beam search is for CodeExecutor models; the causal LM decodes greedily".into());
        return;
    }
    if app.prediction.is_off() {
        app.message = Some("the prediction pane is off (--model none)".into());
        return;
    }
    app.prediction.beam = if app.prediction.beam == 1 {
        BEAM_SIZE
    } else {
        1
    };
    app.message = Some(match app.prediction.beam {
        1 => "prediction: greedy".to_string(),
        n => format!("prediction: beam {n}"),
    });
    trace_changed(app);
}

/// Jump to the first divergence (`next`: the next one after the current step's row).
pub(super) fn jump_to_divergence(app: &mut App, next: bool) {
    let pane = &app.prediction;
    match pane
        .truth()
        .divergence_step(&pane.alignment, app.stepping.step, next)
    {
        Some(raw) => app.stepping.step = raw,
        None => {
            app.message = Some(if pane.is_off() {
                "no model is loaded (--model none): there is no prediction".to_string()
            } else if pane.text.is_empty() {
                "no prediction yet".to_string()
            } else if next {
                "no further divergence".to_string()
            } else {
                "the prediction does not diverge".to_string()
            })
        }
    }
}

/// Use the model at `path` (`None`: no model): a causal LM goes to the live monologue pane
/// ([`super::pane::causal`]), anything else is a CodeExecutor model directory. The event loop
/// starts the model worker for it.
pub fn set_model(app: &mut App, path: Option<PathBuf>) {
    // Request ids go on from the old panes', so a late event of the old worker is stale.
    let past = app.causal.model.latest().max(app.prediction.model.latest());
    let causal = path.as_deref().is_some_and(is_causal_model);
    if causal {
        app.causal = CausalPane::new(path);
        app.prediction = PredictionPane::new(None);
    } else {
        app.causal = CausalPane::new(None);
        app.prediction = PredictionPane::new(path);
    }
    app.causal.skip_ids(past);
    app.prediction.model.skip_ids(past);
}

/// Use the model picked in the app (`none` turns the pane off): the event loop restarts the
/// model worker, and the program on show is asked about again.
pub(super) fn pick_model(app: &mut App, text: &str) {
    let text = text.trim();
    if text.is_empty() {
        return;
    }
    let path = (text != "none").then(|| PathBuf::from(text));
    set_model(app, path);
    app.model_picked();
    app.message = Some(if app.causal.is_active() {
        format!("model {text}: a causal LM (the pane shows its monologue)")
    } else if app.prediction.is_off() {
        "the prediction pane is off".to_string()
    } else {
        format!("model {text}: a CodeExecutor model")
    });
    trace_changed(app);
    super::causal::trace_changed(app);
}

/// Start the model worker for `app`'s model (the causal LM of the live pane, else the
/// CodeExecutor model directory), its events sent as `Action::Model`.
pub fn spawn_worker(app: &App, events: Sender<Action>) -> Option<ModelWorker> {
    let path = app
        .causal
        .model
        .path
        .clone()
        .or_else(|| app.prediction.model.path.clone())?;
    Some(ModelWorker::for_path(path, move |event| {
        // A closed channel means the explorer is closing.
        let _ = events.send(Action::Model(event));
    }))
}

/// Hand the model panes' pending cancel and request (a trace to predict, or a prompt to
/// continue: only one pane is in use) to the worker.
pub fn dispatch(app: &mut App, worker: Option<&ModelWorker>) {
    let cancel = app.prediction.take_cancel() | app.causal.take_cancel();
    let trace = app.prediction.take_request();
    let generate = app.causal.take_request();
    let Some(worker) = worker else {
        return;
    };
    // A new request cancels the running generation by itself.
    match (trace, generate) {
        (Some(request), _) => worker.request(request),
        (None, Some(request)) => worker.generate(request),
        (None, None) if cancel => worker.cancel(),
        (None, None) => {}
    }
}
