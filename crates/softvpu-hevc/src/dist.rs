//! Distortion measures between two 8-bit blocks (source vs prediction or
//! reconstruction), each given as a slice with its own row stride.
//!
//! SAD, SSE and the 8x8 Hadamard of SATD have x86-64 kernels (`x86::dist`; with AVX2, two 8x8
//! tiles at a time), used when
//! [`crate::cpu::isa`] allows.

#[cfg(target_arch = "x86_64")]
use crate::cpu::{avx2, sse41};
use crate::cpu::{isa, Isa};

/// Sum of absolute differences over a `w` x `h` block.
pub fn sad(a: &[u8], a_stride: usize, b: &[u8], b_stride: usize, w: usize, h: usize) -> u32 {
    #[cfg(target_arch = "x86_64")]
    if w.is_multiple_of(8) && isa() != Isa::Scalar {
        return crate::x86::sad(a, a_stride, b, b_stride, w, h);
    }
    sad_scalar(a, a_stride, b, b_stride, w, h)
}

fn sad_scalar(a: &[u8], a_stride: usize, b: &[u8], b_stride: usize, w: usize, h: usize) -> u32 {
    rows(a, a_stride, b, b_stride, w, h)
        .map(|(ra, rb)| {
            ra.iter()
                .zip(rb)
                .map(|(&x, &y)| u32::from(x.abs_diff(y)))
                .sum::<u32>()
        })
        .sum()
}

/// Sum of squared differences over a `w` x `h` block.
pub fn sse(a: &[u8], a_stride: usize, b: &[u8], b_stride: usize, w: usize, h: usize) -> u64 {
    #[cfg(target_arch = "x86_64")]
    if w.is_multiple_of(8) && isa() != Isa::Scalar {
        return crate::x86::sse(a, a_stride, b, b_stride, w, h);
    }
    sse_scalar(a, a_stride, b, b_stride, w, h)
}

fn sse_scalar(a: &[u8], a_stride: usize, b: &[u8], b_stride: usize, w: usize, h: usize) -> u64 {
    rows(a, a_stride, b, b_stride, w, h)
        .map(|(ra, rb)| {
            let row: u32 = ra
                .iter()
                .zip(rb)
                .map(|(&x, &y)| {
                    let d = u32::from(x.abs_diff(y));
                    d * d
                })
                .sum();
            u64::from(row)
        })
        .sum()
}

/// Sum of absolute Hadamard-transformed differences of a square block, normalised
/// like HM: one 4x4 Hadamard for 4x4 ((sum + 1) >> 1), else 8x8 tiles ((sum + 2) >> 2
/// each, see [`satd_tiles`]). `log2_size` is 2..=6.
pub fn satd(a: &[u8], a_stride: usize, b: &[u8], b_stride: usize, log2_size: u32) -> u32 {
    assert!(
        (2..=6).contains(&log2_size),
        "satd log2 size {log2_size} out of 2..=6"
    );
    if log2_size == 2 {
        #[cfg(target_arch = "x86_64")]
        if let Some(cpu) = sse41() {
            return (cpu.hadamard4(a, a_stride, b, b_stride) + 1) >> 1;
        }
        return (hadamard_sum::<4>(a, a_stride, b, b_stride) + 1) >> 1;
    }
    #[cfg(target_arch = "x86_64")]
    if let (3, Some(cpu)) = (log2_size, sse41()) {
        return (cpu.hadamard8(a, a_stride, b, b_stride) + 2) >> 2;
    }
    let mut total = 0;
    let n = 1usize << log2_size;
    satd_tiles(a, a_stride, b, b_stride, (n, n), |_, _, t| total += t);
    total
}

