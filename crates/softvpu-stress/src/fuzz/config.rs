//! Configurations chosen by the fuzzer: every setting, often out of range.

use softvpu::{Codec, Config};

use super::input::Input;

/// The largest picture the harnesses encode (larger valid ones are only opened), so
/// that every run stays fast.
pub const MAX_ENCODED_AREA: u32 = 160 * 160;

/// Any configuration: sizes anywhere in `u16`, each option set or not, with any value.
pub fn arbitrary(input: &mut Input<'_>) -> Config {
    let codec = codec(input);
    let (width, height) = if input.bool() {
        (u32::from(input.u16()), u32::from(input.u16()))
    } else {
        (input.range(0, 161), input.range(0, 161))
    };
    let mut config = Config::new(codec, width, height);
    let flags = input.u16();
    let set = |bit: u16| flags & (1 << bit) != 0;
    if set(0) {
        config = config.bitrate_kbps(input.u32() % 1_000_000);
    }
    if set(1) {
        config = config.fps_ratio(input.u16().into(), input.u8().into());
    }
    if set(2) {
        config = config.intra_period(input.u8().into());
    }
    if set(3) {
        config = config.quality(input.u8());
    }
    if set(4) {
        config = config.qp(input.u8());
    }
    if set(5) {
        config = config.max_bitrate_kbps(input.u32() % 1_000_000);
    }
    if set(6) {
        config = config.buffer_ms(u32::from(input.u16()));
    }
    if set(7) {
        config = config.qp_range(input.u8(), input.u8());
    }
    if set(8) {
        config = config.quality_range(input.u8(), input.u8());
    }
    if set(9) {
        config = config.aq_strength(f32::from_bits(input.u32()));
    }
    if set(10) {
        config = config.threads(input.range(0, 300) as usize);
    }
    config.reconstruction(set(11)).picture_hash(set(12))
}

/// A configuration the encoder accepts, of a small picture: for the harnesses that
/// exercise calls and streams rather than validation.
pub fn valid_small(input: &mut Input<'_>, codec: Codec, max_side: u32) -> Config {
    let (width, height) = (input.even(2, max_side), input.even(2, max_side));
    let mut config = Config::new(codec, width, height)
        .threads(input.range(1, 3) as usize)
        .intra_period(input.range(0, 4))
        .reconstruction(true);
    match input.u8() % 3 {
        0 => config = config.bitrate_kbps(input.range(1, 20_000)),
        1 => {
            config = match codec {
                Codec::H265 => config.qp(input.range(0, 51) as u8),
                Codec::Mjpeg => config.quality(input.range(1, 100) as u8),
            }
        }
        _ => {
            config = match codec {
                Codec::H265 => config.qp(input.range(0, 51) as u8),
                Codec::Mjpeg => config.quality(input.range(1, 100) as u8),
            }
            .max_bitrate_kbps(input.range(1, 20_000))
        }
    }
    if input.bool() {
        config = config.aq_strength(input.range(0, 30) as f32 / 10.0);
    }
    config
}

pub fn codec(input: &mut Input<'_>) -> Codec {
    if input.bool() {
        Codec::H265
    } else {
        Codec::Mjpeg
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn small_configs_are_valid_for_any_input() {
        for seed in 0..200u32 {
            let data: Vec<u8> = (0..64).map(|i| (seed * 7 + i * 13) as u8).collect();
            let mut input = Input::new(&data);
            let codec = codec(&mut input);
            let config = valid_small(&mut input, codec, 64);
            assert!(config.validate().is_ok(), "{config:?}");
        }
    }
}
