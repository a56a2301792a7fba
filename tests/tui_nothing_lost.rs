//! The explorer loses no work without a question and asks its questions plainly (issue 22):
//! the save question's letters, stdin saved beside the program, "modified" meaning "differs
//! from disk", the recovery file kept on Esc, a discarded dataset's journal set aside,
//! auto-indent from the text before the cursor, and pop-ups that always show their keys.

mod support;

use std::path::PathBuf;

use crossterm::event::{KeyCode, KeyModifiers};
use tracelens::app::browser;
use tracelens::app::pane::browser::BrowserModal;
use tracelens::app::{update, Action, AppOptions, Command, Focus, Leave, Modal};
use tracelens::dataset::{DatasetFile, Verdict};

use support::{cmd, ctrl, key, press, read_fixture, sample_copy, screen, started, type_text};

fn options(path: Option<PathBuf>, code: &str) -> AppOptions {
    AppOptions::new(path, code.to_string())
}

#[test]
fn the_quit_question_names_the_file_and_uses_explicit_letters() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bubble_sort.py");
    std::fs::write(&path, "x = 1\n").unwrap();
    let mut app = started(options(Some(path.clone()), "x = 1\n"), 100, 30);
    type_text(&mut app, "y");
    ctrl(&mut app, 'q');
    assert_eq!(app.modal, Some(Modal::ConfirmQuit));
    let shown = screen(&app, 100, 30);
    assert!(shown.contains("Save changes to bubble_sort.py?"), "{shown}");
    for hint in ["s save", "d discard", "Esc cancel"] {
        assert!(shown.contains(hint), "{hint} missing:\n{shown}");
    }
    // y, n and a second Ctrl-Q answer nothing: only the letters on screen do.
    type_text(&mut app, "yn");
    ctrl(&mut app, 'q');
    assert_eq!(
        (app.quit, app.modal.clone()),
        (false, Some(Modal::ConfirmQuit))
    );
    key(&mut app, KeyCode::Esc);
    assert_eq!((app.quit, app.modal.clone()), (false, None));
    ctrl(&mut app, 'q');
    type_text(&mut app, "s");
    assert!(app.quit);
    assert_eq!(std::fs::read_to_string(&path).unwrap(), "yx = 1\n");
}

#[test]
fn modified_means_different_from_disk() {
    let mut app = started(options(Some("p.py".into()), "x = 1\n"), 100, 30);
    type_text(&mut app, "z");
    assert!(app.editor.modified);
    cmd(&mut app, Command::Undo);
    assert!(!app.editor.modified, "undone back to the file's text");
    assert!(!screen(&app, 100, 30).contains("[+]"));
    // A mutation, then back to the original program (Alt-R, Alt-O): clean again.
    let mut app = started(options(Some("p.py".into()), "x = 1 + 2\n"), 100, 30);
    cmd(&mut app, Command::MutateRandom);
    assert!(app.editor.modified, "{:?}", app.message);
    cmd(&mut app, Command::BackToOriginal);
    assert!(!app.editor.modified);
    ctrl(&mut app, 'q');
    assert!(app.quit, "nothing to save: no question");
}

#[test]
fn stdin_edits_count_as_unsaved_and_are_saved_beside_the_program() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("reads.py");
    std::fs::write(&path, "x = input()\n").unwrap();
    let mut app = started(options(Some(path.clone()), "x = input()\n"), 100, 30);
    app.focus = Focus::Stdin;
    type_text(&mut app, "42");
    assert!(app.editor.stdin_modified && !app.editor.modified);
    ctrl(&mut app, 'q');
    assert_eq!(
        app.modal,
        Some(Modal::ConfirmQuit),
        "stdin edits are work too"
    );
    assert!(screen(&app, 100, 30).contains("Save changes to reads.stdin?"));
    key(&mut app, KeyCode::Esc);
    ctrl(&mut app, 's');
    let stdin = dir.path().join("reads.stdin");
    assert_eq!(std::fs::read_to_string(&stdin).unwrap(), "42\n");
    assert!(app.message.as_deref().unwrap().contains("reads.stdin"));
    assert!(!app.editor.stdin_modified);
    ctrl(&mut app, 'q');
    assert!(app.quit);
}

