//! Soak run: one H.265 and one MJPEG channel encode FRAMES small frames side by side,
//! while a third channel is opened, used and dropped every 1000 frames. Resident memory
//! is sampled throughout and must stay flat after the warm-up (the first 10 %); at the
//! end the last H.265 intra period is decoded (rusty_h265) and compared with the
//! reconstruction.
//!
//!     soak [FRAMES] [WxH]        defaults: 100000 frames of 128x96
//!
//! Prints the figures and exits non-zero when memory grew or a check failed.

use std::process::ExitCode;
use std::time::Instant;

use softvpu::synth::Pattern;
use softvpu::{Config, Encoder, Frame, Packet};
use softvpu_stress::decode;
use softvpu_stress::memory::Trace;

/// Growth after the warm-up that counts as a leak.
const MAX_GROWTH_KIB: u64 = 1024;
/// Distinct input frames, rendered once and cycled.
const LOOP: u32 = 60;

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("soak: FAILED: {e}");
            ExitCode::FAILURE
        }
    }
}

fn run() -> Result<(), String> {
    let mut args = std::env::args().skip(1);
    let frames: u64 = match args.next() {
        Some(a) => a.parse().map_err(|_| format!("not a frame count: {a}"))?,
        None => 100_000,
    };
    let (w, h) = match args.next() {
        Some(a) => parse_size(&a)?,
        None => (128, 96),
    };
    let inputs: Vec<Vec<u8>> = (0..LOOP).map(|i| Pattern::Moving.render(w, h, i)).collect();
    let open = |config: Config| Encoder::new(config).map_err(|e| e.to_string());
    let mut hevc = open(
        Config::h265(w, h)
            .bitrate_kbps(100)
            .threads(2)
            .reconstruction(true),
    )?;
    let mut mjpeg = open(Config::mjpeg(w, h).bitrate_kbps(3000).threads(2))?;
    let warmup = (frames / 10).max(1000).min(frames);
    let mut trace = Trace::default();
    let mut period = Period::default();
    let (mut bytes, start) = ([0u64; 2], Instant::now());
    for n in 0..frames {
        let nv12 = &inputs[(n % u64::from(LOOP)) as usize];
        let frame = Frame::from_nv12(nv12, w, h).map_err(|e| e.to_string())?;
        let packet = encode(&mut hevc, &frame)?;
        bytes[0] += packet.data().len() as u64;
        period.add(&packet);
        bytes[1] += encode(&mut mjpeg, &frame)?.data().len() as u64;
        if n % 1000 == 0 {
            // Channels come and go in a long-running process too.
            let mut churn = open(Config::h265(w, h).qp(30).threads(2))?;
            encode(&mut churn, &frame)?;
            trace.sample(n >= warmup);
        }
        if (n + 1) % (frames / 10).max(1) == 0 {
            println!(
                "{:>7} frames  {:>6.0} fps  resident {:>6} KiB",
                n + 1,
                2.0 * (n + 1) as f64 / start.elapsed().as_secs_f64(),
                trace.last
            );
        }
    }
    trace.sample(true);
    let kbps = |b: u64| b as f64 * 8.0 * 30.0 / frames.max(1) as f64 / 1000.0;
    println!(
        "{frames} frames each of H.265 ({:.0} kbps) and MJPEG ({:.0} kbps) at {w}x{h} in {:.1} s",
        kbps(bytes[0]),
        kbps(bytes[1]),
        start.elapsed().as_secs_f64()
    );
    println!(
        "resident memory: peak {} KiB, after warm-up {} KiB, growth after warm-up {} KiB (limit {MAX_GROWTH_KIB})",
        trace.peak,
        trace.after_warmup.unwrap_or(0),
        trace.growth()
    );
    let checked = period.check(w, h)?;
    println!("last intra period ({checked} pictures) decodes to the reconstruction");
    if trace.growth() > MAX_GROWTH_KIB {
        return Err(format!(
            "resident memory grew {} KiB after the warm-up",
            trace.growth()
        ));
    }
    Ok(())
}

fn parse_size(s: &str) -> Result<(u32, u32), String> {
    let (w, h) = s
        .split_once('x')
        .ok_or_else(|| format!("not a size: {s}"))?;
    let parse = |v: &str| v.parse().map_err(|_| format!("not a size: {s}"));
    Ok((parse(w)?, parse(h)?))
}

fn encode(encoder: &mut Encoder, frame: &Frame<'_>) -> Result<Packet, String> {
    encoder.send_frame(frame).map_err(|e| e.to_string())?;
    encoder
        .receive_packet()
        .map_err(|e| e.to_string())?
        .ok_or_else(|| "no packet for a frame".into())
}

/// The H.265 packets and reconstructions since the last IDR.
#[derive(Default)]
struct Period {
    stream: Vec<u8>,
    recon: Vec<Vec<u8>>,
}

impl Period {
    fn add(&mut self, packet: &Packet) {
        if packet.is_keyframe() {
            self.stream.clear();
            self.recon.clear();
        }
        self.stream.extend_from_slice(packet.data());
        if let Some(r) = packet.reconstruction() {
            self.recon.push(r.to_i420());
        }
    }

    /// Decodes the period and compares every picture; returns how many there were.
    fn check(&self, w: u32, h: u32) -> Result<usize, String> {
        let decoded =
            decode::hevc(&self.stream).map_err(|e| format!("the last intra period: {e}"))?;
        if decoded != self.recon {
            return Err(format!(
                "the last intra period ({} pictures, {w}x{h}) decodes to {} pictures that differ \
                 from the reconstruction",
                self.recon.len(),
                decoded.len()
            ));
        }
        Ok(decoded.len())
    }
}
