//! The shipped model (models/tracelens-tiny) loads with the runtime and, for every sample
//! program, predicts text that the tolerant parser reads as a trace starting with a step
//! marker. (Whether the steps are complete and right is measured in MODEL_CARD.md.)

use std::path::Path;
use std::sync::atomic::AtomicBool;

use tracelens::model::{Model, PredictOptions};
use tracelens::trace::codeexecutor::{code_tokens, parse_trace};

#[test]
fn shipped_model_predicts_a_parseable_trace_for_every_sample() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let dir = root.join("models/tracelens-tiny");
    assert!(
        dir.is_dir(),
        "the shipped model is missing: {}",
        dir.display()
    );
    let model = Model::load(&dir).unwrap();
    let opts = PredictOptions {
        max_tokens: 96,
        prefix: "<tutorial>".into(),
        ..PredictOptions::default()
    };
    let mut samples: Vec<_> = std::fs::read_dir(root.join("samples"))
        .unwrap()
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "py"))
        .collect();
    samples.sort();
    assert!(!samples.is_empty());
    for path in samples {
        let code = std::fs::read_to_string(&path).unwrap();
        let tokens = code_tokens(&code).unwrap();
        let prediction = model
            .predict(&tokens, &opts, &AtomicBool::new(false), &mut |_| {})
            .unwrap();
        let text = prediction.text.trim();
        assert!(
            text.starts_with("<line>") || text.starts_with("<output>"),
            "{}: not a trace: {text:?}",
            path.display()
        );
        let parsed = parse_trace(text);
        assert!(
            parsed.steps.len() + usize::from(parsed.truncated) > 0,
            "{}: nothing parsed from {text:?}",
            path.display()
        );
    }
}
