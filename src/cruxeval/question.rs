//! One question to a causal LM about one program, end to end: the prompt it is asked
//! (`prompts`), the answer read from what it generated (`extract`), and the check that runs the
//! answer (`score::Check`). The explorer's live pane asks these; `tracelens eval` asks the
//! CRUXEval ones in bulk.

use super::extract::extract;
use super::prompts::{print_prompt, prompt};
use super::score::Check;
use super::{PromptKind, Sample, Task};

/// What the model is asked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Question {
    /// A CRUXEval record in one of its two tasks.
    Record { sample: Sample, task: Task },
    /// "What does this program print" for any program and its stdin.
    Print { code: String, stdin: String },
}

impl Question {
    /// The prompt, answered the `kind` way.
    pub fn prompt(&self, kind: PromptKind) -> String {
        match self {
            Question::Record { sample, task } => prompt(sample, *task, kind),
            Question::Print { code, stdin } => print_prompt(code, stdin, kind),
        }
    }

    /// The answer in `generation`, the text the model produced after `prompt`.
    pub fn extract(&self, kind: PromptKind, prompt: &str, generation: &str) -> String {
        // A print question is answered as `assert stdout == LITERAL`: an output answer.
        extract(self.task(), kind, prompt, generation)
    }

    /// The task the answer belongs to (a print question predicts an output).
    pub fn task(&self) -> Task {
        match self {
            Question::Record { task, .. } => *task,
            Question::Print { .. } => Task::Output,
        }
    }

    /// The check that runs `answer`; `stdout` is the program's real output (what a print
    /// question's answer is compared with). `None` when the harness's skip rules leave the
    /// answer out.
    pub fn check(&self, answer: &str, stdout: &str) -> Option<Check> {
        match self {
            Question::Record { sample, task } => Check::for_answer(*task, sample, answer),
            Question::Print { .. } => Some(Check::for_print(stdout, answer)),
        }
    }

    /// For a CRUXEval-I answer `f(ARGS)`: the model's proposed input, `ARGS` (what the record's
    /// `input` field would hold). `None` for other questions and for an answer that is not one
    /// call of `f`.
    pub fn proposed_input<'a>(&self, answer: &'a str) -> Option<&'a str> {
        if self.task() != Task::Input {
            return None;
        }
        answer.trim().strip_prefix("f(")?.strip_suffix(')')
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(task: Task) -> Question {
        Question::Record {
            sample: Sample {
                id: "s".into(),
                code: "def f(x):\n    return x + 1".into(),
                input: "1".into(),
                output: "2".into(),
            },
            task,
        }
    }

    #[test]
    fn a_record_question_runs_the_published_pipeline() {
        let q = record(Task::Output);
        let prompt = q.prompt(PromptKind::Monologue);
        assert!(prompt.contains("return x + 1 # [L6]"));
        let answer = q.extract(
            PromptKind::Monologue,
            &prompt,
            "x is 1.\n[ANSWER]\nassert f(1) == 2\n",
        );
        assert_eq!(answer, "2");
        let check = q.check(&answer, "").unwrap();
        assert!(check.request().code.contains("assert 2 == 2"));
        assert!(q.check("f(1)", "").is_none(), "skipped as the harness does");
        assert_eq!(q.proposed_input("f(5)"), None);
    }

    #[test]
    fn an_input_answer_gives_the_proposed_arguments() {
        let q = record(Task::Input);
        assert_eq!(q.proposed_input(" f([1, 2]) "), Some("[1, 2]"));
        assert_eq!(q.proposed_input("g(1)"), None);
    }

    #[test]
    fn a_print_question_compares_with_the_real_stdout() {
        let q = Question::Print {
            code: "print(1)".into(),
            stdin: String::new(),
        };
        assert!(q.prompt(PromptKind::Direct).contains("[STDIN]"));
        let check = q.check("'1\\n'", "1\n").unwrap();
        assert_eq!(check.request().stdin, "1\n");
        assert_eq!(q.task(), Task::Output);
    }
}
