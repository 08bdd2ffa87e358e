//! x86-64 code, run only after detection: the row coder and entropy coder compiled a
//! second time with AVX2, BMI1/2 and LZCNT enabled (and again with AVX-512F/BW, for
//! [`avx512`]'s transform of two blocks at once), and an AVX2 MCU transform that
//! computes exactly the coefficients the portable
//! [`transform_block`](crate::dct::transform_block) computes: the same IEEE float
//! operations in the same order (no fused multiply-adds), one row a register; only the
//! level shift moves to the DC, where it is exact (see [`widen`]).
#![allow(unsafe_code)] // target-feature code and its intrinsics, run only after detection

use std::arch::x86_64::{
    __m128i, __m256, __m256i, _mm256_add_ps, _mm256_castps_si256, _mm256_castsi256_ps,
    _mm256_cmpeq_epi16, _mm256_cvtepi32_ps, _mm256_cvtepu8_epi32, _mm256_cvtps_epi32,
    _mm256_cvtss_f32, _mm256_loadu_ps, _mm256_max_epi16, _mm256_min_epi16, _mm256_movemask_epi8,
    _mm256_mul_ps, _mm256_packs_epi16, _mm256_packs_epi32, _mm256_permute2f128_si256,
    _mm256_permute4x64_epi64, _mm256_set1_epi16, _mm256_set1_ps, _mm256_setzero_si256,
    _mm256_shuffle_ps, _mm256_storeu_si256, _mm256_sub_ps, _mm256_unpackhi_ps, _mm256_unpacklo_ps,
    _mm_loadl_epi64, _mm_loadu_si128, _mm_prefetch, _mm_setr_epi8, _mm_shuffle_epi8, _MM_HINT_T0,
};
use std::ops::Range;

use crate::dct::{quantize_dc, Coefs, Quantizer, AC_MAX, C2_MINUS_C6, C2_PLUS_C6, C4, C6};
use crate::encoder::{Kernels, ReconBand, RowCoder};
use crate::huffman::{BitWriter, CodeSet, Mcu};
use crate::samples::McuSamples;

/// `dct::aan_columns` on eight registers of floats, one row a register, with the vector
/// width's add, subtract, multiply and splat: the same operations in the same order.
/// Expanded inside each kernel, so that its intrinsics inline there.
macro_rules! aan_columns {
    ($d:expr, $add:ident, $sub:ident, $mul:ident, $splat:ident) => {{
        let d = $d;
        let (add, sub, mul, k) = ($add, $sub, $mul, $splat);
        let (t0, t7) = (add(d[0], d[7]), sub(d[0], d[7]));
        let (t1, t6) = (add(d[1], d[6]), sub(d[1], d[6]));
        let (t2, t5) = (add(d[2], d[5]), sub(d[2], d[5]));
        let (t3, t4) = (add(d[3], d[4]), sub(d[3], d[4]));

        let (t10, t13) = (add(t0, t3), sub(t0, t3));
        let (t11, t12) = (add(t1, t2), sub(t1, t2));
        d[0] = add(t10, t11);
        d[4] = sub(t10, t11);
        let z1 = mul(add(t12, t13), k(C4));
        d[2] = add(t13, z1);
        d[6] = sub(t13, z1);

        let o10 = add(t4, t5);
        let o11 = add(t5, t6);
        let o12 = add(t6, t7);
        let z5 = mul(sub(o10, o12), k(C6));
        let z2 = add(mul(o10, k(C2_MINUS_C6)), z5);
        let z4 = add(mul(o12, k(C2_PLUS_C6)), z5);
        let z3 = mul(o11, k(C4));
        let z11 = add(t7, z3);
        let z13 = sub(t7, z3);
        d[5] = add(z13, z2);
        d[3] = sub(z13, z2);
        d[1] = add(z11, z4);
        d[7] = sub(z11, z4);
    }};
}

mod avx512;

/// [`AC_MAX`] as a 16-bit lane.
const AC_MAX_I16: i16 = AC_MAX as i16;

/// Whether this CPU runs AVX-512F and AVX-512BW, what the [`avx512`] kernels need besides
/// [`Avx2`]'s features.
fn avx512_detected() -> bool {
    std::is_x86_feature_detected!("avx512f") && std::is_x86_feature_detected!("avx512bw")
}

