//! x86-64 code: the row coder and entropy coder compiled a second time with AVX2, BMI1/2
//! and LZCNT enabled (run only after detection), with an AVX2 MCU transform that computes
//! exactly the coefficients the portable [`transform_block`](crate::dct::transform_block)
//! computes (the same 16-bit sums, 32-bit products of pairs and roundings, two blocks a
//! register) and leaves them in zigzag order; else the [`sse2`] transform, a block a
//! register, with the portable coder.
#![allow(unsafe_code)] // target-feature code and its intrinsics, run only after detection

use std::arch::x86_64::{
    __m128i, __m256i, _mm256_abs_epi16, _mm256_add_epi16, _mm256_castsi256_si128,
    _mm256_cmpeq_epi16, _mm256_cvtepu8_epi16, _mm256_extracti128_si256, _mm256_loadu_si256,
    _mm256_min_epi16, _mm256_movemask_epi8, _mm256_mulhi_epi16, _mm256_mulhi_epu16,
    _mm256_or_si256, _mm256_packs_epi16, _mm256_set1_epi16, _mm256_setr_epi16,
    _mm256_setzero_si256, _mm256_shuffle_epi8, _mm256_sign_epi16, _mm256_sub_epi16,
    _mm_loadu_si128, _mm_prefetch, _mm_setr_epi8, _mm_shuffle_epi8, _mm_storeu_si128, _MM_HINT_T0,
};
use std::ops::Range;

use crate::dct::{
    Coefs, QuantRows, Quantizer, AC_MAX, DC_MAX, PASS1_SHIFT, PASS2_SHIFT, ROT_1, ROT_2, ROT_3,
    ROT_5, ROT_6, ROT_7, ROT_Z15, ROT_Z73, ZIGZAG_T,
};
use crate::encoder::{Kernels, Portable, ReconBand, RowCoder};
use crate::huffman::{BitWriter, CodeSet, Mcu, Zigzag};
use crate::samples::McuSamples;

/// `dct::dct_columns` on eight registers of 16-bit lanes, with the operations of module
/// `$ops` (one register width's intrinsics): the same sums, products of pairs and
/// roundings. Expanded inside each kernel, so that its operations inline there.
macro_rules! dct_columns {
    ($ops:ident, $d:expr, $second:expr, $shift:ident) => {{
        use $ops::*;
        let d = $d;
        let (t0, t7) = (add16(d[0], d[7]), sub16(d[0], d[7]));
        let (t1, t6) = (add16(d[1], d[6]), sub16(d[1], d[6]));
        let (t2, t5) = (add16(d[2], d[5]), sub16(d[2], d[5]));
        let (t3, t4) = (add16(d[3], d[4]), sub16(d[3], d[4]));

        let (t10, t13) = (add16(t0, t3), sub16(t0, t3));
        let (t11, t12) = (add16(t1, t2), sub16(t1, t2));
        let (sum, diff) = (add16(t10, t11), sub16(t10, t11));
        if $second {
            d[0] = round_down2(sum);
            d[4] = round_down2(diff);
        } else {
            d[0] = up2(sum);
            d[4] = up2(diff);
        }
        let round = splat32(1 << ($shift - 1));
        let even = pairs(t13, t12);
        d[2] = down::<$shift>(plus(madd(even, ROT_2), round));
        d[6] = down::<$shift>(plus(madd(even, ROT_6), round));

        let z = pairs(add16(t4, t6), add16(t5, t7));
        let (z73, z15) = (plus(madd(z, ROT_Z73), round), plus(madd(z, ROT_Z15), round));
        let (p47, p56) = (pairs(t4, t7), pairs(t5, t6));
        d[7] = down::<$shift>(plus(madd(p47, ROT_7), z73));
        d[1] = down::<$shift>(plus(madd(p47, ROT_1), z15));
        d[5] = down::<$shift>(plus(madd(p56, ROT_5), z15));
        d[3] = down::<$shift>(plus(madd(p56, ROT_3), z73));
    }};
}

/// 8x8 transposes of 16-bit lanes (within each 128-bit half) with module `$ops`'s
/// unpacks: words, then pairs of words, then quads.
macro_rules! transpose {
    ($ops:ident, $d:expr) => {{
        use $ops::*;
        let d = $d;
        // a[2k], a[2k + 1]: rows 2k and 2k + 1 interleaved, columns 0-3 then 4-7.
        let a = std::array::from_fn::<_, 8, _>(|i| unpack16(d[i & !1], d[i | 1], i % 2 == 1));
        // b[4h + c]: columns 2c, 2c + 1 of rows 4h..4h + 4.
        let b = std::array::from_fn::<_, 8, _>(|i| {
            let (h, c) = (i / 4, i % 4);
            unpack32(a[4 * h + c / 2], a[4 * h + 2 + c / 2], c % 2 == 1)
        });
        for c in 0..4 {
            d[2 * c] = unpack64(b[c], b[4 + c], false);
            d[2 * c + 1] = unpack64(b[c], b[4 + c], true);
        }
    }};
}

