//! The prompts of the CRUXEval tasks, byte for byte as their published code builds them.
//!
//! - Direct and chain-of-thought prompts for CRUXEval-O and CRUXEval-I: `prompts.py` of
//!   facebookresearch/cruxeval (commit c7c7873), `make_direct_output_prompt`,
//!   `make_cot_output_prompt`, `make_direct_input_prompt`, `make_cot_input_prompt`, with the
//!   record's `code`, `input` and `output` as they are (CRUXEval's `inference/tasks` pass them
//!   unchanged).
//! - SemCoder's monologue prompts: `experiments/cruxeval_prompts.py` and
//!   `experiments/cruxeval_utils.py` of ARiSE-Lab/SemCoder (commit edc4ad3, the `--monologue`
//!   flag its `scripts/eval/eval_cruxeval_*_semcoder.sh` use): every `'` of the code, input and
//!   output becomes `"` first (`TokenizedDataset.__iter__` and `get_prompt`); the forward
//!   monologue (CRUXEval-O) labels each non-blank code line `# [L{n + 4}]` (n counted from 1
//!   over `code.split("\n")`, blank meaning Python's `str.strip()` leaves nothing) and ends with
//!   the `[MONOLOGUE]` trigger; the backward monologue (CRUXEval-I) is built from its own
//!   template, whose `PYTHON]` opening tag lacks its `[` in the published code (kept).
//! - "What does this program print" for any program and its stdin: tracelens's own prompts in
//!   the same shapes (the CRUXEval-O instruction, `[PYTHON]` block and `[ANSWER]` assertion,
//!   with a `[STDIN]` block), answered as `assert stdout == "TEXT"`.
//!
//! Every prompt's answer ends at the stop string `[/ANSWER]` (CRUXEval's and SemCoder's tasks
//! both stop there).

use super::pystr::is_blank;
use super::{PromptKind, Sample, Task};

/// The stop strings of every prompt here.
pub const STOP: &[&str] = &["[/ANSWER]"];

/// The prompt for `sample` in `task`, answered the `kind` way.
pub fn prompt(sample: &Sample, task: Task, kind: PromptKind) -> String {
    let asks_output = |input: &str| format!("assert f({input}) == ??");
    let asks_input = |output: &str| format!("assert f(??) == {output}");
    let (code, input, output) = (&sample.code, &sample.input, &sample.output);
    match (task, kind) {
        (Task::Output, PromptKind::Direct) => {
            question(DIRECT_OUTPUT, code, &asks_output(input), "[ANSWER]")
        }
        (Task::Output, PromptKind::Cot) => {
            question(COT_OUTPUT, code, &asks_output(input), "[THOUGHT]")
        }
        (Task::Output, PromptKind::Monologue) => question(
            FORWARD_MONOLOGUE,
            &label_lines(&double_quoted(code)),
            &asks_output(&double_quoted(input)),
            "[MONOLOGUE]",
        ),
        (Task::Input, PromptKind::Direct) => {
            question(DIRECT_INPUT, code, &asks_input(output), "[ANSWER]")
        }
        (Task::Input, PromptKind::Cot) => {
            question(COT_INPUT, code, &asks_input(output), "[THOUGHT]")
        }
        (Task::Input, PromptKind::Monologue) => {
            let code = double_quoted(code);
            let asks = asks_input(&double_quoted(output));
            // The published template opens with `PYTHON]` and leaves a blank line before the
            // trigger.
            format!("{BACKWARD_MONOLOGUE}PYTHON]\n{code}\n{asks}\n[/PYTHON]\n\n[MONOLOGUE]\n")
        }
    }
}

/// `shots`, then the program and its question in a `[PYTHON]` block, then `opening`.
fn question(shots: &str, code: &str, assertion: &str, opening: &str) -> String {
    format!("{shots}[PYTHON]\n{code}\n{assertion}\n[/PYTHON]\n{opening}\n")
}

