//! The sandbox changes no trace (issue 19): the 800 CRUXEval programs traced with every layer
//! on and with `--sandbox off` give the same traces, memory addresses aside. Skipped, with a
//! notice, when ../shared/cruxeval is absent.

mod tracer_support;

use tracelens::trace::{PoolOptions, SandboxMode, TracerPool};

#[test]
fn every_cruxeval_trace_is_the_same_with_the_sandbox_on_and_off() {
    let Some(reqs) = tracer_support::cruxeval_requests("sandbox identity") else {
        return;
    };
    let pool = |sandbox| {
        TracerPool::start(PoolOptions {
            python: None,
            workers: 2,
            sandbox,
        })
        .expect("a pool")
    };
    let on = pool(SandboxMode::On).trace_many(&reqs, &|_| {});
    let off = pool(SandboxMode::Off).trace_many(&reqs, &|_| {});
    tracer_support::assert_same_traces(("sandbox on", &on), ("sandbox off", &off));
}
