//! Encoder settings as Python passes them (plain integers and a codec name), checked
//! and turned into a [`Config`]. Out-of-range values become errors naming the field,
//! never silent truncation.

use softvpu::{Codec, Config, Error, Preset};

/// One channel's settings before validation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Settings {
    pub codec: String,
    pub width: i64,
    pub height: i64,
    pub bitrate_kbps: i64,
    pub fps_num: i64,
    pub fps_den: i64,
    pub gop: i64,
    pub quality: Option<i64>,
    pub qp: Option<i64>,
    /// With `quality` or `qp`: the most kbps the stream may take.
    pub max_bitrate_kbps: Option<i64>,
    pub threads: i64,
    /// H.265 speed preset by name ("fast" or "thorough").
    pub preset: String,
}

impl Settings {
    /// Board defaults (8000 kbps, 30 fps, an intra picture every 30 frames) for `codec`.
    pub fn new(codec: &str, width: i64, height: i64) -> Self {
        Self {
            codec: codec.to_owned(),
            width,
            height,
            bitrate_kbps: 8000,
            fps_num: 30,
            fps_den: 1,
            gop: 30,
            quality: None,
            qp: None,
            max_bitrate_kbps: None,
            threads: 0,
            preset: Preset::default().name().to_owned(),
        }
    }

    /// The validated configuration.
    pub fn to_config(&self) -> Result<Config, Error> {
        let codec = parse_codec(&self.codec)?;
        let (width, height) = (narrow("width", self.width)?, narrow("height", self.height)?);
        let mut config = Config::new(codec, width, height)
            .bitrate_kbps(narrow("bitrate", self.bitrate_kbps)?)
            .fps_ratio(narrow("fps", self.fps_num)?, narrow("fps", self.fps_den)?)
            .intra_period(narrow("gop", self.gop)?)
            .threads(narrow("threads", self.threads)?)
            .preset(parse_preset(&self.preset)?);
        if let Some(q) = self.quality {
            config = config.quality(narrow("quality", q)?);
        }
        if let Some(qp) = self.qp {
            config = config.qp(narrow("qp", qp)?);
        }
        if let Some(kbps) = self.max_bitrate_kbps {
            config = config.max_bitrate_kbps(narrow("max_bitrate", kbps)?);
        }
        config.validate().map_err(size_is_a_setting)?;
        Ok(config)
    }
}

/// A bad size here is a bad setting, not a bad frame: report it as one.
fn size_is_a_setting(e: Error) -> Error {
    match e {
        Error::Frame(frame) => Error::InvalidConfig {
            field: "size",
            reason: frame.to_string(),
        },
        other => other,
    }
}

/// Codec names as the Pythonic API spells them; H.264 is named so the error can say
/// it is not there yet rather than that the name is unknown.
fn parse_codec(name: &str) -> Result<Codec, Error> {
    match name.to_ascii_lowercase().as_str() {
        "h264" | "avc" | "264" => Err(Error::UnsupportedCodec {
            codec: "h264",
            reason: "softvpu does not encode H.264 yet; use h265 or mjpeg",
        }),
        _ => name.parse(),
    }
}

fn parse_preset(name: &str) -> Result<Preset, Error> {
    Preset::from_name(name).ok_or_else(|| Error::InvalidConfig {
        field: "preset",
        reason: format!("{name:?} is not a preset; use fast or thorough"),
    })
}

/// Converts to the field's integer type, or names the field and its value.
fn narrow<T: TryFrom<i64>>(field: &'static str, value: i64) -> Result<T, Error> {
    T::try_from(value).map_err(|_| Error::InvalidConfig {
        field,
        reason: format!("{value} is out of range"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn field_of(s: &Settings) -> &'static str {
        match s.to_config() {
            Err(Error::InvalidConfig { field, .. }) => field,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn defaults_are_the_boards() {
        let c = Settings::new("h265", 1920, 1080).to_config().unwrap();
        assert_eq!(c.codec(), Codec::H265);
        assert_eq!((c.width(), c.height()), (1920, 1080));
        assert_eq!(c.target_kbps(), 8000);
        assert_eq!(c.frame_rate().as_f64(), 30.0);
    }

    #[test]
    fn negative_and_huge_values_name_their_field() {
        let base = Settings::new("mjpeg", 64, 64);
        let bitrate = Settings {
            bitrate_kbps: -1,
            ..base.clone()
        };
        assert_eq!(field_of(&bitrate), "bitrate");
        let fps = Settings {
            fps_num: i64::MAX,
            ..base.clone()
        };
        assert_eq!(field_of(&fps), "fps");
        let gop = Settings {
            gop: -3,
            ..base.clone()
        };
        assert_eq!(field_of(&gop), "gop");
        let quality = Settings {
            quality: Some(300),
            ..base.clone()
        };
        assert_eq!(field_of(&quality), "quality");
        let cap = Settings {
            qp: Some(30),
            max_bitrate_kbps: Some(0),
            ..base.clone()
        };
        assert_eq!(field_of(&cap), "max_bitrate");
        let width = Settings { width: -2, ..base };
        assert_eq!(field_of(&width), "width");
    }

    #[test]
    fn sizes_go_through_the_frame_rules() {
        assert_eq!(field_of(&Settings::new("mjpeg", 63, 64)), "size");
        let big = Settings::new("h265", 4098, 64).to_config().unwrap_err();
        assert!(big.to_string().contains("2..=4096"), "{big}");
    }

    #[test]
    fn presets_by_name() {
        for (name, preset) in [("fast", Preset::Fast), ("Thorough", Preset::Thorough)] {
            let s = Settings {
                preset: name.to_owned(),
                ..Settings::new("h265", 64, 64)
            };
            assert_eq!(s.to_config().unwrap(), Config::h265(64, 64).preset(preset));
        }
        let unknown = Settings {
            preset: "ultrafast".to_owned(),
            ..Settings::new("h265", 64, 64)
        };
        assert_eq!(field_of(&unknown), "preset");
    }

    #[test]
    fn h264_is_unsupported_and_other_names_unknown() {
        let h264 = Settings::new("H264", 64, 64).to_config();
        assert!(matches!(
            h264,
            Err(Error::UnsupportedCodec { codec: "h264", .. })
        ));
        let vp9 = Settings::new("vp9", 64, 64).to_config();
        assert!(matches!(
            vp9,
            Err(Error::InvalidConfig { field: "codec", .. })
        ));
    }
}
