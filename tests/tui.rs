//! The explorer, headless: update rules on an `App` (stepping, stale handling, newest result
//! wins), snapshot renders on ratatui's TestBackend, theme styles and theme files.

mod support;

use std::path::PathBuf;

use crossterm::event::{
    Event as TermEvent, KeyCode, KeyEvent, KeyModifiers, MouseButton, MouseEvent, MouseEventKind,
};
use ratatui::buffer::Buffer;
use tracelens::app::layout::{inner, PaneAreas};
use tracelens::app::{update, Action, App, AppOptions, Command, Focus, Keymap, Modal, Theme};

use support::{
    buffer_rows, cmd, deliver, fixture, fixture_trace, key, read_fixture, render, started,
};

fn app_on(program: &str, theme: Theme) -> App {
    started(
        AppOptions {
            path: Some(PathBuf::from(program)),
            code: read_fixture(program),
            stdin: String::new(),
            name: None,
            theme,
            keymap: Keymap::default(),
            recovery: None,
            recovery_path: None,
        },
        100,
        30,
    )
}

/// The app on sum_squares.py with its trace delivered.
fn traced_app(theme: Theme) -> App {
    let mut app = app_on("sum_squares.py", theme);
    deliver(&mut app, fixture_trace("sum_squares.trace.json"));
    app
}

fn line_of(app: &App) -> u32 {
    app.stepping.current_step().unwrap().line
}

// ---- stepping rules ----

#[test]
fn next_prev_ten_first_last_and_jump() {
    let mut app = traced_app(Theme::default_theme());
    app.focus = Focus::Stepping;
    assert_eq!(app.stepping.step, 0);
    key(&mut app, KeyCode::Char('n'));
    key(&mut app, KeyCode::Right);
    assert_eq!(app.stepping.step, 2);
    key(&mut app, KeyCode::Left);
    assert_eq!(app.stepping.step, 1);
    cmd(&mut app, Command::Forward10);
    assert_eq!(app.stepping.step, 11);
    cmd(&mut app, Command::Forward10);
    assert_eq!(app.stepping.step, 18, "clamped at the last step");
    cmd(&mut app, Command::Back10);
    assert_eq!(app.stepping.step, 8);
    key(&mut app, KeyCode::Home);
    assert_eq!(app.stepping.step, 0);
    key(&mut app, KeyCode::End);
    assert_eq!(app.stepping.step, 18);
    key(&mut app, KeyCode::Char(':'));
    assert_eq!(app.modal, Some(Modal::JumpToStep(String::new())));
    for c in ['1', 'x', '2'] {
        key(&mut app, KeyCode::Char(c));
    }
    key(&mut app, KeyCode::Enter);
    assert_eq!(
        (app.stepping.step, app.modal.clone()),
        (11, None),
        "jump to step 12 (1-based)"
    );
    key(&mut app, KeyCode::Char(':'));
    for c in ['9', '9'] {
        key(&mut app, KeyCode::Char(c));
    }
    key(&mut app, KeyCode::Enter);
    assert_eq!(app.stepping.step, 11, "an out-of-range jump is refused");
    assert!(app.message.as_deref().unwrap().contains("no step 99"));
}

#[test]
fn step_over_and_out_and_their_reverses() {
    let mut app = traced_app(Theme::default_theme());
    app.stepping.step = 2; // line 5, i = 0 (module)
    cmd(&mut app, Command::StepOver);
    assert_eq!(
        (app.stepping.step, line_of(&app)),
        (6, 6),
        "skips the call of square"
    );
    cmd(&mut app, Command::BackOver);
    assert_eq!(app.stepping.step, 2);
    app.stepping.step = 4; // line 2 inside square
    cmd(&mut app, Command::StepOut);
    assert_eq!((app.stepping.step, line_of(&app)), (6, 6));
    app.stepping.step = 4;
    cmd(&mut app, Command::BackOut);
    assert_eq!((app.stepping.step, line_of(&app)), (2, 5));
    cmd(&mut app, Command::BackOut);
    assert_eq!(
        app.stepping.step, 2,
        "no shallower step before the module: stays"
    );
    assert!(app.message.is_some());
}

