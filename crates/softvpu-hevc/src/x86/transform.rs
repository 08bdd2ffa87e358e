//! The 16- and 32-point forward DCT with AVX2's 16-bit multiply-adds: the row pass as
//! whole matrix rows times the residual row (eight outputs a register, two samples a
//! multiply-add), then, when every row-pass output fits 16 bits (always, for 8-bit
//! residuals), the column pass the same way on pairs of rows; otherwise the portable
//! column pass. The sums are the portable ones regrouped (exact: at most
//! 32 x 90 x 32768 < 2^31), so the coefficients are equal; the tests beside the portable
//! transform compare them.

use std::arch::x86_64::{
    __m256i, _mm256_abs_epi32, _mm256_add_epi32, _mm256_and_si256, _mm256_cmpgt_epi32,
    _mm256_loadu_si256, _mm256_madd_epi16, _mm256_max_epi32, _mm256_movemask_epi8, _mm256_or_si256,
    _mm256_set1_epi32, _mm256_setzero_si256, _mm256_slli_epi32, _mm256_srai_epi32,
    _mm256_storeu_si256,
};

use crate::transform::{forward_dct_columns, DCT};

/// `PAIRS[N][m][g]`: for residual samples 2m and 2m + 1, the coefficients of outputs
/// 8g..8g + 8 of the N-point DCT, as sixteen 16-bit values (output j's two coefficients
/// side by side, as the multiply-add pairs them with the two samples).
type Pairs<const P: usize, const G: usize> = [[[i16; 16]; G]; P];

static PAIRS16: Pairs<8, 2> = pairs::<8, 2>();
static PAIRS32: Pairs<16, 4> = pairs::<16, 4>();

const fn pairs<const P: usize, const G: usize>() -> Pairs<P, G> {
    let n = 2 * P;
    let step = 32 / n; // row k of the n-point matrix is row k * step of the 32-point one
    let mut t = [[[0i16; 16]; G]; P];
    let mut m = 0;
    while m < P {
        let mut k = 0;
        while k < n {
            let row = &DCT[k * step];
            t[m][k / 8][2 * (k % 8)] = row[2 * m] as i16;
            t[m][k / 8][2 * (k % 8) + 1] = row[2 * m + 1] as i16;
            k += 1;
        }
        m += 1;
    }
    t
}

/// [`crate::transform::forward`] of a 16x16 (`log2` 4) or 32x32 (`log2` 5) DCT block.
///
/// # Safety
/// The CPU must support AVX2.
#[target_feature(enable = "avx2")]
pub(super) unsafe fn forward_dct(residual: &[i16], coeffs: &mut [i32], log2: u32) {
    // Every row-pass output fits 16 bits for 8-bit residuals; larger ones take the
    // portable column pass.
    if log2 == 4 {
        if rows::<16, 8, 2, 3>(&residual[..256], &mut coeffs[..256], &PAIRS16) {
            return columns::<16, 8, 2, 10>(&mut coeffs[..256], &COLUMN_PAIRS16);
        }
    } else if rows::<32, 16, 4, 4>(&residual[..1024], &mut coeffs[..1024], &PAIRS32) {
        return columns::<32, 16, 4, 11>(&mut coeffs[..1024], &COLUMN_PAIRS32);
    }
    forward_dct_columns(coeffs, log2);
}

/// `COLUMN_PAIRS[v][m]`: coefficients 2m and 2m + 1 of row v of the N-point DCT as one
/// 32-bit value (the first in the low half), to multiply-add with rows 2m and 2m + 1.
static COLUMN_PAIRS16: [[i32; 8]; 16] = column_pairs::<8, 16>();
static COLUMN_PAIRS32: [[i32; 16]; 32] = column_pairs::<16, 32>();

const fn column_pairs<const P: usize, const N: usize>() -> [[i32; P]; N] {
    let step = 32 / N;
    let mut t = [[0i32; P]; N];
    let mut v = 0;
    while v < N {
        let mut m = 0;
        while m < P {
            let (a, b) = (DCT[v * step][2 * m] as i16, DCT[v * step][2 * m + 1] as i16);
            t[v][m] = (a as u16 as u32 | (b as u16 as u32) << 16) as i32;
            m += 1;
        }
        v += 1;
    }
    t
}

