//! A quantized `[rows, cols]` weight matrix kept as the GGUF file's blocks (one copy, read
//! straight from the file), and what the decoder does with it: look up rows (token
//! embeddings) and multiply activations by its transpose (linear layers, the LM head).
//!
//! Candle's quantized product quantizes the activations too and, on x86 for rows that are not
//! a multiple of 256 values, runs one 256-bit dot product per weight row; it also waits for
//! its worker threads by spinning, which on a busy machine burns whole time slices. Here:
//! - a few activation rows (generation): every weight block is dequantized once into a
//!   buffer that stays in L1 and multiplied into all rows, with the vector width the CPU has
//!   (AVX-512, else AVX2/FMA), the weight rows split across rayon's threads;
//! - many rows (a prompt): the matrix is dequantized to f32 in parallel and multiplied by
//!   candle's gemm, which reuses each weight many times.
//!
//! Activations are never quantized, so the products are those of the dequantized weights.

use anyhow::{bail, Result};
use candle_core::{Device, Tensor};
use rayon::prelude::*;

use super::blocks::{BlockFormat, Format, Q4K, Q4_0, Q5K, Q5_0, Q6K, Q8_0};
use crate::model::row_product::{f32_slice, from_columns, MAX_ROWS, PARALLEL_MIN_WORK};

/// A quantized matrix in GGUF block form.
#[derive(Debug)]
pub struct BlockMatrix {
    format: Format,
    rows: usize,
    cols: usize,
    bytes: Vec<u8>,
}

/// Calls `$body` with `$B` bound to the block type of `$format`.
macro_rules! with_format {
    ($format:expr, $B:ident => $body:expr) => {
        match $format {
            Format::Q4_0 => {
                type $B = Q4_0;
                $body
            }
            Format::Q5_0 => {
                type $B = Q5_0;
                $body
            }
            Format::Q8_0 => {
                type $B = Q8_0;
                $body
            }
            Format::Q4K => {
                type $B = Q4K;
                $body
            }
            Format::Q5K => {
                type $B = Q5K;
                $body
            }
            Format::Q6K => {
                type $B = Q6K;
                $body
            }
        }
    };
}

impl BlockMatrix {
    /// A matrix from its blocks, checked to hold exactly `rows * cols` values in whole blocks
    /// per row.
    pub fn new(format: Format, rows: usize, cols: usize, bytes: Vec<u8>) -> Result<Self> {
        let (values, block_bytes) = format.block();
        if !cols.is_multiple_of(values) {
            bail!("rows of {cols} values are not whole {format:?} blocks of {values}");
        }
        let expected = rows
            .checked_mul(cols / values * block_bytes)
            .filter(|&n| n == bytes.len());
        if expected.is_none() {
            bail!(
                "{} bytes do not hold {rows} x {cols} {format:?} values",
                bytes.len()
            );
        }
        Ok(Self {
            format,
            rows,
            cols,
            bytes,
        })
    }

    /// `(rows, cols)`.
    pub fn dims(&self) -> (usize, usize) {
        (self.rows, self.cols)
    }

    fn row_bytes(&self) -> usize {
        let (values, bytes) = self.format.block();
        self.cols / values * bytes
    }

    /// The rows `ids` as f32, `[ids, cols]`; an id out of range is an error.
    pub fn rows(&self, ids: &[u32]) -> Result<Tensor> {
        let row_bytes = self.row_bytes();
        let mut out = vec![0f32; ids.len() * self.cols];
        for (&id, y) in ids.iter().zip(out.chunks_exact_mut(self.cols)) {
            let id = id as usize;
            if id >= self.rows {
                bail!("row {id} is outside the matrix of {} rows", self.rows);
            }
            let row = &self.bytes[id * row_bytes..(id + 1) * row_bytes];
            with_format!(self.format, B => dequantize_row::<B>(row, y));
        }
        Ok(Tensor::from_vec(out, (ids.len(), self.cols), &Device::Cpu)?)
    }