/// A module `$name` of the operations [`dct_columns!`] and [`transpose!`] use, on
/// registers of type `$v` with the intrinsics given (each an instruction of target
/// feature `$feature`): one definition for every register width.
macro_rules! lane_ops {
    ($name:ident, $v:ty, $feature:literal, {
        add16: $add16:ident, sub16: $sub16:ident, add32: $add32:ident,
        set16: $set16:ident, set32: $set32:ident, madd: $madd:ident,
        srai16: $srai16:ident, slli16: $slli16:ident, srai32: $srai32:ident,
        packs32: $packs32:ident,
        unpack16: ($lo16:ident, $hi16:ident), unpack32: ($lo32:ident, $hi32:ident),
        unpack64: ($lo64:ident, $hi64:ident) $(,)?
    }) => {
        mod $name {
            use std::arch::x86_64::*;

            /// A register's lanes paired with another's for [`madd`]: the low four lanes
            /// of each 128-bit half, then the high four.
            pub(super) type Pairs = ($v, $v);

            #[inline]
            #[target_feature(enable = $feature)]
            pub(super) fn add16(a: $v, b: $v) -> $v {
                $add16(a, b)
            }

            #[inline]
            #[target_feature(enable = $feature)]
            pub(super) fn sub16(a: $v, b: $v) -> $v {
                $sub16(a, b)
            }

            /// `(a + 2) >> 2`: the second pass's even outputs.
            #[inline]
            #[target_feature(enable = $feature)]
            pub(super) fn round_down2(a: $v) -> $v {
                $srai16::<2>($add16(a, $set16(2)))
            }

            /// `a << 2`: the first pass's even outputs.
            #[inline]
            #[target_feature(enable = $feature)]
            pub(super) fn up2(a: $v) -> $v {
                $slli16::<2>(a)
            }

            #[inline]
            #[target_feature(enable = $feature)]
            pub(super) fn pairs(a: $v, b: $v) -> Pairs {
                ($lo16(a, b), $hi16(a, b))
            }

            /// `dct::madd` of every pair: 32-bit sums.
            #[inline]
            #[target_feature(enable = $feature)]
            pub(super) fn madd((lo, hi): Pairs, k: [i16; 2]) -> Pairs {
                let k = $set32(i32::from(k[0] as u16) | i32::from(k[1]) << 16);
                ($madd(lo, k), $madd(hi, k))
            }

            #[inline]
            #[target_feature(enable = $feature)]
            pub(super) fn plus((a, b): Pairs, (c, d): Pairs) -> Pairs {
                ($add32(a, c), $add32(b, d))
            }

            #[inline]
            #[target_feature(enable = $feature)]
            pub(super) fn splat32(v: i32) -> Pairs {
                ($set32(v), $set32(v))
            }

            /// 32-bit sums (their rounding already added) shifted down and packed back in
            /// lane order.
            #[inline]
            #[target_feature(enable = $feature)]
            pub(super) fn down<const SHIFT: i32>((lo, hi): Pairs) -> $v {
                $packs32($srai32::<SHIFT>(lo), $srai32::<SHIFT>(hi))
            }

            /// The unpacks of the transpose: words, pairs of words, quads (the low or the
            /// high halves of each 128 bits).
            #[inline]
            #[target_feature(enable = $feature)]
            pub(super) fn unpack16(a: $v, b: $v, high: bool) -> $v {
                if high {
                    $hi16(a, b)
                } else {
                    $lo16(a, b)
                }
            }

            #[inline]
            #[target_feature(enable = $feature)]
            pub(super) fn unpack32(a: $v, b: $v, high: bool) -> $v {
                if high {
                    $hi32(a, b)
                } else {
                    $lo32(a, b)
                }
            }

            #[inline]
            #[target_feature(enable = $feature)]
            pub(super) fn unpack64(a: $v, b: $v, high: bool) -> $v {
                if high {
                    $hi64(a, b)
                } else {
                    $lo64(a, b)
                }
            }
        }
    };
}

mod sse2;

