"""The trivial CRUXEval baseline: predict that f returns its first argument unchanged.

Usage: first_arg_baseline.py GOLD.jsonl OUT.jsonl [LIMIT]

For each record of GOLD.jsonl (programs ending in `print(f(INPUT))`), the prediction is the
step `<output> TEXT`, TEXT being what `print` shows for the first argument (whitespace
collapsed as in the CodeExecutor format), followed by one empty `<line>` step: the metric drops
a last segment without `</state>`, and every real trace ends with the print line's step.
Score it with `tracelens eval` (only its output accuracy is meaningful).
"""
import ast
import json
import os
import sys


def first_argument_output(code):
    try:
        call = ast.parse(code.rstrip().splitlines()[-1]).body[0].value
        value = ast.literal_eval(call.args[0].args[0])
    except (SyntaxError, ValueError, IndexError, AttributeError):
        return ""
    return "<output> " + " ".join(str(value).split()) + " <line> <0> <state> </state>"


def main():
    gold, out = sys.argv[1:3]
    limit = int(sys.argv[3]) if len(sys.argv) > 3 else None
    with open(gold) as f:
        records = [json.loads(line) for line in f if line.strip()]
    records = records[:limit] if limit else records
    with open(out + ".tmp", "w") as f:
        for rec in records:
            rec["prediction"] = first_argument_output(rec["code"])
            f.write(json.dumps(rec) + "\n")
    os.replace(out + ".tmp", out)


if __name__ == "__main__":
    main()