/// Proof that this CPU runs AVX2, BMI1, BMI2 and LZCNT (and whether AVX-512F/BW too, when
/// allowed): only [`Avx2::detect`] makes one.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Avx2 {
    avx512: bool,
}

impl Avx2 {
    pub(crate) fn detect() -> Option<Self> {
        let all = std::is_x86_feature_detected!("avx2")
            && std::is_x86_feature_detected!("bmi1")
            && std::is_x86_feature_detected!("bmi2")
            && std::is_x86_feature_detected!("lzcnt");
        let avx512 = avx512_detected() && softvpu_core::simd::avx512_allowed();
        all.then_some(Self { avx512 })
    }

    /// The same CPU, but transforming with AVX2 only.
    #[cfg(test)]
    pub(crate) fn without_avx512(self) -> Self {
        Self { avx512: false }
    }

    pub(crate) fn code_rows(
        self,
        coder: &RowCoder<'_, '_>,
        rows: Range<usize>,
        w: &mut BitWriter,
        out: &mut Vec<u8>,
        recon: Option<&mut ReconBand<'_>>,
    ) {
        if self.avx512 {
            // SAFETY: `avx512` is set only when AVX-512F and BW were detected (with the rest).
            return unsafe { code_rows_avx512(Avx512(()), coder, rows, w, out, recon) };
        }
        // SAFETY: `self` exists only when the features were detected.
        unsafe { code_rows(self, coder, rows, w, out, recon) }
    }
}

/// Kernels for a CPU with AVX-512F and AVX-512BW besides the rest: the two-block
/// transform, and the entropy coder fed blocks already in zigzag order.
#[derive(Clone, Copy, Debug)]
struct Avx512(());

impl Kernels for Avx512 {
    #[inline(always)]
    fn transform(self, src: &McuSamples<'_>, quant: [&Quantizer; 2], out: &mut Mcu) {
        // SAFETY: `self` exists only when AVX-512F and AVX-512BW were detected.
        unsafe { avx512::transform_mcu(src, quant, out) }
    }

    #[inline(always)]
    fn code(self, w: &mut BitWriter, blocks: &Mcu, pred: &mut [i16; 3], codes: &CodeSet) {
        // SAFETY: `self` exists only when every feature was detected.
        unsafe { avx512::code_mcu(w, blocks, pred, codes) }
    }
}

/// # Safety
/// The CPU must support AVX-512F, AVX-512BW, AVX2, BMI1, BMI2 and LZCNT.
#[target_feature(enable = "avx512f,avx512bw,avx2,bmi1,bmi2,lzcnt")]
unsafe fn code_rows_avx512(
    cpu: Avx512,
    coder: &RowCoder<'_, '_>,
    rows: Range<usize>,
    w: &mut BitWriter,
    out: &mut Vec<u8>,
    recon: Option<&mut ReconBand<'_>>,
) {
    coder.code_rows_with(cpu, rows, w, out, recon);
}

impl Kernels for Avx2 {
    #[inline(always)]
    fn transform(self, src: &McuSamples<'_>, quant: [&Quantizer; 2], out: &mut Mcu) {
        // SAFETY: `self` exists only when AVX2 was detected.
        unsafe { transform_mcu(src, quant, out) }
    }

    #[inline(always)]
    fn code(self, w: &mut BitWriter, blocks: &Mcu, pred: &mut [i16; 3], codes: &CodeSet) {
        // SAFETY: `self` exists only when the features were detected.
        unsafe { code_mcu(w, blocks, pred, codes) }
    }
}

/// # Safety
/// The CPU must support AVX2, BMI1, BMI2 and LZCNT.
#[target_feature(enable = "avx2,bmi1,bmi2,lzcnt")]
unsafe fn code_rows(
    cpu: Avx2,
    coder: &RowCoder<'_, '_>,
    rows: Range<usize>,
    w: &mut BitWriter,
    out: &mut Vec<u8>,
    recon: Option<&mut ReconBand<'_>>,
) {
    coder.code_rows_with(cpu, rows, w, out, recon);
}

