//! The prediction pane and divergence view, headless: model worker events injected into
//! `update` (newest request wins, stale events dropped, cancel on edit, load failure), the
//! divergence jump keys, the side-by-side variables, a render snapshot at a mismatch, and one
//! run of the real (tiny parity) model through the worker.

mod support;

use std::path::PathBuf;
use std::sync::mpsc;
use std::time::Duration;

use crossterm::event::{KeyCode, KeyModifiers};
use tracelens::app::pane::model_slot::{GenerationStatus, ModelState};
use tracelens::app::pane::prediction::{PredictionPane, BEAM_SIZE};
use tracelens::app::prediction;
use tracelens::app::{update, Action, App, AppOptions, Focus};
use tracelens::model::worker::WorkerEvent;
use tracelens::model::{Partial, Prediction, StopReason};
use tracelens::trace::codeexecutor::trace_steps;
use tracelens::trace::Trace;

use support::{buffer_rows, deliver, fixture_trace, manifest, press, read_fixture, render};

fn trace() -> Trace {
    fixture_trace("sum_squares.trace.json")
}

/// The explorer on sum_squares.py with its trace delivered and a model directory set.
fn app_with_model(dir: &str) -> App {
    let code = read_fixture("sum_squares.py");
    let mut app = App::new(AppOptions::new(Some(PathBuf::from("sum_squares.py")), code));
    app.prediction = PredictionPane::new(Some(PathBuf::from(dir)));
    update(&mut app, Action::TracerReady(Ok(())));
    update(&mut app, Action::Resize(120, 32));
    deliver(&mut app, trace());
    app
}

fn model_event(app: &mut App, event: WorkerEvent) {
    update(app, Action::Model(event));
}

fn ready(app: &mut App) {
    let model = "models/tiny".to_string();
    model_event(
        app,
        WorkerEvent::Loading {
            model: model.clone(),
        },
    );
    model_event(app, WorkerEvent::Ready { model });
}

/// The app with the model ready, the prediction `text` delivered and the stepping pane focused.
fn predicted_app(text: &str) -> App {
    let mut app = app_with_model("models/tiny");
    ready(&mut app);
    let id = app.prediction.take_request().unwrap().id;
    model_event(&mut app, done(id, text));
    app.focus = Focus::Stepping;
    app
}

fn partial(id: u64, text: &str) -> WorkerEvent {
    WorkerEvent::Partial {
        id,
        partial: Partial {
            text: text.into(),
            tokens: text.split(' ').count(),
            tokens_per_s: 50.0,
        },
    }
}

fn done(id: u64, text: &str) -> WorkerEvent {
    WorkerEvent::Done {
        id,
        prediction: Prediction {
            input_ids: vec![],
            output_ids: vec![0; 40],
            text: text.into(),
            stop: StopReason::Eos,
            elapsed: Duration::from_millis(800),
            tokens_per_s: 50.0,
        },
    }
}

/// The truth's steps as CodeExecutor step strings.
fn gold_steps() -> Vec<String> {
    trace_steps(&trace())
}

/// The gold trace with one wrong value: `total` is 2 instead of 1 after the second call.
fn mismatching_text() -> (String, usize) {
    let mut steps = gold_steps();
    let at = steps
        .iter()
        .position(|s| s.contains("total : 1"))
        .expect("sum_squares has total = 1 at some step");
    steps[at] = steps[at].replace("total : 1", "total : 2");
    (steps.join(" "), at)
}

fn key(app: &mut App, c: char) {
    let mods = if c.is_uppercase() {
        KeyModifiers::SHIFT
    } else {
        KeyModifiers::NONE
    };
    press(app, KeyCode::Char(c), mods);
}

fn screen(app: &App) -> String {
    let rows = buffer_rows(render(app, 120, 32).backend().buffer());
    rows.into_iter().map(|row| row + "\n").collect()
}

#[test]
fn a_new_trace_queues_one_request_and_stale_events_are_dropped() {
    let mut app = app_with_model("models/tiny");
    ready(&mut app);
    let request = app.prediction.take_request().expect("a request is queued");
    assert_eq!(request.id, app.prediction.model.latest());
    assert!(request.code_tokens.iter().any(|t| t == "square"));
    assert_eq!(request.opts.beam, 1);
    assert!(app.prediction.take_request().is_none());

    // Retrace the same program: a newer request supersedes the first.
    deliver(&mut app, trace());
    let newer = app.prediction.take_request().unwrap();
    assert!(newer.id > request.id);
    let gold = gold_steps();
    model_event(
        &mut app,
        partial(request.id, "<line> <99> <state> </state>"),
    );
    model_event(&mut app, done(request.id, "<output> wrong"));
    assert_eq!(app.prediction.model.dropped_events, 2);
    assert!(app.prediction.text.is_empty());

    model_event(&mut app, partial(newer.id, &gold[..2].join(" ")));
    assert_eq!(app.prediction.predicted.len(), 2);
    assert!(matches!(
        app.prediction.model.generation,
        GenerationStatus::Running { .. }
    ));
    assert!(screen(&app).contains("Pred tiny · gen 50t/s · greedy"));
    model_event(&mut app, done(newer.id, &gold.join(" ")));
    assert_eq!(app.prediction.predicted.len(), gold.len());
    assert_eq!(app.prediction.alignment.first_divergence(), None);
    let metrics = app.prediction.metrics.unwrap();
    assert_eq!(metrics.trace_accuracy, Some(100.0));
    assert!(screen(&app).contains("trace acc 100% · id F1 100% · no divergence"));
}