/// The column pass with 16-bit multiply-adds, for row-pass outputs that all fit 16 bits:
/// pairs of rows interleaved, then each output row as eight columns a register, each
/// sum rounded and shifted right by `SHIFT` (log2 N + 6).
///
/// # Safety
/// The CPU must support AVX2.
#[inline]
#[target_feature(enable = "avx2")]
unsafe fn columns<const N: usize, const P: usize, const G: usize, const SHIFT: i32>(
    coeffs: &mut [i32],
    table: &[[i32; P]; N],
) {
    let load = |i: usize| {
        let src = &coeffs[i..i + 8];
        // SAFETY: eight i32 (32 bytes); unaligned load.
        unsafe { _mm256_loadu_si256(src.as_ptr().cast::<__m256i>()) }
    };
    // pairs[m][g]: rows 2m and 2m + 1 of columns 8g..8g + 8, as 16-bit pairs.
    let mut pairs = [[_mm256_setzero_si256(); G]; P];
    let low = _mm256_set1_epi32(0xFFFF);
    for (m, row) in pairs.iter_mut().enumerate() {
        for (g, pair) in row.iter_mut().enumerate() {
            let (a, b) = (load(2 * m * N + 8 * g), load((2 * m + 1) * N + 8 * g));
            *pair = _mm256_or_si256(_mm256_and_si256(a, low), _mm256_slli_epi32::<16>(b));
        }
    }
    let round = _mm256_set1_epi32(1 << (SHIFT - 1));
    for (v, coefs) in table.iter().enumerate() {
        for g in 0..G {
            let mut acc = _mm256_setzero_si256();
            for (pair, &c) in pairs.iter().zip(coefs) {
                acc = _mm256_add_epi32(acc, _mm256_madd_epi16(pair[g], _mm256_set1_epi32(c)));
            }
            let out = _mm256_srai_epi32::<SHIFT>(_mm256_add_epi32(acc, round));
            let dst = &mut coeffs[v * N + 8 * g..][..8];
            // SAFETY: eight i32 (32 bytes); unaligned store.
            unsafe { _mm256_storeu_si256(dst.as_mut_ptr().cast::<__m256i>(), out) };
        }
    }
}

/// The row pass of an N-point DCT (`P` = N / 2 sample pairs, `G` = N / 8 output groups),
/// each sum rounded and shifted right by `SHIFT` (log2 N - 1). Returns whether every
/// output fits 16 bits.
///
/// # Safety
/// The CPU must support AVX2.
#[inline]
#[target_feature(enable = "avx2")]
unsafe fn rows<const N: usize, const P: usize, const G: usize, const SHIFT: i32>(
    residual: &[i16],
    coeffs: &mut [i32],
    pairs: &Pairs<P, G>,
) -> bool {
    let round = _mm256_set1_epi32(1 << (SHIFT - 1));
    // The largest magnitude written, to tell whether every output fits 16 bits.
    let mut largest = _mm256_setzero_si256();
    for (src, out) in residual.chunks_exact(N).zip(coeffs.chunks_exact_mut(N)) {
        let mut acc = [_mm256_setzero_si256(); G];
        for (m, coefs) in pairs.iter().enumerate() {
            // Samples 2m and 2m + 1 as one 32-bit value in every lane.
            let two = u32::from(src[2 * m] as u16) | u32::from(src[2 * m + 1] as u16) << 16;
            let samples = _mm256_set1_epi32(two as i32);
            for (a, c) in acc.iter_mut().zip(coefs) {
                // SAFETY: `c` is sixteen i16 (32 bytes); unaligned load.
                let c = unsafe { _mm256_loadu_si256(c.as_ptr().cast::<__m256i>()) };
                *a = _mm256_add_epi32(*a, _mm256_madd_epi16(samples, c));
            }
        }
        for (a, dst) in acc.iter().zip(out.chunks_exact_mut(8)) {
            let v = _mm256_srai_epi32::<SHIFT>(_mm256_add_epi32(*a, round));
            largest = _mm256_max_epi32(largest, _mm256_abs_epi32(v));
            // SAFETY: `dst` is eight i32 (32 bytes); unaligned store.
            unsafe { _mm256_storeu_si256(dst.as_mut_ptr().cast::<__m256i>(), v) };
        }
    }
    let over = _mm256_cmpgt_epi32(largest, _mm256_set1_epi32(i32::from(i16::MAX)));
    _mm256_movemask_epi8(over) == 0
}