    /// The whole matrix as f32 `[rows, cols]`, dequantized on rayon's threads.
    pub fn dequantize(&self) -> Result<Tensor> {
        let row_bytes = self.row_bytes();
        let mut out = vec![0f32; self.rows * self.cols];
        let rows_per_task = (self.rows / (rayon::current_num_threads() * 8)).max(1);
        out.par_chunks_mut(rows_per_task * self.cols)
            .zip(self.bytes.par_chunks(rows_per_task * row_bytes))
            .for_each(|(y, bytes)| {
                for (y, row) in y
                    .chunks_exact_mut(self.cols)
                    .zip(bytes.chunks_exact(row_bytes))
                {
                    with_format!(self.format, B => dequantize_row::<B>(row, y));
                }
            });
        Ok(Tensor::from_vec(out, (self.rows, self.cols), &Device::Cpu)?)
    }

    /// `x [m, cols]` times this matrix transposed: `[m, rows]`.
    pub fn forward(&self, x: &Tensor) -> Result<Tensor> {
        let (m, k) = x.dims2()?;
        if k != self.cols {
            bail!("input of {k} values for a matrix of {} columns", self.cols);
        }
        if m > MAX_ROWS {
            return Ok(x.matmul(&self.dequantize()?.t()?)?);
        }
        let x = x.contiguous()?;
        let (storage, layout) = x.storage_and_layout();
        let Some(xs) = f32_slice(&storage, layout) else {
            bail!("the input of a quantized product must be f32 on the CPU");
        };
        let n = self.rows;
        let row_bytes = self.row_bytes();
        // Column-major while computing, so that each task owns a contiguous block.
        let mut by_column = vec![0f32; n * m];
        if m * n * k < PARALLEL_MIN_WORK {
            self.columns_block(xs, &self.bytes, &mut by_column);
        } else {
            let chunk = (n / (rayon::current_num_threads() * 8)).max(16);
            by_column
                .par_chunks_mut(chunk * m)
                .zip(self.bytes.par_chunks(chunk * row_bytes))
                .for_each(|(cells, rows)| self.columns_block(xs, rows, cells));
        }
        from_columns(by_column, m, n)
    }

    /// Products of every row of `x` with each matrix row in `rows` (bytes), into `cells`
    /// (column-major), with the widest vector build the CPU runs.
    fn columns_block(&self, x: &[f32], rows: &[u8], cells: &mut [f32]) {
        let k = self.cols;
        with_format!(self.format, B => {
            #[cfg(target_arch = "x86_64")]
            {
                if is_x86_feature_detected!("avx512f")
                    && is_x86_feature_detected!("avx512bw")
                    && is_x86_feature_detected!("avx512vl")
                    && is_x86_feature_detected!("avx2")
                    && is_x86_feature_detected!("fma")
                {
                    // SAFETY: the CPU supports the features the function is compiled for.
                    unsafe { columns_avx512::<B>(x, rows, k, cells) };
                    return;
                }
                if is_x86_feature_detected!("avx2") && is_x86_feature_detected!("fma") {
                    // SAFETY: as above.
                    unsafe { columns_avx2::<B>(x, rows, k, cells) };
                    return;
                }
            }
            columns::<B, false>(x, rows, k, cells)
        })
    }
}

