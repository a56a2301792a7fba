//! The CRUXEval and SemCoder prompt builders and answer extractors against an independent
//! Python reimplementation of the published code (scripts/make_prompt_fixtures.py): byte for
//! byte on the committed fixture (tests/fixtures/cruxeval), and on CRUXEval's 800 records when
//! ../shared/cruxeval is present and python3 runs (a skip notice otherwise).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use tracelens::cruxeval::extract::extract;
use tracelens::cruxeval::prompts::prompt;
use tracelens::cruxeval::{read_samples, PromptKind, Sample, Task};

const KINDS: [(Task, PromptKind, &str); 6] = [
    (Task::Output, PromptKind::Direct, "output/direct"),
    (Task::Output, PromptKind::Cot, "output/cot"),
    (Task::Output, PromptKind::Monologue, "output/monologue"),
    (Task::Input, PromptKind::Direct, "input/direct"),
    (Task::Input, PromptKind::Cot, "input/cot"),
    (Task::Input, PromptKind::Monologue, "input/monologue"),
];

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn fixture(name: &str) -> PathBuf {
    root().join("tests/fixtures/cruxeval").join(name)
}

fn samples(path: &Path) -> Vec<Sample> {
    let read = read_samples(path).unwrap();
    assert!(read.warnings.is_empty(), "{:?}", read.warnings);
    read.samples
}

type Expected<T> = BTreeMap<String, BTreeMap<String, T>>;

fn compare_prompts(samples: &[Sample], expected: &Expected<String>) -> usize {
    let mut compared = 0;
    for sample in samples {
        for (task, kind, key) in KINDS {
            let want = &expected[&sample.id][key];
            let got = prompt(sample, task, kind);
            assert!(
                &got == want,
                "{} {key}: prompts differ\n--- tracelens\n{got}\n--- reference\n{want}",
                sample.id
            );
            compared += 1;
        }
    }
    compared
}

#[test]
fn prompts_are_byte_identical_to_the_reference_on_the_fixture() {
    let samples = samples(&fixture("samples.jsonl"));
    let expected: Expected<String> =
        serde_json::from_str(&std::fs::read_to_string(fixture("prompts.json")).unwrap()).unwrap();
    assert_eq!(expected.len(), samples.len());
    assert_eq!(compare_prompts(&samples, &expected), samples.len() * 6);
}

#[test]
fn answers_are_extracted_as_the_reference_extracts_them() {
    let samples = samples(&fixture("samples.jsonl"));
    let generations: Vec<String> =
        serde_json::from_str(&std::fs::read_to_string(fixture("generations.json")).unwrap())
            .unwrap();
    let expected: Expected<Vec<String>> =
        serde_json::from_str(&std::fs::read_to_string(fixture("answers.json")).unwrap()).unwrap();
    for sample in &samples {
        for (task, kind, key) in KINDS {
            let asked = prompt(sample, task, kind);
            for (generation, want) in generations.iter().zip(&expected[&sample.id][key]) {
                let got = extract(task, kind, &asked, generation);
                assert_eq!(&got, want, "{} {key} on {generation:?}", sample.id);
            }
        }
    }
}

#[test]
fn prompts_match_the_reference_on_cruxeval() {
    let crux = root().join("../shared/cruxeval/cruxeval.jsonl");
    if !crux.exists() {
        eprintln!(
            "SKIP: {} is absent; the 800-record prompt comparison did not run",
            crux.display()
        );
        return;
    }
    let output = match Command::new("python3")
        .arg(root().join("scripts/make_prompt_fixtures.py"))
        .arg("prompts")
        .arg(&crux)
        .output()
    {
        Ok(output) if output.status.success() => output,
        other => {
            eprintln!("SKIP: python3 could not run scripts/make_prompt_fixtures.py: {other:?}");
            return;
        }
    };
    let expected: Expected<String> = serde_json::from_slice(&output.stdout).unwrap();
    let samples = samples(&crux);
    assert_eq!(samples.len(), 800);
    assert_eq!(compare_prompts(&samples, &expected), 4800);
}
