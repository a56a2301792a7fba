//! Shared helpers of the explorer's headless tests (`tests/tui*.rs`): the recorded fixtures,
//! an app started the way the event loop starts one, keys, trace delivery and rendering.

// Each test binary uses a different subset of these helpers.
#![allow(dead_code)]

use std::path::{Path, PathBuf};

use crossterm::event::{Event as TermEvent, KeyCode, KeyEvent, KeyModifiers};
use ratatui::backend::TestBackend;
use ratatui::buffer::Buffer;
use ratatui::Terminal;
use tracelens::app::{update, Action, App, AppOptions, Command};
use tracelens::trace::Trace;

/// A path inside the repository.
pub fn manifest(path: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(path)
}

/// A file of `tests/fixtures/tui/`.
pub fn fixture(name: &str) -> PathBuf {
    manifest("tests/fixtures/tui").join(name)
}

/// The text of a file of `tests/fixtures/tui/`.
pub fn read_fixture(name: &str) -> String {
    std::fs::read_to_string(fixture(name)).unwrap()
}

/// A recorded trace of `tests/fixtures/tui/`.
pub fn fixture_trace(name: &str) -> Trace {
    serde_json::from_str(&read_fixture(name)).unwrap()
}

/// A new explorer whose tracer has started, on a `width` x `height` screen.
pub fn started(options: AppOptions, width: u16, height: u16) -> App {
    let mut app = App::new(options);
    update(&mut app, Action::TracerReady(Ok(())));
    update(&mut app, Action::Resize(width, height));
    app
}

/// Deliver `trace` as the result of the newest trace request.
pub fn deliver(app: &mut App, trace: Trace) {
    let id = app.latest_request();
    update(
        app,
        Action::Traced {
            id,
            result: Ok(trace),
        },
    );
}

/// Run `command` as if its key was pressed.
pub fn cmd(app: &mut App, command: Command) {
    update(app, Action::Command(command));
}

/// A copy of `samples/dataset.jsonl` in `dir`, to open and change.
pub fn sample_copy(dir: &Path) -> PathBuf {
    let path = dir.join("dataset.jsonl");
    std::fs::copy(manifest("samples/dataset.jsonl"), &path).unwrap();
    path
}

/// Press a key, through the keymap as the event loop does.
pub fn press(app: &mut App, code: KeyCode, mods: KeyModifiers) {
    update(
        app,
        Action::Input(TermEvent::Key(KeyEvent::new(code, mods))),
    );
}

/// Press a key without modifiers.
pub fn key(app: &mut App, code: KeyCode) {
    press(app, code, KeyModifiers::NONE);
}

pub fn ctrl(app: &mut App, c: char) {
    press(app, KeyCode::Char(c), KeyModifiers::CONTROL);
}

pub fn alt(app: &mut App, c: char) {
    press(app, KeyCode::Char(c), KeyModifiers::ALT);
}

/// Type `text`, one unmodified key per character.
pub fn type_text(app: &mut App, text: &str) {
    for c in text.chars() {
        press(app, KeyCode::Char(c), KeyModifiers::NONE);
    }
}

/// Draw one frame of `app` on a test terminal.
pub fn render(app: &App, width: u16, height: u16) -> Terminal<TestBackend> {
    let mut terminal = Terminal::new(TestBackend::new(width, height)).unwrap();
    terminal.draw(|f| tracelens::ui::draw(f, app)).unwrap();
    terminal
}

/// The rows of a drawn buffer as text.
pub fn buffer_rows(buffer: &Buffer) -> Vec<String> {
    (0..buffer.area.height)
        .map(|y| {
            (0..buffer.area.width)
                .map(|x| buffer[(x, y)].symbol())
                .collect()
        })
        .collect()
}

/// The screen of one frame of `app`, its rows joined by line breaks.
pub fn screen(app: &App, width: u16, height: u16) -> String {
    buffer_rows(render(app, width, height).backend().buffer()).join("\n")
}