#[inline(always)]
fn dequantize_row<B: BlockFormat>(row: &[u8], y: &mut [f32]) {
    for (block, y) in row
        .chunks_exact(B::BYTES)
        .zip(y.chunks_exact_mut(B::VALUES))
    {
        B::dequantize(block, y);
    }
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f,avx512bw,avx512vl,avx2,fma")]
unsafe fn columns_avx512<B: BlockFormat>(x: &[f32], rows: &[u8], k: usize, cells: &mut [f32]) {
    columns::<B, true>(x, rows, k, cells);
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
unsafe fn columns_avx2<B: BlockFormat>(x: &[f32], rows: &[u8], k: usize, cells: &mut [f32]) {
    columns::<B, true>(x, rows, k, cells);
}

/// The block product; `FMA` says whether fused multiply-adds are instructions here rather
/// than a library call.
#[inline(always)]
fn columns<B: BlockFormat, const FMA: bool>(x: &[f32], rows: &[u8], k: usize, cells: &mut [f32]) {
    let m = x.len() / k;
    let row_bytes = k / B::VALUES * B::BYTES;
    for (row, column) in rows.chunks_exact(row_bytes).zip(cells.chunks_exact_mut(m)) {
        let mut done = 0;
        while done < m {
            done += match m - done {
                1 => dots::<B, 1, FMA>(&x[done * k..], row, k, &mut column[done..]),
                2 | 3 => dots::<B, 2, FMA>(&x[done * k..], row, k, &mut column[done..]),
                _ => dots::<B, 4, FMA>(&x[done * k..], row, k, &mut column[done..]),
            };
        }
    }
}

/// The dot products of the first `R` rows of `x` (`k` values each) with one quantized row,
/// into `out[..R]`; returns `R`. Each block is dequantized once for all `R` rows.
#[inline(always)]
fn dots<B: BlockFormat, const R: usize, const FMA: bool>(
    x: &[f32],
    row: &[u8],
    k: usize,
    out: &mut [f32],
) -> usize {
    const LANES: usize = 16;
    let inputs: [&[f32]; R] = std::array::from_fn(|r| &x[r * k..(r + 1) * k]);
    let mut lanes = [[0f32; LANES]; R];
    let mut buf = [0f32; 256];
    let buf = &mut buf[..B::VALUES];
    for (b, block) in row.chunks_exact(B::BYTES).enumerate() {
        B::dequantize(block, buf);
        for (acc, input) in lanes.iter_mut().zip(&inputs) {
            let xb = &input[b * B::VALUES..(b + 1) * B::VALUES];
            for (wc, xc) in buf.chunks_exact(LANES).zip(xb.chunks_exact(LANES)) {
                for l in 0..LANES {
                    acc[l] = if FMA {
                        xc[l].mul_add(wc[l], acc[l])
                    } else {
                        acc[l] + xc[l] * wc[l]
                    };
                }
            }
        }
    }
    for (cell, acc) in out.iter_mut().zip(&lanes) {
        *cell = acc.iter().sum();
    }
    R
}

#[cfg(test)]
mod tests {
    use candle_core::quantized::{GgmlDType, QTensor};

    use super::*;
    use crate::model::row_product::tests::max_diff;

    fn matrix(dtype: GgmlDType, rows: usize, cols: usize) -> (BlockMatrix, Tensor) {
        let t = Tensor::randn(0f32, 1.0, (rows, cols), &Device::Cpu).unwrap();
        let q = QTensor::quantize(&t, dtype).unwrap();
        let m = BlockMatrix::new(
            Format::of(dtype).unwrap(),
            rows,
            cols,
            q.data().unwrap().into_owned(),
        )
        .unwrap();
        (m, q.dequantize(&Device::Cpu).unwrap())
    }

    #[test]
    fn products_match_the_dequantized_matmul_for_every_row_count() {
        // 3,000 rows span several parallel tasks; 1 to 5 input rows take every kernel width,
        // 12 rows the dequantize-and-gemm path.
        for dtype in [
            GgmlDType::Q8_0,
            GgmlDType::Q5_0,
            GgmlDType::Q4K,
            GgmlDType::Q6K,
        ] {
            let (m, dense) = matrix(dtype, 3000, 512);
            for rows in [1, 2, 3, 5, 12] {
                let x = Tensor::randn(0f32, 1.0, (rows, 512), &Device::Cpu).unwrap();
                let want = x.matmul(&dense.t().unwrap()).unwrap();
                let got = m.forward(&x).unwrap();
                assert_eq!(got.dims(), [rows, 3000]);
                let diff = max_diff(&got, &want);
                assert!(diff < 1e-3, "{dtype:?} x {rows} rows: {diff}");
            }
        }
    }

    #[test]
    fn row_lookups_are_the_dequantized_rows() {
        let (m, dense) = matrix(GgmlDType::Q5K, 40, 256);
        let got = m.rows(&[7, 0, 39]).unwrap();
        let want = dense
            .index_select(&Tensor::new(&[7u32, 0, 39], &Device::Cpu).unwrap(), 0)
            .unwrap();
        assert_eq!(max_diff(&got, &want), 0.0);
        assert!(m.rows(&[40]).is_err());
    }

    #[test]
    fn byte_counts_that_do_not_fit_the_shape_are_errors() {
        assert!(BlockMatrix::new(Format::Q8_0, 2, 32, vec![0; 68]).is_ok());
        assert!(BlockMatrix::new(Format::Q8_0, 2, 32, vec![0; 67]).is_err());
        assert!(BlockMatrix::new(Format::Q8_0, 2, 48, vec![0; 102]).is_err());
        assert!(BlockMatrix::new(Format::Q4K, usize::MAX, 256, vec![0; 144]).is_err());
    }
}
