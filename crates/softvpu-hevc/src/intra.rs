//! Intra sample prediction for 8-bit samples (H.265 8.4.4.2).
//!
//! The reference samples of an `n`x`n` block are kept in one linear array running from the
//! bottom of the left column, up through the corner, then right along the top row. In that
//! order both the substitution process (8.4.4.2.2) and the [1 2 1] filter (8.4.4.2.3) are
//! plain one-dimensional scans.

use crate::plane::Plane;
use crate::zscan::Availability;

pub const MODE_PLANAR: u8 = 0;
pub const MODE_DC: u8 = 1;
pub const MODE_HOR: u8 = 10;
pub const MODE_VER: u8 = 26;

/// Largest intra block (transform block) size.
const MAX_N: usize = 32;
/// Reference samples of the largest block: 2n left, the corner, 2n top.
const MAX_REFS: usize = 4 * MAX_N + 1;

/// intraPredAngle (Table 8-4) indexed by mode; entries 0 and 1 are unused.
const ANGLE: [i32; 35] = [
    0, 0, 32, 26, 21, 17, 13, 9, 5, 2, 0, -2, -5, -9, -13, -17, -21, -26, -32, -26, -21, -17, -13,
    -9, -5, -2, 0, 2, 5, 9, 13, 17, 21, 26, 32,
];

/// invAngle (Table 8-5) for modes 11..=25.
const INV_ANGLE: [i32; 15] = [
    -4096, -1638, -910, -630, -482, -390, -315, -256, -315, -390, -482, -630, -910, -1638, -4096,
];

/// The 4n+1 reference samples of an n x n block.
///
/// `s[0..2n]` holds p[-1][2n-1] .. p[-1][0] (left column, bottom first), `s[2n]` the corner
/// p[-1][-1], and `s[2n+1..=4n]` p[0][-1] .. p[2n-1][-1] (top row).
#[derive(Clone, Debug)]
pub struct RefSamples {
    pub s: [u8; MAX_REFS],
    pub n: usize,
}

impl RefSamples {
    /// All 4n+1 samples set to `v`.
    pub fn filled(n: usize, v: u8) -> Self {
        assert!(n <= MAX_N, "block size above 32");
        Self {
            s: [v; MAX_REFS],
            n,
        }
    }

    /// p[-1][y] for y in 0..2n.
    #[inline]
    pub fn left(&self, y: usize) -> u8 {
        self.s[2 * self.n - 1 - y]
    }

    /// p[x][-1] for x in 0..2n.
    #[inline]
    pub fn top(&self, x: usize) -> u8 {
        self.s[2 * self.n + 1 + x]
    }

    /// p[-1][-1].
    #[inline]
    pub fn corner(&self) -> u8 {
        self.s[2 * self.n]
    }

    /// The used part of `s` (4n+1 samples).
    #[inline]
    pub fn samples(&self) -> &[u8] {
        &self.s[..4 * self.n + 1]
    }
}

/// Gathers the reference samples of the `1 << log2_size` block at (`x`, `y`) of `plane` and
/// substitutes unavailable ones (8.4.4.2.2).
///
/// (`x`, `y`) are in this plane's units; for `chroma` (4:2:0) availability is decided at the
/// co-located luma positions. Availability is constant per 4x4 luma block, so it is asked once
/// per 4 luma / 2 chroma samples. With one slice and one tile z-scan order increases down a
/// column and along a row, so the available part of each edge is a prefix starting next to
/// the corner. The block must lie inside one CTB, as every transform block does.
pub fn build_references(
    plane: &Plane,
    avail: &Availability,
    x: usize,
    y: usize,
    log2_size: u32,
    chroma: bool,
) -> RefSamples {
    let n = 1usize << log2_size;
    assert!(n <= MAX_N, "block size above 32");
    let shift = u32::from(chroma);
    let unit = 4 >> shift;
    debug_assert!(
        x.is_multiple_of(unit) && y.is_multiple_of(unit),
        "block not aligned to the 4x4 luma grid"
    );
    debug_assert!(
        avail.within_one_ctb(x << shift, y << shift, n << shift),
        "block across CTBs"
    );
    let cur = avail.min_tb_addr_zs(x << shift, y << shift);
    let ok = |nx: usize, ny: usize| avail.available_zs(cur, nx << shift, ny << shift);

    let c = 2 * n;
    let mut refs = RefSamples {
        s: [0; MAX_REFS],
        n,
    };
    let s = &mut refs.s;
    let stride = plane.stride;

    // Left column, from p[-1][0] downwards. The samples beside a block inside one CTB
    // (every transform block) precede it in z-scan order (one slice, no tiles): only
    // those below it need asking.
    let mut n_left = 0;
    if x > 0 {
        n_left = n;
        while n_left < c && ok(x - 1, y + n_left) {
            n_left += unit;
        }
        let col = plane.data[y * stride + x - 1..].iter().step_by(stride);
        for (dst, &v) in s[c - n_left..c].iter_mut().rev().zip(col) {
            *dst = v;
        }
    }
    let corner = x > 0 && y > 0 && ok(x - 1, y - 1);
    if corner {
        s[c] = plane.at(x - 1, y - 1);
    }
    // Top row, from p[0][-1] rightwards.
    let mut n_top = 0;
    if y > 0 {
        n_top = n; // as on the left: only those past the block need asking
        while n_top < c && ok(x + n_top, y - 1) {
            n_top += unit;
        }
        let row = &plane.data[(y - 1) * stride + x..];
        s[c + 1..c + 1 + n_top].copy_from_slice(&row[..n_top]);
    }
    substitute(&mut s[..2 * c + 1], n_left, corner, n_top);
    refs
}

