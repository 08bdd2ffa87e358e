//! Every H.265 stream decodes in ffmpeg and libde265 — with their picture-hash checks on — to
//! exactly the encoder's reconstruction.
#![allow(clippy::unwrap_used)]

use std::path::PathBuf;

use softvpu::synth::Pattern;
use softvpu::{Config, Encoder, Frame, HevcStats, Preset};
use softvpu_testkit as kit;
use softvpu_testkit::scenes;

/// Content of the synthetic frames of each stream, in order.
const PATTERNS: [Pattern; 5] = [
    Pattern::Flat {
        y: 100,
        u: 90,
        v: 160,
    },
    Pattern::Gradient,
    Pattern::Noise { seed: 7 },
    Pattern::Edges,
    Pattern::Moving,
];

/// Encodes `frames` at `qp`, every picture an IDR, and checks both decoders against the
/// reconstruction; returns the coding statistics of the stream.
fn check_stream(name: &str, width: u32, height: u32, qp: u8, frames: &[Vec<u8>]) -> HevcStats {
    check_config(
        name,
        Config::h265(width, height).qp(qp).intra_period(1),
        frames,
    )
}

/// Encodes `frames` with `config` and checks both decoders against the reconstruction.
fn check_config(name: &str, config: Config, frames: &[Vec<u8>]) -> HevcStats {
    let (width, height) = (config.width(), config.height());
    let mut enc = Encoder::new(config.reconstruction(true).picture_hash(true)).unwrap();
    let mut stream = Vec::new();
    let mut recon = Vec::new();
    let mut stats = HevcStats::default();
    for nv12 in frames {
        enc.send_frame(&Frame::from_nv12(nv12, width, height).unwrap())
            .unwrap();
        let packet = enc.receive_packet().unwrap().unwrap();
        recon.extend(packet.reconstruction().unwrap().to_i420());
        stream.extend_from_slice(packet.data());
        stats.accumulate(packet.hevc_stats().unwrap());
    }
    let path: PathBuf = kit::scratch_dir("hevc-conformance").join(format!("{name}.hevc"));
    std::fs::write(&path, &stream).unwrap();
    let (w, h) = (width as usize, height as usize);
    for (decoder, decoded) in [
        ("ffmpeg", kit::ffmpeg_decode_hevc(&path)),
        ("libde265", kit::dec265_decode(&path)),
    ] {
        if let Some(diff) = kit::first_difference(&recon, &decoded, w, h) {
            panic!("{name}: {decoder} output differs from the reconstruction: {diff}");
        }
    }
    let _ = std::fs::remove_file(&path);
    stats
}

fn synthetic(width: u32, height: u32) -> Vec<Vec<u8>> {
    PATTERNS
        .iter()
        .enumerate()
        .map(|(i, p)| p.render(width, height, i as u32))
        .collect()
}

const ALL_QPS: [u8; 9] = [0, 1, 12, 22, 27, 32, 37, 45, 51];

#[test]
fn small_sizes_every_qp_every_pattern() {
    for (w, h) in [(8, 8), (16, 8), (64, 64), (66, 34), (202, 130)] {
        let frames = synthetic(w, h);
        for qp in ALL_QPS {
            let _ = check_stream(&format!("synthetic-{w}x{h}-qp{qp}"), w, h, qp, &frames);
        }
    }
}

#[test]
fn wide_frames_at_several_qps() {
    let frames = synthetic(1366, 768);
    for qp in [0, 22, 37, 51] {
        let _ = check_stream(
            &format!("synthetic-1366x768-qp{qp}"),
            1366,
            768,
            qp,
            &frames,
        );
    }
}

#[test]
fn natural_stills_1080p() {
    let stills = kit::stills("1920x1080");
    assert!(!stills.is_empty(), "no 1080p stills in the test data");
    let frames: Vec<Vec<u8>> = stills
        .iter()
        .map(|p| kit::read_nv12_frame(p, 1920, 1080, 0))
        .collect();
    let mut stats = HevcStats::default();
    for qp in [12, 27, 32, 37] {
        let s = check_stream(&format!("stills-1080p-qp{qp}"), 1920, 1080, qp, &frames);
        stats.accumulate(&s);
    }
    // The matrix must exercise every prediction the decoders can be asked to reproduce.
    let unused =
        |counts: &[u32]| -> Vec<usize> { (0..counts.len()).filter(|&i| counts[i] == 0).collect() };
    assert!(
        unused(&stats.luma_modes).is_empty(),
        "luma modes never chosen: {:?}",
        unused(&stats.luma_modes)
    );
    assert!(
        unused(&stats.chroma_codes).is_empty(),
        "chroma modes never chosen: {:?}",
        unused(&stats.chroma_codes)
    );
    // Intra CUs are 8x8..32x32 (the search always splits the 64x64 CTU).
    assert!(
        unused(&stats.cu_sizes[..3]).is_empty(),
        "CU sizes never chosen: {:?}",
        stats.cu_sizes
    );
    eprintln!(
        "1080p stills: luma modes {:?}, chroma codes {:?}, CU sizes {:?}",
        stats.luma_modes, stats.chroma_codes, stats.cu_sizes
    );
}

