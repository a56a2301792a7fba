//! The diverse stage against CPython and the real tracer: every generated program runs to its
//! end under plain CPython, and the build is deterministic for a seed, counts what it leaves
//! out, and splits train and test by program structure (no structure on both sides).

use std::collections::HashSet;
use std::path::Path;
use std::process::Command;

use rand::rngs::StdRng;
use rand::SeedableRng;
use tracelens::pipeline::dataset_build::diverse::{program, Config};
use tracelens::pipeline::dataset_build::structure::structure;
mod build_support;

use build_support::build_args;
use tracelens::dataset::Record;
use tracelens::model::train::data::read_records;
use tracelens::pipeline::dataset_build::{build, BuildOptions, Stage};

/// Runs each program of a JSON list in a fresh namespace with its output captured, a budget
/// of 200,000 line events and 5 s (a program past either counts as looping) and 2 GiB of
/// memory; prints the failures as JSON.
const RUNNER: &str = r#"
import contextlib, io, json, resource, signal, sys
resource.setrlimit(resource.RLIMIT_AS, (2 << 30, 2 << 30))
programs = json.load(open(sys.argv[1]))
failures = []
class Budget(Exception):
    pass
def alarm(signum, frame):
    raise Budget('time')
signal.signal(signal.SIGALRM, alarm)
for i, code in enumerate(programs):
    lines = [0]
    def tracer(frame, event, arg):
        if event == 'line':
            lines[0] += 1
            if lines[0] > 200000:
                raise Budget()
        return tracer
    try:
        with contextlib.redirect_stdout(io.StringIO()):
            sys.settrace(tracer)
            signal.alarm(5)
            try:
                exec(compile(code, '<program>', 'exec'), {'__name__': '__main__'})
            finally:
                signal.alarm(0)
                sys.settrace(None)
    except BaseException as e:
        failures.append([i, type(e).__name__ + ': ' + str(e)])
print(json.dumps(failures))
"#;

#[test]
fn every_generated_program_runs_under_cpython() {
    let mut codes = Vec::new();
    for (seed, depth) in [(11, 3), (12, 2), (13, 4)] {
        let mut rng = StdRng::seed_from_u64(seed);
        codes.extend((0..400).map(|_| program(&mut rng, Config { max_depth: depth })));
    }
    let dir = tempfile::tempdir().unwrap();
    let list = dir.path().join("programs.json");
    std::fs::write(&list, serde_json::to_string(&codes).unwrap()).unwrap();
    let python = std::env::var("TRACELENS_PYTHON").unwrap_or_else(|_| "python3".into());
    let out = Command::new(python)
        .args(["-c", RUNNER])
        .arg(&list)
        .output()
        .expect("python3 runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let failures: Vec<(usize, String)> = serde_json::from_slice(&out.stdout).unwrap();
    let shown: Vec<String> = failures
        .iter()
        .take(5)
        .map(|(i, why)| format!("{why}\n{}", codes[*i]))
        .collect();
    assert!(
        failures.is_empty(),
        "{} of {} programs fail:\n{}",
        failures.len(),
        codes.len(),
        shown.join("\n---\n")
    );
}

fn args(count: usize, out: &Path) -> BuildOptions {
    BuildOptions {
        test_fraction: 0.3,
        seed: 4,
        max_steps: 60,
        ..build_args(Stage::Diverse, count, out)
    }
}

fn records(path: &Path) -> Vec<Record> {
    read_records(path).unwrap().0
}

fn structures(records: &[Record]) -> HashSet<String> {
    records
        .iter()
        .map(|r| structure(&r.code).unwrap())
        .collect()
}

#[test]
fn the_build_is_deterministic_counts_what_it_leaves_out_and_splits_by_structure() {
    let (a, b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let report = build(&args(240, a.path())).unwrap();
    let again = build(&args(240, b.path())).unwrap();
    assert_eq!(
        report.train + report.test + report.left_out,
        240,
        "{report:?}"
    );
    assert!(
        report.left_out * 4 < 240,
        "most programs fit 60 steps: {report:?}"
    );
    for (x, y) in [
        (&report.train_path, &again.train_path),
        (&report.test_path, &again.test_path),
    ] {
        assert_eq!(std::fs::read(x).unwrap(), std::fs::read(y).unwrap());
    }
    let (train, test) = (records(&report.train_path), records(&report.test_path));
    assert!(train.len() > test.len() && !test.is_empty(), "{report:?}");
    let both: Vec<String> = structures(&train)
        .intersection(&structures(&test))
        .cloned()
        .collect();
    assert!(both.is_empty(), "structures on both sides: {both:?}");
    assert!(train
        .iter()
        .chain(&test)
        .all(|r| r.tags == ["diverse"] && !r.trace.is_empty()));
}
