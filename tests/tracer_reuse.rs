//! Reused children (issue 2, "Performance"): pure programs share a child that is checked clean
//! after every request, any other program gets a fresh child. Nothing one program does may
//! reach the next, the purity rule classifies as documented, and every CRUXEval trace is the
//! one a fresh child per program gives.

mod tracer_support;

use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Stdio};

use tracelens::trace::{
    resolve_python, Limits, OutcomeKind, PoolOptions, Trace, TraceRequest, TracerPool,
};

fn one_worker_pool() -> TracerPool {
    TracerPool::start(PoolOptions {
        python: None,
        workers: 1,
        ..PoolOptions::default()
    })
    .expect("python3 must be available to run the tracer tests")
}

fn run(pool: &TracerPool, code: &str) -> Trace {
    pool.trace(&TraceRequest {
        code: code.to_string(),
        stdin: String::new(),
        limits: Limits {
            timeout_ms: 1_000,
            ..Limits::default()
        },
    })
    .expect("the pool answers")
}

/// Runs `programs` in order on one worker: each is (code, expected stdout), and each must
/// complete unless its expected stdout is `None` (then neither is checked).
fn run_sequence(pool: &TracerPool, programs: &[(&str, Option<&str>)]) {
    for (code, expected) in programs {
        let trace = run(pool, code);
        if let Some(expected) = expected {
            assert_eq!(
                trace.outcome.kind,
                OutcomeKind::Completed,
                "{code}: {:?}",
                trace.outcome
            );
            assert_eq!(trace.stdout, *expected, "{code}");
        }
    }
}

#[test]
fn what_a_polluting_program_changes_does_not_reach_the_next_one() {
    let pool = one_worker_pool();
    let len_and_pi = "print(len([1, 2, 3]), sorted([3, 1, 2]), round(3.14159, 2))\n";
    run_sequence(
        &pool,
        &[
            // A pure program first, so that a shared child exists.
            (len_and_pi, Some("3 [1, 2, 3] 3.14\n")),
            // The tracer's own code then fails too (as it always has): not checked.
            ("__builtins__.len = None\n", None),
            (len_and_pi, Some("3 [1, 2, 3] 3.14\n")),
            (
                "import builtins\nbuiltins.sorted = lambda x: 'polluted'\n",
                Some(""),
            ),
            (len_and_pi, Some("3 [1, 2, 3] 3.14\n")),
            ("import math\nmath.pi = 3\n", Some("")),
            ("import math\nprint(math.pi)\n", Some("3.141592653589793\n")),
            ("import sys\nsys.setrecursionlimit(50)\n", Some("")),
            (
                "def depth(n):\n    return n if n == 0 else depth(n - 1)\nprint(depth(500))\n",
                Some("0\n"),
            ),
            ("import random\nrandom.seed(99)\n", Some("")),
            (
                "import random\nprint(random.random())\n",
                Some("0.8444218515250481\n"),
            ),
        ],
    );
}

#[test]
fn pure_programs_in_a_shared_child_do_not_see_each_other() {
    let pool = one_worker_pool();
    run_sequence(
        &pool,
        &[
            ("x = 5\nclass Box:\n    size = 1\n", Some("")),
            (
                "try:\n    print(x)\nexcept NameError:\n    print('no x')\n",
                Some("no x\n"),
            ),
            (
                "try:\n    print(Box.size)\nexcept NameError:\n    print('no Box')\n",
                Some("no Box\n"),
            ),
        ],
    );
    // Limits hit in the shared child end it; the next program runs as usual.
    let looping = run(&pool, "while True:\n    pass\n");
    assert_eq!(looping.outcome.kind, OutcomeKind::StepLimit);
    run_sequence(&pool, &[("print(len('abc'))\n", Some("3\n"))]);
    // Stuck in C code: the worker kills the shared child at the timeout.
    let stuck = run(&pool, "x = 7 ** 10 ** 9\n");
    assert_eq!(stuck.outcome.kind, OutcomeKind::Timeout);
    let deep = run(
        &pool,
        "def down(n):\n    return down(n + 1)\ntry:\n    down(0)\nexcept RecursionError:\n    print('deep')\n",
    );
    assert_eq!(deep.stdout, "deep\n");
    run_sequence(&pool, &[("print(sum(range(10)))\n", Some("45\n"))]);
}

