//! The batch pipeline's throughput with two tracer workers, beside the tracer alone on the
//! very same requests (recorded from the pipeline's own calls), in one run: the ratio shows
//! how much the pipeline adds to tracing. Input: the first N CRUXEval programs with their
//! call appended (`print(f(INPUT))`), K = 5 mutants each, seed 1.
//! Run: `cargo bench --bench mutate_batch [-- N]`; skips when CRUXEval or Python is absent.

use std::path::Path;
use std::sync::Mutex;
use std::time::Instant;

use tracelens::pipeline::mutate_batch::{self, BatchOptions, Program};
use tracelens::trace::{Limits, PoolOptions, TraceRequest, TracerPool};

fn programs(n: usize) -> Vec<mutate_batch::Input> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/cruxeval/cruxeval.jsonl");
    let Ok(text) = std::fs::read_to_string(&path) else {
        return Vec::new();
    };
    text.lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .take(n)
        .filter_map(|v| {
            let code = format!(
                "{}\nprint(f({}))\n",
                v["code"].as_str()?,
                v["input"].as_str()?
            );
            Some(Ok(Program {
                id: v["id"].as_str()?.into(),
                code,
                stdin: String::new(),
            }))
        })
        .collect()
}

fn main() {
    let n = std::env::args()
        .skip(1)
        .find_map(|a| a.parse().ok())
        .unwrap_or(200);
    let inputs = programs(n);
    if inputs.is_empty() {
        eprintln!("SKIPPED: ../shared/cruxeval/cruxeval.jsonl not found");
        return;
    }
    let pool = match TracerPool::start(PoolOptions {
        python: None,
        workers: 2,
        ..PoolOptions::default()
    }) {
        Ok(pool) => pool,
        Err(e) => {
            eprintln!("SKIPPED: {e}");
            return;
        }
    };
    let opts = BatchOptions {
        per_program: 5,
        seed: 1,
        keep_exceptions: false,
        limits: Limits::default(),
        first: 0,
    };
    let seen: Mutex<Vec<TraceRequest>> = Mutex::new(Vec::new());
    let tracer = |reqs: &[TraceRequest], done: &(dyn Fn(usize) + Sync)| {
        if let Ok(mut seen) = seen.lock() {
            seen.extend_from_slice(reqs);
        }
        pool.trace_many(reqs, done)
            .into_iter()
            .map(|r| r.map_err(|e| e.to_string()))
            .collect()
    };
    let started = Instant::now();
    let (_, report) = mutate_batch::run(inputs, &opts, &tracer, &|_, _| {});
    let pipeline = started.elapsed().as_secs_f64();
    let requests = seen.into_inner().unwrap_or_default();
    let started = Instant::now();
    let traced = pool.trace_many(&requests, &|_| {});
    let alone = started.elapsed().as_secs_f64();
    assert_eq!(traced.len(), requests.len());
    println!(
        "{n} programs: {} mutants (+{} originals) traced by the pipeline in {pipeline:.2} s = {:.1} mutants/s",
        report.traced,
        requests.len() - report.traced,
        report.traced as f64 / pipeline
    );
    println!(
        "tracer alone, same {} requests: {alone:.2} s; pipeline / tracer time = {:.2}",
        requests.len(),
        pipeline / alone
    );
}
