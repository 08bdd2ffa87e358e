//! In-loop deblocking filter (H.265 8.7.2) for 8-bit 4:2:0 pictures.
//!
//! The encoder decides the boundary strengths and QPs while coding and records them in an
//! [`EdgeStrengths`]; [`deblock`] then filters the reconstructed picture exactly as a decoder
//! does: every vertical edge of the picture first, then every horizontal edge of the result.

use std::ops::Range;

use crate::plane::{Plane, Yuv};

/// β′ by Q = 0..=51 (Table 8-12).
const BETA_TABLE: [u8; 52] = [
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18,
    20, 22, 24, 26, 28, 30, 32, 34, 36, 38, 40, 42, 44, 46, 48, 50, 52, 54, 56, 58, 60, 62, 64,
];

/// tC′ by Q = 0..=53 (Table 8-12).
const TC_TABLE: [u8; 54] = [
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 2, 2, 2, 2, 3,
    3, 3, 3, 4, 4, 4, 5, 5, 6, 6, 7, 8, 9, 10, 11, 13, 14, 16, 18, 20, 22, 24,
];

/// QpC for qPi = 30..=43 (Table 8-10, ChromaArrayType 1).
const CHROMA_QP_TABLE: [u8; 14] = [29, 30, 31, 32, 33, 33, 34, 34, 35, 35, 36, 36, 37, 37];

/// β for 8-bit video: β′ at Q clipped to 0..=51.
fn beta_at(q: i32) -> i32 {
    i32::from(BETA_TABLE[q.clamp(0, 51) as usize])
}

/// tC for 8-bit video: tC′ at Q clipped to 0..=53.
fn tc_at(q: i32) -> i32 {
    i32::from(TC_TABLE[q.clamp(0, 53) as usize])
}

/// Chroma QP for 4:2:0 from the index qPi (Table 8-10); no clipping, as deblocking uses it.
pub fn chroma_qp(qpi: i32) -> i32 {
    match qpi {
        i32::MIN..=29 => qpi,
        30..=43 => i32::from(CHROMA_QP_TABLE[(qpi - 30) as usize]),
        _ => qpi - 6,
    }
}

/// Boundary strengths and luma QPs of one coded picture, filled in by the encoder.
///
/// Vertical edge segments sit at x = 8i and are 4 luma rows tall; horizontal ones sit at
/// y = 8j and are 4 luma columns wide. Coordinates name the segment's first q-side sample.
#[derive(Clone, Debug)]
pub struct EdgeStrengths {
    width: usize,
    height: usize,
    /// bS of vertical segments, `(y / 4) * (width / 8) + x / 8`.
    ver: Vec<u8>,
    /// bS of horizontal segments, `(y / 8) * (width / 4) + x / 4`.
    hor: Vec<u8>,
    /// QpY per 4x4 luma block, `(y / 4) * (width / 4) + x / 4`.
    qp: Vec<i8>,
}

/// The strengths and QPs of a band of rows (see [`EdgeStrengths::rows_out`]).
#[derive(Clone, Debug, Default)]
pub struct EdgeRows {
    ver: Vec<u8>,
    hor: Vec<u8>,
    qp: Vec<i8>,
}

impl EdgeStrengths {
    /// All bS 0 and QpY 0 for a `width` x `height` luma picture (both multiples of 8).
    pub fn new(width: usize, height: usize) -> Self {
        assert!(
            width.is_multiple_of(8) && height.is_multiple_of(8),
            "picture size must be a multiple of 8"
        );
        Self {
            width,
            height,
            ver: vec![0; (width / 8) * (height / 4)],
            hor: vec![0; (width / 4) * (height / 8)],
            qp: vec![0; (width / 4) * (height / 4)],
        }
    }

    /// Every bS and QpY back to 0, as [`EdgeStrengths::new`] leaves them.
    pub fn clear(&mut self) {
        self.ver.fill(0);
        self.hor.fill(0);
        self.qp.fill(0);
    }

    pub fn width(&self) -> usize {
        self.width
    }

    pub fn height(&self) -> usize {
        self.height
    }

    fn ver_index(&self, x: usize, y: usize) -> usize {
        debug_assert!(
            x.is_multiple_of(8) && y.is_multiple_of(4) && x < self.width && y < self.height
        );
        (y / 4) * (self.width / 8) + x / 8
    }

    fn hor_index(&self, x: usize, y: usize) -> usize {
        debug_assert!(
            x.is_multiple_of(4) && y.is_multiple_of(8) && x < self.width && y < self.height
        );
        (y / 8) * (self.width / 4) + x / 4
    }

    /// Every strength and QP of luma rows `rows` (multiples of 8) into `out`: the edges
    /// whose lower or right side lies in those rows.
    pub fn rows_out(&self, rows: Range<usize>, out: &mut EdgeRows) {
        let [ver, hor, qp] = self.spans(rows);
        out.ver.clear();
        out.ver.extend_from_slice(&self.ver[ver]);
        out.hor.clear();
        out.hor.extend_from_slice(&self.hor[hor]);
        out.qp.clear();
        out.qp.extend_from_slice(&self.qp[qp]);
    }

    /// Writes what [`EdgeStrengths::rows_out`] took of a map this size.
    pub fn rows_in(&mut self, rows: Range<usize>, band: &EdgeRows) {
        let [ver, hor, qp] = self.spans(rows);
        self.ver[ver].copy_from_slice(&band.ver);
        self.hor[hor].copy_from_slice(&band.hor);
        self.qp[qp].copy_from_slice(&band.qp);
    }

    /// The spans of luma rows `rows` in the vertical, horizontal and QP tables.
    fn spans(&self, rows: Range<usize>) -> [Range<usize>; 3] {
        let span =
            |unit: usize, per_row: usize| rows.start / unit * per_row..rows.end / unit * per_row;
        [
            span(4, self.width / 8),
            span(8, self.width / 4),
            span(4, self.width / 4),
        ]
    }

    /// Sets bS (0..=2) of the vertical segment whose first q sample is (`x`, `y`).
    pub fn set_vertical(&mut self, x: usize, y: usize, bs: u8) {
        debug_assert!(bs <= 2);
        let i = self.ver_index(x, y);
        self.ver[i] = bs;
    }

    /// Sets bS (0..=2) of the horizontal segment whose first q sample is (`x`, `y`).
    pub fn set_horizontal(&mut self, x: usize, y: usize, bs: u8) {
        debug_assert!(bs <= 2);
        let i = self.hor_index(x, y);
        self.hor[i] = bs;
    }

    /// bS of the vertical segment at (`x`, `y`) (x multiple of 8, y multiple of 4).
    pub fn vertical(&self, x: usize, y: usize) -> u8 {
        self.ver[self.ver_index(x, y)]
    }

    /// bS of the horizontal segment at (`x`, `y`) (x multiple of 4, y multiple of 8).
    pub fn horizontal(&self, x: usize, y: usize) -> u8 {
        self.hor[self.hor_index(x, y)]
    }

    /// Sets QpY (0..=51) of every 4x4 block of the luma rectangle, clipped to the picture.
    pub fn set_qp(&mut self, x: usize, y: usize, w: usize, h: usize, qp: i32) {
        debug_assert!((0..=51).contains(&qp));
        let q = qp.clamp(0, 51) as i8;
        let cols = self.width / 4;
        let (x0, x1) = (x / 4, ((x + w).div_ceil(4)).min(cols));
        let (y0, y1) = (y / 4, ((y + h).div_ceil(4)).min(self.height / 4));
        for by in y0..y1 {
            let row = &mut self.qp[by * cols..(by + 1) * cols];
            if x0 < x1 {
                row[x0..x1].fill(q);
            }
        }
    }

