//! Streams whose QP changes from CTU to CTU (cu_qp_delta) decode in ffmpeg and libde265 to
//! exactly the encoder's reconstruction: the QP prediction, the delta syntax and the
//! deblocking QPs of CUs without residual all agree with the decoders — and the stream is
//! the same whether one thread or several code the CTU rows.
#![allow(clippy::unwrap_used)]

use softvpu_core::synth::SplitMix64;
use softvpu_core::Frame;
use softvpu_hevc::{HevcEncoder, HevcSettings, Preset, Progress, QpPlan, Yuv};
use softvpu_testkit as kit;
use softvpu_testkit::scenes;

/// QPs drawn at random around a centre, with occasional jumps to the extremes the delta
/// syntax allows; the draw depends only on the picture and the CTU, as the rows of a
/// picture are coded in parallel.
struct RandomQp {
    seed: u64,
    picture: u64,
    centre: i32,
    spread: i32,
}

impl QpPlan for RandomQp {
    fn ctu_qp(&self, col: usize, row: usize, _done: &Progress<'_>) -> i32 {
        let mut rng =
            SplitMix64(self.seed ^ (self.picture << 40) ^ ((row as u64) << 20) ^ col as u64);
        match rng.below(8) {
            0 => 0,
            1 => 51,
            _ => self.centre - self.spread + rng.below(2 * self.spread as u64 + 1) as i32,
        }
    }
}

fn cropped_i420(rec: &Yuv, w: usize, h: usize) -> Vec<u8> {
    let mut out = Vec::with_capacity(w * h * 3 / 2);
    for (c, plane) in rec.planes.iter().enumerate() {
        let (pw, ph) = if c == 0 { (w, h) } else { (w / 2, h / 2) };
        for r in 0..ph {
            out.extend_from_slice(&plane.row(r)[..pw]);
        }
    }
    out
}

/// The stream, the reconstruction and the lowest and highest CTU QP.
fn encode(
    (w, h): (usize, usize),
    period: u32,
    centre: i32,
    frames: &[Vec<u8>],
    (threads, preset): (usize, Preset),
) -> (Vec<u8>, Vec<u8>, i32, i32) {
    let mut enc = HevcEncoder::new(HevcSettings {
        width: w,
        height: h,
        fps: (30, 1),
        bitrate_kbps: 0,
        picture_hash: true,
        measure_error: false,
        intra_period: period,
        threads,
        preset,
    });
    let mut plan = RandomQp {
        seed: centre as u64 * 7919 + w as u64,
        picture: 0,
        centre,
        spread: 8,
    };
    let (mut stream, mut recon) = (Vec::new(), Vec::new());
    let (mut lowest, mut highest) = (51, 0);
    for nv12 in frames {
        let frame = Frame::from_nv12(nv12, w as u32, h as u32).unwrap();
        let coded = enc.encode_planned(&frame, centre, &plan);
        plan.picture += 1;
        lowest = lowest.min(coded.qp_min);
        highest = highest.max(coded.qp_max);
        stream.extend_from_slice(&coded.data);
        recon.extend(cropped_i420(&coded.recon, w, h));
    }
    (stream, recon, lowest, highest)
}

fn check(
    name: &str,
    size: (usize, usize),
    (period, preset): (u32, Preset),
    centre: i32,
    frames: &[Vec<u8>],
) {
    let (w, h) = size;
    let (stream, recon, lowest, highest) = encode(size, period, centre, frames, (1, preset));
    let parallel = encode(size, period, centre, frames, (3, preset));
    assert!(
        parallel.0 == stream,
        "{name}: three threads made another stream than one"
    );
    assert!(
        highest - lowest >= 8,
        "{name}: QPs {lowest}..{highest} barely vary"
    );
    let path = kit::scratch_dir("hevc-qp-variation").join(format!("{name}.hevc"));
    std::fs::write(&path, &stream).unwrap();
    for (decoder, decoded) in [
        ("ffmpeg", kit::ffmpeg_decode_hevc(&path)),
        ("libde265", kit::dec265_decode(&path)),
    ] {
        if let Some(diff) = kit::first_difference(&recon, &decoded, w, h) {
            panic!("{name}: {decoder} output differs from the reconstruction: {diff}");
        }
    }
    let _ = std::fs::remove_file(&path);
}

#[test]
fn random_ctu_qps_small_pictures() {
    for (w, h) in [(64, 64), (202, 130), (330, 200)] {
        let frames = scenes::render(&scenes::tour(12), w, h);
        for centre in [12, 30, 45] {
            for period in [0, 4] {
                for preset in [Preset::Fast, Preset::Thorough] {
                    check(
                        &format!("tour-{w}x{h}-qp{centre}-gop{period}-{preset:?}"),
                        (w, h),
                        (period, preset),
                        centre,
                        &frames,
                    );
                }
            }
        }
    }
}

#[test]
fn random_ctu_qps_camera_clip() {
    let path = kit::testdata("video/pan_path_1920x1080_60f.nv12");
    let frames: Vec<Vec<u8>> = (0..3)
        .map(|i| kit::read_nv12_frame(&path, 1920, 1080, i))
        .collect();
    check(
        "pan_path-1080p",
        (1920, 1080),
        (30, Preset::Fast),
        32,
        &frames,
    );
}
