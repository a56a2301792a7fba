//! The GGUF block formats the causal runtime multiplies by itself, and their dequantization:
//! the byte layouts of ggml's Q4_0, Q5_0, Q8_0 (32 values a block) and the Q4_K, Q5_K, Q6_K
//! k-quants (256 values a block), as llama.cpp's `ggml-common.h` declares them. A block is
//! turned back into f32 values in a small buffer right before use, so the weights stay in the
//! file's compact form in memory.
//!
//! Every function here is `#[inline(always)]` so that it is compiled into the vector-feature
//! builds of the products in [`super::block_matrix`].

use candle_core::quantized::GgmlDType;

/// One GGUF block format.
pub trait BlockFormat {
    /// Values per block.
    const VALUES: usize;
    /// Bytes per block.
    const BYTES: usize;
    /// Write the block's `VALUES` values into `out`.
    fn dequantize(block: &[u8], out: &mut [f32]);
}

/// The formats with a kernel here.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Q4_0,
    Q5_0,
    Q8_0,
    Q4K,
    Q5K,
    Q6K,
}

impl Format {
    /// The format of a ggml type, if it has a kernel here.
    pub fn of(dtype: GgmlDType) -> Option<Self> {
        Some(match dtype {
            GgmlDType::Q4_0 => Self::Q4_0,
            GgmlDType::Q5_0 => Self::Q5_0,
            GgmlDType::Q8_0 => Self::Q8_0,
            GgmlDType::Q4K => Self::Q4K,
            GgmlDType::Q5K => Self::Q5K,
            GgmlDType::Q6K => Self::Q6K,
            _ => return None,
        })
    }

    /// (values, bytes) per block.
    pub fn block(self) -> (usize, usize) {
        match self {
            Self::Q4_0 => (Q4_0::VALUES, Q4_0::BYTES),
            Self::Q5_0 => (Q5_0::VALUES, Q5_0::BYTES),
            Self::Q8_0 => (Q8_0::VALUES, Q8_0::BYTES),
            Self::Q4K => (Q4K::VALUES, Q4K::BYTES),
            Self::Q5K => (Q5K::VALUES, Q5K::BYTES),
            Self::Q6K => (Q6K::VALUES, Q6K::BYTES),
        }
    }
}

#[inline(always)]
fn f16_at(bytes: &[u8], at: usize) -> f32 {
    half::f16::from_bits(u16::from_le_bytes([bytes[at], bytes[at + 1]])).to_f32_const()
}

/// `d: f16, qs: [u8; 16]`: value `j` is `d * (nibble - 8)`, low nibbles first.
pub struct Q4_0;

impl BlockFormat for Q4_0 {
    const VALUES: usize = 32;
    const BYTES: usize = 18;
    #[inline(always)]
    fn dequantize(block: &[u8], out: &mut [f32]) {
        let d = f16_at(block, 0);
        let qs = &block[2..18];
        let (lo, hi) = out[..32].split_at_mut(16);
        for j in 0..16 {
            lo[j] = d * ((qs[j] & 0x0f) as i32 - 8) as f32;
            hi[j] = d * ((qs[j] >> 4) as i32 - 8) as f32;
        }
    }
}

/// `d: f16, qh: u32, qs: [u8; 16]`: 5-bit values (the fifth bit from `qh`) minus 16.
pub struct Q5_0;

impl BlockFormat for Q5_0 {
    const VALUES: usize = 32;
    const BYTES: usize = 22;
    #[inline(always)]
    fn dequantize(block: &[u8], out: &mut [f32]) {
        let d = f16_at(block, 0);
        let qh = u32::from_le_bytes([block[2], block[3], block[4], block[5]]);
        let qs = &block[6..22];
        let (lo, hi) = out[..32].split_at_mut(16);
        for j in 0..16 {
            let h0 = ((qh >> j) << 4) & 0x10;
            let h1 = (qh >> (j + 12)) & 0x10;
            lo[j] = d * ((((qs[j] & 0x0f) as u32) | h0) as i32 - 16) as f32;
            hi[j] = d * ((((qs[j] >> 4) as u32) | h1) as i32 - 16) as f32;
        }
    }
}

