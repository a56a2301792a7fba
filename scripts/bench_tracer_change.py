"""Side-by-side benchmark of the tracer script (src/trace/tracer.py) against an earlier version
of it, in one run: the working tree's script (NEW) and the script at REV (OLD), each in the
workers tracelens starts (`python3 -S -u -c SCRIPT`, clean environment), on the same requests.

Usage:
  bench_tracer_change.py REV CRUXEVAL.jsonl [ROUNDS [REPEAT]]

(e) throughput: the 800 CRUXEval programs (`code + "result = f(input)"`, default limits) on two
    workers at once (each program REPEAT times, default 1, so that a round outlasts the
    workers' start-up and the clock's noise), per version, rounds alternating OLD/NEW;
    traces/s by wall clock and the CPU time per trace of the workers and their forked
    children (which a busy machine disturbs far less than the wall clock), with its user and
    system parts; the best round of each version, figure by figure.
(f) latency: one warm worker per version, samples/bubble_sort.py traced 1,000 times,
    alternating OLD/NEW request by request; p50 and p90 of each, and the CPU time per trace
    of the worker and its children (from /proc/PID/schedstat, which a busy machine disturbs
    far less than the wall clock).
(g) per-step cost: a long pure trace (a 60-item bubble sort, about 4,500 steps), 40 times per
    version, alternating; the fastest of each (the worker's own elapsed time).
Each pair ends with NEW/OLD ratios (traces/s, CPU per trace, p50, CPU per warm trace,
fastest long trace).
"""
import json
import os
import resource
import statistics
import subprocess
import sys
import threading
import time

LIMITS = {"timeout_ms": 5000, "max_steps": 20000, "memory_mb": 512, "max_stdout": 1 << 20,
          "max_repr": 300}


class Worker:
    def __init__(self, script):
        self.proc = subprocess.Popen(
            [sys.executable, "-S", "-u", "-c", script], stdin=subprocess.PIPE,
            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
            env={"PYTHONHASHSEED": "0", "LANG": "C.UTF-8"})
        self.proc.stdout.readline()  # hello

    def trace(self, line):
        """Trace one request line; returns the worker's elapsed milliseconds."""
        self.proc.stdin.write(line)
        self.proc.stdin.flush()
        status = json.loads(self.proc.stdout.readline())
        self.proc.stdout.read(status["n"])
        return status["elapsed_ms"]

    def close(self):
        self.proc.stdin.close()
        self.proc.wait()


def tree_cpu_ns(pid):
    """CPU time (ns) of a process and its descendants (the live ones, and those it reaped
    to the clock tick), or None without /proc."""
    try:
        with open("/proc/%d/schedstat" % pid) as f:
            total = int(f.read().split()[0])
        with open("/proc/%d/stat" % pid) as f:
            fields = f.read().rsplit(")", 1)[1].split()
        total += (int(fields[13]) + int(fields[14])) * 10**9 // os.sysconf("SC_CLK_TCK")
        with open("/proc/%d/task/%d/children" % (pid, pid)) as f:
            children = [int(c) for c in f.read().split()]
    except (OSError, ValueError):
        return None
    for child in children:
        cpu = tree_cpu_ns(child)
        if cpu is not None:  # None: it ended meanwhile
            total += cpu
    return total


def children_cpu():
    """(user, system) CPU seconds of the reaped children."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime, usage.ru_stime


def request(code):
    return (json.dumps({"code": code, "stdin": "", "limits": LIMITS}) + "\n").encode()


LONG = request("""
def bubble(items):
    n = len(items)
    for i in range(n):
        for j in range(n - 1 - i):
            if items[j] > items[j + 1]:
                items[j], items[j + 1] = items[j + 1], items[j]
    return items


