//! The row pass of the 16- and 32-point forward DCT with AVX2's 16-bit multiply-add: each
//! output is the whole matrix row times the residual row (no butterflies), eight outputs a
//! register, two residual samples a multiply-add. The portable column pass follows. The
//! sums are the portable ones regrouped (exact for any 16-bit residual: at most
//! 32 x 90 x 32768 < 2^31), so the coefficients are equal; the tests beside the portable
//! transform compare them.

use std::arch::x86_64::{
    __m256i, _mm256_add_epi32, _mm256_loadu_si256, _mm256_madd_epi16, _mm256_set1_epi32,
    _mm256_setzero_si256, _mm256_srai_epi32, _mm256_storeu_si256,
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
    if log2 == 4 {
        rows::<16, 8, 2, 3>(&residual[..256], &mut coeffs[..256], &PAIRS16);
    } else {
        rows::<32, 16, 4, 4>(&residual[..1024], &mut coeffs[..1024], &PAIRS32);
    }
    forward_dct_columns(coeffs, log2);
}

/// The row pass of an N-point DCT (`P` = N / 2 sample pairs, `G` = N / 8 output groups),
/// each sum rounded and shifted right by `SHIFT` (log2 N - 1).
///
/// # Safety
/// The CPU must support AVX2.
#[inline]
#[target_feature(enable = "avx2")]
unsafe fn rows<const N: usize, const P: usize, const G: usize, const SHIFT: i32>(
    residual: &[i16],
    coeffs: &mut [i32],
    pairs: &Pairs<P, G>,
) {
    let round = _mm256_set1_epi32(1 << (SHIFT - 1));
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
            // SAFETY: `dst` is eight i32 (32 bytes); unaligned store.
            unsafe { _mm256_storeu_si256(dst.as_mut_ptr().cast::<__m256i>(), v) };
        }
    }
}