/// `d: f16, qs: [i8; 32]`: value `j` is `d * qs[j]`.
pub struct Q8_0;

impl BlockFormat for Q8_0 {
    const VALUES: usize = 32;
    const BYTES: usize = 34;
    #[inline(always)]
    fn dequantize(block: &[u8], out: &mut [f32]) {
        let d = f16_at(block, 0);
        for (o, &q) in out[..32].iter_mut().zip(&block[2..34]) {
            *o = d * (q as i8) as f32;
        }
    }
}

/// Scale and minimum of sub-block `j` from the 12 packed 6-bit fields of Q4_K and Q5_K.
#[inline(always)]
fn scale_min_k4(j: usize, s: &[u8]) -> (f32, f32) {
    if j < 4 {
        ((s[j] & 63) as f32, (s[j + 4] & 63) as f32)
    } else {
        (
            ((s[j + 4] & 0x0f) | ((s[j - 4] >> 6) << 4)) as f32,
            ((s[j + 4] >> 4) | ((s[j] >> 6) << 4)) as f32,
        )
    }
}

/// Multiplier and offset of the two sub-blocks (low and high nibbles) of 64-value chunk
/// `chunk` in Q4_K and Q5_K.
#[inline(always)]
fn sub_block_pair(chunk: usize, scales: &[u8], d: f32, dmin: f32) -> [(f32, f32); 2] {
    [2 * chunk, 2 * chunk + 1].map(|j| {
        let (scale, min) = scale_min_k4(j, scales);
        (d * scale, dmin * min)
    })
}

/// `d: f16, dmin: f16, scales: [u8; 12], qs: [u8; 128]`: eight sub-blocks of 32 4-bit values,
/// each `d * scale * q - dmin * min`.
pub struct Q4K;

impl BlockFormat for Q4K {
    const VALUES: usize = 256;
    const BYTES: usize = 144;
    #[inline(always)]
    fn dequantize(block: &[u8], out: &mut [f32]) {
        let (d, dmin) = (f16_at(block, 0), f16_at(block, 2));
        let scales = &block[4..16];
        let qs = &block[16..144];
        for (chunk, (q, y)) in qs
            .chunks_exact(32)
            .zip(out[..256].chunks_exact_mut(64))
            .enumerate()
        {
            let [(d1, m1), (d2, m2)] = sub_block_pair(chunk, scales, d, dmin);
            let (lo, hi) = y.split_at_mut(32);
            for l in 0..32 {
                lo[l] = d1 * (q[l] & 0x0f) as f32 - m1;
                hi[l] = d2 * (q[l] >> 4) as f32 - m2;
            }
        }
    }
}

/// `d: f16, dmin: f16, scales: [u8; 12], qh: [u8; 32], qs: [u8; 128]`: like Q4_K with a fifth
/// bit per value from `qh`.
pub struct Q5K;

impl BlockFormat for Q5K {
    const VALUES: usize = 256;
    const BYTES: usize = 176;
    #[inline(always)]
    fn dequantize(block: &[u8], out: &mut [f32]) {
        let (d, dmin) = (f16_at(block, 0), f16_at(block, 2));
        let scales = &block[4..16];
        let qh = &block[16..48];
        let qs = &block[48..176];
        for (chunk, (q, y)) in qs
            .chunks_exact(32)
            .zip(out[..256].chunks_exact_mut(64))
            .enumerate()
        {
            let [(d1, m1), (d2, m2)] = sub_block_pair(chunk, scales, d, dmin);
            let (u1, u2) = (1u8 << (2 * chunk), 2u8 << (2 * chunk));
            let (lo, hi) = y.split_at_mut(32);
            for l in 0..32 {
                let b1 = if qh[l] & u1 != 0 { 16 } else { 0 };
                let b2 = if qh[l] & u2 != 0 { 16 } else { 0 };
                lo[l] = d1 * ((q[l] & 0x0f) + b1) as f32 - m1;
                hi[l] = d2 * ((q[l] >> 4) + b2) as f32 - m2;
            }
        }
    }
}

