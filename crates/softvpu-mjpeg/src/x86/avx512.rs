//! AVX-512 (F and BW) kernels. The MCU transform: two blocks side by side in each
//! register (the two upper luma blocks, the two lower, then Cb and Cr), so each
//! instruction does the work of two of the AVX2 transform's; the same IEEE float
//! operations in the same order as [`transform_block`](crate::dct::transform_block), so
//! the coefficients are the same. The entropy coder's input: each block put in zigzag
//! order, with its nonzero mask, by vector permutes and compares.
#![allow(unsafe_code)] // target-feature code and its intrinsics, run only after detection

use std::arch::x86_64::{
    __m128i, __m512, __m512i, _mm512_add_ps, _mm512_cvtepi32_ps, _mm512_cvtepu8_epi32,
    _mm512_cvtps_epi32, _mm512_cvtss_f32, _mm512_extractf32x4_ps, _mm512_loadu_ps,
    _mm512_loadu_si512, _mm512_max_epi16, _mm512_min_epi16, _mm512_mul_ps, _mm512_packs_epi32,
    _mm512_permutex2var_epi16, _mm512_permutex2var_ps, _mm512_set1_epi16, _mm512_set1_ps,
    _mm512_setr_epi32, _mm512_shuffle_f32x4, _mm512_shuffle_ps, _mm512_storeu_si512, _mm512_sub_ps,
    _mm512_test_epi16_mask, _mm512_unpackhi_ps, _mm512_unpacklo_ps, _mm_cvtss_f32, _mm_loadu_si128,
    _mm_setr_epi8, _mm_shuffle_epi8,
};

use super::{prefetch_ahead, LEVEL_SHIFT_DC};
use crate::dct::{
    quantize_dc, Coefs, Quantizer, AC_MAX, C2_MINUS_C6, C2_PLUS_C6, C4, C6, ZIGZAG_T,
};
use crate::huffman::{BitWriter, CodeSet, Mcu, Zigzag};
use crate::samples::McuSamples;

/// Eight rows of two blocks: row r of the first block in the low eight floats of `[r]`,
/// row r of the second in the high eight.
type Pair = [__m512; 8];

