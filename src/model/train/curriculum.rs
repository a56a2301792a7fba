//! CodeExecutor's curriculum: stage 1 trains on SingleLine, stage 2 continues on Tutorial, stage
//! 3 continues on a mix of all three datasets, which take turns within every batch. Each stage is
//! its own fine-tuning run (fresh optimizer moments, its own warm-up and decay). With a replay
//! share, a stage's batches also keep that share of records from the datasets of earlier stages
//! that it does not draw from itself, so stage 2 does not forget stage 1. Which examples form
//! the batch of a given step depends only on the seed, the stage, the step and the replay
//! share, so a resumed run sees the same batches.

use anyhow::{bail, Result};
use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use rand::SeedableRng;

use super::batch::Example;

/// The three datasets, in curriculum order, with their prefix tokens.
pub const DATASETS: [(&str, &str); 3] = [
    ("singleline", "<singleline>"),
    ("tutorial", "<tutorial>"),
    ("mutants", "<codenet>"),
];

/// One stage: which datasets it draws from and how many steps it runs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stage {
    pub name: String,
    /// Indices into [`DATASETS`].
    pub datasets: Vec<usize>,
    pub steps: usize,
}

/// The stages of a run over the examples of each dataset.
#[derive(Debug, Clone)]
pub struct Curriculum {
    pub stages: Vec<Stage>,
    /// Examples of each dataset (index as in [`DATASETS`]).
    pub examples: [Vec<Example>; 3],
    seed: u64,
    /// Share of each batch drawn from earlier stages' datasets (see [`Curriculum::with_replay`]).
    replay: f64,
}

/// Where a global step falls: the stage, and the step within it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Position {
    pub stage: usize,
    pub step: usize,
}

impl Curriculum {
    /// CodeExecutor's three stages with the given step counts (a stage with 0 steps is skipped).
    pub fn new(examples: [Vec<Example>; 3], steps: [usize; 3], seed: u64) -> Result<Self> {
        let plan = [
            ("singleline", vec![0]),
            ("tutorial", vec![1]),
            ("mix", vec![0, 1, 2]),
        ];
        let mut stages = Vec::new();
        for ((name, datasets), steps) in plan.into_iter().zip(steps) {
            if steps == 0 {
                continue;
            }
            if datasets.iter().all(|&d| examples[d].is_empty()) {
                bail!("stage {name} has {steps} steps but no examples");
            }
            stages.push(Stage {
                name: name.into(),
                datasets,
                steps,
            });
        }
        Ok(Self {
            stages,
            examples,
            seed,
            replay: 0.0,
        })
    }

    /// Keep `share` (0 to 1, exclusive) of every batch for records of the datasets that earlier
    /// stages drew from and this stage does not: `round(share * batch)` places, at least one
    /// left to the stage's own data.
    pub fn with_replay(mut self, share: f64) -> Result<Self> {
        if !(0.0..1.0).contains(&share) {
            bail!("the replay share must be at least 0 and below 1, got {share}");
        }
        self.replay = share;
        Ok(self)
    }

    /// The non-empty datasets of earlier stages that stage `stage` does not draw from.
    fn earlier(&self, stage: usize) -> Vec<usize> {
        let own = &self.stages[stage].datasets;
        let mut out: Vec<usize> = Vec::new();
        for s in &self.stages[..stage] {
            for &d in &s.datasets {
                if !own.contains(&d) && !out.contains(&d) && !self.examples[d].is_empty() {
                    out.push(d);
                }
            }
        }
        out
    }

    /// How many places of a `batch` go to earlier stages' data in stage `stage`.
    pub fn replay_places(&self, stage: usize, batch: usize) -> usize {
        if self.earlier(stage).is_empty() {
            return 0;
        }
        ((self.replay * batch as f64).round() as usize).min(batch.saturating_sub(1))
    }

    /// All steps of all stages.
    pub fn total_steps(&self) -> usize {
        self.stages.iter().map(|s| s.steps).sum()
    }

    /// The stage and step within it of global step `step` (`None` past the end).
    pub fn position(&self, mut step: usize) -> Option<Position> {
        for (stage, s) in self.stages.iter().enumerate() {
            if step < s.steps {
                return Some(Position { stage, step });
            }
            step -= s.steps;
        }
        None
    }

    /// The non-empty datasets a stage draws from.
    fn sources(&self, stage: usize) -> Vec<usize> {
        self.stages[stage]
            .datasets
            .iter()
            .copied()
            .filter(|&d| !self.examples[d].is_empty())
            .collect()
    }

    /// The `batch` examples of a step, each with the index of its dataset: the stage's own
    /// datasets, then the replayed ones ([`Curriculum::with_replay`]). Within each group the
    /// datasets take turns, so each has an equal share however their sizes differ; each
    /// dataset is walked in a fresh seeded order each epoch.
    pub fn batch(&self, at: Position, batch: usize) -> Vec<(usize, &Example)> {
        let replayed = self.replay_places(at.stage, batch);
        let mut out = self.draw(at, &self.sources(at.stage), batch - replayed, 0);
        if replayed > 0 {
            out.extend(self.draw(at, &self.earlier(at.stage), replayed, 1));
        }
        out
    }

