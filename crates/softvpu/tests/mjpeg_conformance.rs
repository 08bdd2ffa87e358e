#![allow(clippy::unwrap_used)]
//! Every JPEG decodes in ffmpeg and libjpeg-turbo, at the right size, to the
//! picture the encoder reconstructed; quality and size hold against libjpeg-turbo.

use std::path::Path;

use softvpu::metrics::{psnr, psnr_from_sse, sse};
use softvpu::synth::Pattern;
use softvpu::{Config, Encoder, Frame, Picture, Quantizer};
use softvpu_testkit as kit;

/// Encodes one frame and returns the JPEG and the encoder's reconstruction.
fn encode(nv12: &[u8], w: u32, h: u32, quality: u8) -> (Vec<u8>, Picture) {
    let mut enc = Encoder::new(Config::mjpeg(w, h).quality(quality).reconstruction(true)).unwrap();
    enc.send_frame(&Frame::from_nv12(nv12, w, h).unwrap())
        .unwrap();
    let packet = enc.receive_packet().unwrap().unwrap();
    assert_eq!(packet.quantizer(), Quantizer::JpegQuality(quality));
    let recon = packet.reconstruction().unwrap().clone();
    (packet.into_data(), recon)
}

/// Largest difference between two pictures' samples, with where it is.
fn max_diff(a: &Picture, b: &Picture) -> (u8, &'static str, usize) {
    let mut worst = (0, "Y", 0);
    for (name, pa, pb) in [("Y", &a.y, &b.y), ("U", &a.u, &b.u), ("V", &a.v, &b.v)] {
        for (i, (x, y)) in pa.iter().zip(pb.iter()).enumerate() {
            let d = x.abs_diff(*y);
            if d > worst.0 {
                worst = (d, name, i);
            }
        }
    }
    worst
}

/// Decodes with ffmpeg, djpeg and TurboJPEG; each must give the right size, and
/// the planar decoders must agree with the reconstruction up to IDCT rounding.
fn check_decoders(jpeg: &[u8], recon: &Picture, w: u32, h: u32, name: &str) {
    let dir = kit::scratch_dir("mjpeg_conformance");
    let path = dir.join(format!("{name}.jpg"));
    std::fs::write(&path, jpeg).unwrap();
    assert_eq!(kit::djpeg_size(&path), (w, h), "{name}: djpeg size");
    for (decoder, pic) in [
        ("ffmpeg", kit::ffmpeg_decode_jpeg(&path, w, h)),
        ("libjpeg-turbo", kit::turbojpeg_decode(&path, w, h)),
    ] {
        let (d, plane, at) = max_diff(&pic, recon);
        // Decoders use integer IDCTs; the reconstruction is the exact one.
        assert!(
            d <= 3,
            "{name}: {decoder} differs from the reconstruction by {d} in {plane} at {at}"
        );
        let p = psnr(recon, &pic);
        assert!(
            p.y > 45.0 && p.u > 45.0 && p.v > 45.0,
            "{name}: {decoder} vs recon {p:?}"
        );
    }
}

fn synthetic_matrix(sizes: &[(u32, u32)]) {
    let patterns = [
        (
            "flat",
            Pattern::Flat {
                y: 90,
                u: 100,
                v: 160,
            },
        ),
        ("gradient", Pattern::Gradient),
        ("noise", Pattern::Noise { seed: 11 }),
        ("edges", Pattern::Edges),
    ];
    for &(w, h) in sizes {
        for (pname, pattern) in patterns {
            let nv12 = pattern.render(w, h, 0);
            let quality = if pname == "noise" { 95 } else { 75 };
            let (jpeg, recon) = encode(&nv12, w, h, quality);
            let source = Picture::from_frame(&Frame::from_nv12(&nv12, w, h).unwrap());
            if pname == "flat" {
                assert!(
                    psnr(&source, &recon).y > 50.0,
                    "{w}x{h} flat: {:?}",
                    psnr(&source, &recon)
                );
            }
            check_decoders(&jpeg, &recon, w, h, &format!("{pname}_{w}x{h}"));
        }
    }
}

#[test]
fn tiny_and_odd_multiple_sizes_decode() {
    synthetic_matrix(&[(2, 2), (16, 16), (18, 14), (642, 482)]);
}

#[test]
fn hd_sizes_decode() {
    synthetic_matrix(&[(1366, 768), (1920, 1080)]);
}

#[test]
fn largest_size_decodes() {
    synthetic_matrix(&[(4096, 4096)]);
}

#[test]
fn natural_stills_decode_at_every_quality() {
    for path in kit::stills("1280x720")
        .into_iter()
        .chain(kit::stills("1920x1080"))
    {
        let size = if path.to_string_lossy().contains("1280x720") {
            (1280, 720)
        } else {
            (1920, 1080)
        };
        let nv12 = std::fs::read(&path).unwrap();
        for quality in [1, 30, 75, 100] {
            let (jpeg, recon) = encode(&nv12, size.0, size.1, quality);
            let stem = path.file_stem().unwrap().to_string_lossy();
            check_decoders(&jpeg, &recon, size.0, size.1, &format!("{stem}_q{quality}"));
        }
    }
}

/// PSNR-Y of a JPEG decoded by libjpeg-turbo, against the source.
fn decoded_psnr_y(jpeg: &Path, source: &Picture) -> f64 {
    let pic = kit::turbojpeg_decode(jpeg, source.width, source.height);
    psnr_from_sse(sse(&source.y, &pic.y), source.y.len())
}

#[test]
fn quality_and_size_match_libjpeg_turbo() {
    let dir = kit::scratch_dir("mjpeg_quality");
    let mut report = String::new();
    for path in kit::stills("1920x1080") {
        let nv12 = std::fs::read(&path).unwrap();
        let source = Picture::from_frame(&Frame::from_nv12(&nv12, 1920, 1080).unwrap());
        let stem = path.file_stem().unwrap().to_string_lossy().to_string();
        for quality in [50, 75, 90] {
            let ours = dir.join(format!("{stem}_q{quality}_softvpu.jpg"));
            let theirs = dir.join(format!("{stem}_q{quality}_tj.jpg"));
            std::fs::write(&ours, encode(&nv12, 1920, 1080, quality).0).unwrap();
            kit::turbojpeg_compress(&path, 1920, 1080, quality, &theirs);
            let (p_ours, p_theirs) = (
                decoded_psnr_y(&ours, &source),
                decoded_psnr_y(&theirs, &source),
            );
            let (s_ours, s_theirs) = (file_len(&ours), file_len(&theirs));
            let line = format!(
                "{stem} q{quality}: softvpu {p_ours:.3} dB {s_ours} B, libjpeg-turbo {p_theirs:.3} dB {s_theirs} B\n"
            );
            report.push_str(&line);
            assert!(
                p_ours >= p_theirs - 0.1,
                "PSNR below libjpeg-turbo's: {line}"
            );
            assert!(
                s_ours as f64 <= s_theirs as f64 * 1.03,
                "size over 103% of libjpeg-turbo's: {line}"
            );
        }
    }
    eprint!("{report}");
}

fn file_len(p: &Path) -> u64 {
    std::fs::metadata(p).unwrap().len()
}
