"""scripts/ray_run.py on a local 2-CPU Ray instance, output checked byte for byte against the
single-machine tracelens command (run by tests/ray_driver.rs: `check_ray_run.py BINARY`).

1. trace: 200 CRUXEval programs (every 4th, some showing object addresses), plus a malformed
   line and a program that crashes its process, in 8 shards (the two bad records cost
   only themselves);
2. build: a small mutants dataset in 4 shards (shipped to the workers with runtime_env);
3. eval: that dataset, predicted by the shipped model in 4 shards, per-sample lines and
   summary;
4. a shard whose Ray worker is killed (SIGKILL) while it runs is retried by Ray, and the
   output is still identical.
"""

import json
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time

import ray

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
DRIVER = os.path.join(ROOT, "scripts", "ray_run.py")

BINARY = os.path.abspath(sys.argv[1])
CRUX = os.path.join(ROOT, "..", "shared", "cruxeval", "cruxeval.jsonl")
MODEL = os.path.join(ROOT, "models", "tracelens-tiny")
ADDRESS = None  # the local Ray instance main() starts
# Ends the process running it: the worst crash a program can cause, since the sandbox keeps it
# from killing its tracer worker.
CRASHES = "import os\nprint('bye')\nos._exit(3)\n"


def tracelens(*args):
    proc = subprocess.run([BINARY, *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          check=False)
    assert proc.returncode == 0, proc.stderr.decode()
    return proc.stdout


def read(path):
    with open(path, "rb") as f:
        return f.read()


def same(a, b, what):
    assert read(a) == read(b), f"{what}: {a} and {b} differ"
    print(f"ok: {what} ({len(read(a))} bytes identical)", flush=True)


def programs(count, every=1):
    """`count` CRUXEval programs, every `every`-th from the first, as {id, code} lines (the
    function, then a print of its call)."""
    with open(CRUX) as f:
        crux = [json.loads(line) for line in f if line.strip()]
    return [json.dumps({"id": p["id"], "code": f"{p['code'].rstrip()}\nprint(f({p['input']}))\n"})
            for p in crux[::every][:count]]


def drive(*argv):
    """Run the driver against this test's Ray instance; return its standard output."""
    proc = subprocess.run([sys.executable, DRIVER, "--address", ADDRESS, "--binary", BINARY,
                           *argv], stdout=subprocess.PIPE, stderr=subprocess.PIPE, check=False)
    assert proc.returncode == 0, proc.stderr.decode()
    return proc.stdout


def check_trace(tmp):
    lines = programs(200, every=4)  # all over CRUXEval; two show object addresses
    lines.insert(60, "{this line is not JSON")
    lines.insert(61, json.dumps({"id": 61, "code": CRASHES}))
    src = os.path.join(tmp, "programs.jsonl")
    with open(src, "w") as f:
        f.write("\n".join(lines) + "\n")
    single, ray_out = os.path.join(tmp, "single.jsonl"), os.path.join(tmp, "ray.jsonl")
    tracelens("dataset", "trace", src, "--out", single, "--jobs", "2")
    drive("trace", "--input", src, "--output", ray_out, "--shards", "8")
    same(single, ray_out, "trace, 8 shards")
    out = read(ray_out).decode().splitlines()
    assert len(out) == 202 and out[60] == "{this line is not JSON", out[60]
    records = [json.loads(line) for i, line in enumerate(out) if i != 60]
    assert records[60]["id"] == 61 and records[60]["outcome"] == "crashed", records[60]
    completed = sum(r["outcome"] == "completed" for r in records)
    assert completed >= 195, f"only {completed} of 201 records completed"
    assert records[61]["outcome"] == "completed", "the record after the crash is traced"
    masked = [r["id"] for r in records if any("0xADDR" in step for step in r["trace"])]
    assert len(masked) >= 2, f"object addresses masked in {masked}"
    assert os.listdir(tmp).count("ray.jsonl.parts") == 0, "parts are removed"
    before = read(ray_out)
    again = subprocess.run([sys.executable, DRIVER, "--address", ADDRESS, "--binary", BINARY,
                            "trace", "--input", src, "--output", ray_out, "--shards", "2"],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, check=False)
    assert again.returncode != 0 and b"pass --force" in again.stderr, again.stderr.decode()
    assert read(ray_out) == before, "an existing output is replaced only with --force"


def check_build_and_eval(tmp):
    build_args = ["--stage", "mutants", "--count", "24", "--mutants-per-program", "2",
                  "--test-fraction", "0.25"]
    single, ray_dir = os.path.join(tmp, "build-single"), os.path.join(tmp, "build-ray")
    tracelens("dataset", "build", *build_args, "--cruxeval", CRUX, "--out", single,
              "--jobs", "2")
    drive("build", "--input", CRUX, "--output", ray_dir, "--shards", "4", "--ship", "--",
          *build_args)
    for name in ("mutants.train.jsonl", "mutants.test.jsonl"):
        same(os.path.join(single, name), os.path.join(ray_dir, name), f"build {name}, 4 shards")
    dataset = os.path.join(single, "mutants.test.jsonl")
    eval_args = ["--max-tokens", "48", "--json"]
    single_out, ray_out = os.path.join(tmp, "eval-single.jsonl"), os.path.join(tmp, "eval-ray")
    summary = tracelens("eval", dataset, "--model", MODEL, "--out", single_out, *eval_args)
    printed = drive("eval", "--input", dataset, "--output", ray_out, "--shards", "4", "--ship",
                    "--model", MODEL, "--", *eval_args)
    same(single_out, ray_out, "eval per-sample lines, 4 shards")
    assert printed == summary, (printed, summary)
    print("ok: eval summary identical", flush=True)


def tracelens_processes(marker):
    """(pid, parent pid) of running tracelens processes whose arguments contain `marker`."""
    found = []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            with open(f"/proc/{pid}/cmdline", "rb") as f:
                argv = f.read().split(b"\0")
            with open(f"/proc/{pid}/stat") as f:
                parent = int(f.read().rsplit(")", 1)[1].split()[1])
        except OSError:
            continue
        if argv and argv[0] == BINARY.encode() and marker.encode() in argv:
            found.append((int(pid), parent))
    return found


def check_killed_shard_is_retried(tmp):
    lines = programs(40)
    lines.insert(15, json.dumps({"id": "sleeps", "code": "import time\ntime.sleep(2)\n"}))
    src = os.path.join(tmp, "slow.jsonl")
    with open(src, "w") as f:
        f.write("\n".join(lines) + "\n")
    single, ray_out = os.path.join(tmp, "slow-single.jsonl"), os.path.join(tmp, "slow-ray.jsonl")
    tracelens("dataset", "trace", src, "--out", single, "--jobs", "2")
    killed = []

    def kill_the_worker_of_shard_1():
        deadline = time.time() + 120
        while time.time() < deadline and not killed:
            for pid, ray_worker in tracelens_processes("1/4"):
                time.sleep(0.5)  # mid-run: the shard is tracing its sleeping program
                os.kill(ray_worker, signal.SIGKILL)
                killed.append((pid, ray_worker))
                break
            time.sleep(0.05)

    killer = threading.Thread(target=kill_the_worker_of_shard_1)
    killer.start()
    drive("trace", "--input", src, "--output", ray_out, "--shards", "4")
    killer.join()
    assert killed, "the shard's worker was never seen running"
    print(f"killed the Ray worker {killed[0][1]} running shard 1/4 (tracelens {killed[0][0]})")
    same(single, ray_out, "trace with a killed shard, retried")


def main():
    if not os.path.exists(CRUX):
        print(f"SKIPPED: {CRUX} is absent")
        return
    global ADDRESS
    # Ray's workers would run 15 steps nicer than this process: slow on a busy machine.
    os.environ.setdefault("RAY_worker_niceness", "0")
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    ADDRESS = ray.get_runtime_context().gcs_address
    try:
        with tempfile.TemporaryDirectory() as tmp:
            for check in (check_trace, check_build_and_eval, check_killed_shard_is_retried):
                started = time.time()
                check(tmp)
                print(f"{check.__name__}: {time.time() - started:.1f} s", flush=True)
    finally:
        ray.shutdown()


if __name__ == "__main__":
    main()
