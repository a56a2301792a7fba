//! Where a causal LM's tensors come from: a GGUF file (any ggml type candle reads: F32, F16,
//! Q8_0, Q4_K_M and the other k-quants, kept quantized: as [`BlockMatrix`] where it has a
//! kernel for the type, else for candle's [`QMatMul`]) or Hugging Face
//! safetensors (f32, f16, bf16; one `model.safetensors` or shards listed in
//! `model.safetensors.index.json`, converted to f32). The model asks for tensors by their
//! Hugging Face names; GGUF names (`blk.N.attn_q.weight`, ...) are derived from those, following
//! llama.cpp's tensor naming.

use std::collections::HashMap;
use std::fs::File;
use std::io::BufReader;
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use anyhow::{bail, Context, Result};
use candle_core::quantized::gguf_file::Content;
use candle_core::quantized::{QMatMul, QTensor};
use candle_core::{DType, Device, Module, Tensor};
use candle_nn::var_builder::SimpleBackend;

use super::block_matrix::BlockMatrix;
use super::blocks::Format;
use crate::model::safetensors_file::SafetensorsFile;

/// A `[out, in]` weight matrix: GGUF blocks with a kernel in [`BlockMatrix`], else candle's
/// (quantized or f32).
#[derive(Debug, Clone)]
pub enum Matrix {
    Blocks(Arc<BlockMatrix>),
    Candle(QMatMul),
}

impl Matrix {
    /// `x [n, in]` times the matrix transposed: `[n, out]`.
    pub fn forward(&self, x: &Tensor) -> Result<Tensor> {
        match self {
            Self::Blocks(m) => m.forward(x),
            Self::Candle(m) => Ok(m.forward(x)?),
        }
    }
}

/// An embedding table: quantized rows are dequantized only for the ids looked up.
#[derive(Debug, Clone)]
pub enum Embedding {
    Blocks(Arc<BlockMatrix>),
    Quantized(Arc<QTensor>),
    Dense(Tensor),
}

impl Embedding {
    /// The rows of `ids` as f32, shape `[ids, hidden]`.
    pub fn lookup(&self, ids: &[u32]) -> Result<Tensor> {
        Ok(match self {
            Self::Blocks(m) => m.rows(ids)?,
            Self::Quantized(q) => q.embedding(&Tensor::new(ids, &Device::Cpu)?)?,
            Self::Dense(w) => w.index_select(&Tensor::new(ids, &Device::Cpu)?, 0)?,
        })
    }

    /// The same table as an output projection (tied embeddings).
    pub fn as_matmul(&self) -> Result<Matrix> {
        Ok(match self {
            Self::Blocks(m) => Matrix::Blocks(Arc::clone(m)),
            Self::Quantized(q) => Matrix::Candle(QMatMul::from_arc(Arc::clone(q))?),
            Self::Dense(w) => Matrix::Candle(QMatMul::Tensor(w.clone())),
        })
    }
}

/// An open weights source.
pub enum Weights {
    Gguf {
        path: PathBuf,
        content: Content,
        reader: Mutex<BufReader<File>>,
    },
    Safetensors {
        path: PathBuf,
        /// Each tensor name's shard.
        shards: HashMap<String, Arc<SafetensorsFile>>,
    },
}

/// The GGUF name of a Hugging Face tensor name (llama.cpp's naming for llama and qwen2).
pub fn gguf_name(hf: &str) -> String {
    match hf {
        "model.embed_tokens.weight" => return "token_embd.weight".into(),
        "model.norm.weight" => return "output_norm.weight".into(),
        "lm_head.weight" => return "output.weight".into(),
        _ => {}
    }
    let Some(rest) = hf.strip_prefix("model.layers.") else {
        return hf.into();
    };
    let (layer, rest) = rest.split_once('.').unwrap_or((rest, ""));
    let parts: [(&str, &str); 9] = [
        ("self_attn.q_proj", "attn_q"),
        ("self_attn.k_proj", "attn_k"),
        ("self_attn.v_proj", "attn_v"),
        ("self_attn.o_proj", "attn_output"),
        ("mlp.gate_proj", "ffn_gate"),
        ("mlp.up_proj", "ffn_up"),
        ("mlp.down_proj", "ffn_down"),
        ("input_layernorm", "attn_norm"),
        ("post_attention_layernorm", "ffn_norm"),
    ];
    for (from, to) in parts {
        if let Some(suffix) = rest.strip_prefix(from) {
            return format!("blk.{layer}.{to}{suffix}");
        }
    }
    hf.into()
}

