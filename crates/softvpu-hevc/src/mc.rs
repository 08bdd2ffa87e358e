//! Motion-compensated prediction (8.5.3.3.3): luma 8-tap quarter-sample and chroma 4-tap
//! eighth-sample interpolation with the specification's intermediate precision for 8-bit
//! video, and reference samples outside the picture taken from its nearest edge.

use crate::mv::Mv;
use crate::padded::PaddedPlane;

/// Luma filter taps by quarter-sample phase (positions -3..=4).
const LUMA_TAPS: [[i32; 8]; 4] = [
    [0, 0, 0, 64, 0, 0, 0, 0],
    [-1, 4, -10, 58, 17, -5, 1, 0],
    [-1, 4, -11, 40, 40, -11, 4, -1],
    [0, 1, -5, 17, 58, -10, 4, -1],
];

/// Chroma filter taps by eighth-sample phase (positions -1..=2).
const CHROMA_TAPS: [[i32; 4]; 8] = [
    [0, 64, 0, 0],
    [-2, 58, 10, -2],
    [-4, 54, 16, -2],
    [-6, 46, 28, -4],
    [-4, 36, 36, -4],
    [-4, 28, 46, -6],
    [-2, 16, 54, -4],
    [-2, 10, 58, -2],
];

/// [`CHROMA_TAPS`] as 8-tap filters (positions -3..=4, the outer two a side zero).
#[cfg(target_arch = "x86_64")]
const CHROMA_TAPS_8: [[i32; 8]; 8] = {
    let mut t = [[0; 8]; 8];
    let mut p = 0;
    while p < 8 {
        let mut k = 0;
        while k < 4 {
            t[p][k + 2] = CHROMA_TAPS[p][k];
            k += 1;
        }
        p += 1;
    }
    t
};

/// The widest block filtered: a 64-sample CU, or the 65 columns [`HalfSamples`] needs
/// rounded up to whole vectors.
const MAX_WIDTH: usize = 72;

/// Reusable buffers for interpolation.
#[derive(Debug, Default)]
pub struct Interpolator {
    window: Vec<u8>,
    temp: Vec<i16>,
}

impl Interpolator {
    /// Predicts the `w`x`h` luma block at (`x`, `y`) displaced by `mv` (quarter samples) into
    /// `out` (row stride `w`).
    #[allow(clippy::too_many_arguments)]
    pub fn luma(
        &mut self,
        reference: &PaddedPlane,
        x: usize,
        y: usize,
        w: usize,
        h: usize,
        mv: Mv,
        out: &mut [u8],
    ) {
        self.displaced(reference, (x, y), (w, h), mv, &LUMA_TAPS, out);
    }

    /// Predicts the `w`x`h` chroma block at chroma (`x`, `y`) for the luma vector `mv`
    /// (eighth chroma samples in 4:2:0) into `out` (row stride `w`).
    #[allow(clippy::too_many_arguments)]
    pub fn chroma(
        &mut self,
        reference: &PaddedPlane,
        x: usize,
        y: usize,
        w: usize,
        h: usize,
        mv: Mv,
        out: &mut [u8],
    ) {
        // The x86 kernels filter 8 taps; the chroma taps padded with zeros give the same
        // sums, from a window wider by two samples a side.
        #[cfg(target_arch = "x86_64")]
        if w.is_multiple_of(8) && crate::cpu::sse41().is_some() {
            return self.displaced(reference, (x, y), (w, h), mv, &CHROMA_TAPS_8, out);
        }
        self.displaced(reference, (x, y), (w, h), mv, &CHROMA_TAPS, out);
    }

    /// The half-sample neighbours across and down of the whole-sample vector `centre` for
    /// the `n`x`n` luma block at (`x`, `y`), filtered as two shared blocks (see
    /// [`HalfSamples`]) rather than four: the same samples [`Interpolator::luma`] predicts.
    /// [`Interpolator::half_diagonals`] adds the four diagonal ones.
    pub fn half_samples(
        &mut self,
        reference: &PaddedPlane,
        (x, y): (usize, usize),
        n: usize,
        centre: Mv,
        out: &mut HalfSamples,
    ) {
        let (cx, cy) = out.start(x, y, n, centre);
        let (stride, half, whole) = (out.stride, &LUMA_TAPS[2], &LUMA_TAPS[0]);
        self.filter(
            reference,
            (cx - 1, cy),
            stride,
            n,
            half,
            whole,
            (2, 0),
            &mut out.h,
        );
        self.filter(
            reference,
            (cx, cy - 1),
            stride,
            n + 1,
            whole,
            half,
            (0, 2),
            &mut out.v,
        );
    }