/// The portable entropy coder built with AVX2 (the pairs of codes joined by vector
/// shifts), BMI and LZCNT, out of line so the bit writer's state stays in registers.
///
/// # Safety
/// The CPU must support AVX2, BMI1, BMI2 and LZCNT.
#[inline(never)]
#[target_feature(enable = "avx2,bmi1,bmi2,lzcnt")]
unsafe fn code_mcu(w: &mut BitWriter, blocks: &Mcu, pred: &mut [i16; 3], codes: &CodeSet) {
    w.mcu(blocks, pred, codes);
}

/// Level-shifts, transforms and quantises the six blocks of an MCU, reading the rows
/// straight from `src` and splitting interleaved chroma with a byte shuffle.
///
/// # Safety
/// The CPU must support AVX2.
#[target_feature(enable = "avx2")]
unsafe fn transform_mcu(src: &McuSamples<'_>, quant: [&Quantizer; 2], out: &mut Mcu) {
    let ((y, ys), (uv, uvs)) = (src.y_rows(), src.uv_rows());
    prefetch_ahead(y, ys, 16);
    prefetch_ahead(uv, uvs, 8);
    // One call site, so that the transform is inlined once for all six blocks.
    for (i, out) in out.iter_mut().enumerate() {
        let d = if i < 4 {
            load_luma(y, (i / 2) * 8 * ys + (i % 2) * 8, ys)
        } else {
            load_chroma(uv, uvs, i - 4)
        };
        transform_block(d, quant[usize::from(i >= 4)], out);
    }
}

/// The 8x8 luma block at offset `at` of the MCU's rows `y`, from [`widen`].
///
/// # Safety
/// The CPU must support AVX2; `y` and `stride` come from [`McuSamples::y_rows`] and `at`
/// is (0 or 8) rows plus (0 or 8) columns.
#[inline]
#[target_feature(enable = "avx2")]
unsafe fn load_luma(y: &[u8], at: usize, stride: usize) -> Block {
    std::array::from_fn(|r| {
        // SAFETY: McuSamples holds 16 rows of 16 bytes at multiples of `stride`; this reads
        // 8 bytes of row (0 or 8) + r (< 16) from column 0 or 8.
        widen(unsafe { _mm_loadl_epi64(y.as_ptr().add(at + r * stride).cast::<__m128i>()) })
    })
}

/// Chroma block `c` (0 Cb, 1 Cr) of the MCU's interleaved rows, from [`widen`]: a byte
/// shuffle picks the even or the odd bytes.
///
/// # Safety
/// The CPU must support AVX2; `uv` and `stride` come from [`McuSamples::uv_rows`].
#[inline]
#[target_feature(enable = "avx2")]
unsafe fn load_chroma(uv: &[u8], stride: usize, c: usize) -> Block {
    let pick = if c == 0 {
        _mm_setr_epi8(0, 2, 4, 6, 8, 10, 12, 14, -1, -1, -1, -1, -1, -1, -1, -1)
    } else {
        _mm_setr_epi8(1, 3, 5, 7, 9, 11, 13, 15, -1, -1, -1, -1, -1, -1, -1, -1)
    };
    std::array::from_fn(|r| {
        // SAFETY: McuSamples holds 8 chroma rows of 16 bytes at multiples of `stride`.
        let row = unsafe { _mm_loadu_si128(uv.as_ptr().add(r * stride).cast::<__m128i>()) };
        widen(_mm_shuffle_epi8(row, pick))
    })
}

/// How far ahead of an MCU's rows to prefetch: the MCUs 4 cache lines to the right. The
/// 24 rows an MCU reads are more streams than the hardware prefetchers follow.
const PREFETCH_BYTES: usize = 256;

/// Asks for the cache lines `PREFETCH_BYTES` to the right of `rows` rows of `plane`.
/// A prefetch is a hint: it reads nothing and never faults, whatever the address.
///
/// # Safety
/// The CPU must support AVX2.
#[inline]
#[target_feature(enable = "avx2")]
unsafe fn prefetch_ahead(plane: &[u8], stride: usize, rows: usize) {
    let ahead = plane.as_ptr().wrapping_add(PREFETCH_BYTES);
    for r in 0..rows {
        _mm_prefetch::<_MM_HINT_T0>(ahead.wrapping_add(r * stride).cast::<i8>());
    }
}

