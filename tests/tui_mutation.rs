//! The explorer's mutation features, headless: the picker (cursor line vs whole program),
//! applying a mutation as an undoable edit, random mutation, the distance in the status bar,
//! the diff against the original, returning to it, and the first step where the mutant's
//! execution differs from the original's (with hand-made and real traces).

mod support;
mod tracer_support;

use std::path::PathBuf;

use crossterm::event::KeyCode;
use tracelens::app::line_diff::{line_diff, DiffLine};
use tracelens::app::mutation::status_text;
use tracelens::app::pane::mutation::{MutationPicker, PickerScope};
use tracelens::app::{App, AppOptions, Focus, Keymap, Modal};
use tracelens::mutate::{self, Mutation};
use tracelens::trace::Trace;

use support::{alt, ctrl, deliver, fixture_trace, key, read_fixture, screen, started};

fn app_with(code: &str) -> App {
    started(
        AppOptions::new(Some(PathBuf::from("sum_squares.py")), code.to_string()),
        100,
        30,
    )
}

/// sum_squares.py with its recorded trace delivered (so the original's trace is known).
fn traced_app() -> App {
    let mut app = app_with(&read_fixture("sum_squares.py"));
    deliver(&mut app, original_trace());
    app
}

fn original_trace() -> Trace {
    fixture_trace("sum_squares.trace.json")
}

fn picker(app: &App) -> MutationPicker {
    match &app.modal {
        Some(Modal::Mutations(p)) => p.clone(),
        other => panic!("expected the mutation picker, got {other:?}"),
    }
}

/// In the open picker, move down to the first mutation `wanted` accepts and apply it.
fn pick(app: &mut App, wanted: impl Fn(&Mutation) -> bool) {
    let at = picker(app).items.iter().position(wanted).unwrap();
    for _ in 0..at {
        key(app, KeyCode::Down);
    }
    key(app, KeyCode::Enter);
}

/// Apply `n * n` -> `n ** n` on line 2 of sum_squares.py through the line picker.
fn power_instead_of_product(app: &mut App) {
    cursor_to_line(app, 2);
    alt(app, 'm');
    pick(app, |m| m.before == "*" && m.after == "**");
}

/// Apply the picker's first mutation of 1-based `line`. Mutations of different lines never
/// cancel each other out, as two random ones can.
fn mutate_line(app: &mut App, line: u16) {
    cursor_to_line(app, line);
    alt(app, 'm');
    key(app, KeyCode::Enter);
}

/// Put the editor cursor on 1-based `line`.
fn cursor_to_line(app: &mut App, line: u16) {
    app.editor
        .program
        .move_cursor(tui_textarea::CursorMove::Jump(line - 1, 0));
}

#[test]
fn picker_lists_the_cursor_line_or_the_whole_program() {
    let mut app = traced_app();
    let original = app.editor.code();
    let all = mutate::mutations(&original).unwrap();
    cursor_to_line(&mut app, 2);
    alt(&mut app, 'm');
    let on_line = picker(&app);
    assert_eq!(on_line.scope, PickerScope::Line(2));
    let expected: Vec<_> = all.iter().filter(|m| m.line == 2).cloned().collect();
    assert!(!expected.is_empty());
    assert_eq!(
        on_line.items, expected,
        "exactly the mutations shown on line 2"
    );
    assert!(on_line
        .items
        .iter()
        .any(|m| m.before == "*" && m.after == "**"));
    key(&mut app, KeyCode::Char('q'));
    assert_eq!(app.modal, None, "q closes the picker");

    alt(&mut app, 'w');
    let whole = picker(&app);
    assert_eq!(whole.scope, PickerScope::Program);
    assert_eq!(whole.items, all);
    assert!(whole.items.len() > on_line.items.len());
    key(&mut app, KeyCode::Esc);
    assert_eq!(app.modal, None, "Esc closes the picker");
    assert_eq!(app.editor.code(), original, "closing applies nothing");

    cursor_to_line(&mut app, 3); // the blank line
    alt(&mut app, 'm');
    assert_eq!(app.modal, None);
    assert_eq!(app.message.as_deref(), Some("no mutations on line 3"));
}

#[test]
fn picker_moves_and_enter_applies_the_selected_mutation() {
    let mut app = traced_app();
    let original = app.editor.code();
    alt(&mut app, 'w');
    let items = picker(&app).items;
    key(&mut app, KeyCode::Down);
    key(&mut app, KeyCode::Down);
    key(&mut app, KeyCode::Up);
    assert_eq!(picker(&app).selected, 1);
    key(&mut app, KeyCode::End);
    assert_eq!(picker(&app).selected, items.len() - 1);
    key(&mut app, KeyCode::Home);
    key(&mut app, KeyCode::Down);
    key(&mut app, KeyCode::Enter);
    assert_eq!(app.modal, None);
    assert_eq!(
        app.editor.code(),
        mutate::apply(&original, &items[1]).unwrap()
    );
    assert!(
        app.editor.modified && app.stepping.stale,
        "an ordinary edit: modified, re-traced"
    );
    assert_eq!(
        status_text(&app).as_deref(),
        Some("1 mutation from the original")
    );
}

