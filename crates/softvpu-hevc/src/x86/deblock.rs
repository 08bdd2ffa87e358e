//! The luma deblocking filter, four segments (16 lines) at once: one 16-bit lane a line
//! (`deblock::filter_luma`'s lines: columns across a horizontal edge, rows across a
//! vertical one, whose samples are transposed in and out), so the decisions and both
//! filters are lane-wise; a segment's decisions (taken from its first and fourth lines)
//! reach its four lanes by a byte shuffle. Equal to the scalar filter; the tests in
//! `deblock` compare them.

use std::arch::x86_64::{
    __m128i, __m256i, _mm256_abs_epi16, _mm256_add_epi16, _mm256_and_si256, _mm256_andnot_si256,
    _mm256_blendv_epi8, _mm256_castsi256_si128, _mm256_cmpgt_epi16, _mm256_cvtepu8_epi16,
    _mm256_loadu_si256, _mm256_max_epi16, _mm256_min_epi16, _mm256_packus_epi16,
    _mm256_permute4x64_epi64, _mm256_set1_epi16, _mm256_setr_epi8, _mm256_setzero_si256,
    _mm256_shuffle_epi8, _mm256_slli_epi16, _mm256_srai_epi16, _mm256_sub_epi16, _mm_loadl_epi64,
    _mm_loadu_si128, _mm_storel_epi64, _mm_storeu_si128, _mm_unpackhi_epi16, _mm_unpackhi_epi32,
    _mm_unpackhi_epi64, _mm_unpackhi_epi8, _mm_unpacklo_epi16, _mm_unpacklo_epi32,
    _mm_unpacklo_epi64, _mm_unpacklo_epi8,
};

/// Filters the luma samples across the horizontal edge whose first q-side row starts at
/// `q0` in `data`, for 16 columns: four 4-column segments, each with its (β, tC), β = 0
/// where a segment is not filtered. Rows p3..q3 are `stride` apart.
///
/// # Safety
/// The CPU must support AVX2.
#[target_feature(enable = "avx2")]
pub(super) unsafe fn luma_horizontal16(
    data: &mut [u8],
    stride: usize,
    q0: usize,
    segments: [(i32, i32); 4],
) {
    // One bounds check for the eight rows of 16 samples.
    assert!(q0 >= 4 * stride && data.len() >= q0 + 3 * stride + 16);
    let rows: [__m256i; 8] = std::array::from_fn(|r| {
        let at = q0 + r * stride - 4 * stride;
        // SAFETY: row r holds 16 samples at `at` (asserted above); unaligned load.
        let bytes = unsafe { _mm_loadu_si128(data.as_ptr().add(at).cast::<__m128i>()) };
        _mm256_cvtepu8_epi16(bytes)
    });
    let out = filter16(rows, segments);
    // Rows p2..q2 (1..7) are the only ones the filters change.
    for (r, v) in out.iter().enumerate().take(7).skip(1) {
        let packed = _mm256_permute4x64_epi64::<0b1000>(_mm256_packus_epi16(*v, *v));
        let at = q0 + r * stride - 4 * stride;
        // SAFETY: row r holds 16 samples at `at` (asserted above); unaligned store.
        unsafe {
            _mm_storeu_si128(
                data.as_mut_ptr().add(at).cast::<__m128i>(),
                _mm256_castsi256_si128(packed),
            );
        }
    }
}

