//! The causal-LM tokenizer gives the ids Python `tokenizers` gives: a byte-level BPE with
//! qwen2 pre-tokenization (made by `scripts/make_causal_fixtures.sh`), loaded from its
//! tokenizer.json and rebuilt from GGUF metadata, on every CRUXEval program's code and input
//! and on edge-case strings. The expected ids are stored as counts and FNV-1a digests.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use candle_core::quantized::gguf_file::Content;
use tokenizers::Tokenizer;
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
    let crux = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/cruxeval/cruxeval.jsonl");
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

#[test]
fn the_qwen2_gguf_metadata_tokenizer_matches_python_tokenizers() {
    // Alone in a directory, so the metadata is used rather than a tokenizer.json beside it.
    let tmp = tempfile::tempdir().unwrap();
    let gguf = tmp.path().join("tokenizer.gguf");
    std::fs::copy(dir().join("tokenizer.gguf"), &gguf).unwrap();
    let mut file = std::fs::File::open(&gguf).unwrap();
    let content = Content::read(&mut file).unwrap();
    let (tok, source) = tokenizer::load(&gguf, None, Some(&content)).unwrap();
    assert_eq!(source, TokenizerSource::GgufMetadata);
    check(&tok, "GGUF metadata");
}

#[test]
fn a_tokenizer_json_beside_the_weights_wins_over_gguf_metadata() {
    let gguf = dir().join("tokenizer.gguf");
    let mut file = std::fs::File::open(&gguf).unwrap();
    let content = Content::read(&mut file).unwrap();
    let (_, source) = tokenizer::load(&gguf, None, Some(&content)).unwrap();
    assert_eq!(source, TokenizerSource::File(dir().join("tokenizer.json")));
}