    /// QpY of the 4x4 block containing luma sample (`x`, `y`).
    pub fn qp(&self, x: usize, y: usize) -> i32 {
        i32::from(self.qp[(y / 4) * (self.width / 4) + x / 4])
    }

    /// bS of the segment starting at (`x`, `y`) and the QpY of its P and Q sides.
    fn segment(&self, dir: Dir, x: usize, y: usize) -> (i32, i32, i32) {
        let (bs, px, py) = match dir {
            Dir::Vertical => (self.vertical(x, y), x - 1, y),
            Dir::Horizontal => (self.horizontal(x, y), x, y - 1),
        };
        (i32::from(bs), self.qp(px, py), self.qp(x, y))
    }
}

/// Slice-level deblocking controls (slice_beta_offset_div2, slice_tc_offset_div2) and the
/// PPS chroma QP offsets (pps_cb_qp_offset, pps_cr_qp_offset).
#[derive(Clone, Copy, Debug, Default)]
pub struct DeblockParams {
    pub beta_offset_div2: i32,
    pub tc_offset_div2: i32,
    pub cb_qp_offset: i32,
    pub cr_qp_offset: i32,
}

/// Filters `pic` in place; `edges` must describe a picture of exactly `pic`'s luma size.
pub fn deblock(pic: &mut Yuv, edges: &EdgeStrengths, params: &DeblockParams) {
    deblock_band(pic, edges, params, 0..pic.height());
}

/// Filters the band of luma rows `rows` (whole multiples of 8): its vertical edges, then
/// its horizontal edges but the one on its top row, which [`deblock_band_top`] filters once
/// the band above is done too. A horizontal edge reads and writes at most four rows on
/// each side, so the edges inside a band touch no other band's rows, and the order of
/// the bands does not matter (8.7.2 only asks that every vertical edge around a
/// horizontal one be filtered first).
pub fn deblock_band(
    pic: &mut Yuv,
    edges: &EdgeStrengths,
    params: &DeblockParams,
    rows: Range<usize>,
) {
    check_size(pic, edges);
    let inner = (rows.start + 8).min(rows.end)..rows.end;
    for (dir, ys) in [(Dir::Vertical, rows), (Dir::Horizontal, inner)] {
        filter_planes(pic, edges, params, dir, ys);
    }
}

/// Filters the horizontal edge on luma row `y` (a multiple of 8, not 0), after
/// [`deblock_band`] has filtered the bands above and below it.
pub fn deblock_band_top(pic: &mut Yuv, edges: &EdgeStrengths, params: &DeblockParams, y: usize) {
    check_size(pic, edges);
    filter_planes(pic, edges, params, Dir::Horizontal, y..y + 1);
}

fn check_size(pic: &Yuv, edges: &EdgeStrengths) {
    assert!(
        pic.width() == edges.width && pic.height() == edges.height,
        "edge map does not match the picture size"
    );
}

/// The `dir` edges of every plane whose first q-side luma row lies in `ys`.
fn filter_planes(
    pic: &mut Yuv,
    edges: &EdgeStrengths,
    params: &DeblockParams,
    dir: Dir,
    ys: Range<usize>,
) {
    let offsets = [params.cb_qp_offset, params.cr_qp_offset];
    let [luma, cb, cr] = &mut pic.planes;
    luma_pass(luma, edges, params, dir, ys.clone(), true);
    for (plane, &offset) in [cb, cr].into_iter().zip(&offsets) {
        chroma_pass(
            plane,
            edges,
            (params.tc_offset_div2, offset),
            dir,
            ys.clone(),
        );
    }
}

/// Edge direction: vertical edges are filtered horizontally across, and vice versa.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Dir {
    Vertical,
    Horizontal,
}

/// Edges of `dir` whose first q-side row is in `ys`, four segments at a time by the x86
/// kernel when `simd` and the CPU allow (16 columns of a horizontal edge, 16 rows of a
/// vertical one), the rest one segment at a time.
fn luma_pass(
    plane: &mut Plane,
    edges: &EdgeStrengths,
    params: &DeblockParams,
    dir: Dir,
    ys: Range<usize>,
    simd: bool,
) {
    let w = edges.width;
    // The picture's left and top borders (x = 0 / y = 0) are never filtered.
    let (x_first, x_step, y_step) = match dir {
        Dir::Vertical => (8, 8, 4),
        Dir::Horizontal => (0, 4, 8),
    };
    let end = ys.end;
    let mut rows = grid(ys, y_step, dir);
    while let Some(y) = rows.next() {
        let Some(x_rest) = luma_fours(plane, edges, params, (dir, x_first, y, end), simd) else {
            rows.nth(2); // the rows of the other three segments, filtered too
            continue;
        };
        for x in (x_rest..w).step_by(x_step) {
            luma_segment(plane, edges, params, dir, x, y);
        }
    }
}

/// The x86 kernel's part of the edges of `dir` from (`x_first`, `y`): four segments at a
/// time, 16 columns of a horizontal edge (returns where the columns it left start) or, when
/// a band's rows `y..y + 16` are all below `end`, 16 rows of every vertical edge (returns
/// `None`: nothing is left of those rows). Without the kernel, leaves everything.
#[inline]
fn luma_fours(
    plane: &mut Plane,
    edges: &EdgeStrengths,
    params: &DeblockParams,
    (dir, x_first, y, end): (Dir, usize, usize, usize),
    simd: bool,
) -> Option<usize> {
    #[cfg(target_arch = "x86_64")]
    if let Some(cpu) = crate::cpu::avx2().filter(|_| simd) {
        let w = edges.width;
        let mut four = |x: usize| {
            let segments: [(i32, i32); 4] = std::array::from_fn(|s| {
                let (sx, sy) = match dir {
                    Dir::Horizontal => (x + 4 * s, y),
                    Dir::Vertical => (x, y + 4 * s),
                };
                luma_thresholds(edges, params, dir, sx, sy).unwrap_or((0, 0))
            });
            if segments.iter().any(|&(beta, _)| beta != 0) {
                let (q0, vertical) = (y * plane.stride + x, dir == Dir::Vertical);
                cpu.deblock_luma16(vertical, &mut plane.data, plane.stride, q0, segments);
            }
        };
        return match dir {
            Dir::Vertical if y + 16 <= end => {
                let mut x = x_first;
                while x < w {
                    four(x);
                    x += 8;
                }
                None
            }
            Dir::Vertical => Some(x_first),
            Dir::Horizontal => {
                let mut x = x_first;
                while x + 16 <= w {
                    four(x);
                    x += 16;
                }
                Some(x)
            }
        };
    }
    let _ = (plane, edges, params, dir, y, end, simd);
    Some(x_first)
}

/// A luma segment's (β, tC), or `None` where it is not filtered (bS 0, or β or tC 0:
/// β = 0 fails d < β, tC = 0 makes both filters the identity).
fn luma_thresholds(
    edges: &EdgeStrengths,
    params: &DeblockParams,
    dir: Dir,
    x: usize,
    y: usize,
) -> Option<(i32, i32)> {
    let (bs, qp_p, qp_q) = edges.segment(dir, x, y);
    if bs == 0 {
        return None;
    }
    let qpl = (qp_q + qp_p + 1) >> 1;
    let beta = beta_at(qpl + (params.beta_offset_div2 << 1));
    let tc = tc_at(qpl + 2 * (bs - 1) + (params.tc_offset_div2 << 1));
    (beta != 0 && tc != 0).then_some((beta, tc))
}

fn luma_segment(
    plane: &mut Plane,
    edges: &EdgeStrengths,
    params: &DeblockParams,
    dir: Dir,
    x: usize,
    y: usize,
) {
    let Some((beta, tc)) = luma_thresholds(edges, params, dir, x, y) else {
        return;
    };
    let q0 = y * plane.stride + x;
    let mut seg = gather::<4, 8>(&plane.data, plane.stride, q0, dir);
    if filter_luma(&mut seg, beta, tc) {
        scatter(&mut plane.data, plane.stride, q0, dir, &seg);
    }
}