#[test]
fn pop_up_keys_and_their_hints_come_from_the_keymap() {
    let mut app = traced_app();
    app.keymap = Keymap::default()
        .with_overrides("[picker]\nchoose = [\"a\"]\nscroll_down = [\"x\"]\n")
        .unwrap();
    let original = app.editor.code();
    alt(&mut app, 'w');
    let items = picker(&app).items;
    assert!(screen(&app, 100, 30).contains(" a applies · Esc closes "));
    key(&mut app, KeyCode::Char('x'));
    assert_eq!(picker(&app).selected, 1);
    key(&mut app, KeyCode::Enter);
    key(&mut app, KeyCode::Down);
    assert_eq!(
        picker(&app).selected,
        1,
        "Enter and Down are no longer bound"
    );
    key(&mut app, KeyCode::Char('a'));
    assert_eq!(app.modal, None);
    assert_eq!(
        app.editor.code(),
        mutate::apply(&original, &items[1]).unwrap()
    );
}

#[test]
fn every_mutation_of_the_sample_applies_exactly_and_undoes_in_one_step() {
    let original = read_fixture("sum_squares.py");
    let app0 = app_with(&original);
    let code = app0.editor.code();
    for m in mutate::mutations(&code).unwrap() {
        let mut app = app_with(&original);
        app.focus = Focus::Stepping;
        alt(&mut app, 'w');
        pick(&mut app, |x| *x == m);
        let mutant = mutate::apply(&code, &m).unwrap();
        assert_eq!(app.editor.code(), mutant, "mutation {m:?}");
        app.focus = Focus::Editor;
        ctrl(&mut app, 'z');
        assert_eq!(app.editor.code(), code, "one undo reverts {m:?}");
        ctrl(&mut app, 'y');
        assert_eq!(app.editor.code(), mutant, "one redo re-applies {m:?}");
    }
}

#[test]
fn undo_redo_and_the_distance_from_the_original() {
    let mut app = traced_app();
    let original = app.editor.code();
    mutate_line(&mut app, 2);
    let first = app.editor.code();
    mutate_line(&mut app, 4);
    let second = app.editor.code();
    assert_ne!(first, second);
    assert_eq!(
        status_text(&app).as_deref(),
        Some("2 mutations from the original")
    );
    ctrl(&mut app, 'z');
    assert_eq!(app.editor.code(), first);
    assert_eq!(
        status_text(&app).as_deref(),
        Some("1 mutation from the original")
    );
    ctrl(&mut app, 'z');
    assert_eq!(app.editor.code(), original);
    assert_eq!(status_text(&app), None, "nothing to say at the original");
    ctrl(&mut app, 'y');
    ctrl(&mut app, 'y');
    assert_eq!(app.editor.code(), second);
    key(&mut app, KeyCode::Char('x'));
    assert_eq!(
        status_text(&app).as_deref(),
        Some("edited since the original")
    );
}

#[test]
fn random_mutation_applies_one_of_the_listed_mutants() {
    let mut app = traced_app();
    let original = app.editor.code();
    let mutants: Vec<String> = mutate::mutants(&original)
        .unwrap()
        .into_iter()
        .map(|m| m.code)
        .collect();
    alt(&mut app, 'r');
    assert!(
        mutants.contains(&app.editor.code()),
        "{}",
        app.editor.code()
    );
    assert_eq!(
        status_text(&app).as_deref(),
        Some("1 mutation from the original")
    );
    ctrl(&mut app, 'z');
    assert_eq!(app.editor.code(), original);
}

#[test]
fn diff_shows_the_changed_lines_against_the_original() {
    let mut app = traced_app();
    alt(&mut app, 'd');
    assert_eq!(app.modal, None, "no diff at the original");
    power_instead_of_product(&mut app);
    alt(&mut app, 'd');
    assert_eq!(app.modal, Some(Modal::Diff { scroll: 0 }));
    let diff = line_diff(app.mutation.original(), &app.editor.code());
    let changed: Vec<_> = diff
        .iter()
        .filter(|d| !matches!(d, DiffLine::Same(_)))
        .collect();
    assert_eq!(
        changed,
        [
            &DiffLine::Removed("    return n * n".into()),
            &DiffLine::Added("    return n ** n".into())
        ]
    );
    let drawn = screen(&app, 100, 30);
    assert!(drawn.contains("-     return n * n"), "{drawn}");
    assert!(drawn.contains("+     return n ** n"), "{drawn}");
    assert!(drawn.contains("-1 +1"), "{drawn}");
    key(&mut app, KeyCode::Down);
    assert_eq!(app.modal, Some(Modal::Diff { scroll: 1 }));
    key(&mut app, KeyCode::Char('q'));
    assert_eq!(app.modal, None);
}

