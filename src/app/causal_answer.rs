//! Asking a causal LM an execution question and reading its answer, for `tracelens eval --task
//! --model` and the explorer's prediction pane alike: the prompt for a CRUXEval record
//! (CRUXEval-O or CRUXEval-I) or for "what does this program print" (any program and its
//! stdin), asked the direct, chain-of-thought or monologue way (`crate::cruxeval::prompts`);
//! generation by the causal-LM runtime (`crate::model::causal`) until the prompts' stop string;
//! the answer extracted as the published pipelines extract it (`crate::cruxeval::extract`).
//! Scoring the answers is the caller's (`crate::cruxeval::score`).
//!
//! [`ask`] answers one question `samples` times. The prompt is fed to the model once; every
//! sample continues from a copy of its key/value cache. Greedy decoding (temperature 0) always
//! gives the same text, so it is generated once and repeated. Sample `i` of a question draws
//! from its own seed, [`sample_seed`]`(seed, key, i)` where the key is the record's id (the
//! program and its stdin for a "prints" question): a record's answers depend on the settings
//! and the record alone, not on the other records of a run, and two records do not share a
//! random stream. [`ask_all`] asks every record of a run; a record the model
//! fails on (its prompt beyond the model's context, a model error) keeps its error and the
//! run goes on.

use std::sync::atomic::{AtomicBool, Ordering};

use anyhow::{bail, Result};

use crate::cruxeval::prompts::STOP;
use crate::cruxeval::question::Question;
use crate::cruxeval::{PromptKind, Sample, Task};
use crate::model::causal::{CausalLm, Finish, Progress, Sampling};

/// What tells questions apart for their samples' seeds: a record's id, or a "prints"
/// question's program and stdin.
fn seed_key(question: &Question) -> String {
    match question {
        Question::Record { sample, .. } => sample.id.clone(),
        Question::Print { code, stdin } => format!("{code}\0{stdin}"),
    }
}

/// How to ask.
#[derive(Debug, Clone, PartialEq)]
pub struct Asking {
    pub kind: PromptKind,
    /// Answers per question.
    pub samples: usize,
    /// 0 is greedy.
    pub temperature: f64,
    pub top_p: f64,
    pub seed: u64,
    /// At most this many generated tokens per answer.
    pub max_tokens: usize,
}

impl Asking {
    /// Reject settings that have no meaning.
    pub fn check(&self) -> Result<()> {
        if self.samples == 0 {
            bail!("at least one sample per question is needed");
        }
        self.sampling("", 0).check()
    }

    /// The decoding settings of sample `i` of the question with seed key `key`: the prompts'
    /// stop strings, the sample's own seed.
    pub fn sampling(&self, key: &str, i: usize) -> Sampling {
        Sampling {
            temperature: self.temperature,
            top_p: self.top_p,
            seed: sample_seed(self.seed, key, i),
            max_tokens: self.max_tokens,
            stop: STOP.iter().map(|s| s.to_string()).collect(),
        }
    }
}

/// The seed of sample `i` of the question keyed `key` in a run seeded `seed`: the FNV-1a hash
/// of the key and the sample's index, each mixed in by SplitMix64's finaliser, so distinct
/// samples and questions get unrelated streams.
pub fn sample_seed(seed: u64, key: &str, i: usize) -> u64 {
    let key = key.bytes().fold(0xcbf2_9ce4_8422_2325_u64, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3)
    });
    mix(mix(seed ^ mix(key)) ^ i as u64)
}

