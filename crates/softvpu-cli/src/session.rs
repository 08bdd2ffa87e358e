//! The encode loop shared by `encode` and `demo`: frames in, packets out, statistics.

use std::io::Write;
use std::sync::mpsc::{channel, sync_channel, Receiver, Sender, SyncSender};
use std::time::Instant;

use softvpu::metrics::{Psnr, PsnrAverage};
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

/// Where a run's results go (written from a thread of their own, hence `Send`).
pub struct Outputs<'a> {
    /// The coded stream.
    pub stream: &'a mut (dyn PacketSink + Send),
    /// Raw planar 4:2:0 reconstruction, when asked for.
    pub recon: Option<&'a mut (dyn Write + Send)>,
    /// Measure PSNR against the input.
    pub psnr: bool,
}

/// Coded frames queued for writing: enough that reading, encoding and writing overlap.
/// (The reader fills one frame while the encoder codes another: each is a frame's memory,
/// 3 MB at 1080p, and more read ahead did not make encoding faster.)
const WRITE_QUEUE: usize = 2;

/// What the writing thread counted, and the error that stopped it, if any.
struct Written {
    frames: u64,
    bytes: u64,
    quantizers: Option<QuantizerRange>,
    psnr: PsnrAverage,
    error: Option<String>,
}

/// Encodes up to `max_frames` frames of `source` into the outputs. Reading, encoding and
/// writing run on threads of their own, so that input and output overlap the encoder's
/// serial parts (PSNR, when asked for, is measured by the encoder). Packets are written
/// as they are produced, so whatever was encoded before an error is kept.
pub fn run(
    source: &mut (dyn FrameSource + Send),
    config: Config,
    out: Outputs<'_>,
    max_frames: Option<u64>,
    total_hint: Option<u64>,
) -> Result<Outcome, String> {
    let (width, height) = source.size();
    let fps = config.frame_rate().as_f64();
    let codec = config.codec();
    let rate_mode = config.rate_mode();
    let config = config.reconstruction(out.recon.is_some()).psnr(out.psnr);
    let mut encoder = Encoder::new(config).map_err(|e| e.to_string())?;
    let progress = Progress::new(max_frames.or(total_hint));
    let start = Instant::now();
    let (to_encoder, inbox) = sync_channel::<Vec<u8>>(0);
    let (to_writer, coded) = sync_channel::<Vec<Packet>>(WRITE_QUEUE);
    let (to_reader, free) = channel::<Vec<u8>>();
    // One frame being read, one being encoded.
    for _ in 0..2 {
        let _ = to_reader.send(Vec::new());
    }
    let (read_error, encode_error, written) = std::thread::scope(|scope| {
        let reader = scope.spawn(move || read_frames(source, max_frames, &to_encoder, &free));
        let writer = scope.spawn(move || write_frames(out, fps, progress, &coded));
        let encode_error = encode_frames(
            &mut encoder,
            (width, height),
            &inbox,
            &to_writer,
            &to_reader,
        )
        .err();
        // Hang up on both: a reader waiting to hand over a frame stops.
        drop((inbox, to_writer, to_reader));
        let read_error = reader
            .join()
            .unwrap_or_else(|e| std::panic::resume_unwind(e));
        let written = writer
            .join()
            .unwrap_or_else(|e| std::panic::resume_unwind(e));
        (read_error, encode_error, written)
    });
    let summary = Summary {
        codec,
        width,
        height,
        frames: written.frames,
        bytes: written.bytes,
        seconds: start.elapsed().as_secs_f64(),
        fps,
        quantizers: written.quantizers,
        psnr: written.psnr.mean(),
        rate_mode,
    };
    // The first failure in the pipeline's order explains the others.
    let error = read_error.err().or(encode_error).or(written.error);
    Ok(Outcome { summary, error })
}

/// The reading thread: fills buffers handed back through `free` and passes them on until
/// the input ends, `max_frames` are read or the encoder hangs up.
fn read_frames(
    source: &mut (dyn FrameSource + Send),
    max_frames: Option<u64>,
    to_encoder: &SyncSender<Vec<u8>>,
    free: &Receiver<Vec<u8>>,
) -> Result<(), String> {
    let mut read = 0u64;
    while max_frames.is_none_or(|m| read < m) {
        let Ok(mut buf) = free.recv() else {
            return Ok(());
        };
        if !source.read_frame(&mut buf).map_err(|e| e.to_string())? {
            return Ok(());
        }
        read += 1;
        if to_encoder.send(buf).is_err() {
            return Ok(());
        }
    }
    Ok(())
}

/// The encoding loop (the calling thread): every frame's packets go to the writer, its
/// buffer back to the reader.
fn encode_frames(
    encoder: &mut Encoder,
    (width, height): (u32, u32),
    inbox: &Receiver<Vec<u8>>,
    to_writer: &SyncSender<Vec<Packet>>,
    to_reader: &Sender<Vec<u8>>,
) -> Result<(), String> {
    for nv12 in inbox {
        let frame = Frame::from_nv12(&nv12, width, height).map_err(|e| e.to_string())?;
        encoder.send_frame(&frame).map_err(|e| e.to_string())?;
        let _ = to_reader.send(nv12);
        let mut packets = Vec::new();
        while let Some(packet) = encoder.receive_packet().map_err(|e| e.to_string())? {
            packets.push(packet);
        }
        if to_writer.send(packets).is_err() {
            break; // the writer stopped on an error, which it reports
        }
    }
    Ok(())
}

/// The writing thread: writes each frame's packets and reconstruction and collects their
/// statistics. Stops at the first write error.
fn write_frames(
    mut out: Outputs<'_>,
    fps: f64,
    mut progress: Progress,
    coded: &Receiver<Vec<Packet>>,
) -> Written {
    let mut w = Written {
        frames: 0,
        bytes: 0,
        quantizers: None,
        psnr: PsnrAverage::default(),
        error: None,
    };
    for packets in coded {
        if let Err(e) = write_one(&mut out, &packets, &mut w) {
            w.error = Some(e);
            break;
        }
        progress.update(w.frames, w.bytes, fps);
    }
    if let Err(e) = out.stream.finish() {
        w.error
            .get_or_insert(format!("cannot write the output: {e}"));
    }
    if let Some(Err(e)) = out.recon.as_mut().map(|r| r.flush()) {
        w.error
            .get_or_insert(format!("cannot write the reconstruction: {e}"));
    }
    progress.finish();
    w
}

fn write_one(out: &mut Outputs<'_>, packets: &[Packet], w: &mut Written) -> Result<(), String> {
    for packet in packets {
        out.stream
            .write_packet(packet.data())
            .map_err(|e| format!("cannot write the output: {e}"))?;
        w.frames += 1;
        w.bytes += packet.data().len() as u64;
        let q = QuantizerRange::of(packet);
        w.quantizers = Some(w.quantizers.map_or(q, |all| all.merge(q)));
        if let Some(p) = packet.psnr() {
            w.psnr.add(p);
        }
        if let (Some(r), Some(recon)) = (out.recon.as_mut(), packet.reconstruction()) {
            r.write_all(&recon.to_i420())
                .map_err(|e| format!("cannot write the reconstruction: {e}"))?;
        }
    }
    Ok(())
}