    /// `count` examples of step `at` from `sources` taking turns; `group` keeps the orders of
    /// the own and the replayed datasets apart.
    fn draw(
        &self,
        at: Position,
        sources: &[usize],
        count: usize,
        group: u64,
    ) -> Vec<(usize, &Example)> {
        let mut orders: Vec<(usize, Vec<usize>)> = vec![(usize::MAX, Vec::new()); sources.len()];
        let first = at.step * count;
        (first..first + count)
            .map(|k| {
                let turn = k % sources.len();
                let d = sources[turn];
                let pool = &self.examples[d];
                let j = k / sources.len();
                let (epoch, order) = &mut orders[turn];
                if j / pool.len() != *epoch {
                    *epoch = j / pool.len();
                    *order = (0..pool.len()).collect();
                    let seed = self.seed
                        ^ ((at.stage as u64) << 56)
                        ^ ((turn as u64) << 48)
                        ^ (group << 40)
                        ^ (*epoch as u64);
                    order.shuffle(&mut StdRng::seed_from_u64(seed));
                }
                (d, &pool[order[j % pool.len()]])
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ex(tag: u32) -> Example {
        Example {
            source: vec![tag],
            target: vec![2],
        }
    }

    #[test]
    fn stages_follow_the_curriculum_and_batches_are_deterministic() {
        let data = [
            (0..5).map(ex).collect(),
            (10..13).map(ex).collect(),
            (20..22).map(ex).collect(),
        ];
        let c = Curriculum::new(data, [4, 3, 2], 7).unwrap();
        assert_eq!(c.total_steps(), 9);
        assert_eq!(c.position(3), Some(Position { stage: 0, step: 3 }));
        assert_eq!(c.position(4), Some(Position { stage: 1, step: 0 }));
        assert_eq!(c.position(8), Some(Position { stage: 2, step: 1 }));
        assert_eq!(c.position(9), None);
        let tags = |p| -> Vec<u32> {
            c.batch(p, 4)
                .iter()
                .map(|(d, e)| {
                    assert_eq!(
                        e.source[0] / 10,
                        *d as u32,
                        "the dataset index is the example's"
                    );
                    e.source[0]
                })
                .collect()
        };
        let s1 = tags(Position { stage: 0, step: 0 });
        assert!(s1.iter().all(|t| *t < 5));
        let mut first_epoch = s1.clone();
        first_epoch.push(tags(Position { stage: 0, step: 1 })[0]);
        first_epoch.sort();
        assert_eq!(
            first_epoch,
            vec![0, 1, 2, 3, 4],
            "an epoch visits every example once"
        );
        assert!(tags(Position { stage: 1, step: 2 })
            .iter()
            .all(|t| (10..13).contains(t)));
        let mix: Vec<u32> = (0..4)
            .flat_map(|s| tags(Position { stage: 2, step: s }))
            .collect();
        let share = |range: std::ops::Range<u32>| mix.iter().filter(|t| range.contains(*t)).count();
        assert_eq!(
            [share(0..5), share(10..13), share(20..22)],
            [6, 5, 5],
            "the mix gives each dataset an equal share, whatever its size"
        );
        assert_eq!(s1, tags(Position { stage: 0, step: 0 }));
    }

    #[test]
    fn a_stage_2_batch_keeps_the_replay_share_of_stage_1_records() {
        let data = [
            (0..50).map(ex).collect(),
            (100..130).map(ex).collect(),
            (200..220).map(ex).collect(),
        ];
        let c = Curriculum::new(data, [4, 30, 6], 3)
            .unwrap()
            .with_replay(0.25)
            .unwrap();
        assert_eq!(c.replay_places(0, 8), 0, "stage 1 has nothing earlier");
        assert_eq!(c.replay_places(1, 8), 2);
        assert_eq!(
            c.replay_places(2, 8),
            0,
            "the mix already draws from every dataset"
        );
        let mut seen = std::collections::HashSet::new();
        for step in 0..30 {
            let batch = c.batch(Position { stage: 1, step }, 8);
            assert_eq!(batch.len(), 8);
            let old: Vec<u32> = batch
                .iter()
                .filter(|(d, _)| *d == 0)
                .map(|(_, e)| e.source[0])
                .collect();
            assert_eq!(
                old.len(),
                2,
                "step {step}: a quarter of the batch is stage-1 data"
            );
            assert!(old.iter().all(|t| *t < 50));
            assert!(batch
                .iter()
                .filter(|(d, _)| *d == 1)
                .all(|(_, e)| (100..130).contains(&e.source[0])));
            seen.extend(old);
        }
        assert_eq!(
            seen.len(),
            50,
            "60 replayed places walk all 50 stage-1 records"
        );
        let plain = Curriculum::new(
            [
                (0..50).map(ex).collect(),
                (100..130).map(ex).collect(),
                (200..220).map(ex).collect(),
            ],
            [4, 30, 6],
            3,
        )
        .unwrap();
        assert!(plain
            .batch(Position { stage: 1, step: 0 }, 8)
            .iter()
            .all(|(d, _)| *d == 1));
        assert!(plain.clone().with_replay(1.0).is_err());
    }

    #[test]
    fn a_stage_without_examples_is_an_error() {
        let data = [vec![ex(1)], Vec::new(), Vec::new()];
        assert!(Curriculum::new(data.clone(), [1, 1, 0], 0).is_err());
        let c = Curriculum::new(data, [1, 0, 1], 0).unwrap();
        assert_eq!(c.stages.len(), 2);
    }
}
