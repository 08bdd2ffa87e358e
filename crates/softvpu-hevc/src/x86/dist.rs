//! Distortion kernels: SAD with SSE2 (part of every x86-64 CPU) and the 8x8 Hadamard of
//! SATD with SSE4.1, and with AVX2 two 8x8 tiles at once. Each equals its scalar twin in `dist` exactly; the tests there
//! compare them.

use std::arch::x86_64::{
    __m128i, _mm_abs_epi16, _mm_add_epi16, _mm_add_epi32, _mm_add_epi64, _mm_cvtepu8_epi16,
    _mm_cvtsi128_si32, _mm_cvtsi32_si128, _mm_loadl_epi64, _mm_loadu_si128, _mm_madd_epi16,
    _mm_max_epi16, _mm_sad_epu8, _mm_set1_epi16, _mm_setzero_si128, _mm_shuffle_epi32,
    _mm_sub_epi16, _mm_unpackhi_epi16, _mm_unpackhi_epi32, _mm_unpackhi_epi64, _mm_unpacklo_epi16,
    _mm_unpacklo_epi32, _mm_unpacklo_epi64, _mm_unpacklo_epi8,
};
use std::arch::x86_64::{
    __m256i, _mm256_abs_epi16, _mm256_add_epi16, _mm256_add_epi32, _mm256_add_epi64,
    _mm256_castsi256_si128, _mm256_cvtepu8_epi16, _mm256_extracti128_si256, _mm256_loadu_si256,
    _mm256_madd_epi16, _mm256_max_epi16, _mm256_sad_epu8, _mm256_set1_epi16, _mm256_setzero_si256,
    _mm256_shuffle_epi32, _mm256_sub_epi16, _mm256_unpackhi_epi16, _mm256_unpackhi_epi32,
    _mm256_unpackhi_epi64, _mm256_unpacklo_epi16, _mm256_unpacklo_epi32, _mm256_unpacklo_epi64,
};

/// SAD of a `w` x `h` block whose width is a multiple of 8.
pub(crate) fn sad(a: &[u8], a_stride: usize, b: &[u8], b_stride: usize, w: usize, h: usize) -> u32 {
    if h == 0 {
        return 0;
    }
    // One bounds check for the whole block instead of one per row.
    assert!(a.len() >= (h - 1) * a_stride + w && b.len() >= (h - 1) * b_stride + w);
    if w.is_multiple_of(32) && crate::cpu::avx2().is_some() {
        // SAFETY: AVX2 was detected; the rows are inside the slices (asserted above).
        return unsafe { sad_avx2(a.as_ptr(), a_stride, b.as_ptr(), b_stride, w, h) };
    }
    // SAFETY: SSE2 is part of every x86-64 CPU; the rows are inside the slices.
    unsafe { sad_sse2(a.as_ptr(), a_stride, b.as_ptr(), b_stride, w, h) }
}

/// Sum of squared differences of a `w` x `h` block whose width is a multiple of 8.
pub(crate) fn sse(a: &[u8], a_stride: usize, b: &[u8], b_stride: usize, w: usize, h: usize) -> u64 {
    if h == 0 {
        return 0;
    }
    // One bounds check for the whole block instead of one per row.
    assert!(a.len() >= (h - 1) * a_stride + w && b.len() >= (h - 1) * b_stride + w);
    // SAFETY: SSE2 is part of every x86-64 CPU; the rows are inside the slices.
    unsafe { sse_sse2(a.as_ptr(), a_stride, b.as_ptr(), b_stride, w, h) }
}

/// Eight samples widened to 16 bits: differences and their squares' pair sums follow.
///
/// # Safety
/// SSE2; 8 bytes are readable at `p`.
#[inline]
#[target_feature(enable = "sse2")]
unsafe fn load8_wide(p: *const u8) -> __m128i {
    // SAFETY: the caller's promise; unaligned load.
    let v = unsafe { _mm_loadl_epi64(p.cast::<__m128i>()) };
    _mm_unpacklo_epi8(v, _mm_setzero_si128())
}