/// Edges of `dir` whose first q-side luma row is in `ys`.
fn chroma_pass(
    plane: &mut Plane,
    edges: &EdgeStrengths,
    (tc_offset_div2, qp_offset): (i32, i32),
    dir: Dir,
    ys: Range<usize>,
) {
    let w = edges.width;
    // Only edges on the 8x8 chroma grid (16 luma samples), each luma segment = 2 chroma lines.
    let (x_first, x_step, y_step) = match dir {
        Dir::Vertical => (16, 16, 4),
        Dir::Horizontal => (0, 4, 16),
    };
    for y in grid(ys, y_step, dir) {
        for x in (x_first..w).step_by(x_step) {
            let (bs, qp_p, qp_q) = edges.segment(dir, x, y);
            if bs != 2 {
                continue;
            }
            let qpc = chroma_qp(((qp_q + qp_p + 1) >> 1) + qp_offset);
            let tc = tc_at(qpc + 2 * (bs - 1) + (tc_offset_div2 << 1));
            if tc == 0 {
                continue;
            }
            let q0 = (y / 2) * plane.stride + x / 2;
            let mut seg = gather::<2, 4>(&plane.data, plane.stride, q0, dir);
            for line in &mut seg {
                filter_chroma_line(line, tc);
            }
            scatter(&mut plane.data, plane.stride, q0, dir, &seg);
        }
    }
}

/// The rows of `ys` on a grid of `step` rows (from row 0), but row 0 for horizontal edges
/// (the picture's top border is never filtered).
fn grid(ys: Range<usize>, step: usize, dir: Dir) -> impl Iterator<Item = usize> {
    let lowest = if dir == Dir::Horizontal { step } else { 0 };
    (ys.start.max(lowest).next_multiple_of(step)..ys.end).step_by(step)
}

/// Copies `L` lines of `N` samples across an edge (N/2 per side, p side first) so that the
/// filters see one layout for both directions. `q0` indexes the first line's q0 sample.
fn gather<const L: usize, const N: usize>(
    data: &[u8],
    stride: usize,
    q0: usize,
    dir: Dir,
) -> [[u8; N]; L] {
    let mut seg = [[0u8; N]; L];
    match dir {
        Dir::Vertical => {
            let first = q0 - N / 2;
            for (k, line) in seg.iter_mut().enumerate() {
                let s = first + k * stride;
                line.copy_from_slice(&data[s..s + N]);
            }
        }
        Dir::Horizontal => {
            let first = q0 - (N / 2) * stride;
            for i in 0..N {
                let s = first + i * stride;
                for (line, &v) in seg.iter_mut().zip(&data[s..s + L]) {
                    line[i] = v;
                }
            }
        }
    }
    seg
}

/// Inverse of [`gather`].
fn scatter<const L: usize, const N: usize>(
    data: &mut [u8],
    stride: usize,
    q0: usize,
    dir: Dir,
    seg: &[[u8; N]; L],
) {
    match dir {
        Dir::Vertical => {
            let first = q0 - N / 2;
            for (k, line) in seg.iter().enumerate() {
                let s = first + k * stride;
                data[s..s + N].copy_from_slice(line);
            }
        }
        Dir::Horizontal => {
            let first = q0 - (N / 2) * stride;
            for i in 0..N {
                let s = first + i * stride;
                for (v, line) in data[s..s + L].iter_mut().zip(seg) {
                    *v = line[i];
                }
            }
        }
    }
}

/// One luma line as i32: `[p3, p2, p1, p0, q0, q1, q2, q3]`.
fn widen(line: &[u8; 8]) -> [i32; 8] {
    line.map(i32::from)
}

/// Second differences |p2 - 2p1 + p0| and |q2 - 2q1 + q0| of a line.
fn curvature(s: &[i32; 8]) -> (i32, i32) {
    (
        (s[1] - 2 * s[2] + s[3]).abs(),
        (s[6] - 2 * s[5] + s[4]).abs(),
    )
}

/// dSam: whether one line is flat enough for the strong filter (8.7.2.5.6).
fn strong_line_ok(s: &[i32; 8], dpq: i32, beta: i32, tc: i32) -> bool {
    dpq < (beta >> 2)
        && (s[0] - s[3]).abs() + (s[4] - s[7]).abs() < (beta >> 3)
        && (s[3] - s[4]).abs() < ((5 * tc + 1) >> 1)
}

/// Decisions (8.7.2.5.3) and filtering (8.7.2.5.7) of one 4-line luma segment.
/// Returns whether any sample may have changed.
fn filter_luma(seg: &mut [[u8; 8]; 4], beta: i32, tc: i32) -> bool {
    let (l0, l3) = (widen(&seg[0]), widen(&seg[3]));
    let (dp0, dq0) = curvature(&l0);
    let (dp3, dq3) = curvature(&l3);
    let (dpq0, dpq3) = (dp0 + dq0, dp3 + dq3);
    if dpq0 + dpq3 >= beta {
        return false;
    }
    if strong_line_ok(&l0, 2 * dpq0, beta, tc) && strong_line_ok(&l3, 2 * dpq3, beta, tc) {
        seg.iter_mut().for_each(|line| strong_filter(line, tc));
    } else {
        let side = (beta + (beta >> 1)) >> 3;
        let (dep, deq) = (dp0 + dp3 < side, dq0 + dq3 < side);
        seg.iter_mut()
            .for_each(|line| normal_filter(line, tc, dep, deq));
    }
    true
}

/// dE = 2: three samples per side, each kept within ±2tC of its input.
fn strong_filter(line: &mut [u8; 8], tc: i32) {
    let [p3, p2, p1, p0, q0, q1, q2, q3] = widen(line);
    let clip = |orig: i32, v: i32| v.clamp(orig - 2 * tc, orig + 2 * tc) as u8;
    line[3] = clip(p0, (p2 + 2 * p1 + 2 * p0 + 2 * q0 + q1 + 4) >> 3);
    line[2] = clip(p1, (p2 + p1 + p0 + q0 + 2) >> 2);
    line[1] = clip(p2, (2 * p3 + 3 * p2 + p1 + p0 + q0 + 4) >> 3);
    line[4] = clip(q0, (p1 + 2 * p0 + 2 * q0 + 2 * q1 + q2 + 4) >> 3);
    line[5] = clip(q1, (p0 + q0 + q1 + q2 + 2) >> 2);
    line[6] = clip(q2, (p0 + q0 + q1 + 3 * q2 + 2 * q3 + 4) >> 3);
}

/// dE = 1: p0/q0 always, p1 (dEp) / q1 (dEq) optionally; skipped when the step is so large
/// (|Δ| >= 10 tC) that it is likely a real edge.
fn normal_filter(line: &mut [u8; 8], tc: i32, dep: bool, deq: bool) {
    let [_, p2, p1, p0, q0, q1, q2, _] = widen(line);
    let delta = (9 * (q0 - p0) - 3 * (q1 - p1) + 8) >> 4;
    if delta.abs() >= tc * 10 {
        return;
    }
    let delta = delta.clamp(-tc, tc);
    line[3] = clip1(p0 + delta);
    line[4] = clip1(q0 - delta);
    let half = tc >> 1;
    if dep {
        let dp = ((((p2 + p0 + 1) >> 1) - p1 + delta) >> 1).clamp(-half, half);
        line[2] = clip1(p1 + dp);
    }
    if deq {
        let dq = ((((q2 + q0 + 1) >> 1) - q1 - delta) >> 1).clamp(-half, half);
        line[5] = clip1(q1 + dq);
    }
}

