//! Objective quality: PSNR per plane.

use std::ops::Range;

use crate::{Frame, Picture};

/// PSNR in dB of each plane; `f64::INFINITY` where the planes are identical.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Psnr {
    pub y: f64,
    pub u: f64,
    pub v: f64,
}

impl Psnr {
    /// The PSNR of each plane of a `width` x `height` 4:2:0 picture from its squared
    /// errors (Y, Cb, Cr).
    pub fn from_sse(sse: [u64; 3], width: u32, height: u32) -> Self {
        let luma = width as usize * height as usize;
        let chroma = (width as usize / 2) * (height as usize / 2);
        Self {
            y: psnr_from_sse(sse[0], luma),
            u: psnr_from_sse(sse[1], chroma),
            v: psnr_from_sse(sse[2], chroma),
        }
    }
}

/// Sum of squared differences of two equally long sample slices.
pub fn sse(a: &[u8], b: &[u8]) -> u64 {
    assert_eq!(a.len(), b.len(), "planes of different sizes");
    // 32-bit sums of fixed-length chunks vectorise (64-bit products do not); a chunk of
    // 4096 squares of at most 255² stays below 2³¹.
    const CHUNK: usize = 4096;
    let (mut ca, mut cb) = (a.chunks_exact(CHUNK), b.chunks_exact(CHUNK));
    let whole: u64 = ca
        .by_ref()
        .zip(cb.by_ref())
        .map(|(x, y)| chunk_sse(x, y))
        .sum();
    whole + chunk_sse(ca.remainder(), cb.remainder())
}

/// Lanes of partial sums in the SSE loops below, which the compiler keeps in vector
/// registers (one running sum makes it reduce every few samples).
const LANES: usize = 16;

/// The squared difference of two samples, in the width the SSE loops vectorise.
#[inline(always)]
fn square(x: u8, y: u8) -> i32 {
    i32::from(i16::from(x) - i16::from(y)).pow(2)
}

/// [`sse`] of at most 4096 samples, in [`LANES`] lanes of sums.
fn chunk_sse(a: &[u8], b: &[u8]) -> u64 {
    let mut lanes = [0i32; LANES];
    let (ca, cb) = (a.chunks_exact(LANES), b.chunks_exact(LANES));
    let tail: i32 = ca
        .remainder()
        .iter()
        .zip(cb.remainder())
        .map(|(&x, &y)| square(x, y))
        .sum();
    for (x, y) in ca.zip(cb) {
        for i in 0..LANES {
            lanes[i] += square(x[i], y[i]);
        }
    }
    (lanes.iter().sum::<i32>() + tail) as u64
}

/// Sums of squared differences of interleaved pairs (`uv`: first, second, first, ...)
/// from two planes `u` and `v`, each half as long as `uv` and at most 4096 long.
fn sse_interleaved(uv: &[u8], u: &[u8], v: &[u8]) -> (u64, u64) {
    assert!(
        uv.len() == 2 * u.len() && u.len() == v.len(),
        "planes of different sizes"
    );
    let (mut lu, mut lv) = ([0i32; LANES], [0i32; LANES]);
    let (cuv, cu, cv) = (
        uv.chunks_exact(2 * LANES),
        u.chunks_exact(LANES),
        v.chunks_exact(LANES),
    );
    let (mut su, mut sv) = (0i32, 0i32);
    let tail = cuv
        .remainder()
        .chunks_exact(2)
        .zip(cu.remainder())
        .zip(cv.remainder());
    for ((pair, &p), &q) in tail {
        su += square(pair[0], p);
        sv += square(pair[1], q);
    }
    for ((pairs, u), v) in cuv.zip(cu).zip(cv) {
        for i in 0..LANES {
            lu[i] += square(pairs[2 * i], u[i]);
            lv[i] += square(pairs[2 * i + 1], v[i]);
        }
    }
    su += lu.iter().sum::<i32>();
    sv += lv.iter().sum::<i32>();
    (su as u64, sv as u64)
}

/// PSNR for 8-bit samples from a sum of squared errors over `count` samples.
pub fn psnr_from_sse(sse: u64, count: usize) -> f64 {
    if sse == 0 {
        return f64::INFINITY;
    }
    let mse = sse as f64 / count as f64;
    10.0 * (255.0 * 255.0 / mse).log10()
}

/// PSNR of each plane of `test` against `reference`.
pub fn psnr(reference: &Picture, test: &Picture) -> Psnr {
    let plane = |a: &[u8], b: &[u8]| psnr_from_sse(sse(a, b), a.len());
    Psnr {
        y: plane(&reference.y, &test.y),
        u: plane(&reference.u, &test.u),
        v: plane(&reference.v, &test.v),
    }
}

