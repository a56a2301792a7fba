//! Prediction versus truth: CodeExecutor metrics, step alignment and divergence classification.
//!
//! Two views of the same comparison:
//! - [`metrics`] reproduces CodeExecutor's inference metric script on trace *text*: positional
//!   segment comparison, output / trace accuracy, line and identifier precision / recall / F1
//!   (micro), and the singleline variant. Use [`metrics::score`] per sample and a
//!   [`metrics::Tally`] to aggregate (the whole set, or any group of samples).
//! - [`align`] is for people: it aligns truth and predicted *steps* so that an inserted or
//!   missing step does not shift everything after it, classifies each difference
//!   ([`align::Difference`]) and finds the first divergence. The explorer and the curation
//!   browser call [`align::align`] (or [`align::align_text`]) and walk [`align::Alignment`].
//! - [`monologue`] holds a causal model's free-text monologue against the recorded steps:
//!   which paragraph is about which line, and which stated values are wrong.

pub mod align;
pub mod metrics;
pub mod monologue;
pub mod report;
