//! SSE4.1 kernels of angular intra prediction (8.4.4.2.6): rows interpolated eight or
//! sixteen samples at a time by byte multiply-adds, and blocks transposed by unpacks.
//! They run inside the AVX2 build of `predict` (AVX2 implies SSE4.1); the test of that
//! build against the portable code covers every size, mode and reference pattern.

use std::arch::x86_64::{
    __m128i, _mm_add_epi16, _mm_cvtepu8_epi16, _mm_cvtsi128_si32, _mm_cvtsi32_si128,
    _mm_loadl_epi64, _mm_loadu_si128, _mm_maddubs_epi16, _mm_mullo_epi16, _mm_packus_epi16,
    _mm_set1_epi16, _mm_setr_epi16, _mm_setr_epi8, _mm_shuffle_epi8, _mm_srl_epi16, _mm_srli_epi16,
    _mm_storel_epi64, _mm_storeu_si128, _mm_sub_epi16, _mm_unpackhi_epi16, _mm_unpackhi_epi32,
    _mm_unpackhi_epi64, _mm_unpackhi_epi8, _mm_unpacklo_epi16, _mm_unpacklo_epi32,
    _mm_unpacklo_epi8,
};

use super::Avx2;
use crate::intra::{IntraKernels, RefSamples, REF_LINE};

impl IntraKernels for Avx2 {
    #[inline(always)]
    fn planar<const N: usize>(self, refs: &RefSamples, out: &mut [u8]) {
        // SAFETY: `self` exists only when AVX2 (which implies SSE4.1) was detected.
        unsafe { planar::<N>(refs, out) }
    }

    #[inline(always)]
    fn angular_rows<const N: usize>(self, buf: &[u8; REF_LINE], angle: i32, dst: &mut [u8]) {
        // SAFETY: `self` exists only when AVX2 (which implies SSE4.1) was detected.
        unsafe { angular_rows::<N>(buf, angle, dst) }
    }

    #[inline(always)]
    fn transpose<const N: usize>(self, src: &[[u8; N]; N], dst: &mut [u8]) {
        // SAFETY: as above.
        unsafe { transpose::<N>(src, dst) }
    }
}

/// Planar prediction (8.4.4.2.5) eight samples at a time in 16-bit lanes: each row is
/// (N-1-x) left[y] + (x+1) top_right + (N-1-y) top[x] + (y+1) bottom_left + N, shifted;
/// the last two terms are kept per column and stepped by bottom_left - top[x] each row.
/// Every sum stays below 3 * 32 * 255 + 32, inside i16.
#[target_feature(enable = "avx2")]
#[inline]
unsafe fn planar<const N: usize>(refs: &RefSamples, out: &mut [u8]) {
    let out = &mut out[..N * N];
    let c = 2 * N;
    let shift = _mm_cvtsi32_si128(N.trailing_zeros() as i32 + 1);
    // Eight top samples from each column group; a 4-wide block's extra four (its top-right
    // reference samples) fall in lanes that are not stored.
    let top = &refs.s[c + 1..c + 1 + N.max(8)];
    let top_right = _mm_set1_epi16(i16::from(refs.s[c + 1 + N]));
    let bottom_left = _mm_set1_epi16(i16::from(refs.s[c - 1 - N]));
    let lanes = _mm_setr_epi16(0, 1, 2, 3, 4, 5, 6, 7);
    for x0 in (0..N).step_by(8) {
        // SAFETY: x0 + 8 <= top.len(); unaligned load.
        let t = unsafe { _mm_loadl_epi64(top.as_ptr().add(x0).cast::<__m128i>()) };
        let t = _mm_cvtepu8_epi16(t);
        let x = _mm_add_epi16(lanes, _mm_set1_epi16(x0 as i16));
        let w_left = _mm_sub_epi16(_mm_set1_epi16(N as i16 - 1), x);
        let w_right = _mm_add_epi16(x, _mm_set1_epi16(1));
        let right = _mm_mullo_epi16(w_right, top_right);
        let mut vert = _mm_add_epi16(
            _mm_mullo_epi16(t, _mm_set1_epi16(N as i16 - 1)),
            _mm_add_epi16(bottom_left, _mm_set1_epi16(N as i16)),
        );
        let step = _mm_sub_epi16(bottom_left, t);
        for (y, row) in out.chunks_exact_mut(N).enumerate() {
            let left = _mm_set1_epi16(i16::from(refs.s[c - 1 - y]));
            let sum = _mm_add_epi16(_mm_mullo_epi16(w_left, left), _mm_add_epi16(right, vert));
            let v = _mm_srl_epi16(sum, shift);
            store8(row, x0, _mm_packus_epi16(v, v));
            vert = _mm_add_epi16(vert, step);
        }
    }
}