#[test]
fn an_edit_cancels_the_running_generation_and_drops_its_events() {
    let mut app = app_with_model("models/tiny");
    ready(&mut app);
    let request = app.prediction.take_request().unwrap();
    assert!(
        app.prediction.take_cancel(),
        "a new trace cancels older work"
    );
    model_event(&mut app, partial(request.id, &gold_steps()[0]));
    assert!(!app.prediction.take_cancel());

    app.focus = Focus::Editor;
    key(&mut app, 'x');
    assert!(
        app.prediction.take_cancel(),
        "the edit cancels the generation"
    );
    assert!(
        app.prediction.take_request().is_none(),
        "no request until the trace"
    );
    assert_eq!(app.prediction.model.generation, GenerationStatus::Cancelled);
    assert!(app.prediction.stale);
    model_event(&mut app, partial(request.id, &gold_steps()[..3].join(" ")));
    assert_eq!(app.prediction.model.dropped_events, 1);
    assert_eq!(app.prediction.predicted.len(), 1);
    // Narrow: the model's name goes before the state, the search and "(stale)".
    assert!(screen(&app).contains("Pred cancelled · greedy (stale)"));
}

#[test]
fn a_model_that_fails_to_load_shows_its_error_and_stepping_goes_on() {
    let mut app = app_with_model("models/missing");
    model_event(
        &mut app,
        WorkerEvent::Loading {
            model: "models/missing".into(),
        },
    );
    assert!(screen(&app).contains("Loading the model…"));
    model_event(
        &mut app,
        WorkerEvent::LoadFailed {
            model: "models/missing".into(),
            message: "model directory models/missing does not exist".into(),
        },
    );
    let id = app.prediction.take_request().unwrap().id;
    model_event(
        &mut app,
        WorkerEvent::Failed {
            id,
            message: "the model failed to load: model directory models/missing does not exist"
                .into(),
        },
    );
    assert!(matches!(
        app.prediction.model.state,
        ModelState::LoadFailed(_)
    ));
    let shown = screen(&app);
    assert!(shown.contains("Pred missing · failed"), "{shown}");
    assert!(shown.contains("The model failed to load"), "{shown}");
    app.focus = Focus::Stepping;
    key(&mut app, 'n');
    assert_eq!(app.stepping.step, 1, "{:?}", app.message);
    key(&mut app, 'd');
    assert_eq!(app.stepping.step, 1);
    assert_eq!(app.message.as_deref(), Some("no prediction yet"));
}

#[test]
fn model_none_turns_the_pane_off() {
    let mut app = app_with_model("unused");
    app.prediction = PredictionPane::new(None);
    deliver(&mut app, trace());
    assert!(app.prediction.take_request().is_none());
    assert!(screen(&app).contains("The prediction pane is off"));
    app.focus = Focus::Stepping;
    key(&mut app, 'b');
    assert_eq!(
        app.message.as_deref(),
        Some("the prediction pane is off (--model none)")
    );
}

#[test]
fn the_beam_key_switches_search_and_predicts_again() {
    let mut app = app_with_model("models/tiny");
    ready(&mut app);
    let first = app.prediction.take_request().unwrap();
    app.focus = Focus::Stepping;
    key(&mut app, 'b');
    let beam = app.prediction.take_request().unwrap();
    assert_eq!(beam.opts.beam, BEAM_SIZE);
    assert!(beam.id > first.id);
    assert!(screen(&app).contains(&format!("beam {BEAM_SIZE}")));
    key(&mut app, 'b');
    assert_eq!(app.prediction.take_request().unwrap().opts.beam, 1);
}

#[test]
fn divergence_keys_jump_to_the_first_and_next_divergence() {
    // Two wrong values: `total : 1` → 2, and the last output.
    let (text, at) = mismatching_text();
    let mut app = predicted_app(&text.replace("<output> 5", "<output> 6"));
    let alignment = app.prediction.alignment.clone();
    let first = alignment.first_divergence().unwrap();
    assert_eq!(alignment.steps[first].truth, Some(at));
    let second = alignment.next_divergence(Some(first)).unwrap();
    key(&mut app, 'd');
    let first_raw = app.stepping.step;
    assert_eq!(app.prediction.row_of_raw(first_raw), Some(first));
    let step = app.stepping.current_step().unwrap();
    assert_eq!((step.line, step.func.as_str()), (6, "<module>"));
    key(&mut app, 'D');
    assert!(app.stepping.step > first_raw);
    assert_eq!(app.prediction.raw_of_row(second), Some(app.stepping.step));
    key(&mut app, 'D');
    assert_eq!(app.message.as_deref(), Some("no further divergence"));
    key(&mut app, 'g');
    key(&mut app, 'D');
    assert_eq!(app.stepping.step, first_raw);
    let metrics = app.prediction.metrics.unwrap();
    assert_eq!(metrics.trace_accuracy, Some(0.0));
    assert!(screen(&app).contains(&format!("diverges at step {}", first_raw + 1)));
}

