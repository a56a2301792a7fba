//! Recording a program never changes what it does (issue 20). Each check compares the traced
//! run with plain CPython's (same stdout, stderr and exit status) and asserts what the trace
//! holds: values rendered without running the program's code, no `return` step for a frame
//! left by an exception, CPython's recursion budget with the steps around a RecursionError,
//! the real runtime (asyncio, stdin, stdout/stderr streams, exit handlers and finalisers,
//! `sys.exit(msg)`, encoding errors), and each caller's calling line in the call stack.

mod tracer_support;

use tracelens::app::trace_view::TraceView;
use tracelens::trace::codeexecutor::record;
use tracelens::trace::{Event, Limits, OutcomeKind, Trace};
use tracer_support::{source_like_cpython, trace, trace_like_cpython, trace_with};

/// The repr of local `name` at the last step that shows it.
fn last_repr(t: &Trace, name: &str) -> String {
    t.steps
        .iter()
        .rev()
        .find_map(|s| s.locals.iter().find(|l| l.name == name))
        .map(|l| l.repr.clone())
        .unwrap_or_else(|| panic!("no local {name}"))
}

#[test]
fn a_user_repr_str_property_or_getattr_never_runs_for_the_tracer() {
    // Under CPython the program prints 0: rendering `p` at every step must not call it.
    let t = trace_like_cpython("repr_side_effects");
    assert_eq!(t.stdout, "0\n");
    assert_eq!(last_repr(&t, "p"), "Probe(n=4)");
    assert_eq!(last_repr(&t, "items"), "[Probe(n=4), {'k': Probe(n=4)}]");
    let t = trace_like_cpython("property_and_getattr");
    assert_eq!(t.stdout, "['property']\n");
    assert_eq!(last_repr(&t, "obj"), "Lazy(seen=42)");
    // A metaclass's __repr__, a str subclass's __repr__: not run either.
    let t = trace_like_cpython("metaclass_registry");
    assert_eq!(
        last_repr(&t, "kinds"),
        "[<class '__main__.Plugin'>, <class '__main__.Extra'>]"
    );
    let t = trace_like_cpython("user_str_subclass");
    assert_eq!(last_repr(&t, "n"), "Name('ada')");
    assert_eq!(last_repr(&t, "m"), "Meters(3.5)");
    // Slots, and cycles through objects and lists.
    let t = trace_like_cpython("slots_and_cycles");
    assert_eq!(
        last_repr(&t, "a"),
        "Node(value=1, next=Node(value=2, next=Node(...)))"
    );
    assert_eq!(
        last_repr(&t, "ring"),
        "[Node(value=1, next=Node(value=2, next=Node(...))), Node(value=2, next=Node(value=1, next=Node(...))), [...]]"
    );
}

#[test]
fn a_repr_that_never_returns_does_not_stop_the_program() {
    let t = trace(
        "class Stuck:\n    def __repr__(self):\n        while True:\n            pass\n\ns = Stuck()\ns.k = 1\nprint('done')\n",
    );
    assert_eq!(t.outcome.kind, OutcomeKind::Completed, "{:?}", t.outcome);
    assert_eq!(t.stdout, "done\n");
    assert_eq!(last_repr(&t, "s"), "Stuck(k=1)");
}

