//! The `softvpu` command as users run it: real files, pipes, bad input.
#![allow(clippy::unwrap_used)]

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use softvpu_testkit as kit;

fn softvpu() -> Command {
    Command::new(env!("CARGO_BIN_EXE_softvpu"))
}

fn scratch(name: &str) -> PathBuf {
    kit::scratch_dir("cli").join(name)
}

/// Runs and returns the output, asserting nothing panicked.
fn run(cmd: &mut Command) -> Output {
    let out = cmd.stdin(Stdio::null()).output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("panicked"), "panic: {stderr}");
    out
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// Asserts a failure with a message containing `needle`.
fn assert_fails(out: &Output, needle: &str) {
    assert!(
        !out.status.success(),
        "expected failure; stderr: {}",
        stderr(out)
    );
    assert!(
        stderr(out).contains(needle),
        "expected {needle:?} in: {}",
        stderr(out)
    );
}

/// The first `frames` frames of the 720p pan clip as a raw NV12 file.
fn pan_720p(frames: usize) -> PathBuf {
    let path = scratch(&format!("pan_720p_{frames}.nv12"));
    if !path.exists() {
        let clip = std::fs::read(kit::testdata("video/pan_path_1280x720_60f.nv12")).unwrap();
        std::fs::write(&path, &clip[..1280 * 720 * 3 / 2 * frames]).unwrap();
    }
    path
}

fn encode_args(input: &Path, output: &Path) -> Command {
    let mut cmd = softvpu();
    cmd.arg("encode").arg("-i").arg(input).arg("-o").arg(output);
    cmd
}

#[test]
fn sixty_frame_mjpeg_reads_as_sixty_frames() {
    let out_path = scratch("sixty.mjpeg");
    let out = run(encode_args(&pan_720p(60), &out_path).args(["--size", "1280x720", "--psnr"]));
    assert!(out.status.success(), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(err.contains("60 frames 1280x720"), "{err}");
    assert!(err.contains("PSNR: Y"), "{err}");
    assert_eq!(kit::ffmpeg_count_frames(&out_path, "mjpeg"), 60);
}

#[test]
fn y4m_input_takes_size_and_rate_from_its_header() {
    let y4m = scratch("clip.y4m");
    kit::run(
        Command::new("ffmpeg")
            .args([
                "-v", "error", "-y", "-f", "rawvideo", "-pix_fmt", "nv12", "-s", "1280x720",
            ])
            .args(["-r", "25", "-i"])
            .arg(pan_720p(10))
            .args(["-pix_fmt", "yuv420p"])
            .arg(&y4m),
    );
    let out_path = scratch("from_y4m.mjpeg");
    let out = run(encode_args(&y4m, &out_path).args(["--codec", "mjpeg", "--frames", "7"]));
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stderr(&out).contains("at 25.000 fps"), "{}", stderr(&out));
    assert_eq!(kit::ffmpeg_count_frames(&out_path, "mjpeg"), 7);
}

#[test]
fn stdin_to_stdout_pipe() {
    let input = std::fs::read(pan_720p(3)).unwrap();
    let mut child = softvpu()
        .args([
            "encode", "-i", "-", "-o", "-", "--size", "1280x720", "--codec", "mjpeg",
        ])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let writer = std::thread::spawn(move || stdin.write_all(&input));
    let out = child.wait_with_output().unwrap();
    writer.join().unwrap().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let path = scratch("piped.mjpeg");
    std::fs::write(&path, &out.stdout).unwrap();
    assert_eq!(kit::ffmpeg_count_frames(&path, "mjpeg"), 3);
}

#[test]
fn truncated_raw_input_keeps_the_complete_frames() {
    let full = std::fs::read(pan_720p(3)).unwrap();
    let cut = scratch("cut.nv12");
    std::fs::write(&cut, &full[..full.len() - 1000]).unwrap();
    let out_path = scratch("cut.mjpeg");
    let out = run(encode_args(&cut, &out_path).args(["--size", "1280x720"]));
    assert_fails(&out, "input ends inside frame 2");
    assert!(stderr(&out).contains("2 frames encoded before it are kept"));
    assert_eq!(kit::ffmpeg_count_frames(&out_path, "mjpeg"), 2);
}