/// Level-shifts, transforms and quantises the six blocks of an MCU, two at a time.
///
/// # Safety
/// The CPU must support AVX-512F and AVX-512BW (and AVX2, which they imply).
#[target_feature(enable = "avx512f,avx512bw")]
pub(super) unsafe fn transform_mcu(src: &McuSamples<'_>, quant: [&Quantizer; 2], out: &mut Mcu) {
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

/// Rows `at / stride..+8` of the MCU's two luma blocks side by side: each row's 16
/// bytes are the first block's 8 then the second's, widened to floats, not level-shifted
/// (see `super::widen`).
///
/// # Safety
/// The CPU must support AVX-512F and AVX-512BW; `y` and `stride` come from
/// [`McuSamples::y_rows`] and `at` is 0 or 8 rows.
#[inline]
#[target_feature(enable = "avx512f,avx512bw")]
unsafe fn load_luma(y: &[u8], at: usize, stride: usize) -> Pair {
    std::array::from_fn(|r| {
        // SAFETY: McuSamples holds 16 rows of 16 bytes at multiples of `stride`.
        let row = unsafe { _mm_loadu_si128(y.as_ptr().add(at + r * stride).cast::<__m128i>()) };
        _mm512_cvtepi32_ps(_mm512_cvtepu8_epi32(row))
    })
}

/// The MCU's Cb block beside its Cr block: a byte shuffle puts each interleaved row's
/// even bytes before its odd ones.
///
/// # Safety
/// The CPU must support AVX-512F and AVX-512BW; `uv` and `stride` come from
/// [`McuSamples::uv_rows`].
#[inline]
#[target_feature(enable = "avx512f,avx512bw")]
unsafe fn load_chroma(uv: &[u8], stride: usize) -> Pair {
    let split = _mm_setr_epi8(0, 2, 4, 6, 8, 10, 12, 14, 1, 3, 5, 7, 9, 11, 13, 15);
    std::array::from_fn(|r| {
        // SAFETY: McuSamples holds 8 chroma rows of 16 bytes at multiples of `stride`.
        let row = unsafe { _mm_loadu_si128(uv.as_ptr().add(r * stride).cast::<__m128i>()) };
        _mm512_cvtepi32_ps(_mm512_cvtepu8_epi32(_mm_shuffle_epi8(row, split)))
    })
}

/// # Safety
/// The CPU must support AVX-512F and AVX-512BW.
#[inline]
#[target_feature(enable = "avx512f,avx512bw")]
unsafe fn transform_pair(mut d: Pair, quant: &Quantizer, a: &mut Coefs, b: &mut Coefs) {
    aan_columns(&mut d);
    transpose(&mut d);
    aan_columns(&mut d);
    quantize(&d, quant, a, b);
}

/// `dct::aan_columns` on both blocks, the same operations in the same order.
///
/// # Safety
/// The CPU must support AVX-512F and AVX-512BW.
#[inline]
#[target_feature(enable = "avx512f,avx512bw")]
unsafe fn aan_columns(d: &mut Pair) {
    aan_columns!(
        d,
        _mm512_add_ps,
        _mm512_sub_ps,
        _mm512_mul_ps,
        _mm512_set1_ps
    );
}

/// Both blocks' 8x8 transposes: the AVX2 transpose's pairs and quads (within 128-bit
/// lanes, so each block's half does its own), then its lane exchange done within each
/// half by a two-source permute.
///
/// # Safety
/// The CPU must support AVX-512F and AVX-512BW.
#[inline]
#[target_feature(enable = "avx512f,avx512bw")]
unsafe fn transpose(d: &mut Pair) {
    let a: Pair = std::array::from_fn(|i| {
        let (x, y) = (d[i & !1], d[i | 1]);
        if i % 2 == 0 {
            _mm512_unpacklo_ps(x, y)
        } else {
            _mm512_unpackhi_ps(x, y)
        }
    });
    let b: Pair = std::array::from_fn(|i| {
        let base = (i / 4) * 4 + (i % 2);
        let (x, y) = (a[base], a[base + 2]);
        if (i / 2) % 2 == 0 {
            _mm512_shuffle_ps::<0b01_00_01_00>(x, y)
        } else {
            _mm512_shuffle_ps::<0b11_10_11_10>(x, y)
        }
    });
    // Per block half: the low quads of x and y (AVX2's permute 0x20), or the high (0x31).
    let low = _mm512_setr_epi32(0, 1, 2, 3, 16, 17, 18, 19, 8, 9, 10, 11, 24, 25, 26, 27);
    let high = _mm512_setr_epi32(4, 5, 6, 7, 20, 21, 22, 23, 12, 13, 14, 15, 28, 29, 30, 31);
    let cols = [0usize, 2, 1, 3];
    for (c, &i) in cols.iter().enumerate() {
        d[c] = _mm512_permutex2var_ps(b[i], low, b[i + 4]);
        d[c + 4] = _mm512_permutex2var_ps(b[i], high, b[i + 4]);
    }
}

/// `Quantizer::quantize` of both blocks: each row times its reciprocals (repeated for
/// the second block), rounded as the AVX2 quantiser rounds; pairs of rows packed to 16
/// bits (which interleaves them by quarters) and clamped, then each block's four rows a
/// register put back in order by a two-source permute.
///
/// # Safety
/// The CPU must support AVX-512F and AVX-512BW.
#[inline]
#[target_feature(enable = "avx512f,avx512bw")]
unsafe fn quantize(d: &Pair, quant: &Quantizer, a: &mut Coefs, b: &mut Coefs) {
    let ints: [__m512i; 8] = std::array::from_fn(|r| {
        // SAFETY: reciprocals 8(r & !1)..+16 are inside the array.
        let two = unsafe { _mm512_loadu_ps(quant.recip[8 * (r & !1)..].as_ptr()) };
        // Row r's eight reciprocals in both halves.
        let recip = if r % 2 == 0 {
            _mm512_shuffle_f32x4::<0b01_00_01_00>(two, two)
        } else {
            _mm512_shuffle_f32x4::<0b11_10_11_10>(two, two)
        };
        _mm512_cvtps_epi32(_mm512_mul_ps(d[r], recip))
    });
    let (lo, hi) = (
        _mm512_set1_epi16(-(AC_MAX as i16)),
        _mm512_set1_epi16(AC_MAX as i16),
    );
    let packed: [__m512i; 4] = std::array::from_fn(|k| {
        let p = _mm512_packs_epi32(ints[2 * k], ints[2 * k + 1]);
        _mm512_max_epi16(_mm512_min_epi16(p, hi), lo)
    });
    // SAFETY: the index tables hold 32 words each.
    let (first, second) = unsafe {
        (
            _mm512_loadu_si512(UNPACK_ROWS.as_ptr().cast()),
            _mm512_loadu_si512(UNPACK_ROWS[32..].as_ptr().cast()),
        )
    };
    let dc = [
        _mm512_cvtss_f32(d[0]),
        _mm_cvtss_f32(_mm512_extractf32x4_ps::<2>(d[0])),
    ];
    for ((out, index), dc) in [a, b].into_iter().zip([first, second]).zip(dc) {
        let top = _mm512_permutex2var_epi16(packed[0], index, packed[1]);
        let bottom = _mm512_permutex2var_epi16(packed[2], index, packed[3]);
        // SAFETY: each store writes 32 of the 64 coefficients.
        unsafe {
            _mm512_storeu_si512(out.q.as_mut_ptr().cast(), top);
            _mm512_storeu_si512(out.q[32..].as_mut_ptr().cast(), bottom);
        }
        let nonzero = u64::from(_mm512_test_epi16_mask(top, top))
            | u64::from(_mm512_test_epi16_mask(bottom, bottom)) << 32;
        let dc = quantize_dc(dc - LEVEL_SHIFT_DC, quant.recip[0]);
        out.q[0] = dc;
        out.nonzero = (nonzero & !1) | u64::from(dc != 0);
    }
}

/// Where [`quantize`]'s packed pairs of rows keep coefficient `8 row + column` of the
/// first block (rows 0-3 from the first two registers, 4-7 likewise from the last two),
/// then of the second: row 2k + p of the first block lies in register k, its columns
/// 0-3 at words 4p.., 4-7 at words 8 + 4p..; the second block's sixteen words later.
static UNPACK_ROWS: [i16; 64] = {
    let mut t = [0i16; 64];
    let mut i = 0;
    while i < 64 {
        let (block, row, col) = (i / 32, (i % 32) / 8, i % 8);
        let word = 16 * block + 4 * (row % 2) + if col < 4 { col } else { 8 + col - 4 };
        t[i] = (32 * (row / 2) + word) as i16;
        i += 1;
    }
    t
};

/// [`ZIGZAG_T`] as 16-bit permute indices.
static ZIGZAG_T16: [i16; 64] = {
    let mut t = [0i16; 64];
    let mut k = 0;
    while k < 64 {
        t[k] = ZIGZAG_T[k] as i16;
        k += 1;
    }
    t
};

/// The entropy coder (built as `super::code_mcu` is) reading blocks put in zigzag order
/// by two permutes each, their nonzero masks from two compares: the portable coder
/// looks up every coefficient's position and builds its mask from eight table lookups.
///
/// # Safety
/// The CPU must support AVX-512F and AVX-512BW, AVX2, BMI1, BMI2 and LZCNT.
#[inline(never)]
#[target_feature(enable = "avx512f,avx512bw,avx2,bmi1,bmi2,lzcnt")]
pub(super) unsafe fn code_mcu(
    w: &mut BitWriter,
    blocks: &Mcu,
    pred: &mut [i16; 3],
    codes: &CodeSet,
) {
    let zigzag: [Zigzag; 6] = std::array::from_fn(|i| zigzag(&blocks[i]));
    w.mcu(&zigzag, pred, codes);
}

/// # Safety
/// The CPU must support AVX-512F and AVX-512BW.
#[inline]
#[target_feature(enable = "avx512f,avx512bw")]
unsafe fn zigzag(c: &Coefs) -> Zigzag {
    // SAFETY: each load and store covers 32 of the 64 coefficients or indices.
    unsafe {
        let (lo, hi) = (
            _mm512_loadu_si512(c.q.as_ptr().cast()),
            _mm512_loadu_si512(c.q[32..].as_ptr().cast()),
        );
        let first =
            _mm512_permutex2var_epi16(lo, _mm512_loadu_si512(ZIGZAG_T16.as_ptr().cast()), hi);
        let second =
            _mm512_permutex2var_epi16(lo, _mm512_loadu_si512(ZIGZAG_T16[32..].as_ptr().cast()), hi);
        let mut out = Zigzag {
            q: [0; 64],
            nonzero: u64::from(_mm512_test_epi16_mask(first, first))
                | u64::from(_mm512_test_epi16_mask(second, second)) << 32,
        };
        _mm512_storeu_si512(out.q.as_mut_ptr().cast(), first);
        _mm512_storeu_si512(out.q[32..].as_mut_ptr().cast(), second);
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::huffman::ZigzagBlock;
    use softvpu_core::synth::SplitMix64;

    fn has_avx512() -> bool {
        super::super::Avx2::detect().is_some() && super::super::avx512_detected()
    }

    /// A block whose coefficients are nonzero with probability `density` / 64, from
    /// the whole range (extremes included).
    fn random_block(rng: &mut SplitMix64, density: u64) -> Coefs {
        let mut c = Coefs::default();
        for (t, q) in c.q.iter_mut().enumerate() {
            if rng.below(64) < density {
                let max = if t == 0 { 2047 } else { 1023 };
                *q = match rng.below(4) {
                    0 => max,
                    1 => -max,
                    _ => rng.below(2 * max as u64 + 1) as i16 - max,
                };
            }
        }
        c.nonzero = (0..64).filter(|&t| c.q[t] != 0).fold(0, |m, t| m | 1 << t);
        c
    }

    #[test]
    fn zigzag_blocks_equal_the_tables() {
        if !has_avx512() {
            eprintln!("no AVX-512 on this CPU: nothing to compare");
            return;
        }
        let mut rng = SplitMix64(11);
        for density in [0, 1, 4, 16, 48, 64] {
            for _ in 0..200 {
                let c = random_block(&mut rng, density);
                // SAFETY: checked above.
                let z = unsafe { zigzag(&c) };
                assert_eq!(z.q, c.zigzag());
                assert_eq!(z.nonzero, ZigzagBlock::nonzero(&c));
            }
        }
    }

    #[test]
    fn entropy_coder_writes_what_the_portable_one_does() {
        if !has_avx512() {
            eprintln!("no AVX-512 on this CPU: nothing to compare");
            return;
        }
        let codes = CodeSet::annex_k();
        let mut rng = SplitMix64(12);
        let (mut portable, mut wide) = (BitWriter::default(), BitWriter::default());
        let (mut pred_p, mut pred_w) = ([0i16; 3], [0i16; 3]);
        for density in [0, 1, 4, 16, 48, 64] {
            for _ in 0..100 {
                let mcu: Mcu = std::array::from_fn(|_| random_block(&mut rng, density));
                portable.mcu(&mcu, &mut pred_p, &codes);
                // SAFETY: checked above.
                unsafe { code_mcu(&mut wide, &mcu, &mut pred_w, &codes) };
            }
        }
        portable.flush();
        wide.flush();
        let (a, b) = (portable.take(), wide.take());
        assert!(a.len() > 10_000);
        assert_eq!(a, b);
    }
}
