"""Instructions per trace of the tracer script (confine.py + tracer.py) against its version at
REV, counted by valgrind (cachegrind): a count a busy machine does not disturb, where the
clock (scripts/bench_tracer_change.py) needs a quiet one.

Usage:
  bench_tracer_instructions.py REV CRUXEVAL.jsonl [PROGRAM.py | long ...]

Each version's script is loaded into an interpreter of its own, which runs a reused child's
own loop (`Child.serve`) in-process over the requests of the target's pure programs: for each,
read the request line, parse it, decide its purity, apply its limits, compile, trace it in a
fresh module, empty the module, check the child clean, answer. A child that retires (a
program it cannot vouch for) is followed by a fresh one, as the worker would fork. Left out:
the fork and the worker's side of each request (its own parse and purity check, waking the
child, copying the answer out), and the start-up. Per version, target by target: the CRUXEval
programs that are pure (`code + "result = f(input)"`), then each PROGRAM.py (`long`: the
4,500-step bubble sort of bench_tracer_change.py's (g)), REPEAT times. A target is run twice
under valgrind, once warming up only and once warming up then tracing each program once more;
the difference, divided by the number of traces, is the figure. Prints NEW/OLD per target.
Needs valgrind on PATH.
"""
import json
import mmap
import os
import re
import subprocess
import sys
import tempfile

from bench_tracer_change import LIMITS, LONG, worker_script

REPEAT = 3  # traces of each PROGRAM.py per pass


def programs(target):
    if target == "long":
        return [json.loads(LONG)["code"]] * REPEAT
    if target.endswith(".jsonl"):
        with open(target) as f:
            return [p["code"] + "\nresult = f(" + p["input"] + ")\n"
                    for p in map(json.loads, filter(str.strip, f))]
    with open(target) as f:
        return [f.read()] * REPEAT


class Retired(Exception):
    """The child's exit (at the end of the requests, or retiring), raised instead."""


def harness(script_path, target, passes, answer_fd):
    """Under valgrind: load the script without running its main(), then serve the target's
    pure programs once to warm up and `passes` more times, as a reused child serves them;
    writes their number to `answer_fd` (the tracer replaces the standard streams)."""
    with open(script_path) as f:
        source = f.read().replace('if __name__ == "__main__":\n    main()', "")
    tracer = {"__name__": "tracer"}
    exec(compile(source, script_path, "exec"), tracer)
    codes = [c for c in programs(target) if tracer["is_pure"](c)]
    # No limit on the address space: valgrind's own mappings would count against it.
    limits = dict(LIMITS, timeout_ms=10**9, memory_mb=1 << 30)  # valgrind runs ~50x slower
    requests = tempfile.TemporaryFile()
    for _ in range(1 + passes):
        for code_text in codes:
            requests.write((json.dumps({"code": code_text, "stdin": "", "limits": limits})
                            + "\n").encode())
    requests.seek(0)

    def exit_(status):
        raise Retired()

    tracer["REAL_EXIT"] = exit_
    child = tracer["Child"](None, tempfile.gettempdir(), -1, True)
    child.install()
    child.shm = mmap.mmap(-1, tracer["SHM_SIZE"])
    child.done_w = os.open(os.devnull, os.O_WRONLY)
    os.write(answer_fd, b"%d\n" % len(codes))
    while True:
        child.doubt = False
        child.forked()
        try:
            child.serve(requests)
        except Retired:
            if requests.tell() == os.fstat(requests.fileno()).st_size:
                return


def instructions(script_path, target, passes):
    """(instructions, pure programs) of one harness run under valgrind."""
    here = os.path.abspath(__file__)
    read, write = os.pipe()
    run = subprocess.run(
        ["valgrind", "--tool=cachegrind", "--cache-sim=no", "--cachegrind-out-file=/dev/null",
         sys.executable, "-S", here, "--harness", script_path, target, str(passes), str(write)],
        capture_output=True, text=True, pass_fds=(write,),
        env={"PYTHONHASHSEED": "0", "LANG": "C.UTF-8", "PYTHONPATH": os.path.dirname(here)})
    os.close(write)
    with os.fdopen(read) as f:
        count = f.read().strip()
    found = re.search(r"I\s+refs:\s+([\d,]+)", run.stderr)
    if run.returncode != 0 or found is None or not count:
        sys.exit("bench: the harness failed under valgrind:\n" + run.stderr[-2000:])
    return int(found.group(1).replace(",", "")), int(count)


def main():
    if sys.argv[1] == "--harness":
        try:
            harness(sys.argv[2], sys.argv[3], int(sys.argv[4]), int(sys.argv[5]))
        except BaseException:  # the tracer has replaced sys.stderr: write to the real one
            import traceback
            os.write(2, traceback.format_exc().encode())
            os._exit(1)
        return
    rev, targets = sys.argv[1], sys.argv[2:]
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    with tempfile.TemporaryDirectory() as tmp:
        paths = {}
        for name, version in (("old", rev), ("new", None)):
            paths[name] = os.path.join(tmp, name + ".py")
            with open(paths[name], "w") as f:
                f.write(worker_script(root, version))
        for target in targets:
            per_trace = {}
            for name in ("old", "new"):
                base, _ = instructions(paths[name], target, 0)
                more, count = instructions(paths[name], target, 1)
                per_trace[name] = (more - base) / count
                print("%s %s: %d pure programs, %.0f instructions per trace" % (
                    os.path.basename(target), name.upper(), count, per_trace[name]))
            print("%s NEW/OLD: %.4f" % (os.path.basename(target),
                                        per_trace["new"] / per_trace["old"]))


if __name__ == "__main__":
    main()
