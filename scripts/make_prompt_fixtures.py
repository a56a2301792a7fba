#!/usr/bin/env python3
"""Expected CRUXEval / SemCoder prompts and extracted answers, for tests/cruxeval_prompts.rs.

A reimplementation, in Python and independent of tracelens's Rust, of what the published code
does (the behaviour is documented only by that code):

  * CRUXEval's prompts: `prompts.py` of facebookresearch/cruxeval at commit c7c7873
    (make_direct_output_prompt, make_cot_output_prompt, make_direct_input_prompt,
    make_cot_input_prompt), filled with the record's code, input and output unchanged, as
    `inference/tasks/output_prediction.py` and `input_prediction.py` do;
  * CRUXEval's answer extraction: `postprocess_generation` in those two task files;
  * SemCoder's monologue prompts: `experiments/cruxeval_prompts.py`
    (make_forward_monologue_output_prompt, make_backward_monologue_input_prompt) and
    `experiments/cruxeval_utils.py` (the ' -> " rewrite of every field but the id, applied in
    `TokenizedDataset.__iter__` and again in `get_prompt`) of ARiSE-Lab/SemCoder at commit
    edc4ad3, the `--monologue` flag that its scripts/eval/eval_cruxeval_*_semcoder.sh pass;
  * SemCoder's answer extraction: `experiments/process_cruxeval.py` at the same commit, run on
    the prompt followed by the generation (its generations_raw.json holds both), after vLLM's
    stop at "[/ANSWER]".

Usage:
  make_prompt_fixtures.py prompts SAMPLES.jsonl > PROMPTS.json
      {id: {"output/direct": prompt, ..., "input/monologue": prompt}}
  make_prompt_fixtures.py answers SAMPLES.jsonl GENERATIONS.json > ANSWERS.json
      GENERATIONS.json: a list of model continuations, tried on every sample;
      {id: {"output/direct": [answer per generation], ...}}

The committed fixtures are made with:
  scripts/make_prompt_fixtures.py prompts tests/fixtures/cruxeval/samples.jsonl \\
      > tests/fixtures/cruxeval/prompts.json
  scripts/make_prompt_fixtures.py answers tests/fixtures/cruxeval/samples.jsonl \\
      tests/fixtures/cruxeval/generations.json > tests/fixtures/cruxeval/answers.json
"""

import json
import sys

STOP = "[/ANSWER]"


def direct_output(code, input):
    return f"""You are given a Python function and an assertion containing an input to the function. Complete the assertion with a literal (no unsimplified expressions, no function calls) containing the output when executing the provided code on the given input, even if the function is incorrect or incomplete. Do NOT output any extra information. Provide the full assertion with the correct output in [ANSWER] and [/ANSWER] tags, following the examples.

[PYTHON]
def f(n):
    return n
assert f(17) == ??
[/PYTHON]
[ANSWER]
assert f(17) == 17
[/ANSWER]

[PYTHON]
def f(s):
    return s + "a"
assert f("x9j") == ??
[/PYTHON]
[ANSWER]
assert f("x9j") == "x9ja"
[/ANSWER]

[PYTHON]
{code}
assert f({input}) == ??
[/PYTHON]
[ANSWER]
"""


def cot_output(code, input):
    return f"""You are given a Python function and an assertion containing an input to the function. Complete the assertion with a literal (no unsimplified expressions, no function calls) containing the output when executing the provided code on the given input, even if the function is incorrect or incomplete. Do NOT output any extra information. Execute the program step by step before arriving at an answer, and provide the full assertion with the correct output in [ANSWER] and [/ANSWER] tags, following the examples.

[PYTHON]
def f(s):
    s = s + s
    return "b" + s + "a"
assert f("hi") == ??
[/PYTHON]
[THOUGHT]
Let's execute the code step by step:

1. The function f is defined, which takes a single argument s.
2. The function is called with the argument "hi", so within the function, s is initially "hi".
3. Inside the function, s is concatenated with itself, so s becomes "hihi".
4. The function then returns a new string that starts with "b", followed by the value of s (which is now "hihi"), and ends with "a".
5. The return value of the function is therefore "bhihia".
[/THOUGHT]
[ANSWER]
assert f("hi") == "bhihia"
[/ANSWER]

[PYTHON]
{code}
assert f({input}) == ??
[/PYTHON]
[THOUGHT]
"""


def direct_input(code, output):
    return f"""You will be given a function f and an output in the form f(??) == output. Find any input such that executing f on the input leads to the given output. There may be multiple answers, but you should only output one. In [ANSWER] and [/ANSWER] tags, complete the assertion with one such input that will produce the output when executing the function.

[PYTHON]
def f(my_list):
    count = 0
    for i in my_list:
        if len(i) % 2 == 0:
            count += 1
    return count
assert f(??) == 3
[/PYTHON]
[ANSWER]
assert f(["mq", "px", "zy"]) == 3
[/ANSWER]

[PYTHON]
def f(s1, s2):
    return s1 + s2
assert f(??) == "banana"
[/PYTHON]
[ANSWER]
assert f("ba", "nana") == "banana"
[/ANSWER]

[PYTHON]
{code}
assert f(??) == {output}
[/PYTHON]
[ANSWER]
"""


