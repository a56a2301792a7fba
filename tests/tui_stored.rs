//! Stored predictions in the explorer, headless: the browser's score column and its `pred:`
//! filter, the prediction pane showing the selected record's stored prediction instead of
//! running the model (a CodeExecutor trace with a divergence, CRUXEval answers that pass and
//! fail, answers scored by execution when the record has no verdicts, a malformed
//! prediction), the stored / live switch key, and `--model none`. Datasets are written to
//! temp dirs by the tests themselves.

mod support;

use std::path::{Path, PathBuf};

use crossterm::event::{KeyCode, KeyModifiers};
use serde_json::{json, Value};
use tracelens::app::pane::prediction::PredictionPane;
use tracelens::app::pane::stored::Scoring;
use tracelens::app::{browser, update, Action, App, AppOptions, Command, Focus};
use tracelens::cruxeval::score::{score_answers, Reason};
use tracelens::dataset::StoredScore;
use tracelens::trace::codeexecutor;
use tracelens::trace::{PoolOptions, TracerPool};

use support::{buffer_rows, deliver, fixture_trace, key, press, read_fixture, render, type_text};

const WIDTH: u16 = 180;
const HEIGHT: u16 = 44;

/// sum_squares.py as a trace record: its true CodeExecutor trace, and a stored prediction
/// equal to it except that the third step says `total : 7`.
fn trace_record() -> Value {
    let code = read_fixture("sum_squares.py");
    let trace = codeexecutor::record(&code, &fixture_trace("sum_squares.trace.json"))
        .unwrap()
        .trace;
    let mut predicted = trace.clone();
    assert!(predicted[2].contains("total : 0"), "{}", predicted[2]);
    predicted[2] = predicted[2].replace("total : 0", "total : 7");
    json!({"id": "squares", "code": code, "trace": trace, "prediction": predicted.join(" ")})
}

fn crux(id: &str, code: &str, input: &str, output: &str) -> Value {
    json!({"id": id, "code": code, "input": input, "output": output})
}

/// The records of the test dataset, in order: a trace with a divergence; CRUXEval answers as
/// `eval --task output --out` writes them, passing; one failing; one answer without a
/// verdict; a malformed `predictions`; a record without a prediction.
fn records() -> Vec<Value> {
    let upper = "def f(s):\n    return s.upper()";
    let double = "def f(x):\n    return x * 2";
    let mut pass = crux("crux_pass", upper, "'abc'", "'ABC'");
    pass["task"] = json!("output");
    pass["predictions"] = json!(["'ABC'"]);
    pass["verdicts"] = json!([{"passed": true, "reason": "passed", "detail": null}]);
    let mut fail = crux("crux_fail", double, "3", "6");
    fail["task"] = json!("output");
    fail["predictions"] = json!(["5"]);
    fail["verdicts"] = json!([{"passed": false, "reason": "wrong_value", "detail": null}]);
    let mut unscored = crux("crux_unscored", double, "4", "8");
    unscored["prediction"] = json!("9");
    let mut malformed = crux("crux_bad", double, "1", "2");
    malformed["predictions"] = json!("2");
    let plain = crux("crux_plain", double, "2", "4");
    vec![trace_record(), pass, fail, unscored, malformed, plain]
}

fn dataset(dir: &Path) -> PathBuf {
    let path = dir.join("stored.jsonl");
    let text: String = records().iter().map(|r| format!("{r}\n")).collect();
    std::fs::write(&path, text).unwrap();
    path
}

/// The explorer with `model` as its prediction pane, the dataset open.
fn opened(path: &Path, model: PredictionPane) -> App {
    let mut app = App::new(AppOptions::new(None, String::new()));
    app.prediction = model;
    update(&mut app, Action::TracerReady(Ok(())));
    update(&mut app, Action::Resize(WIDTH, HEIGHT));
    browser::open_dataset(&mut app, path).unwrap();
    app
}

/// A pane for a model directory (never loaded: no worker runs in these tests).
fn live_model() -> PredictionPane {
    PredictionPane::new(Some(PathBuf::from("models/tracelens-tiny")))
}

/// The drawn screen (for snapshots, clear the status message first: it names the temp dir).
fn screen(app: &App) -> String {
    buffer_rows(render(app, WIDTH, HEIGHT).backend().buffer()).join("\n")
}

/// The browser row of record `id` (these records have no outcome: the column shows `-`).
fn row_of<'a>(screen: &'a str, id: &str) -> &'a str {
    screen
        .lines()
        .find(|l| l.contains(&format!(" {id} - ")))
        .unwrap_or_else(|| panic!("no row for {id} in\n{screen}"))
}

