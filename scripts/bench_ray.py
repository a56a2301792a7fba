"""Ray driver benchmark: in one run on one machine, the 800 CRUXEval programs (then the same
replicated to 10,000, with distinct ids) traced by
  (a) tracelens trace --batch --jobs 2 (the plain single-machine batch),
  (b) tracelens dataset trace --jobs 2 (the command each Ray shard runs, on the whole input),
  (c) python scripts/ray_run.py trace --shards S --cpus-per-shard C on a local 2-CPU Ray
      instance (started once beforehand, as a cluster is): the driver process from its start
      (interpreter, connecting to Ray) to the merged output,
each the best of REPEATS runs, with traces/s, the ratios of (c) to (a) and (b) of the times,
and (c)'s time to first output: from the driver's start until the first output bytes appear
(the driver streams: the first shard's lines go straight into the output's temporary file,
a later shard's into its part file). The load average is printed before and after each size:
the machine is shared.

Usage: .venv-ray/bin/python scripts/bench_ray.py BINARY [REPEATS [SxC ...]] [--programs N ...]
(REPEATS default 2; each SxC a layout of (c): S shards of C CPUs each, default 2x1; the
input sizes default to 800 and 10,000 programs)
"""
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time

import ray

HERE = os.path.dirname(os.path.abspath(__file__))
CRUX = os.path.join(HERE, "..", "..", "shared", "cruxeval", "cruxeval.jsonl")


def programs(count):
    """`count` CRUXEval programs ({id, code}: the function, then a print of its call),
    the 800 repeated as needed, ids made distinct with `#k`."""
    with open(CRUX) as f:
        crux = [json.loads(line) for line in f if line.strip()]
    out = []
    for i in range(count):
        p = crux[i % len(crux)]
        code = f"{p['code'].rstrip()}\nprint(f({p['input']}))\n"
        out.append(json.dumps({"id": f"{p['id']}#{i // len(crux)}", "code": code}))
    return "\n".join(out) + "\n"


def written(directory):
    """Whether any file under `directory` holds bytes."""
    for root, _, names in os.walk(directory):
        for name in names:
            try:
                if os.path.getsize(os.path.join(root, name)) > 0:
                    return True
            except OSError:  # renamed or removed meanwhile
                pass
    return False


def run(argv, first_file_in=None):
    """Seconds `argv` took, and the seconds until a file under the (empty) directory
    `first_file_in` held bytes."""
    first = []
    started = time.time()
    proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)

    def watch():
        while proc.poll() is None and not first:
            if written(first_file_in):
                first.append(time.time() - started)
            time.sleep(0.01)
    watcher = threading.Thread(target=watch) if first_file_in else None
    if watcher:
        watcher.start()
    _, stderr = proc.communicate()
    seconds = time.time() - started
    if watcher:
        watcher.join()
    if proc.returncode != 0:
        sys.exit(f"bench: {argv[:3]} failed: {stderr.decode()[-2000:]}")
    return seconds, (first[0] if first else None)


def parse_layouts(words):
    """`SxC` words (S shards of C CPUs each) as (S, C) pairs."""
    layouts = []
    for word in words:
        shards, _, cpus = word.partition("x")
        layouts.append((int(shards), int(cpus or 1)))
    return layouts


def main():
    args, sizes = sys.argv[1:], [800, 10_000]
    if "--programs" in args:
        at = args.index("--programs")
        args, sizes = args[:at], [int(n) for n in args[at + 1:]]
    binary = os.path.abspath(args[0])
    repeats = int(args[1]) if len(args) > 1 else 2
    layouts = parse_layouts(args[2:] or ["2x1"])
    # Ray runs its workers 15 steps nicer than itself by default; at the same niceness as
    # (a) and (b), the tasks compete for the CPUs as they do (on a loaded machine nice 15
    # gets a small share of them).
    os.environ.setdefault("RAY_worker_niceness", "0")
    print(f"RAY_worker_niceness={os.environ['RAY_worker_niceness']}, this process at nice "
          f"{os.nice(0)}")
    started = time.time()
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    address = ray.get_runtime_context().gcs_address
    print(f"local Ray instance (2 CPUs) started in {time.time() - started:.1f} s")
    with tempfile.TemporaryDirectory() as tmp:
        for count in sizes:
            src = os.path.join(tmp, f"in{count}.jsonl")
            with open(src, "w") as f:
                f.write(programs(count))
            a_out, b_out = (os.path.join(tmp, n) for n in ("a.jsonl", "b.jsonl"))
            c_dir = os.path.join(tmp, "c")
            c_out = os.path.join(c_dir, "c.jsonl")
            print(f"\n{count} programs, load average {os.getloadavg()[0]:.1f}", flush=True)
            a = b = float("inf")
            c = {layout: (float("inf"), float("inf")) for layout in layouts}
            for _ in range(repeats):  # interleaved, so that load changes hit all alike
                a = min(a, run([binary, "trace", "--batch", src, "--out", a_out, "--force",
                                "--jobs", "2"])[0])
                b = min(b, run([binary, "dataset", "trace", src, "--out", b_out, "--force",
                                "--jobs", "2"])[0])
                for shards, cpus in layouts:
                    shutil.rmtree(c_dir, ignore_errors=True)
                    os.mkdir(c_dir)
                    seconds, first_at = run(
                        [sys.executable, os.path.join(HERE, "ray_run.py"), "trace",
                         "--address", address, "--binary", binary, "--input", src,
                         "--output", c_out, "--shards", str(shards),
                         "--cpus-per-shard", str(cpus)], c_dir)
                    best, first = c[shards, cpus]
                    c[shards, cpus] = min(best, seconds), min(first, first_at)
                    with open(b_out, "rb") as fb, open(c_out, "rb") as fc:
                        assert fb.read() == fc.read(), "Ray output differs from (b)"
            print(f"(a) trace --batch --jobs 2:       {a:7.2f} s  {count / a:7.1f} traces/s")
            print(f"(b) dataset trace --jobs 2:       {b:7.2f} s  {count / b:7.1f} traces/s "
                  f"({b / a:.2f}x (a))")
            for (shards, cpus), (seconds, first) in c.items():
                print(f"(c) ray_run trace, {shards} shards x {cpus} CPU: {seconds:7.2f} s  "
                      f"{count / seconds:7.1f} traces/s, {seconds / a:.2f}x (a), "
                      f"{seconds / b:.2f}x (b), first output after {first:.2f} s")
            print(f"(every (c) output identical to (b)); load average now "
                  f"{os.getloadavg()[0]:.1f}", flush=True)
    ray.shutdown()


if __name__ == "__main__":
    main()
