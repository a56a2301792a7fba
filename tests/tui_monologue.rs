//! The live causal-LM pane, headless: a CRUXEval record opened in the browser and traced by
//! the real tracer, a known monologue streamed into the app through the same events the model
//! worker sends (`Action::Model`), and the answer's check and the proposed input's run traced
//! by the real tracer and delivered as the check worker delivers them (`Action::Checked`).
//! Covered: the paragraph about the stepping cursor's line is highlighted, the paragraph keys
//! and the jump to a paragraph's line, the first wrong claim marked, pass / fail with the
//! reason, the proposed input's run against the record's with the jump to the first
//! difference, an edit cancelling the generation, a model that fails to load, a render
//! snapshot, and one run of the real tiny llama fixture through the model worker.

mod support;

use std::path::PathBuf;
use std::sync::mpsc;
use std::time::Duration;

use crossterm::event::{KeyCode, KeyModifiers};
use ratatui::style::Color;
use tracelens::app::pane::causal::{AnswerCheck, InputRun};
use tracelens::app::pane::model_slot::{GenerationStatus, ModelState};
use tracelens::app::{browser, prediction, update, Action, App, AppOptions, Focus};
use tracelens::cruxeval::score::Reason;
use tracelens::model::causal::{Completion, Finish};
use tracelens::model::worker::{ModelWorker, WorkerEvent};
use tracelens::model::Partial;
use tracelens::trace::{PoolOptions, TraceRequest, TracerPool};

use support::{buffer_rows, deliver, key, manifest, press, render};

/// The CRUXEval record: program lines 1-5, the explorer's call on line 6.
const RECORD: &str = r#"{"code": "def f(nums):\n    total = 0\n    for n in nums:\n        total += n\n    return total", "input": "[1, 2, 3]", "output": "6", "id": "sample_0"}"#;

/// A monologue as SemCoder writes one: `[L6]` is program line 2, `[L8]` line 4. The claim on
/// `[L8]` is wrong (`total` is 0, 1, 3 and 6 there, never 2); the others are right.
const MONOLOGUE: &str = "Let's simulate `f([1, 2, 3])` step by step.\n\
- [L5]: The function is called with `nums = [1, 2, 3]`.\n\
- [L6]: `total` is set to `0`.\n\
- [L7]: The loop takes `n` = 1.\n\
- [L8]: `total` becomes 2.\n\
- [L9]: The function returns `6`.\n";

fn pool() -> TracerPool {
    TracerPool::start(PoolOptions::default()).expect("the tracer starts")
}

/// Trace the program on show with the real tracer and deliver the trace to the app.
fn trace_on_show(app: &mut App, pool: &TracerPool) {
    let trace = pool
        .trace(&TraceRequest {
            code: app.latest_code().to_string(),
            ..Default::default()
        })
        .expect("the program traces");
    deliver(app, trace);
}

/// The explorer browsing the one-record CRUXEval file (in the temporary folder returned with
/// it, kept for the app's life) with a causal LM set (not loaded: the tests send the worker's
/// events themselves), the record's real trace on show.
fn record_app(pool: &TracerPool) -> (tempfile::TempDir, App) {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("crux.jsonl");
    std::fs::write(&data, format!("{RECORD}\n")).unwrap();
    let mut app = App::new(AppOptions::new(None, String::new()));
    update(&mut app, Action::TracerReady(Ok(())));
    update(&mut app, Action::Resize(200, 48));
    browser::open_dataset(&mut app, &data).unwrap();
    prediction::set_model(&mut app, Some(fixture_model()));
    assert!(app.causal.is_active(), "a .gguf file is a causal LM");
    assert!(app.prediction.is_off());
    let program = app.latest_code().to_string();
    assert!(program.ends_with("\nresult = f([1, 2, 3])\n"), "{program}");
    trace_on_show(&mut app, pool);
    app.focus = Focus::Stepping;
    (dir, app)
}

/// [`record_app`] with its model loaded.
fn ready_app(pool: &TracerPool) -> (tempfile::TempDir, App) {
    let (dir, mut app) = record_app(pool);
    ready(&mut app);
    (dir, app)
}

fn fixture_model() -> PathBuf {
    manifest("tests/fixtures/causal/llama/model-f32.gguf")
}

