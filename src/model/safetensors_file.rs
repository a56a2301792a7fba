//! Reading a `.safetensors` file one tensor at a time with positioned reads straight into the
//! tensor's own buffer. Candle's memory-mapped loader copies every tensor out of the map, so the
//! mapped pages only add to the resident size while loading; reading keeps the peak at the
//! weights plus one small buffer. The header is checked against the file
//! length up front, so a truncated file is reported before anything loads. Large f32 tensors
//! are read into memory advised to use huge pages: every decoding step streams all the
//! weights, and huge pages spare most of the TLB misses.

use std::collections::HashMap;
use std::fs::File;
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};
use candle_core::{DType, Device, Shape, Tensor};
use candle_nn::var_builder::SimpleBackend;
use serde::Deserialize;

#[derive(Debug, Clone, Deserialize)]
struct Entry {
    dtype: String,
    shape: Vec<usize>,
    data_offsets: (u64, u64),
}

/// An open safetensors file and its tensor index.
pub struct SafetensorsFile {
    file: File,
    path: PathBuf,
    data_start: u64,
    entries: HashMap<String, Entry>,
}

fn element_size(dtype: &str) -> Option<usize> {
    match dtype {
        "F64" => Some(8),
        "F32" => Some(4),
        "F16" | "BF16" => Some(2),
        _ => None,
    }
}

impl SafetensorsFile {
    /// Open `path` and check its header against the file length.
    pub fn open(path: &Path) -> Result<Self> {
        let file = File::open(path).with_context(|| format!("cannot open {}", path.display()))?;
        let len = file.metadata()?.len();
        let mut head = [0u8; 8];
        file.read_exact_at(&mut head, 0)
            .context("file too short for a safetensors header")?;
        let header_len = u64::from_le_bytes(head);
        if header_len > len.saturating_sub(8) || header_len > 100 << 20 {
            bail!("header length {header_len} does not fit in a {len}-byte file");
        }
        let mut header = vec![0u8; header_len as usize];
        file.read_exact_at(&mut header, 8)?;
        let raw: HashMap<String, serde_json::Value> =
            serde_json::from_slice(&header).context("safetensors header is not valid JSON")?;
        let data_start = 8 + header_len;
        let mut entries = HashMap::new();
        for (name, value) in raw {
            if name == "__metadata__" {
                continue;
            }
            let entry: Entry = serde_json::from_value(value)
                .with_context(|| format!("bad header entry for {name}"))?;
            let (begin, end) = entry.data_offsets;
            let elements: usize = entry.shape.iter().product();
            let expected = element_size(&entry.dtype).map(|s| (s * elements) as u64);
            if end < begin || data_start + end > len {
                bail!("tensor {name} lies beyond the end of the file: the file is truncated");
            }
            if let Some(size) = expected {
                if end - begin != size {
                    bail!(
                        "tensor {name}: {} bytes for shape {:?}",
                        end - begin,
                        entry.shape
                    );
                }
            }
            entries.insert(name, entry);
        }
        Ok(Self {
            file,
            path: path.to_path_buf(),
            data_start,
            entries,
        })
    }

    /// The names of the tensors in the file.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.entries.keys().map(String::as_str)
    }

    /// Read one tensor as `dtype`.
    fn read(&self, name: &str, dtype: DType, device: &Device) -> Result<Tensor> {
        let entry = self
            .entries
            .get(name)
            .with_context(|| format!("cannot find tensor {name} in {}", self.path.display()))?;
        let offset = self.data_start + entry.data_offsets.0;
        let bytes = (entry.data_offsets.1 - entry.data_offsets.0) as usize;
        let tensor = match entry.dtype.as_str() {
            "F32" if cfg!(target_endian = "little") => {
                let mut values = vec![0f32; bytes / 4];
                advise_huge_pages(&mut values);
                // SAFETY: the byte view covers exactly the Vec's initialised f32 storage, and every
                // bit pattern is a valid f32; the file stores little-endian f32 like this target.
                let view = unsafe {
                    std::slice::from_raw_parts_mut(values.as_mut_ptr().cast::<u8>(), bytes)
                };
                self.file.read_exact_at(view, offset)?;
                Tensor::from_vec(values, entry.shape.as_slice(), device)?
            }
            other => {
                let source: DType = other
                    .to_lowercase()
                    .parse()
                    .map_err(|_| anyhow::anyhow!("tensor {name} has unsupported dtype {other}"))?;
                let mut raw = vec![0u8; bytes];
                self.file.read_exact_at(&mut raw, offset)?;
                Tensor::from_raw_buffer(&raw, source, &entry.shape, device)?
            }
        };
        Ok(tensor.to_dtype(dtype)?)
    }
}

/// Ask the kernel to back the 2 MiB-aligned stretches of a fresh, untouched buffer with huge
/// pages (where transparent huge pages are enabled for advised memory). Advice only: a
/// failure, or a buffer already touched, changes nothing but speed.
fn advise_huge_pages(buffer: &mut [f32]) {
    const PAGE: usize = 4096;
    const HUGE_PAGE: usize = 2 << 20;
    let start = buffer.as_mut_ptr() as usize;
    let end = start + std::mem::size_of_val(buffer);
    let first = start.next_multiple_of(PAGE);
    let len = end.saturating_sub(first) / PAGE * PAGE;
    if len >= HUGE_PAGE {
        // SAFETY: the range lies inside `buffer`, which we hold mutably; MADV_HUGEPAGE only
        // changes how the kernel backs those pages, never their contents.
        unsafe { libc::madvise(first as *mut libc::c_void, len, libc::MADV_HUGEPAGE) };
    }
}

fn to_candle(e: anyhow::Error) -> candle_core::Error {
    candle_core::Error::Msg(format!("{e:#}"))
}

impl SimpleBackend for SafetensorsFile {
    fn get(
        &self,
        s: Shape,
        name: &str,
        _: candle_nn::Init,
        dtype: DType,
        dev: &Device,
    ) -> candle_core::Result<Tensor> {
        let tensor = self.read(name, dtype, dev).map_err(to_candle)?;
        if tensor.shape() != &s {
            return Err(candle_core::Error::UnexpectedShape {
                msg: format!("shape mismatch for {name}"),
                expected: s,
                got: tensor.shape().clone(),
            });
        }
        Ok(tensor)
    }

    fn get_unchecked(&self, name: &str, dtype: DType, dev: &Device) -> candle_core::Result<Tensor> {
        self.read(name, dtype, dev).map_err(to_candle)
    }

    fn contains_tensor(&self, name: &str) -> bool {
        self.entries.contains_key(name)
    }
}