#[test]
fn container_subclasses_are_their_builtin_base_inside_the_class_name() {
    let t = trace_like_cpython("container_subclasses");
    assert_eq!(last_repr(&t, "s"), "Stack([1, 2, 3])");
    assert_eq!(
        last_repr(&t, "c"),
        "Counter({'a': 5, 'b': 2, 'r': 2, 'c': 1, 'd': 1})"
    );
    assert_eq!(last_repr(&t, "od"), "OrderedDict([('a', 2), ('b', 1)])");
    assert_eq!(
        last_repr(&t, "dd"),
        "defaultdict(<class 'list'>, {'k': [1]})"
    );
    assert_eq!(last_repr(&t, "dq"), "deque([2, 3, 4], maxlen=3)");
    assert_eq!(last_repr(&t, "pt"), "Point(x=1, y=2)");
    // Library objects that would render the program's objects through their own repr.
    let t = trace(
        "import types\nclass P:\n    def __repr__(self):\n        print('ran')\n        return 'P!'\nns = types.SimpleNamespace(a=P())\nview = {1: P()}.values()\nm = P().__repr__\nms = [m]\n",
    );
    assert_eq!(t.stdout, "");
    assert_eq!(last_repr(&t, "ns"), "namespace(a=P())");
    assert_eq!(last_repr(&t, "view"), "dict_values([P()])");
    assert_eq!(last_repr(&t, "ms"), "[<bound method P.__repr__ of P()>]");
    // A 50,000-item Counter costs what its first 300 characters cost, at every step.
    let limits = Limits {
        timeout_ms: 3_000,
        ..Limits::default()
    };
    let (path, _) = tracer_support::corpus_program("big_counter");
    let code = std::fs::read_to_string(path).expect("the program");
    let t = trace_with(&code, "", limits);
    assert_eq!(t.outcome.kind, OutcomeKind::Completed, "{:?}", t.outcome);
    let counts = last_repr(&t, "counts");
    assert!(
        counts.starts_with("Counter({0: 1, 1: 1, 2: 1, "),
        "{counts}"
    );
    assert_eq!(counts.chars().count(), 303, "cut to max_repr: {counts}");
}

#[test]
fn the_codeexecutor_projection_shows_the_same_rendering() {
    let t = trace_like_cpython("repr_side_effects");
    let code = std::fs::read_to_string(tracer_support::corpus_program("repr_side_effects").0)
        .expect("the program");
    let ce = record(&code, &t).expect("a CodeExecutor record");
    let last = ce.trace.last().expect("steps");
    assert!(last.contains("p : Probe ( n = 4 )"), "{last}");
}

#[test]
fn a_frame_left_by_an_exception_has_no_return_step_on_any_path() {
    let t = trace_like_cpython("reraise_paths");
    for func in [
        "via_with",
        "via_finally",
        "via_bare_raise",
        "via_nonmatching",
        "via_exit_in_finally",
    ] {
        let events: Vec<Event> = t
            .steps
            .iter()
            .filter(|s| s.func == func)
            .map(|s| s.event)
            .collect();
        assert!(!events.contains(&Event::Return), "{func}: {events:?}");
        assert!(events.contains(&Event::Exception), "{func}: {events:?}");
    }
    // __enter__ and __exit__ return normally: their return steps stay.
    let exits: Vec<_> = t
        .steps
        .iter()
        .filter(|s| s.func == "__exit__" && s.event == Event::Return)
        .collect();
    assert_eq!(exits.len(), 1);
    assert_eq!(
        exits[0].value.as_ref().map(|v| v.repr.as_str()),
        Some("False")
    );
    // A generator: its yield is a return step; closed with a pending finally, it unwinds.
    let t = trace_like_cpython("generator_close_finally");
    let events: Vec<Event> = t
        .steps
        .iter()
        .filter(|s| s.func == "reader" && s.event != Event::Line)
        .map(|s| s.event)
        .collect();
    assert_eq!(
        events,
        [Event::Call, Event::Return, Event::Call, Event::Exception]
    );
}

#[test]
fn the_program_gets_cpythons_recursion_budget() {
    let t = source_like_cpython(
        "import sys\n\ndef depth(n):\n    return 0 if n == 0 else 1 + depth(n - 1)\n\nprint(sys.getrecursionlimit())\nn = 990\nwhile True:\n    try:\n        depth(n)\n    except RecursionError:\n        print('deepest', n - 1)\n        break\n    n += 1\n",
        "",
    );
    assert!(t.stdout.starts_with("1000\ndeepest 99"), "{}", t.stdout);
    assert!(
        t.steps.iter().all(|s| s
            .locals
            .iter()
            .all(|l| !l.repr.starts_with("<unrepresentable"))),
        "every local is shown, even at the deepest frame"
    );
    // The limit set by the program, the checks CPython makes, the error caught and re-raised.
    source_like_cpython(
        "import sys\n\ndef down(n):\n    try:\n        return down(n + 1)\n    except RecursionError:\n        if n % 100 == 0:\n            print('unwound', n)\n        raise\n\ntry:\n    down(0)\nexcept RecursionError as e:\n    print('caught', e)\nsys.setrecursionlimit(50)\ntry:\n    down(0)\nexcept RecursionError as e:\n    print('caught', e)\nprint(sys.getrecursionlimit())\nfor bad in (0, 3):\n    try:\n        sys.setrecursionlimit(bad)\n    except (ValueError, RecursionError) as e:\n        print(type(e).__name__, e)\n",
        "",
    );
}

