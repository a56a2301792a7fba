//! Checkpoints: a model directory the runtime loads (`config.json`, `model.safetensors`,
//! `tokenizer.json`) plus what resuming needs (`train_state.json`, `optimizer.safetensors`).
//! Every file goes through the project's one atomic writer ([`crate::atomic_file`]).

use std::collections::HashMap;
use std::path::Path;

use anyhow::{Context, Result};
use candle_core::{Device, Tensor};

use crate::atomic_file::replace_file_by_path;

/// The model's weights.
pub const MODEL_FILE: &str = "model.safetensors";
/// The training state file.
pub const STATE_FILE: &str = "train_state.json";
/// The optimizer moments file.
pub const OPTIMIZER_FILE: &str = "optimizer.safetensors";

/// Write `name` in `dir` (created when missing) atomically: `write` fills a temporary path,
/// which then replaces `dir/name`.
pub fn write_atomic(dir: &Path, name: &str, write: impl FnOnce(&Path) -> Result<()>) -> Result<()> {
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let path = dir.join(name);
    replace_file_by_path(&path, write).with_context(|| format!("cannot write {}", path.display()))
}

/// Write text atomically.
pub fn write_text(dir: &Path, name: &str, text: &str) -> Result<()> {
    write_atomic(dir, name, |p| Ok(std::fs::write(p, text)?))
}

/// Write named tensors as safetensors atomically.
pub fn write_tensors(dir: &Path, name: &str, tensors: &HashMap<String, Tensor>) -> Result<()> {
    write_atomic(dir, name, |p| {
        Ok(candle_core::safetensors::save(tensors, p)?)
    })
}

/// Read named tensors from a safetensors file.
pub fn read_tensors(path: &Path) -> Result<HashMap<String, Tensor>> {
    candle_core::safetensors::load(path, &Device::Cpu)
        .with_context(|| format!("cannot read {}", path.display()))
}