/// Filters the luma samples across the vertical edge whose first q-side sample of its
/// first row is `q0` in `data`, for 16 rows: four 4-row segments, each with its (β, tC),
/// β = 0 where a segment is not filtered. Rows are `stride` apart.
///
/// # Safety
/// The CPU must support AVX2.
#[target_feature(enable = "avx2")]
pub(super) unsafe fn luma_vertical16(
    data: &mut [u8],
    stride: usize,
    q0: usize,
    segments: [(i32, i32); 4],
) {
    // One bounds check for the sixteen rows of samples p3..q3.
    assert!(q0 >= 4 && data.len() >= q0 + 15 * stride + 4);
    let first = q0 - 4;
    let lines: [__m128i; 16] = std::array::from_fn(|r| {
        // SAFETY: row r holds 8 samples at `first + r * stride` (asserted above).
        unsafe { _mm_loadl_epi64(data.as_ptr().add(first + r * stride).cast::<__m128i>()) }
    });
    let columns = transpose_16x8(&lines);
    let out = filter16(columns.map(|c| _mm256_cvtepu8_epi16(c)), segments);
    let columns = out.map(|v| {
        _mm256_castsi256_si128(_mm256_permute4x64_epi64::<0b1000>(_mm256_packus_epi16(
            v, v,
        )))
    });
    for (r, row) in transpose_8x16(&columns).iter().enumerate() {
        // SAFETY: row r holds 8 samples at `first + r * stride` (asserted above).
        unsafe {
            _mm_storel_epi64(
                data.as_mut_ptr().add(first + r * stride).cast::<__m128i>(),
                *row,
            )
        };
    }
}

/// Sixteen rows of 8 bytes (the low halves of `rows`) as eight columns of 16 bytes.
#[inline]
#[target_feature(enable = "avx2")]
fn transpose_16x8(rows: &[__m128i; 16]) -> [__m128i; 8] {
    // Pairs of rows byte by byte, then words (four rows), then double words (eight).
    let pairs: [__m128i; 8] =
        std::array::from_fn(|i| _mm_unpacklo_epi8(rows[2 * i], rows[2 * i + 1]));
    let quads: [__m128i; 8] = std::array::from_fn(|i| {
        let (a, b) = (pairs[2 * (i / 2)], pairs[2 * (i / 2) + 1]);
        if i % 2 == 0 {
            _mm_unpacklo_epi16(a, b) // columns 0-3 of four rows
        } else {
            _mm_unpackhi_epi16(a, b) // columns 4-7
        }
    });
    // quads[2g + h]: columns 4h..4h + 4 of rows 4g..4g + 4, a column a double word.
    let eights: [__m128i; 8] = std::array::from_fn(|i| {
        let (block, half, hi) = (i / 4, (i / 2) % 2, i % 2);
        let (a, b) = (quads[4 * block + half], quads[4 * block + 2 + half]);
        if hi == 0 {
            _mm_unpacklo_epi32(a, b)
        } else {
            _mm_unpackhi_epi32(a, b)
        }
    });
    // eights[4 block + 2 half + hi] holds columns 4 half + 2 hi and + 1 of rows
    // 8 block..8 block + 8.
    std::array::from_fn(|c| {
        let (half, hi, second) = (c / 4, (c / 2) % 2, c % 2);
        let (top, bottom) = (eights[2 * half + hi], eights[4 + 2 * half + hi]);
        if second == 0 {
            _mm_unpacklo_epi64(top, bottom)
        } else {
            _mm_unpackhi_epi64(top, bottom)
        }
    })
}

/// Eight columns of 16 bytes as sixteen rows of 8 bytes (in the low halves).
#[inline]
#[target_feature(enable = "avx2")]
fn transpose_8x16(columns: &[__m128i; 8]) -> [__m128i; 16] {
    // Pairs of columns byte by byte (rows 0-7, then 8-15), words (four columns), double
    // words (eight columns: two rows a register).
    let pairs: [__m128i; 8] = std::array::from_fn(|i| {
        let (a, b) = (columns[2 * (i / 2)], columns[2 * (i / 2) + 1]);
        if i % 2 == 0 {
            _mm_unpacklo_epi8(a, b)
        } else {
            _mm_unpackhi_epi8(a, b)
        }
    });
    // pairs[2p + h]: columns 2p, 2p + 1 of rows 8h..8h + 8.
    let quads: [__m128i; 8] = std::array::from_fn(|i| {
        let (h, group, hi) = (i / 4, (i / 2) % 2, i % 2);
        let (a, b) = (pairs[4 * group + h], pairs[4 * group + 2 + h]);
        if hi == 0 {
            _mm_unpacklo_epi16(a, b)
        } else {
            _mm_unpackhi_epi16(a, b)
        }
    });
    // quads[4h + 2 group + hi]: columns 4 group..+4 of rows 8h + 4hi..+4.
    let mut rows = [quads[0]; 16];
    for h in 0..2 {
        for hi in 0..2 {
            let (a, b) = (quads[4 * h + hi], quads[4 * h + 2 + hi]);
            let base = 8 * h + 4 * hi;
            let (lo, up) = (_mm_unpacklo_epi32(a, b), _mm_unpackhi_epi32(a, b));
            rows[base] = lo;
            rows[base + 1] = _mm_unpackhi_epi64(lo, lo);
            rows[base + 2] = up;
            rows[base + 3] = _mm_unpackhi_epi64(up, up);
        }
    }
    rows
}