/// SplitMix64's step.
fn mix(z: u64) -> u64 {
    let z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    let z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    let z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// One answer and how it was generated.
#[derive(Debug, Clone, PartialEq)]
pub struct Answer {
    /// The model's text after the prompt, up to the stop string.
    pub generation: String,
    /// The answer extracted from it.
    pub answer: String,
    pub finish: Finish,
    /// Generated tokens.
    pub tokens: usize,
}

/// A question's answers.
#[derive(Debug, Clone)]
pub struct Answers {
    pub prompt: String,
    pub prompt_tokens: usize,
    pub answers: Vec<Answer>,
}

/// Ask `question` `asking.samples` times. `on_token` gets the sample's index and its text so
/// far after every token; `cancel` ends the current generation early (its answer is kept, with
/// [`Finish::Cancelled`]) and no further sample starts.
pub fn ask(
    lm: &CausalLm,
    question: &Question,
    asking: &Asking,
    cancel: &AtomicBool,
    on_token: &mut dyn FnMut(usize, &Progress),
) -> Result<Answers> {
    asking.check()?;
    let prompt = question.prompt(asking.kind);
    let key = seed_key(question);
    let prefilled = lm.prefill(&lm.encode(&prompt)?)?;
    let mut answers: Vec<Answer> = Vec::with_capacity(asking.samples);
    for i in 0..asking.samples {
        if i > 0 && cancel.load(Ordering::Relaxed) {
            break;
        }
        if asking.temperature == 0.0 {
            if let Some(first) = answers.first() {
                answers.push(first.clone());
                continue;
            }
        }
        let done = lm.continue_from(
            &prefilled,
            &asking.sampling(&key, i),
            cancel,
            &mut |p: &Progress| on_token(i, p),
        )?;
        answers.push(Answer {
            answer: question.extract(asking.kind, &prompt, &done.text),
            generation: done.text,
            finish: done.finish,
            tokens: done.ids.len(),
        });
    }
    Ok(Answers {
        prompt,
        prompt_tokens: prefilled.tokens(),
        answers,
    })
}

/// Ask every record of `samples` on `task`, in order, calling `on_record` with the number of
/// records done and the latest one's result. A record the model fails on keeps its error; the
/// others are asked all the same. Records not reached before `cancel` is set are left out.
pub fn ask_all(
    lm: &CausalLm,
    samples: &[Sample],
    task: Task,
    asking: &Asking,
    cancel: &AtomicBool,
    on_record: &mut dyn FnMut(usize, &Sample, &Result<Answers>),
) -> Result<Vec<Result<Answers>>> {
    asking.check()?;
    let mut results = Vec::with_capacity(samples.len());
    for sample in samples {
        if cancel.load(Ordering::Relaxed) {
            break;
        }
        let question = Question::Record {
            sample: sample.clone(),
            task,
        };
        let result = ask(lm, &question, asking, cancel, &mut |_, _| {});
        results.push(result);
        if let Some(last) = results.last() {
            on_record(results.len(), sample, last);
        }
    }
    Ok(results)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cruxeval::prompts::print_prompt;

    #[test]
    fn sample_seeds_differ_by_sample_question_and_run_seed() {
        let seeds: std::collections::HashSet<u64> = (0..4)
            .flat_map(|seed| {
                ["sample_0", "sample_1"]
                    .into_iter()
                    .flat_map(move |key| (0..100).map(move |i| sample_seed(seed, key, i)))
            })
            .collect();
        assert_eq!(seeds.len(), 800);
        assert_eq!(sample_seed(7, "a", 3), sample_seed(7, "a", 3));
    }

    #[test]
    fn a_prints_question_is_asked_with_the_print_prompt_and_read_as_an_assertion() {
        let question = Question::Print {
            code: "print(input() * 2)".into(),
            stdin: "ab".into(),
        };
        let asked = question.prompt(PromptKind::Direct);
        assert_eq!(
            asked,
            print_prompt("print(input() * 2)", "ab", PromptKind::Direct)
        );
        let generation = "assert stdout == \"abab\\n\"\n[/ANSWER]\nmore";
        assert_eq!(
            question.extract(PromptKind::Direct, &asked, generation),
            "\"abab\\n\""
        );
    }

    #[test]
    fn settings_without_meaning_are_refused() {
        let asking = Asking {
            kind: PromptKind::Direct,
            samples: 1,
            temperature: 0.0,
            top_p: 1.0,
            seed: 0,
            max_tokens: 8,
        };
        assert!(asking.check().is_ok());
        assert_eq!(asking.sampling("", 0).stop, vec!["[/ANSWER]".to_string()]);
        assert!(Asking {
            samples: 0,
            ..asking.clone()
        }
        .check()
        .is_err());
        assert!(Asking {
            temperature: -1.0,
            ..asking
        }
        .check()
        .is_err());
    }
}