#[test]
fn back_to_original_is_one_undoable_edit() {
    let mut app = traced_app();
    let original = app.editor.code();
    mutate_line(&mut app, 2);
    mutate_line(&mut app, 4);
    let mutated = app.editor.code();
    assert_ne!(mutated, original);
    app.focus = Focus::Stepping;
    alt(&mut app, 'o');
    assert_eq!(app.editor.code(), original);
    assert_eq!(status_text(&app), None);
    alt(&mut app, 'o');
    assert_eq!(
        app.message.as_deref(),
        Some("the buffer is the original program")
    );
    app.focus = Focus::Editor;
    ctrl(&mut app, 'z');
    assert_eq!(app.editor.code(), mutated, "undo returns to the mutant");
}

/// The recorded trace with step `k`'s first local changed, as a mutant's trace would be.
fn trace_changed_at(k: usize) -> Trace {
    let mut trace = original_trace();
    let local = trace.steps[k]
        .locals
        .first_mut()
        .expect("the step has a local");
    local.repr.push('0');
    trace
}

#[test]
fn first_changed_step_is_marked_and_shown_after_a_mutation() {
    let mut app = traced_app();
    let k = original_trace()
        .steps
        .iter()
        .position(|s| !s.locals.is_empty() && s.line == 5)
        .unwrap()
        + 2;
    mutate_line(&mut app, 2);
    assert_eq!(
        app.mutation.first_change, None,
        "not known before the trace"
    );
    deliver(&mut app, trace_changed_at(k));
    assert_eq!(app.mutation.first_change, Some(k));
    assert_eq!(
        app.stepping.step, k,
        "the explorer moves to the first change"
    );
    assert!(status_text(&app)
        .unwrap()
        .ends_with(&format!("first change at step {}", k + 1)));
    app.stepping.step = 0;
    let drawn = screen(&app, 100, 30);
    let marked: Vec<&str> = drawn.lines().filter(|l| l.contains('≠')).collect();
    assert_eq!(marked.len(), 1, "{drawn}");
    assert!(
        marked[0].contains(&format!("{}≠", k + 1)),
        "step {} marked: {drawn}",
        k + 1
    );

    // A shorter trace differs where it ends; an equal one does not differ.
    let mut shorter = original_trace();
    shorter.steps.truncate(5);
    mutate_line(&mut app, 4);
    deliver(&mut app, shorter);
    assert_eq!(app.mutation.first_change, Some(5));
    mutate_line(&mut app, 6);
    deliver(&mut app, original_trace());
    assert_eq!(app.mutation.first_change, None);
    assert_eq!(
        app.message.as_deref(),
        Some("the execution is the same as the original's")
    );
    assert!(!screen(&app, 100, 30).contains('≠'));
}

#[test]
fn first_changed_step_with_the_real_tracer() {
    let mut app = app_with(&read_fixture("sum_squares.py"));
    let original = app.editor.code();
    deliver(&mut app, tracer_support::trace(&original));
    power_instead_of_product(&mut app);
    let mutant = tracer_support::trace(&app.editor.code());
    let before = tracer_support::trace(&original);
    deliver(&mut app, mutant.clone());
    let k = app
        .mutation
        .first_change
        .expect("n ** n differs from n * n");
    assert_eq!(app.stepping.step, k);
    // square(0) returns 0 ** 0 = 1 instead of 0; everything before that return is equal.
    assert_eq!(before.steps[..k], mutant.steps[..k]);
    let step = &mutant.steps[k];
    assert_eq!(step.func, "square");
    assert_eq!(step.value.as_ref().map(|v| v.repr.as_str()), Some("1"));
    assert_eq!(
        before.steps[k].value.as_ref().map(|v| v.repr.as_str()),
        Some("0")
    );
}

#[test]
fn a_program_that_does_not_parse_cannot_be_mutated() {
    let mut app = app_with("def f(:\n");
    alt(&mut app, 'm');
    assert_eq!(app.modal, None);
    assert!(app
        .message
        .as_deref()
        .unwrap()
        .starts_with("cannot mutate: the program does not parse"));
    alt(&mut app, 'r');
    assert!(app.message.as_deref().unwrap().starts_with("cannot mutate"));
}

#[test]
fn picker_render() {
    let mut app = traced_app();
    cursor_to_line(&mut app, 6);
    alt(&mut app, 'm');
    key(&mut app, KeyCode::Down);
    insta::assert_snapshot!("mutation_picker", screen(&app, 100, 30));
}

#[test]
fn diff_render() {
    let mut app = traced_app();
    mutate_line(&mut app, 5);
    alt(&mut app, 'd');
    insta::assert_snapshot!("mutation_diff", screen(&app, 100, 30));
}
