//! The MCU transform on SSE2, which every x86-64 CPU has: one block a register (eight
//! 16-bit lanes), with the AVX2 kernel's DCT steps (`dct_columns!`, `transpose!`), so the
//! same coefficients as the portable code. For CPUs without AVX2, where the portable
//! code's 16x16-bit products cost shuffles the compiler cannot avoid.
#![allow(unsafe_code)] // intrinsics, and loads and stores through pointers into checked slices

use std::arch::x86_64::{
    __m128i, _mm_add_epi16, _mm_and_si128, _mm_loadl_epi64, _mm_loadu_si128, _mm_min_epi16,
    _mm_mulhi_epi16, _mm_mulhi_epu16, _mm_set1_epi16, _mm_setr_epi16, _mm_setzero_si128,
    _mm_srai_epi16, _mm_srli_epi16, _mm_storeu_si128, _mm_sub_epi16, _mm_unpacklo_epi8,
    _mm_xor_si128,
};

use crate::dct::{
    nonzero_mask, Coefs, QuantRows, Quantizer, AC_MAX, DC_MAX, PASS1_SHIFT, PASS2_SHIFT, ROT_1,
    ROT_2, ROT_3, ROT_5, ROT_6, ROT_7, ROT_Z15, ROT_Z73,
};
use crate::huffman::Mcu;
use crate::samples::McuSamples;

/// Level-shifts, transforms and quantises the six blocks of an MCU. (SSE2 is part of
/// x86-64: every caller's CPU has it.)
#[target_feature(enable = "sse2")]
pub(super) fn transform_mcu(src: &McuSamples<'_>, quant: [&Quantizer; 2], out: &mut Mcu) {
    let ((y, ys), (uv, uvs)) = (src.y_rows(), src.uv_rows());
    // One call site, so that the transform is inlined once for all six blocks.
    for (i, out) in out.iter_mut().enumerate() {
        let d = if i < 4 {
            load_luma(y, (i / 2) * 8 * ys + (i % 2) * 8, ys)
        } else {
            load_chroma(uv, uvs, i == 5)
        };
        transform_block(d, quant[usize::from(i >= 4)], out);
    }
}

/// Eight rows of a block, a row a register.
type Block = [__m128i; 8];

/// The 8x8 luma block at offset `at` of the MCU's rows `y`, widened and level-shifted.
/// `y` and `stride` come from [`McuSamples::y_rows`]; `at` is (0 or 8) rows plus (0 or 8)
/// columns.
#[inline]
#[target_feature(enable = "sse2")]
fn load_luma(y: &[u8], at: usize, stride: usize) -> Block {
    let zero = _mm_setzero_si128();
    std::array::from_fn(|r| {
        // SAFETY: McuSamples holds 16 rows of 16 bytes at multiples of `stride`; this reads
        // 8 bytes of row (0 or 8) + r (< 16) from column 0 or 8.
        let row = unsafe { _mm_loadl_epi64(y.as_ptr().add(at + r * stride).cast::<__m128i>()) };
        _mm_sub_epi16(_mm_unpacklo_epi8(row, zero), _mm_set1_epi16(128))
    })
}

/// The MCU's Cb block (or Cr, `cr`), level-shifted: each interleaved pair read as one
/// little-endian 16-bit lane holds Cb in its low byte and Cr in its high one.
/// `uv` and `stride` come from [`McuSamples::uv_rows`].
#[inline]
#[target_feature(enable = "sse2")]
fn load_chroma(uv: &[u8], stride: usize, cr: bool) -> Block {
    std::array::from_fn(|r| {
        // SAFETY: McuSamples holds 8 chroma rows of 16 bytes at multiples of `stride`.
        let row = unsafe { _mm_loadu_si128(uv.as_ptr().add(r * stride).cast::<__m128i>()) };
        let samples = if cr {
            _mm_srli_epi16::<8>(row)
        } else {
            _mm_and_si128(row, _mm_set1_epi16(0xFF))
        };
        _mm_sub_epi16(samples, _mm_set1_epi16(128))
    })
}

/// `dct::forward_dct` and `Quantizer::quantize` of one block.
#[inline]
#[target_feature(enable = "sse2")]
fn transform_block(mut d: Block, quant: &Quantizer, out: &mut Coefs) {
    dct_columns::<false, { PASS1_SHIFT as i32 }>(&mut d);
    transpose(&mut d);
    dct_columns::<true, { PASS2_SHIFT as i32 }>(&mut d);
    quantize(&d, quant, out);
}

#[inline]
#[target_feature(enable = "sse2")]
fn dct_columns<const SECOND: bool, const SHIFT: i32>(d: &mut Block) {
    dct_columns!(narrow, d, SECOND, SHIFT);
}

#[inline]
#[target_feature(enable = "sse2")]
fn transpose(d: &mut Block) {
    transpose!(narrow, d);
}

/// `Quantizer::quantize`: the AVX2 quantiser's steps, with SSE2's stand-ins for
/// `pabsw` and `psignw` (a lane's sign mask: xor then subtract).
#[inline]
#[target_feature(enable = "sse2")]
fn quantize(d: &Block, quant: &Quantizer, out: &mut Coefs) {
    let (x, y) = (AC_MAX, DC_MAX);
    let first_row = _mm_setr_epi16(y, x, x, x, x, x, x, x);
    for u in 0..8 {
        // SAFETY: each row holds 16 values; this reads the first 8.
        let row = |v: &QuantRows| unsafe { _mm_loadu_si128(v[u].as_ptr().cast::<__m128i>()) };
        let sign = _mm_srai_epi16::<15>(d[u]);
        let abs = _mm_sub_epi16(_mm_xor_si128(d[u], sign), sign);
        let n = _mm_add_epi16(abs, row(&quant.half));
        let q = _mm_mulhi_epi16(_mm_mulhi_epu16(n, row(&quant.magic)), row(&quant.scale));
        let q = _mm_min_epi16(q, if u == 0 { first_row } else { _mm_set1_epi16(x) });
        // Where the coefficient is zero, so is its quotient: the half divisor rounds down.
        let q = _mm_sub_epi16(_mm_xor_si128(q, sign), sign);
        // SAFETY: coefficients 8u..8u + 8 are inside the block.
        unsafe { _mm_storeu_si128(out.q[8 * u..].as_mut_ptr().cast::<__m128i>(), q) };
    }
    out.nonzero = nonzero_mask(&out.q);
}

lane_ops!(narrow, __m128i, "sse2", {
    add16: _mm_add_epi16, sub16: _mm_sub_epi16, add32: _mm_add_epi32,
    set16: _mm_set1_epi16, set32: _mm_set1_epi32, madd: _mm_madd_epi16,
    srai16: _mm_srai_epi16, slli16: _mm_slli_epi16, srai32: _mm_srai_epi32,
    packs32: _mm_packs_epi32,
    unpack16: (_mm_unpacklo_epi16, _mm_unpackhi_epi16),
    unpack32: (_mm_unpacklo_epi32, _mm_unpackhi_epi32),
    unpack64: (_mm_unpacklo_epi64, _mm_unpackhi_epi64),
});