fn select(app: &mut App, id: &str) {
    let browser = app.browser.as_ref().unwrap();
    let at = browser
        .visible
        .iter()
        .position(|&i| browser.file.summary(i).unwrap().id == id)
        .unwrap();
    let by = at as isize - browser.selected as isize;
    browser::move_selection(app, by);
}

#[test]
fn a_stored_trace_shows_instead_of_the_live_model_with_its_divergence_marked() {
    let dir = tempfile::tempdir().unwrap();
    let mut app = opened(&dataset(dir.path()), live_model());
    deliver(&mut app, fixture_trace("sum_squares.trace.json"));
    assert!(app.stored.active());
    assert!(
        app.prediction.take_request().is_none(),
        "the live model is not run while the stored prediction shows"
    );
    let shown = app.stored.shown.as_ref().unwrap();
    assert!(shown.truth.is_some(), "the record's trace is this run's");
    let text = screen(&app);
    assert!(
        text.contains("Stored prediction · acc 0% F1 ") && text.contains(" div@2 · F2 live"),
        "{text}"
    );
    assert!(text.contains("✗ L5 total:7"), "{text}");
    assert!(row_of(&text, "squares").contains("acc 0% F1"), "{text}");
    assert!(row_of(&text, "squares").contains("div@2"), "{text}");
    assert!(
        text.contains("stored: trace acc 0%"),
        "the status bar: {text}"
    );
    // F3 jumps to the step of the divergence: the third CodeExecutor step's line event.
    press(&mut app, KeyCode::F(3), KeyModifiers::NONE);
    let step = app.stepping.current_step().unwrap();
    assert_eq!(step.line, 5, "{:?}", app.message);
    app.message = None;
    insta::assert_snapshot!("stored_trace", screen(&app));
}

#[test]
fn the_switch_key_flips_between_the_stored_prediction_and_the_live_model() {
    let dir = tempfile::tempdir().unwrap();
    let mut app = opened(&dataset(dir.path()), live_model());
    deliver(&mut app, fixture_trace("sum_squares.trace.json"));
    assert!(screen(&app).contains("F2 live"), "the hint is the keymap's");
    assert_eq!(app.focus, Focus::Browser);
    type_text(&mut app, "v");
    assert!(!app.stored.active());
    assert!(
        app.prediction.take_request().is_some(),
        "the live model runs when switched to"
    );
    assert!(!screen(&app).contains("Stored prediction"));
    key(&mut app, KeyCode::F(2));
    assert!(app.stored.active());
    assert!(screen(&app).contains("Stored prediction"));
    // In the stepping pane the key is `v` too; the command is in the keymap's list.
    while app.focus != Focus::Stepping {
        key(&mut app, KeyCode::Tab);
    }
    type_text(&mut app, "v");
    assert!(!app.stored.active());
    assert_eq!(
        Command::from_name("toggle_stored"),
        Some(Command::ToggleStored)
    );
    // A record without a stored prediction: the key says so, the live pane stays.
    let mut app = opened(&dataset(dir.path()), live_model());
    select(&mut app, "crux_plain");
    assert!(app.stored.shown.is_none());
    type_text(&mut app, "v");
    assert_eq!(
        app.message.as_deref(),
        Some("this sample has no stored prediction")
    );
}

#[test]
fn with_model_none_stored_predictions_still_show() {
    let dir = tempfile::tempdir().unwrap();
    let mut app = opened(&dataset(dir.path()), PredictionPane::new(None));
    deliver(&mut app, fixture_trace("sum_squares.trace.json"));
    assert!(screen(&app).contains("Stored prediction · acc 0% F1"));
    select(&mut app, "crux_pass");
    let text = screen(&app);
    assert!(text.contains("Stored prediction · pass"), "{text}");
    type_text(&mut app, "v");
    let text = screen(&app);
    assert!(text.contains("Prediction (off)"), "{text}");
    assert_eq!(
        app.message.as_deref(),
        Some("prediction pane: live model (off: --model none)")
    );
}

