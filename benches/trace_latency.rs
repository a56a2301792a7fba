//! p50 latency of one warm trace (issues 2 and 19 "Performance"): two one-worker pools, one
//! with every sandbox layer on and one with `--sandbox off`, trace samples/bubble_sort.py in
//! turn, so both are measured side by side under the same load; the first traces warm them up
//! and are not counted. The same program with an `import` (not pure, so a fresh, newly
//! confined child each time) is measured the same way. Run with `cargo bench --bench trace_latency` (scripts/bench_trace.sh
//! runs it too).

use std::time::Instant;

use tracelens::trace::{Limits, PoolOptions, SandboxMode, TraceRequest, TracerPool};

const WARMUP: usize = 20;
const RUNS: usize = 300;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/samples/bubble_sort.py");
    let code = std::fs::read_to_string(path)?;
    for (what, code) in [
        ("samples/bubble_sort.py", code.clone()),
        (
            "samples/bubble_sort.py after `import math`",
            format!("import math\n{code}"),
        ),
    ] {
        let req = TraceRequest {
            code,
            stdin: String::new(),
            limits: Limits::default(),
        };
        measure(what, &req)?;
    }
    Ok(())
}

/// Trace `req` on both pools in turn and print each p50 and their ratio.
fn measure(what: &str, req: &TraceRequest) -> Result<(), Box<dyn std::error::Error>> {
    let modes = [
        ("sandbox on", SandboxMode::On),
        ("sandbox off", SandboxMode::Off),
    ];
    let pools = modes
        .iter()
        .map(|&(_, sandbox)| {
            TracerPool::start(PoolOptions {
                python: None,
                workers: 1,
                sandbox,
            })
        })
        .collect::<Result<Vec<_>, _>>()?;
    for pool in &pools {
        for _ in 0..WARMUP {
            pool.trace(req)?;
        }
    }
    let mut ms: Vec<Vec<f64>> = vec![Vec::with_capacity(RUNS); pools.len()];
    for _ in 0..RUNS {
        for (pool, times) in pools.iter().zip(&mut ms) {
            let start = Instant::now();
            let trace = pool.trace(req)?;
            times.push(start.elapsed().as_secs_f64() * 1000.0);
            assert_eq!(
                trace.stdout, "[1, 2, 4, 5]\n",
                "bubble_sort.py prints its result"
            );
        }
    }
    let mut p50 = Vec::new();
    for ((name, _), times) in modes.iter().zip(&mut ms) {
        times.sort_by(f64::total_cmp);
        let at = |q: f64| times[((times.len() - 1) as f64 * q).round() as usize];
        println!(
            "(d) warm trace of {what}, {name}, {RUNS} runs: p50 {:.2} ms, p90 {:.2} ms, min {:.2} ms",
            at(0.5),
            at(0.9),
            at(0.0)
        );
        p50.push(at(0.5));
    }
    println!(
        "(d) {what}: p50 ratio, sandbox on / off: {:.2}",
        p50[0] / p50[1]
    );
    Ok(())
}
