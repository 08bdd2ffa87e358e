//! The luma 8-tap interpolation of `mc` with SSE4.1, eight samples at a time, for blocks
//! whose width is a multiple of 8, and with AVX2, sixteen at a time, for multiples of 16
//! (its horizontal pass by byte multiply-adds of sample pairs). The arithmetic is the
//! scalar code's: 16-bit sums for a single pass (exact, |sum| <= 112 * 255), 32-bit for
//! the second pass of a 2-D filter.

use std::arch::x86_64::{
    __m128i, _mm_add_epi16, _mm_add_epi32, _mm_alignr_epi8, _mm_cvtepu8_epi16, _mm_loadu_si128,
    _mm_madd_epi16, _mm_mullo_epi16, _mm_packs_epi32, _mm_packus_epi16, _mm_set1_epi16,
    _mm_set1_epi32, _mm_setzero_si128, _mm_srai_epi16, _mm_srai_epi32, _mm_srli_si128,
    _mm_storel_epi64, _mm_storeu_si128, _mm_unpackhi_epi16, _mm_unpacklo_epi16,
};

use std::arch::x86_64::_mm_loadl_epi64;
use std::arch::x86_64::{
    __m256i, _mm256_add_epi16, _mm256_add_epi32, _mm256_castsi128_si256, _mm256_castsi256_si128,
    _mm256_cvtepu8_epi16, _mm256_inserti128_si256, _mm256_loadu_si256, _mm256_madd_epi16,
    _mm256_maddubs_epi16, _mm256_mullo_epi16, _mm256_packs_epi32, _mm256_packus_epi16,
    _mm256_permute4x64_epi64, _mm256_set1_epi16, _mm256_set1_epi32, _mm256_setzero_si256,
    _mm256_shuffle_epi8, _mm256_srai_epi16, _mm256_srai_epi32, _mm256_storeu_si256,
    _mm256_unpackhi_epi16, _mm256_unpacklo_epi16,
};