/// # Safety
/// The CPU must support SSE2 (every x86-64 CPU does); `w` is a multiple of 8 and `h` rows
/// of `w` bytes, strides apart, are readable at `a` and `b`.
#[target_feature(enable = "sse2")]
unsafe fn sse_sse2(
    a: *const u8,
    a_stride: usize,
    b: *const u8,
    b_stride: usize,
    w: usize,
    h: usize,
) -> u64 {
    debug_assert!(w.is_multiple_of(8));
    let mut total = 0u64;
    // Each 32-bit lane gains at most w / 4 squares of at most 255^2 a row, so groups of
    // 16384 / w rows (64 of a coding block's) stay below 2^29 and are summed in the lanes.
    let group = (16384 / w).clamp(1, 64);
    let mut sum_rows = |chunks: usize| {
        for first in (0..h.div_ceil(group)).map(|g| g * group) {
            let mut acc = _mm_setzero_si128();
            for y in first..(first + group).min(h) {
                // SAFETY: row y starts inside both blocks (the caller's promise).
                let (ra, rb) = unsafe { (a.add(y * a_stride), b.add(y * b_stride)) };
                for x in (0..chunks).map(|c| 8 * c) {
                    // SAFETY: x + 8 <= w bytes of the row.
                    let d = unsafe { _mm_sub_epi16(load8_wide(ra.add(x)), load8_wide(rb.add(x))) };
                    acc = _mm_add_epi32(acc, _mm_madd_epi16(d, d));
                }
            }
            let acc = _mm_add_epi32(acc, _mm_shuffle_epi32::<0b1110>(acc));
            let acc = _mm_add_epi32(acc, _mm_shuffle_epi32::<0b0001>(acc));
            total += u64::from(_mm_cvtsi128_si32(acc) as u32);
        }
    };
    match w {
        8 => sum_rows(1),
        16 => sum_rows(2),
        32 => sum_rows(4),
        64 => sum_rows(8),
        _ => sum_rows(w / 8),
    }
    total
}

/// # Safety
/// The CPU must support SSE2 (every x86-64 CPU does); `w` is a multiple of 8 and `h` rows
/// of `w` bytes, strides apart, are readable at `a` and `b`.
#[target_feature(enable = "sse2")]
unsafe fn sad_sse2(
    a: *const u8,
    a_stride: usize,
    b: *const u8,
    b_stride: usize,
    w: usize,
    h: usize,
) -> u32 {
    debug_assert!(w.is_multiple_of(8));
    let mut acc = _mm_setzero_si128();
    if w == 16 {
        // The width the motion search uses most: one load pair per row.
        for y in 0..h {
            // SAFETY: row y of both blocks holds 16 bytes; unaligned loads.
            let (va, vb) = unsafe {
                (
                    _mm_loadu_si128(a.add(y * a_stride).cast::<__m128i>()),
                    _mm_loadu_si128(b.add(y * b_stride).cast::<__m128i>()),
                )
            };
            acc = _mm_add_epi64(acc, _mm_sad_epu8(va, vb));
        }
        let high = _mm_shuffle_epi32::<0b1110>(acc);
        return _mm_cvtsi128_si32(_mm_add_epi64(acc, high)) as u32;
    }
    for y in 0..h {
        // SAFETY: row y starts inside both blocks (the caller's promise).
        let (ra, rb) = unsafe { (a.add(y * a_stride), b.add(y * b_stride)) };
        let mut x = 0;
        while x + 16 <= w {
            // SAFETY: x + 16 <= w bytes of the row; unaligned loads.
            let (va, vb) = unsafe {
                (
                    _mm_loadu_si128(ra.add(x).cast::<__m128i>()),
                    _mm_loadu_si128(rb.add(x).cast::<__m128i>()),
                )
            };
            acc = _mm_add_epi64(acc, _mm_sad_epu8(va, vb));
            x += 16;
        }
        if x < w {
            // SAFETY: 8 bytes remain in both rows (w is a multiple of 8).
            let (va, vb) = unsafe {
                (
                    _mm_loadl_epi64(ra.add(x).cast::<__m128i>()),
                    _mm_loadl_epi64(rb.add(x).cast::<__m128i>()),
                )
            };
            acc = _mm_add_epi64(acc, _mm_sad_epu8(va, vb));
        }
    }
    let high = _mm_shuffle_epi32::<0b1110>(acc);
    _mm_cvtsi128_si32(_mm_add_epi64(acc, high)) as u32
}

