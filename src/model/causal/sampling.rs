//! Choosing the next token from logits: greedy (the lowest id among equal maxima) at
//! temperature 0, else temperature-scaled softmax restricted to the smallest set of most
//! probable tokens whose mass reaches `top_p` (nucleus sampling), drawn from a seeded generator
//! so a run can be repeated.

use anyhow::{bail, Result};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

/// How to decode.
#[derive(Debug, Clone, PartialEq)]
pub struct Sampling {
    /// 0 means greedy.
    pub temperature: f64,
    /// Nucleus mass in (0, 1]; 1 keeps every token.
    pub top_p: f64,
    pub seed: u64,
    /// At most this many generated tokens.
    pub max_tokens: usize,
    /// Generation stops at the first of these strings, which is cut from the text.
    pub stop: Vec<String>,
}

impl Default for Sampling {
    fn default() -> Self {
        Self {
            temperature: 0.0,
            top_p: 1.0,
            seed: 0,
            max_tokens: 256,
            stop: vec![],
        }
    }
}

impl Sampling {
    /// Reject settings that have no meaning.
    pub fn check(&self) -> Result<()> {
        if !(self.temperature.is_finite() && self.temperature >= 0.0) {
            bail!(
                "temperature {} must be 0 (greedy) or positive",
                self.temperature
            );
        }
        if !(self.top_p > 0.0 && self.top_p <= 1.0) {
            bail!("top-p {} must be in (0, 1]", self.top_p);
        }
        Ok(())
    }
}

/// A seeded token chooser.
pub struct Sampler {
    temperature: f64,
    top_p: f64,
    rng: StdRng,
}

impl Sampler {
    pub fn new(s: &Sampling) -> Self {
        Self {
            temperature: s.temperature,
            top_p: s.top_p,
            rng: StdRng::seed_from_u64(s.seed),
        }
    }

    /// The next token for these logits.
    pub fn next(&mut self, logits: &[f32]) -> Result<u32> {
        if logits.is_empty() {
            bail!("no logits to sample from");
        }
        if logits.iter().any(|l| l.is_nan()) {
            bail!("the model produced NaN logits");
        }
        if self.temperature == 0.0 {
            return Ok(argmax(logits));
        }
        let max = logits.iter().copied().fold(f32::NEG_INFINITY, f32::max) as f64;
        let mut probs: Vec<(u32, f64)> = logits
            .iter()
            .enumerate()
            .map(|(i, &l)| (i as u32, ((l as f64 - max) / self.temperature).exp()))
            .collect();
        let total: f64 = probs.iter().map(|p| p.1).sum();
        probs.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
        let mut kept = 0.0;
        let mut cut = probs.len();
        for (i, (_, p)) in probs.iter().enumerate() {
            kept += p / total;
            if kept >= self.top_p {
                cut = i + 1;
                break;
            }
        }
        probs.truncate(cut);
        let mass: f64 = probs.iter().map(|p| p.1).sum();
        let mut draw = self.rng.gen::<f64>() * mass;
        for (id, p) in &probs {
            draw -= p;
            if draw < 0.0 {
                return Ok(*id);
            }
        }
        Ok(probs.last().map_or(0, |p| p.0))
    }
}

/// The index of the largest value, the first among equals.
fn argmax(values: &[f32]) -> u32 {
    let mut best = 0;
    for (i, v) in values.iter().enumerate() {
        if *v > values[best] {
            best = i;
        }
    }
    best as u32
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sampler(temperature: f64, top_p: f64, seed: u64) -> Sampler {
        Sampler::new(&Sampling {
            temperature,
            top_p,
            seed,
            ..Sampling::default()
        })
    }

    #[test]
    fn greedy_takes_the_first_maximum() {
        assert_eq!(
            sampler(0.0, 1.0, 0).next(&[1.0, 3.0, 3.0, -1.0]).unwrap(),
            1
        );
    }

    #[test]
    fn top_p_keeps_only_the_nucleus_and_a_seed_repeats_a_run() {
        // Probabilities about 0.64, 0.24, 0.09, 0.03: top-p 0.8 keeps the first two.
        let logits = [3.0, 2.0, 1.0, 0.0];
        let mut s = sampler(1.0, 0.8, 7);
        let draws: Vec<u32> = (0..400).map(|_| s.next(&logits).unwrap()).collect();
        assert!(draws.iter().all(|&d| d < 2), "{draws:?}");
        assert!(draws.contains(&0) && draws.contains(&1));
        let mut again = sampler(1.0, 0.8, 7);
        let repeat: Vec<u32> = (0..400).map(|_| again.next(&logits).unwrap()).collect();
        assert_eq!(draws, repeat);
        let mut other = sampler(1.0, 0.8, 8);
        let different: Vec<u32> = (0..400).map(|_| other.next(&logits).unwrap()).collect();
        assert_ne!(draws, different);
    }

    #[test]
    fn nan_logits_and_bad_settings_are_errors() {
        assert!(sampler(0.0, 1.0, 0).next(&[f32::NAN]).is_err());
        let bad = Sampling {
            top_p: 0.0,
            ..Sampling::default()
        };
        assert!(bad.check().is_err());
    }
}