/// The purity rule itself (`is_pure` in src/trace/tracer.py), run on the real interpreter.
#[test]
fn the_purity_rule_classifies_conservatively() {
    let cases: &[(&str, bool)] = &[
        ("x = [1, 2]\nx.append(3)\nprint(len(x), sorted(x))\n", true),
        ("def f(a):\n    return {k: v for k, v in a.items()}\n", true),
        ("class A:\n    def m(self):\n        return 1\n", true),
        ("print(type(3) == int)\n", false),
        (
            "s = 'valid'\nprint(s.upper())  # words inside others do not count\n",
            true,
        ),
        ("print('an id')  # strings and comments count\n", false),
        ("ｏｐｅｎ('f')\n", false),
        ("print('é')\n", false),
        ("def g():\n    with x:\n        yield 1\n", false),
        ("def f(x):\n    f_x = x\n    return f_x\n", false),
        // Words are maximal runs of letters, digits and `_`: only a whole word counts, and
        // a frame attribute is its prefix followed by more of the word.
        ("x9id = n_id = idx = 1\nprint(x9id, n_id, idx)\n", true),
        ("print([1].index(1), 'types', 'formats')\n", true),
        ("f_ = co_ = 1\nelif_x = 2\nprint(f_, co_, elif_x)\n", true),
        ("x = [1]\nprint(x[0])#tb_x\n", false),
        ("print(x.id)\n", false),
        ("print(3;type)\n", false),
        ("r = 1\n\tco_names = 2\n", false),
        ("def g():\n    yield 1\n    print('try')\n", false),
        ("def g():\n    yield 1\n", true),
        ("s = 'a__b'\nprint(s.count('_'))\n", false),
        ("import math\n", false),
        ("from os import path\n", false),
        ("__builtins__.len = None\n", false),
        ("print((1).__class__)\n", false),
        (
            "class A:\n    def __del__(self):\n        print('bye')\n",
            false,
        ),
        ("def f(__x):\n    return __x\n", false),
        ("print(globals())\n", false),
        ("print(locals())\n", false),
        ("vars()\n", false),
        ("getattr(1, 'real')\n", false),
        ("hasattr(1, 'real')\n", false),
        ("setattr(A, 'b', 1)\n", false),
        ("eval('1')\n", false),
        ("exec('x = 1')\n", false),
        ("compile('1', 'f', 'eval')\n", false),
        ("open('f')\n", false),
        ("breakpoint()\n", false),
        ("exit()\n", false),
        ("memoryview(b'x')\n", false),
        ("print(id([]))\n", false),
        ("print(hash(object()))\n", false),
        ("input()\n", false),
        ("type('A', (), {})\n", false),
        ("t = type\n", false),
        ("'{0.real}'.format(1)\n", false),
        ("'{x}'.format_map({'x': 1})\n", false),
        ("def g():\n    yield 1\nprint(g().gi_frame)\n", false),
        (
            "def g():\n    try:\n        yield 1\n    finally:\n        print('closed')\n",
            false,
        ),
        ("match 1:\n    case int(real=r):\n        pass\n", true),
        (
            "match 1:\n    case object(gi_frame=f):\n        pass\n",
            false,
        ),
    ];
    let python = resolve_python(None).expect("python3 must be available");
    let tracer_py = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("src/trace/tracer.py");
    let driver = "import importlib.util, json, sys\n\
        spec = importlib.util.spec_from_file_location('tracer', sys.argv[1])\n\
        tracer = importlib.util.module_from_spec(spec)\n\
        spec.loader.exec_module(tracer)\n\
        programs = json.load(sys.stdin)\n\
        print(json.dumps([tracer.is_pure(p) for p in programs]))\n";
    let mut child = Command::new(python)
        .args(["-S", "-c", driver])
        .arg(&tracer_py)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("python starts");
    let programs: Vec<&str> = cases.iter().map(|(p, _)| *p).collect();
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(&serde_json::to_vec(&programs).expect("json"))
        .expect("write programs");
    let output = child.wait_with_output().expect("python runs");
    assert!(output.status.success(), "the purity driver failed");
    let verdicts: Vec<bool> = serde_json::from_slice(&output.stdout).expect("a list of verdicts");
    assert_eq!(verdicts.len(), cases.len());
    let wrong: Vec<String> = cases
        .iter()
        .zip(&verdicts)
        .filter(|((_, expected), got)| expected != *got)
        .map(|((program, expected), _)| format!("expected pure={expected}: {program:?}"))
        .collect();
    assert!(wrong.is_empty(), "{wrong:#?}");
}

#[test]
fn every_cruxeval_trace_is_the_one_a_fresh_child_gives() {
    let Some(reqs) = tracer_support::cruxeval_requests("reuse") else {
        return;
    };
    let opts = PoolOptions {
        python: None,
        workers: 2,
        ..PoolOptions::default()
    };
    let reused = TracerPool::start(opts.clone()).expect("a pool");
    let fresh = TracerPool::start_with_fresh_children(opts).expect("a pool");
    tracer_support::assert_same_traces(
        ("reused", &reused.trace_many(&reqs, &|_| {})),
        ("fresh", &fresh.trace_many(&reqs, &|_| {})),
    );
}