/// # Safety
/// The CPU must support AVX2; `w` is a multiple of 32 and `h` rows of `w` bytes, strides
/// apart, are readable at `a` and `b`.
#[target_feature(enable = "avx2")]
unsafe fn sad_avx2(
    a: *const u8,
    a_stride: usize,
    b: *const u8,
    b_stride: usize,
    w: usize,
    h: usize,
) -> u32 {
    debug_assert!(w.is_multiple_of(32));
    let mut acc = _mm256_setzero_si256();
    // Rows of `chunks` 32-byte chunks; the widths in use get loops of fixed length, which
    // the compiler unrolls (the loop over a run-time width cost more than the sums).
    let mut sum_rows = |chunks: usize| {
        for y in 0..h {
            for x in (0..chunks).map(|c| 32 * c) {
                // SAFETY: x + 32 <= w bytes of row y of both blocks; unaligned loads.
                let (va, vb) = unsafe {
                    (
                        _mm256_loadu_si256(a.add(y * a_stride + x).cast::<__m256i>()),
                        _mm256_loadu_si256(b.add(y * b_stride + x).cast::<__m256i>()),
                    )
                };
                acc = _mm256_add_epi64(acc, _mm256_sad_epu8(va, vb));
            }
        }
    };
    match w {
        32 => sum_rows(1),
        64 => sum_rows(2),
        _ => sum_rows(w / 32),
    }
    let sum = _mm_add_epi64(
        _mm256_castsi256_si128(acc),
        _mm256_extracti128_si256::<1>(acc),
    );
    _mm_cvtsi128_si32(_mm_add_epi64(sum, _mm_shuffle_epi32::<0b1110>(sum))) as u32
}

/// # Safety
/// The CPU must support SSE4.1.
#[target_feature(enable = "sse4.1")]
pub(super) unsafe fn hadamard8(a: &[u8], a_stride: usize, b: &[u8], b_stride: usize) -> u32 {
    // One bounds check for the whole block instead of one per row.
    assert!(a.len() >= 7 * a_stride + 8 && b.len() >= 7 * b_stride + 8);
    let (pa, pb) = (a.as_ptr(), b.as_ptr());
    let mut d = [_mm_setzero_si128(); 8];
    for (y, row) in d.iter_mut().enumerate() {
        // SAFETY: row y < 8 of each block holds 8 bytes (asserted above); unaligned loads.
        let (va, vb) = unsafe {
            (
                _mm_loadl_epi64(pa.add(y * a_stride).cast::<__m128i>()),
                _mm_loadl_epi64(pb.add(y * b_stride).cast::<__m128i>()),
            )
        };
        *row = _mm_sub_epi16(_mm_cvtepu8_epi16(va), _mm_cvtepu8_epi16(vb));
    }
    // |d| <= 255; after one 8-point pass <= 2040, after two <= 16320: i16 holds it.
    butterflies(&mut d, 8);
    transpose(&mut d);
    butterflies(&mut d, 4);
    // The last stage: |u + v| + |u - v| = 2 max(|u|, |v|).
    let twos = _mm_set1_epi16(2);
    let mut acc = _mm_setzero_si128();
    for j in 0..4 {
        let max = _mm_max_epi16(_mm_abs_epi16(d[j]), _mm_abs_epi16(d[j + 4]));
        acc = _mm_add_epi32(acc, _mm_madd_epi16(max, twos));
    }
    let acc = _mm_add_epi32(acc, _mm_shuffle_epi32::<0b1110>(acc));
    let acc = _mm_add_epi32(acc, _mm_shuffle_epi32::<0b0001>(acc));
    _mm_cvtsi128_si32(acc) as u32
}