#[test]
fn esc_on_the_recovery_offer_keeps_the_file_for_the_next_start() {
    let dir = tempfile::tempdir().unwrap();
    let rec = dir.path().join("p.py.recover");
    std::fs::write(&rec, "x = 2\n").unwrap();
    let mut app = started(
        AppOptions {
            recovery: Some("x = 2\n".into()),
            recovery_path: Some(rec.clone()),
            ..options(Some(dir.path().join("p.py")), "x = 1\n")
        },
        100,
        30,
    );
    assert!(matches!(app.modal, Some(Modal::Recovery(_))));
    assert!(screen(&app, 100, 30).contains("Esc keep it for later"));
    key(&mut app, KeyCode::Esc);
    assert_eq!(app.modal, None);
    type_text(&mut app, "y");
    assert_eq!(
        app.take_recovery_snapshot(),
        None,
        "the kept file is not overwritten"
    );
    cmd(&mut app, Command::Undo);
    ctrl(&mut app, 'q');
    assert!(app.quit);
    assert_eq!(std::fs::read_to_string(&rec).unwrap(), "x = 2\n");
}

#[test]
fn quitting_without_saving_a_dataset_sets_its_journal_aside() {
    let dir = tempfile::tempdir().unwrap();
    let path = sample_copy(dir.path());
    let mut app = started(AppOptions::new(None, String::new()), 100, 30);
    browser::open_dataset(&mut app, &path).unwrap();
    type_text(&mut app, "a");
    ctrl(&mut app, 'q');
    assert!(screen(&app, 100, 30).contains("Save changes to dataset.jsonl?"));
    type_text(&mut app, "d");
    assert!(app.quit);
    drop(app);
    let reopened = DatasetFile::open(&path).unwrap();
    assert!(
        reopened.pending_journal().is_none(),
        "discarded edits are not offered again"
    );
    assert!(dir.path().join("dataset.jsonl.journal.discarded").exists());
    assert_ne!(
        reopened.summary(0).unwrap().verdict,
        Verdict::Accepted.as_str()
    );
}

#[test]
fn enter_indents_only_from_the_text_before_the_cursor() {
    let mut app = started(options(None, "if True:\n    x = 1\n"), 100, 30);
    key(&mut app, KeyCode::Enter);
    assert_eq!(
        app.editor.code(),
        "\nif True:\n    x = 1\n",
        "column 0 adds no indent"
    );
    press(&mut app, KeyCode::Down, KeyModifiers::NONE);
    press(&mut app, KeyCode::Home, KeyModifiers::NONE);
    key(&mut app, KeyCode::Enter);
    assert_eq!(
        app.editor.code(),
        "\nif True:\n\n    x = 1\n",
        "the indent is not doubled"
    );
    press(&mut app, KeyCode::Up, KeyModifiers::NONE);
    press(&mut app, KeyCode::Up, KeyModifiers::NONE);
    press(&mut app, KeyCode::End, KeyModifiers::NONE);
    key(&mut app, KeyCode::Enter);
    type_text(&mut app, "y");
    assert_eq!(
        app.editor.code(),
        "\nif True:\n    y\n\n    x = 1\n",
        "after `:` one level in"
    );
}

#[test]
fn a_copy_of_the_sample_is_named_after_it_and_saved_elsewhere() {
    let mut app = started(
        AppOptions {
            name: Some("bubble_sort.py".into()),
            ..options(None, "x = 1\n")
        },
        100,
        30,
    );
    assert!(screen(&app, 100, 30).contains("Editor · bubble_sort.py"));
    ctrl(&mut app, 's');
    assert_eq!(app.modal, Some(Modal::SavePath("bubble_sort.py".into())));
}

