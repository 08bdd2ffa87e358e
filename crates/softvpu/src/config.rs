//! Encoder configuration: a typed builder, validated when the encoder opens.

use std::fmt;
use std::str::FromStr;

use softvpu_core::validate_dimensions;

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
    pub(crate) picture_hash: bool,
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
            picture_hash: false,
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
    fn codec_names_parse() {
        assert_eq!("HEVC".parse::<Codec>(), Ok(Codec::H265));
        assert_eq!("mjpeg".parse::<Codec>(), Ok(Codec::Mjpeg));
        let err = "h264".parse::<Codec>().unwrap_err();
        assert!(err.to_string().contains("use h265 or mjpeg"));
    }
}