/// 8.4.4.2.2 on the linear array whose available samples are `s[c - n_left..c]`, `s[c]` if
/// `corner` and `s[c + 1..c + 1 + n_top]`: with nothing available everything becomes
/// 1 << (8 - 1); otherwise the run before the first available sample copies it, and every
/// later gap copies its predecessor.
fn substitute(s: &mut [u8], n_left: usize, corner: bool, n_top: usize) {
    let c = s.len() / 2;
    let first = if n_left > 0 {
        c - n_left
    } else if corner {
        c
    } else if n_top > 0 {
        c + 1
    } else {
        s.fill(128);
        return;
    };
    let v = s[first];
    s[..first].fill(v);
    if !corner && first < c {
        s[c] = s[c - 1];
    }
    let end = c + 1 + n_top;
    let v = s[end - 1];
    s[end..].fill(v);
}

/// Luma filterFlag of 8.4.4.2.3: whether `filter_references` must be applied before `predict`.
pub fn filter_needed(log2_size: u32, mode: u8) -> bool {
    if mode == MODE_DC || log2_size == 2 {
        return false;
    }
    let m = i32::from(mode);
    let min_dist = (m - i32::from(MODE_VER))
        .abs()
        .min((m - i32::from(MODE_HOR)).abs());
    let thres = match log2_size {
        3 => 7,
        4 => 1,
        _ => 0,
    };
    min_dist > thres
}

/// Filters reference samples (8.4.4.2.3): [1 2 1], or the bilinear strong intra smoothing
/// when `strong_enabled`, n == 32 and both edges are flat (threshold 1 << (8 - 5)).
pub fn filter_references(refs: &RefSamples, strong_enabled: bool) -> RefSamples {
    let n = refs.n;
    let s = &refs.s;
    let c = 2 * n;
    let last = 4 * n;
    let mut out = RefSamples {
        s: [0; MAX_REFS],
        n,
    };

    if strong_enabled
        && n == 32
        && is_flat(s[c], s[last], refs.top(n - 1))
        && is_flat(s[c], s[0], refs.left(n - 1))
    {
        let (corner, bl, tr) = (u32::from(s[c]), u32::from(s[0]), u32::from(s[last]));
        // Distance d from the corner (1..=64 on each side) weights the far end by d / 64.
        for d in 0..=c {
            let w = d as u32;
            out.s[c - d] = (((64 - w) * corner + w * bl + 32) >> 6) as u8;
            out.s[c + d] = (((64 - w) * corner + w * tr + 32) >> 6) as u8;
        }
        return out;
    }

    out.s[0] = s[0];
    out.s[last] = s[last];
    for (i, w) in s[..=last].windows(3).enumerate() {
        let v = u16::from(w[0]) + 2 * u16::from(w[1]) + u16::from(w[2]) + 2;
        out.s[i + 1] = (v >> 2) as u8;
    }
    out
}

/// Flatness test of strong intra smoothing: |a + b - 2 mid| < 1 << (BitDepth - 5).
fn is_flat(a: u8, b: u8, mid: u8) -> bool {
    (i32::from(a) + i32::from(b) - 2 * i32::from(mid)).abs() < 8
}

/// Predicts the `1 << log2_size` block with `mode` (0..=34) into `out` (n*n, row stride n).
///
/// `luma` enables the DC / pure horizontal / pure vertical edge filters (for n < 32). Pass
/// refs through `filter_references` beforehand iff `filter_needed` (luma only).
pub fn predict(refs: &RefSamples, log2_size: u32, mode: u8, luma: bool, out: &mut [u8]) {
    #[cfg(target_arch = "x86_64")]
    if let Some(cpu) = crate::cpu::avx2() {
        return cpu.predict(refs, log2_size, mode, luma, out);
    }
    predict_portable(refs, log2_size, mode, luma, out);
}

/// [`predict`] in portable code (also built for AVX2 by `x86::multiversion`).
#[inline(always)]
pub(crate) fn predict_portable(
    refs: &RefSamples,
    log2_size: u32,
    mode: u8,
    luma: bool,
    out: &mut [u8],
) {
    predict_with(Portable, refs, log2_size, mode, luma, out);
}

/// The steps of intra prediction that have SIMD versions: planar prediction, and for the
/// angular modes interpolating rows from the reference line and transposing a block
/// (horizontal modes).
pub(crate) trait IntraKernels: Copy {
    /// Planar prediction (8.4.4.2.5) of an N x N block.
    fn planar<const N: usize>(self, refs: &RefSamples, out: &mut [u8]);
    /// Row r of `dst` (N x N) interpolates the reference line `buf` (ref[k] at
    /// buf[N + k]) at offset (r + 1) * angle / 32.
    fn angular_rows<const N: usize>(self, buf: &[u8; REF_LINE], angle: i32, dst: &mut [u8]);
    /// `dst` (row stride N) becomes the transpose of `src`.
    fn transpose<const N: usize>(self, src: &[[u8; N]; N], dst: &mut [u8]);
}

/// The reference line of angular prediction: ref[-N..=2N] of the largest block.
pub(crate) const REF_LINE: usize = 3 * MAX_N + 1;