#[test]
fn an_infinite_recursion_has_its_line_and_exception_steps() {
    let t = source_like_cpython("def down(n):\n    return down(n + 1)\n\ndown(0)\n", "");
    assert_eq!(t.outcome.kind, OutcomeKind::Exception);
    assert_eq!(
        t.outcome.message.as_deref(),
        Some("RecursionError: maximum recursion depth exceeded")
    );
    let count = |event: Event| {
        t.steps
            .iter()
            .filter(|s| s.func == "down" && s.event == event)
            .count()
    };
    let calls = count(Event::Call);
    assert!(calls > 990, "{calls} calls");
    assert_eq!(count(Event::Line), calls, "each frame's line");
    assert_eq!(count(Event::Exception), calls, "each frame unwinds");
    assert_eq!(count(Event::Return), 0);
    let last = t.steps.last().expect("steps");
    assert_eq!(
        (last.event, last.func.as_str()),
        (Event::Exception, "<module>")
    );
}

#[test]
fn asyncio_runs() {
    let t = trace_like_cpython("async_gather");
    assert_eq!(t.stdout, "['A', 'B']\n2\n");
    assert!(t.steps.iter().any(|s| s.func == "fetch"));
    trace_like_cpython("async_iteration");
}

#[test]
fn stdin_is_a_real_stream_on_file_descriptor_zero() {
    for name in [
        "stdin_lines",
        "stdin_input",
        "stdin_buffer_and_fd",
        "stdin_open_zero",
        "stdin_os_read",
    ] {
        let t = trace_like_cpython(name);
        assert_eq!(t.outcome.kind, OutcomeKind::Completed, "{name}");
    }
}

#[test]
fn stdout_and_stderr_are_real_text_streams() {
    let t = trace_like_cpython("stdout_buffer_reconfigure");
    assert!(t.stdout.contains("lone \\ud800 surrogate"), "{}", t.stdout);
    // Under UTF-8, a lone surrogate is an error (UnicodeEncodeError) and \udcff writes a byte.
    let t = trace_like_cpython("encoding_error");
    assert_eq!(t.outcome.kind, OutcomeKind::Exception);
    assert_eq!(t.stdout, "before\n");
    trace_like_cpython("surrogateescape_bytes");
}

#[test]
fn exit_handlers_and_finalisers_run_traced_with_their_output() {
    let t = trace_like_cpython("atexit_handlers");
    assert!(t
        .stdout
        .ends_with("the end\ngoodbye second\ngoodbye first\n"));
    let handler: Vec<_> = t.steps.iter().filter(|s| s.func == "goodbye").collect();
    assert!(handler
        .iter()
        .any(|s| s.event == Event::Call && s.depth == 1));
    assert!(handler
        .iter()
        .any(|s| s.event == Event::Line && s.stdout == "goodbye second\n"));
    let t = trace_like_cpython("del_at_exit");
    assert!(t
        .steps
        .iter()
        .any(|s| s.func == "__del__" && s.stdout == "released y\n"));
    trace_like_cpython("generator_finaliser_at_exit");
    trace_like_cpython("exception_in_exit_handler");
}

#[test]
fn sys_exit_prints_and_exits_like_cpython() {
    let t = trace_like_cpython("sys_exit_message");
    assert_eq!(t.stderr, "fatal: could not continue\n");
    trace_like_cpython("sys_exit_code");
    trace_like_cpython("sys_exit_zero_in_function");
}

#[test]
fn each_frame_of_the_call_stack_shows_its_current_line() {
    let code = "def add(a, b):\n    return a + b\n\n\ndef twice(x):\n    return add(x, x)\n\n\ntotal = 0\ntotal += twice(3)\nprint(total)\n";
    let t = trace(code);
    let view = TraceView::new(t, code);
    let inner = view
        .steps()
        .iter()
        .position(|s| s.func == "add" && s.event == Event::Line)
        .expect("a line step in add");
    let stack: Vec<String> = view
        .stack(inner)
        .iter()
        .map(|f| format!("{}:{}", f.func, f.line))
        .collect();
    assert_eq!(stack, ["add:2", "twice:6", "<module>:10"]);
}
