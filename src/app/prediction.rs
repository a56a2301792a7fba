//! The prediction pane's operations on the explorer: a new trace asks for a prediction,
//! switching greedy / beam search, the divergence jumps, and handing requests to the model
//! worker (`crate::model::worker::ModelWorker`). The pane's own state is
//! [`super::pane::prediction`].

use std::sync::mpsc::Sender;

use super::action::Action;
use super::pane::prediction::BEAM_SIZE;
use super::state::App;
use crate::model::worker::ModelWorker;

/// A trace was put on show in `app` (called by `update`).
pub(super) fn trace_changed(app: &mut App) {
    let Some(view) = app.stepping.view.as_ref() else {
        return;
    };
    let code = view.code_lines.join("\n") + "\n";
    app.prediction.trace_changed(&view.trace, &code);
}

/// Switch greedy / beam search and predict again.
pub(super) fn toggle_beam(app: &mut App) {
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
    let found = if next {
        let here = pane.row_of_raw(app.stepping.step);
        let mut row = pane.alignment.next_divergence(here);
        // Rows that show at the current step are not "next".
        while let Some(r) = row {
            if pane.raw_of_row(r) != Some(app.stepping.step) || here.is_none() {
                break;
            }
            row = pane.alignment.next_divergence(Some(r));
        }
        row
    } else {
        pane.alignment.first_divergence()
    };
    match found.and_then(|r| pane.raw_of_row(r)) {
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

/// Start the model worker for `app`'s model directory, its events sent as `Action::Model`.
pub fn spawn_worker(app: &App, events: Sender<Action>) -> Option<ModelWorker> {
    let dir = app.prediction.dir.clone()?;
    Some(ModelWorker::for_dir(dir, move |event| {
        // A closed channel means the explorer is closing.
        let _ = events.send(Action::Model(event));
    }))
}

/// Hand the pane's pending cancel and request to the worker.
pub fn dispatch(app: &mut App, worker: Option<&ModelWorker>) {
    let cancel = app.prediction.take_cancel();
    let request = app.prediction.take_request();
    let Some(worker) = worker else {
        return;
    };
    match request {
        // A new request cancels the running generation by itself.
        Some(request) => worker.request(request),
        None if cancel => worker.cancel(),
        None => {}
    }
}