#[test]
fn next_and_previous_step_on_the_editor_cursor_line() {
    let mut app = traced_app(Theme::default_theme());
    for _ in 0..5 {
        key(&mut app, KeyCode::Down); // editor focused: moves the cursor to line 6
    }
    assert_eq!(app.editor.program.cursor().0, 5);
    cmd(&mut app, Command::NextOnCursorLine);
    assert_eq!((app.stepping.step, line_of(&app)), (6, 6));
    cmd(&mut app, Command::NextOnCursorLine);
    assert_eq!((app.stepping.step, line_of(&app)), (11, 6));
    cmd(&mut app, Command::PrevOnCursorLine);
    assert_eq!(app.stepping.step, 6);
    cmd(&mut app, Command::PrevOnCursorLine);
    assert_eq!(app.stepping.step, 6, "no earlier step on line 6");
}

#[test]
fn mouse_click_selects_a_step() {
    let mut app = traced_app(Theme::default_theme());
    let list = inner(PaneAreas::compute(app.screen).unwrap().steps);
    update(
        &mut app,
        Action::Mouse(MouseEvent {
            kind: MouseEventKind::Down(MouseButton::Left),
            column: list.x + 2,
            row: list.y + 3,
            modifiers: KeyModifiers::NONE,
        }),
    );
    assert_eq!((app.focus, app.stepping.step), (Focus::Stepping, 3));
}

// ---- live re-trace ----

#[test]
fn an_edit_marks_the_trace_stale_and_requests_a_debounced_trace() {
    let mut app = traced_app(Theme::default_theme());
    app.take_jobs();
    key(&mut app, KeyCode::Char('#'));
    assert!(app.stepping.stale && app.editor.modified);
    let jobs = app.take_jobs();
    assert_eq!(jobs.len(), 1);
    assert!(!jobs[0].debounce.is_zero());
    assert!(jobs[0].request.code.starts_with("#def square"));
    deliver(&mut app, fixture_trace("sum_squares.trace.json"));
    assert!(
        !app.stepping.stale,
        "the result of the newest request clears stale"
    );
}

#[test]
fn the_newest_result_wins_and_older_ones_are_dropped() {
    let mut app = traced_app(Theme::default_theme());
    let old = app.latest_request();
    key(&mut app, KeyCode::Char('x'));
    let newer = app.latest_request();
    assert!(newer > old);
    update(
        &mut app,
        Action::Traced {
            id: newer,
            result: Ok(fixture_trace("loop_timeout.trace.json")),
        },
    );
    update(
        &mut app,
        Action::Traced {
            id: old,
            result: Ok(fixture_trace("sum_squares.trace.json")),
        },
    );
    assert_eq!(app.dropped_results, 1);
    let view = app.stepping.view.as_ref().unwrap();
    assert_eq!(
        view.trace().outcome.kind.as_str(),
        "timeout",
        "the stale result did not replace it"
    );
}

#[test]
fn a_syntax_error_keeps_the_last_good_trace_visible_and_stale() {
    let mut app = traced_app(Theme::default_theme());
    app.stepping.step = 5;
    key(&mut app, KeyCode::Char('('));
    deliver(&mut app, fixture_trace("syntax_error.trace.json"));
    assert!(app.stepping.stale);
    assert_eq!(app.stepping.view.as_ref().unwrap().len(), 19);
    assert_eq!(app.stepping.syntax_error.as_ref().unwrap().column, Some(1));
    assert_eq!(app.stepping.step, 5, "still steppable");
    cmd(&mut app, Command::NextStep);
    assert_eq!(app.stepping.step, 6);
    key(&mut app, KeyCode::Backspace);
    deliver(&mut app, fixture_trace("sum_squares.trace.json"));
    assert!(!app.stepping.stale && app.stepping.syntax_error.is_none());
}

#[test]
fn tracer_failures_are_reported_and_keep_the_trace() {
    let mut app = traced_app(Theme::default_theme());
    key(&mut app, KeyCode::Char('x'));
    let id = app.latest_request();
    update(
        &mut app,
        Action::Traced {
            id,
            result: Err("worker died".into()),
        },
    );
    assert_eq!(app.stepping.tracer_error.as_deref(), Some("worker died"));
    assert!(app.stepping.stale && app.stepping.view.is_some());
}

#[test]
fn quitting_with_unsaved_changes_asks_first() {
    let mut app = traced_app(Theme::default_theme());
    cmd(&mut app, Command::Quit);
    assert!(app.quit, "nothing to save: quits at once");
    let mut app = traced_app(Theme::default_theme());
    key(&mut app, KeyCode::Char('x'));
    cmd(&mut app, Command::Quit);
    assert_eq!(
        (app.quit, app.modal.clone()),
        (false, Some(Modal::ConfirmQuit))
    );
    key(&mut app, KeyCode::Esc);
    assert_eq!((app.quit, app.modal.clone()), (false, None));
    cmd(&mut app, Command::Quit);
    key(&mut app, KeyCode::Char('d'));
    assert!(app.quit);
}

