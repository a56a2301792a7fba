//! Drawing cost of the explorer: one frame of a 300-line program with a 20,000-step trace on
//! ratatui's TestBackend (target: at most 2 ms), the in-process cost of the first frame
//! (App creation + draw), and the resident memory with that trace loaded (target: 100 MB).
//!
//! `cargo bench --bench draw`

use std::hint::black_box;

use criterion::{criterion_group, Criterion};
use crossterm::event::{Event as TermEvent, KeyCode, KeyEvent, KeyModifiers};
use ratatui::backend::TestBackend;
use ratatui::Terminal;
use tracelens::app::{update, Action, App, AppOptions, Command, Focus, Keymap, Theme};
use tracelens::trace::{Event, Local, OutcomeKind, Step, Trace};

const LINES: usize = 300;
const STEPS: usize = 20_000;

/// A 300-line program: a module of small functions and loops.
fn program() -> String {
    (0..LINES)
        .map(|i| match i % 6 {
            0 => format!("def f{i}(values, k):"),
            1 => "    total = 0".to_string(),
            2 => "    for v in values:".to_string(),
            3 => "        total += v * k  # accumulate".to_string(),
            4 => "    return total".to_string(),
            _ => format!("r{i} = f{}(list(range(10)), {i})", i - 5),
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// A 20,000-step trace over that program with realistic locals and a little output.
fn trace(len: usize) -> Trace {
    let steps = (0..len)
        .map(|i| {
            let depth = (i / 7 % 3) as u32;
            let line = (i * 13 % LINES) as u32 + 1;
            let locals = (0..6)
                .map(|k| Local {
                    name: format!("var_{k}"),
                    repr: format!("[{}, {}, {}, 'text value {k}']", i, i + k, i * k),
                    ty: "list".into(),
                })
                .collect();
            Step {
                event: if i % 50 == 0 {
                    Event::Call
                } else {
                    Event::Line
                },
                line,
                func: if depth == 0 {
                    "<module>".into()
                } else {
                    format!("f{}", line / 6 * 6)
                },
                depth,
                locals,
                stdout: if i % 100 == 0 {
                    format!("row {i}\n")
                } else {
                    String::new()
                },
                value: None,
            }
        })
        .collect();
    Trace::with_steps(OutcomeKind::StepLimit, steps)
}

fn loaded_app(steps: usize) -> App {
    let mut app = App::new(AppOptions::new(Some("big.py".into()), program()));
    update(&mut app, Action::TracerReady(Ok(())));
    let id = app.latest_request();
    update(
        &mut app,
        Action::Traced {
            id,
            result: Ok(trace(steps)),
        },
    );
    app
}

fn resident_mb() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
    let kb: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb / 1024.0)
}

fn bench_draw(c: &mut Criterion) {
    let mut terminal = Terminal::new(TestBackend::new(160, 48)).expect("test backend");
    // Side by side: a 100-step and a 20,000-step trace; virtualized drawing keeps them equal.
    for steps in [100, STEPS] {
        let mut app = loaded_app(steps);
        update(&mut app, Action::Resize(160, 48));
        app.focus = Focus::Stepping;
        c.bench_function(
            &format!("draw frame (300 lines, {steps} steps, 160x48)"),
            |b| {
                let mut k = 0;
                b.iter(|| {
                    // Move through the trace so every frame draws a different step.
                    app.stepping.step = (k * 997) % steps;
                    k += 1;
                    terminal
                        .draw(|f| tracelens::ui::draw(f, &app))
                        .expect("draw");
                })
            },
        );
    }
    let mut app = loaded_app(STEPS);
    update(&mut app, Action::Resize(160, 48));
    c.bench_function("step + draw (next step, 20k steps)", |b| {
        b.iter(|| {
            update(&mut app, Action::Command(Command::NextStep));
            terminal
                .draw(|f| tracelens::ui::draw(f, &app))
                .expect("draw");
        })
    });
    app.focus = Focus::Editor;
    c.bench_function(
        "keystroke in the editor + draw (20k-step trace shown)",
        |b| {
            let key = KeyEvent::new(KeyCode::Char('x'), KeyModifiers::NONE);
            b.iter(|| {
                // The edit queues a debounced trace job; nothing waits for a tracer.
                update(&mut app, Action::Input(TermEvent::Key(key)));
                black_box(app.take_jobs());
                terminal
                    .draw(|f| tracelens::ui::draw(f, &app))
                    .expect("draw");
            })
        },
    );
    c.bench_function("first frame in process (App::new + draw, 300 lines)", |b| {
        let code = program();
        b.iter(|| {
            let app = App::new(AppOptions {
                path: Some("big.py".into()),
                code: code.clone(),
                stdin: String::new(),
                name: None,
                theme: Theme::load("default").expect("theme"),
                keymap: Keymap::default(),
                recovery: None,
                recovery_path: None,
            });
            let mut terminal = Terminal::new(TestBackend::new(160, 48)).expect("test backend");
            terminal
                .draw(|f| tracelens::ui::draw(f, &app))
                .expect("draw");
            black_box(&terminal);
        })
    });
}

criterion_group!(benches, bench_draw);

fn main() {
    let before = resident_mb();
    let app = loaded_app(STEPS);
    let after = resident_mb();
    if let (Some(before), Some(after)) = (before, after) {
        println!(
            "memory: resident {after:.1} MB with the 20,000-step trace loaded ({:.1} MB for the app and trace)",
            after - before
        );
    }
    drop(black_box(app));
    benches();
    Criterion::default().configure_from_args().final_summary();
}
