//! The encode loop shared by `encode` and `demo`: frames in, packets out, statistics.

use std::io::Write;
use std::time::Instant;

use softvpu::metrics::{psnr_frame, Psnr, PsnrAverage};
use softvpu::{Config, Encoder, Frame, Packet, Quantizer, RateMode};

use crate::input::FrameSource;
use crate::progress::Progress;
use crate::sink::PacketSink;

/// What a run produced; printed as the closing summary.
#[derive(Debug)]
pub struct Summary {
    pub codec: softvpu::Codec,
    pub width: u32,
    pub height: u32,
    pub frames: u64,
    pub bytes: u64,
    pub seconds: f64,
    pub fps: f64,
    pub quantizers: Option<QuantizerRange>,
    pub psnr: Option<Psnr>,
    /// How the quantiser was chosen (the target of bitrate modes).
    pub rate_mode: RateMode,
}

/// The quantisers a run used: lowest, highest and mean (H.265: over CTUs, by area).
#[derive(Clone, Copy, Debug)]
pub struct QuantizerRange {
    pub lo: Quantizer,
    pub hi: Quantizer,
    sum: f64,
    frames: u64,
}

impl QuantizerRange {
    fn of(packet: &Packet) -> Self {
        let q = packet.quantizer();
        match (q, packet.qp_spread()) {
            (Quantizer::Qp(_), Some((lo, mean, hi))) => Self {
                lo: Quantizer::Qp(lo),
                hi: Quantizer::Qp(hi),
                sum: mean,
                frames: 1,
            },
            _ => Self {
                lo: q,
                hi: q,
                sum: f64::from(quant_value(q)),
                frames: 1,
            },
        }
    }

    fn merge(self, other: Self) -> Self {
        let pick = |a: Quantizer, b: Quantizer, lower: bool| {
            if (quant_value(b) < quant_value(a)) == lower {
                b
            } else {
                a
            }
        };
        Self {
            lo: pick(self.lo, other.lo, true),
            hi: pick(self.hi, other.hi, false),
            sum: self.sum + other.sum,
            frames: self.frames + other.frames,
        }
    }

    pub fn mean(&self) -> f64 {
        self.sum / self.frames.max(1) as f64
    }
}

impl Summary {
    pub fn kbps(&self) -> f64 {
        if self.frames == 0 {
            return 0.0;
        }
        self.bytes as f64 * 8.0 * self.fps / self.frames as f64 / 1000.0
    }

    pub fn print(&self, output: &str) {
        let speed = self.frames as f64 / self.seconds.max(1e-9);
        eprintln!(
            "{}: {} frames {}x{} in {:.2} s ({speed:.1} fps), {:.0} kbps at {:.3} fps, {} bytes -> {output}",
            self.codec, self.frames, self.width, self.height, self.seconds, self.kbps(), self.fps, self.bytes
        );
        if let Some(q) = self.quantizers {
            eprintln!(
                "  quantiser: {} .. {}, mean {:.1}",
                describe(q.lo),
                describe(q.hi),
                q.mean()
            );
        }
        match self.rate_mode {
            RateMode::Cbr { kbps } | RateMode::Capped { kbps, .. } if self.frames > 0 => {
                let kind = if matches!(self.rate_mode, RateMode::Cbr { .. }) {
                    "target"
                } else {
                    "cap"
                };
                eprintln!(
                    "  rate: {kind} {kbps} kbps, actual {:.0} kbps ({:+.1} %)",
                    self.kbps(),
                    100.0 * (self.kbps() / f64::from(kbps) - 1.0)
                );
            }
            _ => {}
        }
        if let Some(p) = self.psnr {
            eprintln!("  PSNR: Y {:.2} dB  U {:.2} dB  V {:.2} dB", p.y, p.u, p.v);
        }
    }
}

fn describe(q: Quantizer) -> String {
    match q {
        Quantizer::JpegQuality(v) => format!("quality {v}"),
        Quantizer::Qp(v) => format!("QP {v}"),
    }
}