    /// The four diagonal half-sample neighbours for the block and vector of the last
    /// [`Interpolator::half_samples`], as one shared block.
    pub fn half_diagonals(&mut self, reference: &PaddedPlane, out: &mut HalfSamples) {
        let ((cx, cy), n, stride) = (out.centre, out.n, out.stride);
        let (half, hv) = (&LUMA_TAPS[2], &mut out.hv);
        self.filter(
            reference,
            (cx - 1, cy - 1),
            stride,
            n + 1,
            half,
            half,
            (2, 2),
            hv,
        );
    }

    /// Splits `mv` into whole samples and a phase (as many phases as `taps` has filters) and
    /// filters the displaced block.
    fn displaced<const N: usize, const P: usize>(
        &mut self,
        reference: &PaddedPlane,
        at: (usize, usize),
        (w, h): (usize, usize),
        mv: Mv,
        taps: &[[i32; N]; P],
        out: &mut [u8],
    ) {
        let shift = P.trailing_zeros();
        let split = |v: i16, pos: usize| {
            let v = i32::from(v);
            (pos as i32 + (v >> shift), (v & (P as i32 - 1)) as usize)
        };
        let ((x0, fx), (y0, fy)) = (split(mv.x, at.0), split(mv.y, at.1));
        self.filter(
            reference,
            (x0, y0),
            w,
            h,
            &taps[fx],
            &taps[fy],
            (fx, fy),
            out,
        );
    }

    /// Separable filtering of the block whose integer position is `origin`.
    #[allow(clippy::too_many_arguments)]
    fn filter<const N: usize>(
        &mut self,
        reference: &PaddedPlane,
        origin: (i32, i32),
        w: usize,
        h: usize,
        tx: &[i32; N],
        ty: &[i32; N],
        phase: (usize, usize),
        out: &mut [u8],
    ) {
        let back = (N / 2 - 1) as i32;
        let (ww, wh) = (w + N - 1, h + N - 1);
        let (x0, y0) = (origin.0 - back, origin.1 - back);
        // Windows within the reference's margin are read in place; only those reaching
        // beyond it need a copy with the edge samples repeated.
        let win = match reference.window(x0, y0, ww, wh) {
            Some(data) => Window {
                data,
                stride: reference.stride,
            },
            None => {
                reference.gather(x0, y0, ww, wh, &mut self.window);
                Window {
                    data: &self.window,
                    stride: ww,
                }
            }
        };
        #[cfg(target_arch = "x86_64")]
        if let Some(passes) = simd_passes(tx, ty, phase, w) {
            if let (Some(cpu), true) = (crate::cpu::avx2(), w.is_multiple_of(16)) {
                let out = &mut out[..w * h];
                cpu.luma_filter16(win.data, win.stride, (w, h), passes, &mut self.temp, out);
                return;
            }
            if let Some(cpu) = crate::cpu::sse41() {
                let out = &mut out[..w * h];
                cpu.luma_filter(win.data, win.stride, (w, h), passes, &mut self.temp, out);
                return;
            }
        }
        filter_window(win, &mut self.temp, w, h, tx, ty, phase, out);
    }
}

/// The columns the luma filter takes at once: 16 with AVX2, else 8.
fn filter_columns() -> usize {
    #[cfg(target_arch = "x86_64")]
    if crate::cpu::avx2().is_some() {
        return 16;
    }
    8
}

/// Half-sample predictions around a whole-sample vector: `h` the block filtered halfway to
/// the right of each sample, starting one column to the left of the block; `v` halfway
/// down, starting one row above; `hv` both. Each neighbour is a window of one of them.
#[derive(Debug, Default)]
pub struct HalfSamples {
    h: Vec<u8>,
    v: Vec<u8>,
    hv: Vec<u8>,
    stride: usize,
    /// The block size and the whole-sample position of the centre vector's prediction.
    n: usize,
    centre: (i32, i32),
}

impl HalfSamples {
    /// Sizes the blocks for an `n`x`n` block at (`x`, `y`) around `centre`; returns where
    /// the centre's prediction starts.
    fn start(&mut self, x: usize, y: usize, n: usize, centre: Mv) -> (i32, i32) {
        debug_assert!(
            centre.x & 3 == 0 && centre.y & 3 == 0,
            "not a whole-sample vector"
        );
        let cx = x as i32 + i32::from(centre.x >> 2);
        let cy = y as i32 + i32::from(centre.y >> 2);
        // One column or row more than the block, and whole vectors of columns wide (with
        // AVX2, 16 columns: a few more than needed cost less than the 8-column filter).
        self.stride = (n + 1).next_multiple_of(filter_columns());
        for buf in [&mut self.h, &mut self.v, &mut self.hv] {
            buf.resize(self.stride * (n + 1), 0);
        }
        (self.n, self.centre) = (n, (cx, cy));
        (cx, cy)
    }

