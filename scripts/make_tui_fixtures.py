#!/usr/bin/env python3
"""Write the hand-made trace fixtures of the explorer's tests (tests/fixtures/tui/).

The traces follow docs/ARCHITECTURE.md section 2.1 (completion order, state after each line). They are
written by hand here rather than recorded, so the explorer's tests do not depend on the tracer;
run this script again after changing a fixture below.
"""
import json
import os

HERE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "fixtures", "tui")

SUM_SQUARES = """def square(n):
    return n * n

total = 0
for i in range(3):
    total += square(i)
print(total)
"""


def local(name, value):
    return {"name": name, "repr": repr(value), "type": type(value).__name__}


def step(event, line, func, depth, locals_, stdout="", value=None):
    s = {"event": event, "line": line, "func": func, "depth": depth,
         "locals": [local(k, v) for k, v in locals_], "stdout": stdout}
    if value is not None:
        s["value"] = {"repr": repr(value), "type": type(value).__name__}
    return s


def trace(steps, kind="completed", message=None, line=None, column=None, elapsed=1.7):
    outcome = {"kind": kind, "message": message, "line": line}
    if column is not None:
        outcome["column"] = column
    return {"version": 1, "python": "3.11.7", "outcome": outcome, "steps": steps,
            "stdout": "".join(s["stdout"] for s in steps), "stderr": "", "elapsed_ms": elapsed}


def sum_squares():
    steps = [step("line", 1, "<module>", 0, []),
             step("line", 4, "<module>", 0, [("total", 0)])]
    total = 0
    for i in range(3):
        steps.append(step("line", 5, "<module>", 0, [("total", total), ("i", i)]))
        steps.append(step("call", 1, "square", 1, [("n", i)]))
        steps.append(step("line", 2, "square", 1, [("n", i)]))
        steps.append(step("return", 2, "square", 1, [("n", i)], value=i * i))
        total += i * i
        steps.append(step("line", 6, "<module>", 0, [("total", total), ("i", i)]))
    steps.append(step("line", 5, "<module>", 0, [("total", total), ("i", 2)]))
    steps.append(step("line", 7, "<module>", 0, [("total", total), ("i", 2)], stdout="5\n"))
    return trace(steps)


LOOP = """n = 0
while True:
    n += 1
"""


def loop_timeout():
    steps = [step("line", 1, "<module>", 0, [("n", 0)])]
    for n in range(1, 4):
        steps.append(step("line", 2, "<module>", 0, [("n", n - 1)]))
        steps.append(step("line", 3, "<module>", 0, [("n", n)]))
    return trace(steps, kind="timeout", message="ran past 5000 ms", elapsed=5003.2)


def syntax_error():
    return trace([], kind="syntax_error", message="'(' was never closed", line=3, column=1, elapsed=0.4)


DIVIDE = """def f(x):
    return 10 / x

print(f(0))
"""


def divide_exception():
    error = ZeroDivisionError("division by zero")
    steps = [step("call", 1, "f", 1, [("x", 0)]),
             step("exception", 2, "f", 1, [("x", 0)], value=error),
             step("exception", 4, "<module>", 0, [], value=error)]
    return trace(steps, kind="exception", message="ZeroDivisionError: division by zero", line=2)


def write(name, text):
    with open(os.path.join(HERE, name), "w") as f:
        f.write(text)


if __name__ == "__main__":
    os.makedirs(HERE, exist_ok=True)
    write("sum_squares.py", SUM_SQUARES)
    write("sum_squares.trace.json", json.dumps(sum_squares(), indent=1) + "\n")
    write("loop.py", LOOP)
    write("loop_timeout.trace.json", json.dumps(loop_timeout(), indent=1) + "\n")
    write("divide.py", DIVIDE)
    write("divide_exception.trace.json", json.dumps(divide_exception(), indent=1) + "\n")
    write("syntax_error.trace.json", json.dumps(syntax_error(), indent=1) + "\n")