/// Sum of |H D H^T| of the 4x4 difference of the blocks at the starts of `a` and `b`: rows
/// in pairs per register, the row transform across the two registers, then the columns
/// (after a 4x4 transpose) the same way.
///
/// # Safety
/// The CPU must support SSE4.1.
#[target_feature(enable = "sse4.1")]
pub(super) unsafe fn hadamard4(a: &[u8], a_stride: usize, b: &[u8], b_stride: usize) -> u32 {
    // One bounds check for the whole block instead of one per row.
    assert!(a.len() >= 3 * a_stride + 4 && b.len() >= 3 * b_stride + 4);
    let (pa, pb) = (a.as_ptr(), b.as_ptr());
    // SAFETY: row y < 4 of each block holds 4 bytes (asserted above); unaligned reads.
    let row = |p: *const u8, stride: usize, y: usize| unsafe {
        _mm_cvtsi32_si128(p.add(y * stride).cast::<i32>().read_unaligned())
    };
    // Rows 0 and 1 of the difference in one register, rows 2 and 3 in the other.
    let [d01, d23] = [0, 2].map(|y| {
        let a2 = _mm_unpacklo_epi32(row(pa, a_stride, y), row(pa, a_stride, y + 1));
        let b2 = _mm_unpacklo_epi32(row(pb, b_stride, y), row(pb, b_stride, y + 1));
        _mm_sub_epi16(_mm_cvtepu8_epi16(a2), _mm_cvtepu8_epi16(b2))
    });
    // |d| <= 255, so after the four butterfly stages |v| <= 4080: i16 holds it.
    let [v0, v1] = butterflies4(d01, d23);
    // The 4x4 transpose: columns 0 and 1 in one register, 2 and 3 in the other.
    let (t0, t1) = (_mm_unpacklo_epi16(v0, v1), _mm_unpackhi_epi16(v0, v1));
    let (c01, c23) = (_mm_unpacklo_epi16(t0, t1), _mm_unpackhi_epi16(t0, t1));
    // The last stage as in hadamard8: |u + v| + |u - v| = 2 max(|u|, |v|).
    let x = _mm_add_epi16(c01, c23);
    let y = _mm_sub_epi16(c01, c23);
    let (p, q) = (_mm_unpacklo_epi64(x, y), _mm_unpackhi_epi64(x, y));
    let max = _mm_max_epi16(_mm_abs_epi16(p), _mm_abs_epi16(q));
    let acc = _mm_madd_epi16(max, _mm_set1_epi16(2));
    let acc = _mm_add_epi32(acc, _mm_shuffle_epi32::<0b1110>(acc));
    let acc = _mm_add_epi32(acc, _mm_shuffle_epi32::<0b0001>(acc));
    _mm_cvtsi128_si32(acc) as u32
}

/// The 4-point Walsh-Hadamard transform across four rows of four 16-bit lanes held two
/// rows per register (`r01`: rows 0 and 1, `r23`: rows 2 and 3), lane by lane; the output
/// rows come in a different order, which a sum of magnitudes ignores.
#[target_feature(enable = "sse4.1")]
fn butterflies4(r01: __m128i, r23: __m128i) -> [__m128i; 2] {
    let x = _mm_add_epi16(r01, r23); // rows 0+2 | 1+3
    let y = _mm_sub_epi16(r01, r23); // rows 0-2 | 1-3
    let (p, q) = (_mm_unpacklo_epi64(x, y), _mm_unpackhi_epi64(x, y));
    [_mm_add_epi16(p, q), _mm_sub_epi16(p, q)]
}

/// The 8-point Walsh-Hadamard transform across the eight registers, lane by lane: its
/// stages of butterflies `h` apart for `h` < `end` (8: all of them).
#[target_feature(enable = "sse4.1")]
fn butterflies(m: &mut [__m128i; 8], end: usize) {
    let mut h = 1;
    while h < end {
        for i in (0..8).step_by(2 * h) {
            for j in i..i + h {
                let (u, v) = (m[j], m[j + h]);
                m[j] = _mm_add_epi16(u, v);
                m[j + h] = _mm_sub_epi16(u, v);
            }
        }
        h *= 2;
    }
}