/// [`satd`] when it is below `limit`; otherwise some value at least `limit`, found
/// without summing the rest of the block once its first rows of tiles reach `limit` (for
/// choosing the least of several predictions, which only needs the winner's exact SATD).
pub fn satd_below(
    a: &[u8],
    a_stride: usize,
    b: &[u8],
    b_stride: usize,
    log2_size: u32,
    limit: u32,
) -> u32 {
    if log2_size <= 3 {
        return satd(a, a_stride, b, b_stride, log2_size);
    }
    let n = 1usize << log2_size;
    let mut total = 0;
    for y in (0..n).step_by(8) {
        let strip = (&a[y * a_stride..], &b[y * b_stride..]);
        satd_tiles(strip.0, a_stride, strip.1, b_stride, (n, 8), |_, _, t| {
            total += t
        });
        if total >= limit {
            break;
        }
    }
    total
}

/// The `limit` for [`satd_below`] under which an integer SATD may be below `to_beat`:
/// one more than its ceiling, so that floating-point rounding in the caller's costs
/// cannot let a larger one through.
pub fn satd_limit(to_beat: f64) -> u32 {
    if to_beat.is_nan() || to_beat >= f64::from(u32::MAX - 1) {
        u32::MAX
    } else {
        (to_beat.max(0.0).ceil() as u32).saturating_add(1)
    }
}

/// Calls `f(row, column, satd)` for every 8x8 tile of a `w` x `h` block (both multiples
/// of 8), its SATD normalised as in [`satd`], which sums them.
pub fn satd_tiles(
    a: &[u8],
    a_stride: usize,
    b: &[u8],
    b_stride: usize,
    (w, h): (usize, usize),
    mut f: impl FnMut(usize, usize, u32),
) {
    let at = |y: usize, x: usize| (&a[y * a_stride + x..], &b[y * b_stride + x..]);
    #[cfg(target_arch = "x86_64")]
    if let (Some(cpu), true) = (avx2(), w.is_multiple_of(16)) {
        cpu.hadamard_tiles(a, a_stride, b, b_stride, (w, h), &mut |row, col, sum| {
            f(row, col, (sum + 2) >> 2)
        });
        return;
    }
    #[cfg(target_arch = "x86_64")]
    if let Some(cpu) = sse41() {
        for_each_tile((w, h), |y, x| {
            let (ta, tb) = at(y, x);
            f(
                y / 8,
                x / 8,
                (cpu.hadamard8(ta, a_stride, tb, b_stride) + 2) >> 2,
            );
        });
        return;
    }
    for_each_tile((w, h), |y, x| {
        let (ta, tb) = at(y, x);
        f(
            y / 8,
            x / 8,
            (hadamard_sum::<8>(ta, a_stride, tb, b_stride) + 2) >> 2,
        );
    });
}

/// Calls `f(y, x)` at the top-left sample of each 8x8 tile of a `w` x `h` block.
#[inline(always)]
fn for_each_tile((w, h): (usize, usize), mut f: impl FnMut(usize, usize)) {
    for y in (0..h).step_by(8) {
        for x in (0..w).step_by(8) {
            f(y, x);
        }
    }
}

/// Row pairs of a `w` x `h` block.
fn rows<'a>(
    a: &'a [u8],
    a_stride: usize,
    b: &'a [u8],
    b_stride: usize,
    w: usize,
    h: usize,
) -> impl Iterator<Item = (&'a [u8], &'a [u8])> {
    (0..h).map(move |y| (&a[y * a_stride..][..w], &b[y * b_stride..][..w]))
}

/// Sum of |H D H^T| for the N x N difference D (unnormalised). Both passes run as
/// butterflies between whole rows (the second on the transpose), which vectorise.
fn hadamard_sum<const N: usize>(a: &[u8], a_stride: usize, b: &[u8], b_stride: usize) -> u32 {
    let mut d = [[0i32; N]; N];
    for (y, row) in d.iter_mut().enumerate() {
        let (ra, rb) = (&a[y * a_stride..][..N], &b[y * b_stride..][..N]);
        for ((v, &x), &p) in row.iter_mut().zip(ra).zip(rb) {
            *v = i32::from(x) - i32::from(p);
        }
    }
    row_butterflies(&mut d);
    let mut t = [[0i32; N]; N];
    for (y, row) in d.iter().enumerate() {
        for (x, &v) in row.iter().enumerate() {
            t[x][y] = v;
        }
    }
    row_butterflies(&mut t);
    t.iter().flatten().map(|v| v.unsigned_abs()).sum()
}

