//! The 8- to 32-point DCTs with AVX2's 16-bit multiply-adds. Forward: the
//! row pass as matrix rows times the residual row (eight outputs a register, two
//! samples a multiply-add), then, when every row-pass output fits 16 bits (always, for
//! 8-bit residuals), the column pass the same way on pairs of rows; otherwise the
//! portable column pass. The 16- and 32-point passes multiply half the matrix: row k of
//! the DCT matrix is symmetric for even k and antisymmetric for odd k, so even outputs
//! need only the sums x[i] + x[N-1-i] and odd ones the differences (the column pass so
//! when those fit 16 bits, as they do but for extreme residuals). Inverse (8 to 32): both passes so, skipping the pairs of zero
//! coefficients. The sums are the portable ones regrouped (exact: at most
//! 32 x 90 x 32768 < 2^31) and the clips the same, so the results are equal; the tests
//! beside the portable transform compare them.

use std::arch::x86_64::{
    __m128i, __m256i, _mm256_abs_epi32, _mm256_add_epi16, _mm256_add_epi32, _mm256_and_si256,
    _mm256_blend_epi32, _mm256_loadu_si256, _mm256_madd_epi16, _mm256_max_epi32, _mm256_min_epi32,
    _mm256_or_si256, _mm256_packs_epi32, _mm256_permute4x64_epi64, _mm256_set1_epi32,
    _mm256_setr_epi8, _mm256_setzero_si256, _mm256_shuffle_epi8, _mm256_slli_epi32,
    _mm256_srai_epi32, _mm256_storeu_si256, _mm256_sub_epi16, _mm256_sub_epi32, _mm256_testz_si256,
    _mm_add_epi16, _mm_loadu_si128, _mm_setr_epi8, _mm_shuffle_epi8, _mm_storeu_si128,
    _mm_sub_epi16,
};

use crate::transform::{forward_dct_columns, inverse_dc, only_dc, DCT};

/// `PAIRS[N][m][g]`: for residual samples 2m and 2m + 1, the coefficients of outputs
/// 8g..8g + 8 of the N-point DCT, as sixteen 16-bit values (output j's two coefficients
/// side by side, as the multiply-add pairs them with the two samples).
type Pairs<const P: usize, const G: usize> = [[[i16; 16]; G]; P];

static PAIRS8: Pairs<4, 1> = pairs::<4, 1>(false);
static PAIRS16: Pairs<8, 2> = pairs::<8, 2>(false);
static PAIRS32: Pairs<16, 4> = pairs::<16, 4>(false);

/// Entry `(k, i)` of the N-point DCT matrix (row k is basis function k), or of its
/// transpose: row k of the 32-point matrix every `32 / n` rows, first n columns.
const fn entry(n: usize, k: usize, i: usize, transposed: bool) -> i16 {
    let step = 32 / n;
    if transposed {
        DCT[i * step][k] as i16
    } else {
        DCT[k * step][i] as i16
    }
}

/// [`Pairs`] of the N-point matrix (N = 2P) or, `transposed`, of its transpose: entry
/// `[m][g]` holds, for outputs 8g..8g + 8, their entries in columns 2m and 2m + 1.
const fn pairs<const P: usize, const G: usize>(transposed: bool) -> Pairs<P, G> {
    let n = 2 * P;
    let mut t = [[[0i16; 16]; G]; P];
    let mut m = 0;
    while m < P {
        let mut k = 0;
        while k < n {
            t[m][k / 8][2 * (k % 8)] = entry(n, k, 2 * m, transposed);
            t[m][k / 8][2 * (k % 8) + 1] = entry(n, k, 2 * m + 1, transposed);
            k += 1;
        }
        m += 1;
    }
    t
}

/// For each row k of the N-point matrix (or, `transposed`, of its transpose), its
/// entries in columns 2m and 2m + 1 as one 32-bit value (the first in the low half).
const fn dword_pairs<const P: usize, const N: usize>(transposed: bool) -> [[i32; P]; N] {
    let mut t = [[0i32; P]; N];
    let mut k = 0;
    while k < N {
        let mut m = 0;
        while m < P {
            let (a, b) = (
                entry(N, k, 2 * m, transposed),
                entry(N, k, 2 * m + 1, transposed),
            );
            t[k][m] = (a as u16 as u32 | (b as u16 as u32) << 16) as i32;
            m += 1;
        }
        k += 1;
    }
    t
}