/// The x86 kernels an encoder codes with: AVX2 (with BMI and LZCNT), else SSE2, which
/// every x86-64 CPU has.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Cpu {
    Sse2,
    Avx2(Avx2),
}

impl Cpu {
    /// The best this CPU runs (`SOFTVPU_SIMD=sse` keeps to SSE2).
    pub(crate) fn detect() -> Self {
        let avx2 = Avx2::detect().filter(|_| softvpu_core::simd::avx2_allowed());
        avx2.map_or(Self::Sse2, Self::Avx2)
    }

    pub(crate) fn code_rows(
        self,
        coder: &RowCoder<'_, '_>,
        rows: Range<usize>,
        w: &mut BitWriter,
        out: &mut Vec<u8>,
        recon: Option<&mut ReconBand<'_>>,
    ) {
        match self {
            // SAFETY: an `Avx2` exists only when its features were detected.
            Self::Avx2(cpu) => unsafe { code_rows(cpu, coder, rows, w, out, recon) },
            Self::Sse2 => coder.code_rows_with(Sse2, rows, w, out, recon),
        }
    }
}

/// The SSE2 transform and the portable entropy coder.
#[derive(Clone, Copy, Debug)]
struct Sse2;

impl Kernels for Sse2 {
    type Block = Coefs;

    #[inline(always)]
    fn transform(self, src: &McuSamples<'_>, quant: [&Quantizer; 2], out: &mut Mcu) {
        // SAFETY: SSE2 is part of x86-64.
        unsafe { sse2::transform_mcu(src, quant, out) }
    }

    #[inline(always)]
    fn code(self, w: &mut BitWriter, blocks: &Mcu, pred: &mut [i16; 3], codes: &CodeSet) {
        Portable.code(w, blocks, pred, codes);
    }
}

/// Proof that this CPU runs AVX2, BMI1, BMI2 and LZCNT: only [`Avx2::detect`] makes one.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Avx2(());

impl Avx2 {
    pub(crate) fn detect() -> Option<Self> {
        let all = std::is_x86_feature_detected!("avx2")
            && std::is_x86_feature_detected!("bmi1")
            && std::is_x86_feature_detected!("bmi2")
            && std::is_x86_feature_detected!("lzcnt");
        all.then_some(Self(()))
    }
}

/// The AVX2 transform, which leaves blocks in zigzag order, and the entropy coder built
/// for AVX2.
impl Kernels for Avx2 {
    type Block = Zigzag;

    #[inline(always)]
    fn transform(self, src: &McuSamples<'_>, quant: [&Quantizer; 2], out: &mut [Zigzag; 6]) {
        // SAFETY: `self` exists only when AVX2 was detected.
        unsafe { transform_mcu(src, quant, out) }
    }