#[test]
fn truncated_y4m_keeps_the_complete_frames() {
    let mut data = b"YUV4MPEG2 W64 H32 F30:1 C420jpeg\n".to_vec();
    for _ in 0..2 {
        data.extend_from_slice(b"FRAME\n");
        data.extend(std::iter::repeat_n(100u8, 64 * 32 * 3 / 2));
    }
    data.extend_from_slice(b"FRAME\n");
    data.extend(std::iter::repeat_n(100u8, 500));
    let y4m = scratch("cut.y4m");
    std::fs::write(&y4m, data).unwrap();
    let out_path = scratch("cut_y4m.mjpeg");
    let out = run(&mut encode_args(&y4m, &out_path));
    assert_fails(&out, "input ends inside frame 2");
    assert_eq!(kit::ffmpeg_count_frames(&out_path, "mjpeg"), 2);
}

#[test]
fn bad_sizes_are_refused() {
    let input = pan_720p(1);
    let out_path = scratch("bad.mjpeg");
    for (size, needle) in [
        ("1279x720", "odd dimension"),
        ("0x720", "out of range"),
        ("4098x64", "out of range"),
        ("big", "not a size"),
    ] {
        assert_fails(
            &run(encode_args(&input, &out_path).args(["--size", size])),
            needle,
        );
    }
    assert_fails(&run(&mut encode_args(&input, &out_path)), "needs --size");
    // A size that does not divide the file leaves a partial last frame.
    assert_fails(
        &run(encode_args(&input, &out_path).args(["--size", "1920x1080"])),
        "inside frame 0",
    );
}

#[test]
fn bad_options_are_refused() {
    let input = pan_720p(1);
    let out_path = scratch("bad_opts.mjpeg");
    let cases: [(&[&str], &str); 5] = [
        (&["--codec", "vp9"], "unknown codec"),
        (&["--quality", "0"], "invalid quality"),
        (&["--bitrate", "0"], "invalid bitrate"),
        (&["--fps", "0"], "not a frame rate"),
        (&["--codec", "h265", "--qp", "52"], "invalid qp"),
    ];
    for (args, needle) in cases {
        assert_fails(
            &run(encode_args(&input, &out_path)
                .args(["--size", "1280x720"])
                .args(args)),
            needle,
        );
    }
    let unknown_ext = scratch("out.bin");
    assert_fails(
        &run(encode_args(&input, &unknown_ext).args(["--size", "1280x720"])),
        "--codec",
    );
}

#[test]
fn unreadable_inputs_and_unwritable_outputs() {
    let out_path = scratch("never.mjpeg");
    let missing = scratch("does-not-exist.nv12");
    assert_fails(
        &run(encode_args(&missing, &out_path).args(["--size", "64x64"])),
        "cannot open",
    );
    let dir_as_input = kit::scratch_dir("cli");
    assert_fails(
        &run(encode_args(&dir_as_input, &out_path).args(["--size", "64x64"])),
        "error",
    );
    let bad_out = Path::new("/nonexistent-dir/out.mjpeg");
    assert_fails(
        &run(encode_args(&pan_720p(1), bad_out).args(["--size", "1280x720"])),
        "cannot create",
    );
}

/// The frame count in "the N frames encoded before it are kept".
fn frames_kept(out: &Output) -> usize {
    let text = stderr(out);
    let tail = text
        .split("(the ")
        .nth(1)
        .unwrap_or_else(|| panic!("no kept-frames note in: {text}"));
    tail.split(' ').next().unwrap().parse().unwrap()
}

#[test]
fn a_full_disk_keeps_the_complete_frames_playable() {
    // A file-size limit makes writes fail part way through a packet, as a full disk
    // does; the shell ignores SIGXFSZ so the limit shows as a write error, not a kill.
    for (codec, bitrate, limit_kb) in [("mjpeg", "8000", 100), ("h265", "2000", 170)] {
        let out_path = scratch(&format!("limited.{codec}"));
        let mut cmd = Command::new("bash");
        cmd.arg("-c")
            .arg(format!("trap '' XFSZ; ulimit -f {limit_kb}; exec \"$@\""))
            .arg("bash")
            .arg(env!("CARGO_BIN_EXE_softvpu"))
            .arg("encode")
            .arg("-i")
            .arg(pan_720p(12))
            .arg("-o")
            .arg(&out_path)
            .args(["--size", "1280x720", "--codec", codec, "--bitrate", bitrate]);
        let out = run(&mut cmd);
        assert_fails(&out, "cannot write the output");
        let kept = frames_kept(&out);
        assert!((1..12).contains(&kept), "{codec}: {kept} frames kept");
        assert!(std::fs::metadata(&out_path).unwrap().len() <= limit_kb * 1024);
        let format = if codec == "h265" { "hevc" } else { "mjpeg" };
        assert_eq!(kit::ffmpeg_count_frames(&out_path, format), kept, "{codec}");
    }
}