/// Chroma filter (8.7.2.5.8) of one line `[p1, p0, q0, q1]`.
fn filter_chroma_line(line: &mut [u8; 4], tc: i32) {
    let [p1, p0, q0, q1] = line.map(i32::from);
    let delta = ((((q0 - p0) << 2) + p1 - q1 + 4) >> 3).clamp(-tc, tc);
    line[1] = clip1(p0 + delta);
    line[2] = clip1(q0 - delta);
}

fn clip1(v: i32) -> u8 {
    v.clamp(0, 255) as u8
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    // ---------------------------------------------------------------------------------
    // Helpers

    /// Picture whose luma rows all equal `line` repeated (8 samples per 8-column period,
    /// so the edge at every x = 8i sees p3..p0 = line[0..4], q0..q3 = line[4..8]).
    fn luma_rows(w: usize, h: usize, line: [u8; 8]) -> Yuv {
        let mut pic = Yuv::new(w, h);
        for y in 0..h {
            for x in 0..w {
                pic.planes[0].set(x, y, line[(x + 4) % 8]);
            }
        }
        pic
    }

    fn uniform_edges(w: usize, h: usize, bs_ver: u8, bs_hor: u8, qp: i32) -> EdgeStrengths {
        let mut e = EdgeStrengths::new(w, h);
        for y in (0..h).step_by(4) {
            for x in (0..w).step_by(8) {
                e.set_vertical(x, y, bs_ver);
            }
        }
        for y in (0..h).step_by(8) {
            for x in (0..w).step_by(4) {
                e.set_horizontal(x, y, bs_hor);
            }
        }
        e.set_qp(0, 0, w, h, qp);
        e
    }

    /// Luma samples x = 4..12 of row `y` (the segment around the edge at x = 8).
    fn around_edge8(pic: &Yuv, y: usize) -> [u8; 8] {
        std::array::from_fn(|i| pic.planes[0].at(4 + i, y))
    }

    /// Filters one luma edge (x = 8, 16x8 picture, only that edge has bS) and returns row 0.
    fn one_luma_edge(line: [u8; 8], bs: u8, qp: i32, params: DeblockParams) -> [u8; 8] {
        let mut pic = luma_rows(16, 8, line);
        let mut e = EdgeStrengths::new(16, 8);
        e.set_vertical(8, 0, bs);
        e.set_vertical(8, 4, bs);
        e.set_qp(0, 0, 16, 8, qp);
        deblock(&mut pic, &e, &params);
        for y in 1..8 {
            assert_eq!(around_edge8(&pic, y), around_edge8(&pic, 0), "rows differ");
        }
        around_edge8(&pic, 0)
    }

    // ---------------------------------------------------------------------------------
    // Tables

    #[test]
    fn beta_table_spot_checks() {
        // (Q, β′) typed from Table 8-12.
        let cases = [
            (0, 0),
            (15, 0),
            (16, 6),
            (20, 10),
            (28, 18),
            (29, 20),
            (30, 22),
        ];
        let more = [
            (37, 36),
            (40, 42),
            (45, 52),
            (50, 62),
            (51, 64),
            (60, 64),
            (-3, 0),
        ];
        for (q, b) in cases.into_iter().chain(more) {
            assert_eq!(beta_at(q), b, "Q = {q}");
        }
    }

    #[test]
    fn tc_table_spot_checks() {
        let cases = [
            (0, 0),
            (17, 0),
            (18, 1),
            (26, 1),
            (27, 2),
            (30, 2),
            (31, 3),
            (34, 3),
        ];
        let more = [
            (35, 4),
            (37, 4),
            (38, 5),
            (40, 6),
            (42, 7),
            (43, 8),
            (46, 11),
            (47, 13),
        ];
        let last = [
            (48, 14),
            (49, 16),
            (50, 18),
            (51, 20),
            (52, 22),
            (53, 24),
            (70, 24),
        ];
        for (q, t) in cases.into_iter().chain(more).chain(last) {
            assert_eq!(tc_at(q), t, "Q = {q}");
        }
    }

    #[test]
    fn chroma_qp_table() {
        assert_eq!(chroma_qp(-5), -5);
        assert_eq!(chroma_qp(0), 0);
        assert_eq!(chroma_qp(29), 29);
        let mid = [29, 30, 31, 32, 33, 33, 34, 34, 35, 35, 36, 36, 37, 37];
        for (i, &c) in mid.iter().enumerate() {
            assert_eq!(chroma_qp(30 + i as i32), c);
        }
        assert_eq!(chroma_qp(44), 38);
        assert_eq!(chroma_qp(51), 45);
        assert_eq!(chroma_qp(63), 57);
    }

    // ---------------------------------------------------------------------------------
    // Luma branches, hand-computed

    #[test]
    fn bs_zero_leaves_picture_alone() {
        let line = [100, 100, 100, 100, 110, 110, 110, 110];
        assert_eq!(one_luma_edge(line, 0, 37, DeblockParams::default()), line);
    }

    #[test]
    fn strong_filter_flat_step() {
        // QP 37, bS 2: β = 36, tC = tC′(39) = 5. dpq = 0, |p0 - q0| = 10 < 13: strong.
        let line = [100, 100, 100, 100, 110, 110, 110, 110];
        // p0' = 834 >> 3, p1' = 412 >> 2, p2' = 814 >> 3, q0' = 854 >> 3, q1' = 432 >> 2,
        // q2' = 874 >> 3; none reaches ±2tC = ±10.
        let want = [100, 101, 103, 104, 106, 108, 109, 110];
        assert_eq!(one_luma_edge(line, 2, 37, DeblockParams::default()), want);
    }

    #[test]
    fn strong_filter_clips_to_two_tc() {
        // qPL 35, β offset +6 -> β′(47) = 56; bS 1, tC offset -6 -> tC′(23) = 1.
        // dpq = 2 * 6 = 12 < 14, flatness 0 < 7, |p0 - q0| = 2 < 3: strong.
        let params = DeblockParams {
            beta_offset_div2: 6,
            tc_offset_div2: -6,
            ..Default::default()
        };
        let line = [100, 100, 97, 100, 102, 102, 102, 102];
        // p1' = (100 + 97 + 100 + 102 + 2) >> 2 = 100, clipped to p1 + 2 = 99.
        // p0' = 804 >> 3 = 100, p2' = 803 >> 3 = 100, q0' = 811 >> 3 = 101, q1' = 102, q2' = 102.
        let want = [100, 100, 99, 100, 101, 102, 102, 102];
        assert_eq!(one_luma_edge(line, 1, 35, params), want);
    }

    #[test]
    fn normal_filter_both_sides_with_tc_clip() {
        // QP 30, bS 2: β = 22, tC = tC′(32) = 3. |p0 - q0| = 10 >= 8: not strong.
        // dp = dq = 0 < (22 + 11) >> 3 = 4: dEp = dEq = 1.
        // Δ = (90 - 30 + 8) >> 4 = 4 -> clipped to 3; Δp = 3 >> 1 = 1; Δq = -3 >> 1 = -2 -> -1.
        let line = [100, 100, 100, 100, 110, 110, 110, 110];
        let want = [100, 100, 101, 103, 107, 109, 110, 110];
        assert_eq!(one_luma_edge(line, 2, 30, DeblockParams::default()), want);
    }

    #[test]
    fn normal_filter_q_side_only() {
        // QP 30, bS 2: β = 22, tC = 3. dp0 = dp3 = 4 so dp = 8 >= 4: dEp = 0; dq = 0: dEq = 1.
        // 2 * dpq0 = 8 >= β >> 2 = 5: not strong. Δ = (36 - 6 + 8) >> 4 = 2 (not clipped).
        // Δq = ((104 - 104 - 2) >> 1) = -1.
        let line = [100, 100, 102, 100, 104, 104, 104, 104];
        let want = [100, 100, 102, 102, 102, 103, 104, 104];
        assert_eq!(one_luma_edge(line, 2, 30, DeblockParams::default()), want);
    }

    #[test]
    fn normal_filter_skips_large_steps() {
        // QP 30, tC = 3: Δ = (720 - 240 + 8) >> 4 = 30 >= 30, treated as a real edge.
        let line = [100, 100, 100, 100, 180, 180, 180, 180];
        assert_eq!(one_luma_edge(line, 2, 30, DeblockParams::default()), line);
    }

    #[test]
    fn activity_above_beta_disables_filtering() {
        // QP 30: β = 22; dp0 = dp3 = |100 - 240 + 100| = 40, d = 80 >= 22.
        let line = [100, 100, 120, 100, 104, 104, 104, 104];
        assert_eq!(one_luma_edge(line, 2, 30, DeblockParams::default()), line);
    }

    #[test]
    fn beta_offset_changes_decision() {
        // The q-side-only case has d = 8: filtered at β 22, untouched at β′(30 - 12) = 8.
        let line = [100, 100, 102, 100, 104, 104, 104, 104];
        let lower = DeblockParams {
            beta_offset_div2: -6,
            ..Default::default()
        };
        assert_eq!(one_luma_edge(line, 2, 30, lower), line);
        // β′(20) = 10 > 8: filtered again; dq = 0 is still below side = 15 >> 3 = 1.
        let higher = DeblockParams {
            beta_offset_div2: -5,
            ..Default::default()
        };
        assert_eq!(
            one_luma_edge(line, 2, 30, higher),
            [100, 100, 102, 102, 102, 103, 104, 104]
        );
    }

    #[test]
    fn tc_offset_changes_clipping() {
        // As normal_filter_both_sides_with_tc_clip but tC = tC′(36) = 4: Δ = 4 unclipped,
        // Δp = 2, Δq = -2; strong still fails since |p0 - q0| = 10 is not < 10.
        let params = DeblockParams {
            tc_offset_div2: 2,
            ..Default::default()
        };
        let line = [100, 100, 100, 100, 110, 110, 110, 110];
        let want = [100, 100, 102, 104, 106, 108, 110, 110];
        assert_eq!(one_luma_edge(line, 2, 30, params), want);
    }

    #[test]
    fn qp_average_of_both_sides() {
        // P side QP 20, Q side QP 40: qPL = 30, same result as QP 30 on both sides.
        let line = [100, 100, 100, 100, 110, 110, 110, 110];
        let mut pic = luma_rows(16, 8, line);
        let mut e = EdgeStrengths::new(16, 8);
        e.set_vertical(8, 0, 2);
        e.set_qp(0, 0, 8, 8, 20);
        e.set_qp(8, 0, 8, 8, 40);
        deblock(&mut pic, &e, &DeblockParams::default());
        assert_eq!(
            around_edge8(&pic, 0),
            [100, 100, 101, 103, 107, 109, 110, 110]
        );
        // Rows 4..8 have bS 0.
        assert_eq!(around_edge8(&pic, 5), line);
    }

    #[test]
    fn clip1_at_sample_range_ends() {
        // QP 51, bS 2: β = 64, tC = 24. d = 2 * (1 + 0) < 64; |q0 - q3| = 60 >= 8: normal;
        // side = 12 so dEp = dEq = 1. Δ = (9 - 3 * (235 - 255) + 8) >> 4 = 4.
        // p0 + Δ = 258 and p1 + Δp = 255 + ((255 - 255 + 4) >> 1) = 257 both clip to 255;
        // q0' = 251, Δq = ((235 - 235 - 4) >> 1) = -2 -> q1' = 233.
        let line = [255, 255, 255, 254, 255, 235, 215, 195];
        let want = [255, 255, 255, 255, 251, 233, 215, 195];
        assert_eq!(one_luma_edge(line, 2, 51, DeblockParams::default()), want);
    }

    /// The edge map of the transposed picture: vertical and horizontal segments swap.
    fn transpose_edges(e: &EdgeStrengths) -> EdgeStrengths {
        let (w, h) = (e.width(), e.height());
        let mut t = EdgeStrengths::new(h, w);
        for y in (0..h).step_by(4) {
            for x in (0..w).step_by(4) {
                if x % 8 == 0 {
                    t.set_horizontal(y, x, e.vertical(x, y));
                }
                if y % 8 == 0 {
                    t.set_vertical(y, x, e.horizontal(x, y));
                }
                t.set_qp(y, x, 4, 4, e.qp(x, y));
            }
        }
        t
    }

    #[test]
    fn horizontal_pass_is_transposed_vertical_pass() {
        // Each pass alone must commute with transposing the picture and the edge map
        // (both passes together do not: the order would flip).
        let mut rng = Rng(7);
        let (w, h) = (48, 32);
        let pic = random_picture(&mut rng, w, h);
        let edges = random_edges(&mut rng, w, h);
        let params = DeblockParams {
            beta_offset_div2: 2,
            tc_offset_div2: 1,
            cb_qp_offset: 3,
            cr_qp_offset: -2,
        };
        let mut only_v = edges.clone();
        only_v.hor.fill(0);
        let mut only_h = edges.clone();
        only_h.ver.fill(0);
        for one_dir in [only_v, only_h] {
            let mut direct = pic.clone();
            deblock(&mut direct, &one_dir, &params);
            let mut via_t = transpose_yuv(&pic);
            deblock(&mut via_t, &transpose_edges(&one_dir), &params);
            assert_eq!(transpose_yuv(&via_t), direct);
            assert_ne!(direct, pic, "test picture should be changed by the filter");
        }
    }

    // ---------------------------------------------------------------------------------
    // Chroma

    fn chroma_step_picture(w: usize, h: usize) -> Yuv {
        // Chroma columns alternate 100 / 110 every 4 samples: steps at every chroma x = 4i.
        let mut pic = Yuv::new(w, h);
        for c in 1..3 {
            let p = &mut pic.planes[c];
            for y in 0..h / 2 {
                for x in 0..w / 2 {
                    p.set(x, y, if (x / 4) % 2 == 0 { 100 } else { 110 });
                }
            }
        }
        pic
    }

    #[test]
    fn chroma_only_bs2_on_16_grid() {
        let (w, h) = (48, 16);
        let mut pic = chroma_step_picture(w, h);
        let before = pic.clone();
        let mut e = uniform_edges(w, h, 2, 0, 30);
        // Luma x = 32 (chroma x = 16) gets bS 1 in rows 0..4 only.
        e.set_vertical(32, 0, 1);
        let params = DeblockParams {
            cr_qp_offset: 12,
            ..Default::default()
        };
        deblock(&mut pic, &e, &params);
        assert_eq!(pic.planes[0], before.planes[0], "flat luma must stay flat");
        for y in 0..h / 2 {
            let row = pic.planes[1].row(y);
            // Chroma x = 4, 12, 20 are on the 8-luma grid only: untouched.
            assert_eq!(&row[2..6], &[100, 100, 110, 110]);
            assert_eq!(&row[10..14], &[100, 100, 110, 110]);
            assert_eq!(&row[18..22], &[100, 100, 110, 110]);
            // Cb at chroma x = 8 (110 | 100): qPi 30 -> QpC 29, tC′(31) = 3;
            // Δ = (-40 + 10 + 4) >> 3 = -4 -> -3.
            assert_eq!(&row[6..10], &[110, 107, 103, 100]);
            // Cr: qPi 42 -> QpC 37, tC′(39) = 5, so Δ = -4 is not clipped.
            assert_eq!(&pic.planes[2].row(y)[6..10], &[110, 106, 104, 100]);
            // Chroma x = 16: bS 1 for chroma rows 0..2, bS 2 below.
            let edge16 = &row[14..18];
            if y < 2 {
                assert_eq!(edge16, &[110, 110, 100, 100]);
            } else {
                assert_eq!(edge16, &[110, 107, 103, 100]);
            }
        }
    }

    #[test]
    fn chroma_horizontal_edges() {
        let (w, h) = (16, 32);
        let mut pic = Yuv::new(w, h);
        for y in 0..h / 2 {
            for x in 0..w / 2 {
                pic.planes[1].set(x, y, if y < 8 { 50 } else { 60 });
            }
        }
        let mut e = uniform_edges(w, h, 0, 2, 30);
        // Luma columns 4..8 (chroma columns 2, 3) get bS 0 on the y = 16 edge.
        e.set_horizontal(4, 16, 0);
        deblock(&mut pic, &e, &DeblockParams::default());
        let col = |x: usize| -> Vec<u8> { (6..10).map(|y| pic.planes[1].at(x, y)).collect() };
        for x in 0..w / 2 {
            let want: &[u8] = if x == 2 || x == 3 {
                &[50, 50, 60, 60]
            } else {
                &[50, 53, 57, 60]
            };
            assert_eq!(col(x), want, "column {x}");
        }
    }

    // ---------------------------------------------------------------------------------
    // Borders and ordering

    #[test]
    fn picture_border_edges_untouched() {
        let (w, h) = (16, 16);
        let mut rng = Rng(3);
        let pic = random_picture(&mut rng, w, h);
        let mut e = EdgeStrengths::new(w, h);
        e.set_qp(0, 0, w, h, 51);
        for k in (0..16).step_by(4) {
            e.set_vertical(0, k, 2);
            e.set_horizontal(k, 0, 2);
        }
        let mut out = pic.clone();
        deblock(
            &mut out,
            &e,
            &DeblockParams {
                beta_offset_div2: 6,
                tc_offset_div2: 6,
                ..Default::default()
            },
        );
        assert_eq!(out, pic);
        assert_eq!(e.vertical(0, 4), 2);
    }

    #[test]
    fn bands_in_any_order_then_their_tops_equal_the_whole_picture() {
        let (w, h) = (96, 200); // bands of 64 rows, the last one 8 rows high
        let mut rng = softvpu_core::synth::SplitMix64(21);
        let mut pic = Yuv::new(w, h);
        for plane in &mut pic.planes {
            // Blocks of a level with a little noise, so that edges filter.
            for (i, v) in plane.data.iter_mut().enumerate() {
                let block = (i % plane.stride) / 8 + 7 * (i / plane.stride / 8);
                *v = (60 + (block * 37) % 120 + rng.below(6) as usize) as u8;
            }
        }
        let mut e = EdgeStrengths::new(w, h);
        for y in (0..h).step_by(4) {
            for x in (0..w).step_by(8) {
                e.set_vertical(x, y, rng.below(3) as u8);
            }
        }
        for y in (0..h).step_by(8) {
            for x in (0..w).step_by(4) {
                e.set_horizontal(x, y, rng.below(3) as u8);
            }
        }
        for y in (0..h).step_by(8) {
            e.set_qp(0, y, w, 8, 20 + rng.below(25) as i32);
        }
        let params = DeblockParams::default();
        let mut whole = pic.clone();
        deblock(&mut whole, &e, &params);
        assert_ne!(whole, pic, "nothing was filtered");
        let mut banded = pic.clone();
        for band in [2usize, 0, 3, 1] {
            deblock_band(
                &mut banded,
                &e,
                &params,
                band * 64..((band + 1) * 64).min(h),
            );
        }
        for top in [128, 64, 192] {
            deblock_band_top(&mut banded, &e, &params, top);
        }
        assert!(banded == whole, "banded deblocking differs");
    }

    #[test]
    fn vertical_pass_precedes_horizontal_pass() {
        // Four flat 8x8 quadrants; both passes touch the samples around (8, 8), and the
        // horizontal pass must see the vertically filtered values.
        let (w, h) = (16, 16);
        let mut pic = Yuv::new(w, h);
        for y in 0..h {
            for x in 0..w {
                let v = [[100, 110], [104, 120]][y / 8][x / 8];
                pic.planes[0].set(x, y, v);
            }
        }
        let e = uniform_edges(w, h, 2, 2, 37);
        let params = DeblockParams::default();
        let mut out = pic.clone();
        deblock(&mut out, &e, &params);

        let mut reversed = pic.clone();
        luma_pass(
            &mut reversed.planes[0],
            &e,
            &params,
            Dir::Horizontal,
            0..h,
            true,
        );
        luma_pass(
            &mut reversed.planes[0],
            &e,
            &params,
            Dir::Vertical,
            0..h,
            true,
        );
        assert_ne!(out.planes[0], reversed.planes[0]);

        // By hand (β 36, tC 5): the V pass turns row 7 (100 | 110, strong) into
        // [100, 101, 103, 104 | 106, 108, 109, 110] at x = 4..12 and row 8 (104 | 120: step 16
        // is not < 13, so normal; Δ = 152 >> 4 = 9 -> 5, Δp = 2, Δq = -3 -> -2) into
        // [104, 104, 106, 109 | 115, 118, 120, 120]. Column x = 7 thus enters the H pass as
        // 104 above y = 8 and 109 below; columns 4 and 7 both pass dSam, so it is strong:
        // p2' = 841 >> 3, p1' = 423 >> 2, p0' = 851 >> 3, q0' = 861 >> 3, q1' = 433 >> 2,
        // q2' = 871 >> 3.
        let col7: Vec<u8> = (4..12).map(|y| out.planes[0].at(7, y)).collect();
        assert_eq!(col7, [104, 105, 105, 106, 107, 108, 108, 109]);
    }

    // ---------------------------------------------------------------------------------
    // Slow reference straight from the spec text, compared on random input

    /// Small xorshift generator; tests need no external crates.
    struct Rng(u64);

    impl Rng {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            self.0
        }

        fn below(&mut self, n: u64) -> u64 {
            self.next() % n
        }

        fn range(&mut self, lo: i32, hi: i32) -> i32 {
            lo + self.below((hi - lo + 1) as u64) as i32
        }
    }

    /// Blocky picture with smooth blocks, small and large steps, textured blocks and values
    /// near 0 and 255, so every decision branch gets exercised.
    fn random_picture(rng: &mut Rng, w: usize, h: usize) -> Yuv {
        let mut pic = Yuv::new(w, h);
        for (c, plane) in pic.planes.iter_mut().enumerate() {
            let bsz = if c == 0 { 8 } else { 4 };
            let (pw, ph) = (plane.width, plane.height);
            let mut base = rng.range(0, 255);
            for by in (0..ph).step_by(bsz) {
                for bx in (0..pw).step_by(bsz) {
                    base = match rng.below(8) {
                        0 => rng.range(0, 255),
                        1 => rng.range(0, 6),
                        2 => rng.range(249, 255),
                        _ => (base + rng.range(-24, 24)).clamp(0, 255),
                    };
                    let noise = [0, 1, 2, 3, 40][rng.below(5) as usize];
                    let (gx, gy) = (rng.range(-2, 2), rng.range(-2, 2));
                    for y in by..by + bsz {
                        for x in bx..bx + bsz {
                            let ramp = gx * (x - bx) as i32 + gy * (y - by) as i32;
                            let v = base + ramp + rng.range(-noise, noise);
                            plane.set(x, y, v.clamp(0, 255) as u8);
                        }
                    }
                }
            }
        }
        pic
    }

    fn random_edges(rng: &mut Rng, w: usize, h: usize) -> EdgeStrengths {
        let mut e = EdgeStrengths::new(w, h);
        let qp_lo = rng.range(0, 45);
        for y in (0..h).step_by(4) {
            for x in (0..w).step_by(4) {
                if x % 8 == 0 {
                    e.set_vertical(x, y, rng.below(3) as u8);
                }
                if y % 8 == 0 {
                    e.set_horizontal(x, y, rng.below(3) as u8);
                }
                e.set_qp(x, y, 4, 4, rng.range(qp_lo, 51));
            }
        }
        e
    }

    fn transpose_plane(p: &Plane) -> Plane {
        let mut t = Plane::new(p.height, p.width);
        for y in 0..p.height {
            for x in 0..p.width {
                t.set(y, x, p.at(x, y));
            }
        }
        t
    }

    fn transpose_yuv(pic: &Yuv) -> Yuv {
        Yuv {
            planes: [0, 1, 2].map(|c| transpose_plane(&pic.planes[c])),
        }
    }

    /// β′ from the shape of Table 8-12: 0 below 16, Q - 10 up to 28, 2Q - 38 above.
    fn ref_beta_prime(q: i32) -> i32 {
        match q {
            0..=15 => 0,
            16..=28 => q - 10,
            _ => 2 * q - 38,
        }
    }

    /// tC′ from Table 8-12 written as (first Q, value) runs.
    fn ref_tc_prime(q: i32) -> i32 {
        let runs = [
            (0, 0),
            (18, 1),
            (27, 2),
            (31, 3),
            (35, 4),
            (38, 5),
            (40, 6),
            (42, 7),
            (43, 8),
            (44, 9),
            (45, 10),
            (46, 11),
            (47, 13),
            (48, 14),
            (49, 16),
            (50, 18),
            (51, 20),
            (52, 22),
            (53, 24),
        ];
        runs.iter().rev().find(|r| q >= r.0).unwrap().1
    }

    fn clip3(lo: i32, hi: i32, v: i32) -> i32 {
        if v < lo {
            lo
        } else if v > hi {
            hi
        } else {
            v
        }
    }

    /// One edge segment of the spec: p(i, k) / q(i, k) for i across the edge, k along it.
    struct RefEdge<'a> {
        plane: &'a mut Plane,
        x: usize,
        y: usize,
        vertical: bool,
    }

    impl RefEdge<'_> {
        fn q_pos(&self, i: usize, k: usize) -> (usize, usize) {
            if self.vertical {
                (self.x + i, self.y + k)
            } else {
                (self.x + k, self.y + i)
            }
        }

        fn p_pos(&self, i: usize, k: usize) -> (usize, usize) {
            if self.vertical {
                (self.x - i - 1, self.y + k)
            } else {
                (self.x + k, self.y - i - 1)
            }
        }

        fn p(&self, i: usize, k: usize) -> i32 {
            let (x, y) = self.p_pos(i, k);
            self.plane.at(x, y) as i32
        }

        fn q(&self, i: usize, k: usize) -> i32 {
            let (x, y) = self.q_pos(i, k);
            self.plane.at(x, y) as i32
        }

        fn set_p(&mut self, i: usize, k: usize, v: i32) {
            let (x, y) = self.p_pos(i, k);
            assert!((0..=255).contains(&v));
            self.plane.set(x, y, v as u8);
        }

        fn set_q(&mut self, i: usize, k: usize, v: i32) {
            let (x, y) = self.q_pos(i, k);
            assert!((0..=255).contains(&v));
            self.plane.set(x, y, v as u8);
        }

        /// 8.7.2.5.6 decision for line k.
        fn d_sam(&self, k: usize, dpq: i32, beta: i32, tc: i32) -> bool {
            dpq < (beta >> 2)
                && (self.p(3, k) - self.p(0, k)).abs() + (self.q(0, k) - self.q(3, k)).abs()
                    < (beta >> 3)
                && (self.p(0, k) - self.q(0, k)).abs() < ((5 * tc + 1) >> 1)
        }
    }

    #[derive(Default, Debug)]
    struct Stats {
        strong: usize,
        normal: usize,
        normal_p1: usize,
        normal_q1: usize,
        big_delta: usize,
        d_fail: usize,
        chroma: usize,
    }

    /// 8.7.2.5.3 + 8.7.2.5.7 for one luma edge segment.
    fn ref_luma_segment(
        e: &mut RefEdge<'_>,
        bs: i32,
        qp_p: i32,
        qp_q: i32,
        prm: &DeblockParams,
        st: &mut Stats,
    ) {
        let qpl = (qp_q + qp_p + 1) >> 1;
        let beta = ref_beta_prime(clip3(0, 51, qpl + (prm.beta_offset_div2 << 1)));
        let tc = ref_tc_prime(clip3(0, 53, qpl + 2 * (bs - 1) + (prm.tc_offset_div2 << 1)));
        let dp0 = (e.p(2, 0) - 2 * e.p(1, 0) + e.p(0, 0)).abs();
        let dp3 = (e.p(2, 3) - 2 * e.p(1, 3) + e.p(0, 3)).abs();
        let dq0 = (e.q(2, 0) - 2 * e.q(1, 0) + e.q(0, 0)).abs();
        let dq3 = (e.q(2, 3) - 2 * e.q(1, 3) + e.q(0, 3)).abs();
        let dpq0 = dp0 + dq0;
        let dpq3 = dp3 + dq3;
        let dp = dp0 + dp3;
        let dq = dq0 + dq3;
        let d = dpq0 + dpq3;
        let (mut de, mut dep, mut deq) = (0, 0, 0);
        if d < beta {
            let dsam0 = e.d_sam(0, 2 * dpq0, beta, tc);
            let dsam3 = e.d_sam(3, 2 * dpq3, beta, tc);
            de = if dsam0 && dsam3 { 2 } else { 1 };
            if dp < ((beta + (beta >> 1)) >> 3) {
                dep = 1;
            }
            if dq < ((beta + (beta >> 1)) >> 3) {
                deq = 1;
            }
        } else {
            st.d_fail += 1;
        }
        if de == 0 {
            return;
        }
        for k in 0..4 {
            let (p0, p1, p2, p3) = (e.p(0, k), e.p(1, k), e.p(2, k), e.p(3, k));
            let (q0, q1, q2, q3) = (e.q(0, k), e.q(1, k), e.q(2, k), e.q(3, k));
            if de == 2 {
                st.strong += 1;
                e.set_p(
                    0,
                    k,
                    clip3(
                        p0 - 2 * tc,
                        p0 + 2 * tc,
                        (p2 + 2 * p1 + 2 * p0 + 2 * q0 + q1 + 4) >> 3,
                    ),
                );
                e.set_p(
                    1,
                    k,
                    clip3(p1 - 2 * tc, p1 + 2 * tc, (p2 + p1 + p0 + q0 + 2) >> 2),
                );
                e.set_p(
                    2,
                    k,
                    clip3(
                        p2 - 2 * tc,
                        p2 + 2 * tc,
                        (2 * p3 + 3 * p2 + p1 + p0 + q0 + 4) >> 3,
                    ),
                );
                e.set_q(
                    0,
                    k,
                    clip3(
                        q0 - 2 * tc,
                        q0 + 2 * tc,
                        (p1 + 2 * p0 + 2 * q0 + 2 * q1 + q2 + 4) >> 3,
                    ),
                );
                e.set_q(
                    1,
                    k,
                    clip3(q1 - 2 * tc, q1 + 2 * tc, (p0 + q0 + q1 + q2 + 2) >> 2),
                );
                e.set_q(
                    2,
                    k,
                    clip3(
                        q2 - 2 * tc,
                        q2 + 2 * tc,
                        (p0 + q0 + q1 + 3 * q2 + 2 * q3 + 4) >> 3,
                    ),
                );
                continue;
            }
            let mut delta = (9 * (q0 - p0) - 3 * (q1 - p1) + 8) >> 4;
            if delta.abs() >= tc * 10 {
                st.big_delta += 1;
                continue;
            }
            st.normal += 1;
            delta = clip3(-tc, tc, delta);
            e.set_p(0, k, clip3(0, 255, p0 + delta));
            e.set_q(0, k, clip3(0, 255, q0 - delta));
            if dep == 1 {
                st.normal_p1 += 1;
                let dpv = clip3(
                    -(tc >> 1),
                    tc >> 1,
                    (((p2 + p0 + 1) >> 1) - p1 + delta) >> 1,
                );
                e.set_p(1, k, clip3(0, 255, p1 + dpv));
            }
            if deq == 1 {
                st.normal_q1 += 1;
                let dqv = clip3(
                    -(tc >> 1),
                    tc >> 1,
                    (((q2 + q0 + 1) >> 1) - q1 - delta) >> 1,
                );
                e.set_q(1, k, clip3(0, 255, q1 + dqv));
            }
        }
    }

    /// Table 8-10 for ChromaArrayType 1, written as a lookup over the whole qPi range.
    fn ref_qpc(qpi: i32) -> i32 {
        if qpi < 30 {
            qpi
        } else if qpi > 43 {
            qpi - 6
        } else {
            [29, 30, 31, 32, 33, 33, 34, 34, 35, 35, 36, 36, 37, 37][(qpi - 30) as usize]
        }
    }

    /// Deblocks sample by sample: each chroma line looks up bS and QP at its own luma row.
    fn ref_deblock(pic: &mut Yuv, e: &EdgeStrengths, prm: &DeblockParams, st: &mut Stats) {
        let (w, h) = (e.width(), e.height());
        for vertical in [true, false] {
            // Luma.
            let plane = &mut pic.planes[0];
            let (segs_x, segs_y) = if vertical {
                (w / 8, h / 4)
            } else {
                (w / 4, h / 8)
            };
            for sy in 0..segs_y {
                for sx in 0..segs_x {
                    let (x, y) = if vertical {
                        (sx * 8, sy * 4)
                    } else {
                        (sx * 4, sy * 8)
                    };
                    let filter_edge = if vertical { x > 0 } else { y > 0 };
                    if !filter_edge {
                        continue;
                    }
                    let bs = if vertical {
                        e.vertical(x, y)
                    } else {
                        e.horizontal(x, y)
                    } as i32;
                    let (px, py) = if vertical { (x - 1, y) } else { (x, y - 1) };
                    if bs > 0 {
                        let mut edge = RefEdge {
                            plane,
                            x,
                            y,
                            vertical,
                        };
                        ref_luma_segment(&mut edge, bs, e.qp(px, py), e.qp(x, y), prm, st);
                    }
                }
            }
            // Chroma: edges every 8 chroma samples, one line at a time.
            for (c, offset) in [(1, prm.cb_qp_offset), (2, prm.cr_qp_offset)] {
                let plane = &mut pic.planes[c];
                let (cw, ch) = (plane.width, plane.height);
                let (extent, n_lines) = if vertical { (cw, ch) } else { (ch, cw) };
                for edge_pos in (8..extent).step_by(8) {
                    for k in 0..n_lines {
                        let (xc, yc) = if vertical {
                            (edge_pos, k)
                        } else {
                            (k, edge_pos)
                        };
                        let (xl, yl) = (xc * 2, yc * 2);
                        let bs = if vertical {
                            e.vertical(xl, yl & !3)
                        } else {
                            e.horizontal(xl & !3, yl)
                        } as i32;
                        if bs != 2 {
                            continue;
                        }
                        let (pxl, pyl) = if vertical { (xl - 1, yl) } else { (xl, yl - 1) };
                        let qpi = ((e.qp(xl, yl) + e.qp(pxl, pyl) + 1) >> 1) + offset;
                        let qpc = ref_qpc(qpi);
                        let tc = ref_tc_prime(clip3(
                            0,
                            53,
                            qpc + 2 * (bs - 1) + (prm.tc_offset_div2 << 1),
                        ));
                        let mut edge = RefEdge {
                            plane,
                            x: xc,
                            y: yc,
                            vertical,
                        };
                        let (p0, p1, q0, q1) =
                            (edge.p(0, 0), edge.p(1, 0), edge.q(0, 0), edge.q(1, 0));
                        let delta = clip3(-tc, tc, (((q0 - p0) << 2) + p1 - q1 + 4) >> 3);
                        edge.set_p(0, 0, clip3(0, 255, p0 + delta));
                        edge.set_q(0, 0, clip3(0, 255, q0 - delta));
                        st.chroma += 1;
                    }
                }
            }
        }
    }

    #[test]
    fn reference_tables_agree_with_module() {
        for q in 0..=51 {
            assert_eq!(beta_at(q), ref_beta_prime(q), "β′ Q = {q}");
        }
        for q in 0..=53 {
            assert_eq!(tc_at(q), ref_tc_prime(q), "tC′ Q = {q}");
        }
        for qpi in -12..=63 {
            assert_eq!(chroma_qp(qpi), ref_qpc(qpi));
        }
    }

    /// The x86 kernels (four luma segments at a time) against the scalar filter, on
    /// pictures and bands wide and tall enough for several kernel calls and a remainder.
    #[test]
    fn simd_luma_pass_equals_scalar() {
        if crate::cpu::isa() == crate::cpu::Isa::Scalar {
            eprintln!("no SIMD kernels in use: nothing to compare");
            return;
        }
        let mut rng = Rng(0x2545_F491_4F6C_DD1D);
        for iter in 0..200 {
            let (w, h) = (8 * rng.range(2, 30) as usize, 8 * rng.range(1, 6) as usize);
            let mut fast = random_picture(&mut rng, w, h);
            let edges = random_edges(&mut rng, w, h);
            let params = DeblockParams {
                beta_offset_div2: rng.range(-6, 6),
                tc_offset_div2: rng.range(-6, 6),
                ..DeblockParams::default()
            };
            let mut slow = fast.clone();
            // A band of whole 8-row units, so that vertical edges leave a remainder too.
            let top = 8 * rng.range(0, (h / 8 - 1) as i32) as usize;
            for dir in [Dir::Vertical, Dir::Horizontal] {
                luma_pass(&mut fast.planes[0], &edges, &params, dir, top..h, true);
                luma_pass(&mut slow.planes[0], &edges, &params, dir, top..h, false);
                assert_eq!(
                    fast.planes[0], slow.planes[0],
                    "iter {iter} {w}x{h} {dir:?}"
                );
            }
        }
    }

    #[test]
    fn matches_reference_on_random_pictures() {
        let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
        let mut st = Stats::default();
        for iter in 0..300 {
            let w = 8 * rng.range(1, 9) as usize;
            let h = 8 * rng.range(1, 9) as usize;
            let pic = random_picture(&mut rng, w, h);
            let edges = random_edges(&mut rng, w, h);
            let params = DeblockParams {
                beta_offset_div2: rng.range(-6, 6),
                tc_offset_div2: rng.range(-6, 6),
                cb_qp_offset: rng.range(-12, 12),
                cr_qp_offset: rng.range(-12, 12),
            };
            let mut fast = pic.clone();
            deblock(&mut fast, &edges, &params);
            let mut slow = pic.clone();
            ref_deblock(&mut slow, &edges, &params, &mut st);
            for c in 0..3 {
                assert_eq!(
                    fast.planes[c], slow.planes[c],
                    "iter {iter} plane {c} {w}x{h} {params:?}"
                );
            }
        }
        // Every branch must have been exercised for the comparison to mean anything.
        assert!(st.strong > 100, "{st:?}");
        assert!(
            st.normal > 100 && st.normal_p1 > 100 && st.normal_q1 > 100,
            "{st:?}"
        );
        assert!(
            st.big_delta > 100 && st.d_fail > 100 && st.chroma > 100,
            "{st:?}"
        );
    }
}