#[test]
fn pop_ups_always_show_their_keys() {
    let dir = tempfile::tempdir().unwrap();
    let path = sample_copy(dir.path());
    let mut app = started(AppOptions::new(None, String::new()), 100, 30);
    browser::open_dataset(&mut app, &path).unwrap();
    type_text(&mut app, "a");
    drop(app); // killed before saving: a journal is left
    for (width, height) in [(220, 50), (80, 24)] {
        let mut app = started(AppOptions::new(None, String::new()), width, height);
        browser::open_dataset(&mut app, &path).unwrap();
        assert!(matches!(
            app.modal,
            Some(Modal::Browser(BrowserModal::Journal(_)))
        ));
        let shown = screen(&app, width, height);
        assert!(
            shown.contains("r replay them") && shown.contains("d set them aside"),
            "{width}x{height}:\n{shown}"
        );
    }
    // Only the tag prompt completes tags.
    let mut app = started(AppOptions::new(None, String::new()), 100, 30);
    browser::open_dataset(&mut app, &path).unwrap();
    key(&mut app, KeyCode::Esc);
    cmd(&mut app, Command::Search);
    assert!(matches!(
        app.modal,
        Some(Modal::Browser(BrowserModal::Prompt { .. }))
    ));
    assert!(!screen(&app, 100, 30).contains("complete a tag"));
    key(&mut app, KeyCode::Esc);
    cmd(&mut app, Command::Tag);
    assert!(screen(&app, 100, 30).contains("complete a tag"));
}

#[test]
fn switching_samples_or_datasets_over_unsaved_edits_asks_first() {
    let dir = tempfile::tempdir().unwrap();
    let path = sample_copy(dir.path());
    let mut app = started(AppOptions::new(None, String::new()), 100, 30);
    browser::open_dataset(&mut app, &path).unwrap();
    let first = app.editor.code();
    app.focus = Focus::Editor;
    type_text(&mut app, "#");
    app.focus = Focus::Browser;
    type_text(&mut app, "j");
    assert_eq!(app.modal, Some(Modal::ConfirmLeave(Leave::Select(1))));
    let shown = screen(&app, 100, 30);
    assert!(
        shown.contains("Save changes to bank_account?") && shown.contains("d discard"),
        "{shown}"
    );
    key(&mut app, KeyCode::Esc);
    assert_eq!(app.editor.code(), format!("#{first}"), "Esc keeps the edit");
    type_text(&mut app, "j");
    type_text(&mut app, "d");
    assert_eq!(app.modal, None);
    assert_ne!(
        app.editor.code(),
        format!("#{first}"),
        "d discards and moves on"
    );
    assert!(!app.editor.modified);

    // Ctrl-O over an unsaved verdict asks; s saves the dataset, then asks for the file.
    type_text(&mut app, "a");
    ctrl(&mut app, 'o');
    assert_eq!(app.modal, Some(Modal::ConfirmLeave(Leave::OpenDataset)));
    type_text(&mut app, "s");
    assert!(matches!(
        app.modal,
        Some(Modal::Browser(BrowserModal::Prompt { .. }))
    ));
    assert!(!app.dataset_modified());
}

#[test]
fn page_keys_move_a_page_and_ctrl_home_end_reach_the_ends() {
    let code: String = (0..100).map(|i| format!("x{i} = {i}\n")).collect();
    let mut app = started(options(None, &code), 100, 30);
    press(&mut app, KeyCode::Right, KeyModifiers::NONE);
    press(&mut app, KeyCode::PageDown, KeyModifiers::NONE);
    let (row, column) = app.editor.program.cursor();
    assert!(row > 5 && column == 1, "PageDown moved to {row}:{column}");
    press(&mut app, KeyCode::PageUp, KeyModifiers::NONE);
    assert_eq!(app.editor.program.cursor(), (0, 1));
    press(&mut app, KeyCode::End, KeyModifiers::CONTROL);
    assert_eq!(app.editor.program.cursor().0, 99, "the last line");
    press(&mut app, KeyCode::Home, KeyModifiers::CONTROL);
    assert_eq!(app.editor.program.cursor(), (0, 0));
    assert!(!app.editor.modified, "moving is not editing");
}