/// The segments' β and tC, each in its segment's four lanes.
#[inline]
#[target_feature(enable = "avx2")]
fn per_lane(segments: &[(i32, i32); 4]) -> (__m256i, __m256i) {
    let (mut beta, mut tc) = ([0i16; 16], [0i16; 16]);
    for (l, (b, t)) in beta.iter_mut().zip(tc.iter_mut()).enumerate() {
        (*b, *t) = (segments[l / 4].0 as i16, segments[l / 4].1 as i16);
    }
    // SAFETY: sixteen i16 each (32 bytes); unaligned loads.
    unsafe {
        (
            _mm256_loadu_si256(beta.as_ptr().cast::<__m256i>()),
            _mm256_loadu_si256(tc.as_ptr().cast::<__m256i>()),
        )
    }
}

/// `filter_luma` on 16 lines at once: `rows` are p3..q3, one lane a line.
#[inline]
#[target_feature(enable = "avx2")]
fn filter16(rows: [__m256i; 8], segments: [(i32, i32); 4]) -> [__m256i; 8] {
    let (add, sub, abs) = (_mm256_add_epi16, _mm256_sub_epi16, _mm256_abs_epi16);
    let lt = |a: __m256i, b: __m256i| _mm256_cmpgt_epi16(b, a);
    let splat = _mm256_set1_epi16;
    let [p3, p2, p1, p0, q0, q1, q2, q3] = rows;
    let (beta, tc) = per_lane(&segments);
    // A segment's first and fourth lines, in each of its lanes (words 0/4 and 3/7 of
    // each 128-bit half).
    let first = _mm256_setr_epi8(
        0, 1, 0, 1, 0, 1, 0, 1, 8, 9, 8, 9, 8, 9, 8, 9, 0, 1, 0, 1, 0, 1, 0, 1, 8, 9, 8, 9, 8, 9,
        8, 9,
    );
    let fourth = _mm256_setr_epi8(
        6, 7, 6, 7, 6, 7, 6, 7, 14, 15, 14, 15, 14, 15, 14, 15, 6, 7, 6, 7, 6, 7, 6, 7, 14, 15, 14,
        15, 14, 15, 14, 15,
    );
    let at0 = |v: __m256i| _mm256_shuffle_epi8(v, first);
    let at3 = |v: __m256i| _mm256_shuffle_epi8(v, fourth);

    // Decisions (8.7.2.5.3).
    let dp = abs(sub(add(p2, p0), add(p1, p1)));
    let dq = abs(sub(add(q2, q0), add(q1, q1)));
    let dpq = add(dp, dq);
    let on = lt(add(at0(dpq), at3(dpq)), beta);
    let line_ok = _mm256_and_si256(
        _mm256_and_si256(
            lt(add(dpq, dpq), _mm256_srai_epi16::<2>(beta)),
            lt(
                add(abs(sub(p3, p0)), abs(sub(q0, q3))),
                _mm256_srai_epi16::<3>(beta),
            ),
        ),
        lt(
            abs(sub(p0, q0)),
            _mm256_srai_epi16::<1>(add(add(_mm256_slli_epi16::<2>(tc), tc), splat(1))),
        ),
    );
    let strong = _mm256_and_si256(at0(line_ok), at3(line_ok));
    let side = _mm256_srai_epi16::<3>(add(beta, _mm256_srai_epi16::<1>(beta)));
    let dep = lt(add(at0(dp), at3(dp)), side);
    let deq = lt(add(at0(dq), at3(dq)), side);

    // Strong filter (dE = 2), each sample within ±2tC of its input.
    let tc2 = add(tc, tc);
    let clip2 = |orig: __m256i, v: __m256i| {
        _mm256_min_epi16(_mm256_max_epi16(v, sub(orig, tc2)), add(orig, tc2))
    };
    let x2 = |v: __m256i| add(v, v);
    let (four, two) = (splat(4), splat(2));
    let s_p0 = add(add(add(p2, x2(p1)), add(x2(p0), x2(q0))), add(q1, four));
    let s_p1 = add(add(p2, p1), add(add(p0, q0), two));
    let s_p2 = add(
        add(add(x2(p3), add(x2(p2), p2)), add(p1, p0)),
        add(q0, four),
    );
    let s_q0 = add(add(add(p1, x2(p0)), add(x2(q0), x2(q1))), add(q2, four));
    let s_q1 = add(add(p0, q0), add(add(q1, q2), two));
    let s_q2 = add(
        add(add(p0, q0), add(q1, add(x2(q2), q2))),
        add(x2(q3), four),
    );
    let s_p0 = clip2(p0, _mm256_srai_epi16::<3>(s_p0));
    let s_p1 = clip2(p1, _mm256_srai_epi16::<2>(s_p1));
    let s_p2 = clip2(p2, _mm256_srai_epi16::<3>(s_p2));
    let s_q0 = clip2(q0, _mm256_srai_epi16::<3>(s_q0));
    let s_q1 = clip2(q1, _mm256_srai_epi16::<2>(s_q1));
    let s_q2 = clip2(q2, _mm256_srai_epi16::<3>(s_q2));

    // Normal filter (dE = 1), not where |Δ| >= 10 tC.
    let zero = _mm256_setzero_si256();
    let clip1 = |v: __m256i| _mm256_min_epi16(_mm256_max_epi16(v, zero), splat(255));
    let (d0, d1) = (sub(q0, p0), sub(q1, p1));
    let nine_d0 = add(_mm256_slli_epi16::<3>(d0), d0);
    let three_d1 = add(x2(d1), d1);
    let delta = _mm256_srai_epi16::<4>(add(sub(nine_d0, three_d1), splat(8)));
    let ten_tc = add(_mm256_slli_epi16::<3>(tc), x2(tc));
    let normal = lt(abs(delta), ten_tc);
    let delta = _mm256_min_epi16(_mm256_max_epi16(delta, sub(zero, tc)), tc);
    let half = _mm256_srai_epi16::<1>(tc);
    let neg_half = sub(zero, half);
    let clamp_half = |v: __m256i| _mm256_min_epi16(_mm256_max_epi16(v, neg_half), half);
    let n_p0 = clip1(add(p0, delta));
    let n_q0 = clip1(sub(q0, delta));
    let avg_p = _mm256_srai_epi16::<1>(add(add(p2, p0), splat(1)));
    let avg_q = _mm256_srai_epi16::<1>(add(add(q2, q0), splat(1)));
    let n_p1 = clip1(add(
        p1,
        clamp_half(_mm256_srai_epi16::<1>(add(sub(avg_p, p1), delta))),
    ));
    let n_q1 = clip1(add(
        q1,
        clamp_half(_mm256_srai_epi16::<1>(sub(sub(avg_q, q1), delta))),
    ));

    // Where each filter applies; elsewhere the samples stay.
    let pick = |keep: __m256i, new: __m256i, mask: __m256i| _mm256_blendv_epi8(keep, new, mask);
    let strong_on = _mm256_and_si256(on, strong);
    let normal_on = _mm256_and_si256(_mm256_andnot_si256(strong, on), normal);
    let side_of = |strong_v: __m256i, weak: __m256i, orig: __m256i, de: __m256i| {
        pick(
            pick(orig, weak, _mm256_and_si256(normal_on, de)),
            strong_v,
            strong_on,
        )
    };
    [
        p3,
        pick(p2, s_p2, strong_on),
        side_of(s_p1, n_p1, p1, dep),
        pick(pick(p0, n_p0, normal_on), s_p0, strong_on),
        pick(pick(q0, n_q0, normal_on), s_q0, strong_on),
        side_of(s_q1, n_q1, q1, deq),
        pick(q2, s_q2, strong_on),
        q3,
    ]
}
