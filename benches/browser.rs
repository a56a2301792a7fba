//! The dataset browser in the explorer on a generated 100,000-record file, side by side with
//! the 42-record example: drawing one frame (the list is virtualized, so the ratio should be
//! near 1), moving the selection (reads and loads one record lazily), and applying a filter
//! typed into the filter prompt.
//!
//! `cargo bench --bench browser`

use std::hint::black_box;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Duration;

use criterion::{criterion_group, Criterion};
use crossterm::event::{Event as TermEvent, KeyCode, KeyEvent, KeyModifiers};
use ratatui::backend::TestBackend;
use ratatui::Terminal;
use serde_json::json;
use tracelens::app::{update, Action, App, AppOptions};

const RECORDS: usize = 100_000;

/// A JSONL file of `RECORDS` small tracelens records with verdicts, tags and operators.
fn generate(path: &Path) {
    let mut out = std::io::BufWriter::new(std::fs::File::create(path).expect("temp file"));
    for i in 0..RECORDS {
        let verdict = ["unreviewed", "accepted", "rejected"][i % 3];
        let tags: Vec<String> = (i % 10 == 0)
            .then(|| format!("t{}", i % 7))
            .into_iter()
            .collect();
        let outcome = if i % 11 == 0 {
            "exception"
        } else {
            "completed"
        };
        let op = ["AOR", "CRP", "SDL"][i % 3];
        let record = json!({
            "id": format!("prog-{i}"),
            "code": format!("def f(x):\n    return x * {i}\n\nprint(f({}))\n", i % 97),
            "verdict": verdict,
            "tags": tags,
            "outcome": outcome,
            "origin": {"id": format!("prog-{}", i / 2), "mutation":
                {"op": op, "line": 2, "before": "*", "after": "+"}},
        });
        writeln!(out, "{record}").expect("write");
    }
    out.flush().expect("flush");
}

fn app_on(path: &Path) -> App {
    let mut app = App::new(AppOptions::new(None, String::new()));
    update(&mut app, Action::Resize(120, 40));
    tracelens::app::browser::open_dataset(&mut app, path).expect("opens");
    app
}

fn press(app: &mut App, code: KeyCode) {
    let key = KeyEvent::new(code, KeyModifiers::NONE);
    update(app, Action::Input(TermEvent::Key(key)));
}

fn type_text(app: &mut App, text: &str) {
    text.chars().for_each(|c| press(app, KeyCode::Char(c)));
}

fn bench(c: &mut Criterion) {
    let dir = tempfile::tempdir().expect("temp dir");
    let big = dir.path().join("big.jsonl");
    generate(&big);
    let example = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("samples/dataset.jsonl");
    let small_copy = dir.path().join("small.jsonl");
    std::fs::copy(example, &small_copy).expect("copy the example");

    let mut group = c.benchmark_group("browser");
    group.sample_size(20);
    group.measurement_time(Duration::from_secs(3));
    for (name, path) in [("42", &small_copy), ("100k", &big)] {
        let mut app = app_on(path);
        let mut terminal = Terminal::new(TestBackend::new(120, 40)).expect("terminal");
        group.bench_function(format!("draw_frame_{name}"), |b| {
            b.iter(|| {
                terminal
                    .draw(|f| tracelens::ui::draw(f, black_box(&app)))
                    .expect("draw");
            })
        });
        group.bench_function(format!("select_next_{name}"), |b| {
            b.iter(|| {
                press(&mut app, KeyCode::Char('j'));
                press(&mut app, KeyCode::Char('k'));
                app.take_jobs();
            })
        });
        group.bench_function(format!("filter_{name}"), |b| {
            b.iter(|| {
                press(&mut app, KeyCode::Char('f'));
                type_text(&mut app, "verdict:accepted op:CRP f(x)");
                press(&mut app, KeyCode::Enter);
                app.take_jobs();
            })
        });
    }
    group.finish();
}

criterion_group!(benches, bench);

fn main() {
    benches();
    Criterion::default().configure_from_args().final_summary();
}
