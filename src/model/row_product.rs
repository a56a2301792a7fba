//! The matrix products of a decoding step: a few rows (one per beam) times a weight stored
//! `[out, in]`, the layout of linear layers and of the tied LM head. Candle's gemm runs a
//! one-row product on one thread, and its transposed-operand path is slow for the 51,627-row
//! LM head; here every weight row is read once for all input rows, the output columns are split
//! across rayon's threads, and the dot products use AVX2/FMA where the CPU has them. The result
//! carries no gradient: this is for inference only.

use anyhow::Result;
use candle_core::{CpuStorage, Layout, Storage, Tensor};
use rayon::prelude::*;

/// Products with more input rows than this are left to candle's gemm, which does well there.
pub const MAX_ROWS: usize = 8;

/// Below this many multiply-adds a product runs on the calling thread: handing it to the
/// thread pool would cost more than it saves (small models, or several predictions at once).
pub(crate) const PARALLEL_MIN_WORK: usize = 1 << 18;

/// Output columns per parallel task, for `threads` threads: enough tasks to balance the load on
/// a busy machine, never so small that scheduling costs show.
fn columns_per_task(columns: usize, threads: usize) -> usize {
    (columns / (threads.max(1) * 8)).max(32)
}

/// `x [m, k]` times `weight [n, k]` transposed, plus `bias [n]` when given: `[m, n]`.
/// `None` when the operands are not contiguous f32 CPU tensors of at most [`MAX_ROWS`] rows
/// (the caller then uses candle's matmul).
pub fn rows_times_transposed(
    x: &Tensor,
    weight: &Tensor,
    bias: Option<&Tensor>,
) -> Result<Option<Tensor>> {
    let (m, k) = x.dims2()?;
    let (n, wk) = weight.dims2()?;
    if m == 0 || m > MAX_ROWS || wk != k || bias.is_some_and(|b| b.dims() != [n]) {
        return Ok(None);
    }
    let (x_storage, x_layout) = x.storage_and_layout();
    let (w_storage, w_layout) = weight.storage_and_layout();
    let b_guard = bias.map(Tensor::storage_and_layout);
    let (Some(xs), Some(ws)) = (
        f32_slice(&x_storage, x_layout),
        f32_slice(&w_storage, w_layout),
    ) else {
        return Ok(None);
    };
    let bs = match &b_guard {
        Some((storage, layout)) => match f32_slice(storage, layout) {
            Some(slice) => Some(slice),
            None => return Ok(None),
        },
        None => None,
    };
    // Column-major while computing, so that each task owns a contiguous block.
    let mut by_column = vec![0f32; n * m];
    if m * n * k < PARALLEL_MIN_WORK {
        columns_block(xs, ws, bs, k, &mut by_column);
    } else {
        let chunk = columns_per_task(n, rayon::current_num_threads());
        by_column
            .par_chunks_mut(chunk * m)
            .enumerate()
            .for_each(|(task, cells)| {
                let first = task * chunk;
                let columns = cells.len() / m;
                let rows = &ws[first * k..(first + columns) * k];
                let bias = bs.map(|b| &b[first..first + columns]);
                columns_block(xs, rows, bias, k, cells);
            });
    }
    Ok(Some(from_columns(by_column, m, n)?))
}

/// The `[m, n]` CPU tensor of products computed column-major (`n` columns of `m` cells).
pub(crate) fn from_columns(by_column: Vec<f32>, m: usize, n: usize) -> Result<Tensor> {
    let values = if m == 1 {
        by_column
    } else {
        (0..m)
            .flat_map(|i| by_column.iter().skip(i).step_by(m).copied())
            .collect()
    };
    Ok(Tensor::from_vec(values, (m, n), &candle_core::Device::Cpu)?)
}

/// The contiguous f32 values of a CPU tensor, if it is one.
pub(crate) fn f32_slice<'a>(storage: &'a Storage, layout: &Layout) -> Option<&'a [f32]> {
    let Storage::Cpu(CpuStorage::F32(values)) = storage else {
        return None;
    };
    let (start, end) = layout.contiguous_offsets()?;
    values.get(start..end)
}

/// The dot product of two equally long slices, with the vectorised kernel of the products.
pub(crate) fn dot(a: &[f32], b: &[f32]) -> f32 {
    if a.is_empty() || a.len() != b.len() {
        return a.iter().zip(b).map(|(p, q)| p * q).sum();
    }
    let mut out = [0f32];
    columns_block(a, b, None, a.len(), &mut out);
    out[0]
}

