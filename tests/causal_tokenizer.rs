//! The causal-LM tokenizer gives the ids Python `tokenizers` gives: a byte-level BPE with
//! qwen2 pre-tokenization (made by `scripts/make_causal_fixtures.sh`), loaded from its
//! tokenizer.json and rebuilt from GGUF metadata, on every CRUXEval program's code and input,
//! on edge-case strings, and on the 800 CRUXEval prompts of each kind (CRUXEval-O and
//! CRUXEval-I, direct, chain-of-thought and monologue) as tracelens builds them, against the
//! ids of the prompts as the Python reimplementation of the published prompt code builds them
//! (`scripts/make_cruxeval_lm_fixtures.py`). The expected ids are stored as counts and FNV-1a
//! digests.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use candle_core::quantized::gguf_file::Content;
use tokenizers::Tokenizer;
use tracelens::cruxeval::prompts::prompt;
use tracelens::cruxeval::{read_samples, PromptKind, Task};
use tracelens::model::causal::tokenizer::{self, TokenizerSource};

fn dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/causal/tokenizer")
}

fn fnv1a(ids: &[u32]) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for id in ids {
        for b in id.to_le_bytes() {
            h = (h ^ b as u64).wrapping_mul(0x0000_0100_0000_01b3);
        }
    }
    format!("{h:016x}")
}

/// Expected (count, digest) by (source, id).
fn expected() -> HashMap<(String, String), (usize, String)> {
    std::fs::read_to_string(dir().join("expected_ids.tsv"))
        .unwrap()
        .lines()
        .filter(|l| !l.starts_with('#'))
        .map(|l| {
            let f: Vec<&str> = l.split('\t').collect();
            (
                (f[0].to_string(), f[1].to_string()),
                (f[2].parse().unwrap(), f[3].to_string()),
            )
        })
        .collect()
}

fn cruxeval() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/cruxeval/cruxeval.jsonl")
}

/// (source, id, text) for every string with expected ids.
fn texts() -> Vec<(String, String, String)> {
    let extra: Vec<String> =
        serde_json::from_str(&std::fs::read_to_string(dir().join("extra_strings.json")).unwrap())
            .unwrap();
    let mut all: Vec<_> = extra
        .into_iter()
        .enumerate()
        .map(|(i, t)| ("extra".to_string(), i.to_string(), t))
        .collect();
    let crux = cruxeval();
    match std::fs::read_to_string(&crux) {
        Ok(text) => {
            for line in text.lines() {
                let rec: serde_json::Value = serde_json::from_str(line).unwrap();
                let id = rec["id"].as_str().unwrap().to_string();
                for field in ["code", "input"] {
                    let t = rec[field].as_str().unwrap().to_string();
                    all.push((field.to_string(), id.clone(), t));
                }
            }
        }
        Err(_) => eprintln!(
            "SKIPPED: {} not found; only the edge-case strings are checked",
            crux.display()
        ),
    }
    all
}

fn check(tok: &Tokenizer, what: &str) {
    let expected = expected();
    let texts = texts();
    assert!(texts.len() >= 9);
    for (source, id, text) in &texts {
        let ids = tok.encode(text.as_str(), true).unwrap().get_ids().to_vec();
        let want = expected
            .get(&(source.clone(), id.clone()))
            .unwrap_or_else(|| panic!("no expected ids for {source} {id}"));
        assert_eq!(
            (ids.len(), fnv1a(&ids)),
            want.clone(),
            "{what}: {source} {id} tokenizes differently: {text:?}"
        );
    }
    eprintln!("{what}: {} strings tokenized as Python does", texts.len());
}

#[test]
fn tokenizer_json_matches_python_tokenizers() {
    let (tok, source) = tokenizer::load(&dir(), None, None).unwrap();
    assert_eq!(source, TokenizerSource::File(dir().join("tokenizer.json")));
    check(&tok, "tokenizer.json");
}

/// The tokenizer the runtime rebuilds from the GGUF file's metadata.
fn gguf_tokenizer() -> Tokenizer {
    // Alone in a directory, so the metadata is used rather than a tokenizer.json beside it.
    let tmp = tempfile::tempdir().unwrap();
    let gguf = tmp.path().join("tokenizer.gguf");
    std::fs::copy(dir().join("tokenizer.gguf"), &gguf).unwrap();
    let mut file = std::fs::File::open(&gguf).unwrap();
    let content = Content::read(&mut file).unwrap();
    let (tok, source) = tokenizer::load(&gguf, None, Some(&content)).unwrap();
    assert_eq!(source, TokenizerSource::GgufMetadata);
    tok
}

#[test]
fn the_qwen2_gguf_metadata_tokenizer_matches_python_tokenizers() {
    check(&gguf_tokenizer(), "GGUF metadata");
}

#[test]
fn a_tokenizer_json_beside_the_weights_wins_over_gguf_metadata() {
    let gguf = dir().join("tokenizer.gguf");
    let mut file = std::fs::File::open(&gguf).unwrap();
    let content = Content::read(&mut file).unwrap();
    let (_, source) = tokenizer::load(&gguf, None, Some(&content)).unwrap();
    assert_eq!(source, TokenizerSource::File(dir().join("tokenizer.json")));
}

/// The prompt kinds in the column order of expected_prompt_ids.tsv.
const PROMPTS: [(Task, PromptKind); 6] = [
    (Task::Output, PromptKind::Direct),
    (Task::Output, PromptKind::Cot),
    (Task::Output, PromptKind::Monologue),
    (Task::Input, PromptKind::Direct),
    (Task::Input, PromptKind::Cot),
    (Task::Input, PromptKind::Monologue),
];

#[test]
fn every_cruxeval_prompt_of_every_kind_tokenizes_as_python_does() {
    let crux = cruxeval();
    if !crux.is_file() {
        eprintln!(
            "SKIPPED: {} not found; the CRUXEval prompts are not checked",
            crux.display()
        );
        return;
    }
    let expected: HashMap<String, Vec<String>> =
        std::fs::read_to_string(dir().join("expected_prompt_ids.tsv"))
            .unwrap()
            .lines()
            .filter(|l| !l.starts_with('#'))
            .map(|l| {
                let mut fields = l.split('\t').map(str::to_string);
                (fields.next().unwrap(), fields.collect())
            })
            .collect();
    let samples = read_samples(&crux).unwrap().samples;
    assert_eq!(samples.len(), 800);
    assert_eq!(expected.len(), 800);
    let (from_json, _) = tokenizer::load(&dir(), None, None).unwrap();
    let from_gguf = gguf_tokenizer();
    let mut compared = 0;
    for sample in &samples {
        let want = &expected[&sample.id];
        assert_eq!(want.len(), PROMPTS.len());
        for ((task, kind), want) in PROMPTS.iter().zip(want) {
            let text = prompt(sample, *task, *kind);
            for (what, tok) in [
                ("tokenizer.json", &from_json),
                ("GGUF metadata", &from_gguf),
            ] {
                let ids = tok.encode(text.as_str(), true).unwrap().get_ids().to_vec();
                assert_eq!(
                    &format!("{}:{}", ids.len(), fnv1a(&ids)),
                    want,
                    "{what}: the {} {} prompt of {} tokenizes differently",
                    task.as_str(),
                    kind.as_str(),
                    sample.id
                );
                compared += 1;
            }
        }
    }
    assert_eq!(compared, 800 * 6 * 2);
}