fn model_event(app: &mut App, event: WorkerEvent) {
    update(app, Action::Model(event));
}

fn ready(app: &mut App) {
    let model = fixture_model().display().to_string();
    model_event(
        app,
        WorkerEvent::Loading {
            model: model.clone(),
        },
    );
    model_event(app, WorkerEvent::Ready { model });
}

/// Stream `text` into the pane as the worker does (three partials, then the finish), for the
/// newest request.
fn stream(app: &mut App, text: &str) {
    let request = app
        .causal
        .take_request()
        .expect("a generate request is queued");
    assert_eq!(request.id, app.causal.model.latest());
    let cuts = [text.len() / 3, 2 * text.len() / 3];
    for (n, cut) in cuts.into_iter().enumerate() {
        let cut = (0..=cut).rev().find(|&c| text.is_char_boundary(c)).unwrap();
        model_event(
            app,
            WorkerEvent::Partial {
                id: request.id,
                partial: Partial {
                    text: text[..cut].to_string(),
                    tokens: n + 1,
                    tokens_per_s: 20.0,
                },
            },
        );
    }
    model_event(
        app,
        WorkerEvent::Generated {
            id: request.id,
            completion: Completion {
                text: text.to_string(),
                ids: vec![0; 30],
                prompt_tokens: 100,
                finish: Finish::StopString,
                prompt_elapsed: Duration::from_millis(100),
                generate_elapsed: Duration::from_millis(1500),
            },
        },
    );
}

/// Run the pane's queued check jobs with the real tracer, as the check worker does, until none
/// is left (a CRUXEval-I answer queues its input's run after its check).
fn run_checks(app: &mut App, pool: &TracerPool) {
    loop {
        let jobs = app.causal.take_jobs();
        let Some(job) = jobs.into_iter().last() else {
            return;
        };
        let result = pool.trace(&job.request).map_err(|e| e.to_string());
        update(app, Action::Checked { id: job.id, result });
    }
}

fn answered(text: &str, answer: &str) -> String {
    format!("{text}[ANSWER]\nassert f([1, 2, 3]) == {answer}\n")
}

fn screen(app: &App) -> Vec<String> {
    buffer_rows(render(app, 200, 48).backend().buffer())
}

/// Assert that a row on screen contains `text` (the screen is the failure's message).
fn assert_shows(app: &App, text: &str) {
    let rows = screen(app);
    assert!(
        rows.iter().any(|r| r.contains(text)),
        "{text:?} is not on screen:\n{}",
        rows.join("\n")
    );
}

/// The background colour of the first cell of `text` on screen.
fn background_of(app: &App, text: &str) -> Option<Color> {
    let terminal = render(app, 200, 48);
    let buffer = terminal.backend().buffer();
    let rows = buffer_rows(buffer);
    let (y, row) = rows.iter().enumerate().find(|(_, r)| r.contains(text))?;
    let x = row[..row.find(text)?].chars().count();
    Some(buffer[(x as u16, y as u16)].bg)
}

/// The first step of the record's run on program line `line`.
fn first_step_on(app: &App, line: u32) -> usize {
    app.stepping
        .view
        .as_ref()
        .unwrap()
        .steps()
        .iter()
        .position(|s| s.line == line && s.event == tracelens::trace::Event::Line)
        .unwrap()
}

#[test]
fn the_paragraph_about_the_cursors_line_is_highlighted_and_the_jump_key_finds_its_line() {
    let pool = pool();
    let (_dir, mut app) = ready_app(&pool);
    assert!(app.causal.prompt.contains("    total += n # [L8]\n"));
    stream(&mut app, &answered(MONOLOGUE, "6"));
    let lines: Vec<Option<u32>> = app
        .causal
        .monologue
        .paragraphs
        .iter()
        .map(|p| p.line)
        .collect();
    assert_eq!(
        lines,
        [None, Some(1), Some(2), Some(3), Some(4), Some(5), None]
    );

    let highlight = app.theme.selected_step.bg;
    app.stepping.step = first_step_on(&app, 4);
    assert_eq!(background_of(&app, "[L8]"), highlight);
    assert_ne!(background_of(&app, "[L6]"), highlight);
    app.stepping.step = first_step_on(&app, 2);
    assert_eq!(background_of(&app, "[L6]"), highlight);
    assert_ne!(background_of(&app, "[L8]"), highlight);

    // Select the `[L8]` paragraph (the fifth) and jump to the first step on its line.
    for _ in 0..5 {
        key(&mut app, KeyCode::Char('}'));
    }
    assert_eq!(app.causal.selected, Some(4));
    key(&mut app, KeyCode::Char('{'));
    key(&mut app, KeyCode::Char('}'));
    app.stepping.step = 0;
    key(&mut app, KeyCode::Enter);
    assert_eq!(app.stepping.step, first_step_on(&app, 4));
    assert_shows(&app, "▶ - [L8]");
    // The first paragraph names no line.
    key(&mut app, KeyCode::Home);
    for _ in 0..4 {
        key(&mut app, KeyCode::Char('{'));
    }
    assert_eq!(app.causal.selected, Some(0));
    key(&mut app, KeyCode::Enter);
    assert_eq!(
        app.message.as_deref(),
        Some("the selected paragraph names no line")
    );
}