fn quant_value(q: Quantizer) -> u8 {
    match q {
        Quantizer::JpegQuality(v) | Quantizer::Qp(v) => v,
    }
}

/// How a run ended: the summary always, and the error that stopped it early, if any.
pub struct Outcome {
    pub summary: Summary,
    pub error: Option<String>,
}

/// Where a run's results go.
pub struct Outputs<'a> {
    /// The coded stream.
    pub stream: &'a mut dyn PacketSink,
    /// Raw planar 4:2:0 reconstruction, when asked for.
    pub recon: Option<&'a mut dyn Write>,
    /// Measure PSNR against the input.
    pub psnr: bool,
}

/// Encodes up to `max_frames` frames of `source` into the outputs. Packets are written
/// as they are produced, so whatever was encoded before an error is kept.
pub fn run(
    source: &mut dyn FrameSource,
    config: Config,
    mut out: Outputs<'_>,
    max_frames: Option<u64>,
    total_hint: Option<u64>,
) -> Result<Outcome, String> {
    let want_recon = out.psnr || out.recon.is_some();
    let (width, height) = source.size();
    let fps = config.frame_rate().as_f64();
    let codec = config.codec();
    let rate_mode = config.rate_mode();
    let mut encoder = Encoder::new(config.reconstruction(want_recon)).map_err(|e| e.to_string())?;
    let mut summary = Summary {
        codec,
        width,
        height,
        frames: 0,
        bytes: 0,
        seconds: 0.0,
        fps,
        quantizers: None,
        psnr: None,
        rate_mode,
    };
    let mut psnr_avg = PsnrAverage::default();
    let mut progress = Progress::new(max_frames.or(total_hint));
    let mut buf = Vec::new();
    let start = Instant::now();
    let mut error = None;
    while max_frames.is_none_or(|m| summary.frames < m) {
        match source.read_frame(&mut buf) {
            Ok(true) => {}
            Ok(false) => break,
            Err(e) => {
                error = Some(e.to_string());
                break;
            }
        }
        if let Err(e) = encode_one(
            &mut encoder,
            &buf,
            (width, height),
            &mut out,
            &mut summary,
            &mut psnr_avg,
        ) {
            error = Some(e);
            break;
        }
        progress.update(summary.frames, summary.bytes, fps);
    }
    if let Err(e) = out.stream.finish() {
        error.get_or_insert(format!("cannot write the output: {e}"));
    }
    if let Some(Err(e)) = out.recon.as_mut().map(|r| r.flush()) {
        error.get_or_insert(format!("cannot write the reconstruction: {e}"));
    }
    progress.finish();
    summary.seconds = start.elapsed().as_secs_f64();
    summary.psnr = psnr_avg.mean();
    Ok(Outcome { summary, error })
}

fn encode_one(
    encoder: &mut Encoder,
    nv12: &[u8],
    (width, height): (u32, u32),
    out: &mut Outputs<'_>,
    summary: &mut Summary,
    psnr_avg: &mut PsnrAverage,
) -> Result<(), String> {
    let frame = Frame::from_nv12(nv12, width, height).map_err(|e| e.to_string())?;
    encoder.send_frame(&frame).map_err(|e| e.to_string())?;
    while let Some(packet) = encoder.receive_packet().map_err(|e| e.to_string())? {
        out.stream
            .write_packet(packet.data())
            .map_err(|e| format!("cannot write the output: {e}"))?;
        summary.frames += 1;
        summary.bytes += packet.data().len() as u64;
        let q = QuantizerRange::of(&packet);
        summary.quantizers = Some(summary.quantizers.map_or(q, |all| all.merge(q)));
        if let Some(recon) = packet.reconstruction() {
            if out.psnr {
                psnr_avg.add(psnr_frame(&frame, recon));
            }
            if let Some(w) = out.recon.as_mut() {
                w.write_all(&recon.to_i420())
                    .map_err(|e| format!("cannot write the reconstruction: {e}"))?;
            }
        }
    }
    Ok(())
}
