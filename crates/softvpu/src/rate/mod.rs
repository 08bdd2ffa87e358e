//! Rate control: the quantiser of every frame (and, for H.265, every CTU) from the bitrate
//! the user asks for, without lookahead.
//!
//! A [`buffer::RateBuffer`] holds what a link of the target rate has not yet carried and
//! what the stream owes its nominal size; [`model::SizeModel`]s predict frame sizes from
//! the [`complexity`] measured on each frame before it is coded, and learn from every
//! coded frame. H.265 corrects its plan row by row inside the picture (`hevc`).

mod buffer;
mod complexity;
mod hevc;
mod mjpeg;
mod model;

pub(crate) use hevc::HevcRate;
pub(crate) use mjpeg::MjpegRate;

/// What the controller aims at.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) enum Mode {
    /// Constant bitrate: spend the rate, within the buffer.
    Cbr,
    /// Constant quantiser (QP or quality) unless the buffer would overflow at the rate.
    Capped { quantizer: u8 },
}

/// The rate-control settings of a channel.
#[derive(Clone, Copy, Debug)]
pub(crate) struct RateSettings {
    pub kbps: u32,
    pub fps: f64,
    pub buffer_ms: u32,
    pub mode: Mode,
    /// Allowed quantisers, low to high (H.265 QP; JPEG quality).
    pub range: (u8, u8),
    /// Frames between IDRs (0: only the first).
    pub intra_period: u32,
    pub width: u32,
    pub height: u32,
    /// H.265 adaptive-quantisation strength (0 = off).
    pub aq_strength: f64,
}

impl RateSettings {
    /// The frames over which a budget is planned: the intra period, or one second.
    fn period(&self) -> f64 {
        match self.intra_period {
            0 => self.fps.round().max(1.0),
            n => f64::from(n),
        }
    }
}

/// How a frame's size was planned, for reports.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct RateReport {
    /// The bits the controller planned for the frame.
    pub target_bits: u64,
    /// Bits the link had not yet carried after this frame.
    pub buffer_level_bits: u64,
    /// The buffer size in bits.
    pub buffer_size_bits: u64,
}
