//! Encode, decode, compare: H.265 streams of arbitrary content and settings must decode
//! (in an independent decoder) to exactly the reconstruction the encoder reports.

use softvpu::{Codec, Encoder};

use super::input::Input;
use super::{check_packet, config, content, encode};
use crate::decode;

/// Pictures are at most this wide and high: several CTUs, in few milliseconds.
const MAX_SIDE: u32 = 144;

pub fn roundtrip(data: &[u8]) {
    let mut input = Input::new(data);
    let config = config::valid_small(&mut input, Codec::H265, MAX_SIDE).picture_hash(input.bool());
    let (w, h) = (config.width(), config.height());
    let mut encoder = Encoder::new(config.clone())
        .unwrap_or_else(|e| panic!("a valid configuration was refused: {e}"));
    let mut stream = Vec::new();
    let mut recons = Vec::new();
    for index in 0..input.range(1, 4) {
        let nv12 = content::frame(&mut input, w, h, index);
        let packet = encode(&mut encoder, &nv12, w, h);
        check_packet(&packet, Codec::H265, u64::from(index));
        let recon = packet
            .reconstruction()
            .expect("reconstruction was asked for");
        recons.push(recon.to_i420());
        stream.extend_from_slice(packet.data());
    }
    let decoded = decode::hevc(&stream).unwrap_or_else(|e| panic!("{config:?}: {e}"));
    assert_eq!(
        decoded.len(),
        recons.len(),
        "pictures decoded from {config:?}"
    );
    for (index, (got, want)) in decoded.iter().zip(&recons).enumerate() {
        if got != want {
            let at = got.iter().zip(want).position(|(a, b)| a != b);
            panic!("frame {index} of {config:?} decodes differently, first at byte {at:?}");
        }
    }
}