/// SemCoder's rewrite of a field before it enters a prompt: every `'` becomes `"`.
pub fn double_quoted(text: &str) -> String {
    text.replace('\'', "\"")
}

/// The instruction and examples of CRUXEval's direct CRUXEval-O prompt.
const DIRECT_OUTPUT: &str = "You are given a Python function and an assertion containing an input to the function. Complete the assertion with a literal (no unsimplified expressions, no function calls) containing the output when executing the provided code on the given input, even if the function is incorrect or incomplete. Do NOT output any extra information. Provide the full assertion with the correct output in [ANSWER] and [/ANSWER] tags, following the examples.

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
    return s + \"a\"
assert f(\"x9j\") == ??
[/PYTHON]
[ANSWER]
assert f(\"x9j\") == \"x9ja\"
[/ANSWER]

";

/// The instruction and example of CRUXEval's chain-of-thought CRUXEval-O prompt.
const COT_OUTPUT: &str = "You are given a Python function and an assertion containing an input to the function. Complete the assertion with a literal (no unsimplified expressions, no function calls) containing the output when executing the provided code on the given input, even if the function is incorrect or incomplete. Do NOT output any extra information. Execute the program step by step before arriving at an answer, and provide the full assertion with the correct output in [ANSWER] and [/ANSWER] tags, following the examples.

[PYTHON]
def f(s):
    s = s + s
    return \"b\" + s + \"a\"
assert f(\"hi\") == ??
[/PYTHON]
[THOUGHT]
Let's execute the code step by step:

1. The function f is defined, which takes a single argument s.
2. The function is called with the argument \"hi\", so within the function, s is initially \"hi\".
3. Inside the function, s is concatenated with itself, so s becomes \"hihi\".
4. The function then returns a new string that starts with \"b\", followed by the value of s (which is now \"hihi\"), and ends with \"a\".
5. The return value of the function is therefore \"bhihia\".
[/THOUGHT]
[ANSWER]
assert f(\"hi\") == \"bhihia\"
[/ANSWER]

";

/// The instruction and examples of CRUXEval's direct CRUXEval-I prompt.
const DIRECT_INPUT: &str = "You will be given a function f and an output in the form f(??) == output. Find any input such that executing f on the input leads to the given output. There may be multiple answers, but you should only output one. In [ANSWER] and [/ANSWER] tags, complete the assertion with one such input that will produce the output when executing the function.

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
assert f([\"mq\", \"px\", \"zy\"]) == 3
[/ANSWER]

[PYTHON]
def f(s1, s2):
    return s1 + s2
assert f(??) == \"banana\"
[/PYTHON]
[ANSWER]
assert f(\"ba\", \"nana\") == \"banana\"
[/ANSWER]

";

/// The instruction and example of CRUXEval's chain-of-thought CRUXEval-I prompt (two lines of
/// the published example end in a space, kept here as `\x20`).
const COT_INPUT: &str = "You will be given a function f and an output in the form f(??) == output. Your task is to find any input such that executing f on the input leads to the given output. There may be multiple answers, but only output one. First, think step by step. You MUST surround the answer with [ANSWER] and [/ANSWER] tags. Express your answer as a passing assertion containing the input and the given output.

[PYTHON]
def f(x):
    return x + 1
assert f(??) == 17
[/PYTHON]
[THOUGHT]
To find an input such that executing f on the input leads to the given output, we can work backwards from the given assertion. We know that f(??) == 17.\x20

Since the function f(x) returns x + 1, for f(??) to be equal to 17, the value of ?? should be 16.\x20
[/THOUGHT]
[ANSWER]
assert f(16) == 17
[/ANSWER]

";

/// SemCoder's instruction for the forward monologue (CRUXEval-O).
const FORWARD_MONOLOGUE: &str = "Simulate the Execution: You are given a Python function and an assertion containing a function input. Complete the assertion containing the execution output corresponding to the given input in [ANSWER] and [/ANSWER] tags.\n";

/// SemCoder's instruction for the backward monologue (CRUXEval-I).
const BACKWARD_MONOLOGUE: &str = "Deduce the Semantic Constraints: You are given a Python program and its expected output. Find one input such that executing the program with the input leads to the given output. Complete the assertion with one such input in between [ANSWER] and [/ANSWER].\n";

/// SemCoder's labels name program line n as `[L{n + LABEL_OFFSET}]`.
pub const LABEL_OFFSET: u32 = 4;

/// SemCoder's line labels: ` # [L{n + 4}]` after every non-blank line `n` (from 1).
pub fn label_lines(code: &str) -> String {
    code.split('\n')
        .enumerate()
        .map(|(index, line)| {
            if is_blank(line) {
                line.to_string()
            } else {
                format!("{line} # [L{}]", index + 1 + LABEL_OFFSET as usize)
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// "What does this program print": the prompt for any program `code` run on `stdin`, answered
/// as `assert stdout == LITERAL` (scored by comparing the literal's value with the real
/// stdout; see `score::print_check`).
pub fn print_prompt(code: &str, stdin: &str, kind: PromptKind) -> String {
    const TASK: &str = "You are given a Python program and the text on its standard input. Complete the assertion with a string literal containing exactly what the program prints to standard output when it runs on that input, even if it stops with an error.";
    let (instruction, code, stdin, opening) = match kind {
        PromptKind::Direct => (
            format!("{TASK} Do NOT output any extra information. Provide the full assertion with the printed text in [ANSWER] and [/ANSWER] tags.\n\n"),
            code.to_string(),
            stdin.to_string(),
            "[ANSWER]",
        ),
        PromptKind::Cot => (
            format!("{TASK} Do NOT output any extra information. Execute the program step by step before arriving at an answer, and provide the full assertion with the printed text in [ANSWER] and [/ANSWER] tags.\n\n"),
            code.to_string(),
            stdin.to_string(),
            "[THOUGHT]",
        ),
        PromptKind::Monologue => (
            format!("Simulate the Execution: {TASK} Give the assertion in [ANSWER] and [/ANSWER] tags.\n"),
            label_lines(&double_quoted(code)),
            double_quoted(stdin),
            "[MONOLOGUE]",
        ),
    };
    format!(
        "{instruction}[PYTHON]\n{code}\n[/PYTHON]\n[STDIN]\n{stdin}\n[/STDIN]\nassert stdout == ??\n{opening}\n"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_skip_blank_lines_and_start_at_five() {
        assert_eq!(
            label_lines("def f(x):\n\n    return x\n"),
            "def f(x): # [L5]\n\n    return x # [L7]\n"
        );
        // Python's strip() also removes \x1c..\x1f, so such a line is blank.
        assert_eq!(label_lines("a\n\x1f"), "a # [L5]\n\x1f");
    }

    #[test]
    fn the_cot_input_example_keeps_its_trailing_spaces() {
        let sample = Sample {
            id: "s".into(),
            code: "def f(x):\n    return x".into(),
            input: "1".into(),
            output: "1".into(),
        };
        let text = prompt(&sample, Task::Input, PromptKind::Cot);
        assert!(text.contains("f(??) == 17. \n\nSince"));
        assert!(text.contains("should be 16. \n[/THOUGHT]"));
    }

    #[test]
    fn print_prompts_show_the_program_and_its_stdin() {
        let direct = print_prompt("print(input())", "it's", PromptKind::Direct);
        assert!(direct.contains("[PYTHON]\nprint(input())\n[/PYTHON]\n[STDIN]\nit's\n[/STDIN]\n"));
        assert!(direct.ends_with("assert stdout == ??\n[ANSWER]\n"));
        assert!(print_prompt("x", "", PromptKind::Cot).ends_with("[THOUGHT]\n"));
        let monologue = print_prompt("print('a')", "it's", PromptKind::Monologue);
        assert!(monologue.contains("print(\"a\") # [L5]\n"));
        assert!(monologue.contains("[STDIN]\nit\"s\n"));
        assert!(monologue.ends_with("[MONOLOGUE]\n"));
    }
}