/// PSNR of each plane of `test` against the NV12 `reference` (the same size), without
/// copying it into planar form.
pub fn psnr_frame(reference: &Frame<'_>, test: &Picture) -> Psnr {
    assert!(
        (test.width, test.height) == (reference.width(), reference.height()),
        "pictures of different sizes"
    );
    let h = reference.height() as usize;
    let sse = frame_rows_sse(reference, 0..h, [&test.y, &test.u, &test.v]);
    Psnr::from_sse(sse, test.width, test.height)
}

/// Squared error per plane of planar rows against luma rows `luma` of the NV12
/// `reference` (and chroma rows `luma.start / 2..luma.end / 2`; `luma` starts even): the
/// planes hold just those rows, unpadded, the reference's width (chroma: half of it) wide.
pub fn frame_rows_sse(
    reference: &Frame<'_>,
    luma: Range<usize>,
    [y, u, v]: [&[u8]; 3],
) -> [u64; 3] {
    let w = reference.width() as usize;
    let cw = w / 2;
    let luma_sse: u64 = luma
        .clone()
        .zip(y.chunks_exact(w))
        .map(|(r, row)| sse(reference.y_row(r), row))
        .sum();
    let (mut su, mut sv) = (0, 0);
    let chroma = luma.start / 2..luma.end.div_ceil(2);
    for ((r, u), v) in chroma.zip(u.chunks_exact(cw)).zip(v.chunks_exact(cw)) {
        let (du, dv) = sse_interleaved(reference.uv_row(r), u, v);
        (su, sv) = (su + du, sv + dv);
    }
    [luma_sse, su, sv]
}

/// Accumulates PSNR over a sequence as the mean of per-frame values (the
/// convention of x265's and ffmpeg's reports). Identical frames count as 100 dB.
#[derive(Clone, Debug, Default)]
pub struct PsnrAverage {
    sum: [f64; 3],
    frames: usize,
}

impl PsnrAverage {
    pub fn add(&mut self, p: Psnr) {
        for (s, v) in self.sum.iter_mut().zip([p.y, p.u, p.v]) {
            *s += v.min(100.0);
        }
        self.frames += 1;
    }

    pub fn frames(&self) -> usize {
        self.frames
    }

    /// The mean, or `None` before the first frame.
    pub fn mean(&self) -> Option<Psnr> {
        let n = self.frames as f64;
        (self.frames > 0).then(|| Psnr {
            y: self.sum[0] / n,
            u: self.sum[1] / n,
            v: self.sum[2] / n,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn psnr_of_known_error() {
        // Every sample off by one: MSE 1, PSNR = 20*log10(255).
        let p = psnr_from_sse(100, 100);
        assert!((p - 48.1308).abs() < 1e-3, "{p}");
        assert!(psnr_from_sse(0, 10).is_infinite());
    }

    #[test]
    fn average_caps_identical_frames() {
        let mut avg = PsnrAverage::default();
        assert!(avg.mean().is_none());
        avg.add(Psnr {
            y: f64::INFINITY,
            u: 40.0,
            v: 30.0,
        });
        avg.add(Psnr {
            y: 50.0,
            u: 40.0,
            v: 50.0,
        });
        let m = avg.mean().unwrap();
        assert_eq!((m.y, m.u, m.v), (75.0, 40.0, 40.0));
    }

    #[test]
    fn sse_matches_the_definition() {
        let a: Vec<u8> = (0..10_000u32).map(|i| (i * 7919 % 256) as u8).collect();
        let b: Vec<u8> = (0..10_000u32).map(|i| (i * 104_729 % 256) as u8).collect();
        let direct: u64 = a
            .iter()
            .zip(&b)
            .map(|(&x, &y)| (i64::from(x) - i64::from(y)).pow(2) as u64)
            .sum();
        assert_eq!(sse(&a, &b), direct);
        let (zeros, full) = (vec![0u8; 9000], vec![255u8; 9000]);
        assert_eq!(
            sse(&zeros, &full),
            9000 * 255 * 255,
            "extremes do not overflow"
        );
    }

    #[test]
    fn frame_psnr_equals_planar_psnr() {
        let (w, h) = (36u32, 20u32);
        let nv12: Vec<u8> = (0..Frame::nv12_len(w, h) as u32)
            .map(|i| (i * 31 % 251) as u8)
            .collect();
        let frame = Frame::from_nv12(&nv12, w, h).unwrap();
        let reference = Picture::from_frame(&frame);
        let mut test = reference.clone();
        for (i, s) in test
            .y
            .iter_mut()
            .chain(&mut test.u)
            .chain(&mut test.v)
            .enumerate()
        {
            *s = s.wrapping_add((i % 5) as u8);
        }
        test.v[3] = 0;
        assert_eq!(psnr_frame(&frame, &test), psnr(&reference, &test));
    }
}