def cot_input(code, output):
    # The published example has a space at the end of two lines.
    return (
        "You will be given a function f and an output in the form f(??) == output. Your task is to find any input such that executing f on the input leads to the given output. There may be multiple answers, but only output one. First, think step by step. You MUST surround the answer with [ANSWER] and [/ANSWER] tags. Express your answer as a passing assertion containing the input and the given output.\n"
        "\n"
        "[PYTHON]\n"
        "def f(x):\n"
        "    return x + 1\n"
        "assert f(??) == 17\n"
        "[/PYTHON]\n"
        "[THOUGHT]\n"
        "To find an input such that executing f on the input leads to the given output, we can work backwards from the given assertion. We know that f(??) == 17. \n"
        "\n"
        "Since the function f(x) returns x + 1, for f(??) to be equal to 17, the value of ?? should be 16. \n"
        "[/THOUGHT]\n"
        "[ANSWER]\n"
        "assert f(16) == 17\n"
        "[/ANSWER]\n"
        "\n"
        "[PYTHON]\n"
        f"{code}\n"
        f"assert f(??) == {output}\n"
        "[/PYTHON]\n"
        "[THOUGHT]\n"
    )


def semcoder_fields(sample):
    return {k: (v if k == "id" else v.replace("'", '"')) for k, v in sample.items()}


def forward_monologue(code, input):
    lines = code.split("\n")
    for number, line in enumerate(lines, 1):
        if line.strip() != "":
            lines[number - 1] = line + " # [L" + str(number + 4) + "]"
    code = "\n".join(lines)
    return ("Simulate the Execution: You are given a Python function and an assertion containing a function input. Complete the assertion containing the execution output corresponding to the given input in [ANSWER] and [/ANSWER] tags.\n"
            "[PYTHON]\n" + code + "\nassert f(" + input + ") == ??\n[/PYTHON]\n[MONOLOGUE]\n")


def backward_monologue(code, output):
    # "PYTHON]" without its "[" is what the published template says.
    return ("Deduce the Semantic Constraints: You are given a Python program and its expected output. Find one input such that executing the program with the input leads to the given output. Complete the assertion with one such input in between [ANSWER] and [/ANSWER].\n"
            "PYTHON]\n" + code + "\nassert f(??) == " + output + "\n[/PYTHON]\n\n[MONOLOGUE]\n")


def prompt(sample, task, kind):
    if kind == "monologue":
        s = semcoder_fields(sample)
        if task == "output":
            return forward_monologue(s["code"], s["input"])
        return backward_monologue(s["code"], s["output"])
    build = {("output", "direct"): direct_output, ("output", "cot"): cot_output,
             ("input", "direct"): direct_input, ("input", "cot"): cot_input}[(task, kind)]
    return build(sample["code"], sample["input" if task == "output" else "output"])


def vllm_stop(text):
    at = text.find(STOP)
    return text if at < 0 else text[:at]


def cruxeval_extract(task, cot, generation):
    if cot:
        if "[ANSWER]" in generation:
            generation = generation.split("[ANSWER]")[1].strip()
    if task == "output":
        if "==" in generation:
            generation = generation.split("==")[1].strip()
        return generation.strip()
    if "==" in generation:
        generation = generation.split("==")[0].strip()
    if "assert f" in generation:
        generation = "f" + generation.split("assert f")[1].strip()
    return generation.strip()


def semcoder_extract(task, raw):
    if "\nANSWER]" in raw:
        start = raw.rfind("ANSWER]") + len("ANSWER]")
    else:
        start = raw.rfind("[ANSWER]") + len("[ANSWER]")
    end = raw.rfind("[/ANS")
    if start == -1:
        start = 0
    if end == -1 or end < start:
        end = len(raw)
    answer = raw[start:end]
    if "==" in answer:
        answer = answer.split("==")[1 if task == "output" else 0].strip()
    if "assert" in answer:
        answer = answer.split("assert")[1].strip()
    return answer.replace('"', "'")


def extract(sample, task, kind, generation):
    generation = vllm_stop(generation)
    if kind == "monologue":
        return semcoder_extract(task, prompt(sample, task, kind) + generation)
    return cruxeval_extract(task, kind == "cot", generation)


KEYS = [(t, k) for t in ("output", "input") for k in ("direct", "cot", "monologue")]


def main():
    if len(sys.argv) < 3 or sys.argv[1] not in ("prompts", "answers"):
        sys.exit(__doc__)
    with open(sys.argv[2], encoding="utf-8") as f:
        samples = [json.loads(line) for line in f if line.strip()]
    result = {}
    if sys.argv[1] == "prompts":
        for s in samples:
            result[s["id"]] = {f"{t}/{k}": prompt(s, t, k) for t, k in KEYS}
    else:
        with open(sys.argv[3], encoding="utf-8") as f:
            generations = json.load(f)
        for s in samples:
            result[s["id"]] = {f"{t}/{k}": [extract(s, t, k, g) for g in generations]
                               for t, k in KEYS}
    json.dump(result, sys.stdout, ensure_ascii=False, indent=1)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
