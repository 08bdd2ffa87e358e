//! Encoder configuration: a typed builder, validated when the encoder opens.

use std::fmt;
use std::str::FromStr;

use softvpu_core::validate_dimensions;
use softvpu_hevc::Preset;

use crate::Error;

/// The output format.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Codec {
    /// H.265 / HEVC Main profile, Annex-B byte stream.
    H265,
    /// Motion JPEG: one baseline JPEG per frame.
    Mjpeg,
}

impl Codec {
    pub fn name(self) -> &'static str {
        match self {
            Self::H265 => "h265",
            Self::Mjpeg => "mjpeg",
        }
    }

    /// The customary file extension of a raw stream of this codec.
    pub fn extension(self) -> &'static str {
        match self {
            Self::H265 => "h265",
            Self::Mjpeg => "mjpeg",
        }
    }
}

impl fmt::Display for Codec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Codec {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self, Error> {
        match s.to_ascii_lowercase().as_str() {
            "h265" | "hevc" | "265" => Ok(Self::H265),
            "mjpeg" | "jpeg" | "jpg" => Ok(Self::Mjpeg),
            _ => Err(Error::InvalidConfig {
                field: "codec",
                reason: format!("unknown codec {s:?}; use h265 or mjpeg"),
            }),
        }
    }
}

/// A frame rate as a fraction, e.g. 30000/1001.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Rational {
    pub num: u32,
    pub den: u32,
}

impl Rational {
    pub fn as_f64(self) -> f64 {
        f64::from(self.num) / f64::from(self.den)
    }
}

/// Everything that defines one encoder channel. Build it with [`Config::h265`] or
/// [`Config::mjpeg`] and the setter methods; [`crate::Encoder::new`] validates it.
#[derive(Clone, Debug, PartialEq)]
pub struct Config {
    pub(crate) codec: Codec,
    pub(crate) width: u32,
    pub(crate) height: u32,
    pub(crate) bitrate_kbps: u32,
    pub(crate) fps: Rational,
    pub(crate) intra_period: u32,
    pub(crate) quality: Option<u8>,
    pub(crate) qp: Option<u8>,
    pub(crate) threads: usize,
    pub(crate) reconstruction: bool,
    pub(crate) psnr: bool,
    pub(crate) picture_hash: bool,
    pub(crate) max_bitrate_kbps: Option<u32>,
    pub(crate) buffer_ms: u32,
    pub(crate) qp_range: (u8, u8),
    pub(crate) quality_range: (u8, u8),
    pub(crate) aq_strength: f32,
    pub(crate) preset: Preset,
}

/// How the quantiser is chosen, as [`Config::rate_mode`] reports it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RateMode {
    /// Constant bitrate at [`Config::bitrate_kbps`] within the buffer (the default).
    Cbr { kbps: u32 },
    /// A fixed QP (H.265) or quality (MJPEG).
    ConstantQuantizer(u8),
    /// A fixed QP or quality, raised (lowered) only where the stream would exceed `kbps`.
    Capped { quantizer: u8, kbps: u32 },
}

impl Config {
    /// Defaults as on the boards: 8000 kbps, 30 fps, an intra picture every 30 frames,
    /// all cores.
    pub fn new(codec: Codec, width: u32, height: u32) -> Self {
        Self {
            codec,
            width,
            height,
            bitrate_kbps: 8000,
            fps: Rational { num: 30, den: 1 },
            intra_period: 30,
            quality: None,
            qp: None,
            threads: 0,
            reconstruction: false,
            psnr: false,
            picture_hash: false,
            max_bitrate_kbps: None,
            buffer_ms: 1000,
            qp_range: (8, 50),
            quality_range: (5, 95),
            aq_strength: 0.0,
            preset: Preset::Fast,
        }
    }

    pub fn h265(width: u32, height: u32) -> Self {
        Self::new(Codec::H265, width, height)
    }

    pub fn mjpeg(width: u32, height: u32) -> Self {
        Self::new(Codec::Mjpeg, width, height)
    }

    /// Target bitrate in kilobits per second (ignored when a quality or QP is set).
    pub fn bitrate_kbps(mut self, kbps: u32) -> Self {
        self.bitrate_kbps = kbps;
        self
    }

    /// Whole frames per second.
    pub fn fps(self, fps: u32) -> Self {
        self.fps_ratio(fps, 1)
    }

    /// Frames per second as `num / den`.
    pub fn fps_ratio(mut self, num: u32, den: u32) -> Self {
        self.fps = Rational { num, den };
        self
    }

    /// Frames from one intra (key) picture to the next; 0 means only the first.
    pub fn intra_period(mut self, frames: u32) -> Self {
        self.intra_period = frames;
        self
    }

