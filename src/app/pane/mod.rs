//! The panes' and pop-ups' own state, each a leaf that does not know `App`: the editor and
//! stdin buffers, the stepping pane's trace and step, the prediction pane (a CodeExecutor
//! model's trace, or a causal LM's monologue: `causal`; both hold a `model_slot`), the stored-prediction view, the mutation state and its picker,
//! the dataset browser and its pop-ups. What needs the whole explorer (`&mut App`) lives in
//! the files beside `pane/` (`effects.rs` for edits, stepping and saving; `prediction.rs`,
//! `causal.rs`, `mutation.rs`, `browser.rs`), which change this state through its methods.

pub mod browser;
pub mod causal;
pub mod editor;
pub mod model_slot;
pub mod mutation;
pub mod prediction;
pub mod stepping;
pub mod stored;