#[test]
fn the_first_wrong_claim_is_marked_and_the_answer_is_checked_by_execution() {
    let pool = pool();
    let (_dir, mut app) = ready_app(&pool);
    stream(&mut app, &answered(MONOLOGUE, "6"));
    let (para, claim, truth) = app.causal.first_wrong().expect("a wrong claim");
    assert_eq!((para, claim), (4, 0));
    assert_eq!(truth, ["0", "1", "3"]);
    assert_eq!(app.causal.answer.as_deref(), Some("6"));
    assert_eq!(app.causal.check, AnswerCheck::Running);
    assert_shows(
        &app,
        "✗ first wrong claim ¶5: `total` becomes 2 (truth: 0 or 1",
    );
    assert_shows(&app, "✗ - [L8]: `total` becomes 2.");
    assert_shows(&app, "answer 6 · checking…");
    run_checks(&mut app, &pool);
    assert!(matches!(&app.causal.check, AnswerCheck::Done(v) if v.passed()));
    assert_shows(&app, "answer 6 · pass");
}

#[test]
fn a_failing_answer_shows_the_reason() {
    let pool = pool();
    let cases = [
        ("7", Reason::WrongValue, "fail: wrong value"),
        (
            "1 / 0",
            Reason::Exception,
            "fail: exception ZeroDivisionError",
        ),
        ("[1", Reason::SyntaxError, "fail: syntax error"),
        ("f([1, 2, 3])", Reason::Skipped, "skipped"),
    ];
    for (answer, reason, shown) in cases {
        let (_dir, mut app) = ready_app(&pool);
        stream(&mut app, &answered("The sum is computed.\n", answer));
        run_checks(&mut app, &pool);
        match &app.causal.check {
            AnswerCheck::Done(v) => assert_eq!(v.reason, reason, "{answer}: {v:?}"),
            other => panic!("{answer}: {other:?}"),
        }
        assert_shows(&app, &format!("answer {answer} · {shown}"));
    }
}

#[test]
fn a_proposed_input_is_traced_and_compared_with_the_records() {
    let pool = pool();
    let (_dir, mut app) = ready_app(&pool);
    let first = app.causal.take_request().unwrap();
    assert!(first.prompt.ends_with("[MONOLOGUE]\n"));
    key(&mut app, KeyCode::Char('i'));
    assert_eq!(
        app.message.as_deref(),
        Some("CRUXEval task: input prediction")
    );
    assert!(app.causal.prompt.contains("assert f(??) == 6\n"));
    let monologue = "- [L6]: `nums` = [3, 3] and `total` is set to `0`.\n\
                     - [L8]: `total` becomes 3, then 6.\n\
                     [ANSWER]\nassert f([3, 3]) == 6\n";
    stream(&mut app, monologue);
    assert_eq!(app.causal.answer.as_deref(), Some("f([3, 3])"));
    // Held against the record's run until the proposed input is traced.
    assert!(app.causal.first_wrong().is_some());
    run_checks(&mut app, &pool);
    assert!(matches!(&app.causal.check, AnswerCheck::Done(v) if v.passed()));
    let InputRun::Done {
        args,
        first_difference,
        trace,
    } = &app.causal.input_run
    else {
        panic!("{:?}", app.causal.input_run);
    };
    assert_eq!(args, "[3, 3]");
    let at = first_difference.expect("the runs differ");
    let record = app.stepping.view.as_ref().unwrap().steps();
    assert_eq!(record[..at], trace.steps[..at]);
    assert_ne!(record[at], trace.steps[at]);
    // Now held against the proposed input's run, where `total` does become 3.
    assert!(app.causal.first_wrong().is_none());
    app.stepping.step = 0;
    key(&mut app, KeyCode::Char('d'));
    assert_eq!(app.stepping.step, at);
    assert_shows(
        &app,
        &format!(
            "f([3, 3]) differs from the record's input at step {}",
            at + 1
        ),
    );
}