#[test]
fn largest_frames() {
    let edges = Pattern::Edges.render(4096, 2160, 3);
    let _ = check_stream("edges-4096x2160-qp32", 4096, 2160, 32, &[edges]);
    let moving = Pattern::Moving.render(4096, 4096, 5);
    let _ = check_stream("moving-4096x4096-qp27", 4096, 4096, 27, &[moving]);
}

/// A P-frame stream of `frames` with the given QP and intra period.
fn check_p(name: &str, (w, h): (u32, u32), qp: u8, period: u32, frames: &[Vec<u8>]) -> HevcStats {
    let config = Config::h265(w, h).qp(qp).intra_period(period);
    check_config(
        &format!("{name}-{w}x{h}-qp{qp}-gop{period}"),
        config,
        frames,
    )
}

#[test]
fn p_frames_small_sizes_every_qp_and_intra_period() {
    let mut stats = HevcStats::default();
    for (w, h) in [(64, 64), (202, 130)] {
        let frames = scenes::render(&scenes::tour(30), w as usize, h as usize);
        for qp in [22, 27, 32, 37, 42] {
            for period in [0, 1, 2, 30] {
                stats.accumulate(&check_p("tour", (w, h), qp, period, &frames));
            }
        }
    }
    eprintln!("small P streams: {stats:?}");
    assert!(
        stats.skip_cus > 0 && stats.merge_cus > 0 && stats.amvp_cus > 0,
        "{stats:?}"
    );
    assert!(
        stats.max_outside >= 16,
        "no vector reached far outside the picture: {stats:?}"
    );
}

/// The thorough preset's decisions (alternatives coded and compared at every CU size, 4x4 intra
/// prediction blocks) decode exactly too.
#[test]
fn thorough_preset_streams() {
    let frames = scenes::render(&scenes::tour(12), 202, 130);
    let mut stats = HevcStats::default();
    for qp in [12, 27, 42] {
        for period in [0, 4] {
            let config = Config::h265(202, 130)
                .qp(qp)
                .intra_period(period)
                .preset(Preset::Thorough);
            let name = format!("thorough-tour-202x130-qp{qp}-gop{period}");
            stats.accumulate(&check_config(&name, config, &frames));
        }
    }
    assert!(
        stats.nxn_cus > 0 && stats.skip_cus > 0 && stats.amvp_cus > 0,
        "{stats:?}"
    );
}

#[test]
fn p_frames_wide_and_largest() {
    let frames = scenes::render(&scenes::tour(30), 1366, 768);
    for qp in [27, 42] {
        let _ = check_p("tour", (1366, 768), qp, 30, &frames);
    }
    let frames = scenes::render(&scenes::tour(8)[4..], 4096, 2160);
    let _ = check_p("tour", (4096, 2160), 37, 30, &frames);
}

#[test]
fn p_frames_camera_clips_1080p() {
    for (clip, qp) in [("pan_path", 22), ("bikes", 32), ("pan_path", 37)] {
        let path = kit::testdata(&format!("video/{clip}_1920x1080_60f.nv12"));
        let frames: Vec<Vec<u8>> = (0..20)
            .map(|i| kit::read_nv12_frame(&path, 1920, 1080, i))
            .collect();
        let stats = check_p(clip, (1920, 1080), qp, 30, &frames);
        eprintln!("{clip} qp {qp}: {stats:?}");
    }
}

/// Rate control's QPs (a QP per CTU from the controller and adaptive quantisation, a scene
/// cut) decode exactly, and one thread and three code the same stream.
#[test]
fn rate_controlled_streams_any_thread_count() {
    let clip = |name: &str, i: usize| {
        let path = kit::testdata(&format!("video/{name}_1280x720_60f.nv12"));
        kit::read_nv12_frame(&path, 1280, 720, i)
    };
    let frames: Vec<Vec<u8>> = (0..12)
        .map(|i| {
            if i < 6 {
                clip("pan_path", i)
            } else {
                clip("bikes", i)
            }
        })
        .collect();
    let config = |threads| {
        Config::h265(1280, 720)
            .bitrate_kbps(1500)
            .aq_strength(1.0)
            .intra_period(5)
            .threads(threads)
    };
    let encode = |threads| {
        let mut enc = Encoder::new(config(threads)).unwrap();
        let mut stream = Vec::new();
        let mut spread = (51, 0);
        for nv12 in &frames {
            enc.send_frame(&Frame::from_nv12(nv12, 1280, 720).unwrap())
                .unwrap();
            let p = enc.receive_packet().unwrap().unwrap();
            let (lo, _, hi) = p.qp_spread().unwrap();
            spread = (spread.0.min(lo), spread.1.max(hi));
            stream.extend_from_slice(p.data());
        }
        (stream, spread)
    };
    let (one, spread) = encode(1);
    assert!(
        one == encode(3).0,
        "three threads made another stream than one"
    );
    assert!(spread.1 - spread.0 >= 4, "CTU QPs {spread:?} barely vary");
    let _ = check_config("rate-controlled-720p", config(2), &frames);
}
