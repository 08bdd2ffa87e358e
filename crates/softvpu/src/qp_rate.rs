//! Per-frame QP choice aiming at a bit budget per frame (H.265 in bitrate mode).
//!
//! Bits fall by about half for every 6 QP steps; the controller moves the QP by the log of the
//! miss, damped and bounded so that one unusual frame does not swing the next.

/// Picks the next frame's QP from how the previous ones landed.
#[derive(Clone, Debug)]
pub struct QpController {
    target_bits: f64,
    qp: f64,
}

impl QpController {
    pub fn new(bits_per_frame: f64, pixels: usize) -> Self {
        // Natural camera content: about 0.1 bit per pixel at QP 32 in intra pictures.
        let bpp = (bits_per_frame / pixels.max(1) as f64).max(1e-6);
        let qp = 32.0 - 6.0 * (bpp / 0.1).log2();
        Self {
            target_bits: bits_per_frame,
            qp: qp.clamp(1.0, 51.0),
        }
    }

    pub fn next_qp(&self) -> u8 {
        self.qp.round().clamp(0.0, 51.0) as u8
    }

    pub fn update(&mut self, qp: u8, bits: usize) {
        let miss = (bits.max(1) as f64 / self.target_bits).log2();
        let step = (6.0 * miss * 0.7).clamp(-4.0, 4.0);
        self.qp = (f64::from(qp) + step).clamp(0.0, 51.0);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn overshoot_raises_qp_and_undershoot_lowers_it() {
        let mut rc = QpController::new(100_000.0, 1920 * 1080);
        let start = rc.next_qp();
        rc.update(start, 400_000);
        assert!(rc.next_qp() > start);
        let high = rc.next_qp();
        rc.update(high, 10_000);
        assert!(rc.next_qp() < high);
    }

    #[test]
    fn more_bits_per_pixel_start_lower() {
        let low = QpController::new(50_000.0, 1920 * 1080).next_qp();
        let high = QpController::new(500_000.0, 1920 * 1080).next_qp();
        assert!(high < low, "{high} {low}");
    }
}