/// Fill `cells` (column-major, one column per row of `rows`) with the products of every row
/// of `x` and each weight row, dispatching to the AVX2/FMA build where the CPU supports it.
fn columns_block(x: &[f32], rows: &[f32], bias: Option<&[f32]>, k: usize, cells: &mut [f32]) {
    #[cfg(target_arch = "x86_64")]
    if is_x86_feature_detected!("avx2") && is_x86_feature_detected!("fma") {
        // SAFETY: the CPU supports the features the function is compiled for.
        unsafe { columns_block_avx2(x, rows, bias, k, cells) };
        return;
    }
    columns_block_generic::<false>(x, rows, bias, k, cells);
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
unsafe fn columns_block_avx2(
    x: &[f32],
    rows: &[f32],
    bias: Option<&[f32]>,
    k: usize,
    cells: &mut [f32],
) {
    columns_block_generic::<true>(x, rows, bias, k, cells);
}

/// The block product; `FMA` says whether fused multiply-adds are cheap (compiled for a CPU
/// that has them) rather than a library call.
#[inline(always)]
fn columns_block_generic<const FMA: bool>(
    x: &[f32],
    rows: &[f32],
    bias: Option<&[f32]>,
    k: usize,
    cells: &mut [f32],
) {
    let m = x.len() / k;
    for (j, (row, column)) in rows
        .chunks_exact(k)
        .zip(cells.chunks_exact_mut(m))
        .enumerate()
    {
        // Up to four input rows share each load of the weight row.
        let mut done = 0;
        while done < m {
            let group = match m - done {
                1 => dots::<1, FMA>(&x[done * k..], row, &mut column[done..]),
                2 | 3 => dots::<2, FMA>(&x[done * k..], row, &mut column[done..]),
                _ => dots::<4, FMA>(&x[done * k..], row, &mut column[done..]),
            };
            done += group;
        }
        if let Some(b) = bias {
            column.iter_mut().for_each(|cell| *cell += b[j]);
        }
    }
}

/// The dot products of the first `R` rows of `x` (rows of `w.len()` values) with `w`, into
/// `out[..R]`; returns `R`. Independent lanes let the compiler keep them in vector registers.
#[inline(always)]
fn dots<const R: usize, const FMA: bool>(x: &[f32], w: &[f32], out: &mut [f32]) -> usize {
    const LANES: usize = 16;
    let k = w.len();
    let body = k - k % LANES;
    let inputs: [&[f32]; R] = std::array::from_fn(|r| &x[r * k..(r + 1) * k]);
    let mut lanes = [[0f32; LANES]; R];
    for (c, wc) in w[..body].chunks_exact(LANES).enumerate() {
        for (acc, input) in lanes.iter_mut().zip(&inputs) {
            let xc = &input[c * LANES..(c + 1) * LANES];
            for l in 0..LANES {
                acc[l] = if FMA {
                    xc[l].mul_add(wc[l], acc[l])
                } else {
                    acc[l] + xc[l] * wc[l]
                };
            }
        }
    }
    for ((cell, acc), input) in out.iter_mut().zip(&lanes).zip(&inputs) {
        let tail: f32 = input[body..]
            .iter()
            .zip(&w[body..])
            .map(|(p, q)| p * q)
            .sum();
        *cell = acc.iter().sum::<f32>() + tail;
    }
    R
}

#[cfg(test)]
pub(crate) mod tests {
    use candle_core::{DType, Device};

    use super::*;

    fn reference(x: &Tensor, w: &Tensor, b: Option<&Tensor>) -> Tensor {
        let y = x.matmul(&w.t().unwrap()).unwrap();
        match b {
            Some(b) => y.broadcast_add(b).unwrap(),
            None => y,
        }
    }

    /// The largest absolute difference between two tensors of one shape.
    pub(crate) fn max_diff(a: &Tensor, b: &Tensor) -> f32 {
        (a - b)
            .unwrap()
            .abs()
            .unwrap()
            .max_all()
            .unwrap()
            .to_scalar()
            .unwrap()
    }

    #[test]
    fn matches_candle_matmul_for_every_small_row_count() {
        let dev = Device::Cpu;
        // 77 is not a multiple of the lane count; 3000 columns span several parallel tasks,
        // while one row stays under the parallel threshold.
        let (k, n) = (77, 3000);
        assert!(k * n < PARALLEL_MIN_WORK && 2 * k * n > PARALLEL_MIN_WORK);
        let w = Tensor::randn(0f32, 1.0, (n, k), &dev).unwrap();
        let b = Tensor::randn(0f32, 1.0, n, &dev).unwrap();
        for m in 1..=MAX_ROWS {
            let x = Tensor::randn(0f32, 1.0, (m, k), &dev).unwrap();
            for bias in [None, Some(&b)] {
                let got = rows_times_transposed(&x, &w, bias).unwrap().unwrap();
                assert_eq!(got.dims(), [m, n]);
                let diff = max_diff(&got, &reference(&x, &w, bias));
                assert!(diff < 1e-4, "m {m}: max diff {diff}");
            }
        }
    }

    #[test]
    fn dot_matches_a_plain_sum() {
        for len in [0, 1, 15, 16, 64, 77] {
            let a: Vec<f32> = (0..len).map(|i| i as f32 * 0.5 - 3.0).collect();
            let b: Vec<f32> = (0..len).map(|i| 1.0 - i as f32 * 0.25).collect();
            let plain: f32 = a.iter().zip(&b).map(|(p, q)| p * q).sum();
            assert!(
                (dot(&a, &b) - plain).abs() < 1e-3 * plain.abs().max(1.0),
                "len {len}"
            );
        }
    }

    #[test]
    fn declines_what_it_does_not_handle() {
        let dev = Device::Cpu;
        let w = Tensor::zeros((4, 6), DType::F32, &dev).unwrap();
        let many = Tensor::zeros((MAX_ROWS + 1, 6), DType::F32, &dev).unwrap();
        let wrong_k = Tensor::zeros((1, 5), DType::F32, &dev).unwrap();
        let f64_rows = Tensor::zeros((1, 6), DType::F64, &dev).unwrap();
        let strided = Tensor::zeros((6, 2), DType::F32, &dev)
            .unwrap()
            .t()
            .unwrap();
        let wrong_bias = Tensor::zeros(3, DType::F32, &dev).unwrap();
        let one = Tensor::zeros((1, 6), DType::F32, &dev).unwrap();
        assert!(rows_times_transposed(&many, &w, None).unwrap().is_none());
        assert!(rows_times_transposed(&wrong_k, &w, None).unwrap().is_none());
        assert!(rows_times_transposed(&f64_rows, &w, None)
            .unwrap()
            .is_none());
        assert!(rows_times_transposed(&strided, &w, None).unwrap().is_none());
        assert!(rows_times_transposed(&one, &w, Some(&wrong_bias))
            .unwrap()
            .is_none());
        assert!(rows_times_transposed(&one, &w, None).unwrap().is_some());
    }
}
