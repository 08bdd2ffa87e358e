//! Per-frame quality choice for a bit budget.
//!
//! Model: bits = k * s^-ALPHA, where s is libjpeg's table scale (percent) for a
//! quality. `k` is re-estimated from every coded frame, so the model follows the
//! content; the next frame's scale is the one the model says meets the budget.

use crate::tables::quality_scale;

/// How strongly the size falls as the table scale grows (measured on natural
/// images: halving the scale costs about 1.7x the bits).
const ALPHA: f64 = 0.75;
/// Bits per pixel assumed at scale 50 (quality 75) before the first frame.
const INITIAL_BPP_AT_Q75: f64 = 1.5;

/// Chooses the quality of each frame to hit a constant number of bits per frame.
#[derive(Clone, Debug)]
pub struct QualityController {
    target_bits: f64,
    /// ln k of the model.
    log_k: f64,
    min_quality: u8,
    max_quality: u8,
}

impl QualityController {
    /// `target_bits` per frame for pictures of `pixels` luma samples.
    pub fn new(target_bits: f64, pixels: usize) -> Self {
        let log_k = (INITIAL_BPP_AT_Q75 * pixels as f64).ln() + ALPHA * 50f64.ln();
        Self {
            target_bits: target_bits.max(1.0),
            log_k,
            min_quality: 1,
            max_quality: 100,
        }
    }

    /// The quality the model expects to meet the budget.
    pub fn next_quality(&self) -> u8 {
        let scale = ((self.log_k - self.target_bits.ln()) / ALPHA).exp();
        quality_for_scale(scale).clamp(self.min_quality, self.max_quality)
    }

    /// Learns from a coded frame.
    pub fn update(&mut self, quality: u8, bits: usize) {
        let s = f64::from(quality_scale(quality).max(1));
        self.log_k = (bits.max(1) as f64).ln() + ALPHA * s.ln();
    }
}

/// Inverse of [`quality_scale`], rounded to the nearest quality.
fn quality_for_scale(scale: f64) -> u8 {
    let q = if scale >= 100.0 {
        5000.0 / scale
    } else {
        (200.0 - scale) / 2.0
    };
    q.round().clamp(1.0, 100.0) as u8
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scale_round_trip() {
        for q in 1..=100u8 {
            let back = quality_for_scale(f64::from(quality_scale(q)));
            // Low qualities share integer scales; the mapping is monotonic, not 1:1.
            assert!(
                (i32::from(back) - i32::from(q)).abs() <= 1 || q < 10,
                "{q} -> {back}"
            );
        }
    }

    #[test]
    fn converges_on_a_model_encoder() {
        // A fake encoder that follows a power law with a different exponent.
        let size = |q: u8| 4.0e6 * f64::from(quality_scale(q).max(1)).powf(-0.9);
        let target = 300_000.0;
        let mut rc = QualityController::new(target, 1920 * 1080);
        let mut q = rc.next_quality();
        for _ in 0..8 {
            rc.update(q, size(q) as usize);
            q = rc.next_quality();
        }
        let err = size(q) / target;
        assert!((0.9..1.1).contains(&err), "quality {q}, size ratio {err}");
    }

    #[test]
    fn more_bits_means_higher_quality() {
        let mut lo = QualityController::new(100_000.0, 1920 * 1080);
        let mut hi = QualityController::new(2_000_000.0, 1920 * 1080);
        lo.update(75, 1_000_000);
        hi.update(75, 1_000_000);
        assert!(lo.next_quality() < 75 && hi.next_quality() > 75);
    }
}