/// The kernels in portable code.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Portable;

impl IntraKernels for Portable {
    #[inline(always)]
    fn planar<const N: usize>(self, refs: &RefSamples, out: &mut [u8]) {
        planar::<N>(refs, out);
    }

    #[inline(always)]
    fn angular_rows<const N: usize>(self, buf: &[u8; REF_LINE], angle: i32, dst: &mut [u8]) {
        angular_rows::<N>(buf, angle, dst);
    }

    #[inline(always)]
    fn transpose<const N: usize>(self, src: &[[u8; N]; N], dst: &mut [u8]) {
        for y in 0..N {
            let row = &mut dst[y * N..y * N + N];
            for x in 0..N {
                row[x] = src[x][y];
            }
        }
    }
}

/// [`predict`] with angular kernels `k`.
#[inline(always)]
pub(crate) fn predict_with<K: IntraKernels>(
    k: K,
    refs: &RefSamples,
    log2_size: u32,
    mode: u8,
    luma: bool,
    out: &mut [u8],
) {
    assert!(mode <= 34, "intra mode out of range");
    assert_eq!(
        refs.n,
        1 << log2_size,
        "reference size does not match the block"
    );
    match log2_size {
        2 => predict_n::<K, 4>(k, refs, mode, luma, out),
        3 => predict_n::<K, 8>(k, refs, mode, luma, out),
        4 => predict_n::<K, 16>(k, refs, mode, luma, out),
        5 => predict_n::<K, 32>(k, refs, mode, luma, out),
        _ => panic!("intra block log2 size must be 2..=5"),
    }
}

#[inline(always)]
fn predict_n<K: IntraKernels, const N: usize>(
    k: K,
    refs: &RefSamples,
    mode: u8,
    luma: bool,
    out: &mut [u8],
) {
    let out = &mut out[..N * N];
    let edge_filter = luma && N < 32;
    match mode {
        MODE_PLANAR => k.planar::<N>(refs, out),
        MODE_DC => dc::<N>(refs, edge_filter, out),
        _ => angular::<K, N>(k, refs, usize::from(mode), edge_filter, out),
    }
}

/// 8.4.4.2.5.
#[inline(always)]
fn planar<const N: usize>(refs: &RefSamples, out: &mut [u8]) {
    let c = 2 * N;
    let shift = N.trailing_zeros() + 1;
    let top = &refs.s[c + 1..c + 1 + N];
    let top_right = i16::from(refs.s[c + 1 + N]);
    let bottom_left = i16::from(refs.s[c - 1 - N]);
    // The vertical term (N-1-y) * top[x] + (y+1) * bottom_left (+ rounding) is kept per
    // column and stepped by bottom_left - top[x] each row. Every partial sum stays below
    // 2 * N * 255 + N, inside i16.
    let mut vert = [0i16; N];
    let mut step = [0i16; N];
    let mut w_left = [0i16; N];
    let mut w_right = [0i16; N];
    for x in 0..N {
        let t = i16::from(top[x]);
        vert[x] = (N as i16 - 1) * t + bottom_left + N as i16;
        step[x] = bottom_left - t;
        w_left[x] = (N - 1 - x) as i16;
        w_right[x] = x as i16 + 1;
    }
    for (y, row) in out.chunks_exact_mut(N).enumerate() {
        let left = i16::from(refs.s[c - 1 - y]);
        for (((o, &v), &wl), &wr) in row.iter_mut().zip(&vert).zip(&w_left).zip(&w_right) {
            *o = ((wl * left + wr * top_right + v) >> shift) as u8;
        }
        for (v, &d) in vert.iter_mut().zip(&step) {
            *v += d;
        }
    }
}

/// DC part of 8.4.4.2.6, with the luma edge smoothing for n < 32.
#[inline(always)]
fn dc<const N: usize>(refs: &RefSamples, edge_filter: bool, out: &mut [u8]) {
    let c = 2 * N;
    let left = &refs.s[c - N..c]; // p[-1][N-1] .. p[-1][0]
    let top = &refs.s[c + 1..c + 1 + N];
    let sum: u32 = left.iter().chain(top).map(|&v| u32::from(v)).sum();
    let dc = ((sum + N as u32) >> (N.trailing_zeros() + 1)) as u8;
    out.fill(dc);
    if !edge_filter {
        return;
    }
    let dc3 = 3 * u16::from(dc) + 2;
    out[0] =
        ((u16::from(refs.left(0)) + 2 * u16::from(dc) + u16::from(refs.top(0)) + 2) >> 2) as u8;
    for x in 1..N {
        out[x] = ((u16::from(top[x]) + dc3) >> 2) as u8;
    }
    for y in 1..N {
        out[y * N] = ((u16::from(refs.left(y)) + dc3) >> 2) as u8;
    }
}

