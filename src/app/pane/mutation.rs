//! The mutation state: the original program and its trace, the buffers mutations reached
//! (the distance from the original), the first step where the execution changed, and the
//! picker pop-up's state.

use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use crate::mutate::Mutation;
use crate::trace::{Step, Trace};

/// Which mutations the picker lists.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PickerScope {
    /// The mutations shown on this 1-based line.
    Line(u32),
    Program,
}

/// The open mutation picker.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MutationPicker {
    pub scope: PickerScope,
    pub items: Vec<Mutation>,
    pub selected: usize,
}

/// How the editor buffer relates to the original program.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Distance {
    Original,
    /// Reached from the original by this many mutations (and undo / redo).
    Mutations(usize),
    /// Changed by hand since the original.
    Edited,
}

/// The explorer's mutation state.
#[derive(Debug, Clone)]
pub struct MutationState {
    pub(in crate::app) original: String,
    /// The original program's trace, once it has been on show.
    pub(in crate::app) original_trace: Option<Arc<Trace>>,
    /// Buffers reached by applying mutations, with their distance from the original.
    pub(in crate::app) reached: Vec<(String, usize)>,
    /// Buffers left between the delete and the insert half of a replacing edit.
    pub(in crate::app) halfway: Vec<String>,
    /// The first step of the shown trace that differs from the original's trace.
    pub first_change: Option<usize>,
    /// Move to `first_change` when the next trace arrives (set by applying a mutation).
    pub(in crate::app) jump_pending: bool,
    pub(in crate::app) seed: u64,
}

impl MutationState {
    /// The state for a buffer whose text (as `EditorPane::code` gives it) is `original`.
    pub fn new(original: String) -> MutationState {
        let seed = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos() as u64);
        MutationState {
            original,
            original_trace: None,
            reached: Vec::new(),
            halfway: Vec::new(),
            first_change: None,
            jump_pending: false,
            seed,
        }
    }

    /// The original program.
    pub fn original(&self) -> &str {
        &self.original
    }

    /// How `code` relates to the original program.
    pub fn distance(&self, code: &str) -> Distance {
        if code == self.original {
            return Distance::Original;
        }
        self.reached
            .iter()
            .rev()
            .find(|(c, _)| c == code)
            .map_or(Distance::Edited, |(_, n)| Distance::Mutations(*n))
    }
}

/// The first step index where two executions differ (a missing step counts as different).
pub fn first_difference(a: &[Step], b: &[Step]) -> Option<usize> {
    let same = |x: &Step, y: &Step| {
        x.event == y.event
            && x.line == y.line
            && x.func == y.func
            && x.depth == y.depth
            && x.locals == y.locals
            && x.value == y.value
            && x.stdout == y.stdout
    };
    match a.iter().zip(b).position(|(x, y)| !same(x, y)) {
        Some(i) => Some(i),
        None if a.len() != b.len() => Some(a.len().min(b.len())),
        None => None,
    }
}