/// [`crate::transform::forward`] of an 8x8 (`log2` 3), 16x16 (4) or 32x32 (5) DCT block.
/// Residuals are within ±4095 (see `forward`), so the row pass's sums and differences fit
/// 16 bits.
///
/// # Safety
/// The CPU must support AVX2.
#[target_feature(enable = "avx2")]
pub(super) unsafe fn forward_dct(residual: &[i16], coeffs: &mut [i32], log2: u32) {
    // Every row-pass output fits 16 bits for 8-bit residuals (larger ones take the
    // portable column pass), and their sums and differences all but always do.
    let largest = match log2 {
        3 => rows::<8, 4, 1, 2>(&residual[..64], &mut coeffs[..64], &PAIRS8),
        4 => rows_by_halves::<16, 8, 2, 3>(&residual[..256], &mut coeffs[..256], &PAIRS16),
        _ => rows_by_halves::<32, 16, 4, 4>(&residual[..1024], &mut coeffs[..1024], &PAIRS32),
    };
    let fits = largest <= i32::from(i16::MAX);
    let halves_fit = largest <= i32::from(i16::MAX) / 2;
    match (log2, fits, halves_fit) {
        (3, true, _) => columns::<8, 4, 1, 9>(&mut coeffs[..64], &COLUMN_PAIRS8),
        (4, _, true) => columns_by_halves::<16, 8, 2, 10>(&mut coeffs[..256], &COLUMN_PAIRS16),
        (4, true, _) => columns::<16, 8, 2, 10>(&mut coeffs[..256], &COLUMN_PAIRS16),
        (5, _, true) => columns_by_halves::<32, 16, 4, 11>(&mut coeffs[..1024], &COLUMN_PAIRS32),
        (5, true, _) => columns::<32, 16, 4, 11>(&mut coeffs[..1024], &COLUMN_PAIRS32),
        _ => forward_dct_columns(coeffs, log2),
    }
}

/// `a` and `b` (eight i32 each, within 16 bits) as eight 32-bit lanes of two 16-bit values,
/// `a`'s in the low half: what the multiply-add takes.
///
/// # Safety
/// The CPU must support AVX2.
#[inline]
#[target_feature(enable = "avx2")]
unsafe fn interleave(a: __m256i, b: __m256i) -> __m256i {
    _mm256_or_si256(
        _mm256_and_si256(a, _mm256_set1_epi32(0xFFFF)),
        _mm256_slli_epi32::<16>(b),
    )
}

/// Eight i32 at `block[at..]`.
///
/// # Safety
/// The CPU must support AVX2.
#[inline]
#[target_feature(enable = "avx2")]
unsafe fn load8(block: &[i32], at: usize) -> __m256i {
    let src = &block[at..at + 8];
    // SAFETY: eight i32 (32 bytes); unaligned load.
    unsafe { _mm256_loadu_si256(src.as_ptr().cast::<__m256i>()) }
}

/// The eight values at `block[at..]` and the eight one row (`stride`) below, interleaved
/// (see [`interleave`]). The values must fit 16 bits.
///
/// # Safety
/// The CPU must support AVX2.
#[inline]
#[target_feature(enable = "avx2")]
unsafe fn row_pair(block: &[i32], at: usize, stride: usize) -> __m256i {
    interleave(load8(block, at), load8(block, at + stride))
}

/// `COLUMN_PAIRS[v][m]`: coefficients 2m and 2m + 1 of row v of the N-point DCT as one
/// 32-bit value (the first in the low half), to multiply-add with rows 2m and 2m + 1.
static COLUMN_PAIRS8: [[i32; 4]; 8] = dword_pairs::<4, 8>(false);
static COLUMN_PAIRS16: [[i32; 8]; 16] = dword_pairs::<8, 16>(false);
static COLUMN_PAIRS32: [[i32; 16]; 32] = dword_pairs::<16, 32>(false);

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
    // pairs[m][g]: rows 2m and 2m + 1 of columns 8g..8g + 8, as 16-bit pairs.
    let mut pairs = [[_mm256_setzero_si256(); G]; P];
    for (m, row) in pairs.iter_mut().enumerate() {
        for (g, pair) in row.iter_mut().enumerate() {
            *pair = row_pair(coeffs, 2 * m * N + 8 * g, N);
        }
    }
    for (v, coefs) in table.iter().enumerate() {
        store_column_outputs::<N, G, SHIFT>(coeffs, v, &pairs, coefs);
    }
}