    /// A fixed MJPEG quality 1..=100, overriding the bitrate.
    pub fn quality(mut self, quality: u8) -> Self {
        self.quality = Some(quality);
        self
    }

    /// A fixed H.265 QP 0..=51, overriding the bitrate.
    pub fn qp(mut self, qp: u8) -> Self {
        self.qp = Some(qp);
        self
    }

    /// With a fixed QP or quality: never exceed this rate (within the buffer); the quantiser
    /// is coarsened only where it must be.
    pub fn max_bitrate_kbps(mut self, kbps: u32) -> Self {
        self.max_bitrate_kbps = Some(kbps);
        self
    }

    /// Size of the rate buffer in milliseconds of the bitrate (default 1000): how far the
    /// stream may run ahead of a link of that rate.
    pub fn buffer_ms(mut self, ms: u32) -> Self {
        self.buffer_ms = ms;
        self
    }

    /// H.265: the QPs rate control may use (default 8..=50, as on the boards).
    pub fn qp_range(mut self, min: u8, max: u8) -> Self {
        self.qp_range = (min, max);
        self
    }

    /// MJPEG: the qualities rate control may use (default 5..=95).
    pub fn quality_range(mut self, min: u8, max: u8) -> Self {
        self.quality_range = (min, max);
        self
    }

    /// H.265 adaptive quantisation in bitrate modes: finer QPs in flat areas, coarser in
    /// busy ones, where the eye notices less (0 = off, the default; 1 = typical).
    pub fn aq_strength(mut self, strength: f32) -> Self {
        self.aq_strength = strength;
        self
    }

    /// H.265 speed/compression trade-off: [`Preset::Fast`] (the default, real time) or
    /// [`Preset::Thorough`] (rate-distortion search at every CU size: 1.5-23 % fewer
    /// bits at equal quality, 1.1-3x the time). MJPEG ignores it.
    pub fn preset(mut self, preset: Preset) -> Self {
        self.preset = preset;
        self
    }

    /// How the quantiser will be chosen.
    pub fn rate_mode(&self) -> RateMode {
        let fixed = match self.codec {
            Codec::H265 => self.qp,
            Codec::Mjpeg => self.quality,
        };
        match (fixed, self.max_bitrate_kbps) {
            (Some(q), Some(kbps)) => RateMode::Capped { quantizer: q, kbps },
            (Some(q), None) => RateMode::ConstantQuantizer(q),
            (None, _) => RateMode::Cbr {
                kbps: self.bitrate_kbps,
            },
        }
    }

    /// Worker threads for one frame; 0 means one per core.
    pub fn threads(mut self, threads: usize) -> Self {
        self.threads = threads;
        self
    }

    /// Attach each frame's reconstruction to its packet (costs time; for tests and PSNR).
    pub fn reconstruction(mut self, on: bool) -> Self {
        self.reconstruction = on;
        self
    }

    /// Measure each frame's PSNR against its input while coding it ([`Packet::psnr`]):
    /// much cheaper than comparing the reconstruction afterwards.
    ///
    /// [`Packet::psnr`]: crate::Packet::psnr
    pub fn psnr(mut self, on: bool) -> Self {
        self.psnr = on;
        self
    }

    /// H.265: append an MD5 decoded-picture-hash SEI to every picture, so any decoder can
    /// verify its output.
    pub fn picture_hash(mut self, on: bool) -> Self {
        self.picture_hash = on;
        self
    }

    pub fn codec(&self) -> Codec {
        self.codec
    }

    pub fn width(&self) -> u32 {
        self.width
    }

    pub fn height(&self) -> u32 {
        self.height
    }

    pub fn frame_rate(&self) -> Rational {
        self.fps
    }

    pub fn target_kbps(&self) -> u32 {
        self.bitrate_kbps
    }

    /// Frames from one intra picture to the next (0: only the first).
    pub fn keyframe_interval(&self) -> u32 {
        self.intra_period
    }

    /// Whether packets carry their frame's reconstruction.
    pub fn returns_reconstruction(&self) -> bool {
        self.reconstruction
    }

    /// The thread count in effect: the configured one, or the number of cores.
    pub fn effective_threads(&self) -> usize {
        match self.threads {
            0 => std::thread::available_parallelism().map_or(1, |n| n.get()),
            n => n,
        }
    }

