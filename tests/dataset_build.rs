//! `dataset build` checks with the real tracer: deterministic for a seed, no seed program (or
//! mutant of one) on both sides of the split, every record's trace re-parses, and the shards'
//! files concatenated are the unsharded files byte for byte.

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use tracelens::dataset::Record;
use tracelens::pipeline::dataset_build::{build, BuildOptions, BuildReport, Stage};
use tracelens::pipeline::shard::Shard;
use tracelens::trace::codeexecutor::parse_trace;

fn cruxeval() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/cruxeval/cruxeval.jsonl")
}

fn args(stage: Stage, count: usize, out: &Path) -> BuildOptions {
    BuildOptions {
        stage,
        count,
        mutants_per_program: 3,
        test_fraction: 0.3,
        seed: 9,
        shard: Shard::WHOLE,
        cruxeval: cruxeval(),
        samples: Path::new(env!("CARGO_MANIFEST_DIR")).join("samples"),
        out: out.to_path_buf(),
        python: None,
        jobs: Some(2),
        max_steps: 100,
    }
}

fn records(path: &Path) -> Vec<Record> {
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

fn origins(records: &[Record]) -> HashSet<String> {
    records
        .iter()
        .map(|r| r.origin.as_ref().expect("origin").id.to_string())
        .collect()
}

fn check(report: &BuildReport) -> (Vec<Record>, Vec<Record>) {
    let (train, test) = (records(&report.train_path), records(&report.test_path));
    assert!(!train.is_empty() && !test.is_empty(), "{report:?}");
    let overlap: Vec<_> = origins(&train)
        .intersection(&origins(&test))
        .cloned()
        .collect();
    assert!(overlap.is_empty(), "in both splits: {overlap:?}");
    let train_code: HashSet<&str> = train.iter().map(|r| r.code.as_str()).collect();
    let leaked: Vec<_> = test
        .iter()
        .filter(|r| train_code.contains(r.code.as_str()))
        .map(|r| r.id.clone())
        .collect();
    assert!(
        leaked.is_empty(),
        "test programs also in training: {leaked:?}"
    );
    for r in train.iter().chain(&test) {
        let parsed = parse_trace(&r.trace.join(" "));
        assert!(parsed.problems.is_empty() && !parsed.truncated, "{}", r.id);
        assert_eq!(parsed.steps.len(), r.trace.len(), "{}", r.id);
        assert!(!r.code_tokens.is_empty());
    }
    (train, test)
}

#[test]
fn generated_stages_are_deterministic_split_by_program_and_reparse() {
    let dir = tempfile::tempdir().unwrap();
    for (stage, count) in [(Stage::Singleline, 40), (Stage::Tutorial, 20)] {
        let a = build(&args(stage, count, &dir.path().join("a"))).unwrap();
        let b = build(&args(stage, count, &dir.path().join("b"))).unwrap();
        check(&a);
        for (x, y) in [(&a.train_path, &b.train_path), (&a.test_path, &b.test_path)] {
            assert_eq!(std::fs::read(x).unwrap(), std::fs::read(y).unwrap());
        }
    }
    let samples_in = |max_steps: u64, dir: &Path| -> HashSet<String> {
        let report = build(&BuildOptions {
            max_steps,
            ..args(Stage::Tutorial, 5, dir)
        })
        .unwrap();
        let (train, test) = (records(&report.train_path), records(&report.test_path));
        origins(&train)
            .union(&origins(&test))
            .filter(|id| id.starts_with("sample-"))
            .cloned()
            .collect()
    };
    let kept = samples_in(100, &dir.path().join("c"));
    assert!(kept.len() >= 10, "samples added: {kept:?}");
    assert_eq!(
        samples_in(3, &dir.path().join("d")),
        kept,
        "--max-steps leaves the generated programs out, never the samples"
    );
}

#[test]
fn mutants_never_cross_the_split_and_shards_concatenate_to_the_whole() {
    if !cruxeval().is_file() {
        eprintln!("SKIPPED: {} is absent", cruxeval().display());
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let whole = build(&args(Stage::Mutants, 16, dir.path())).unwrap();
    let (train, test) = check(&whole);
    assert!(
        train
            .iter()
            .chain(&test)
            .any(|r| r.origin.as_ref().is_some_and(|o| o.mutation.is_some())),
        "some mutants were kept"
    );
    // Seed programs and mutants left out are counted apart: every seed is either kept or
    // counted as a seed left out.
    let seeds_kept = train
        .iter()
        .chain(&test)
        .filter(|r| r.origin.as_ref().is_none_or(|o| o.mutation.is_none()))
        .count();
    assert_eq!(seeds_kept + whole.left_out, 16, "{whole:?}");
    let mut shard_bytes = [Vec::new(), Vec::new()];
    for index in 0..3 {
        let mut a = args(Stage::Mutants, 16, &dir.path().join("shards"));
        a.shard = Shard { index, count: 3 };
        let r = build(&a).unwrap();
        assert!(r
            .train_path
            .to_string_lossy()
            .contains(&format!("{index}-of-3")));
        for (bytes, p) in shard_bytes.iter_mut().zip([&r.train_path, &r.test_path]) {
            bytes.extend(std::fs::read(p).unwrap());
        }
    }
    assert!(shard_bytes[0] == std::fs::read(&whole.train_path).unwrap());
    assert!(shard_bytes[1] == std::fs::read(&whole.test_path).unwrap());
}