#[test]
fn cruxeval_answers_show_their_verdicts_and_reasons() {
    let dir = tempfile::tempdir().unwrap();
    let mut app = opened(&dataset(dir.path()), PredictionPane::new(None));
    select(&mut app, "crux_pass");
    let text = screen(&app);
    assert!(
        text.contains("CRUXEval-O: f('abc') == ?  (truth 'ABC')"),
        "{text}"
    );
    assert!(text.contains("✓ 'ABC'  pass"), "{text}");
    assert!(text.contains("verdicts stored in the record"), "{text}");
    assert!(row_of(&text, "crux_pass").contains(" -  pass "), "{text}");
    app.message = None;
    insta::assert_snapshot!("stored_cruxeval_pass", screen(&app));
    select(&mut app, "crux_fail");
    let text = screen(&app);
    assert!(
        text.contains("Stored prediction · fail: wrong_value"),
        "{text}"
    );
    assert!(text.contains("✗ 5  fail: wrong_value"), "{text}");
    assert!(
        row_of(&text, "crux_fail").contains("fail wrong_value"),
        "{text}"
    );
    app.message = None;
    insta::assert_snapshot!("stored_cruxeval_fail", screen(&app));
    // A malformed prediction is this record's error, shown in the pane and the column.
    select(&mut app, "crux_bad");
    let text = screen(&app);
    let shown = app.stored.shown.as_ref().unwrap();
    assert_eq!(
        shown.stored.as_ref().unwrap_err(),
        "`predictions` is not a list of strings"
    );
    assert!(text.contains("Stored prediction · unreadable"), "{text}");
    assert!(text.contains("The stored prediction cannot be"), "{text}");
    assert!(row_of(&text, "crux_bad").contains("pred?"), "{text}");
    assert!(app.take_check().is_none());
}

#[test]
fn answers_without_verdicts_are_scored_by_execution() {
    let dir = tempfile::tempdir().unwrap();
    let mut app = opened(&dataset(dir.path()), PredictionPane::new(None));
    select(&mut app, "crux_unscored");
    let shown = app.stored.shown.as_ref().unwrap();
    assert_eq!(shown.scoring, Scoring::Running);
    assert!(screen(&app).contains("scoring by execution…"));
    let job = app.take_check().expect("a check is queued");
    assert_eq!(job.answers, ["9"]);
    assert_eq!(job.sample.code, "def f(x):\n    return x * 2");
    let pool = match TracerPool::start(PoolOptions {
        workers: 1,
        ..PoolOptions::default()
    }) {
        Ok(pool) => pool,
        Err(err) => {
            eprintln!("SKIP answers_without_verdicts_are_scored_by_execution: no tracer: {err}");
            return;
        }
    };
    let verdicts = score_answers(job.task, &job.sample, &job.answers, |r| {
        pool.trace(r).map_err(|e| e.to_string())
    });
    assert_eq!(verdicts[0].reason, Reason::WrongValue);
    // A stale result is dropped; the newest one shows and scores the record's row.
    update(
        &mut app,
        Action::Scored {
            id: job.id + 1,
            result: Ok(Vec::new()),
        },
    );
    assert_eq!(app.stored.shown.as_ref().unwrap().scoring, Scoring::Running);
    update(
        &mut app,
        Action::Scored {
            id: job.id,
            result: Ok(verdicts),
        },
    );
    let text = screen(&app);
    assert!(text.contains("✗ 9  fail: wrong_value"), "{text}");
    assert!(text.contains("verdicts scored here by execution"), "{text}");
    assert!(
        row_of(&text, "crux_unscored").contains("fail wrong_value"),
        "{text}"
    );
}

#[test]
fn the_score_column_and_the_pred_filter() {
    let dir = tempfile::tempdir().unwrap();
    let mut app = opened(&dataset(dir.path()), PredictionPane::new(None));
    let ids = |app: &App| -> Vec<String> {
        let browser = app.browser.as_ref().unwrap();
        browser
            .visible
            .iter()
            .map(|&i| browser.file.summary(i).unwrap().id.clone())
            .collect()
    };
    type_text(&mut app, "fpred:pass");
    press(&mut app, KeyCode::Enter, KeyModifiers::NONE);
    assert_eq!(ids(&app), ["crux_pass"], "{:?}", app.message);
    type_text(&mut app, "fpred:fail");
    press(&mut app, KeyCode::Enter, KeyModifiers::NONE);
    assert_eq!(ids(&app), ["squares", "crux_fail"]);
    type_text(&mut app, "fpred:none");
    press(&mut app, KeyCode::Enter, KeyModifiers::NONE);
    assert_eq!(ids(&app), ["crux_plain"]);
    type_text(&mut app, "fpred:maybe");
    press(&mut app, KeyCode::Enter, KeyModifiers::NONE);
    assert_eq!(
        app.message.as_deref(),
        Some("pred:maybe (one of pass, fail, none)")
    );
    type_text(&mut app, "x");
    let browser = app.browser.as_ref().unwrap();
    let score = |i: usize| browser.file.summary(i).unwrap().score.clone();
    assert_eq!(score(3), StoredScore::Unscored { answers: 1 });
    assert_eq!(score(4), StoredScore::Malformed);
    let text = screen(&app);
    assert!(
        row_of(&text, "crux_unscored").contains("unscored"),
        "{text}"
    );
    // The filter is in the filter command's help line.
    assert!(Command::FilterSpec
        .description()
        .contains("pred:pass|fail|none"));
}
