//! Many channels at once in one process: mixed codecs, sizes, rate modes and thread
//! counts, each encoding a different crop of a natural clip on its own thread. Every
//! stream must equal the same channel encoded alone (channels share nothing), and must
//! decode in ffmpeg and libde265 (H.265) or ffmpeg (MJPEG) to its reconstruction.

use std::path::Path;
use std::sync::Barrier;

use softvpu::{Codec, Config, Encoder, Frame};
use softvpu_testkit as kit;

/// The clip every channel crops from: 1280x720.
const CLIP: (u32, u32) = (1280, 720);
const CLIP_FILE: &str = "video/pan_path_1280x720_60f.nv12";
/// Channel sizes, in turn; the largest is the whole clip.
const SIZES: [(u32, u32); 6] = [
    (64, 64),
    (176, 144),
    (320, 240),
    (96, 54),
    (640, 360),
    (1280, 720),
];

/// One channel of the run.
#[derive(Debug, Clone)]
pub struct Spec {
    pub id: usize,
    pub config: Config,
    pub frames: usize,
    /// Top-left corner of its crop of the clip.
    origin: (u32, u32),
}

impl Spec {
    pub fn name(&self) -> String {
        let c = &self.config;
        format!(
            "ch{:02}-{}-{}x{}",
            self.id,
            c.codec().name(),
            c.width(),
            c.height()
        )
    }
}

/// `count` channels of `frames` frames each, codecs alternating, sizes cycling through
/// those whose area is at most `max_area`.
pub fn mixed(count: usize, frames: usize, max_area: u32) -> Vec<Spec> {
    let sizes: Vec<_> = SIZES
        .into_iter()
        .filter(|(w, h)| w * h <= max_area)
        .collect();
    (0..count)
        .map(|id| {
            let (w, h) = sizes[(id / 2) % sizes.len()];
            let codec = if id % 2 == 0 {
                Codec::H265
            } else {
                Codec::Mjpeg
            };
            let mut config = Config::new(codec, w, h)
                .threads(1 + id % 3)
                .intra_period(8 + id as u32 % 5)
                .reconstruction(true);
            config = match (codec, id % 4) {
                (Codec::H265, 0) => config.qp(20 + (id % 20) as u8).picture_hash(true),
                (Codec::Mjpeg, 1) => config.quality(50 + (id % 45) as u8),
                // A rate that suits the size: about 0.1 bit per pixel at 30 fps.
                _ => config.bitrate_kbps((w * h * 3 / 1000).max(50)),
            };
            let origin = (
                2 * ((id as u32 * 97) % ((CLIP.0 - w) / 2 + 1)),
                2 * ((id as u32 * 53) % ((CLIP.1 - h) / 2 + 1)),
            );
            Spec {
                id,
                config,
                frames,
                origin,
            }
        })
        .collect()
}

/// The natural clip, held in memory so every channel reads it without I/O.
#[derive(Debug)]
pub struct Clip {
    frames: Vec<Vec<u8>>,
}

impl Clip {
    /// The first `frames` frames of the 720p test clip (at most its 60).
    pub fn load(frames: usize) -> Self {
        let path = kit::testdata(CLIP_FILE);
        let frames = (0..frames.min(60))
            .map(|i| kit::read_nv12_frame(&path, CLIP.0, CLIP.1, i))
            .collect();
        Self { frames }
    }

    /// Frame `index` (looping over the clip) cropped to `spec`'s size and origin.
    fn crop(&self, spec: &Spec, index: usize) -> Vec<u8> {
        let src = &self.frames[index % self.frames.len()];
        let (w, h) = (spec.config.width() as usize, spec.config.height() as usize);
        let (x0, y0) = (spec.origin.0 as usize, spec.origin.1 as usize);
        let stride = CLIP.0 as usize;
        let mut out = Vec::with_capacity(w * h * 3 / 2);
        for y in y0..y0 + h {
            out.extend_from_slice(&src[y * stride + x0..][..w]);
        }
        let chroma = &src[stride * CLIP.1 as usize..];
        for y in y0 / 2..(y0 + h) / 2 {
            out.extend_from_slice(&chroma[y * stride + x0..][..w]);
        }
        out
    }
}

