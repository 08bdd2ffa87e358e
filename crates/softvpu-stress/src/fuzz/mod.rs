//! Fuzz harnesses. Each takes the fuzzer's bytes, drives the public API
//! with them, and panics when the encoder breaks a promise: a panic inside softvpu, an
//! error for valid input, a missing or misnumbered packet, or a stream that decodes to
//! something other than the reconstruction. `fuzz/` runs them under libFuzzer, and the
//! `tests/regressions.rs` runs them on every input kept in `fuzz/regressions`.

mod calls;
mod config;
mod content;
mod input;
mod roundtrip;

pub use calls::calls;
pub use input::Input;
pub use roundtrip::roundtrip;

use softvpu::{Codec, Encoder, Frame, Packet};

/// A harness: takes the fuzzer's bytes, panics on a broken promise.
pub type Harness = fn(&[u8]);

/// The fuzz targets by name, as `fuzz/` and the regression test know them.
pub const TARGETS: [(&str, Harness); 3] = [
    ("config", configuration),
    ("calls", calls),
    ("roundtrip", roundtrip),
];

/// Any configuration: refused with an error or opened; small pictures are also encoded.
pub fn configuration(data: &[u8]) {
    let mut input = Input::new(data);
    let config = config::arbitrary(&mut input);
    let valid = config.validate();
    let encoder = Encoder::new(config.clone());
    assert_eq!(valid.is_ok(), encoder.is_ok(), "{config:?}");
    let Ok(mut encoder) = encoder else { return };
    let (width, height) = (config.width(), config.height());
    if width * height > config::MAX_ENCODED_AREA {
        return;
    }
    for index in 0..input.range(1, 3) {
        let nv12 = content::frame(&mut input, width, height, index);
        let packet = encode(&mut encoder, &nv12, width, height);
        check_packet(&packet, config.codec(), u64::from(index));
        let recon = packet.reconstruction().map(|p| (p.width, p.height));
        let want = config.returns_reconstruction().then_some((width, height));
        assert_eq!(recon, want, "{config:?}");
    }
}

/// Sends one frame the encoder must accept and returns its packet.
fn encode(encoder: &mut Encoder, nv12: &[u8], width: u32, height: u32) -> Packet {
    let frame = Frame::from_nv12(nv12, width, height).expect("the harness builds valid frames");
    encoder
        .send_frame(&frame)
        .unwrap_or_else(|e| panic!("a valid frame was refused: {e}"));
    receive(encoder).expect("every frame sent gives a packet")
}

fn receive(encoder: &mut Encoder) -> Option<Packet> {
    encoder
        .receive_packet()
        .unwrap_or_else(|e| panic!("receive_packet failed: {e}"))
}

/// The packet is numbered `number` and framed as its codec's format requires.
fn check_packet(packet: &Packet, codec: Codec, number: u64) {
    assert_eq!(packet.frame_number(), number);
    let data = packet.data();
    match codec {
        Codec::Mjpeg => {
            assert!(data.starts_with(&[0xFF, 0xD8]) && data.ends_with(&[0xFF, 0xD9]));
        }
        Codec::H265 => assert!(data.starts_with(&[0, 0, 0, 1])),
    }
}
