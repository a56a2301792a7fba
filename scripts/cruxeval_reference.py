#!/usr/bin/env python3
"""An independent reimplementation of CRUXEval's scoring, the reference `tracelens eval --task`
is tested against (tests/cruxeval_score.rs).

What it reimplements, from facebookresearch/cruxeval (MIT) at commit c7c7873:
  * evaluation/utils_general.py `evaluate_score`: an input-prediction answer without `f(` and an
    output-prediction answer containing `f(INPUT)` are not run and count as failed; any other
    answer is checked by running `CODE + "\\nassert " + OUTPUT + " == " + ANSWER`;
  * evaluation/utils_execute.py `check_correctness`: the check runs in a forked process, its
    output swallowed, under a 3 s SIGALRM timer, and is killed if still alive 1 s later; it
    passes only when `exec` returns (any BaseException, SystemExit included, fails);
  * evaluation/utils_general.py `pass_at_k`: 1.0 when n - c < k, else 1 - prod(1 - k / i) for
    i in n-c+1..n; evaluate_generations.py averages it over samples (x 100). Skipped answers
    are in n as failures; a sample with fewer than k answers gets pass@k = 1.0 when n - c < k.

It does not use their code: it forks with `os` directly, and it also records why each answer
failed (the official harness keeps a boolean): `skipped`, `syntax_error` (compiling failed),
`wrong_value` (an AssertionError raised on the assert line or later), `exception` (with its
type), `timeout`.

Usage:
  cruxeval_reference.py --dataset SAMPLES.jsonl --generations GENERATIONS.json \\
      --mode output|input [--jobs N] > RESULT.json

GENERATIONS.json is CRUXEval's format, {"sample_N": [answer, ...]}, keyed by the dataset's
`id`s. RESULT.json: {"pass_at_1", "pass_at_5", "samples": {id: [{"passed", "reason",
"type"}...]}}.
"""

import argparse
import json
import os
import select
import signal
import sys
import time
from concurrent.futures import ThreadPoolExecutor

TIMEOUT_S = 3.0


class Timeout(Exception):
    pass


def skip(mode, answer, sample_input):
    if mode == "input":
        return "f(" not in answer
    return "f(%s)" % sample_input in answer


def python_line_count(text):
    """How many lines Python's tokenizer sees in `text` (\\r\\n, \\r and \\n end a line)."""
    return text.replace("\r\n", "\n").replace("\r", "\n").count("\n") + 1


def child_verdict(program, assert_line):
    try:
        code = compile(program, "<check>", "exec")
    except BaseException as e:
        return {"passed": False, "reason": "syntax_error", "type": None}

    def on_alarm(signum, frame):
        raise Timeout()

    signal.signal(signal.SIGALRM, on_alarm)
    signal.setitimer(signal.ITIMER_REAL, TIMEOUT_S)
    try:
        exec(code, {})
    except Timeout:
        return {"passed": False, "reason": "timeout", "type": None}
    except BaseException as e:
        signal.setitimer(signal.ITIMER_REAL, 0)
        line = None
        tb = e.__traceback__
        while tb is not None:
            if tb.tb_frame.f_code.co_filename == "<check>":
                line = tb.tb_lineno
            tb = tb.tb_next
        if isinstance(e, AssertionError) and line is not None and line >= assert_line:
            return {"passed": False, "reason": "wrong_value", "type": None}
        return {"passed": False, "reason": "exception", "type": type(e).__name__}
    signal.setitimer(signal.ITIMER_REAL, 0)
    return {"passed": True, "reason": "passed", "type": None}


def check(program, assert_line):
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(read_end)
        null = os.open(os.devnull, os.O_RDWR)
        for fd in (0, 1, 2):
            os.dup2(null, fd)
        try:
            verdict = child_verdict(program, assert_line)
        except BaseException:
            verdict = {"passed": False, "reason": "timeout", "type": None}
        os.write(write_end, json.dumps(verdict).encode())
        os._exit(0)
    os.close(write_end)
    data = b""
    deadline = time.monotonic() + TIMEOUT_S + 1
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            break
        ready, _, _ = select.select([read_end], [], [], left)
        if not ready:
            break
        chunk = os.read(read_end, 65536)
        if not chunk:
            break
        data += chunk
    os.close(read_end)
    try:
        os.kill(pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    os.waitpid(pid, 0)
    if not data:
        return {"passed": False, "reason": "timeout", "type": None}
    return json.loads(data)


def score(mode, sample, answer):
    if skip(mode, answer, sample["input"]):
        return {"passed": False, "reason": "skipped", "type": None}
    program = "%s\nassert %s == %s" % (sample["code"], sample["output"], answer)
    return check(program, python_line_count(sample["code"]) + 1)


def pass_at_k(n, c, k):
    if n - c < k:
        return 1.0
    product = 1.0
    for i in range(n - c + 1, n + 1):
        product *= 1.0 - k / i
    return 1.0 - product


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--dataset", required=True)
    parser.add_argument("--generations", required=True)
    parser.add_argument("--mode", choices=["input", "output"], required=True)
    parser.add_argument("--jobs", type=int, default=2)
    args = parser.parse_args()
    with open(args.dataset) as f:
        samples = [json.loads(line) for line in f if line.strip()]
    with open(args.generations) as f:
        generations = json.load(f)
    work = [(s, a) for s in samples for a in generations[s["id"]]]
    with ThreadPoolExecutor(args.jobs) as pool:
        verdicts = list(pool.map(lambda w: score(args.mode, *w), work))
    per_sample, at = {}, 0
    for s in samples:
        n = len(generations[s["id"]])
        per_sample[s["id"]] = verdicts[at:at + n]
        at += n
    ones, fives = [], []
    for results in per_sample.values():
        n, c = len(results), sum(r["passed"] for r in results)
        ones.append(pass_at_k(n, c, 1))
        fives.append(pass_at_k(n, c, 5))
    json.dump({"pass_at_1": sum(ones) / len(ones) * 100,
               "pass_at_5": sum(fives) / len(fives) * 100,
               "samples": per_sample}, sys.stdout)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