#[test]
fn down_from_the_end_of_a_long_line_shows_the_short_line_from_its_start() {
    let code = format!("{}\nshort = 1\n", "y".repeat(200));
    let mut app = started(options(None, &code), 100, 30);
    press(&mut app, KeyCode::End, KeyModifiers::NONE);
    let _ = screen(&app, 100, 30);
    press(&mut app, KeyCode::Down, KeyModifiers::NONE);
    assert!(screen(&app, 100, 30).contains("short = 1"));
}

#[test]
fn the_status_bar_shows_the_message_before_the_decoration() {
    let mut app = started(
        options(
            Some("sum_squares.py".into()),
            &read_fixture("sum_squares.py"),
        ),
        100,
        30,
    );
    support::deliver(&mut app, support::fixture_trace("sum_squares.trace.json"));
    app.stepping.syntax_error = Some(tracelens::trace::Outcome {
        kind: tracelens::trace::OutcomeKind::SyntaxError,
        message: Some(format!("a long explanation {}", "z".repeat(80))),
        line: Some(1),
        column: Some(5),
    });
    app.message = Some("the important part".into());
    let shown = screen(&app, 100, 30);
    let status = shown.lines().last().unwrap();
    assert!(status.contains("the important part"), "{status}");
}

#[test]
fn edge_states_say_what_they_are() {
    // F3 with the model off.
    let mut app = started(options(None, "x = 1\n"), 100, 30);
    app.prediction = tracelens::app::pane::prediction::PredictionPane::new(None);
    cmd(&mut app, Command::FirstDivergence);
    assert!(
        app.message
            .as_deref()
            .unwrap_or_default()
            .contains("no model"),
        "{:?}",
        app.message
    );
    // An empty dataset file is not "no sample matches the filter".
    let dir = tempfile::tempdir().unwrap();
    let empty = dir.path().join("empty.jsonl");
    std::fs::write(&empty, "").unwrap();
    let mut app = started(AppOptions::new(None, String::new()), 100, 30);
    browser::open_dataset(&mut app, &empty).unwrap();
    app.modal = None;
    let shown = screen(&app, 100, 30);
    assert!(
        shown.contains("the file holds no samples") && !shown.contains("matches the filter"),
        "{shown}"
    );
}

#[test]
fn notes_are_marked_in_the_list() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("d.jsonl");
    std::fs::write(
        &path,
        "{\"id\": \"noted\", \"code\": \"x = 1\\n\", \"note\": \"look\"}\n\
         {\"id\": \"plain\", \"code\": \"y = 2\\n\"}\n",
    )
    .unwrap();
    let mut app = started(AppOptions::new(None, String::new()), 100, 30);
    browser::open_dataset(&mut app, &path).unwrap();
    let shown = screen(&app, 100, 30);
    assert!(shown.contains("noted ✎"), "{shown}");
    assert!(!shown.contains("plain ✎"));
}

/// A one-step trace whose step has `locals` (name, repr, type).
fn one_step(locals: &[(&str, &str, &str)]) -> tracelens::trace::Trace {
    use tracelens::trace::{Event, Local, OutcomeKind, Step, Trace};
    let step = Step {
        event: Event::Line,
        line: 1,
        func: "<module>".into(),
        depth: 0,
        locals: locals
            .iter()
            .map(|(name, repr, ty)| Local {
                name: name.to_string(),
                repr: repr.to_string(),
                ty: ty.to_string(),
            })
            .collect(),
        stdout: String::new(),
        value: None,
    };
    Trace::with_steps(OutcomeKind::Completed, vec![step])
}

#[test]
fn the_variables_pane_counts_what_it_cannot_show_and_cuts_long_values() {
    let names: Vec<String> = (0..25).map(|i| format!("v{i:02}")).collect();
    let long = format!("'{}'", "z".repeat(300));
    let mut locals: Vec<(&str, &str, &str)> =
        names.iter().map(|n| (n.as_str(), "1", "int")).collect();
    locals[0].1 = &long;
    locals[0].2 = "str";
    let mut app = started(options(None, "x = 1\n"), 100, 30);
    support::deliver(&mut app, one_step(&locals));
    let shown = screen(&app, 100, 30);
    let more = shown
        .lines()
        .find_map(|l| l.split("+").nth(1).and_then(|r| r.split(" more").next()))
        .unwrap_or_else(|| panic!("no +N more mark:\n{shown}"));
    let hidden: usize = more.trim().parse().unwrap();
    let visible = names
        .iter()
        .filter(|n| shown.contains(&format!("{n} ")))
        .count();
    assert_eq!(visible + hidden, 25, "{shown}");
    assert!(
        shown.contains("zzz…"),
        "a long value is cut, not wrapped:\n{shown}"
    );
}

