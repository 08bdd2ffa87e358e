//! Objective quality: PSNR per plane.

use crate::Picture;

/// PSNR in dB of each plane; `f64::INFINITY` where the planes are identical.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Psnr {
    pub y: f64,
    pub u: f64,
    pub v: f64,
}

/// Sum of squared differences of two equally long sample slices.
pub fn sse(a: &[u8], b: &[u8]) -> u64 {
    assert_eq!(a.len(), b.len(), "planes of different sizes");
    a.iter()
        .zip(b)
        .map(|(&x, &y)| {
            let d = x as i64 - y as i64;
            (d * d) as u64
        })
        .sum()
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
}