    /// Checks every field; the error names the field and the accepted range.
    pub fn validate(&self) -> Result<(), Error> {
        validate_dimensions(self.width, self.height)?;
        let invalid = |field, reason: String| Err(Error::InvalidConfig { field, reason });
        if !(1..=800_000).contains(&self.bitrate_kbps) {
            return invalid(
                "bitrate",
                format!("{} kbps; use 1..=800000", self.bitrate_kbps),
            );
        }
        if self.fps.num == 0 || self.fps.den == 0 || self.fps.as_f64() > 1000.0 {
            return invalid(
                "fps",
                format!(
                    "{}/{}; use a positive rate up to 1000",
                    self.fps.num, self.fps.den
                ),
            );
        }
        if let Some(q) = self.quality.filter(|q| !(1..=100).contains(q)) {
            return invalid("quality", format!("{q}; use 1..=100"));
        }
        if let Some(qp) = self.qp.filter(|&qp| qp > 51) {
            return invalid("qp", format!("{qp}; use 0..=51"));
        }
        if let Some(k) = self.max_bitrate_kbps.filter(|k| !(1..=800_000).contains(k)) {
            return invalid("max_bitrate", format!("{k} kbps; use 1..=800000"));
        }
        if !(50..=10_000).contains(&self.buffer_ms) {
            return invalid("buffer", format!("{} ms; use 50..=10000", self.buffer_ms));
        }
        let (lo, hi) = self.qp_range;
        if lo > hi || hi > 51 {
            return invalid("qp_range", format!("{lo}..={hi}; use min <= max <= 51"));
        }
        let (lo, hi) = self.quality_range;
        if lo > hi || lo == 0 || hi > 100 {
            return invalid(
                "quality_range",
                format!("{lo}..={hi}; use 1 <= min <= max <= 100"),
            );
        }
        if !(0.0..=3.0).contains(&self.aq_strength) {
            return invalid("aq_strength", format!("{}; use 0..=3", self.aq_strength));
        }
        if self.threads > 256 {
            return invalid(
                "threads",
                format!("{}; use 0 (all cores) ..=256", self.threads),
            );
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_match_the_boards() {
        let c = Config::h265(1920, 1080);
        assert_eq!(c.bitrate_kbps, 8000);
        assert_eq!(c.fps, Rational { num: 30, den: 1 });
        assert_eq!(c.intra_period, 30);
        assert!(c.validate().is_ok());
    }

    #[test]
    fn out_of_range_fields_are_named() {
        let cases = [
            (Config::mjpeg(64, 64).quality(0), "quality"),
            (Config::mjpeg(64, 64).quality(101), "quality"),
            (Config::h265(64, 64).qp(52), "qp"),
            (Config::mjpeg(64, 64).bitrate_kbps(0), "bitrate"),
            (Config::mjpeg(64, 64).fps(0), "fps"),
            (Config::mjpeg(64, 64).fps_ratio(30, 0), "fps"),
            (Config::mjpeg(64, 64).threads(1000), "threads"),
            (Config::h265(64, 64).max_bitrate_kbps(0), "max_bitrate"),
            (Config::h265(64, 64).buffer_ms(10), "buffer"),
            (Config::h265(64, 64).qp_range(30, 20), "qp_range"),
            (Config::h265(64, 64).qp_range(8, 52), "qp_range"),
            (Config::mjpeg(64, 64).quality_range(0, 90), "quality_range"),
            (Config::h265(64, 64).aq_strength(f32::NAN), "aq_strength"),
        ];
        for (cfg, name) in cases {
            match cfg.validate() {
                Err(Error::InvalidConfig { field, .. }) => assert_eq!(field, name),
                other => panic!("{name}: {other:?}"),
            }
        }
        assert!(matches!(
            Config::mjpeg(63, 64).validate(),
            Err(Error::Frame(_))
        ));
        assert!(matches!(
            Config::mjpeg(4098, 64).validate(),
            Err(Error::Frame(_))
        ));
    }

    #[test]
    fn rate_modes() {
        let c = Config::h265(64, 64);
        assert_eq!(c.rate_mode(), RateMode::Cbr { kbps: 8000 });
        assert_eq!(
            c.clone().qp(30).rate_mode(),
            RateMode::ConstantQuantizer(30)
        );
        assert_eq!(
            c.clone().qp(30).max_bitrate_kbps(900).rate_mode(),
            RateMode::Capped {
                quantizer: 30,
                kbps: 900
            }
        );
        // A quality means nothing to H.265: still bitrate mode.
        assert_eq!(c.quality(80).rate_mode(), RateMode::Cbr { kbps: 8000 });
    }

    #[test]
    fn codec_names_parse() {
        assert_eq!("HEVC".parse::<Codec>(), Ok(Codec::H265));
        assert_eq!("mjpeg".parse::<Codec>(), Ok(Codec::Mjpeg));
        let err = "h264".parse::<Codec>().unwrap_err();
        assert!(err.to_string().contains("use h265 or mjpeg"));
    }
}