#[test]
fn a_crlf_file_is_saved_with_crlf() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("dos.py");
    std::fs::write(&path, "x = 1\r\ny = 2\r\n").unwrap();
    let code = std::fs::read_to_string(&path).unwrap();
    let mut app = started(options(Some(path.clone()), &code), 100, 30);
    assert!(!app.editor.modified, "opening is not editing");
    type_text(&mut app, "z");
    ctrl(&mut app, 's');
    assert_eq!(
        std::fs::read_to_string(&path).unwrap(),
        "zx = 1\r\ny = 2\r\n"
    );
}

#[test]
fn one_undo_takes_back_an_enter_with_its_indent() {
    let mut app = started(options(None, "if True:\n"), 100, 30);
    press(&mut app, KeyCode::End, KeyModifiers::NONE);
    key(&mut app, KeyCode::Enter);
    assert_eq!(app.editor.code(), "if True:\n    \n");
    cmd(&mut app, Command::Undo);
    assert_eq!(app.editor.code(), "if True:\n");
}

#[test]
fn tabs_are_drawn_to_the_next_tab_stop() {
    let mut app = started(options(None, "if x:\n\ty = 1\n"), 100, 30);
    app.focus = Focus::Stepping;
    let shown = screen(&app, 100, 30);
    assert!(shown.contains("  2     y = 1"), "{shown}");
}

#[test]
fn the_help_scrolls_no_further_than_its_end() {
    let mut app = started(options(None, "x = 1\n"), 100, 30);
    key(&mut app, KeyCode::F(1));
    for _ in 0..500 {
        key(&mut app, KeyCode::Down);
    }
    let Some(Modal::Help { scroll }) = app.modal.clone() else {
        panic!("help closed")
    };
    let rows = app.keymap.bindings().len() + 2 * tracelens::app::scope::Scope::ALL.len();
    assert!(
        usize::from(scroll) < rows,
        "scrolled to {scroll} of {rows} rows"
    );
}

#[test]
fn the_wheel_scrolls_the_variables_pane() {
    use crossterm::event::{MouseEvent, MouseEventKind};
    let names: Vec<String> = (0..25).map(|i| format!("v{i:02}")).collect();
    let locals: Vec<(&str, &str, &str)> = names.iter().map(|n| (n.as_str(), "1", "int")).collect();
    let mut app = started(options(None, "x = 1\n"), 100, 30);
    support::deliver(&mut app, one_step(&locals));
    assert!(!screen(&app, 100, 30).contains("v24 "));
    let areas = tracelens::app::layout::PaneAreas::compute(app.screen).unwrap();
    for _ in 0..30 {
        update(
            &mut app,
            Action::Mouse(MouseEvent {
                kind: MouseEventKind::ScrollDown,
                column: areas.variables.x + 2,
                row: areas.variables.y + 2,
                modifiers: KeyModifiers::NONE,
            }),
        );
    }
    let shown = screen(&app, 100, 30);
    assert!(shown.contains("v24 ") && !shown.contains("v00 "), "{shown}");
}

#[test]
fn undo_takes_back_a_typed_word_at_a_time() {
    let mut app = started(options(None, "\n"), 100, 30);
    type_text(&mut app, "total = count");
    cmd(&mut app, Command::Undo);
    assert_eq!(
        app.editor.code(),
        "total = \n",
        "the word `count` in one step"
    );
    cmd(&mut app, Command::Undo);
    assert_eq!(app.editor.code(), "total =\n");
    cmd(&mut app, Command::Redo);
    cmd(&mut app, Command::Redo);
    assert_eq!(app.editor.code(), "total = count\n");
}