/// The unnormalised fast Walsh-Hadamard transform down the columns of `m` (N a power of
/// two). The output order does not matter here: only the sum of magnitudes is used.
#[inline]
fn row_butterflies<const N: usize>(m: &mut [[i32; N]; N]) {
    let mut h = 1;
    while h < N {
        for i in (0..N).step_by(2 * h) {
            for j in i..i + h {
                let (top, bottom) = m.split_at_mut(j + h);
                let (p, q) = (&mut top[j], &mut bottom[0]);
                for (x, y) in p.iter_mut().zip(q.iter_mut()) {
                    let (u, v) = (*x, *y);
                    *x = u + v;
                    *y = u - v;
                }
            }
        }
        h *= 2;
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use softvpu_core::synth::SplitMix64;

    fn random_plane(rng: &mut SplitMix64, len: usize) -> Vec<u8> {
        (0..len).map(|_| rng.below(256) as u8).collect()
    }

    /// Sylvester Hadamard matrix: H(2n) = [[H, H], [H, -H]].
    fn hadamard_matrix(n: usize) -> Vec<Vec<i64>> {
        let mut h = vec![vec![1i64]];
        while h.len() < n {
            let m = h.len();
            let mut next = vec![vec![0i64; 2 * m]; 2 * m];
            for i in 0..m {
                for j in 0..m {
                    next[i][j] = h[i][j];
                    next[i][j + m] = h[i][j];
                    next[i + m][j] = h[i][j];
                    next[i + m][j + m] = -h[i][j];
                }
            }
            h = next;
        }
        h
    }

    /// sum |H D H^T| of the n x n block at (x0, y0), by matrix products.
    fn ref_hadamard(
        a: &[u8],
        sa: usize,
        b: &[u8],
        sb: usize,
        x0: usize,
        y0: usize,
        n: usize,
    ) -> i64 {
        let h = hadamard_matrix(n);
        let d = |y: usize, x: usize| {
            i64::from(a[(y0 + y) * sa + x0 + x]) - i64::from(b[(y0 + y) * sb + x0 + x])
        };
        let mut sum = 0;
        for i in 0..n {
            for j in 0..n {
                let mut t = 0;
                for y in 0..n {
                    for x in 0..n {
                        t += h[i][y] * d(y, x) * h[j][x];
                    }
                }
                sum += t.abs();
            }
        }
        sum
    }

    fn ref_satd(a: &[u8], sa: usize, b: &[u8], sb: usize, log2: u32) -> u32 {
        let n = 1usize << log2;
        if n == 4 {
            return ((ref_hadamard(a, sa, b, sb, 0, 0, 4) + 1) >> 1) as u32;
        }
        let mut total = 0;
        for y in (0..n).step_by(8) {
            for x in (0..n).step_by(8) {
                total += (ref_hadamard(a, sa, b, sb, x, y, 8) + 2) >> 2;
            }
        }
        total as u32
    }

    /// satd_below is the SATD whenever that is below the limit, and at least the limit
    /// otherwise: every block size, limits below, at and above the SATD, with the kernels
    /// in use (run with SOFTVPU_SIMD=scalar for the portable ones).
    #[test]
    fn satd_below_is_exact_below_the_limit() {
        let mut rng = SplitMix64(41);
        for log2 in 2..=6u32 {
            let n = 1usize << log2;
            for _ in 0..20 {
                let (sa, sb) = (n + 5, n);
                let a = random_plane(&mut rng, sa * n);
                // A prediction near the block for low SATDs, or unrelated for high ones.
                let b: Vec<u8> = (0..n * n)
                    .map(|i| {
                        let v = a[(i / n) * sa + i % n];
                        if rng.below(2) == 0 {
                            v.saturating_add(rng.below(3) as u8)
                        } else {
                            rng.below(256) as u8
                        }
                    })
                    .collect();
                let exact = satd(&a, sa, &b, sb, log2);
                for limit in [0, 1, exact / 3, exact, exact + 1, u32::MAX] {
                    let got = satd_below(&a, sa, &b, sb, log2, limit);
                    if exact < limit {
                        assert_eq!(got, exact, "{n}x{n} limit {limit}");
                    } else {
                        assert!(
                            got >= limit && got <= exact,
                            "{n}x{n} limit {limit}: {got} of {exact}"
                        );
                    }
                }
            }
        }
    }

    #[test]
    fn sad_and_sse_match_direct_sums() {
        let mut rng = SplitMix64(21);
        for (w, h) in [(4, 4), (8, 4), (16, 16), (64, 64), (3, 5), (12, 7)] {
            let (sa, sb) = (w + 5, w + 11);
            let a = random_plane(&mut rng, sa * h);
            let b = random_plane(&mut rng, sb * h);
            let (mut s, mut q) = (0u64, 0u64);
            for y in 0..h {
                for x in 0..w {
                    let d = i64::from(a[y * sa + x]) - i64::from(b[y * sb + x]);
                    s += d.unsigned_abs();
                    q += (d * d) as u64;
                }
            }
            assert_eq!(u64::from(sad(&a, sa, &b, sb, w, h)), s);
            assert_eq!(sse(&a, sa, &b, sb, w, h), q);
        }
        // Extremes: 64x64 of 255 vs 0.
        let (a, b) = (vec![255u8; 4096], vec![0u8; 4096]);
        assert_eq!(sad(&a, 64, &b, 64, 64, 64), 4096 * 255);
        assert_eq!(sse(&a, 64, &b, 64, 64, 64), 4096 * 255 * 255);
    }

    #[test]
    fn satd_matches_matrix_form() {
        let mut rng = SplitMix64(8);
        for log2 in 2..=6u32 {
            let n = 1usize << log2;
            for _ in 0..20 {
                let (sa, sb) = (n + 3, n + 7);
                let a = random_plane(&mut rng, sa * n);
                let b = random_plane(&mut rng, sb * n);
                assert_eq!(satd(&a, sa, &b, sb, log2), ref_satd(&a, sa, &b, sb, log2));
            }
        }
    }

    #[test]
    fn tiles_are_the_satd_of_each_8x8_tile() {
        let mut rng = SplitMix64(9);
        for log2 in 3..=6u32 {
            let n = 1usize << log2;
            let (sa, sb) = (n + 5, n + 1);
            let a = random_plane(&mut rng, sa * n);
            let b = random_plane(&mut rng, sb * n);
            let mut seen = vec![false; (n / 8) * (n / 8)];
            satd_tiles(&a, sa, &b, sb, (n, n), |row, col, t| {
                let (ta, tb) = (&a[row * 8 * sa + col * 8..], &b[row * 8 * sb + col * 8..]);
                assert_eq!(t, satd(ta, sa, tb, sb, 3), "n {n} tile ({col}, {row})");
                assert!(!std::mem::replace(&mut seen[row * (n / 8) + col], true));
            });
            assert!(seen.iter().all(|&s| s), "n {n}: every tile once");
        }
    }

    /// Blocks of random, all-0 and all-255 samples and a checkerboard of the two.
    fn test_blocks(rng: &mut SplitMix64, len: usize) -> Vec<Vec<u8>> {
        let checker = (0..len).map(|i| if i % 3 == 0 { 255 } else { 0 }).collect();
        vec![
            random_plane(rng, len),
            vec![0; len],
            vec![255; len],
            checker,
        ]
    }

    #[cfg(target_arch = "x86_64")]
    #[test]
    fn x86_kernels_equal_their_scalar_twins() {
        let Some(cpu) = crate::x86::Sse41::detect() else {
            eprintln!("no SSE4.1 on this CPU: nothing to compare");
            return;
        };
        let mut rng = SplitMix64(99);
        for (w, h) in [
            (8, 8),
            (16, 16),
            (32, 32),
            (64, 64),
            (8, 4),
            (24, 3),
            (48, 64),
            // Rows summed in groups: several groups, the last one short.
            (8, 130),
            (1024, 37),
        ] {
            let (sa, sb) = (w + 9, w + 3);
            for _ in 0..10 {
                for a in test_blocks(&mut rng, sa * h) {
                    for b in test_blocks(&mut rng, sb * h) {
                        let fast = crate::x86::sad(&a, sa, &b, sb, w, h);
                        assert_eq!(fast, sad_scalar(&a, sa, &b, sb, w, h), "sad {w}x{h}");
                        let fast = crate::x86::sse(&a, sa, &b, sb, w, h);
                        assert_eq!(fast, sse_scalar(&a, sa, &b, sb, w, h), "sse {w}x{h}");
                        if w >= 4 && h >= 4 {
                            let fast = cpu.hadamard4(&a, sa, &b, sb);
                            assert_eq!(fast, hadamard_sum::<4>(&a, sa, &b, sb), "hadamard 4");
                        }
                        if w >= 8 && h >= 8 {
                            let fast = cpu.hadamard8(&a, sa, &b, sb);
                            assert_eq!(fast, hadamard_sum::<8>(&a, sa, &b, sb), "hadamard");
                        }
                        // The AVX2 tile loop over the largest square block of 16k samples.
                        let n = w.min(h) / 16 * 16;
                        if let (Some(avx2), true) = (crate::x86::Avx2::detect(), n > 0) {
                            let mut tiles = Vec::new();
                            avx2.hadamard_tiles(&a, sa, &b, sb, (n, n), &mut |r, c, t| {
                                tiles.push((r, c, t))
                            });
                            let mut scalar = Vec::new();
                            for_each_tile((n, n), |y, x| {
                                let (ta, tb) = (&a[y * sa + x..], &b[y * sb + x..]);
                                scalar.push((y / 8, x / 8, hadamard_sum::<8>(ta, sa, tb, sb)));
                            });
                            assert_eq!(tiles, scalar, "hadamard tiles {n}x{n}");
                        }
                    }
                }
            }
        }
    }

    #[test]
    fn the_kernels_in_use_are_the_best_available() {
        // SOFTVPU_SIMD: scalar, off or 0 force the portable code; sse keeps to SSE4.1.
        let setting = std::env::var("SOFTVPU_SIMD").unwrap_or_default();
        let forced = matches!(setting.as_str(), "scalar" | "off" | "0");
        let sse_only = setting == "sse";
        let expected = if cfg!(target_arch = "x86_64") && !forced && !sse_only && avx2() {
            Isa::X86Avx2
        } else if cfg!(target_arch = "x86_64") && !forced && sse41() {
            Isa::X86Sse41
        } else {
            Isa::Scalar
        };
        assert_eq!(isa(), expected);
    }

    fn sse41() -> bool {
        #[cfg(target_arch = "x86_64")]
        return crate::x86::Sse41::detect().is_some();
        #[cfg(not(target_arch = "x86_64"))]
        false
    }

    fn avx2() -> bool {
        #[cfg(target_arch = "x86_64")]
        return crate::x86::Avx2::detect().is_some();
        #[cfg(not(target_arch = "x86_64"))]
        false
    }

    #[test]
    fn satd_known_values() {
        // A constant difference d only has a DC term: 16d for 4x4, 64d per 8x8 tile.
        let (a, b) = ([110u8; 64 * 64], [100u8; 64 * 64]);
        assert_eq!(satd(&a, 4, &b, 4, 2), (160 + 1) >> 1);
        assert_eq!(satd(&a, 8, &b, 8, 3), (640 + 2) >> 2);
        assert_eq!(satd(&a, 64, &b, 64, 6), 64 * 160);
        assert_eq!(satd(&a, 16, &a, 16, 4), 0);
        // Worst case 64x64 (255 vs 0 checkerboard) stays far from overflow.
        let c: Vec<u8> = (0..4096)
            .map(|i| if (i + i / 64) % 2 == 0 { 255 } else { 0 })
            .collect();
        let z = [0u8; 4096];
        assert_eq!(satd(&c, 64, &z, 64, 6), ref_satd(&c, 64, &z, 64, 6));
    }
}
