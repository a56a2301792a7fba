"""Benchmark helper for scripts/bench_trace.sh: the naive tracers (b) and (c) and the report.

Usage:
  bench_trace.py prepare CRUXEVAL.jsonl BATCH.jsonl      write the batch input of (a)
  bench_trace.py timed N COMMAND...                      (a) run COMMAND, which traces N programs
  bench_trace.py naive PYTHON BATCH.jsonl JOBS           (b) one process per program, settrace
  bench_trace.py pysnooper PYTHON BATCH.jsonl JOBS       (c) one process per program, PySnooper
Each timing command prints `traces_per_second` (wall clock) and `cpu_ms_per_trace`: the CPU
time of every process involved (user + system, children included), which a busy machine
disturbs far less than the wall clock.
"""
import json
import resource
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor

# (b): the smallest useful line tracer: record (line, repr of locals) at every line event.
NAIVE = r"""
import sys
code = sys.stdin.read()
steps = []
def local(frame, event, arg):
    if event == "line":
        steps.append((frame.f_lineno, {k: repr(v) for k, v in frame.f_locals.items()
                                       if not k.startswith("__")}))
    return local
def tracer(frame, event, arg):
    return local if frame.f_code.co_filename == "<prog>" else None
sys.settrace(tracer)
try:
    exec(compile(code, "<prog>", "exec"), {"__name__": "__main__"})
finally:
    sys.settrace(None)
print(len(steps))
"""

# (c): PySnooper, the tracer SemCoder used, writing its log to memory.
SNOOP = r"""
import io, sys
import pysnooper
code = sys.stdin.read()
log = io.StringIO()
@pysnooper.snoop(output=log, depth=20, color=False)
def run():
    exec(compile(code, "<prog>", "exec"), {"__name__": "__main__"})
run()
print(len(log.getvalue()))
"""


def prepare(crux, batch):
    with open(crux) as src, open(batch, "w") as out:
        for line in src:
            if line.strip():
                p = json.loads(line)
                code = p["code"] + "\nresult = f(" + p["input"] + ")\n"
                out.write(json.dumps({"id": p["id"], "code": code}) + "\n")


def children_cpu():
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def report(programs, failed, elapsed, cpu):
    print("programs %d failed %d seconds %.2f" % (programs, failed, elapsed))
    print("traces_per_second %.1f" % (programs / elapsed))
    print("cpu_ms_per_trace %.2f" % (cpu / programs * 1000.0))


def timed(programs, command):
    cpu = children_cpu()
    start = time.perf_counter()
    code = subprocess.run(command).returncode
    report(programs, 0 if code == 0 else programs, time.perf_counter() - start,
           children_cpu() - cpu)


def per_process(python, batch, jobs, script):
    programs = [json.loads(l)["code"] for l in open(batch) if l.strip()]

    def one(code):
        return subprocess.run([python, "-c", script], input=code.encode(),
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                              timeout=60).returncode

    cpu = children_cpu()
    start = time.perf_counter()
    with ThreadPoolExecutor(jobs) as pool:
        codes = list(pool.map(one, programs))
    elapsed = time.perf_counter() - start
    report(len(programs), sum(1 for c in codes if c != 0), elapsed, children_cpu() - cpu)


def main():
    cmd = sys.argv[1]
    if cmd == "prepare":
        prepare(sys.argv[2], sys.argv[3])
    elif cmd == "timed":
        timed(int(sys.argv[2]), sys.argv[3:])
    elif cmd in ("naive", "pysnooper"):
        script = NAIVE if cmd == "naive" else SNOOP
        per_process(sys.argv[2], sys.argv[3], int(sys.argv[4]), script)
    else:
        sys.exit("unknown command " + cmd)


if __name__ == "__main__":
    main()