    /// The prediction displaced by (`ox`, `oy`) half samples (each -1, 0 or 1, not both 0)
    /// from the centre, and its row stride.
    pub fn block(&self, ox: i32, oy: i32) -> (&[u8], usize) {
        let (col, row) = (usize::from(ox > 0), usize::from(oy > 0));
        let buf = match (ox, oy) {
            (_, 0) => &self.h[col..],
            (0, _) => &self.v[row * self.stride..],
            _ => &self.hv[row * self.stride + col..],
        };
        (buf, self.stride)
    }
}

/// Samples around a block, rows `stride` apart.
#[derive(Clone, Copy)]
struct Window<'a> {
    data: &'a [u8],
    stride: usize,
}

/// The portable filter over the window of a block.
#[allow(clippy::too_many_arguments)]
fn filter_window<const N: usize>(
    win: Window<'_>,
    temp: &mut Vec<i16>,
    w: usize,
    h: usize,
    tx: &[i32; N],
    ty: &[i32; N],
    phase: (usize, usize),
    out: &mut [u8],
) {
    let (ww, wh, span) = (win.stride, h + N - 1, w + N - 1);
    let win = win.data;
    let c0 = N / 2 - 1;
    match phase {
        (0, 0) => {
            crate::rows::copy_rows(out, w, &win[c0 * ww + c0..], ww, w, h);
        }
        (_, 0) => {
            for r in 0..h {
                let row = &win[(r + c0) * ww..][..span];
                for (o, taps) in out[r * w..][..w].iter_mut().zip(row.windows(N)) {
                    *o = clip6(i32::from(dot16(tx, taps)));
                }
            }
        }
        (0, _) => {
            let mut acc = [0i32; MAX_WIDTH];
            for r in 0..h {
                let acc = &mut acc[..w];
                acc.fill(0);
                for (k, &t) in ty.iter().enumerate() {
                    let row = &win[(r + k) * ww + c0..][..w];
                    for (a, &v) in acc.iter_mut().zip(row) {
                        *a += t * i32::from(v);
                    }
                }
                for (o, &a) in out[r * w..][..w].iter_mut().zip(acc.iter()) {
                    *o = clip6(a);
                }
            }
        }
        _ => {
            // Every value is written before it is read: grow, never clear.
            if temp.len() < wh * w {
                temp.resize(wh * w, 0);
            }
            for r in 0..wh {
                let row = &win[r * ww..][..span];
                for (t, taps) in temp[r * w..][..w].iter_mut().zip(row.windows(N)) {
                    *t = dot16(tx, taps);
                }
            }
            let mut acc = [0i32; MAX_WIDTH];
            for r in 0..h {
                let acc = &mut acc[..w];
                acc.fill(0);
                for (k, &t) in ty.iter().enumerate() {
                    let row = &temp[(r + k) * w..][..w];
                    for (a, &v) in acc.iter_mut().zip(row) {
                        *a += t * i32::from(v);
                    }
                }
                for (o, &a) in out[r * w..][..w].iter_mut().zip(acc.iter()) {
                    *o = clip6(a >> 6);
                }
            }
        }
    }
}

/// The passes the SIMD luma kernel takes for a block, when it takes it: 8-tap filters,
/// widths in multiples of 8, fractional phases.
#[cfg(target_arch = "x86_64")]
fn simd_passes<'t, const N: usize>(
    tx: &'t [i32; N],
    ty: &'t [i32; N],
    phase: (usize, usize),
    w: usize,
) -> Option<crate::x86::Passes<'t>> {
    use crate::x86::Passes;
    let tx: &[i32; 8] = tx.as_slice().try_into().ok()?;
    let ty: &[i32; 8] = ty.as_slice().try_into().ok()?;
    if !w.is_multiple_of(8) {
        return None;
    }
    match phase {
        (0, 0) => None,
        (_, 0) => Some(Passes::Horizontal(tx)),
        (0, _) => Some(Passes::Vertical(ty)),
        _ => Some(Passes::Both(tx, ty)),
    }
}

/// One filter tap sum over 8-bit samples. Every partial sum stays within ±88·255, so 16-bit
/// arithmetic is exact (and vectorises well).
#[inline]
fn dot16<const N: usize>(taps: &[i32; N], samples: &[u8]) -> i16 {
    let mut s = 0i16;
    for k in 0..N {
        s += taps[k] as i16 * i16::from(samples[k]);
    }
    s
}