#[test]
fn snapshot_at_a_mismatch() {
    let mut app = predicted_app(&mismatching_text().0);
    key(&mut app, 'd');
    let shown = screen(&app);
    assert!(shown.contains("truth │ predicted"), "{shown}");
    assert!(shown.contains("total 1     │ 2"), "{shown}");
    insta::assert_snapshot!("prediction_mismatch", shown);
}

#[test]
fn the_tiny_parity_model_streams_a_prediction_through_the_worker() {
    let dir = manifest("tests/fixtures/parity/tiny");
    let mut app = app_with_model(dir.to_str().unwrap());
    let (tx, rx) = mpsc::channel();
    let worker = prediction::spawn_worker(&app, tx);
    assert!(worker.is_some());
    prediction::dispatch(&mut app, worker.as_ref());
    let mut partials = 0;
    loop {
        let action = rx
            .recv_timeout(Duration::from_secs(60))
            .expect("the model worker went quiet");
        if matches!(action, Action::Model(WorkerEvent::Partial { .. })) {
            partials += 1;
        }
        let finished = matches!(
            action,
            Action::Model(WorkerEvent::Done { .. } | WorkerEvent::Failed { .. })
        );
        update(&mut app, action);
        if finished {
            break;
        }
    }
    assert_eq!(app.prediction.model.state, ModelState::Ready);
    assert!(
        matches!(
            app.prediction.model.generation,
            GenerationStatus::Done { .. }
        ),
        "{:?}",
        app.prediction.model.generation
    );
    assert!(partials > 0, "the prediction streams");
    assert!(app.prediction.metrics.is_some());
    assert!(screen(&app).contains("Pred tiny · done"));
}

/// Show `trace` (the one on show, changed) in the stepping pane in place of the one on show.
fn show_again(app: &mut App, trace: tracelens::trace::Trace) {
    let code = app.stepping.view.as_ref().unwrap().code_lines.join("\n");
    app.stepping.show(trace, &code);
}

#[test]
fn a_run_cut_short_is_not_scored_in_the_status_bar() {
    let (text, _) = mismatching_text();
    let mut app = predicted_app(&text);
    let status = |app: &App| {
        let rows = buffer_rows(render(app, 200, 32).backend().buffer());
        rows.last().unwrap().clone()
    };
    assert!(status(&app).contains("trace acc"), "{}", status(&app));
    let mut trace = app.stepping.view.as_ref().unwrap().trace().clone();
    trace.outcome.kind = tracelens::trace::OutcomeKind::Timeout;
    show_again(&mut app, trace);
    let shown = status(&app);
    assert!(
        shown.contains("not scored: the run ended in timeout") && !shown.contains("trace acc"),
        "{shown}"
    );
}

#[test]
fn the_truth_shows_python_reprs_and_wide_values_keep_the_separator_in_line() {
    let (text, _) = mismatching_text();
    let mut app = predicted_app(&text);
    // Step to a line step where `total` is a local, then give it a wide repr.
    let step = (0..app.stepping.view.as_ref().unwrap().len())
        .find(|&i| {
            let s = &app.stepping.view.as_ref().unwrap().steps()[i];
            s.locals.iter().any(|l| l.name == "total") && app.prediction.row_of_raw(i).is_some()
        })
        .expect("a step with total");
    app.stepping.step = step;
    let mut trace = app.stepping.view.as_ref().unwrap().trace().clone();
    let total = trace.steps[step]
        .locals
        .iter_mut()
        .find(|l| l.name == "total")
        .unwrap();
    total.repr = "'日本語'".into();
    show_again(&mut app, trace);
    let rows = buffer_rows(render(&app, 160, 40).backend().buffer());
    let column = |row: &str, from: &str| {
        let start = row.find(from)?;
        let bar = start + row[start..].find('│')?;
        Some(row[..bar].chars().count())
    };
    let header = rows
        .iter()
        .find_map(|r| column(r, "truth"))
        .expect("a header row");
    let value = rows
        .iter()
        // A wide character fills two cells: the second reads as a space here.
        .find_map(|r| column(r, "total '日 本 語 '"))
        .unwrap_or_else(|| panic!("the repr is not shown:\n{}", rows.join("\n")));
    assert_eq!(header, value, "\n{}", rows.join("\n"));
}

#[test]
fn a_narrow_prediction_title_keeps_the_state_and_the_search() {
    let (text, _) = mismatching_text();
    let app = predicted_app(&text);
    let shown = buffer_rows(render(&app, 100, 32).backend().buffer()).join("\n");
    assert!(
        shown.contains("t/s · greedy "),
        "the title was cut:\n{shown}"
    );
}
