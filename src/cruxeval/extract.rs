//! The answer in a model's generation, extracted the way the published pipelines extract it.
//!
//! - The generation first ends at the first stop string (`[/ANSWER]`), as vLLM's `stop`
//!   returns it to both pipelines (the stop string itself left out).
//! - Direct and chain-of-thought answers: `postprocess_generation` of CRUXEval's
//!   `inference/tasks/output_prediction.py` and `input_prediction.py` (facebookresearch/cruxeval,
//!   commit c7c7873), on the generation after the prompt: for chain of thought, the part after
//!   the first `[ANSWER]` (when there is one), stripped; then for CRUXEval-O the part between
//!   the first and second `==`, for CRUXEval-I the part before the first `==` and, when it holds
//!   `assert f`, `f` followed by what comes after that; stripped.
//! - Monologue answers: SemCoder's `experiments/process_cruxeval.py` (ARiSE-Lab/SemCoder,
//!   commit edc4ad3), on the prompt followed by the generation (its `generations_raw.json`
//!   holds both): from after the last `[ANSWER]` (after the last `ANSWER]` when the text has
//!   `\nANSWER]` anywhere) to the last `[/ANS` when that comes later, else to the end; then for
//!   CRUXEval-O the part between the first and second `==`, for CRUXEval-I the part before the
//!   first `==`, each stripped and, when it holds `assert`, the part between the first and
//!   second `assert`, stripped; finally every `"` becomes `'` (undoing the prompt's rewrite).

use super::pystr::{rfind_plus, split_part, strip};
use super::{prompts::STOP, PromptKind, Task};

/// The answer to score from `generation`, the text a model produced after `prompt`.
pub fn extract(task: Task, kind: PromptKind, prompt: &str, generation: &str) -> String {
    let generation = until_stop(generation);
    match kind {
        PromptKind::Direct => cruxeval(task, false, generation),
        PromptKind::Cot => cruxeval(task, true, generation),
        PromptKind::Monologue => semcoder(task, &format!("{prompt}{generation}")),
    }
}

/// `text` up to the first stop string.
pub fn until_stop(text: &str) -> &str {
    let end = STOP
        .iter()
        .filter_map(|stop| text.find(stop))
        .min()
        .unwrap_or(text.len());
    &text[..end]
}

fn cruxeval(task: Task, cot: bool, generation: &str) -> String {
    let mut answer = generation;
    if cot && answer.contains("[ANSWER]") {
        answer = strip(split_part(answer, "[ANSWER]", 1));
    }
    match task {
        Task::Output => {
            if answer.contains("==") {
                answer = strip(split_part(answer, "==", 1));
            }
            strip(answer).to_string()
        }
        Task::Input => {
            if answer.contains("==") {
                answer = strip(split_part(answer, "==", 0));
            }
            if answer.contains("assert f") {
                return strip(&format!("f{}", strip(split_part(answer, "assert f", 1))))
                    .to_string();
            }
            strip(answer).to_string()
        }
    }
}

fn semcoder(task: Task, raw: &str) -> String {
    let start = if raw.contains("\nANSWER]") {
        rfind_plus(raw, "ANSWER]", "ANSWER]".len())
    } else {
        rfind_plus(raw, "[ANSWER]", "[ANSWER]".len())
    };
    let end = match raw.rfind("[/ANS") {
        Some(end) if end >= start => end,
        _ => raw.len(),
    };
    let mut answer = &raw[start..end];
    let side = match task {
        Task::Output => 1,
        Task::Input => 0,
    };
    if answer.contains("==") {
        answer = strip(split_part(answer, "==", side));
    }
    if answer.contains("assert") {
        answer = strip(split_part(answer, "assert", 1));
    }
    answer.replace('"', "'")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn direct_output_takes_the_right_side() {
        let answer = extract(
            Task::Output,
            PromptKind::Direct,
            "",
            "assert f(\"a\") == \"ab\"\n[/ANSWER]\nmore",
        );
        assert_eq!(answer, "\"ab\"");
    }

    #[test]
    fn direct_input_takes_the_call() {
        let answer = extract(Task::Input, PromptKind::Direct, "", "assert f(1, 2) == 3\n");
        assert_eq!(answer, "f(1, 2)");
    }

    #[test]
    fn cot_reads_after_the_first_answer_tag() {
        let generation = "x == 1 so...\n[/THOUGHT]\n[ANSWER]\nassert f(2) == 4\n[/ANSWER]";
        assert_eq!(extract(Task::Output, PromptKind::Cot, "", generation), "4");
        // Direct does not look for the tag: the first `==` is in the thought.
        assert_eq!(
            extract(Task::Output, PromptKind::Direct, "", generation),
            "1 so...\n[/THOUGHT]\n[ANSWER]\nassert f(2)"
        );
    }

    #[test]
    fn monologue_reads_the_last_answer_and_swaps_quotes_back() {
        let prompt = "... in [ANSWER] and [/ANSWER] tags.\n[MONOLOGUE]\n";
        let generation = "The function returns \"ab\".\n[ANSWER]\nassert f(\"a\") == \"ab\"\n";
        assert_eq!(
            extract(Task::Output, PromptKind::Monologue, prompt, generation),
            "'ab'"
        );
        assert_eq!(
            extract(Task::Input, PromptKind::Monologue, prompt, generation),
            "f('a')"
        );
    }

    #[test]
    fn monologue_without_an_answer_tag_reads_the_prompts_own_tags() {
        let prompt = "in [ANSWER] and [/ANSWER] tags.\n";
        // The last `[ANSWER]` and `[/ANS` are the prompt's, so the answer is what lies
        // between them (a quirk of the published extraction, kept).
        let answer = extract(Task::Output, PromptKind::Monologue, prompt, "x == 5");
        assert_eq!(answer, " and ");
    }
}