/// The final rounding of a prediction: 14-bit intermediate to 8-bit sample.
#[inline]
fn clip6(v: i32) -> u8 {
    ((v + 32) >> 6).clamp(0, 255) as u8
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plane::Plane;

    /// A margin the tests' windows reach past near the edges: both the in-place reads
    /// and the copies are exercised.
    const MARGIN: usize = 8;

    fn noise_plane(w: usize, h: usize, seed: u32) -> Plane {
        let mut p = Plane::new(w, h);
        let mut s = seed;
        for v in p.data.iter_mut() {
            s = s.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
            *v = (s >> 24) as u8;
        }
        p
    }

    /// The specification's formulas sample by sample, as a second reading.
    fn reference_luma(p: &Plane, x: i32, y: i32, mv: Mv) -> u8 {
        let s = |xx: i32, yy: i32| {
            let xx = xx.clamp(0, p.width as i32 - 1) as usize;
            let yy = yy.clamp(0, p.height as i32 - 1) as usize;
            i32::from(p.at(xx, yy))
        };
        let (xi, yi) = (x + (i32::from(mv.x) >> 2), y + (i32::from(mv.y) >> 2));
        let (fx, fy) = ((mv.x & 3) as usize, (mv.y & 3) as usize);
        let h = |yy: i32| -> i32 {
            (0..8)
                .map(|k| LUMA_TAPS[fx][k] * s(xi + k as i32 - 3, yy))
                .sum()
        };
        let pred = match (fx, fy) {
            (0, 0) => s(xi, yi) << 6,
            (_, 0) => h(yi),
            (0, _) => (0..8)
                .map(|k| LUMA_TAPS[fy][k] * s(xi, yi + k as i32 - 3))
                .sum(),
            _ => {
                (0..8)
                    .map(|k| LUMA_TAPS[fy][k] * h(yi + k as i32 - 3))
                    .sum::<i32>()
                    >> 6
            }
        };
        ((pred + 32) >> 6).clamp(0, 255) as u8
    }

    #[test]
    fn luma_matches_sample_by_sample_formula_inside_and_outside() {
        let p = noise_plane(40, 24, 3);
        let pp = PaddedPlane::of(&p, MARGIN);
        let mut ip = Interpolator::default();
        let mut out = vec![0u8; 16 * 8];
        for mv in [
            Mv::new(0, 0),
            Mv::new(5, -3),
            Mv::new(-7, 2),
            Mv::new(2, 1),
            Mv::new(-200, 90),
            Mv::new(3, 0),
            Mv::new(0, 3),
        ] {
            for (x, y) in [(0usize, 0usize), (24, 16), (8, 8)] {
                ip.luma(&pp, x, y, 16, 8, mv, &mut out);
                for r in 0..8 {
                    for c in 0..16 {
                        let want = reference_luma(&p, (x + c) as i32, (y + r) as i32, mv);
                        assert_eq!(
                            out[r * 16 + c],
                            want,
                            "mv {mv:?} at ({x},{y}) sample ({c},{r})"
                        );
                    }
                }
            }
        }
    }

    #[test]
    fn half_samples_equal_the_eight_predictions_they_replace() {
        let p = noise_plane(96, 80, 7);
        let pp = PaddedPlane::of(&p, MARGIN);
        let (mut ip, mut half) = (Interpolator::default(), HalfSamples::default());
        for n in [8usize, 16, 32, 64] {
            // Inside, at the corners, and far outside (edge samples repeated).
            for (x, y, centre) in [
                (8, 8, Mv::new(4, -4)),
                (0, 0, Mv::new(0, 0)),
                (96 - n, 80 - n.min(80), Mv::new(8, 12)),
                (0, 0, Mv::new(-400, 360)),
            ] {
                ip.half_samples(&pp, (x, y), n, centre, &mut half);
                ip.half_diagonals(&pp, &mut half);
                let mut want = vec![0u8; n * n];
                for oy in -1..=1 {
                    for ox in -1..=1 {
                        if (ox, oy) == (0, 0) {
                            continue;
                        }
                        let mv = Mv::new(centre.x + 2 * ox as i16, centre.y + 2 * oy as i16);
                        ip.luma(&pp, x, y, n, n, mv, &mut want);
                        let (got, stride) = half.block(ox, oy);
                        for r in 0..n {
                            assert_eq!(
                                &got[r * stride..][..n],
                                &want[r * n..][..n],
                                "n {n} at ({x},{y}) centre {centre:?} offset ({ox},{oy}) row {r}"
                            );
                        }
                    }
                }
            }
        }
    }

    /// The portable filter on the same window the dispatched one uses.
    fn portable_luma(p: &Plane, x: usize, y: usize, (w, h): (usize, usize), mv: Mv) -> Vec<u8> {
        let mut ip = Interpolator::default();
        let (fx, fy) = ((mv.x & 3) as usize, (mv.y & 3) as usize);
        let (x0, y0) = (
            x as i32 + (i32::from(mv.x) >> 2),
            y as i32 + (i32::from(mv.y) >> 2),
        );
        // No margin: every sample outside the picture comes from the copy's clamping.
        PaddedPlane::of(p, 0).gather(x0 - 3, y0 - 3, w + 7, h + 7, &mut ip.window);
        let mut out = vec![0u8; w * h];
        let win = Window {
            data: &ip.window,
            stride: w + 7,
        };
        let taps = (&LUMA_TAPS[fx], &LUMA_TAPS[fy]);
        filter_window(win, &mut ip.temp, w, h, taps.0, taps.1, (fx, fy), &mut out);
        out
    }

    #[test]
    fn dispatched_luma_equals_the_portable_filter_and_the_formula() {
        let checker = {
            let mut c = Plane::new(80, 80);
            for (i, v) in c.data.iter_mut().enumerate() {
                *v = if (i / 3 + i / 80) % 2 == 0 { 255 } else { 0 };
            }
            c
        };
        let flat = |v: u8| {
            let mut f = Plane::new(80, 80);
            f.data.fill(v);
            f
        };
        let planes = [noise_plane(80, 80, 5), checker, flat(0), flat(255)];
        let mut ip = Interpolator::default();
        for p in &planes {
            let pp = PaddedPlane::of(p, MARGIN);
            for size in [
                (8, 8),
                (16, 16),
                (32, 32),
                (64, 64),
                (8, 32),
                (24, 16),
                (16, 4),
            ] {
                for phase in 0..16i16 {
                    let mv = Mv::new(phase % 4 - 8, phase / 4 + 4);
                    for (x, y) in [(0usize, 0usize), (8, 16), (80 - size.0, 80 - size.1)] {
                        let mut out = vec![0u8; size.0 * size.1];
                        ip.luma(&pp, x, y, size.0, size.1, mv, &mut out);
                        assert_eq!(out, portable_luma(p, x, y, size, mv), "{size:?} {mv:?}");
                        let want = reference_luma(p, (x + 5) as i32, (y + 3) as i32, mv);
                        assert_eq!(out[3 * size.0 + 5], want, "{size:?} {mv:?}");
                    }
                }
            }
        }
    }

    #[test]
    fn dispatched_chroma_equals_the_four_tap_filter() {
        let planes = [noise_plane(40, 40, 9), noise_plane(40, 40, 10)];
        let mut ip = Interpolator::default();
        for p in &planes {
            let pp = PaddedPlane::of(p, MARGIN / 2);
            for size in [(8, 8), (16, 16), (32, 32), (8, 4), (24, 8), (4, 4), (4, 8)] {
                for phase in 0..64i16 {
                    let mv = Mv::new(phase % 8 - 16, phase / 8 + 8);
                    let (w, h) = size;
                    for (x, y) in [(0usize, 0usize), (4, 8), (40 - w, 40 - h), (40 - w, 0)] {
                        let (mut got, mut want) = (vec![0u8; w * h], vec![0u8; w * h]);
                        ip.chroma(&pp, x, y, w, h, mv, &mut got);
                        ip.displaced(&pp, (x, y), size, mv, &CHROMA_TAPS, &mut want);
                        assert_eq!(got, want, "{size:?} {mv:?} at ({x}, {y})");
                    }
                }
            }
        }
    }

    #[test]
    fn whole_sample_vectors_copy_and_constant_planes_stay_constant() {
        let p = noise_plane(32, 32, 9);
        let mut ip = Interpolator::default();
        let mut out = vec![0u8; 64];
        ip.luma(
            &PaddedPlane::of(&p, MARGIN),
            8,
            8,
            8,
            8,
            Mv::new(8, -4),
            &mut out,
        );
        for r in 0..8 {
            assert_eq!(&out[r * 8..][..8], &p.row(7 + r)[10..18]);
        }
        let mut flat = Plane::new(16, 16);
        flat.data.fill(77);
        let flat = PaddedPlane::of(&flat, MARGIN / 2);
        for phase in 0..8 {
            ip.chroma(&flat, 4, 4, 4, 4, Mv::new(phase, 7 - phase), &mut out[..16]);
            assert!(out[..16].iter().all(|&v| v == 77), "phase {phase}");
        }
    }
}