#[test]
fn save_writes_the_buffer_and_asks_for_a_path_when_there_is_none() {
    let dir = tempfile::tempdir().unwrap();
    let mut app = App::new(AppOptions::new(None, "x = 1\n".into()));
    key(&mut app, KeyCode::Char('y'));
    cmd(&mut app, Command::Save);
    assert_eq!(app.modal, Some(Modal::SavePath(String::new())));
    let target = dir.path().join("new.py");
    update(&mut app, Action::Paste(target.display().to_string()));
    key(&mut app, KeyCode::Enter);
    assert_eq!(std::fs::read_to_string(&target).unwrap(), "yx = 1\n");
    assert!(!app.editor.modified);
    assert_eq!(app.path.as_deref(), Some(target.as_path()));
}

#[test]
fn help_opens_from_f1_and_question_mark_and_esc_closes_it() {
    let mut app = traced_app(Theme::default_theme());
    key(&mut app, KeyCode::Char('?'));
    assert_eq!(app.modal, None, "? types text in the editor");
    key(&mut app, KeyCode::F(1));
    assert!(matches!(app.modal, Some(Modal::Help { .. })));
    key(&mut app, KeyCode::Esc);
    assert_eq!(app.modal, None);
    app.focus = Focus::Stepping;
    key(&mut app, KeyCode::Char('?'));
    assert!(matches!(app.modal, Some(Modal::Help { .. })));
}

#[test]
fn tab_cycles_focus_and_stdin_edits_retrace() {
    let mut app = traced_app(Theme::default_theme());
    key(&mut app, KeyCode::Tab);
    assert_eq!(app.focus, Focus::Stepping);
    key(&mut app, KeyCode::Tab);
    assert_eq!(app.focus, Focus::Stdin);
    app.take_jobs();
    key(&mut app, KeyCode::Char('7'));
    let jobs = app.take_jobs();
    assert_eq!(jobs.last().unwrap().request.stdin, "7\n");
    assert!(
        app.stepping.stale && !app.editor.modified && app.editor.stdin_modified,
        "stdin edits re-trace and dirty the stdin, not the program"
    );
    update(
        &mut app,
        Action::Input(TermEvent::Key(KeyEvent::new(
            KeyCode::BackTab,
            KeyModifiers::SHIFT,
        ))),
    );
    assert_eq!(app.focus, Focus::Stepping);
}

// ---- rendering ----

#[test]
fn snapshot_sample_at_a_few_steps() {
    let mut app = traced_app(Theme::default_theme());
    insta::assert_snapshot!("sample_step_1", render(&app, 100, 30).backend());
    app.stepping.step = 4;
    insta::assert_snapshot!("sample_step_5_in_square", render(&app, 100, 30).backend());
    app.focus = Focus::Stepping;
    app.stepping.step = 18;
    insta::assert_snapshot!("sample_last_step", render(&app, 100, 30).backend());
}

#[test]
fn snapshot_syntax_error() {
    let mut app = traced_app(Theme::default_theme());
    app.stepping.step = 3;
    for _ in 0..2 {
        key(&mut app, KeyCode::Down);
    }
    key(&mut app, KeyCode::Char('('));
    deliver(&mut app, fixture_trace("syntax_error.trace.json"));
    let terminal = render(&app, 100, 30);
    insta::assert_snapshot!("syntax_error", terminal.backend());
    // The error's line number and column (line 3, column 1: the `(`) carry the theme's style.
    let buffer = terminal.backend().buffer();
    let editor = inner(PaneAreas::compute(app.screen).unwrap().editor);
    let (x, y) = find(buffer, editor, "  3 (").unwrap();
    assert_eq!(
        buffer[(x + 2, y)].bg,
        app.theme.syntax_error.bg.unwrap(),
        "gutter"
    );
    assert_eq!(
        buffer[(x + 4, y)].bg,
        app.theme.syntax_error.bg.unwrap(),
        "column"
    );
    assert_ne!(
        buffer[(x + 4, y + 1)].bg,
        app.theme.syntax_error.bg.unwrap()
    );
}