/// `ql: [u8; 128], qh: [u8; 64], scales: [i8; 16], d: f16`: sixteen sub-blocks of 16 6-bit
/// values minus 32, each scaled by `d * scale`.
pub struct Q6K;

impl BlockFormat for Q6K {
    const VALUES: usize = 256;
    const BYTES: usize = 210;
    #[inline(always)]
    fn dequantize(block: &[u8], out: &mut [f32]) {
        let d = f16_at(block, 208);
        for half in 0..2 {
            let ql = &block[64 * half..64 * half + 64];
            let qh = &block[128 + 32 * half..128 + 32 * half + 32];
            let sc = &block[192 + 8 * half..192 + 8 * half + 8];
            let y = &mut out[128 * half..128 * half + 128];
            for l in 0..32 {
                let is = l / 16;
                let q1 = ((ql[l] & 0x0f) | (qh[l] & 3) << 4) as i32 - 32;
                let q2 = ((ql[l + 32] & 0x0f) | ((qh[l] >> 2) & 3) << 4) as i32 - 32;
                let q3 = ((ql[l] >> 4) | ((qh[l] >> 4) & 3) << 4) as i32 - 32;
                let q4 = ((ql[l + 32] >> 4) | ((qh[l] >> 6) & 3) << 4) as i32 - 32;
                y[l] = d * (sc[is] as i8) as f32 * q1 as f32;
                y[l + 32] = d * (sc[is + 2] as i8) as f32 * q2 as f32;
                y[l + 64] = d * (sc[is + 4] as i8) as f32 * q3 as f32;
                y[l + 96] = d * (sc[is + 6] as i8) as f32 * q4 as f32;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use candle_core::quantized::QTensor;
    use candle_core::{Device, Tensor};

    use super::*;

    fn dequantize_all<B: BlockFormat>(bytes: &[u8]) -> Vec<f32> {
        let mut out = vec![0f32; bytes.len() / B::BYTES * B::VALUES];
        for (block, y) in bytes
            .chunks_exact(B::BYTES)
            .zip(out.chunks_exact_mut(B::VALUES))
        {
            B::dequantize(block, y);
        }
        out
    }

    /// Quantize with candle, then dequantize the raw bytes here and with candle: the values
    /// must be the same.
    fn agrees_with_candle<B: BlockFormat>(dtype: GgmlDType) {
        let t = Tensor::randn(0f32, 1.0, (4, 512), &Device::Cpu).unwrap();
        let q = QTensor::quantize(&t, dtype).unwrap();
        assert_eq!(Format::of(dtype).unwrap().block(), (B::VALUES, B::BYTES));
        assert_eq!(q.data().unwrap().len(), 4 * 512 / B::VALUES * B::BYTES);
        let ours = dequantize_all::<B>(&q.data().unwrap());
        let theirs: Vec<f32> = q
            .dequantize(&Device::Cpu)
            .unwrap()
            .flatten_all()
            .unwrap()
            .to_vec1()
            .unwrap();
        let worst = ours
            .iter()
            .zip(&theirs)
            .map(|(a, b)| (a - b).abs())
            .fold(0f32, f32::max);
        assert!(worst <= 1e-6, "{dtype:?}: differs from candle by {worst}");
        // Not all zeros: the comparison saw real values.
        assert!(ours.iter().any(|v| v.abs() > 0.1), "{dtype:?}");
    }

    #[test]
    fn every_format_dequantizes_as_candle_does() {
        agrees_with_candle::<Q4_0>(GgmlDType::Q4_0);
        agrees_with_candle::<Q5_0>(GgmlDType::Q5_0);
        agrees_with_candle::<Q8_0>(GgmlDType::Q8_0);
        agrees_with_candle::<Q4K>(GgmlDType::Q4K);
        agrees_with_candle::<Q5K>(GgmlDType::Q5K);
        agrees_with_candle::<Q6K>(GgmlDType::Q6K);
    }

    #[test]
    fn other_types_have_no_kernel_here() {
        assert_eq!(Format::of(GgmlDType::F32), None);
        assert_eq!(Format::of(GgmlDType::Q2K), None);
    }
}