/// Angular part of 8.4.4.2.6 for modes 2..=34.
///
/// Horizontal modes (< 18) are the transpose of vertical ones with the roles of the left
/// column and the top row swapped, so both run the same row-wise kernel: "main" is the
/// reference line predicted from, "side" the one used to extend it for negative angles.
#[inline(always)]
fn angular<K: IntraKernels, const N: usize>(
    k: K,
    refs: &RefSamples,
    mode: usize,
    edge_filter: bool,
    out: &mut [u8],
) {
    let c = 2 * N;
    let s = &refs.s;
    let angle = ANGLE[mode];
    let vertical = mode >= 18;
    // side[k] is p[-1][k-1] (vertical) or p[k-1][-1] (horizontal); side[0] is the corner.
    let side = |k: usize| if vertical { s[c - k] } else { s[c + k] };

    // ref[k] lives at buf[N + k] for k in -N..=2N.
    let mut buf = [0u8; REF_LINE];
    if vertical {
        buf[N..=3 * N].copy_from_slice(&s[c..=2 * c]);
    } else {
        for (k, b) in buf[N..=3 * N].iter_mut().enumerate() {
            *b = s[c - k];
        }
    }
    if angle < 0 {
        let inv = INV_ANGLE[mode - 11];
        let last = (N as i32 * angle) >> 5;
        if last < -1 {
            for k in last..=-1 {
                let j = ((k * inv + 128) >> 8) as usize;
                buf[(N as i32 + k) as usize] = side(j);
            }
        }
    }

    // Pure vertical / horizontal: smooth the first column (in the kernel's orientation)
    // with the side reference's gradient.
    let smooth_edge = edge_filter && angle == 0;
    let smoothed = |r: usize| {
        let (main1, corner) = (i16::from(buf[N + 1]), i16::from(side(0)));
        (main1 + ((i16::from(side(r + 1)) - corner) >> 1)).clamp(0, 255) as u8
    };
    let edge = |dst: &mut [u8]| {
        for r in 0..N {
            dst[r * N] = smoothed(r);
        }
    };
    if vertical {
        k.angular_rows::<N>(&buf, angle, out);
        if smooth_edge {
            edge(out);
        }
    } else if angle == 0 {
        // Pure horizontal: each row is its left sample, the first row smoothed (what the
        // transposed path below computes, without the transpose).
        for (y, row) in out.chunks_exact_mut(N).enumerate() {
            row.fill(buf[N + 1 + y]);
        }
        if smooth_edge {
            for (x, o) in out[..N].iter_mut().enumerate() {
                *o = smoothed(x);
            }
        }
    } else {
        let mut tmp = [[0u8; N]; N];
        k.angular_rows::<N>(&buf, angle, tmp.as_flattened_mut());
        if smooth_edge {
            edge(tmp.as_flattened_mut());
        }
        k.transpose::<N>(&tmp, out);
    }
}

