//! Shared by the tests that run `dataset build`: its arguments with the repository's paths
//! (CRUXEval beside the repository, `samples/`, the hand-written set) and two tracer workers.

use std::path::Path;

use tracelens::pipeline::dataset_build::{BuildOptions, Stage};
use tracelens::pipeline::shard::Shard;

pub fn build_args(stage: Stage, count: usize, out: &Path) -> BuildOptions {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    BuildOptions {
        stage,
        count,
        mutants_per_program: 0,
        test_fraction: 0.1,
        seed: 0,
        shard: Shard::WHOLE,
        cruxeval: root.join("../shared/cruxeval/cruxeval.jsonl"),
        samples: root.join("samples"),
        out: out.to_path_buf(),
        replace: false,
        python: None,
        jobs: Some(2),
        max_steps: 100,
        max_depth: 3,
        programs: root.join("tests/fixtures/eval_handwritten"),
    }
}