/// [`columns`] by halves, for row-pass outputs within ±16383: pairs of the sums of rows
/// y and N-1-y (y < N/2) for the even output rows, of their differences for the odd ones.
///
/// # Safety
/// The CPU must support AVX2.
#[inline]
#[target_feature(enable = "avx2")]
unsafe fn columns_by_halves<const N: usize, const P: usize, const G: usize, const SHIFT: i32>(
    coeffs: &mut [i32],
    table: &[[i32; P]; N],
) {
    // sums[m][g] / differences[m][g]: of rows 2m and 2m + 1 with their mirrors, columns
    // 8g..8g + 8, as 16-bit pairs; the first P / 2 entries are used.
    let mut sums = [[_mm256_setzero_si256(); G]; P];
    let mut differences = [[_mm256_setzero_si256(); G]; P];
    for m in 0..P / 2 {
        for g in 0..G {
            let row = |y: usize| load8(coeffs, y * N + 8 * g);
            let (a, b) = (row(2 * m), row(2 * m + 1));
            let (a_mirror, b_mirror) = (row(N - 1 - 2 * m), row(N - 2 - 2 * m));
            sums[m][g] = interleave(_mm256_add_epi32(a, a_mirror), _mm256_add_epi32(b, b_mirror));
            differences[m][g] =
                interleave(_mm256_sub_epi32(a, a_mirror), _mm256_sub_epi32(b, b_mirror));
        }
    }
    for (v, coefs) in table.iter().enumerate() {
        let halves = if v % 2 == 0 { &sums } else { &differences };
        store_column_outputs::<N, G, SHIFT>(coeffs, v, &halves[..P / 2], &coefs[..P / 2]);
    }
}