#[test]
fn snapshot_timeout_outcome() {
    let mut app = app_on("loop.py", Theme::default_theme());
    deliver(&mut app, fixture_trace("loop_timeout.trace.json"));
    app.stepping.step = 6;
    insta::assert_snapshot!("timeout", render(&app, 100, 30).backend());
}

#[test]
fn snapshot_help_overlay() {
    let mut app = traced_app(Theme::default_theme());
    cmd(&mut app, Command::Help);
    insta::assert_snapshot!("help", render(&app, 100, 30).backend());
}

#[test]
fn a_too_small_terminal_gets_a_message() {
    let app = traced_app(Theme::default_theme());
    let terminal = render(&app, 60, 15);
    let text = buffer_text(terminal.backend().buffer());
    assert!(text.contains("too small"), "{text}");
    assert!(text.contains("60x15"));
}

fn buffer_text(buffer: &Buffer) -> String {
    buffer_rows(buffer)
        .into_iter()
        .map(|row| row + "\n")
        .collect()
}

/// The cell where `needle` first appears inside `area`.
fn find(buffer: &Buffer, area: ratatui::layout::Rect, needle: &str) -> Option<(u16, u16)> {
    for y in area.y..area.y + area.height {
        let row: String = (area.x..area.x + area.width)
            .map(|x| buffer[(x, y)].symbol())
            .collect();
        if let Some(at) = row.find(needle) {
            return Some((area.x + row[..at].chars().count() as u16, y));
        }
    }
    None
}

#[test]
fn current_line_and_changed_values_carry_the_themes_styles() {
    for name in ["default", "light", "high-contrast"] {
        let theme = Theme::load(name).unwrap();
        let mut app = traced_app(theme.clone());
        app.stepping.step = 11; // line 6 with i = 1: total changed from 0 to 1, i did not
        let terminal = render(&app, 100, 30);
        let buffer = terminal.backend().buffer();
        let areas = PaneAreas::compute(app.screen).unwrap();
        let (x, y) = find(buffer, areas.code, "total += square(i)").expect("current line drawn");
        let cell = &buffer[(x, y)];
        assert_eq!(
            cell.fg,
            theme.current_line.fg.unwrap(),
            "{name}: current line fg"
        );
        assert_eq!(
            cell.bg,
            theme.current_line.bg.unwrap(),
            "{name}: current line bg"
        );
        assert!(
            cell.modifier.contains(theme.current_line.add_modifier),
            "{name}"
        );
        let (x, y) = find(buffer, inner(areas.variables), "total").expect("variable drawn");
        assert_eq!(
            buffer[(x, y)].fg,
            theme.changed_value.fg.unwrap(),
            "{name}: changed value"
        );
        let (x, y) = find(buffer, inner(areas.variables), "i ").expect("variable i drawn");
        assert_ne!(
            buffer[(x, y)].fg,
            theme.changed_value.fg.unwrap(),
            "{name}: i did not change"
        );
    }
}

// ---- theme files ----

#[test]
fn invalid_theme_files_fail_naming_file_and_key() {
    let cases = [
        ("unknown_key.toml", "unknown key `curent_line`"),
        (
            "bad_colour.toml",
            "key `current_line.bg`: bad colour `blurple`",
        ),
        (
            "bad_modifier.toml",
            "key `title.modifiers`: unknown modifier `blinky`",
        ),
    ];
    for (file, expected) in cases {
        let path = fixture(&format!("themes/{file}"));
        let err = Theme::load(path.to_str().unwrap()).unwrap_err().to_string();
        assert!(err.contains(expected), "{file}: {err}");
        assert!(
            err.contains(file),
            "{file}: the message names the file: {err}"
        );
    }
}

#[test]
fn a_partial_user_theme_file_inherits_the_rest() {
    let theme = Theme::load(fixture("themes/partial.toml").to_str().unwrap()).unwrap();
    let default = Theme::default_theme();
    assert_eq!(theme.changed_value.fg, Some(ratatui::style::Color::Magenta));
    assert_eq!(theme.current_line, default.current_line);
}

// ---- recovery ----

