#!/usr/bin/env python3
"""Answer fixtures for the CRUXEval scorer test (tests/cruxeval_score.rs).

Writes, into the directory given (tests/fixtures/cruxeval/score):
  samples.jsonl            a dozen CRUXEval-style records written for this fixture;
  output.generations.json  CRUXEval-O answers per record, in CRUXEval's generations.json shape;
  input.generations.json   CRUXEval-I answers per record.
The answers are drawn (seeded) from candidates covering every verdict: right and wrong
values, skipped answers (an output answer repeating `f(INPUT)`, an input answer without
`f(`), exceptions of several types, syntax errors, timeouts, SystemExit; most records get 10
answers, some fewer than 5 (pass@5's small-n rule) and one a single answer.

The expected verdicts come from the independent reference, run on these files:
  scripts/make_score_fixtures.py tests/fixtures/cruxeval/score
  for mode in output input; do
    scripts/cruxeval_reference.py --dataset tests/fixtures/cruxeval/score/samples.jsonl \\
      --generations tests/fixtures/cruxeval/score/$mode.generations.json --mode $mode \\
      > tests/fixtures/cruxeval/score/$mode.expected.json
  done
"""

import json
import os
import random
import sys

SAMPLES = [
    ("add", "def f(a, b):\n    return a + b", "1, 2", "3"),
    ("upper", "def f(text):\n    return text.upper() + '!'", "'ab'", "'AB!'"),
    ("count", "def f(nums):\n    out = {}\n    for n in nums:\n        out[n] = out.get(n, 0) + 1\n    return out",
     "[1, 1, 2]", "{1: 2, 2: 1}"),
    ("halve", "def f(n):\n    while n != 0:\n        n -= 2\n    return 'even'", "4", "'even'"),
    ("index", "def f(items, i):\n    return items[i]", "[5, 6], 1", "6"),
    ("recurse", "def f(n):\n    if n <= 1:\n        return 1\n    return n * f(n - 1)", "5", "120"),
    ("checked", "def f(x):\n    assert x > 0\n    return x * 2", "3", "6"),
    ("split", "def f(s):\n    return s.split(',')[::-1]", "'a,b'", "['b', 'a']"),
    ("quotes", "def f(s):\n    return s.replace('\"', \"'\")", "'say \"hi\"'", "\"say 'hi'\""),
    ("empty", "def f(xs):\n    return sorted(xs)[:2]", "[3, 1, 2]", "[1, 2]"),
    ("tuple", "def f(a, b):\n    return (b, a)", "'x', 0", "(0, 'x')"),
    ("floaty", "def f(x):\n    return x / 4", "2", "0.5"),
]

FOREVER = "next(x for x in iter(int, 1) if x)"


def output_candidates(code, inp, out):
    return [
        out, out, out,                         # right
        out + " ",                             # right, with a space
        "None", "0", "'" + out + "'",          # wrong values
        "f(%s)" % inp,                          # skipped: repeats the call
        "[f(%s)][0]" % inp,                     # skipped too (contains the call)
        "1 / 0",                               # ZeroDivisionError
        "undefined_name",                      # NameError
        "[1, 2",                               # syntax error
        "3 +",                                 # syntax error
        FOREVER,                               # timeout
        "__import__('sys').exit(0)",           # SystemExit(0): a failure for the harness
        "int('x')",                            # ValueError
    ]


def input_candidates(code, inp, out):
    return [
        "f(%s)" % inp, "f(%s)" % inp, "f(%s)" % inp,   # right
        "f(%s )" % inp,                                # right, with a space
        "f()",                                         # TypeError (missing arguments)
        "f(None)",                                     # usually TypeError
        inp,                                           # skipped: no call
        "g(%s)" % inp,                                 # skipped: no `f(`
        "f(%s" % inp,                                  # syntax error
        "f(%s) if False else %s" % (inp, FOREVER),     # timeout
        "f(1)", "f('a')", "f([])",                     # wrong values or exceptions
        "f(-1)",                                       # a timeout for `halve`
    ]


def answers(rng, candidates, count):
    return [rng.choice(candidates) for _ in range(count)]


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    directory = sys.argv[1]
    os.makedirs(directory, exist_ok=True)
    rng = random.Random(0)
    counts = [10] * len(SAMPLES)
    counts[2], counts[5], counts[9] = 3, 4, 1
    generations = {"output": {}, "input": {}}
    with open(os.path.join(directory, "samples.jsonl"), "w") as f:
        for (name, code, inp, out), count in zip(SAMPLES, counts):
            sample_id = "sample_" + name
            f.write(json.dumps({"code": code, "input": inp, "output": out, "id": sample_id}) + "\n")
            generations["output"][sample_id] = answers(rng, output_candidates(code, inp, out), count)
            generations["input"][sample_id] = answers(rng, input_candidates(code, inp, out), count)
    for mode, gens in generations.items():
        with open(os.path.join(directory, mode + ".generations.json"), "w") as f:
            json.dump(gens, f, indent=1)
            f.write("\n")


if __name__ == "__main__":
    main()
