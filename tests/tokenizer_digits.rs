//! The trained tokenizer splits numbers into single digits in code and traces, every record
//! decodes back to its exact text, and tokenizers saved before (CodeExecutor's own files, the
//! shipped model's `tokenizer.json`) load and tokenize as they always did.

use std::path::Path;

use tokenizers::decoders::byte_level::ByteLevel as ByteLevelDecoder;
use tokenizers::models::bpe::BPE;
use tokenizers::pre_tokenizers::byte_level::ByteLevel;
use tokenizers::Tokenizer;
mod build_support;

use build_support::build_args;
use tracelens::dataset::Record;
use tracelens::model::tokenizer_train::{round_trip_failures, save_tokenizer, train_tokenizer};
use tracelens::model::train::data::{read_records, tokenizer_texts};
use tracelens::model::CodeTokenizer;
use tracelens::pipeline::dataset_build::{build, BuildOptions, Stage};

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// Diverse and hand-written records, traced by the real tracer.
fn records(dir: &Path) -> Vec<Record> {
    let mut out = Vec::new();
    for (stage, count) in [(Stage::Diverse, 150), (Stage::Handwritten, 0)] {
        let report = build(&BuildOptions {
            test_fraction: 0.2,
            seed: 1,
            max_steps: 60,
            ..build_args(stage, count, dir)
        })
        .unwrap();
        for path in [report.train_path, report.test_path] {
            out.extend(read_records(&path).unwrap().0);
        }
    }
    out
}

#[test]
fn digits_are_single_tokens_and_every_record_round_trips() {
    let dir = tempfile::tempdir().unwrap();
    let records = records(dir.path());
    assert!(records.len() > 250, "{}", records.len());
    let texts = tokenizer_texts(&records);
    let trained = train_tokenizer(texts.iter(), 1000).unwrap();
    let tokenizer = save_tokenizer(&trained, &dir.path().join("tokenizer.json")).unwrap();

    assert_eq!(
        round_trip_failures(&tokenizer, &records),
        Vec::<String>::new()
    );
    let mut numbers = 0;
    for text in &texts {
        for id in tokenizer.encode(text).unwrap() {
            let piece = tokenizer.decode(&[id]).unwrap();
            if piece.chars().any(|c| c.is_ascii_digit()) {
                numbers += 1;
                assert!(
                    piece.len() == 1 || tokenizer.is_special(id),
                    "{piece:?} in {text}"
                );
            }
        }
    }
    assert!(numbers > 1000, "{numbers} digit tokens");
    let ids = tokenizer.encode("<0> total = -5108 + 3.25").unwrap();
    let digits: Vec<String> = ids
        .iter()
        .filter(|id| !tokenizer.is_special(**id))
        .map(|id| tokenizer.decode(&[*id]).unwrap())
        .filter(|p| p.chars().any(|c| c.is_ascii_digit()))
        .collect();
    assert_eq!(digits, ["5", "1", "0", "8", "3", "2", "5"]);
}

#[test]
fn codeexecutor_and_older_tokenizers_load_unchanged() {
    let fixture = root().join("tests/fixtures/parity/tiny");
    let loaded = CodeTokenizer::from_dir(&fixture).unwrap();
    let mut plain = Tokenizer::new(
        BPE::from_file(
            fixture.join("vocab.json").to_str().unwrap(),
            fixture.join("merges.txt").to_str().unwrap(),
        )
        .build()
        .unwrap(),
    );
    plain.with_pre_tokenizer(Some(ByteLevel::new(false, true, true)));
    plain.with_decoder(Some(ByteLevelDecoder::default()));
    let text = "x = 12345 + 678 * 90";
    assert_eq!(
        loaded.encode(text).unwrap(),
        plain.encode(text, false).unwrap().get_ids(),
        "CodeExecutor's files are read as plain byte-level BPE"
    );

    let shipped = CodeTokenizer::from_dir(&root().join("models/tracelens-tiny")).unwrap();
    let ids = shipped.encode("<state> a : 10 </state>").unwrap();
    assert!(
        ids.iter()
            .any(|id| shipped.decode(&[*id]).unwrap().trim() == "10"),
        "the shipped tokenizer keeps its multi-digit pieces"
    );
}