/// Row r of `dst` (N x N, N in 4..=32) is ((32 - f) ref[i + k] + f ref[i + k + 1] + 16) >> 5
/// for its integer offset i and fraction f of (r + 1) * angle / 32 (see the portable
/// `angular_rows`).
#[target_feature(enable = "avx2")]
#[inline]
unsafe fn angular_rows<const N: usize>(buf: &[u8; REF_LINE], angle: i32, dst: &mut [u8]) {
    let dst = &mut dst[..N * N];
    // Loads are eight bytes wide at least; a 4-wide block's stay inside `buf` (its
    // reference line ends at 3N = 12).
    let width = N.max(8);
    for (r, row) in dst.chunks_exact_mut(N).enumerate() {
        let pos = (r as i32 + 1) * angle;
        let start = (N as i32 + (pos >> 5) + 1) as usize;
        let fact = (pos & 31) as i16;
        if fact == 0 {
            // A whole-sample offset: the row is ref[i + 1..]. (With angle 32 this reaches
            // ref[2N], the last sample.)
            let line = &buf[start..start + width];
            for x in (0..N).step_by(8) {
                // SAFETY: x + 8 <= width = line.len().
                let v = unsafe { _mm_loadl_epi64(line.as_ptr().add(x).cast::<__m128i>()) };
                store8(row, x, v);
            }
            continue;
        }
        // Fractional offsets have |angle| < 32, so ref[i + N + 1] is still on the line.
        let line = &buf[start..start + width + 1];
        let weights = _mm_set1_epi16((fact << 8) | (32 - fact));
        let round = _mm_set1_epi16(16);
        let blend = |pairs: __m128i| {
            _mm_srli_epi16::<5>(_mm_add_epi16(_mm_maddubs_epi16(pairs, weights), round))
        };
        if N >= 16 {
            for x in (0..N).step_by(16) {
                // SAFETY: x + 17 <= N + 1 = line.len(); unaligned loads and store.
                unsafe {
                    let p = line.as_ptr().add(x);
                    let a = _mm_loadu_si128(p.cast::<__m128i>());
                    let b = _mm_loadu_si128(p.add(1).cast::<__m128i>());
                    let lo = blend(_mm_unpacklo_epi8(a, b));
                    let hi = blend(_mm_unpackhi_epi8(a, b));
                    let out = _mm_packus_epi16(lo, hi);
                    _mm_storeu_si128(row.as_mut_ptr().add(x).cast::<__m128i>(), out);
                }
            }
        } else {
            // SAFETY: 9 <= width + 1 = line.len() bytes from the start; unaligned loads.
            let (a, b) = unsafe {
                let p = line.as_ptr();
                (
                    _mm_loadl_epi64(p.cast::<__m128i>()),
                    _mm_loadl_epi64(p.add(1).cast::<__m128i>()),
                )
            };
            let v = blend(_mm_unpacklo_epi8(a, b));
            store8(row, 0, _mm_packus_epi16(v, v));
        }
    }
}

/// Stores the low 8 bytes of `v` at `row[x..]`, or the low 4 when the row is 4 wide.
#[target_feature(enable = "avx2")]
#[inline]
fn store8(row: &mut [u8], x: usize, v: __m128i) {
    if row.len() == 4 {
        row.copy_from_slice(&_mm_cvtsi128_si32(v).to_le_bytes());
    } else {
        let out = &mut row[x..x + 8];
        // SAFETY: `out` holds 8 bytes; unaligned store.
        unsafe { _mm_storel_epi64(out.as_mut_ptr().cast::<__m128i>(), v) };
    }
}

/// `dst` (row stride N) becomes the transpose of `src`: one shuffle at 4x4, else 8x8
/// tiles.
#[target_feature(enable = "avx2")]
#[inline]
unsafe fn transpose<const N: usize>(src: &[[u8; N]; N], dst: &mut [u8]) {
    let src = src.as_flattened();
    let dst = &mut dst[..N * N];
    if N == 4 {
        let order = _mm_setr_epi8(0, 4, 8, 12, 1, 5, 9, 13, 2, 6, 10, 14, 3, 7, 11, 15);
        // SAFETY: both blocks hold 16 bytes; unaligned load and store.
        unsafe {
            let v = _mm_loadu_si128(src.as_ptr().cast::<__m128i>());
            _mm_storeu_si128(
                dst.as_mut_ptr().cast::<__m128i>(),
                _mm_shuffle_epi8(v, order),
            );
        }
        return;
    }
    for ty in (0..N).step_by(8) {
        for tx in (0..N).step_by(8) {
            let from = &src[ty * N + tx..][..7 * N + 8];
            let to = &mut dst[tx * N + ty..][..7 * N + 8];
            // SAFETY: each holds 8 rows of 8 bytes, N apart.
            unsafe { transpose8(from.as_ptr(), to.as_mut_ptr(), N) };
        }
    }
}

/// Transposes the 8x8 tile at `src` into the tile at `dst`, both with row stride `stride`.
///
/// # Safety
/// Eight rows of eight bytes, `stride` apart, must be readable at `src` and writable at
/// `dst`.
#[target_feature(enable = "avx2")]
#[inline]
unsafe fn transpose8(src: *const u8, dst: *mut u8, stride: usize) {
    // SAFETY: rows 0..8 of the tile (the caller's promise); unaligned loads.
    let r: [__m128i; 8] =
        std::array::from_fn(|i| unsafe { _mm_loadl_epi64(src.add(i * stride).cast::<__m128i>()) });
    // Pairs of rows interleaved, then quads, then octets: column c ends up in row c.
    let t = [0, 2, 4, 6].map(|i| _mm_unpacklo_epi8(r[i], r[i + 1]));
    let u = [
        _mm_unpacklo_epi16(t[0], t[1]),
        _mm_unpackhi_epi16(t[0], t[1]),
        _mm_unpacklo_epi16(t[2], t[3]),
        _mm_unpackhi_epi16(t[2], t[3]),
    ];
    let v = [
        _mm_unpacklo_epi32(u[0], u[2]),
        _mm_unpackhi_epi32(u[0], u[2]),
        _mm_unpacklo_epi32(u[1], u[3]),
        _mm_unpackhi_epi32(u[1], u[3]),
    ];
    for (i, &pair) in v.iter().enumerate() {
        // SAFETY: rows 2i and 2i + 1 of the destination tile; unaligned stores.
        unsafe {
            _mm_storel_epi64(dst.add(2 * i * stride).cast::<__m128i>(), pair);
            _mm_storel_epi64(
                dst.add((2 * i + 1) * stride).cast::<__m128i>(),
                _mm_unpackhi_epi64(pair, pair),
            );
        }
    }
}