/// Transposes eight rows of eight 16-bit lanes.
#[target_feature(enable = "sse4.1")]
fn transpose(m: &mut [__m128i; 8]) {
    let t = [
        _mm_unpacklo_epi16(m[0], m[1]),
        _mm_unpackhi_epi16(m[0], m[1]),
        _mm_unpacklo_epi16(m[2], m[3]),
        _mm_unpackhi_epi16(m[2], m[3]),
        _mm_unpacklo_epi16(m[4], m[5]),
        _mm_unpackhi_epi16(m[4], m[5]),
        _mm_unpacklo_epi16(m[6], m[7]),
        _mm_unpackhi_epi16(m[6], m[7]),
    ];
    let u = [
        _mm_unpacklo_epi32(t[0], t[2]),
        _mm_unpackhi_epi32(t[0], t[2]),
        _mm_unpacklo_epi32(t[1], t[3]),
        _mm_unpackhi_epi32(t[1], t[3]),
        _mm_unpacklo_epi32(t[4], t[6]),
        _mm_unpackhi_epi32(t[4], t[6]),
        _mm_unpacklo_epi32(t[5], t[7]),
        _mm_unpackhi_epi32(t[5], t[7]),
    ];
    *m = [
        _mm_unpacklo_epi64(u[0], u[4]),
        _mm_unpackhi_epi64(u[0], u[4]),
        _mm_unpacklo_epi64(u[1], u[5]),
        _mm_unpackhi_epi64(u[1], u[5]),
        _mm_unpacklo_epi64(u[2], u[6]),
        _mm_unpackhi_epi64(u[2], u[6]),
        _mm_unpacklo_epi64(u[3], u[7]),
        _mm_unpackhi_epi64(u[3], u[7]),
    ];
}

/// Calls `f(row, column, sum)` with the 8x8 Hadamard sum of every tile of the `w` x `h`
/// blocks at the starts of `a` and `b` (`w` a multiple of 16, `h` of 8), two tiles at a
/// time: one bounds check for the block rather than one per tile pair.
///
/// # Safety
/// The CPU must support AVX2.
#[target_feature(enable = "avx2")]
pub(super) unsafe fn hadamard_tiles(
    a: &[u8],
    a_stride: usize,
    b: &[u8],
    b_stride: usize,
    (w, h): (usize, usize),
    f: &mut impl FnMut(usize, usize, u32),
) {
    assert!(w.is_multiple_of(16) && h.is_multiple_of(8) && h > 0);
    assert!(a_stride >= w && b_stride >= w);
    assert!(a.len() >= (h - 1) * a_stride + w && b.len() >= (h - 1) * b_stride + w);
    let (pa, pb) = (a.as_ptr(), b.as_ptr());
    for row in 0..h / 8 {
        for pair in 0..w / 16 {
            let (y, x) = (8 * row, 16 * pair);
            // SAFETY: AVX2 (the caller's promise); the tile pair's 8 rows of 16 bytes lie
            // inside both blocks (asserted above).
            let [left, right] = unsafe {
                hadamard8x2_at(
                    pa.add(y * a_stride + x),
                    a_stride,
                    pb.add(y * b_stride + x),
                    b_stride,
                )
            };
            f(row, 2 * pair, left);
            f(row, 2 * pair + 1, right);
        }
    }
}