#[test]
fn an_edit_cancels_the_generation_and_its_events_are_dropped() {
    let pool = pool();
    let (_dir, mut app) = ready_app(&pool);
    let request = app.causal.take_request().unwrap();
    assert!(
        app.causal.take_cancel(),
        "a new question cancels older work"
    );
    model_event(
        &mut app,
        WorkerEvent::Partial {
            id: request.id,
            partial: Partial {
                text: "- [L6]: ".into(),
                tokens: 3,
                tokens_per_s: 10.0,
            },
        },
    );
    app.focus = Focus::Editor;
    press(&mut app, KeyCode::Char('x'), KeyModifiers::NONE);
    assert!(app.causal.take_cancel(), "the edit cancels the generation");
    assert!(
        app.causal.take_request().is_none(),
        "no request until the trace"
    );
    assert_eq!(app.causal.model.generation, GenerationStatus::Cancelled);
    model_event(
        &mut app,
        WorkerEvent::Partial {
            id: request.id,
            partial: Partial {
                text: "- [L6]: `total` = 0".into(),
                tokens: 6,
                tokens_per_s: 10.0,
            },
        },
    );
    assert_eq!(app.causal.model.dropped_events, 1);
    assert_eq!(app.causal.text, "- [L6]: ");
    assert!(screen(&app)
        .iter()
        .any(|r| r.contains("cancelled") && r.contains("(stale)")));
    // Undone, the program is traced again: the cancelled question is asked again.
    support::ctrl(&mut app, 'z');
    trace_on_show(&mut app, &pool);
    let again = app.causal.take_request().expect("asked again");
    assert!(again.id > request.id);
}

#[test]
fn snapshot_of_a_checked_monologue() {
    let pool = pool();
    let (_dir, mut app) = ready_app(&pool);
    stream(&mut app, &answered(MONOLOGUE, "6"));
    run_checks(&mut app, &pool);
    app.stepping.step = first_step_on(&app, 4);
    // The status bar (the dataset's temporary path, the trace's time) is left out.
    let rows = screen(&app);
    insta::assert_snapshot!("monologue_checked", rows[..rows.len() - 1].join("\n"));
}

#[test]
fn a_model_that_fails_to_load_shows_its_error_and_stepping_goes_on() {
    let pool = pool();
    let (dir, mut app) = record_app(&pool);
    let missing = dir.path().join("missing.gguf");
    prediction::set_model(&mut app, Some(missing));
    let (_worker, rx) = start_worker(&mut app, &pool);
    events_until(&mut app, &rx, |a| {
        matches!(a, Action::Model(WorkerEvent::Failed { .. }))
    });
    assert!(matches!(app.causal.model.state, ModelState::LoadFailed(_)));
    assert_shows(&app, "The model failed to load");
    assert_shows(&app, "missing.gguf");
    app.focus = Focus::Stepping;
    key(&mut app, KeyCode::Char('n'));
    assert_eq!(app.stepping.step, 1);
}

/// Start the model worker for the pane's model, trace the program on show and send the worker
/// the pane's question about it: the worker and its events.
fn start_worker(app: &mut App, pool: &TracerPool) -> (ModelWorker, mpsc::Receiver<Action>) {
    let (tx, rx) = mpsc::channel();
    let worker = prediction::spawn_worker(app, tx).expect("a worker for the causal LM");
    trace_on_show(app, pool);
    prediction::dispatch(app, Some(&worker));
    (worker, rx)
}

/// Whether `action` finishes a generate request.
fn finished(action: &Action) -> bool {
    matches!(
        action,
        Action::Model(WorkerEvent::Failed { .. } | WorkerEvent::Generated { .. })
    )
}