/// Which passes a block needs.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Passes<'t> {
    Horizontal(&'t [i32; 8]),
    Vertical(&'t [i32; 8]),
    Both(&'t [i32; 8], &'t [i32; 8]),
}

/// Filters the `w` x `h` block of `win` (h + 7 rows of w + 7 samples, `ww` apart, the
/// block's integer position at (3, 3)) into `out` (stride `w`); `temp` holds the first
/// pass of a 2-D filter.
///
/// # Safety
/// The CPU must support SSE4.1; `w` must be a multiple of 8, `win` must hold
/// `ww * (h + 6) + w + 7` samples and `out` `w * h`. Every access below stays inside
/// those bounds (checked once here instead of at each load).
#[target_feature(enable = "sse4.1")]
pub(super) unsafe fn luma(
    win: &[u8],
    ww: usize,
    (w, h): (usize, usize),
    passes: Passes<'_>,
    temp: &mut Vec<i16>,
    out: &mut [u8],
) {
    // Blocks 8 wide (the usual width here) get a copy whose row loops have one step.
    // SAFETY: the caller's promise, passed on.
    unsafe {
        match w {
            8 => luma_rows::<1>(win, ww, (w, h), passes, temp, out),
            _ => luma_rows::<0>(win, ww, (w, h), passes, temp, out),
        }
    }
}

/// [`luma`] for blocks of `CHUNKS` x 8 samples wide (0: any multiple of 8).
///
/// # Safety
/// As [`luma`].
#[inline]
#[target_feature(enable = "sse4.1")]
unsafe fn luma_rows<const CHUNKS: usize>(
    win: &[u8],
    ww: usize,
    (w, h): (usize, usize),
    passes: Passes<'_>,
    temp: &mut Vec<i16>,
    out: &mut [u8],
) {
    debug_assert!(w % 8 == 0 && win.len() >= ww * (h + 6) + w + 7 && out.len() >= w * h);
    let (src, dst) = (win.as_ptr(), out.as_mut_ptr());
    match passes {
        Passes::Horizontal(tx) => {
            let taps = tx.map(|t| _mm_set1_epi16(t as i16));
            for r in 0..h {
                for i in columns::<8, CHUNKS>(w) {
                    // SAFETY: row r + 3 holds w + 7 >= i + 15 samples; out row r holds w.
                    unsafe {
                        let acc = horizontal8(src.add((r + 3) * ww + i), &taps);
                        store8(dst.add(r * w + i), round6(acc));
                    }
                }
            }
        }
        Passes::Vertical(ty) => {
            let taps = ty.map(|t| _mm_set1_epi16(t as i16));
            for r in 0..h {
                for i in columns::<8, CHUNKS>(w) {
                    let mut acc = _mm_setzero_si128();
                    for (k, t) in taps.iter().enumerate() {
                        // SAFETY: 8 samples from column i + 3 <= w - 5 of row r + k <= h + 6.
                        let v = unsafe { load8(src.add((r + k) * ww + i + 3)) };
                        acc = _mm_add_epi16(acc, _mm_mullo_epi16(_mm_cvtepu8_epi16(v), *t));
                    }
                    // SAFETY: out row r holds w >= i + 8 samples.
                    unsafe { store8(dst.add(r * w + i), round6(acc)) };
                }
            }
        }
        Passes::Both(tx, ty) => {
            let taps = tx.map(|t| _mm_set1_epi16(t as i16));
            // Every value is written before it is read: grow, never clear.
            if temp.len() < w * (h + 7) {
                temp.resize(w * (h + 7), 0);
            }
            let tmp = temp.as_mut_ptr();
            for r in 0..h + 7 {
                for i in columns::<8, CHUNKS>(w) {
                    // SAFETY: window row r holds w + 7 >= i + 15 samples; `temp` has h + 7
                    // rows of w values.
                    unsafe {
                        let acc = horizontal8(src.add(r * ww + i), &taps);
                        _mm_storeu_si128(tmp.add(r * w + i).cast::<__m128i>(), acc);
                    }
                }
            }
            // Pairs of vertical taps for 16x16 -> 32-bit multiply-adds.
            let pairs: [__m128i; 4] = std::array::from_fn(|p| {
                let (a, b) = (ty[2 * p] as i16 as u16, ty[2 * p + 1] as i16 as u16);
                _mm_set1_epi32(((u32::from(b) << 16) | u32::from(a)) as i32)
            });
            let tmp = temp.as_ptr();
            for r in 0..h {
                for i in columns::<8, CHUNKS>(w) {
                    // SAFETY: `temp` rows r..r + 8 hold w >= i + 8 values; out row r holds w.
                    unsafe {
                        let sums = vertical8_i16(tmp.add(r * w + i), w, &pairs);
                        store8(dst.add(r * w + i), sums);
                    }
                }
            }
        }
    }
}

/// `sum_k taps[k] * p[j + k]` for j in 0..8, in 16 bits.
///
/// # Safety
/// SSE4.1; `p` points at 15 readable samples.
#[target_feature(enable = "sse4.1")]
unsafe fn horizontal8(p: *const u8, taps: &[__m128i; 8]) -> __m128i {
    // SAFETY: p[0..8] and p[7..15] are readable.
    let (lo, hi) = unsafe { (load8(p), load8(p.add(7))) };
    let lo = _mm_cvtepu8_epi16(lo); // p[0..8]
    let hi = _mm_srli_si128::<2>(_mm_cvtepu8_epi16(hi)); // p[8..15], 0
    let mut acc = _mm_mullo_epi16(lo, taps[0]);
    acc = _mm_add_epi16(acc, _mm_mullo_epi16(_mm_alignr_epi8::<2>(hi, lo), taps[1]));
    acc = _mm_add_epi16(acc, _mm_mullo_epi16(_mm_alignr_epi8::<4>(hi, lo), taps[2]));
    acc = _mm_add_epi16(acc, _mm_mullo_epi16(_mm_alignr_epi8::<6>(hi, lo), taps[3]));
    acc = _mm_add_epi16(acc, _mm_mullo_epi16(_mm_alignr_epi8::<8>(hi, lo), taps[4]));
    acc = _mm_add_epi16(acc, _mm_mullo_epi16(_mm_alignr_epi8::<10>(hi, lo), taps[5]));
    acc = _mm_add_epi16(acc, _mm_mullo_epi16(_mm_alignr_epi8::<12>(hi, lo), taps[6]));
    _mm_add_epi16(acc, _mm_mullo_epi16(_mm_alignr_epi8::<14>(hi, lo), taps[7]))
}

/// The second pass of a 2-D filter from the first-pass rows at `p`, `w` apart:
/// ((sum >> 6) + 32) >> 6 as 16 bits.
///
/// # Safety
/// SSE4.1; `p` points at 8 rows of 8 readable values, `w` apart.
#[target_feature(enable = "sse4.1")]
unsafe fn vertical8_i16(p: *const i16, w: usize, pairs: &[__m128i; 4]) -> __m128i {
    // SAFETY: row k < 8 of 8 values is readable (the caller's promise).
    let row = |k: usize| unsafe { _mm_loadu_si128(p.add(k * w).cast::<__m128i>()) };
    let (mut lo, mut hi) = (_mm_setzero_si128(), _mm_setzero_si128());
    for (q, taps) in pairs.iter().enumerate() {
        let (a, b) = (row(2 * q), row(2 * q + 1));
        lo = _mm_add_epi32(lo, _mm_madd_epi16(_mm_unpacklo_epi16(a, b), *taps));
        hi = _mm_add_epi32(hi, _mm_madd_epi16(_mm_unpackhi_epi16(a, b), *taps));
    }
    let round =
        |v: __m128i| _mm_srai_epi32::<6>(_mm_add_epi32(_mm_srai_epi32::<6>(v), _mm_set1_epi32(32)));
    _mm_packs_epi32(round(lo), round(hi))
}

/// Loads 8 samples into the low half of a register.
///
/// # Safety
/// `p` points at 8 readable bytes.
#[inline(always)]
unsafe fn load8(p: *const u8) -> __m128i {
    // SAFETY: the caller's promise; the load is unaligned.
    unsafe { _mm_loadl_epi64(p.cast::<__m128i>()) }
}

/// (v + 32) >> 6 of a single-pass sum.
#[target_feature(enable = "sse4.1")]
fn round6(v: __m128i) -> __m128i {
    _mm_srai_epi16::<6>(_mm_add_epi16(v, _mm_set1_epi16(32)))
}

/// Clamps eight 16-bit values to 0..=255 and stores them at `p`.
///
/// # Safety
/// SSE4.1; `p` points at 8 writable bytes.
#[target_feature(enable = "sse4.1")]
unsafe fn store8(p: *mut u8, v: __m128i) {
    // SAFETY: the caller's promise; the store is unaligned.
    unsafe { _mm_storel_epi64(p.cast::<__m128i>(), _mm_packus_epi16(v, v)) };
}

/// Column offsets of `STEP`-sample groups across a row `w` wide: `CHUNKS` of them (a
/// fixed count, whose loops unroll), or as many as fit when `CHUNKS` is 0.
#[inline(always)]
fn columns<const STEP: usize, const CHUNKS: usize>(w: usize) -> impl Iterator<Item = usize> {
    let chunks = if CHUNKS == 0 { w / STEP } else { CHUNKS };
    (0..chunks).map(|c| STEP * c)
}

/// [`luma`] with AVX2, sixteen samples at a time, for blocks whose width is a multiple of
/// 16; the same arithmetic.
///
/// # Safety
/// The CPU must support AVX2; otherwise as [`luma`], with `w` a multiple of 16.
#[target_feature(enable = "avx2")]
pub(super) unsafe fn luma16(
    win: &[u8],
    ww: usize,
    (w, h): (usize, usize),
    passes: Passes<'_>,
    temp: &mut Vec<i16>,
    out: &mut [u8],
) {
    // The widths in use get their own copies, whose row loops have a fixed length.
    // SAFETY: the caller's promise, passed on.
    unsafe {
        match w {
            16 => luma16_rows::<1>(win, ww, (w, h), passes, temp, out),
            32 => luma16_rows::<2>(win, ww, (w, h), passes, temp, out),
            64 => luma16_rows::<4>(win, ww, (w, h), passes, temp, out),
            _ => luma16_rows::<0>(win, ww, (w, h), passes, temp, out),
        }
    }
}

/// [`luma16`] for blocks of `CHUNKS` x 16 samples wide (0: any multiple of 16).
///
/// # Safety
/// As [`luma16`].
#[inline]
#[target_feature(enable = "avx2")]
unsafe fn luma16_rows<const CHUNKS: usize>(
    win: &[u8],
    ww: usize,
    (w, h): (usize, usize),
    passes: Passes<'_>,
    temp: &mut Vec<i16>,
    out: &mut [u8],
) {
    debug_assert!(w % 16 == 0 && win.len() >= ww * (h + 6) + w + 7 && out.len() >= w * h);
    let (src, dst) = (win.as_ptr(), out.as_mut_ptr());
    match passes {
        Passes::Horizontal(tx) => {
            // SAFETY: AVX2 (the caller's promise).
            let taps = unsafe { TapPairs::new(tx) };
            for r in 0..h {
                for i in columns::<16, CHUNKS>(w) {
                    // SAFETY: row r + 3 holds w + 7 >= i + 23 samples; out row r holds w.
                    unsafe {
                        let acc = horizontal16(src.add((r + 3) * ww + i), &taps);
                        store16(dst.add(r * w + i), round6_256(acc));
                    }
                }
            }
        }
        Passes::Vertical(ty) => {
            let taps = ty.map(|t| _mm256_set1_epi16(t as i16));
            for r in 0..h {
                for i in columns::<16, CHUNKS>(w) {
                    let mut acc = _mm256_setzero_si256();
                    for (k, t) in taps.iter().enumerate() {
                        // SAFETY: 16 samples from column i + 3 <= w - 13 of row r + k <= h + 6.
                        let v = unsafe { load16(src.add((r + k) * ww + i + 3)) };
                        acc = _mm256_add_epi16(acc, _mm256_mullo_epi16(v, *t));
                    }
                    // SAFETY: out row r holds w >= i + 16 samples.
                    unsafe { store16(dst.add(r * w + i), round6_256(acc)) };
                }
            }
        }
        Passes::Both(tx, ty) => {
            // SAFETY: AVX2 (the caller's promise).
            let taps = unsafe { TapPairs::new(tx) };
            // Every value is written before it is read: grow, never clear.
            if temp.len() < w * (h + 7) {
                temp.resize(w * (h + 7), 0);
            }
            let tmp = temp.as_mut_ptr();
            for r in 0..h + 7 {
                for i in columns::<16, CHUNKS>(w) {
                    // SAFETY: window row r holds w + 7 >= i + 23 samples; `temp` has h + 7
                    // rows of w values.
                    unsafe {
                        let acc = horizontal16(src.add(r * ww + i), &taps);
                        _mm256_storeu_si256(tmp.add(r * w + i).cast::<__m256i>(), acc);
                    }
                }
            }
            // Pairs of vertical taps for 16x16 -> 32-bit multiply-adds.
            let pairs: [__m256i; 4] = std::array::from_fn(|p| {
                let (a, b) = (ty[2 * p] as i16 as u16, ty[2 * p + 1] as i16 as u16);
                _mm256_set1_epi32(((u32::from(b) << 16) | u32::from(a)) as i32)
            });
            let tmp = temp.as_ptr();
            for r in 0..h {
                for i in columns::<16, CHUNKS>(w) {
                    // SAFETY: `temp` rows r..r + 8 hold w >= i + 16 values; out row r holds w.
                    unsafe {
                        let sums = vertical16_i16(tmp.add(r * w + i), w, &pairs);
                        store16(dst.add(r * w + i), sums);
                    }
                }
            }
        }
    }
}

/// The taps of a horizontal pass for [`horizontal16`]: pairs of taps as bytes (they fit:
/// -11..=58), and the byte shuffles that put the sample pairs they multiply side by side.
#[derive(Clone, Copy)]
struct TapPairs {
    taps: [__m256i; 4],
    shuffles: [__m256i; 4],
}

impl TapPairs {
    /// # Safety
    /// AVX2.
    #[target_feature(enable = "avx2")]
    unsafe fn new(t: &[i32; 8]) -> Self {
        let taps = std::array::from_fn(|k| {
            let (a, b) = (t[2 * k] as i8 as u8, t[2 * k + 1] as i8 as u8);
            _mm256_set1_epi16(i16::from_le_bytes([a, b]))
        });
        let shuffles = std::array::from_fn(|k| {
            // SAFETY: 32 bytes; unaligned load.
            unsafe { _mm256_loadu_si256(PAIR_SHUFFLES[k].as_ptr().cast::<__m256i>()) }
        });
        Self { taps, shuffles }
    }
}

/// The byte shuffles of [`TapPairs`], the same for every filter: output j of a lane takes
/// samples j + 2k and j + 2k + 1 of what the lane holds (samples 0..16 in the low lane,
/// 7..23 in the high one, for outputs 8..16).
static PAIR_SHUFFLES: [[u8; 32]; 4] = {
    let mut t = [[0u8; 32]; 4];
    let mut k = 0;
    while k < 4 {
        let mut i = 0;
        while i < 32 {
            let (lane, byte) = (i / 16, i % 16);
            t[k][i] = (byte / 2 + byte % 2 + 2 * k + lane) as u8;
            i += 1;
        }
        k += 1;
    }
    t
};

/// `sum_k taps[k] * p[j + k]` for j in 0..16, in 16 bits: four multiply-adds of sample
/// pairs (unsigned) by tap pairs (signed), each pair sum within ±80 * 255 and every total
/// within ±112 * 255, so no sum saturates and the result is the plain sum.
///
/// # Safety
/// AVX2; `p` points at 23 readable samples.
#[target_feature(enable = "avx2")]
unsafe fn horizontal16(p: *const u8, pairs: &TapPairs) -> __m256i {
    // SAFETY: p[0..16] and p[7..23] are readable (the caller's promise).
    let v = unsafe {
        let lo = _mm_loadu_si128(p.cast::<__m128i>());
        let hi = _mm_loadu_si128(p.add(7).cast::<__m128i>());
        _mm256_inserti128_si256::<1>(_mm256_castsi128_si256(lo), hi)
    };
    let term =
        |k: usize| _mm256_maddubs_epi16(_mm256_shuffle_epi8(v, pairs.shuffles[k]), pairs.taps[k]);
    _mm256_add_epi16(
        _mm256_add_epi16(term(0), term(1)),
        _mm256_add_epi16(term(2), term(3)),
    )
}

/// [`vertical8_i16`] for sixteen columns. AVX2 unpacks interleave within 128-bit lanes,
/// and the pack below undoes that, so the columns come out in order.
///
/// # Safety
/// AVX2; `p` points at 8 rows of 16 readable values, `w` apart.
#[target_feature(enable = "avx2")]
unsafe fn vertical16_i16(p: *const i16, w: usize, pairs: &[__m256i; 4]) -> __m256i {
    // SAFETY: row k < 8 of 16 values is readable (the caller's promise).
    let row = |k: usize| unsafe { _mm256_loadu_si256(p.add(k * w).cast::<__m256i>()) };
    let (mut lo, mut hi) = (_mm256_setzero_si256(), _mm256_setzero_si256());
    for (q, taps) in pairs.iter().enumerate() {
        let (a, b) = (row(2 * q), row(2 * q + 1));
        lo = _mm256_add_epi32(lo, _mm256_madd_epi16(_mm256_unpacklo_epi16(a, b), *taps));
        hi = _mm256_add_epi32(hi, _mm256_madd_epi16(_mm256_unpackhi_epi16(a, b), *taps));
    }
    let round = |v: __m256i| {
        _mm256_srai_epi32::<6>(_mm256_add_epi32(
            _mm256_srai_epi32::<6>(v),
            _mm256_set1_epi32(32),
        ))
    };
    _mm256_packs_epi32(round(lo), round(hi))
}

/// Loads 16 samples widened to 16 bits.
///
/// # Safety
/// AVX2; `p` points at 16 readable bytes.
#[target_feature(enable = "avx2")]
unsafe fn load16(p: *const u8) -> __m256i {
    // SAFETY: the caller's promise; the load is unaligned.
    _mm256_cvtepu8_epi16(unsafe { _mm_loadu_si128(p.cast::<__m128i>()) })
}

/// (v + 32) >> 6 of a single-pass sum.
#[target_feature(enable = "avx2")]
fn round6_256(v: __m256i) -> __m256i {
    _mm256_srai_epi16::<6>(_mm256_add_epi16(v, _mm256_set1_epi16(32)))
}

/// Clamps sixteen 16-bit values to 0..=255 and stores them at `p`.
///
/// # Safety
/// AVX2; `p` points at 16 writable bytes.
#[target_feature(enable = "avx2")]
unsafe fn store16(p: *mut u8, v: __m256i) {
    // packus works within lanes: bytes 0..8 of each lane hold the values; gather them.
    let packed = _mm256_permute4x64_epi64::<0b1000>(_mm256_packus_epi16(v, v));
    // SAFETY: the caller's promise; the store is unaligned.
    unsafe { _mm_storeu_si128(p.cast::<__m128i>(), _mm256_castsi256_si128(packed)) };
}