/// The 8x8 Hadamard sums of two tiles side by side (the 16x8 block at `pa` and `pb`):
/// each 256-bit register holds a row of both tiles, one per 128-bit lane, and
/// every step below works lane by lane, so the two tiles never mix.
///
/// # Safety
/// The CPU must support AVX2; 8 rows of 16 bytes, strides apart, are readable at `pa`
/// and `pb`.
#[inline]
#[target_feature(enable = "avx2")]
unsafe fn hadamard8x2_at(
    pa: *const u8,
    a_stride: usize,
    pb: *const u8,
    b_stride: usize,
) -> [u32; 2] {
    let mut d = [_mm256_setzero_si256(); 8];
    for (y, row) in d.iter_mut().enumerate() {
        // SAFETY: row y < 8 of each block holds 16 bytes (the caller's promise); unaligned
        // loads.
        let (va, vb) = unsafe {
            (
                _mm_loadu_si128(pa.add(y * a_stride).cast::<__m128i>()),
                _mm_loadu_si128(pb.add(y * b_stride).cast::<__m128i>()),
            )
        };
        *row = _mm256_sub_epi16(_mm256_cvtepu8_epi16(va), _mm256_cvtepu8_epi16(vb));
    }
    // The same bounds as the 8x8 kernel: i16 holds every intermediate.
    butterflies256(&mut d, 8);
    transpose256(&mut d);
    butterflies256(&mut d, 4);
    // The last stage: |u + v| + |u - v| = 2 max(|u|, |v|).
    let twos = _mm256_set1_epi16(2);
    let mut acc = _mm256_setzero_si256();
    for j in 0..4 {
        let max = _mm256_max_epi16(_mm256_abs_epi16(d[j]), _mm256_abs_epi16(d[j + 4]));
        acc = _mm256_add_epi32(acc, _mm256_madd_epi16(max, twos));
    }
    let acc = _mm256_add_epi32(acc, _mm256_shuffle_epi32::<0b1110>(acc));
    let acc = _mm256_add_epi32(acc, _mm256_shuffle_epi32::<0b0001>(acc));
    let low = _mm_cvtsi128_si32(_mm256_castsi256_si128(acc)) as u32;
    let high = _mm_cvtsi128_si32(_mm256_extracti128_si256::<1>(acc)) as u32;
    [low, high]
}

/// [`butterflies`] on both lanes of eight 256-bit registers.
#[target_feature(enable = "avx2")]
fn butterflies256(m: &mut [__m256i; 8], end: usize) {
    let mut h = 1;
    while h < end {
        for i in (0..8).step_by(2 * h) {
            for j in i..i + h {
                let (u, v) = (m[j], m[j + h]);
                m[j] = _mm256_add_epi16(u, v);
                m[j + h] = _mm256_sub_epi16(u, v);
            }
        }
        h *= 2;
    }
}

/// [`transpose`] of each 128-bit lane (AVX2 unpacks work within lanes).
#[target_feature(enable = "avx2")]
fn transpose256(m: &mut [__m256i; 8]) {
    let t = [
        _mm256_unpacklo_epi16(m[0], m[1]),
        _mm256_unpackhi_epi16(m[0], m[1]),
        _mm256_unpacklo_epi16(m[2], m[3]),
        _mm256_unpackhi_epi16(m[2], m[3]),
        _mm256_unpacklo_epi16(m[4], m[5]),
        _mm256_unpackhi_epi16(m[4], m[5]),
        _mm256_unpacklo_epi16(m[6], m[7]),
        _mm256_unpackhi_epi16(m[6], m[7]),
    ];
    let u = [
        _mm256_unpacklo_epi32(t[0], t[2]),
        _mm256_unpackhi_epi32(t[0], t[2]),
        _mm256_unpacklo_epi32(t[1], t[3]),
        _mm256_unpackhi_epi32(t[1], t[3]),
        _mm256_unpacklo_epi32(t[4], t[6]),
        _mm256_unpackhi_epi32(t[4], t[6]),
        _mm256_unpacklo_epi32(t[5], t[7]),
        _mm256_unpackhi_epi32(t[5], t[7]),
    ];
    *m = [
        _mm256_unpacklo_epi64(u[0], u[4]),
        _mm256_unpackhi_epi64(u[0], u[4]),
        _mm256_unpacklo_epi64(u[1], u[5]),
        _mm256_unpackhi_epi64(u[1], u[5]),
        _mm256_unpacklo_epi64(u[2], u[6]),
        _mm256_unpackhi_epi64(u[2], u[6]),
        _mm256_unpacklo_epi64(u[3], u[7]),
        _mm256_unpackhi_epi64(u[3], u[7]),
    ];
}