#[test]
fn unsupported_y4m_is_refused() {
    for (header, needle) in [
        ("YUV4MPEG2 W64 H32 It\n", "interlaced"),
        ("YUV4MPEG2 W64 H32 C444\n", "C444"),
    ] {
        let y4m = scratch("unsupported.y4m");
        std::fs::write(&y4m, header).unwrap();
        assert_fails(
            &run(&mut encode_args(&y4m, &scratch("unsupported.mjpeg"))),
            needle,
        );
    }
}

#[test]
fn closed_pipe_is_an_error_not_a_crash() {
    let mut child = softvpu()
        .arg("encode")
        .arg("-i")
        .arg(pan_720p(30))
        .args(["-o", "-", "--size", "1280x720", "--codec", "mjpeg"])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take()); // the reader goes away at once
    let out = child.wait_with_output().unwrap();
    assert_fails(&out, "cannot write the output");
}

#[test]
fn demo_writes_a_playable_file() {
    let dir = kit::scratch_dir("cli-demo");
    let out = run(softvpu()
        .args(["demo", "--frames", "12", "--size", "320x240", "--out-dir"])
        .arg(&dir));
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("mjpeg: 12 frames 320x240"),
        "{}",
        stderr(&out)
    );
    assert_eq!(
        kit::ffmpeg_count_frames(&dir.join("demo.mjpeg"), "mjpeg"),
        12
    );
    assert!(stderr(&out).contains("h265: 12 frames 320x240"));
    assert_eq!(kit::ffmpeg_count_frames(&dir.join("demo.h265"), "hevc"), 12);
}

#[test]
fn h265_recon_matches_what_decoders_show() {
    let input = pan_720p(3);
    let stream = scratch("pan3.h265");
    let recon = scratch("pan3_recon.yuv");
    let out = run(encode_args(&input, &stream)
        .args([
            "--size", "1280x720", "--qp", "30", "--hash", "md5", "--psnr", "--recon",
        ])
        .arg(&recon));
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stderr(&out).contains("PSNR"), "{}", stderr(&out));
    let expected = std::fs::read(&recon).unwrap();
    assert_eq!(expected.len(), 1280 * 720 * 3 / 2 * 3);
    let decoded = kit::ffmpeg_decode_hevc(&stream);
    if let Some(diff) = kit::first_difference(&expected, &decoded, 1280, 720) {
        panic!("ffmpeg output differs from --recon: {diff}");
    }
}

#[test]
fn summary_reports_the_rate_and_the_quantisers() {
    let out_path = scratch("rate.mjpeg");
    let out = run(encode_args(&pan_720p(30), &out_path).args([
        "--size",
        "1280x720",
        "--bitrate",
        "20000",
    ]));
    assert!(out.status.success(), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(err.contains("rate: target 20000 kbps, actual"), "{err}");
    assert!(err.contains("quantiser: quality"), "{err}");

    let capped = scratch("capped.h265");
    let out = run(encode_args(&pan_720p(4), &capped).args([
        "--size",
        "1280x720",
        "--qp",
        "30",
        "--max-bitrate",
        "3000",
        "--aq",
        "1",
    ]));
    assert!(out.status.success(), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(err.contains("rate: cap 3000 kbps"), "{err}");
    assert!(err.contains("quantiser: QP"), "{err}");
    assert_eq!(kit::ffmpeg_count_frames(&capped, "hevc"), 4);
}

#[test]
fn bad_rate_settings_are_named() {
    for (flag, value, needle) in [
        ("--buffer", "5", "buffer"),
        ("--max-bitrate", "0", "max_bitrate"),
        ("--aq", "9", "aq_strength"),
    ] {
        let out = run(encode_args(&pan_720p(4), &scratch("bad.h265"))
            .args(["--size", "1280x720", flag, value]));
        assert_fails(&out, needle);
    }
}
