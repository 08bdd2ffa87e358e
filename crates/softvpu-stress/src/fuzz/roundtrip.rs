//! Encode, decode, compare: H.265 streams of arbitrary content and settings must decode
//! (in an independent decoder) to exactly the reconstruction the encoder reports.

use rusty_h265::{Decoder, Error as DecodeError};
use softvpu::{Codec, Encoder};

use super::input::Input;
use super::{check_packet, config, content, encode};

/// Pictures are at most this wide and high: several CTUs, in few milliseconds.
const MAX_SIDE: u32 = 144;

pub fn roundtrip(data: &[u8]) {
    let mut input = Input::new(data);
    let config = config::valid_small(&mut input, Codec::H265, MAX_SIDE).picture_hash(input.bool());
    let (w, h) = (config.width(), config.height());
    let mut encoder = Encoder::new(config.clone())
        .unwrap_or_else(|e| panic!("a valid configuration was refused: {e}"));
    let mut decoder = Decoder::new();
    let mut recons = Vec::new();
    let mut decoded = Vec::new();
    for index in 0..input.range(1, 4) {
        let nv12 = content::frame(&mut input, w, h, index);
        let packet = encode(&mut encoder, &nv12, w, h);
        check_packet(&packet, Codec::H265, u64::from(index));
        let recon = packet
            .reconstruction()
            .expect("reconstruction was asked for");
        recons.push(recon.to_i420());
        decoder
            .push_annexb(packet.data(), None)
            .unwrap_or_else(|e| panic!("frame {index} of {config:?} does not decode: {e:?}"));
        take_frames(&mut decoder, &mut decoded);
    }
    decoder.flush();
    take_frames(&mut decoder, &mut decoded);
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

/// Moves every picture the decoder has ready into `out`, as planar 4:2:0.
fn take_frames(decoder: &mut Decoder, out: &mut Vec<Vec<u8>>) {
    loop {
        match decoder.next_frame() {
            Ok(frame) => {
                let mut yuv = Vec::new();
                frame.write_yuv(&mut yuv);
                out.push(yuv);
            }
            Err(DecodeError::Again | DecodeError::Eof) => return,
            Err(e) => panic!("the decoder failed: {e:?}"),
        }
    }
}
