#!/usr/bin/env python3
"""Build samples/dataset.jsonl: the sample programs and two mutants of each, traced, as
tracelens dataset records ready for curation (every verdict `unreviewed`).

Run from the repository root after `cargo build --release` (or pass the binary):

    python3 scripts/make_sample_dataset.py [path/to/tracelens]

Mutants are chosen deterministically (seeded) from `tracelens mutate FILE --list --json`,
preferring two different operators; each record's `origin` names the program and mutation.
Mutants whose trace does not complete or raise (timeouts, limits) or is longer than
MAX_TRACE_STEPS steps are left out, so the example stays small and readable.
"""

import json
import pathlib
import random
import subprocess
import sys
import tempfile

ROOT = pathlib.Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "samples"
OUT = SAMPLES / "dataset.jsonl"
MUTANTS_PER_PROGRAM = 2
SEED = 7
MAX_TRACE_STEPS = 200


def run(binary, *args, stdin_text=None):
    done = subprocess.run(
        [binary, *args], input=stdin_text, capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        raise RuntimeError(f"tracelens {' '.join(args)} failed: {done.stderr.strip()}")
    return done.stdout


def trace(binary, code, stdin):
    """The outcome kind and CodeExecutor fields of one program."""
    with tempfile.TemporaryDirectory() as tmp:
        program = pathlib.Path(tmp) / "program.py"
        program.write_text(code)
        stdin_file = pathlib.Path(tmp) / "program.stdin"
        stdin_file.write_text(stdin)
        args = [str(program), "--stdin", str(stdin_file)]
        full = json.loads(run(binary, "trace", *args, "--format", "json"))
        ce = json.loads(run(binary, "trace", *args, "--format", "codeexecutor"))
    return full["outcome"]["kind"], ce


def pick_mutations(mutations, rng):
    """Up to MUTANTS_PER_PROGRAM mutations, with different operators where possible."""
    shuffled = mutations[:]
    rng.shuffle(shuffled)
    chosen, ops = [], set()
    for mutation in shuffled:
        if mutation["op"] not in ops:
            chosen.append(mutation)
            ops.add(mutation["op"])
        if len(chosen) == MUTANTS_PER_PROGRAM:
            return chosen
    rest = [m for m in shuffled if m not in chosen]
    return chosen + rest[: MUTANTS_PER_PROGRAM - len(chosen)]


def record(id_, code, stdin, outcome, ce, origin=None):
    rec = {"id": id_, "code": code, "stdin": stdin}
    if origin is not None:
        rec["origin"] = origin
    rec.update(ce)
    rec.update({"outcome": outcome, "verdict": "unreviewed", "tags": [], "note": ""})
    return rec


def main():
    binary = sys.argv[1] if len(sys.argv) > 1 else str(ROOT / "target/release/tracelens")
    rng = random.Random(SEED)
    records = []
    for path in sorted(SAMPLES.glob("*.py")):
        code = path.read_text()
        stdin_path = path.with_suffix(".stdin")
        stdin = stdin_path.read_text() if stdin_path.exists() else ""
        outcome, ce = trace(binary, code, stdin)
        records.append(record(path.stem, code, stdin, outcome, ce))
        mutations = json.loads(run(binary, "mutate", str(path), "--list", "--json"))
        for mutation in pick_mutations(mutations, rng):
            mutant = run(binary, "mutate", str(path), "--apply", str(mutation["id"]))
            outcome, ce = trace(binary, mutant, stdin)
            if outcome not in ("completed", "exception") or len(ce["trace"]) > MAX_TRACE_STEPS:
                continue
            origin = {
                "id": path.stem,
                "mutation": {key: mutation[key] for key in ("op", "line", "before", "after")},
            }
            id_ = f"{path.stem}-m{mutation['id']}"
            records.append(record(id_, mutant, stdin, outcome, ce, origin))
    with tempfile.NamedTemporaryFile("w", dir=SAMPLES, delete=False) as tmp:
        for rec in records:
            tmp.write(json.dumps(rec) + "\n")
    pathlib.Path(tmp.name).replace(OUT)
    print(f"wrote {len(records)} records to {OUT.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
