//! A size model learned from every coded frame: ln(bits) = a + ln(complexity) - slope * x,
//! where x is the quantiser on a log-size scale (H.265: the QP; JPEG: ln of the table scale).

/// One model per picture type; `a` follows the content, `slope` is how fast size falls with x.
#[derive(Clone, Copy, Debug)]
pub struct SizeModel {
    a: f64,
    slope: f64,
    /// Frames learned so far (the first ones adapt at full speed).
    seen: u32,
}

impl SizeModel {
    pub fn new(a: f64, slope: f64) -> Self {
        Self { a, slope, seen: 0 }
    }

    pub fn trained(&self) -> bool {
        self.seen > 0
    }

    /// Predicted bits at quantiser `x` for content of `complexity`.
    pub fn bits(&self, complexity: f64, x: f64) -> f64 {
        (self.a + complexity.max(1.0).ln() - self.slope * x).exp()
    }

    /// The quantiser that the model says gives `bits`.
    pub fn x_for(&self, complexity: f64, bits: f64) -> f64 {
        (self.a + complexity.max(1.0).ln() - bits.max(1.0).ln()) / self.slope
    }

    /// Learns from a frame of `complexity` coded at mean quantiser `x` into `bits`.
    pub fn update(&mut self, complexity: f64, x: f64, bits: f64) {
        let observed = bits.max(1.0).ln() - complexity.max(1.0).ln() + self.slope * x;
        // Content drifts: trust the newest frame most, keep some memory against noise.
        let weight = if self.seen == 0 { 1.0 } else { 0.6 };
        self.a += weight * (observed - self.a);
        self.seen += 1;
    }

    /// Starts another model from this one's state, offset by `ln_ratio`.
    pub fn derived(&self, ln_ratio: f64, slope: f64) -> Self {
        Self {
            a: self.a + ln_ratio,
            slope,
            seen: 0,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inverse_and_update_agree() {
        let mut m = SizeModel::new(10.0, 0.15);
        let x = m.x_for(5000.0, 200_000.0);
        assert!((m.bits(5000.0, x) / 200_000.0 - 1.0).abs() < 1e-9);
        m.update(5000.0, 30.0, 123_456.0);
        assert!((m.bits(5000.0, 30.0) / 123_456.0 - 1.0).abs() < 1e-9);
        // Twice the complexity, twice the bits at the same quantiser.
        assert!((m.bits(10_000.0, 30.0) / m.bits(5000.0, 30.0) - 2.0).abs() < 1e-9);
    }

    #[test]
    fn later_frames_adapt_partially() {
        let mut m = SizeModel::new(0.0, 0.1);
        m.update(1.0, 0.0, 1000.0);
        m.update(1.0, 0.0, 4000.0);
        let b = m.bits(1.0, 0.0);
        assert!(b > 1000.0 && b < 4000.0, "{b}");
    }
}
