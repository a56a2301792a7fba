//! The stored-prediction view's operations on the explorer: a loaded dataset record shows
//! its stored prediction in the prediction pane instead of running the live model (the switch
//! key flips between the two), the browser column's score of each record, the divergence
//! jumps over a stored trace, and the verdicts of answers scored in the background. The
//! view's own state is [`super::pane::stored`]; reading and scoring a record's prediction is
//! [`super::stored_prediction`].

use super::command::Command;
use super::pane::prediction::Truth;
use super::scope::Scope;
use super::state::App;
use super::stored_prediction::{read, score_of, score_record, Stored};
use super::{causal, prediction};
use crate::cruxeval::score::Verdict;
use crate::dataset::Record;

/// Record `index` (`record`) was loaded into the editor.
pub(super) fn record_loaded(app: &mut App, index: usize, record: &Record) {
    if let Some(browser) = app.browser.as_mut() {
        score_record(&mut browser.file, index);
    }
    app.stored.load(index, read(record));
}

/// A trace was put on show: link a stored trace to it, and run the live model (a CodeExecutor
/// model or a causal LM) only when the pane shows it.
pub(super) fn trace_changed(app: &mut App) {
    if app.stored.shown.is_some() {
        if let Some(view) = app.stepping.view.as_ref() {
            app.stored.trace_changed(Truth::of(view.trace()));
        }
    }
    if !app.stored.active() {
        live_trace_changed(app);
    }
}

/// The live panes learn of the trace on show.
fn live_trace_changed(app: &mut App) {
    prediction::trace_changed(app);
    causal::trace_changed(app);
}

/// Switch the prediction pane between the stored prediction and the live model.
pub(super) fn toggle(app: &mut App) {
    if app.stored.shown.is_none() {
        app.message = Some(if app.browser.is_some() {
            "this sample has no stored prediction".to_string()
        } else {
            let open = app.keymap.key_label(Scope::Global, Command::OpenDataset);
            format!("stored predictions are in datasets ({open} opens one)")
        });
        return;
    }
    app.stored.prefer_stored = !app.stored.prefer_stored;
    if app.stored.prefer_stored {
        app.message = Some("prediction pane: the stored prediction".into());
        return;
    }
    app.message = Some(if app.prediction.is_off() {
        "prediction pane: live model (off: --model none)".to_string()
    } else {
        "prediction pane: live model".to_string()
    });
    live_trace_changed(app);
}

/// Jump to the stored trace's first (or next) divergence.
pub(super) fn jump_to_divergence(app: &mut App, next: bool) {
    let Some(shown) = app.stored.shown.as_ref() else {
        return;
    };
    let found = match (&shown.stored, &shown.truth) {
        (Ok(Stored::Trace(t)), Some(truth)) => {
            truth.divergence_step(&t.alignment, app.stepping.step, next)
        }
        (Ok(Stored::Trace(_)), None) => {
            app.message = Some(
                "the record's trace is not this run's: the stored prediction is not linked to steps"
                    .into(),
            );
            return;
        }
        (Ok(Stored::Answers(_)), _) => {
            app.message = Some("the stored prediction is an answer, not a trace".into());
            return;
        }
        (Err(_), _) => {
            app.message = Some("the stored prediction cannot be read".into());
            return;
        }
    };
    match found {
        Some(raw) => app.stepping.step = raw,
        None if next => app.message = Some("no further divergence".into()),
        None => app.message = Some("the stored prediction does not diverge".into()),
    }
}

/// The verdicts of check `id` arrived: show them and update the record's score.
pub(super) fn checked(app: &mut App, id: u64, result: Result<Vec<Verdict>, String>) {
    let Some((index, verdicts)) = app.stored.on_checked(id, result) else {
        return;
    };
    let (Some(browser), Some(shown)) = (app.browser.as_mut(), app.stored.shown.as_ref()) else {
        return;
    };
    let stored = shown.stored.clone().map(Some);
    let _ = browser
        .file
        .set_score(index, score_of(&stored, Some(&verdicts)));
}