/// Wait for the worker's events and apply them until one that `last` accepts.
fn events_until(app: &mut App, rx: &mpsc::Receiver<Action>, last: fn(&Action) -> bool) -> usize {
    let mut partials = 0;
    loop {
        let action = rx
            .recv_timeout(Duration::from_secs(120))
            .expect("the model worker went quiet");
        if matches!(action, Action::Model(WorkerEvent::Partial { .. })) {
            partials += 1;
        }
        let done = last(&action);
        update(app, action);
        if done {
            return partials;
        }
    }
}

#[test]
fn the_tiny_llama_fixture_runs_through_the_worker() {
    let pool = pool();
    let (_dir, mut app) = record_app(&pool);
    app.causal.sampling.max_tokens = 24;
    // The fixture's context is 64 tokens: the real monologue prompt does not fit, and the
    // pane says so.
    let (worker, rx) = start_worker(&mut app, &pool);
    events_until(&mut app, &rx, finished);
    assert_eq!(app.causal.model.state, ModelState::Ready);
    match &app.causal.model.generation {
        GenerationStatus::Failed(m) => assert!(m.contains("context length of 64"), "{m}"),
        other => panic!("{other:?}"),
    }
    assert_shows(&app, "The prediction failed");

    // A prompt that fits, sent as the pane's newest request: the text streams into the pane,
    // the answer is extracted from it and checked.
    app.focus = Focus::Editor;
    press(&mut app, KeyCode::Char('x'), KeyModifiers::NONE);
    support::ctrl(&mut app, 'z');
    trace_on_show(&mut app, &pool);
    let mut request = app.causal.take_request().expect("asked again");
    request.prompt = "def f(x):\n    return x\n[ANSWER]\n".into();
    worker.generate(request);
    let partials = events_until(&mut app, &rx, finished);
    assert!(
        matches!(app.causal.model.generation, GenerationStatus::Done { tokens, .. } if tokens > 0),
        "{:?}",
        app.causal.model.generation
    );
    assert!(partials > 0, "the monologue streams");
    assert!(!app.causal.text.is_empty());
    // Random weights say nothing sensible, but an answer is still extracted and checked.
    assert!(app.causal.answer.is_some());
    run_checks(&mut app, &pool);
    assert!(matches!(app.causal.check, AnswerCheck::Done(_)));
    assert_shows(&app, "· done");
}

#[test]
fn a_model_picked_in_the_app_takes_over_the_pane() {
    let pool = pool();
    let (_dir, mut app) = record_app(&pool);
    let old = app.causal.take_request().unwrap();
    support::alt(&mut app, 'l');
    assert_eq!(
        app.modal,
        Some(tracelens::app::Modal::ModelPath(String::new()))
    );
    // Esc keeps the model.
    key(&mut app, KeyCode::Esc);
    assert!(!app.take_model_picked());
    // A CodeExecutor model directory: the trace prediction pane takes over.
    support::alt(&mut app, 'l');
    support::type_text(&mut app, "tests/fixtures/parity/tiny");
    key(&mut app, KeyCode::Enter);
    assert!(
        app.take_model_picked(),
        "the event loop restarts the worker"
    );
    assert!(!app.causal.is_active());
    let request = app
        .prediction
        .take_request()
        .expect("the trace is predicted");
    assert!(
        request.id > old.id,
        "ids go on, so the old worker's events are stale"
    );
    // A late event of the old worker is dropped.
    model_event(
        &mut app,
        WorkerEvent::Ready {
            model: fixture_model().display().to_string(),
        },
    );
    assert_eq!(app.prediction.model.state, ModelState::NotLoaded);
    // Back to the causal LM, then none.
    support::alt(&mut app, 'l');
    app.modal = Some(tracelens::app::Modal::ModelPath(
        fixture_model().display().to_string(),
    ));
    key(&mut app, KeyCode::Enter);
    assert!(app.causal.is_active() && app.take_model_picked());
    assert!(app.causal.take_request().unwrap().id > request.id);
    support::alt(&mut app, 'l');
    app.modal = Some(tracelens::app::Modal::ModelPath("none".into()));
    key(&mut app, KeyCode::Enter);
    assert!(!app.causal.is_active() && app.prediction.is_off());
}