/// The low 8 bytes of `bytes` as floats, not level-shifted: the shift by 128 changes only
/// the DC coefficient, by exactly 64 x 128 ([`quantize`] takes it off). Every other
/// output is the same float: the butterflies take the shift out by subtracting exact
/// integers before any multiplication, and the sums that keep it are exact integers.
///
/// # Safety
/// The CPU must support AVX2.
#[inline]
#[target_feature(enable = "avx2")]
unsafe fn widen(bytes: __m128i) -> __m256 {
    _mm256_cvtepi32_ps(_mm256_cvtepu8_epi32(bytes))
}

/// Eight rows of eight floats.
type Block = [__m256; 8];

/// What the level shift of 64 samples by 128 takes off the unscaled DC (the sum).
const LEVEL_SHIFT_DC: f32 = 64.0 * 128.0;

/// Transforms and quantises one block of rows from [`widen`]: the rest of
/// `dct::transform_block` in AVX2.
///
/// # Safety
/// The CPU must support AVX2.
#[inline]
#[target_feature(enable = "avx2")]
unsafe fn transform_block(mut d: Block, quant: &Quantizer, out: &mut Coefs) {
    aan_columns(&mut d);
    transpose(&mut d);
    aan_columns(&mut d);
    quantize(&d, quant, out);
}

/// `dct::aan_columns`, one register per row, the same operations in the same order.
///
/// # Safety
/// The CPU must support AVX2.
#[inline]
#[target_feature(enable = "avx2")]
unsafe fn aan_columns(d: &mut Block) {
    aan_columns!(
        d,
        _mm256_add_ps,
        _mm256_sub_ps,
        _mm256_mul_ps,
        _mm256_set1_ps
    );
}

/// 8x8 transpose: pairs, then quads within 128-bit lanes, then the lanes.
///
/// # Safety
/// The CPU must support AVX2.
#[inline]
#[target_feature(enable = "avx2")]
unsafe fn transpose(d: &mut Block) {
    let a: [__m256; 8] = std::array::from_fn(|i| {
        let (x, y) = (d[i & !1], d[i | 1]);
        if i % 2 == 0 {
            _mm256_unpacklo_ps(x, y)
        } else {
            _mm256_unpackhi_ps(x, y)
        }
    });
    // a[0] = r0c0 r1c0 r0c1 r1c1 | c4.., a[1] = the same for columns 2,3 | 6,7; a[2..4] rows 2,3.
    let b: [__m256; 8] = std::array::from_fn(|i| {
        let base = (i / 4) * 4 + (i % 2);
        let (x, y) = (a[base], a[base + 2]);
        if (i / 2) % 2 == 0 {
            _mm256_shuffle_ps::<0b01_00_01_00>(x, y)
        } else {
            _mm256_shuffle_ps::<0b11_10_11_10>(x, y)
        }
    });
    // b[i] for i in 0..4 holds rows 0..3 of column (i%2)*2 + (i/2) (and +4 in the high lane).
    let cols = [0usize, 2, 1, 3];
    for (c, &i) in cols.iter().enumerate() {
        let (lo, hi) = (_mm256_castps_si256(b[i]), _mm256_castps_si256(b[i + 4]));
        d[c] = _mm256_castsi256_ps(_mm256_permute2f128_si256::<0x20>(lo, hi));
        d[c + 4] = _mm256_castsi256_ps(_mm256_permute2f128_si256::<0x31>(lo, hi));
    }
}

