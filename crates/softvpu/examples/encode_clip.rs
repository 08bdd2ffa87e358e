//! Benchmark driver: encodes a raw NV12 clip held in memory and prints frames/s.
//!
//! `encode_clip CODEC CLIP.nv12 WxH (q=N|qp=N|kbps=N) THREADS REPS`
//! prints `frames N fps F bytes_per_frame B` (the same line as tools/tjhelper).

use std::process::ExitCode;
use std::time::Instant;

use softvpu::{Codec, Config, Encoder, Frame};

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("encode_clip: {e}");
            ExitCode::FAILURE
        }
    }
}

fn run() -> Result<(), String> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [codec, clip, size, rate, threads, reps] = args.as_slice() else {
        return Err("usage: encode_clip CODEC CLIP.nv12 WxH (q=N|qp=N|kbps=N) THREADS REPS".into());
    };
    let codec: Codec = codec.parse().map_err(|e: softvpu::Error| e.to_string())?;
    let (w, h) = size.split_once('x').ok_or("size must be WxH")?;
    let (w, h): (u32, u32) = (
        w.parse().map_err(|_| "bad width")?,
        h.parse().map_err(|_| "bad height")?,
    );
    let threads: usize = threads.parse().map_err(|_| "bad thread count")?;
    let reps: usize = reps.parse().map_err(|_| "bad repetition count")?;
    let mut config = Config::new(codec, w, h).threads(threads);
    match rate.split_once('=') {
        Some(("q", v)) => config = config.quality(v.parse().map_err(|_| "bad quality")?),
        Some(("qp", v)) => config = config.qp(v.parse().map_err(|_| "bad qp")?),
        Some(("kbps", v)) => config = config.bitrate_kbps(v.parse().map_err(|_| "bad kbps")?),
        _ => return Err("rate must be q=N, qp=N or kbps=N".into()),
    }
    let data = std::fs::read(clip).map_err(|e| format!("{clip}: {e}"))?;
    let frame_len = Frame::nv12_len(w, h);
    let frames: Vec<Frame<'_>> = data
        .chunks_exact(frame_len)
        .map(|c| Frame::from_nv12(c, w, h))
        .collect::<Result<_, _>>()
        .map_err(|e| e.to_string())?;
    if frames.is_empty() {
        return Err("the clip holds no whole frame".into());
    }
    let mut bytes = 0usize;
    let start = Instant::now();
    // One encoder for every pass, as a camera pipeline keeps one (and as tjhelper keeps
    // one TurboJPEG handle a thread): its threads and buffers start once.
    let mut enc = Encoder::new(config).map_err(|e| e.to_string())?;
    for _ in 0..reps {
        for f in &frames {
            enc.send_frame(f).map_err(|e| e.to_string())?;
            while let Some(p) = enc.receive_packet().map_err(|e| e.to_string())? {
                bytes += p.data().len();
            }
        }
    }
    let n = frames.len() * reps;
    let secs = start.elapsed().as_secs_f64();
    println!(
        "frames {n} fps {:.2} bytes_per_frame {:.0}",
        n as f64 / secs,
        bytes as f64 / n as f64
    );
    Ok(())
}