impl Weights {
    /// Open a `.gguf` file.
    pub fn open_gguf(path: &Path) -> Result<Self> {
        let file = File::open(path).with_context(|| format!("cannot open {}", path.display()))?;
        let mut reader = BufReader::new(file);
        let content = Content::read(&mut reader)
            .with_context(|| format!("{} is not a readable GGUF file", path.display()))?;
        Ok(Self::Gguf {
            path: path.to_path_buf(),
            content,
            reader: Mutex::new(reader),
        })
    }

    /// Open the safetensors weights in `dir`: `model.safetensors`, else the shards named by
    /// `model.safetensors.index.json`.
    pub fn open_safetensors_dir(dir: &Path) -> Result<Self> {
        let single = dir.join("model.safetensors");
        let index = dir.join("model.safetensors.index.json");
        let mut shards = HashMap::new();
        if single.is_file() {
            let file = Arc::new(
                SafetensorsFile::open(&single)
                    .with_context(|| format!("cannot read {}", single.display()))?,
            );
            for name in file.names() {
                shards.insert(name.to_string(), Arc::clone(&file));
            }
            return Ok(Self::Safetensors {
                path: single,
                shards,
            });
        }
        if !index.is_file() {
            bail!(
                "no weights in {}: expected model.safetensors or model.safetensors.index.json",
                dir.display()
            );
        }
        let text = std::fs::read_to_string(&index)
            .with_context(|| format!("cannot read {}", index.display()))?;
        let parsed: serde_json::Value = serde_json::from_str(&text)
            .with_context(|| format!("{} is not JSON", index.display()))?;
        let map = parsed
            .get("weight_map")
            .and_then(|m| m.as_object())
            .with_context(|| format!("{} has no weight_map", index.display()))?;
        let mut opened: HashMap<String, Arc<SafetensorsFile>> = HashMap::new();
        for (name, file) in map {
            let file = file
                .as_str()
                .with_context(|| format!("{}: {name} maps to a non-string", index.display()))?;
            if file.contains('/') || file.contains("..") {
                bail!(
                    "{}: shard name {file:?} leaves the model directory",
                    index.display()
                );
            }
            if !opened.contains_key(file) {
                let path = dir.join(file);
                let shard = SafetensorsFile::open(&path)
                    .with_context(|| format!("cannot read shard {}", path.display()))?;
                opened.insert(file.to_string(), Arc::new(shard));
            }
            shards.insert(name.clone(), Arc::clone(&opened[file]));
        }
        Ok(Self::Safetensors {
            path: index,
            shards,
        })
    }

    /// The file the weights come from (the index for sharded safetensors).
    pub fn path(&self) -> &Path {
        match self {
            Self::Gguf { path, .. } | Self::Safetensors { path, .. } => path,
        }
    }

    /// The GGUF header, when the weights are GGUF.
    pub fn gguf(&self) -> Option<&Content> {
        match self {
            Self::Gguf { content, .. } => Some(content),
            Self::Safetensors { .. } => None,
        }
    }

    /// Whether a tensor (by its Hugging Face name) is present.
    pub fn contains(&self, name: &str) -> bool {
        match self {
            Self::Gguf { content, .. } => content.tensor_infos.contains_key(&gguf_name(name)),
            Self::Safetensors { shards, .. } => shards.contains_key(name),
        }
    }

    /// A GGUF tensor, checked to have `shape`.
    fn qtensor(&self, name: &str, shape: &[usize]) -> Result<QTensor> {
        let Self::Gguf {
            content, reader, ..
        } = self
        else {
            bail!("internal: {name} asked for as a GGUF tensor");
        };
        let gguf = gguf_name(name);
        let mut reader = reader.lock().unwrap_or_else(|e| e.into_inner());
        let q = content
            .tensor(&mut *reader, &gguf, &Device::Cpu)
            .with_context(|| format!("cannot read tensor {gguf}"))?;
        if q.shape().dims() != shape {
            bail!(
                "tensor {gguf} has shape {:?}, the config implies {shape:?}",
                q.shape().dims()
            );
        }
        Ok(q)
    }