/// `Quantizer::quantize` in AVX2: `cvtps2dq` rounds to nearest, ties to even (the default
/// rounding mode), as the portable magic-number rounding does. Clamping the rounded
/// integers to ±1023 equals rounding the clamped floats (the bounds are integers).
///
/// # Safety
/// The CPU must support AVX2.
#[inline]
#[target_feature(enable = "avx2")]
unsafe fn quantize(d: &Block, quant: &Quantizer, out: &mut Coefs) {
    let ints: [__m256i; 8] = std::array::from_fn(|r| {
        // SAFETY: row r of the reciprocals is recip[8r..8r + 8], inside the array.
        let recip = unsafe { _mm256_loadu_ps(quant.recip[8 * r..].as_ptr()) };
        _mm256_cvtps_epi32(_mm256_mul_ps(d[r], recip))
    });
    let (lo, hi) = (
        _mm256_set1_epi16(-AC_MAX_I16),
        _mm256_set1_epi16(AC_MAX_I16),
    );
    let zero = _mm256_setzero_si256();
    let mut is_zero = [zero; 4];
    for (i, z) in is_zero.iter_mut().enumerate() {
        // packs interleaves the 128-bit lanes; the permute puts the rows back in order.
        let packed = _mm256_packs_epi32(ints[2 * i], ints[2 * i + 1]);
        let rows = _mm256_permute4x64_epi64::<0b11_01_10_00>(packed);
        let rows = _mm256_max_epi16(_mm256_min_epi16(rows, hi), lo);
        // SAFETY: coefficients 16i..16i + 16 are inside the array.
        unsafe { _mm256_storeu_si256(out.q[16 * i..].as_mut_ptr().cast::<__m256i>(), rows) };
        *z = _mm256_cmpeq_epi16(rows, zero);
    }
    let mask = |a: __m256i, b: __m256i| {
        let bytes = _mm256_permute4x64_epi64::<0b11_01_10_00>(_mm256_packs_epi16(a, b));
        u64::from(!(_mm256_movemask_epi8(bytes) as u32))
    };
    out.nonzero = mask(is_zero[0], is_zero[1]) | mask(is_zero[2], is_zero[3]) << 32;
    let dc = quantize_dc(_mm256_cvtss_f32(d[0]) - LEVEL_SHIFT_DC, quant.recip[0]);
    out.q[0] = dc;
    out.nonzero = (out.nonzero & !1) | u64::from(dc != 0);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::encoder::Portable;
    use crate::tables::{quant_table, Component};
    use softvpu_core::synth::SplitMix64;

    /// Planes of `stride`-byte rows whose samples `sample` picks.
    fn compare(stride: usize, quant: [&Quantizer; 2], mut sample: impl FnMut(usize) -> u8) {
        let y: Vec<u8> = (0..16 * stride).map(&mut sample).collect();
        let uv: Vec<u8> = (0..8 * stride).map(&mut sample).collect();
        let Some(src) = McuSamples::new(&y, stride, &uv, stride) else {
            panic!("planes too small")
        };
        let (mut a, mut b) = (Mcu::default(), Mcu::default());
        Portable.transform(&src, quant, &mut a);
        // SAFETY: the caller checked for AVX2.
        unsafe { transform_mcu(&src, quant, &mut b) };
        assert_eq!(a, b);
        if avx512_detected() {
            let mut c = Mcu::default();
            // SAFETY: checked just above.
            unsafe { avx512::transform_mcu(&src, quant, &mut c) };
            assert_eq!(a, c, "AVX-512");
        }
    }

    #[test]
    fn avx2_and_avx512_transforms_equal_portable() {
        if !std::is_x86_feature_detected!("avx2") {
            eprintln!("no AVX2 on this CPU: nothing to compare");
            return;
        }
        if !avx512_detected() {
            eprintln!("no AVX-512 on this CPU: only AVX2 compared");
        }
        let mut rng = SplitMix64(7);
        let tables = [
            [1u16; 64],
            [255; 64],
            quant_table(Component::Luma, 75),
            quant_table(Component::Chroma, 75),
        ];
        let q: Vec<_> = tables.iter().map(Quantizer::new).collect();
        let pairs = [[&q[0], &q[0]], [&q[1], &q[1]], [&q[2], &q[3]]];
        for quant in pairs {
            // Extremes: flat black and white, checkerboards, stripes, single samples.
            compare(16, quant, |_| 0);
            compare(16, quant, |_| 255);
            compare(16, quant, |i| if (i + i / 16) % 2 == 0 { 0 } else { 255 });
            compare(24, quant, |i| if i % 24 < 8 { 255 } else { 0 });
            compare(16, quant, |i| if i % 97 == 0 { 255 } else { 0 });
            for _ in 0..500 {
                let stride = 16 + rng.below(20) as usize;
                match rng.below(3) {
                    0 => compare(stride, quant, |_| rng.below(256) as u8),
                    1 => compare(stride, quant, |_| [0, 255][rng.below(2) as usize]),
                    _ => {
                        let base = rng.below(240) as u8;
                        compare(stride, quant, |_| base + rng.below(16) as u8);
                    }
                }
            }
        }
    }
}
