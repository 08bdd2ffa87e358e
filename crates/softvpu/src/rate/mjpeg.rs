//! MJPEG rate control: a quality per frame from a size model of the table scale, with a
//! second try at a lower quality when a frame would overflow the buffer.

use softvpu_core::Frame;
use softvpu_mjpeg::quality_scale;

use super::buffer::RateBuffer;
use super::complexity::Analyzer;
use super::model::SizeModel;
use super::{Mode, RateReport, RateSettings};

/// Size falls as scale^-SLOPE (halving the scale costs about 1.7x the bits).
const SLOPE: f64 = 0.75;
/// Prior before the first frame: bits per unit of measured complexity at quality 75.
const PRIOR_BITS_PER_COMPLEXITY_Q75: f64 = 0.9;

/// The model's quantiser coordinate for a quality: ln of the table scale.
fn x_of(quality: u8) -> f64 {
    f64::from(quality_scale(quality).max(1)).ln()
}

/// Rate state of one MJPEG channel.
#[derive(Debug)]
pub(crate) struct MjpegRate {
    settings: RateSettings,
    buffer: RateBuffer,
    analyzer: Analyzer,
    model: SizeModel,
    /// Complexity and budget of the frame being coded.
    cost: f64,
    target: f64,
}

impl MjpegRate {
    pub fn new(settings: RateSettings) -> Self {
        let a = PRIOR_BITS_PER_COMPLEXITY_Q75.ln() + SLOPE * x_of(75);
        Self {
            buffer: RateBuffer::new(settings.kbps, settings.fps, settings.buffer_ms),
            settings,
            analyzer: Analyzer::default(),
            model: SizeModel::new(a, SLOPE),
            cost: 1.0,
            target: 1.0,
        }
    }

    /// The quality for the next frame.
    pub fn plan(&mut self, frame: &Frame<'_>) -> u8 {
        self.cost = self.analyzer.measure(frame).intra_total();
        let base = self.buffer.per_frame;
        let room = self.buffer.room();
        self.target = match self.settings.mode {
            Mode::Cbr => {
                let spread = (0.5 * self.settings.fps).max(1.0);
                (base - self.buffer.debt() / spread).clamp(0.5 * base, 2.0 * base)
            }
            Mode::Capped { .. } => {
                let excess = self.buffer.level() - 0.5 * self.buffer.size;
                (base - excess / (0.5 * self.settings.fps).max(1.0)).max(0.5 * base)
            }
        }
        .min(0.8 * room);
        self.best_quality(self.target)
    }

    /// After coding at `quality` into `bits`: `Some(lower quality)` when the frame must be
    /// coded again because it would overflow the buffer, else `None`.
    pub fn retry(&mut self, quality: u8, bits: usize) -> Option<u8> {
        self.model.update(self.cost, x_of(quality), bits as f64);
        let over = bits as f64 > self.buffer.room() || bits as f64 > 3.0 * self.target;
        let lower = self.best_quality(self.target);
        (over && lower < quality).then_some(lower)
    }

    /// Accounts the frame finally sent.
    pub fn commit(&mut self, bits: usize) -> RateReport {
        self.buffer.add(bits as f64);
        RateReport {
            target_bits: self.target as u64,
            buffer_level_bits: self.buffer.level() as u64,
            buffer_size_bits: self.buffer.size as u64,
        }
    }

    /// The highest allowed quality the model expects to fit `bits` (the lowest allowed if
    /// none does).
    fn best_quality(&self, bits: f64) -> u8 {
        let (lo, hi) = self.settings.range;
        let hi = match self.settings.mode {
            Mode::Cbr => hi,
            Mode::Capped { quantizer } => quantizer.clamp(lo, hi),
        };
        (lo..=hi)
            .rev()
            .find(|&q| self.model.bits(self.cost, x_of(q)) <= bits)
            .unwrap_or(lo)
    }
}