/// A channel's output: the stream and the reconstruction of every frame (planar 4:2:0).
#[derive(Debug, PartialEq, Eq)]
pub struct Stream {
    pub data: Vec<u8>,
    pub recon: Vec<u8>,
}

/// Encodes one channel from start to end.
pub fn encode(spec: &Spec, clip: &Clip) -> Result<Stream, String> {
    let (w, h) = (spec.config.width(), spec.config.height());
    let mut encoder = Encoder::new(spec.config.clone()).map_err(|e| e.to_string())?;
    let mut stream = Stream {
        data: Vec::new(),
        recon: Vec::new(),
    };
    for index in 0..spec.frames {
        let nv12 = clip.crop(spec, index);
        let frame = Frame::from_nv12(&nv12, w, h).map_err(|e| e.to_string())?;
        encoder.send_frame(&frame).map_err(|e| e.to_string())?;
        let packet = encoder
            .receive_packet()
            .map_err(|e| e.to_string())?
            .ok_or("no packet for a frame")?;
        stream.data.extend_from_slice(packet.data());
        let recon = packet.reconstruction().ok_or("no reconstruction")?;
        stream.recon.extend_from_slice(&recon.to_i420());
    }
    Ok(stream)
}

/// Encodes every channel at the same time, each on its own thread, started together.
pub fn encode_at_once(specs: &[Spec], clip: &Clip) -> Vec<Result<Stream, String>> {
    let start = Barrier::new(specs.len());
    std::thread::scope(|s| {
        let workers: Vec<_> = specs
            .iter()
            .map(|spec| {
                let start = &start;
                s.spawn(move || {
                    start.wait();
                    encode(spec, clip)
                })
            })
            .collect();
        workers
            .into_iter()
            .map(|w| {
                w.join()
                    .unwrap_or_else(|_| Err("the channel's thread panicked".into()))
            })
            .collect()
    })
}

/// Checks a stream made alongside the others: the same bytes as `alone`, and decoded
/// by the independent decoders to its reconstruction. Panics with the reason.
pub fn check(spec: &Spec, stream: &Stream, alone: &Stream, dir: &Path) {
    let name = spec.name();
    assert!(
        stream.data == alone.data,
        "{name}: differs from the same channel encoded alone"
    );
    assert!(
        stream.recon == alone.recon,
        "{name}: reconstruction differs from the one alone"
    );
    let (w, h) = (spec.config.width() as usize, spec.config.height() as usize);
    let path = dir.join(format!("{name}.{}", spec.config.codec().extension()));
    std::fs::write(&path, &stream.data).unwrap_or_else(|e| panic!("{name}: {e}"));
    match spec.config.codec() {
        Codec::H265 => {
            for (decoder, decoded) in [
                ("ffmpeg", kit::ffmpeg_decode_hevc(&path)),
                ("libde265", kit::dec265_decode(&path)),
            ] {
                if let Some(diff) = kit::first_difference(&stream.recon, &decoded, w, h) {
                    panic!("{name}: {decoder}: {diff}");
                }
            }
        }
        Codec::Mjpeg => {
            let decoded = kit::ffmpeg_decode_mjpeg(&path);
            assert_eq!(
                decoded.len(),
                stream.recon.len(),
                "{name}: ffmpeg decoded size"
            );
            // Decoders' integer IDCTs round differently from the exact reconstruction.
            let worst = decoded
                .iter()
                .zip(&stream.recon)
                .map(|(a, b)| a.abs_diff(*b))
                .max();
            assert!(worst <= Some(3), "{name}: ffmpeg differs by {worst:?}");
        }
    }
    let _ = std::fs::remove_file(&path);
}
