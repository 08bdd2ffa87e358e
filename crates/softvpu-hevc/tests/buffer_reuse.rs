//! The encoder keeps its pictures' memory from picture to picture (the workers' buffers,
//! the last reference). Nothing of an earlier picture may leak into a later one: after an
//! IDR, an encoder that has coded other content makes the same bytes as a new one.
#![allow(clippy::unwrap_used)]

use softvpu_core::Frame;
use softvpu_hevc::{HevcEncoder, HevcSettings, Preset};
use softvpu_testkit::scenes;

fn encoder((w, h): (usize, usize), threads: usize, preset: Preset) -> HevcEncoder {
    HevcEncoder::new(HevcSettings {
        width: w,
        height: h,
        fps: (30, 1),
        bitrate_kbps: 0,
        picture_hash: true,
        measure_error: false,
        intra_period: 0,
        threads,
        preset,
    })
}

/// Each picture's bytes.
fn code(
    enc: &mut HevcEncoder,
    frames: &[Vec<u8>],
    (w, h): (usize, usize),
    qp: i32,
) -> Vec<Vec<u8>> {
    frames
        .iter()
        .map(|nv12| {
            let frame = Frame::from_nv12(nv12, w as u32, h as u32).unwrap();
            enc.encode(&frame, qp).data
        })
        .collect()
}

#[test]
fn a_used_encoder_codes_like_a_new_one_after_an_idr() {
    for (w, h) in [(202, 130), (320, 192)] {
        let frames = scenes::render(&scenes::tour(6), w, h);
        // Other content: the same tour mirrored and darkened.
        let other: Vec<Vec<u8>> = frames
            .iter()
            .rev()
            .map(|f| f.iter().rev().map(|&v| v / 2).collect())
            .collect();
        for threads in [1, 3] {
            for preset in [Preset::Fast, Preset::Thorough] {
                let fresh = code(&mut encoder((w, h), threads, preset), &frames, (w, h), 30);
                let mut used = encoder((w, h), threads, preset);
                code(&mut used, &other, (w, h), 22);
                used.request_idr();
                let again = code(&mut used, &frames, (w, h), 30);
                for (i, (a, b)) in fresh.iter().zip(&again).enumerate() {
                    assert!(
                        a == b,
                        "{w}x{h}, {threads} threads, {preset:?}: picture {i} differs"
                    );
                }
            }
        }
    }
}
