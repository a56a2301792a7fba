//! The dataset browser in the explorer, headless: opening (focus, first record loaded, open
//! reports, journal offer), selection, filters, review keys, tags with completion, notes,
//! "save sample" / "save as new sample", saving the file (with the changed-on-disk prompt), and
//! a render snapshot. Datasets are copies in temp dirs; samples/dataset.jsonl is never written.

mod support;

use std::path::{Path, PathBuf};

use crossterm::event::{KeyCode, KeyModifiers};
use ratatui::backend::TestBackend;
use ratatui::Terminal;
use serde_json::{json, Value};
use tracelens::app::browser;
use tracelens::app::pane::browser::{parse_filter, BrowserModal};
use tracelens::app::{update, Action, App, AppOptions, Focus, Modal};

use support::{ctrl, deliver, fixture_trace, manifest, press, sample_copy, started, type_text};

/// A copy of the example dataset in a temp dir.
fn app() -> App {
    started(AppOptions::new(None, String::new()), 100, 30)
}

fn opened(path: &Path) -> App {
    let mut app = app();
    browser::open_dataset(&mut app, path).unwrap();
    app
}

fn lines(path: &Path) -> Vec<Value> {
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

fn selected_id(app: &App) -> String {
    let browser = app.browser.as_ref().unwrap();
    let index = browser.selected_record().unwrap();
    browser.file.summary(index).unwrap().id.clone()
}

#[test]
fn opening_focuses_the_browser_and_loads_the_first_sample() {
    let dir = tempfile::tempdir().unwrap();
    let mut app = opened(&sample_copy(dir.path()));
    assert_eq!(app.focus, Focus::Browser);
    assert_eq!(selected_id(&app), "bank_account");
    assert!(app.editor.code().starts_with("class Account:"));
    let jobs = app.take_jobs();
    assert_eq!(jobs.last().unwrap().request.code, app.editor.code());
    assert!(app.modal.is_none(), "{:?}", app.modal);
    assert!(app.message.as_deref().unwrap().contains("42 records"));
}

#[test]
fn moving_the_selection_loads_code_and_stdin() {
    let dir = tempfile::tempdir().unwrap();
    let mut app = opened(&sample_copy(dir.path()));
    type_text(&mut app, "j");
    assert_eq!(selected_id(&app), "bank_account-m15");
    press(&mut app, KeyCode::End, KeyModifiers::NONE); // unbound here: nothing happens
    press(&mut app, KeyCode::PageDown, KeyModifiers::NONE);
    press(&mut app, KeyCode::PageDown, KeyModifiers::NONE);
    press(&mut app, KeyCode::PageDown, KeyModifiers::NONE);
    press(&mut app, KeyCode::PageDown, KeyModifiers::NONE);
    press(&mut app, KeyCode::PageDown, KeyModifiers::NONE);
    assert_eq!(
        selected_id(&app),
        "word_count-m4",
        "clamped at the last sample"
    );
    assert!(app.editor.stdin_text().len() > 10, "word_count reads stdin");
    type_text(&mut app, "kk");
    assert_eq!(selected_id(&app), "word_count");
    assert!(app.editor.code().contains("counts"));
}

#[test]
fn review_keys_tags_and_notes_are_saved_with_ctrl_s() {
    let dir = tempfile::tempdir().unwrap();
    let path = sample_copy(dir.path());
    let before = std::fs::read_to_string(&path).unwrap();
    let mut app = opened(&path);
    type_text(&mut app, "a");
    type_text(&mut app, "j");
    type_text(&mut app, "r");
    type_text(&mut app, "j");
    type_text(&mut app, "ru"); // reject then back to unreviewed
    type_text(&mut app, "k");
    type_text(&mut app, "tflaky");
    press(&mut app, KeyCode::Enter, KeyModifiers::NONE);
    type_text(&mut app, "nwrong balance");
    press(&mut app, KeyCode::Enter, KeyModifiers::NONE);
    assert!(app.browser.as_ref().unwrap().file.is_dirty());
    ctrl(&mut app, 's');
    assert!(
        app.message.as_deref().unwrap().starts_with("saved"),
        "{:?}",
        app.message
    );
    let saved = lines(&path);
    assert_eq!(saved[0]["verdict"], "accepted");
    assert_eq!(saved[1]["verdict"], "rejected");
    assert_eq!(saved[1]["tags"], json!(["flaky"]));
    assert_eq!(saved[1]["note"], "wrong balance");
    assert_eq!(saved[2]["verdict"], "unreviewed");
    // Untouched records keep their bytes.
    let old: Vec<&str> = before.lines().collect();
    let new = std::fs::read_to_string(&path).unwrap();
    assert_eq!(new.lines().skip(3).collect::<Vec<_>>(), old[3..]);
    // Reopen: the changes are there, and tag completion offers the file's tags.
    let mut app = opened(&path);
    type_text(&mut app, "j");
    type_text(&mut app, "tfl");
    press(&mut app, KeyCode::Tab, KeyModifiers::NONE);
    assert_eq!(
        app.modal,
        Some(Modal::Browser(BrowserModal::Prompt {
            kind: tracelens::app::pane::browser::PromptKind::Tag,
            text: "flaky".into()
        }))
    );
    press(&mut app, KeyCode::Enter, KeyModifiers::NONE);
    let browser = app.browser.as_ref().unwrap();
    assert!(
        browser.file.summary(1).unwrap().tags.is_empty(),
        "t toggles"
    );
    assert_eq!(browser.file.summary(0).unwrap().verdict, "accepted");
}

#[test]
fn editing_keys_in_the_editor_do_not_trigger_browser_commands() {
    let dir = tempfile::tempdir().unwrap();
    let mut app = opened(&sample_copy(dir.path()));
    press(&mut app, KeyCode::Tab, KeyModifiers::NONE);
    assert_eq!(app.focus, Focus::Editor);
    type_text(&mut app, "a");
    assert!(app.editor.code().starts_with("aclass"));
    assert_eq!(
        app.browser
            .as_ref()
            .unwrap()
            .file
            .summary(0)
            .unwrap()
            .verdict,
        "unreviewed"
    );
    // Tab cycles back to the browser; without a dataset it is skipped.
    for _ in 0..3 {
        press(&mut app, KeyCode::Tab, KeyModifiers::NONE);
    }
    assert_eq!(app.focus, Focus::Browser);
    let mut plain = self::app();
    for _ in 0..3 {
        press(&mut plain, KeyCode::Tab, KeyModifiers::NONE);
    }
    assert_eq!(plain.focus, Focus::Editor);
}

#[test]
fn filters_and_search_narrow_the_list() {
    let dir = tempfile::tempdir().unwrap();
    let mut app = opened(&sample_copy(dir.path()));
    type_text(&mut app, "fop:CRP outcome:completed");
    press(&mut app, KeyCode::Enter, KeyModifiers::NONE);
    let browser = app.browser.as_ref().unwrap();
    assert_eq!(browser.visible.len(), 13, "{:?}", app.message);
    assert!(browser
        .visible
        .iter()
        .all(|i| { browser.file.summary(*i).unwrap().operator.as_deref() == Some("CRP") }));
    assert_eq!(selected_id(&app), "bank_account-m23");
    assert!(
        app.editor.code().contains("class Account"),
        "the selection is loaded"
    );
    type_text(&mut app, "x/memo");
    press(&mut app, KeyCode::Enter, KeyModifiers::NONE);
    assert_eq!(app.browser.as_ref().unwrap().visible.len(), 2);
    type_text(&mut app, "a");
    type_text(&mut app, "x");
    type_text(&mut app, "fverdict:accepted");
    press(&mut app, KeyCode::Enter, KeyModifiers::NONE);
    assert_eq!(selected_id(&app), "fibonacci_memo");
    assert_eq!(app.browser.as_ref().unwrap().visible.len(), 1);
    type_text(&mut app, "fcolour:red");
    press(&mut app, KeyCode::Enter, KeyModifiers::NONE);
    assert!(app
        .message
        .as_deref()
        .unwrap()
        .contains("unknown filter `colour`"));
    assert_eq!(
        app.browser.as_ref().unwrap().visible.len(),
        1,
        "a bad filter changes nothing"
    );
}

#[test]
fn filter_specs_parse() {
    let f = parse_filter("verdict:rejected tag:x op:AOR diverged:yes outcome:exception sort list")
        .unwrap();
    assert_eq!(f.verdict.as_deref(), Some("rejected"));
    assert_eq!(f.tag.as_deref(), Some("x"));
    assert_eq!(f.operator.as_deref(), Some("AOR"));
    assert_eq!(f.diverged, Some(true));
    assert_eq!(f.outcome.as_deref(), Some("exception"));
    assert_eq!(f.text, "sort list");
    assert!(parse_filter("diverged:maybe")
        .unwrap_err()
        .contains("yes or no"));
}

#[test]
fn filters_refuse_values_no_record_has_and_take_quoted_tags() {
    let err = parse_filter("verdict:maybe").unwrap_err();
    assert!(err.contains("unreviewed, accepted, rejected"), "{err}");
    assert!(parse_filter("outcome:finished").is_err());
    assert!(parse_filter("op:XYZ").is_err());
    assert_eq!(
        parse_filter("op:crp").unwrap().operator.as_deref(),
        Some("CRP")
    );
    let f = parse_filter(r#"tag:"two words" loop"#).unwrap();
    assert_eq!(f.tag.as_deref(), Some("two words"));
    assert_eq!(f.text, "loop");
    assert!(parse_filter(r#"tag:"open"#).is_err());
}

/// A one-record dataset holding sum_squares.py with a prediction.
fn sum_squares_dataset(dir: &Path) -> PathBuf {
    let code = std::fs::read_to_string(manifest("tests/fixtures/tui/sum_squares.py")).unwrap();
    let record = json!({"id": "sq", "code": code, "prediction": "<line> 1 </line>",
                        "verdict": "accepted", "keep": {"me": 1}});
    let path = dir.join("sq.jsonl");
    std::fs::write(&path, format!("{record}\n")).unwrap();
    path
}

#[test]
fn save_sample_stores_the_new_truth_and_clears_a_stale_prediction() {
    let dir = tempfile::tempdir().unwrap();
    let path = sum_squares_dataset(dir.path());
    let mut app = opened(&path);
    type_text(&mut app, "s");
    assert!(
        app.message.as_deref().unwrap().contains("not ready"),
        "{:?}",
        app.message
    );
    deliver(&mut app, fixture_trace("sum_squares.trace.json"));
    type_text(&mut app, "s");
    ctrl(&mut app, 's');
    let saved = &lines(&path)[0];
    assert_eq!(
        saved["prediction"], "<line> 1 </line>",
        "the code did not change"
    );
    assert!(!saved["trace"].as_array().unwrap().is_empty());
    assert!(!saved["code_tokens"].as_array().unwrap().is_empty());
    assert_eq!(saved["outcome"], "completed");
    assert_eq!(saved["keep"], json!({"me": 1}));
    // Edit the code: the prediction is stale and is cleared on save.
    press(&mut app, KeyCode::Tab, KeyModifiers::NONE);
    press(&mut app, KeyCode::End, KeyModifiers::NONE);
    type_text(&mut app, "  # edited");
    press(&mut app, KeyCode::BackTab, KeyModifiers::SHIFT);
    assert_eq!(app.focus, Focus::Browser);
    type_text(&mut app, "s");
    assert!(app.message.as_deref().unwrap().contains("not ready"));
    deliver(&mut app, fixture_trace("sum_squares.trace.json"));
    type_text(&mut app, "s");
    ctrl(&mut app, 's');
    let saved = &lines(&path)[0];
    assert!(
        saved.get("prediction").is_none_or(Value::is_null),
        "{saved}"
    );
    assert!(saved["code"].as_str().unwrap().contains("# edited"));
}

#[test]
fn save_as_new_sample_points_origin_at_the_source() {
    let dir = tempfile::tempdir().unwrap();
    let path = sum_squares_dataset(dir.path());
    let mut app = opened(&path);
    press(&mut app, KeyCode::Tab, KeyModifiers::NONE);
    type_text(&mut app, "# mutant by hand");
    press(&mut app, KeyCode::Enter, KeyModifiers::NONE);
    press(&mut app, KeyCode::BackTab, KeyModifiers::SHIFT);
    deliver(&mut app, fixture_trace("sum_squares.trace.json"));
    type_text(&mut app, "S");
    assert_eq!(selected_id(&app), "sq-edit-1");
    ctrl(&mut app, 's');
    let saved = lines(&path);
    assert_eq!(saved.len(), 2);
    assert!(!saved[0]["code"].as_str().unwrap().contains("mutant"));
    assert_eq!(saved[1]["id"], "sq-edit-1");
    assert_eq!(saved[1]["origin"]["id"], "sq");
    assert_eq!(saved[1]["verdict"], "unreviewed");
    assert!(saved[1]["code"]
        .as_str()
        .unwrap()
        .starts_with("# mutant by hand\n"));
    assert!(saved[1].get("prediction").is_none_or(Value::is_null));
}

#[test]
fn saving_over_a_file_changed_on_disk_asks_first() {
    let dir = tempfile::tempdir().unwrap();
    let path = sample_copy(dir.path());
    let mut app = opened(&path);
    type_text(&mut app, "a");
    // Another program replaces the file (write a new one, rename it over the old).
    let other = dir.path().join("other.jsonl");
    std::fs::write(&other, "{\"id\": \"other\", \"code\": \"x = 1\\n\"}\n").unwrap();
    std::fs::rename(&other, &path).unwrap();
    ctrl(&mut app, 's');
    assert_eq!(
        app.modal,
        Some(Modal::Browser(BrowserModal::ConfirmOverwrite))
    );
    type_text(&mut app, "yn");
    assert!(
        app.modal.is_some(),
        "y and n are not answers: s saves, Esc cancels"
    );
    press(&mut app, KeyCode::Esc, KeyModifiers::NONE);
    assert!(app.modal.is_none());
    assert_eq!(lines(&path).len(), 1, "not overwritten");
    ctrl(&mut app, 's');
    type_text(&mut app, "s");
    let saved = lines(&path);
    assert_eq!(saved.len(), 42);
    assert_eq!(saved[0]["verdict"], "accepted");
}

#[test]
fn a_pending_journal_is_offered_and_replayed() {
    let dir = tempfile::tempdir().unwrap();
    let path = sample_copy(dir.path());
    let mut app = opened(&path);
    type_text(&mut app, "jj");
    type_text(&mut app, "r");
    drop(app); // killed before saving: the journal keeps the verdict
    let mut app = opened(&path);
    assert!(matches!(
        app.modal,
        Some(Modal::Browser(BrowserModal::Journal(_)))
    ));
    type_text(&mut app, "r");
    assert!(
        app.message.as_deref().unwrap().contains("replayed 1"),
        "{:?}",
        app.message
    );
    assert_eq!(
        app.browser
            .as_ref()
            .unwrap()
            .file
            .summary(2)
            .unwrap()
            .verdict,
        "rejected"
    );
    ctrl(&mut app, 's');
    assert_eq!(lines(&path)[2]["verdict"], "rejected");
}

#[test]
fn malformed_lines_are_reported_at_open_and_the_in_app_open_works() {
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.jsonl");
    std::fs::write(&bad, "{\"id\": \"ok\", \"code\": \"x = 1\\n\"}\n{broken\n").unwrap();
    let mut app = app();
    ctrl(&mut app, 'o');
    type_text(&mut app, bad.to_str().unwrap());
    press(&mut app, KeyCode::Enter, KeyModifiers::NONE);
    let Some(Modal::Browser(BrowserModal::Report(report))) = &app.modal else {
        panic!("no report: {:?}", app.modal);
    };
    assert!(report.iter().any(|l| l.contains("line 2")), "{report:?}");
    type_text(&mut app, " ");
    assert!(app.modal.is_none());
    assert_eq!(app.focus, Focus::Browser);
    assert_eq!(app.editor.code(), "x = 1\n");
    ctrl(&mut app, 'o');
    type_text(&mut app, "/no/such/file.jsonl");
    press(&mut app, KeyCode::Enter, KeyModifiers::NONE);
    assert!(app
        .message
        .as_deref()
        .unwrap()
        .contains("/no/such/file.jsonl"));
    assert_eq!(selected_id(&app), "ok", "the open dataset stays");
}

#[test]
fn browser_render_snapshot() {
    let dir = tempfile::tempdir().unwrap();
    let mut app = opened(&sample_copy(dir.path()));
    type_text(&mut app, "a");
    type_text(&mut app, "jr");
    type_text(&mut app, "tedge");
    press(&mut app, KeyCode::Enter, KeyModifiers::NONE);
    app.message = None;
    let mut terminal = Terminal::new(TestBackend::new(100, 30)).unwrap();
    terminal.draw(|f| tracelens::ui::draw(f, &app)).unwrap();
    insta::assert_snapshot!(terminal.backend());
}

#[test]
fn clicking_a_row_selects_it_and_the_wheel_moves_the_selection() {
    use crossterm::event::{MouseButton, MouseEvent, MouseEventKind};
    use tracelens::app::layout::{inner, PaneAreas};
    let dir = tempfile::tempdir().unwrap();
    let mut app = opened(&sample_copy(dir.path()));
    press(&mut app, KeyCode::Tab, KeyModifiers::NONE);
    assert_eq!(app.focus, Focus::Editor);
    let list = inner(PaneAreas::compute(app.screen).unwrap().code);
    let mouse = |kind, row| {
        Action::Mouse(MouseEvent {
            kind,
            column: list.x + 2,
            row,
            modifiers: KeyModifiers::NONE,
        })
    };
    update(
        &mut app,
        mouse(MouseEventKind::Down(MouseButton::Left), list.y + 3),
    );
    assert_eq!(app.focus, Focus::Browser);
    assert_eq!(selected_id(&app), "binary_search");
    update(&mut app, mouse(MouseEventKind::ScrollDown, list.y));
    assert_eq!(selected_id(&app), "binary_search-m68");
    assert!(app.editor.code().contains("def "));
}

#[test]
fn quitting_with_unsaved_dataset_edits_asks_and_s_saves_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = sample_copy(dir.path());
    let mut app = opened(&path);
    type_text(&mut app, "a");
    ctrl(&mut app, 'q');
    assert!(!app.quit, "unsaved verdicts must not be dropped silently");
    assert!(matches!(app.modal, Some(Modal::ConfirmQuit)));
    press(&mut app, KeyCode::Esc, KeyModifiers::NONE);
    assert!(app.modal.is_none() && !app.quit);
    ctrl(&mut app, 'q');
    type_text(&mut app, "s");
    assert!(app.quit, "saving the dataset lets the explorer quit");
    assert_eq!(lines(&path)[0]["verdict"], "accepted");
}

#[test]
fn a_prompt_takes_quit_and_help_keys_as_text() {
    let dir = tempfile::tempdir().unwrap();
    let path = sample_copy(dir.path());
    let mut app = opened(&path);
    type_text(&mut app, "tq?");
    assert!(!app.quit, "q in the tag prompt quit the explorer");
    assert!(
        matches!(&app.modal, Some(Modal::Browser(BrowserModal::Prompt { text, .. })) if text == "q?"),
        "{:?}",
        app.modal
    );
    press(&mut app, KeyCode::Enter, KeyModifiers::NONE);
    assert!(app.modal.is_none(), "{:?}", app.modal);
}