/// Output row `v` of a column pass: each group of eight columns the sum over `pairs` of
/// the multiply-add with the matching coefficient pair, rounded and shifted by `SHIFT`.
///
/// # Safety
/// The CPU must support AVX2.
#[inline]
#[target_feature(enable = "avx2")]
unsafe fn store_column_outputs<const N: usize, const G: usize, const SHIFT: i32>(
    coeffs: &mut [i32],
    v: usize,
    pairs: &[[__m256i; G]],
    coefs: &[i32],
) {
    let round = _mm256_set1_epi32(1 << (SHIFT - 1));
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

/// The row pass of an N-point DCT (`P` = N / 2 sample pairs, `G` = N / 8 output groups),
/// each sum rounded and shifted right by `SHIFT` (log2 N - 1). Returns the largest
/// magnitude written.
///
/// # Safety
/// The CPU must support AVX2.
#[inline]
#[target_feature(enable = "avx2")]
unsafe fn rows<const N: usize, const P: usize, const G: usize, const SHIFT: i32>(
    residual: &[i16],
    coeffs: &mut [i32],
    pairs: &Pairs<P, G>,
) -> i32 {
    let mut largest = _mm256_setzero_si256();
    for (src, out) in residual.chunks_exact(N).zip(coeffs.chunks_exact_mut(N)) {
        let mut acc = [_mm256_setzero_si256(); G];
        for (m, coefs) in pairs.iter().enumerate() {
            // Samples 2m and 2m + 1 as one 32-bit value in every lane.
            let two = u32::from(src[2 * m] as u16) | u32::from(src[2 * m + 1] as u16) << 16;
            multiply_add(&mut acc, _mm256_set1_epi32(two as i32), coefs);
        }
        store_row_outputs::<G, SHIFT>(&acc, out, &mut largest);
    }
    largest_lane(largest)
}

/// [`rows`] by halves (N = 16 or 32): the sums x[i] + x[N-1-i] and differences
/// x[i] - x[N-1-i] (i < N/2) of each row, a pair of sums in the even output lanes and the
/// pair of differences in the odd ones of each multiply-add.
///
/// # Safety
/// The CPU must support AVX2.
#[inline]
#[target_feature(enable = "avx2")]
unsafe fn rows_by_halves<const N: usize, const P: usize, const G: usize, const SHIFT: i32>(
    residual: &[i16],
    coeffs: &mut [i32],
    pairs: &Pairs<P, G>,
) -> i32 {
    let mut largest = _mm256_setzero_si256();
    for (src, out) in residual.chunks_exact(N).zip(coeffs.chunks_exact_mut(N)) {
        let (sums, differences) = row_halves::<N>(src);
        let mut acc = [_mm256_setzero_si256(); G];
        for (m, coefs) in pairs.iter().take(P / 2).enumerate() {
            let samples = _mm256_blend_epi32::<0b1010_1010>(
                _mm256_set1_epi32(sums[m]),
                _mm256_set1_epi32(differences[m]),
            );
            multiply_add(&mut acc, samples, coefs);
        }
        store_row_outputs::<G, SHIFT>(&acc, out, &mut largest);
    }
    largest_lane(largest)
}

/// The sums x[i] + x[N-1-i] and differences x[i] - x[N-1-i] (i < N/2) of a row of N = 16
/// or 32 residuals within ±16383, as pairs of 16-bit values in 32-bit words.
///
/// # Safety
/// The CPU must support AVX2.
#[inline]
#[target_feature(enable = "avx2")]
unsafe fn row_halves<const N: usize>(src: &[i16]) -> ([i32; 8], [i32; 8]) {
    let (mut sums, mut differences) = ([0i32; 8], [0i32; 8]);
    if N == 32 {
        let src = &src[..32];
        // SAFETY: sixteen i16 (32 bytes) each; unaligned loads.
        let (low, high) = unsafe {
            (
                _mm256_loadu_si256(src.as_ptr().cast::<__m256i>()),
                _mm256_loadu_si256(src[16..].as_ptr().cast::<__m256i>()),
            )
        };
        // The high half reversed: words reversed in each 128-bit lane, then the lanes.
        let reverse = _mm256_setr_epi8(
            14, 15, 12, 13, 10, 11, 8, 9, 6, 7, 4, 5, 2, 3, 0, 1, //
            14, 15, 12, 13, 10, 11, 8, 9, 6, 7, 4, 5, 2, 3, 0, 1,
        );
        let mirror = _mm256_permute4x64_epi64::<0b01_00_11_10>(_mm256_shuffle_epi8(high, reverse));
        // SAFETY: eight i32 (32 bytes) each; unaligned stores.
        unsafe {
            _mm256_storeu_si256(sums.as_mut_ptr().cast(), _mm256_add_epi16(low, mirror));
            _mm256_storeu_si256(
                differences.as_mut_ptr().cast(),
                _mm256_sub_epi16(low, mirror),
            );
        }
    } else {
        let src = &src[..16];
        // SAFETY: eight i16 (16 bytes) each; unaligned loads.
        let (low, high) = unsafe {
            (
                _mm_loadu_si128(src.as_ptr().cast::<__m128i>()),
                _mm_loadu_si128(src[8..].as_ptr().cast::<__m128i>()),
            )
        };
        let reverse = _mm_setr_epi8(14, 15, 12, 13, 10, 11, 8, 9, 6, 7, 4, 5, 2, 3, 0, 1);
        let mirror = _mm_shuffle_epi8(high, reverse);
        // SAFETY: four i32 (16 bytes) each, into arrays of eight; unaligned stores.
        unsafe {
            _mm_storeu_si128(sums.as_mut_ptr().cast(), _mm_add_epi16(low, mirror));
            _mm_storeu_si128(differences.as_mut_ptr().cast(), _mm_sub_epi16(low, mirror));
        }
    }
    (sums, differences)
}

/// Adds to each output group the multiply-add of `samples` with its coefficient pairs.
///
/// # Safety
/// The CPU must support AVX2.
#[inline]
#[target_feature(enable = "avx2")]
unsafe fn multiply_add<const G: usize>(
    acc: &mut [__m256i; G],
    samples: __m256i,
    coefs: &[[i16; 16]; G],
) {
    for (a, c) in acc.iter_mut().zip(coefs) {
        // SAFETY: `c` is sixteen i16 (32 bytes); unaligned load.
        let c = unsafe { _mm256_loadu_si256(c.as_ptr().cast::<__m256i>()) };
        *a = _mm256_add_epi32(*a, _mm256_madd_epi16(samples, c));
    }
}

/// Rounds, shifts and stores a row pass's output groups, tracking the largest magnitude.
///
/// # Safety
/// The CPU must support AVX2.
#[inline]
#[target_feature(enable = "avx2")]
unsafe fn store_row_outputs<const G: usize, const SHIFT: i32>(
    acc: &[__m256i; G],
    out: &mut [i32],
    largest: &mut __m256i,
) {
    let round = _mm256_set1_epi32(1 << (SHIFT - 1));
    for (a, dst) in acc.iter().zip(out.chunks_exact_mut(8)) {
        let v = _mm256_srai_epi32::<SHIFT>(_mm256_add_epi32(*a, round));
        *largest = _mm256_max_epi32(*largest, _mm256_abs_epi32(v));
        // SAFETY: `dst` is eight i32 (32 bytes); unaligned store.
        unsafe { _mm256_storeu_si256(dst.as_mut_ptr().cast::<__m256i>(), v) };
    }
}

/// The largest of eight i32 lanes.
///
/// # Safety
/// The CPU must support AVX2.
#[inline]
#[target_feature(enable = "avx2")]
unsafe fn largest_lane(v: __m256i) -> i32 {
    let mut lanes = [0i32; 8];
    // SAFETY: eight i32 (32 bytes); unaligned store.
    unsafe { _mm256_storeu_si256(lanes.as_mut_ptr().cast::<__m256i>(), v) };
    lanes.into_iter().max().unwrap_or(0)
}

/// `INVERSE_PAIRS[N][m][g]`: for coefficients 2m and 2m + 1 of a row, their basis
/// functions' samples 8g..8g + 8, side by side as the multiply-add pairs them.
static INVERSE_PAIRS8: Pairs<4, 1> = pairs::<4, 1>(true);
static INVERSE_PAIRS16: Pairs<8, 2> = pairs::<8, 2>(true);
static INVERSE_PAIRS32: Pairs<16, 4> = pairs::<16, 4>(true);

/// `INVERSE_COLUMN[N][y][m]`: samples y of basis functions 2m and 2m + 1 as one 32-bit
/// value, to multiply-add with coefficient rows 2m and 2m + 1.
static INVERSE_COLUMN8: [[i32; 4]; 8] = dword_pairs::<4, 8>(true);
static INVERSE_COLUMN16: [[i32; 8]; 16] = dword_pairs::<8, 16>(true);
static INVERSE_COLUMN32: [[i32; 16]; 32] = dword_pairs::<16, 32>(true);

/// [`crate::transform::inverse`] of an 8x8, 16x16 or 32x32 DCT block (`log2` 3..=5)
/// whose coefficients are within 16 bits (as dequantised ones are), with 16-bit
/// multiply-adds: the column pass eight columns a register on interleaved pairs of
/// coefficient rows, the row pass eight samples a register, both skipping the pairs of
/// zero coefficients most blocks are made of. The clips are the portable code's (by
/// saturating packs), the sums its sums regrouped, so the residual is equal.
///
/// # Safety
/// The CPU must support AVX2.
#[target_feature(enable = "avx2")]
pub(super) unsafe fn inverse_dct(coeffs: &[i32], residual: &mut [i16], log2: u32) {
    let n = 1usize << log2;
    let (coeffs, residual) = (&coeffs[..n * n], &mut residual[..n * n]);
    if only_dc(coeffs) {
        residual.fill(inverse_dc(coeffs[0]));
        return;
    }
    match log2 {
        3 => inverse_nxn::<8, 4, 1>(coeffs, residual, &INVERSE_COLUMN8, &INVERSE_PAIRS8),
        4 => inverse_nxn::<16, 8, 2>(coeffs, residual, &INVERSE_COLUMN16, &INVERSE_PAIRS16),
        _ => inverse_nxn::<32, 16, 4>(coeffs, residual, &INVERSE_COLUMN32, &INVERSE_PAIRS32),
    }
}

/// # Safety
/// The CPU must support AVX2.
#[inline]
#[target_feature(enable = "avx2")]
unsafe fn inverse_nxn<const N: usize, const P: usize, const G: usize>(
    coeffs: &[i32],
    residual: &mut [i16],
    column: &[[i32; P]; N],
    row_pairs: &Pairs<P, G>,
) {
    // Column pass: g[y][u] = clip16((sum_v M[v][y] c[v][u] + 64) >> 7), lanes over u;
    // columns of zero coefficients leave zeros, and the row pass stops at the last column
    // group holding any.
    let mut g = [[0i32; N]; N];
    let mut used_pairs = 0;
    let (lo16, hi16) = (_mm256_set1_epi32(-32768), _mm256_set1_epi32(32767));
    for grp in 0..G {
        // The non-zero pairs of coefficient rows in these columns, as 16-bit pairs.
        let mut pairs = [(0usize, _mm256_setzero_si256()); P];
        let mut count = 0;
        for m in 0..P {
            let pair = row_pair(coeffs, 2 * m * N + 8 * grp, N);
            if _mm256_testz_si256(pair, pair) == 0 {
                pairs[count] = (m, pair);
                count += 1;
            }
        }
        if count == 0 {
            continue;
        }
        used_pairs = 4 * (grp + 1);
        let round = _mm256_set1_epi32(64);
        for (y, basis) in column.iter().enumerate() {
            let mut acc = round;
            for &(m, pair) in &pairs[..count] {
                acc = _mm256_add_epi32(acc, _mm256_madd_epi16(pair, _mm256_set1_epi32(basis[m])));
            }
            let v = _mm256_srai_epi32::<7>(acc);
            let v = _mm256_max_epi32(_mm256_min_epi32(v, hi16), lo16);
            let dst = &mut g[y][8 * grp..][..8];
            // SAFETY: eight i32 (32 bytes); unaligned store.
            unsafe { _mm256_storeu_si256(dst.as_mut_ptr().cast::<__m256i>(), v) };
        }
    }
    // Row pass: r[y][x] = clip16((sum_u M[u][x] g[y][u] + 2048) >> 12), lanes over x.
    let round = _mm256_set1_epi32(2048);
    for (row, out) in g.iter().zip(residual.chunks_exact_mut(N)) {
        let mut acc = [round; G];
        for (m, basis) in row_pairs.iter().enumerate().take(used_pairs) {
            let two = (row[2 * m] as u16 as u32) | (row[2 * m + 1] as u16 as u32) << 16;
            if two == 0 {
                continue;
            }
            let samples = _mm256_set1_epi32(two as i32);
            for (acc, c) in acc.iter_mut().zip(basis) {
                // SAFETY: `c` is sixteen i16 (32 bytes); unaligned load.
                let c = unsafe { _mm256_loadu_si256(c.as_ptr().cast::<__m256i>()) };
                *acc = _mm256_add_epi32(*acc, _mm256_madd_epi16(samples, c));
            }
        }
        store_clipped(&acc.map(|a| _mm256_srai_epi32::<12>(a)), out);
    }
}

/// Stores `G` registers of eight i32 as `8 G` i16, each clipped to 16 bits.
///
/// # Safety
/// The CPU must support AVX2.
#[inline]
#[target_feature(enable = "avx2")]
unsafe fn store_clipped<const G: usize>(v: &[__m256i; G], out: &mut [i16]) {
    if G == 1 {
        // Packs interleave 128-bit lanes; the permute puts the eight values first.
        let packed = _mm256_permute4x64_epi64::<0b11_01_10_00>(_mm256_packs_epi32(v[0], v[0]));
        let mut tmp = [0i16; 16];
        // SAFETY: sixteen i16 (32 bytes); unaligned store.
        unsafe { _mm256_storeu_si256(tmp.as_mut_ptr().cast::<__m256i>(), packed) };
        out[..8].copy_from_slice(&tmp[..8]);
        return;
    }
    for (i, pair) in v.chunks_exact(2).enumerate() {
        let packed =
            _mm256_permute4x64_epi64::<0b11_01_10_00>(_mm256_packs_epi32(pair[0], pair[1]));
        let dst = &mut out[16 * i..][..16];
        // SAFETY: sixteen i16 (32 bytes); unaligned store.
        unsafe { _mm256_storeu_si256(dst.as_mut_ptr().cast::<__m256i>(), packed) };
    }
}
