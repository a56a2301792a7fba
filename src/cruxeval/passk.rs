//! pass@k as CRUXEval's harness computes it (`pass_at_k` of `evaluation/utils_general.py` and
//! the averaging of `evaluation/evaluate_generations.py`, facebookresearch/cruxeval commit
//! c7c7873): the unbiased estimator 1 - C(n-c, k) / C(n, k) written as
//! `1 - prod(1 - k / i for i in n-c+1..=n)`, and 1.0 whenever `n - c < k`.
//!
//! The harness's quirks are kept, since scores must be comparable with published ones: an
//! answer the harness skips is in `n` as a failure, and a sample with fewer than `k` answers
//! scores 1.0 at pass@k whenever `n - c < k` (with one answer per sample, pass@5 is 100).
//! pass@1 is the mean of c/n, computed (as the harness does) through the estimator at k = 1,
//! which equals c/n up to the last bit; the products and the mean run in the harness's order,
//! so the figures are the same floating-point numbers.

/// The estimator for one sample with `n` answers of which `c` passed.
pub fn pass_at_k(n: usize, c: usize, k: usize) -> f64 {
    if n - c.min(n) < k {
        return 1.0;
    }
    let k = k as f64;
    let product: f64 = (n - c + 1..=n).map(|i| 1.0 - k / i as f64).product();
    1.0 - product
}

/// The mean of `pass_at_k` over samples given as (n, c), times 100 (0 for no samples).
pub fn mean_pass_at_k(counts: &[(usize, usize)], k: usize) -> f64 {
    if counts.is_empty() {
        return 0.0;
    }
    let sum: f64 = counts.iter().map(|&(n, c)| pass_at_k(n, c, k)).sum();
    sum / counts.len() as f64 * 100.0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pass_at_one_is_the_fraction_passed() {
        assert!((pass_at_k(10, 3, 1) - 0.3).abs() < 1e-12);
        assert_eq!(pass_at_k(10, 0, 1), 0.0);
        assert_eq!(pass_at_k(10, 10, 1), 1.0);
    }

    #[test]
    fn pass_at_five_matches_the_binomial_form() {
        // 1 - C(7,5)/C(10,5) = 1 - 21/252
        assert!((pass_at_k(10, 3, 5) - (1.0 - 21.0 / 252.0)).abs() < 1e-12);
        // n - c < k: every draw of 5 holds a pass.
        assert_eq!(pass_at_k(10, 6, 5), 1.0);
    }

    #[test]
    fn fewer_answers_than_k_scores_one_as_the_harness_does() {
        assert_eq!(pass_at_k(1, 0, 5), 1.0);
        assert_eq!(pass_at_k(4, 0, 5), 1.0);
    }

    #[test]
    fn the_mean_is_in_percent() {
        assert!((mean_pass_at_k(&[(2, 1), (2, 2)], 1) - 75.0).abs() < 1e-9);
        assert_eq!(mean_pass_at_k(&[], 1), 0.0);
    }
}
