//! The budget side of constant-bitrate control: a virtual buffer that a link of the target
//! rate drains, and the debt of the stream against its nominal size.

/// Bits in flight on a constant-rate link, and what the stream owes the target.
#[derive(Clone, Debug)]
pub struct RateBuffer {
    /// Bits the link carries per frame interval.
    pub per_frame: f64,
    /// Buffer size in bits (the most the link may lag behind the encoder).
    pub size: f64,
    /// Bits waiting to be sent after the last frame.
    level: f64,
    /// Bits produced minus bits allowed so far; below zero is unspent budget.
    debt: f64,
}

impl RateBuffer {
    pub fn new(kbps: u32, fps: f64, buffer_ms: u32) -> Self {
        let rate = f64::from(kbps) * 1000.0;
        Self {
            per_frame: rate / fps,
            size: (rate * f64::from(buffer_ms) / 1000.0).max(2.0 * rate / fps),
            level: 0.0,
            debt: 0.0,
        }
    }

    pub fn level(&self) -> f64 {
        self.level
    }

    pub fn debt(&self) -> f64 {
        self.debt
    }

    /// The most the next frame may take without the link falling `size` behind.
    pub fn room(&self) -> f64 {
        (self.size - self.level + self.per_frame).max(self.per_frame * 0.25)
    }

    /// Accounts a coded frame.
    pub fn add(&mut self, bits: f64) {
        self.level = (self.level + bits - self.per_frame).max(0.0);
        // Unspent budget is reclaimed for at most half a buffer: after a long flat stretch,
        // busy content must not be allowed to burst far above the rate to catch up.
        self.debt = (self.debt + bits - self.per_frame).max(-0.5 * self.size);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn level_drains_and_never_goes_negative() {
        let mut b = RateBuffer::new(3000, 30.0, 1000);
        assert_eq!(b.per_frame, 100_000.0);
        assert_eq!(b.size, 3_000_000.0);
        b.add(400_000.0);
        assert_eq!(b.level(), 300_000.0);
        assert_eq!(b.room(), 2_800_000.0);
        for _ in 0..10 {
            b.add(0.0);
        }
        assert_eq!(b.level(), 0.0);
        assert_eq!(b.debt(), -700_000.0);
        for _ in 0..100 {
            b.add(0.0);
        }
        assert_eq!(b.debt(), -1_500_000.0, "credit is capped at half a buffer");
    }
}