/// Row r interpolates the reference line `buf` (ref[k] at buf[N + k]) at offset
/// (r + 1) * angle / 32.
#[inline(always)]
fn angular_rows<const N: usize>(buf: &[u8], angle: i32, dst: &mut [u8]) {
    for (r, row) in dst.chunks_exact_mut(N).enumerate() {
        let pos = (r as i32 + 1) * angle;
        let start = (N as i32 + (pos >> 5) + 1) as usize;
        let fact = (pos & 31) as u16;
        let a = &buf[start..start + N];
        if fact == 0 {
            row.copy_from_slice(a);
        } else {
            let b = &buf[start + 1..start + 1 + N];
            for ((o, &p), &q) in row.iter_mut().zip(a).zip(b) {
                *o = (((32 - fact) * u16::from(p) + fact * u16::from(q) + 16) >> 5) as u8;
            }
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    struct Rng(u64);

    impl Rng {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            self.0
        }

        fn byte(&mut self) -> u8 {
            (self.next() >> 32) as u8
        }
    }

    /// Spec-style accessor p[x][-1] / p[-1][y] of the reference array.
    fn p(r: &RefSamples, x: i32, y: i32) -> i32 {
        match (x, y) {
            (-1, -1) => i32::from(r.corner()),
            (-1, y) => i32::from(r.left(y as usize)),
            (x, -1) => i32::from(r.top(x as usize)),
            _ => panic!("not a reference position"),
        }
    }

    /// Writes p[x][-1] / p[-1][y] of a reference array.
    fn set_p(r: &mut RefSamples, x: i32, y: i32, v: i32) {
        let n = r.n as i32;
        let i = if x == -1 {
            2 * n - 1 - y
        } else {
            2 * n + 1 + x
        };
        r.s[i as usize] = u8::try_from(v).unwrap();
    }

    /// intraPredAngle from Table 8-4: displacement grows by 0, 2, 5, 9, .. 32 away from the
    /// pure horizontal (10) and vertical (26) modes.
    fn slow_angle(mode: i32) -> i32 {
        const D: [i32; 9] = [0, 2, 5, 9, 13, 17, 21, 26, 32];
        if mode >= 18 {
            if mode >= 26 {
                D[(mode - 26) as usize]
            } else {
                -D[(26 - mode) as usize]
            }
        } else if mode >= 10 {
            -D[(mode - 10) as usize]
        } else {
            D[(10 - mode) as usize]
        }
    }

    /// invAngle of Table 8-5 is round(256 * 32 / intraPredAngle).
    fn slow_inv_angle(angle: i32) -> i32 {
        (8192.0 / f64::from(angle)).round() as i32
    }

    /// Straight transcription of 8.4.4.2.5 / 8.4.4.2.6 (pred[x][y] stored at y * n + x).
    fn slow_predict(r: &RefSamples, log2: u32, mode: i32, luma: bool) -> Vec<u8> {
        let n = 1i32 << log2;
        let mut pred = vec![0i32; (n * n) as usize];
        let mut put = |x: i32, y: i32, v: i32| pred[(y * n + x) as usize] = v;
        let clip = |v: i32| v.clamp(0, 255);
        match mode {
            0 => {
                for y in 0..n {
                    for x in 0..n {
                        let v = (n - 1 - x) * p(r, -1, y)
                            + (x + 1) * p(r, n, -1)
                            + (n - 1 - y) * p(r, x, -1)
                            + (y + 1) * p(r, -1, n)
                            + n;
                        put(x, y, v >> (log2 + 1));
                    }
                }
            }
            1 => {
                let sum: i32 = (0..n).map(|i| p(r, i, -1) + p(r, -1, i)).sum();
                let dc = (sum + n) >> (log2 + 1);
                for y in 0..n {
                    for x in 0..n {
                        put(x, y, dc);
                    }
                }
                if luma && n < 32 {
                    put(0, 0, (p(r, -1, 0) + 2 * dc + p(r, 0, -1) + 2) >> 2);
                    for x in 1..n {
                        put(x, 0, (p(r, x, -1) + 3 * dc + 2) >> 2);
                    }
                    for y in 1..n {
                        put(0, y, (p(r, -1, y) + 3 * dc + 2) >> 2);
                    }
                }
            }
            _ => {
                let angle = slow_angle(mode);
                let mut refs = [0i32; 200];
                let o = 100i32;
                let mut set_ref = |k: i32, v: i32| refs[(o + k) as usize] = v;
                if mode >= 18 {
                    for x in 0..=n {
                        set_ref(x, p(r, -1 + x, -1));
                    }
                    if angle < 0 {
                        if (n * angle) >> 5 < -1 {
                            let inv = slow_inv_angle(angle);
                            for x in (n * angle) >> 5..=-1 {
                                set_ref(x, p(r, -1, -1 + ((x * inv + 128) >> 8)));
                            }
                        }
                    } else {
                        for x in n + 1..=2 * n {
                            set_ref(x, p(r, -1 + x, -1));
                        }
                    }
                    let rf = |k: i32| refs[(o + k) as usize];
                    for y in 0..n {
                        for x in 0..n {
                            let i_idx = ((y + 1) * angle) >> 5;
                            let i_fact = ((y + 1) * angle) & 31;
                            let v = if i_fact != 0 {
                                ((32 - i_fact) * rf(x + i_idx + 1)
                                    + i_fact * rf(x + i_idx + 2)
                                    + 16)
                                    >> 5
                            } else {
                                rf(x + i_idx + 1)
                            };
                            put(x, y, v);
                        }
                    }
                    if mode == 26 && luma && n < 32 {
                        for y in 0..n {
                            put(
                                0,
                                y,
                                clip(p(r, 0, -1) + ((p(r, -1, y) - p(r, -1, -1)) >> 1)),
                            );
                        }
                    }
                } else {
                    for x in 0..=n {
                        set_ref(x, p(r, -1, -1 + x));
                    }
                    if angle < 0 {
                        if (n * angle) >> 5 < -1 {
                            let inv = slow_inv_angle(angle);
                            for x in (n * angle) >> 5..=-1 {
                                set_ref(x, p(r, -1 + ((x * inv + 128) >> 8), -1));
                            }
                        }
                    } else {
                        for x in n + 1..=2 * n {
                            set_ref(x, p(r, -1, -1 + x));
                        }
                    }
                    let rf = |k: i32| refs[(o + k) as usize];
                    for y in 0..n {
                        for x in 0..n {
                            let i_idx = ((x + 1) * angle) >> 5;
                            let i_fact = ((x + 1) * angle) & 31;
                            let v = if i_fact != 0 {
                                ((32 - i_fact) * rf(y + i_idx + 1)
                                    + i_fact * rf(y + i_idx + 2)
                                    + 16)
                                    >> 5
                            } else {
                                rf(y + i_idx + 1)
                            };
                            put(x, y, v);
                        }
                    }
                    if mode == 10 && luma && n < 32 {
                        for x in 0..n {
                            put(
                                x,
                                0,
                                clip(p(r, -1, 0) + ((p(r, x, -1) - p(r, -1, -1)) >> 1)),
                            );
                        }
                    }
                }
            }
        }
        pred.into_iter().map(|v| u8::try_from(v).unwrap()).collect()
    }

    /// Straight transcription of 8.4.4.2.3 (filtering applied); also reports biIntFlag.
    fn slow_filter(r: &RefSamples, strong_enabled: bool) -> (RefSamples, bool) {
        let n = r.n as i32;
        let thr = 1 << (8 - 5);
        let bi = strong_enabled
            && n == 32
            && (p(r, -1, -1) + p(r, 2 * n - 1, -1) - 2 * p(r, n - 1, -1)).abs() < thr
            && (p(r, -1, -1) + p(r, -1, 2 * n - 1) - 2 * p(r, -1, n - 1)).abs() < thr;
        let mut f = RefSamples::filled(r.n, 0);
        if bi {
            set_p(&mut f, -1, -1, p(r, -1, -1));
            for y in 0..=62 {
                let v = ((63 - y) * p(r, -1, -1) + (y + 1) * p(r, -1, 63) + 32) >> 6;
                set_p(&mut f, -1, y, v);
            }
            set_p(&mut f, -1, 63, p(r, -1, 63));
            for x in 0..=62 {
                let v = ((63 - x) * p(r, -1, -1) + (x + 1) * p(r, 63, -1) + 32) >> 6;
                set_p(&mut f, x, -1, v);
            }
            set_p(&mut f, 63, -1, p(r, 63, -1));
        } else {
            let v = (p(r, -1, 0) + 2 * p(r, -1, -1) + p(r, 0, -1) + 2) >> 2;
            set_p(&mut f, -1, -1, v);
            for y in 0..=2 * n - 2 {
                let up = if y == 0 {
                    p(r, -1, -1)
                } else {
                    p(r, -1, y - 1)
                };
                set_p(
                    &mut f,
                    -1,
                    y,
                    (p(r, -1, y + 1) + 2 * p(r, -1, y) + up + 2) >> 2,
                );
            }
            set_p(&mut f, -1, 2 * n - 1, p(r, -1, 2 * n - 1));
            for x in 0..=2 * n - 2 {
                let left = if x == 0 {
                    p(r, -1, -1)
                } else {
                    p(r, x - 1, -1)
                };
                set_p(
                    &mut f,
                    x,
                    -1,
                    (left + 2 * p(r, x, -1) + p(r, x + 1, -1) + 2) >> 2,
                );
            }
            set_p(&mut f, 2 * n - 1, -1, p(r, 2 * n - 1, -1));
        }
        (f, bi)
    }

    #[test]
    fn dispatched_build_equals_the_portable_code() {
        let mut rng = Rng(0x5eed);
        for log2 in 2..=5u32 {
            let n = 1usize << log2;
            for kind in 0..3 {
                let refs = random_refs(&mut rng, n, kind);
                for mode in 0..=34u8 {
                    for luma in [true, false] {
                        let (mut a, mut b) = (vec![0u8; n * n], vec![1u8; n * n]);
                        predict(&refs, log2, mode, luma, &mut a);
                        predict_portable(&refs, log2, mode, luma, &mut b);
                        assert_eq!(a, b, "{n}x{n} mode {mode} luma {luma} kind {kind}");
                    }
                }
            }
        }
    }

    fn random_refs(rng: &mut Rng, n: usize, kind: u32) -> RefSamples {
        let mut r = RefSamples::filled(n, 0);
        let base = rng.byte();
        for i in 0..=4 * n {
            r.s[i] = match kind {
                // Uniform noise.
                0 => rng.byte(),
                // Only extremes, to push the edge filters into clipping.
                1 => {
                    if rng.next() & 1 == 0 {
                        0
                    } else {
                        255
                    }
                }
                // Smooth: small steps around a base level.
                _ => base.saturating_add((rng.next() % 3) as u8),
            };
        }
        r
    }

    #[test]
    fn matches_slow_reference_all_modes() {
        let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
        let mut out = [0u8; 1024];
        for log2 in 2..=5u32 {
            let n = 1usize << log2;
            for trial in 0..12 {
                let refs = random_refs(&mut rng, n, trial % 3);
                for mode in 0..=34u8 {
                    for luma in [true, false] {
                        predict(&refs, log2, mode, luma, &mut out);
                        let want = slow_predict(&refs, log2, i32::from(mode), luma);
                        assert_eq!(&out[..n * n], &want[..], "n {n} mode {mode} luma {luma}");
                    }
                }
            }
        }
    }

    #[test]
    fn filter_matches_slow_reference() {
        let mut rng = Rng(12345);
        for log2 in 2..=5u32 {
            let n = 1usize << log2;
            for trial in 0..30 {
                let refs = random_refs(&mut rng, n, trial % 3);
                for strong in [false, true] {
                    let (want, _) = slow_filter(&refs, strong);
                    let got = filter_references(&refs, strong);
                    assert_eq!(got.samples(), want.samples(), "n {n} strong {strong}");
                }
            }
        }
    }

    #[test]
    fn strong_smoothing_conditions() {
        // Linear ramps are flat: strong smoothing applies only when enabled and n == 32.
        let mut r = RefSamples::filled(32, 0);
        for i in 0..=128 {
            r.s[i] = (40 + i) as u8;
        }
        let (want, bi) = slow_filter(&r, true);
        assert!(bi);
        let got = filter_references(&r, true);
        assert_eq!(got.samples(), want.samples());
        // A ramp is reproduced exactly by bilinear interpolation of its ends.
        assert_eq!(got.samples(), r.samples());
        let (plain, bi) = slow_filter(&r, false);
        assert!(!bi);
        assert_eq!(filter_references(&r, false).samples(), plain.samples());

        // Top condition at the threshold: |c + tr - 2 mid| = 7 passes, 8 fails.
        let mut r = RefSamples::filled(32, 100);
        r.s[128] = 107;
        let (want, bi) = slow_filter(&r, true);
        assert!(bi);
        assert_eq!(filter_references(&r, true).samples(), want.samples());
        // Bilinear: p[0][-1] = (63 * 100 + 1 * 107 + 32) >> 6 = 100,
        // p[62][-1] = (1 * 100 + 63 * 107 + 32) >> 6 = 107 (6873 / 64).
        let got = filter_references(&r, true);
        assert_eq!((got.top(0), got.top(62)), (100, 107));
        r.s[128] = 108;
        let (want, bi) = slow_filter(&r, true);
        assert!(!bi);
        let got = filter_references(&r, true);
        assert_eq!(got.samples(), want.samples());
        assert_eq!(got.top(62), 102); // (100 + 2 * 100 + 108 + 2) >> 2

        // Left condition alone can veto.
        let mut r = RefSamples::filled(32, 100);
        r.s[32] = 96; // p[-1][31]: |100 + 100 - 192| = 8
        assert!(!slow_filter(&r, true).1);
        assert_eq!(
            filter_references(&r, true).samples(),
            slow_filter(&r, true).0.samples()
        );
        r.s[32] = 97; // 6 < 8
        assert!(slow_filter(&r, true).1);
        assert_eq!(
            filter_references(&r, true).samples(),
            RefSamples::filled(32, 100).samples()
        );

        // Never at n = 16 even when flat.
        let r = RefSamples::filled(16, 50);
        assert_eq!(filter_references(&r, true).samples(), r.samples());
    }

    #[test]
    fn filter_needed_table() {
        let unfiltered_16 = [1u8, 9, 10, 11, 25, 26, 27];
        let unfiltered_32 = [1u8, 10, 26];
        for mode in 0..=34u8 {
            assert!(!filter_needed(2, mode), "4x4 mode {mode}");
            assert_eq!(
                filter_needed(3, mode),
                [0u8, 2, 18, 34].contains(&mode),
                "8x8 mode {mode}"
            );
            assert_eq!(
                filter_needed(4, mode),
                !unfiltered_16.contains(&mode),
                "16 mode {mode}"
            );
            assert_eq!(
                filter_needed(5, mode),
                !unfiltered_32.contains(&mode),
                "32 mode {mode}"
            );
        }
    }

    #[test]
    fn flat_references_predict_flat() {
        let mut out = [0u8; 1024];
        for v in [0u8, 77, 128, 255] {
            for log2 in 2..=5u32 {
                let n = 1usize << log2;
                let r = RefSamples::filled(n, v);
                for mode in 0..=34u8 {
                    for luma in [true, false] {
                        out.fill(!v);
                        predict(&r, log2, mode, luma, &mut out);
                        assert!(
                            out[..n * n].iter().all(|&s| s == v),
                            "v {v} n {n} mode {mode}"
                        );
                    }
                }
            }
        }
    }

    #[test]
    fn hand_computed_values() {
        let mut out = [0u8; 16];
        // DC 4x4 luma: left 10, top 30 -> dc (40 + 120 + 4) >> 3 = 20.
        let mut r = RefSamples::filled(4, 10);
        r.s[8..].fill(30);
        r.s[8] = 0; // corner unused by DC
        predict(&r, 2, MODE_DC, true, &mut out);
        let want = [
            20, 23, 23, 23, 18, 20, 20, 20, 18, 20, 20, 20, 18, 20, 20, 20,
        ];
        assert_eq!(out, want);
        predict(&r, 2, MODE_DC, false, &mut out);
        assert_eq!(out, [20; 16]);

        // Vertical 4x4 luma: columns copy the top, column 0 adds half the left gradient.
        let mut r = RefSamples::filled(4, 0);
        for (x, v) in [100, 110, 120, 130].into_iter().enumerate() {
            r.s[9 + x] = v;
        }
        r.s[8] = 90;
        for (y, v) in [80, 200, 90, 0].into_iter().enumerate() {
            r.s[7 - y] = v;
        }
        predict(&r, 2, MODE_VER, true, &mut out);
        for y in 0..4 {
            assert_eq!(&out[y * 4 + 1..y * 4 + 4], &[110, 120, 130]);
        }
        assert_eq!([out[0], out[4], out[8], out[12]], [95, 155, 100, 55]);
        // Horizontal is the mirror image: row 0 = left(0) + (top(x) - corner) / 2.
        predict(&r, 2, MODE_HOR, true, &mut out);
        assert_eq!(&out[..4], &[85, 90, 95, 100]);
        for y in 1..4 {
            assert!(out[y * 4..y * 4 + 4].iter().all(|&s| s == r.left(y)));
        }

        // The three diagonal modes copy reference samples along 45 degree lines.
        let mut rng = Rng(7);
        let r = random_refs(&mut rng, 8, 0);
        let mut out = [0u8; 64];
        predict(&r, 3, 2, true, &mut out);
        for (i, &s) in out.iter().enumerate() {
            assert_eq!(s, r.left(i % 8 + i / 8 + 1));
        }
        predict(&r, 3, 34, true, &mut out);
        for (i, &s) in out.iter().enumerate() {
            assert_eq!(s, r.top(i % 8 + i / 8 + 1));
        }
        predict(&r, 3, 18, true, &mut out);
        for (i, &s) in out.iter().enumerate() {
            let (x, y) = (i % 8, i / 8);
            let want = match x.cmp(&y) {
                std::cmp::Ordering::Greater => r.top(x - y - 1),
                std::cmp::Ordering::Equal => r.corner(),
                std::cmp::Ordering::Less => r.left(y - x - 1),
            };
            assert_eq!(s, want, "({x},{y})");
        }
    }

    /// A plane whose samples identify their position.
    fn numbered_plane(w: usize, h: usize) -> Plane {
        let mut pl = Plane::new(w, h);
        for y in 0..h {
            for x in 0..w {
                pl.set(x, y, ((x * 7 + y * 31) % 251 + 1) as u8);
            }
        }
        pl
    }

    #[test]
    fn substitution_hand_patterns() {
        let avail = Availability::new(64, 64, 4);
        let luma = numbered_plane(64, 64);
        let chroma = numbered_plane(32, 32);

        // Top-left block: nothing available.
        let r = build_references(&luma, &avail, 0, 0, 3, false);
        assert!(r.samples().iter().all(|&s| s == 128));

        // (8, 0) 4x4: left and below-left available, corner and top copy p[-1][0].
        let r = build_references(&luma, &avail, 8, 0, 2, false);
        for y in 0..8 {
            assert_eq!(r.left(y), luma.at(7, y));
        }
        assert!(r.s[8..=16].iter().all(|&s| s == luma.at(7, 0)));

        // (4, 4) 4x4: below-left (z 8) and above-right (z 4) come after the block (z 3).
        let r = build_references(&luma, &avail, 4, 4, 2, false);
        for y in 0..4 {
            assert_eq!(r.left(y), luma.at(3, 4 + y));
            assert_eq!(r.left(4 + y), luma.at(3, 7));
            assert_eq!(r.top(y), luma.at(4 + y, 3));
            assert_eq!(r.top(4 + y), luma.at(7, 3));
        }
        assert_eq!(r.corner(), luma.at(3, 3));

        // (56, 8) 8x8: above-right is outside the picture, below-left in the next CTB row.
        let r = build_references(&luma, &avail, 56, 8, 3, false);
        for k in 0..8 {
            assert_eq!(r.left(k), luma.at(55, 8 + k));
            assert_eq!(r.left(8 + k), luma.at(55, 15));
            assert_eq!(r.top(k), luma.at(56 + k, 7));
            assert_eq!(r.top(8 + k), luma.at(63, 7));
        }
        assert_eq!(r.corner(), luma.at(55, 7));

        // Chroma 4x4 at (4, 0) (luma (8, 0)): chroma rows 4..8 on the left map to luma block
        // (1, 2) with z 9 > 4; the search starts at p[-1][3], top copies p[-1][0].
        let r = build_references(&chroma, &avail, 4, 0, 2, true);
        for y in 0..4 {
            assert_eq!(r.left(y), chroma.at(3, y));
            assert_eq!(r.left(4 + y), chroma.at(3, 3));
        }
        assert!(r.s[8..=16].iter().all(|&s| s == chroma.at(3, 0)));
    }

    /// Per-sample availability and the substitution process as worded in 8.4.4.2.2.
    fn slow_references(
        plane: &Plane,
        avail: &Availability,
        x0: usize,
        y0: usize,
        n: i32,
        chroma: bool,
    ) -> RefSamples {
        let sc = if chroma { 2 } else { 1 };
        let mut val = std::collections::HashMap::new();
        let mut ok = std::collections::HashMap::new();
        let mut pos = vec![(-1, -1)];
        pos.extend((0..2 * n).map(|y| (-1, y)));
        pos.extend((0..2 * n).map(|x| (x, -1)));
        for &(x, y) in &pos {
            let (nx, ny) = (x0 as isize + x as isize, y0 as isize + y as isize);
            let a = avail.available(x0 * sc, y0 * sc, nx * sc as isize, ny * sc as isize);
            ok.insert((x, y), a);
            let v = if a {
                i32::from(plane.at(nx as usize, ny as usize))
            } else {
                -1
            };
            val.insert((x, y), v);
        }
        if ok.values().all(|&a| !a) {
            return RefSamples::filled(n as usize, 128);
        }
        if !ok[&(-1, 2 * n - 1)] {
            let order = (-1..2 * n)
                .rev()
                .map(|y| (-1, y))
                .chain((0..2 * n).map(|x| (x, -1)));
            for q in order {
                if ok[&q] {
                    val.insert((-1, 2 * n - 1), val[&q]);
                    break;
                }
            }
        }
        for y in (-1..=2 * n - 2).rev() {
            if !ok[&(-1, y)] {
                val.insert((-1, y), val[&(-1, y + 1)]);
            }
        }
        for x in 0..2 * n {
            if !ok[&(x, -1)] {
                val.insert((x, -1), val[&(x - 1, -1)]);
            }
        }
        let mut r = RefSamples::filled(n as usize, 0);
        for (&(x, y), &v) in &val {
            set_p(&mut r, x, y, v);
        }
        r
    }

    #[test]
    fn references_match_slow_substitution() {
        for (w, h, ctb) in [(80, 48, 4), (96, 64, 5), (136, 72, 6)] {
            let avail = Availability::new(w, h, ctb);
            let mut rng = Rng(w as u64 * 1000 + h as u64);
            let mut yuv = crate::plane::Yuv::new(w, h);
            for pl in &mut yuv.planes {
                pl.data.iter_mut().for_each(|v| *v = rng.byte());
            }
            for (plane, chroma) in [(&yuv.planes[0], false), (&yuv.planes[1], true)] {
                for log2 in 2..=5u32 {
                    let n = 1usize << log2;
                    // Transform blocks lie inside one CTB (build_references relies on it).
                    if n << usize::from(chroma) > 1 << ctb {
                        continue;
                    }
                    for y in (0..plane.height).step_by(n) {
                        for x in (0..plane.width).step_by(n) {
                            if x + n > plane.width || y + n > plane.height {
                                continue;
                            }
                            let got = build_references(plane, &avail, x, y, log2, chroma);
                            let want = slow_references(plane, &avail, x, y, n as i32, chroma);
                            assert_eq!(got.samples(), want.samples(), "({x},{y}) n {n} c {chroma}");
                        }
                    }
                }
            }
        }
    }
}