    #[inline(always)]
    fn code(self, w: &mut BitWriter, blocks: &[Zigzag; 6], pred: &mut [i16; 3], codes: &CodeSet) {
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
unsafe fn code_mcu(w: &mut BitWriter, blocks: &[Zigzag; 6], pred: &mut [i16; 3], codes: &CodeSet) {
    w.mcu(blocks, pred, codes);
}

/// Level-shifts, transforms and quantises the six blocks of an MCU, two at a time (the
/// upper luma pair, the lower, then Cb beside Cr), reading the rows straight from `src`;
/// leaves them in zigzag order.
///
/// # Safety
/// The CPU must support AVX2.
#[target_feature(enable = "avx2")]
unsafe fn transform_mcu(src: &McuSamples<'_>, quant: [&Quantizer; 2], out: &mut [Zigzag; 6]) {
    let ((y, ys), (uv, uvs)) = (src.y_rows(), src.uv_rows());
    prefetch_ahead(y, ys, 16);
    prefetch_ahead(uv, uvs, 8);
    // One call site, so that the transform is inlined once for the three pairs.
    for pair in 0..3 {
        let d = if pair < 2 {
            load_luma(y, pair * 8 * ys, ys)
        } else {
            load_chroma(uv, uvs)
        };
        let (first, second) = out.split_at_mut(2 * pair + 1);
        transform_pair(d, quant[pair / 2], &mut first[2 * pair], &mut second[0]);
    }
}

/// Eight rows of two blocks: row r of the first block in the low eight lanes of `[r]`,
/// row r of the second in the high eight.
type Pair = [__m256i; 8];

/// Rows `at / stride..+8` of the MCU's two luma blocks side by side (each row's 16 bytes
/// are the first block's 8 then the second's), widened and level-shifted.
///
/// # Safety
/// The CPU must support AVX2; `y` and `stride` come from [`McuSamples::y_rows`] and `at`
/// is 0 or 8 rows.
#[inline]
#[target_feature(enable = "avx2")]
unsafe fn load_luma(y: &[u8], at: usize, stride: usize) -> Pair {
    std::array::from_fn(|r| {
        // SAFETY: McuSamples holds 16 rows of 16 bytes at multiples of `stride`.
        let row = unsafe { _mm_loadu_si128(y.as_ptr().add(at + r * stride).cast::<__m128i>()) };
        level_shift(row)
    })
}

/// The MCU's Cb block beside its Cr block: a byte shuffle puts each interleaved row's
/// even bytes before its odd ones.
///
/// # Safety
/// The CPU must support AVX2; `uv` and `stride` come from [`McuSamples::uv_rows`].
#[inline]
#[target_feature(enable = "avx2")]
unsafe fn load_chroma(uv: &[u8], stride: usize) -> Pair {
    let split = _mm_setr_epi8(0, 2, 4, 6, 8, 10, 12, 14, 1, 3, 5, 7, 9, 11, 13, 15);
    std::array::from_fn(|r| {
        // SAFETY: McuSamples holds 8 chroma rows of 16 bytes at multiples of `stride`.
        let row = unsafe { _mm_loadu_si128(uv.as_ptr().add(r * stride).cast::<__m128i>()) };
        level_shift(_mm_shuffle_epi8(row, split))
    })
}

/// Sixteen samples as 16-bit lanes less 128.
///
/// # Safety
/// The CPU must support AVX2.
#[inline]
#[target_feature(enable = "avx2")]
unsafe fn level_shift(bytes: __m128i) -> __m256i {
    _mm256_sub_epi16(_mm256_cvtepu8_epi16(bytes), _mm256_set1_epi16(128))
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

/// `dct::forward_dct` and `Quantizer::quantize` of both blocks of `d`.
///
/// # Safety
/// The CPU must support AVX2.
#[inline]
#[target_feature(enable = "avx2")]
unsafe fn transform_pair(mut d: Pair, quant: &Quantizer, a: &mut Zigzag, b: &mut Zigzag) {
    dct_columns::<false, { PASS1_SHIFT as i32 }>(&mut d);
    transpose(&mut d);
    dct_columns::<true, { PASS2_SHIFT as i32 }>(&mut d);
    quantize(&d, quant, a, b);
}

/// `dct::dct_columns` on both blocks, `SHIFT` the pass's.
///
/// # Safety
/// The CPU must support AVX2.
#[inline]
#[target_feature(enable = "avx2")]
unsafe fn dct_columns<const SECOND: bool, const SHIFT: i32>(d: &mut Pair) {
    dct_columns!(wide, d, SECOND, SHIFT);
}

/// Both blocks' 8x8 transposes at once (each within its 128-bit half).
///
/// # Safety
/// The CPU must support AVX2.
#[inline]
#[target_feature(enable = "avx2")]
unsafe fn transpose(d: &mut Pair) {
    transpose!(wide, d);
}

lane_ops!(wide, __m256i, "avx2", {
    add16: _mm256_add_epi16, sub16: _mm256_sub_epi16, add32: _mm256_add_epi32,
    set16: _mm256_set1_epi16, set32: _mm256_set1_epi32, madd: _mm256_madd_epi16,
    srai16: _mm256_srai_epi16, slli16: _mm256_slli_epi16, srai32: _mm256_srai_epi32,
    packs32: _mm256_packs_epi32,
    unpack16: (_mm256_unpacklo_epi16, _mm256_unpackhi_epi16),
    unpack32: (_mm256_unpacklo_epi32, _mm256_unpackhi_epi32),
    unpack64: (_mm256_unpacklo_epi64, _mm256_unpackhi_epi64),
});

/// `Quantizer::quantize` of both blocks (row u of each against the quantiser's row u),
/// then each block's coefficients put in zigzag order by byte shuffles (the same for
/// both halves) and stored with their nonzero mask.
///
/// # Safety
/// The CPU must support AVX2.
#[inline]
#[target_feature(enable = "avx2")]
unsafe fn quantize(d: &Pair, quant: &Quantizer, a: &mut Zigzag, b: &mut Zigzag) {
    let ac = _mm256_set1_epi16(AC_MAX);
    let (x, y) = (AC_MAX, DC_MAX);
    let first_row = _mm256_setr_epi16(y, x, x, x, x, x, x, x, y, x, x, x, x, x, x, x);
    let rows: Pair = std::array::from_fn(|u| {
        // Row u of a quantiser table, in both halves.
        // SAFETY: each row is 32 bytes.
        let row = |v: &QuantRows| unsafe { _mm256_loadu_si256(v[u].as_ptr().cast::<__m256i>()) };
        let n = _mm256_add_epi16(_mm256_abs_epi16(d[u]), row(&quant.half));
        let q = _mm256_mulhi_epi16(_mm256_mulhi_epu16(n, row(&quant.magic)), row(&quant.scale));
        let q = _mm256_min_epi16(q, if u == 0 { first_row } else { ac });
        _mm256_sign_epi16(q, d[u])
    });
    let zero = _mm256_setzero_si256();
    let mut is_zero = [zero; 8];
    for (m, picks) in ZIGZAG_PICK.iter().enumerate() {
        // Zigzag coefficients 8m..8m + 8, gathered from the rows that hold them.
        let mut zigzag = zero;
        for (u, pick) in picks.iter().enumerate() {
            if PICK_USED[m][u] {
                // SAFETY: each pick is 32 bytes.
                let pick = unsafe { _mm256_loadu_si256(pick.as_ptr().cast::<__m256i>()) };
                zigzag = _mm256_or_si256(zigzag, _mm256_shuffle_epi8(rows[u], pick));
            }
        }
        // SAFETY: coefficients 8m..8m + 8 are inside each block.
        unsafe {
            _mm_storeu_si128(
                a.q[8 * m..].as_mut_ptr().cast(),
                _mm256_castsi256_si128(zigzag),
            );
            _mm_storeu_si128(
                b.q[8 * m..].as_mut_ptr().cast(),
                _mm256_extracti128_si256::<1>(zigzag),
            );
        }
        is_zero[m] = _mm256_cmpeq_epi16(zigzag, zero);
    }
    // Each mask's 32 bits: zigzag positions 16k..16k + 16 of the first block, then of the
    // second.
    let (mut za, mut zb) = (0u64, 0u64);
    for k in 0..4 {
        let bytes = _mm256_packs_epi16(is_zero[2 * k], is_zero[2 * k + 1]);
        let mask = _mm256_movemask_epi8(bytes) as u32;
        za |= u64::from(mask & 0xFFFF) << (16 * k);
        zb |= u64::from(mask >> 16) << (16 * k);
    }
    a.nonzero = !za;
    b.nonzero = !zb;
}

/// `ZIGZAG_PICK[m][u]`: the byte shuffle taking, from a register half holding transposed
/// row u (positions 8u..8u + 8), the coefficients among zigzag positions 8m..8m + 8, in
/// their zigzag places (the rest zero); the same in both halves.
static ZIGZAG_PICK: [[[i8; 32]; 8]; 8] = {
    let mut t = [[[-128i8; 32]; 8]; 8];
    let mut k = 0;
    while k < 64 {
        let (p, w) = (ZIGZAG_T[k], k % 8);
        let (m, u, v) = (k / 8, p / 8, (p % 8) as i8);
        t[m][u][2 * w] = 2 * v;
        t[m][u][2 * w + 1] = 2 * v + 1;
        t[m][u][16 + 2 * w] = 2 * v;
        t[m][u][16 + 2 * w + 1] = 2 * v + 1;
        k += 1;
    }
    t
};

/// Whether [`ZIGZAG_PICK`]`[m][u]` takes anything (40 of the 64 do).
const PICK_USED: [[bool; 8]; 8] = {
    let mut used = [[false; 8]; 8];
    let mut k = 0;
    while k < 64 {
        used[k / 8][ZIGZAG_T[k] / 8] = true;
        k += 1;
    }
    used
};

#[cfg(test)]
mod tests {
    use super::*;
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
        // SAFETY: SSE2 is part of x86-64.
        unsafe { sse2::transform_mcu(&src, quant, &mut b) };
        assert_eq!(a, b, "SSE2");
        if std::is_x86_feature_detected!("avx2") {
            let mut c = <[Zigzag; 6]>::default();
            // SAFETY: checked just above.
            unsafe { transform_mcu(&src, quant, &mut c) };
            for (a, c) in a.iter().zip(&c) {
                assert_eq!((a.zigzag(), a.nonzero), (c.q, c.nonzero), "AVX2");
            }
        }
    }

    #[test]
    fn sse2_and_avx2_transforms_equal_portable() {
        if !std::is_x86_feature_detected!("avx2") {
            eprintln!("no AVX2 on this CPU: only SSE2 compared");
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