#[test]
fn edits_are_snapshotted_for_recovery_and_a_recovered_buffer_can_be_restored_or_discarded() {
    let dir = tempfile::tempdir().unwrap();
    let rec = dir.path().join("prog.py.recover");
    let options = |recovery: Option<String>| AppOptions {
        path: Some(dir.path().join("prog.py")),
        code: "x = 1\n".into(),
        stdin: String::new(),
        name: None,
        theme: Theme::default_theme(),
        keymap: Keymap::default(),
        recovery,
        recovery_path: Some(rec.clone()),
    };
    let mut app = App::new(options(None));
    assert_eq!(
        app.take_recovery_snapshot(),
        None,
        "nothing to recover before an edit"
    );
    key(&mut app, KeyCode::Char('y'));
    let (path, text) = app.take_recovery_snapshot().unwrap();
    assert_eq!((path, text.as_str()), (rec.clone(), "yx = 1\n"));
    assert_eq!(
        app.take_recovery_snapshot(),
        None,
        "written once per change"
    );
    tracelens::app::files::write_recovery(&rec, &text).unwrap();

    let mut app = App::new(options(Some(text.clone())));
    assert_eq!(app.modal, Some(Modal::Recovery(text.clone())));
    key(&mut app, KeyCode::Char('r'));
    assert_eq!(
        (app.editor.code(), app.editor.modified, app.modal.clone()),
        (text.clone(), true, None)
    );
    assert_eq!(
        app.take_jobs().last().unwrap().request.code,
        text,
        "the restored buffer is traced"
    );

    let mut app = App::new(options(Some(text)));
    key(&mut app, KeyCode::Char('d'));
    assert_eq!(
        (app.editor.code(), app.editor.modified),
        ("x = 1\n".to_string(), false)
    );
    assert!(!rec.exists(), "discarding deletes the recovery file");
}

#[test]
fn snapshot_uncaught_exception_shows_its_details() {
    let mut app = app_on("divide.py", Theme::default_theme());
    deliver(&mut app, fixture_trace("divide_exception.trace.json"));
    app.stepping.step = 1;
    let terminal = render(&app, 100, 30);
    insta::assert_snapshot!("uncaught_exception", terminal.backend());
    let buffer = terminal.backend().buffer();
    let areas = PaneAreas::compute(app.screen).unwrap();
    let (x, y) = find(
        buffer,
        inner(areas.variables),
        "raised ZeroDivisionError('division",
    )
    .unwrap();
    assert_eq!(buffer[(x, y)].fg, app.theme.exception.fg.unwrap());
    let (x, y) = find(
        buffer,
        areas.status,
        "exception: ZeroDivisionError: division by zero (line 2)",
    )
    .unwrap();
    assert_eq!(buffer[(x, y)].fg, app.theme.exception.fg.unwrap());
}

#[test]
fn paste_inserts_text_in_the_focused_editor_and_retraces() {
    let mut app = traced_app(Theme::default_theme());
    app.take_jobs();
    update(&mut app, Action::Paste("a = 1\r\nb = 2\n".into()));
    assert!(
        app.editor
            .code()
            .starts_with("a = 1\nb = 2\ndef square(n):"),
        "{}",
        app.editor.code()
    );
    assert!(app.editor.modified && app.stepping.stale);
    assert_eq!(app.take_jobs().len(), 1);
    app.focus = Focus::Stepping;
    update(&mut app, Action::Paste("ignored".into()));
    assert!(
        !app.editor.code().contains("ignored"),
        "the stepping pane takes no text"
    );
}

#[test]
fn clicking_in_the_editor_places_the_cursor() {
    let mut app = traced_app(Theme::default_theme());
    app.focus = Focus::Stepping;
    render(&app, 100, 30); // drawing records the editor's scroll position
    let text = inner(PaneAreas::compute(app.screen).unwrap().editor);
    update(
        &mut app,
        Action::Mouse(MouseEvent {
            kind: MouseEventKind::Down(MouseButton::Left),
            column: text.x + 4 + 2, // past the 4-column gutter
            row: text.y + 3,
            modifiers: KeyModifiers::NONE,
        }),
    );
    assert_eq!(
        (app.focus, app.editor.program.cursor()),
        (Focus::Editor, (3, 2))
    );
}

#[test]
fn enter_in_the_editor_keeps_python_indentation() {
    let mut app = traced_app(Theme::default_theme());
    key(&mut app, KeyCode::End); // end of `def square(n):`
    key(&mut app, KeyCode::Enter);
    assert_eq!(app.editor.program.lines()[1], "    ");
    key(&mut app, KeyCode::Char('y'));
    key(&mut app, KeyCode::Enter);
    assert_eq!(app.editor.program.lines()[2], "    ");
    assert_eq!(app.editor.program.cursor(), (2, 4));
}
