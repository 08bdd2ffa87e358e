//! Test support shared by the conformance, quality and CLI tests: where the
//! natural test clips live, and how to run the external decoders and anchors
//! (ffmpeg, libjpeg-turbo). Missing tools are test failures, never skips: the
//! test script installs them.
#![allow(clippy::unwrap_used, clippy::missing_panics_doc)]

pub mod scenes;

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::OnceLock;

use softvpu_core::Picture;

/// The workspace root (two levels above this crate).
pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .unwrap()
}

/// Scratch space for test outputs, unique per test name.
pub fn scratch_dir(name: &str) -> PathBuf {
    let dir = workspace_root().join("target/test-scratch").join(name);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// The directory made by `../shared/data/make_data.sh` (`$SOFTVPU_TESTDATA`, or
/// `target/testdata`).
pub fn testdata_dir() -> PathBuf {
    let dir = std::env::var_os("SOFTVPU_TESTDATA")
        .map(PathBuf::from)
        .unwrap_or_else(|| workspace_root().join("target/testdata"));
    assert!(
        dir.join("SHA256SUMS").is_file(),
        "test clips missing in {}: run scripts/test.sh, or ../shared/data/make_data.sh {0}",
        dir.display()
    );
    dir
}

/// A file of the test clips, e.g. `stills/Path_1920x1080.nv12`.
pub fn testdata(rel: &str) -> PathBuf {
    let path = testdata_dir().join(rel);
    assert!(path.is_file(), "missing test clip {}", path.display());
    path
}

/// Names of the natural stills at a size, e.g. `1920x1080`.
pub fn stills(size: &str) -> Vec<PathBuf> {
    ["Path", "FallenLeaf", "BytheWater"]
        .iter()
        .map(|n| testdata(&format!("stills/{n}_{size}.nv12")))
        .collect()
}

/// Frame `index` of a packed NV12 clip.
pub fn read_nv12_frame(path: &Path, width: u32, height: u32, index: usize) -> Vec<u8> {
    use std::io::{Read, Seek, SeekFrom};
    let len = width as usize * height as usize * 3 / 2;
    let mut f = std::fs::File::open(path).unwrap();
    f.seek(SeekFrom::Start((len * index) as u64)).unwrap();
    let mut buf = vec![0; len];
    f.read_exact(&mut buf).unwrap();
    buf
}

/// Runs a command, failing the test with its stderr when it fails.
pub fn run(cmd: &mut Command) -> Output {
    let out = cmd
        .stdin(Stdio::null())
        .output()
        .unwrap_or_else(|e| panic!("cannot run {cmd:?}: {e}"));
    assert!(
        out.status.success(),
        "{cmd:?} failed: {}\n{}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

/// Decodes a JPEG with ffmpeg to planar 4:2:0 (no range or colour conversion).
pub fn ffmpeg_decode_jpeg(jpeg: &Path, width: u32, height: u32) -> Picture {
    let out = run(Command::new("ffmpeg")
        .args(["-v", "error", "-xerror", "-i"])
        .arg(jpeg)
        .args(["-f", "rawvideo", "-pix_fmt", "yuvj420p", "-"]));
    assert!(
        out.stderr.is_empty(),
        "ffmpeg reported: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    Picture::from_i420(&out.stdout, width, height).unwrap_or_else(|| {
        panic!(
            "ffmpeg decoded {} bytes, not a {width}x{height} picture",
            out.stdout.len()
        )
    })
}

/// Decodes a stream of concatenated JPEGs with ffmpeg; panics on any decoder message.
/// Returns planar 4:2:0 frames.
pub fn ffmpeg_decode_mjpeg(stream: &Path) -> Vec<u8> {
    ffmpeg_decode_raw(&["-f", "mjpeg"], stream, "yuvj420p")
}

/// Runs ffmpeg on `stream` with the input options `input`, to raw `pix_fmt` frames;
/// panics on any decoder message.
fn ffmpeg_decode_raw(input: &[&str], stream: &Path, pix_fmt: &str) -> Vec<u8> {
    let out = run(Command::new("ffmpeg")
        .args(["-v", "error", "-xerror"])
        .args(input)
        .arg("-i")
        .arg(stream)
        .args(["-f", "rawvideo", "-pix_fmt", pix_fmt, "-"]));
    assert!(
        out.stderr.is_empty(),
        "ffmpeg reported on {}: {}",
        stream.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

/// Decodes a JPEG with libjpeg-turbo's `djpeg` and returns the size it reports.
pub fn djpeg_size(jpeg: &Path) -> (u32, u32) {
    let out = run(Command::new("djpeg").arg(jpeg));
    let header = String::from_utf8_lossy(&out.stdout[..out.stdout.len().min(32)]).to_string();
    let mut fields = header.split_ascii_whitespace().skip(1);
    let w = fields.next().unwrap().parse().unwrap();
    let h = fields.next().unwrap().parse().unwrap();
    (w, h)
}

/// The TurboJPEG helper (`tools/tjhelper.c`), compiled once per test run.
pub fn tjhelper() -> PathBuf {
    static PATH: OnceLock<PathBuf> = OnceLock::new();
    PATH.get_or_init(|| {
        let root = workspace_root();
        let bin = root.join("target/tools/tjhelper");
        std::fs::create_dir_all(bin.parent().unwrap()).unwrap();
        run(Command::new("gcc")
            .args(["-O2", "-Wall", "-o"])
            .arg(&bin)
            .arg(root.join("tools/tjhelper.c"))
            .args(["-lturbojpeg", "-lpthread"]));
        bin
    })
    .clone()
}

/// Compresses NV12 planes with libjpeg-turbo's `tjCompressFromYUVPlanes`.
pub fn turbojpeg_compress(nv12: &Path, width: u32, height: u32, quality: u8, out: &Path) {
    run(Command::new(tjhelper())
        .arg("compress")
        .args([width.to_string(), height.to_string(), quality.to_string()])
        .arg(nv12)
        .arg(out));
}

/// Decodes a JPEG with libjpeg-turbo to planar 4:2:0.
pub fn turbojpeg_decode(jpeg: &Path, width: u32, height: u32) -> Picture {
    let yuv = jpeg.with_extension("tj.i420");
    let out = run(Command::new(tjhelper()).arg("decode").arg(jpeg).arg(&yuv));
    assert_eq!(
        String::from_utf8_lossy(&out.stdout).trim(),
        format!("{width} {height}")
    );
    Picture::from_i420(&std::fs::read(&yuv).unwrap(), width, height).unwrap()
}

/// Counts the frames ffmpeg decodes from a file, with ffmpeg's errors as a failure.
pub fn ffmpeg_count_frames(path: &Path, format: &str) -> usize {
    let out = run(Command::new("ffprobe")
        .args([
            "-v",
            "error",
            "-count_frames",
            "-select_streams",
            "v:0",
            "-show_entries",
        ])
        .args(["stream=nb_read_frames", "-of", "csv=p=0", "-f", format])
        .arg(path));
    assert!(
        out.stderr.is_empty(),
        "ffprobe reported: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout)
        .trim()
        .trim_end_matches(',')
        .parse()
        .unwrap()
}

/// Decodes an H.265 elementary stream with ffmpeg, verifying every picture-hash SEI
/// (`-err_detect crccheck`); panics on any decoder message. Returns planar 4:2:0 frames.
pub fn ffmpeg_decode_hevc(stream: &Path) -> Vec<u8> {
    ffmpeg_decode_raw(
        &["-err_detect", "crccheck", "-f", "hevc"],
        stream,
        "yuv420p",
    )
}

/// Decodes an H.265 elementary stream with libde265's `dec265`, checking the picture hashes
/// (`-c`); panics on any error it reports. Returns planar 4:2:0 frames.
pub fn dec265_decode(stream: &Path) -> Vec<u8> {
    let yuv = stream.with_extension("dec265.yuv");
    let out = run(Command::new("libde265-dec265")
        .args(["-q", "-c", "-t", "0", "-o"])
        .arg(&yuv)
        .arg(stream));
    let text =
        String::from_utf8_lossy(&out.stderr).to_string() + &String::from_utf8_lossy(&out.stdout);
    let lower = text.to_ascii_lowercase();
    assert!(
        !lower.contains("error") && !lower.contains("mismatch") && !lower.contains("warning"),
        "dec265 reported on {}: {text}",
        stream.display()
    );
    let data = std::fs::read(&yuv).unwrap_or_else(|e| panic!("dec265 wrote no output: {e}"));
    let _ = std::fs::remove_file(&yuv);
    data
}

/// Where two sequences of planar 4:2:0 frames first differ: "frame F plane P at (x, y):
/// expected A, decoded B", or a length mismatch; `None` when they are equal.
pub fn first_difference(
    expected: &[u8],
    actual: &[u8],
    width: usize,
    height: usize,
) -> Option<String> {
    let frame_len = width * height * 3 / 2;
    if expected.len() != actual.len() {
        return Some(format!(
            "{} frames expected, {} bytes decoded ({} frames)",
            expected.len() / frame_len,
            actual.len(),
            actual.len() as f64 / frame_len as f64
        ));
    }
    let i = expected.iter().zip(actual).position(|(a, b)| a != b)?;
    let (frame, mut off) = (i / frame_len, i % frame_len);
    let luma = width * height;
    let (plane, w) = if off < luma {
        ("Y", width)
    } else if off < luma + luma / 4 {
        off -= luma;
        ("U", width / 2)
    } else {
        off -= luma + luma / 4;
        ("V", width / 2)
    };
    Some(format!(
        "frame {frame} plane {plane} at ({}, {}): expected {}, decoded {}",
        off % w,
        off / w,
        expected[i],
        actual[i]
    ))
}