data = [(k * 7919) % 101 for k in range(60)]
word = "abc"
table = {"a": 1, "b": 2}
result = bubble(data)
""")


def throughput(script, lines):
    """(traces/s, CPU ms per trace, of which user and system) of two fresh workers sharing
    `lines`; the CPU time is the workers' and their children's (all reaped once the workers
    exit), start-up included."""
    cpu0 = children_cpu()
    workers = [Worker(script), Worker(script)]
    start = time.perf_counter()
    threads = [threading.Thread(target=lambda w=w, k=k: [w.trace(l) for l in lines[k::2]])
               for k, w in enumerate(workers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.perf_counter() - start
    for w in workers:
        w.close()
    user, system = (end - begin for end, begin in zip(children_cpu(), cpu0))
    per_trace = 1000 / len(lines)
    return len(lines) / wall, (user + system) * per_trace, user * per_trace, system * per_trace


def worker_script(root, rev):
    """The script tracelens runs in a worker: confine.py (where REV has it) then tracer.py, as
    src/trace/worker.rs concatenates them; REV None is the working tree."""
    parts = []
    for name in ("src/trace/confine.py", "src/trace/tracer.py"):
        if rev is None:
            path = os.path.join(root, name)
            if os.path.exists(path):
                parts.append(open(path).read())
            continue
        shown = subprocess.run(["git", "show", rev + ":" + name], cwd=root,
                               capture_output=True, text=True)
        if shown.returncode == 0:
            parts.append(shown.stdout)
    return "".join(parts)


def main():
    rev, crux = sys.argv[1], sys.argv[2]
    rounds = int(sys.argv[3]) if len(sys.argv) > 3 else 3
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    new = worker_script(root, None)
    old = worker_script(root, rev)
    with open(crux) as f:
        problems = [json.loads(l) for l in f if l.strip()]
    repeat = int(sys.argv[4]) if len(sys.argv) > 4 else 1
    lines = [request(p["code"] + "\nresult = f(" + p["input"] + ")\n") for p in problems] * repeat
    best = {"old": (0.0, float("inf"), float("inf"), float("inf")),
            "new": (0.0, float("inf"), float("inf"), float("inf"))}
    for r in range(rounds):
        for name in (("old", "new") if r % 2 == 0 else ("new", "old")):
            rate, *cpu = throughput(old if name == "old" else new, lines)
            best[name] = (max(best[name][0], rate), *map(min, best[name][1:], cpu))
    for name in ("old", "new"):
        print("(e) %s tracer (%s): %d programs, %.1f traces/s, %.3f ms CPU per trace (user %.3f,"
              " system %.3f)" % (name.upper(), rev if name == "old" else "working tree",
                                 len(lines), *best[name]))
    ratio = [n / o for n, o in zip(best["new"], best["old"])]
    print("(e) NEW/OLD: traces/s %.3f, CPU per trace %.3f (user %.3f, system %.3f)" % tuple(ratio))
    sample = request(open(os.path.join(root, "samples/bubble_sort.py")).read())
    workers = {"old": Worker(old), "new": Worker(new)}
    times = {"old": [], "new": []}
    for w in workers.values():
        for _ in range(20):
            w.trace(sample)  # warm
    cpu0 = {name: tree_cpu_ns(w.proc.pid) for name, w in workers.items()}
    for i in range(1000):
        for name in (("old", "new") if i % 2 == 0 else ("new", "old")):
            start = time.perf_counter()
            workers[name].trace(sample)
            times[name].append((time.perf_counter() - start) * 1000)
    cpu = {}
    for name, w in workers.items():
        end = tree_cpu_ns(w.proc.pid)
        if end is not None and cpu0[name] is not None:
            cpu[name] = (end - cpu0[name]) / 1e6 / len(times[name])
        w.close()
        t = sorted(times[name])
        print("(f) %s tracer: bubble_sort.py p50 %.3f ms, p90 %.3f ms%s" % (
            name.upper(), statistics.median(t), t[int(len(t) * 0.9)],
            ", %.3f ms CPU per trace" % cpu[name] if name in cpu else ""))
    print("(f) NEW/OLD p50: %.3f%s" % (
        statistics.median(times["new"]) / statistics.median(times["old"]),
        ", CPU per trace %.3f" % (cpu["new"] / cpu["old"]) if len(cpu) == 2 else ""))
    workers = {"old": Worker(old), "new": Worker(new)}
    fastest = {"old": float("inf"), "new": float("inf")}
    for i in range(40):
        for name in (("old", "new") if i % 2 == 0 else ("new", "old")):
            fastest[name] = min(fastest[name], workers[name].trace(LONG))
    for name, w in workers.items():
        w.close()
        print("(g) %s tracer: a 4,500-step trace in %.1f ms at best" % (name.upper(),
                                                                       fastest[name]))
    print("(g) NEW/OLD: %.3f" % (fastest["new"] / fastest["old"]))
    os.system("uptime")


if __name__ == "__main__":
    main()
