//! The explorer in a terminal: the terminal's life cycle (raw mode, alternate screen, mouse
//! capture and bracketed paste on entry; all of it undone on every exit path, panics
//! included), the input and signal threads, and the event loop. The only module that knows
//! both `app` (the state and `update`) and `ui` (drawing).
//!
//! An input thread, a signal thread (SIGTERM, SIGHUP, SIGINT), the trace worker, the model
//! worker and (started at the live pane's first answer) the check worker send `Action`s on one
//! channel; the loop applies them, hands new trace, model and check jobs to the workers, writes
//! the recovery file (at most once a second, and once more on a signal), and redraws only after
//! something happened.

use std::io::{stdout, Stdout};
use std::process::ExitCode;
use std::sync::atomic::{AtomicI32, Ordering};
use std::sync::mpsc::{self, RecvTimeoutError};
use std::sync::Arc;
use std::thread;
use std::time::{Duration, Instant};

use crossterm::event::{
    DisableBracketedPaste, DisableMouseCapture, EnableBracketedPaste, EnableMouseCapture,
};
use crossterm::execute;
use crossterm::terminal::{
    disable_raw_mode, enable_raw_mode, EnterAlternateScreen, LeaveAlternateScreen,
};
use ratatui::backend::CrosstermBackend;
use ratatui::Terminal;
use signal_hook::consts::{SIGHUP, SIGINT, SIGTERM};
use signal_hook::iterator::Signals;

use crate::app::trace_jobs::{Lane, TraceFnFactory, TraceWorker};
use crate::app::{files, prediction, update, Action, App};

/// How often at most the recovery file is written while typing.
const RECOVERY_INTERVAL: Duration = Duration::from_secs(1);

/// Run the explorer until the user quits (status 0) or a signal ends it (status 128 + the
/// signal's number, as shells report it: 143 for SIGTERM). `tracers` makes the tracer of each
/// trace worker (the program's, and the live pane's checks).
pub fn run(mut app: App, tracers: impl Fn() -> TraceFnFactory) -> anyhow::Result<ExitCode> {
    let (tx, rx) = mpsc::channel::<Action>();
    let worker = TraceWorker::spawn(tracers(), tx.clone());
    let mut model = prediction::spawn_worker(&app, tx.clone());
    let model_tx = tx.clone();
    let check_tx = tx.clone();
    let mut checker: Option<TraceWorker> = None;
    let signal_tx = tx.clone();
    let mut terminal = TerminalGuard::enter()?;
    let size = terminal.terminal.size()?;
    update(&mut app, Action::Resize(size.width, size.height));
    terminal.terminal.draw(|f| crate::ui::draw(f, &app))?;

    thread::Builder::new()
        .name("input".into())
        .spawn(move || loop {
            match crossterm::event::read() {
                Ok(event) => {
                    if tx.send(Action::Input(event)).is_err() {
                        return;
                    }
                }
                Err(_) => return,
            }
        })?;

    let mut signals = Signals::new([SIGTERM, SIGHUP, SIGINT])?;
    let received = Arc::new(AtomicI32::new(0));
    let signal_seen = Arc::clone(&received);
    thread::Builder::new()
        .name("signals".into())
        .spawn(move || {
            if let Some(signal) = signals.forever().next() {
                signal_seen.store(signal, Ordering::SeqCst);
                let _ = signal_tx.send(Action::Terminate);
            }
        })?;
    let status = || match received.load(Ordering::SeqCst) {
        0 => ExitCode::SUCCESS,
        signal => ExitCode::from(u8::try_from(128 + signal).unwrap_or(u8::MAX)),
    };

    let mut last_recovery = Instant::now();
    loop {
        for job in app.take_jobs() {
            worker.submit(job);
        }
        if app.take_model_picked() {
            // Dropping the old worker cancels its generation; its late events are stale.
            model = prediction::spawn_worker(&app, model_tx.clone());
        }
        prediction::dispatch(&mut app, model.as_ref());
        let checks = app.causal.take_jobs();
        if !checks.is_empty() {
            let checker = checker.get_or_insert_with(|| {
                TraceWorker::spawn_lane(tracers(), check_tx.clone(), Lane::Checks)
            });
            for job in checks {
                checker.submit(job);
            }
        }
        if app.quit || last_recovery.elapsed() >= RECOVERY_INTERVAL {
            if let Some((path, text)) = app.take_recovery_snapshot() {
                if let Err(err) = files::write_recovery(&path, &text) {
                    app.message = Some(format!(
                        "cannot write recovery file {}: {err}",
                        path.display()
                    ));
                }
                last_recovery = Instant::now();
            }
        }
        if app.quit {
            return Ok(status());
        }
        let wait = if app.recovery_dirty {
            RECOVERY_INTERVAL
                .saturating_sub(last_recovery.elapsed())
                .max(Duration::from_millis(10))
        } else {
            Duration::from_secs(3600)
        };
        match rx.recv_timeout(wait) {
            Ok(action) => {
                update(&mut app, action);
                while let Ok(more) = rx.try_recv() {
                    update(&mut app, more);
                }
                if !app.quit {
                    terminal.terminal.draw(|f| crate::ui::draw(f, &app))?;
                }
            }
            Err(RecvTimeoutError::Timeout) => {}
            Err(RecvTimeoutError::Disconnected) => return Ok(status()),
        }
    }
}

/// Owns the terminal while the explorer runs; dropping it restores the terminal.
struct TerminalGuard {
    terminal: Terminal<CrosstermBackend<Stdout>>,
}

impl TerminalGuard {
    fn enter() -> anyhow::Result<TerminalGuard> {
        // A panic on the UI thread restores the terminal before its message prints. Panics on
        // other threads are caught there (the trace worker reports them in the status bar), so
        // they must neither leave raw mode nor print over the screen.
        let ui_thread = thread::current().id();
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if thread::current().id() == ui_thread {
                restore_terminal();
                previous(info);
            }
        }));
        enable_raw_mode()?;
        let entered = execute!(
            stdout(),
            EnterAlternateScreen,
            EnableMouseCapture,
            EnableBracketedPaste
        )
        .map_err(anyhow::Error::from)
        .and_then(|()| Ok(Terminal::new(CrosstermBackend::new(stdout()))?));
        match entered {
            Ok(mut terminal) => {
                terminal.hide_cursor()?;
                Ok(TerminalGuard { terminal })
            }
            Err(err) => {
                restore_terminal();
                Err(err)
            }
        }
    }
}

impl Drop for TerminalGuard {
    fn drop(&mut self) {
        restore_terminal();
    }
}

/// Undo everything `enter` did; safe to call more than once.
fn restore_terminal() {
    let _ = execute!(
        stdout(),
        DisableBracketedPaste,
        DisableMouseCapture,
        LeaveAlternateScreen,
        crossterm::cursor::Show
    );
    let _ = disable_raw_mode();
}