    /// A GGUF tensor of a block format with a kernel here, read from the file as it is stored
    /// (`None` for other types and for safetensors).
    fn blocks(&self, name: &str, rows: usize, cols: usize) -> Result<Option<BlockMatrix>> {
        let Self::Gguf {
            content, reader, ..
        } = self
        else {
            return Ok(None);
        };
        let gguf = gguf_name(name);
        let info = content
            .tensor_infos
            .get(&gguf)
            .with_context(|| format!("missing tensor {gguf}"))?;
        let Some(format) = Format::of(info.ggml_dtype) else {
            return Ok(None);
        };
        if info.shape.dims() != [rows, cols] {
            bail!(
                "tensor {gguf} has shape {:?}, the config implies {:?}",
                info.shape.dims(),
                [rows, cols]
            );
        }
        let (values, block_bytes) = format.block();
        let reader = reader.lock().unwrap_or_else(|e| e.into_inner());
        let file = reader.get_ref();
        let file_len = file.metadata()?.len();
        let len = rows
            .checked_mul(cols / values * block_bytes)
            .map(|n| n as u64);
        let end = content
            .tensor_data_offset
            .checked_add(info.offset)
            .zip(len)
            .and_then(|(start, len)| Some((start, start.checked_add(len)?)));
        let Some((start, _)) = end.filter(|&(_, end)| end <= file_len) else {
            bail!("tensor {gguf} lies outside the file: is it cut short?");
        };
        let mut bytes = vec![0u8; len.unwrap_or(0) as usize];
        file.read_exact_at(&mut bytes, start)
            .with_context(|| format!("cannot read tensor {gguf}"))?;
        Ok(Some(
            BlockMatrix::new(format, rows, cols, bytes)
                .with_context(|| format!("tensor {gguf}"))?,
        ))
    }

    /// A tensor as f32 with the given shape.
    pub fn dense(&self, name: &str, shape: &[usize]) -> Result<Tensor> {
        match self {
            Self::Gguf { .. } => Ok(self.qtensor(name, shape)?.dequantize(&Device::Cpu)?),
            Self::Safetensors { shards, .. } => {
                let shard = shards
                    .get(name)
                    .with_context(|| format!("missing tensor {name}"))?;
                let tensor = shard.get_unchecked(name, DType::F32, &Device::Cpu)?;
                if tensor.dims() != shape {
                    bail!(
                        "tensor {name} has shape {:?}, the config implies {shape:?}",
                        tensor.dims()
                    );
                }
                Ok(tensor)
            }
        }
    }

    /// A `[out, in]` weight matrix, quantized where the file is.
    pub fn matmul(&self, name: &str, out: usize, inp: usize) -> Result<Matrix> {
        if let Some(m) = self.blocks(name, out, inp)? {
            return Ok(Matrix::Blocks(Arc::new(m)));
        }
        Ok(Matrix::Candle(match self {
            Self::Gguf { .. } => QMatMul::from_qtensor(self.qtensor(name, &[out, inp])?)?,
            Self::Safetensors { .. } => QMatMul::Tensor(self.dense(name, &[out, inp])?),
        }))
    }

    /// The token embedding table `[vocab, hidden]`; quantized tables stay quantized.
    pub fn embedding(&self, name: &str, vocab: usize, hidden: usize) -> Result<Embedding> {
        if let Some(m) = self.blocks(name, vocab, hidden)? {
            return Ok(Embedding::Blocks(Arc::new(m)));
        }
        match self {
            Self::Gguf { .. } => {
                let q = self.qtensor(name, &[vocab, hidden])?;
                if q.dtype().block_size() > 1 {
                    Ok(Embedding::Quantized(Arc::new(q)))
                } else {
                    Ok(Embedding::Dense(q.dequantize(&Device::Cpu)?))
                }
            }
            Self::Safetensors { .. } => Ok(Embedding::Dense(self.dense(name, &[vocab, hidden])?)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::gguf_name;

    #[test]
    fn hugging_face_names_map_to_llama_cpp_names() {
        assert_eq!(gguf_name("model.embed_tokens.weight"), "token_embd.weight");
        assert_eq!(
            gguf_name("model.layers.11.self_attn.q_proj.bias"),
            "blk.11.attn_q.bias"
        );
        assert_eq!(
            gguf_name("model.layers.0.post_attention_layernorm.weight"),
            "blk.0.ffn_norm.weight"
        );
        assert_eq!(gguf_name("lm_head.weight"), "output.weight");
    }
}
