//! `softvpu`: encode raw NV12 or Y4M video to H.265 or MJPEG.

mod demo;
mod input;
mod progress;
mod session;
mod sink;

use std::fs::File;
use std::io::{self, BufWriter, Read, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};
use softvpu::{Codec, Config, Frame, Preset, Rational};

use input::{FrameSource, RawNv12, Y4m};
use sink::{FileSink, PacketSink, StreamSink};

#[derive(Parser)]
#[command(
    name = "softvpu",
    version,
    about = "Software H.265 / MJPEG encoder for NV12 camera frames"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Encode a raw NV12 file, stdin (`-`) or a .y4m file.
    Encode(EncodeArgs),
    /// Encode a synthetic moving clip with every available codec and print the results.
    Demo(DemoArgs),
}

#[derive(Args)]
struct EncodeArgs {
    /// Input: raw NV12 file, `-` for stdin, or a .y4m file (4:2:0, progressive).
    #[arg(short, long)]
    input: String,
    /// Output file, or `-` for stdout.
    #[arg(short, long)]
    output: String,
    /// h265 or mjpeg; taken from the output's extension when omitted.
    #[arg(long)]
    codec: Option<String>,
    /// Frame size WxH (required for raw NV12 input).
    #[arg(long, value_parser = parse_size)]
    size: Option<(u32, u32)>,
    /// Frame rate, e.g. 30 or 30000/1001 (default: the Y4M header's, else 30).
    #[arg(long, value_parser = parse_fps)]
    fps: Option<Rational>,
    /// Target bitrate in kbps.
    #[arg(long, default_value_t = 8000)]
    bitrate: u32,
    /// MJPEG quality 1..=100 (overrides --bitrate).
    #[arg(long)]
    quality: Option<u8>,
    /// H.265 constant QP 0..=51 (overrides --bitrate).
    #[arg(long)]
    qp: Option<u8>,
    /// With --qp or --quality: never exceed this many kbps (the quantiser coarsens only
    /// where it must).
    #[arg(long, value_name = "KBPS")]
    max_bitrate: Option<u32>,
    /// Rate buffer in milliseconds of the bitrate: how far the stream may run ahead of a
    /// link of that rate.
    #[arg(long, value_name = "MS", default_value_t = 1000)]
    buffer: u32,
    /// H.265 adaptive quantisation strength in bitrate modes (0 = off, 1 = typical).
    #[arg(long, value_name = "STRENGTH", default_value_t = 0.0)]
    aq: f32,
    /// H.265 speed: fast (real time, the default) or thorough (rate-distortion search of
    /// every CU size: 1.5-23 % fewer bits at equal quality, 1.1-3x the time).
    #[arg(long, value_parser = ["fast", "thorough"], default_value = "fast")]
    preset: String,
    /// Intra period in frames (0 = first frame only).
    #[arg(long, default_value_t = 30)]
    gop: u32,
    /// Worker threads (0 = all cores).
    #[arg(long, default_value_t = 0)]
    threads: usize,
    /// Encode at most N frames.
    #[arg(long)]
    frames: Option<u64>,
    /// Report PSNR-Y/U/V of the reconstruction against the input.
    #[arg(long)]
    psnr: bool,
    /// Write the reconstruction (what a decoder shows) as raw planar 4:2:0 to FILE.
    #[arg(long, value_name = "FILE")]
    recon: Option<String>,
    /// H.265: add a decoded-picture-hash SEI to every picture (decoders then verify it).
    #[arg(long, value_parser = ["md5"])]
    hash: Option<String>,
}

#[derive(Args)]
struct DemoArgs {
    /// Where to write the demo files.
    #[arg(long, default_value = "softvpu-demo")]
    out_dir: PathBuf,
    /// Frame size WxH.
    #[arg(long, value_parser = parse_size, default_value = "1280x720")]
    size: (u32, u32),
    /// Number of frames.
    #[arg(long, default_value_t = 90)]
    frames: u32,
}

fn parse_size(s: &str) -> Result<(u32, u32), String> {
    let bad = || format!("{s:?} is not a size; write WxH, e.g. 1920x1080");
    let (w, h) = s.split_once(['x', 'X']).ok_or_else(bad)?;
    Ok((
        w.trim().parse().map_err(|_| bad())?,
        h.trim().parse().map_err(|_| bad())?,
    ))
}

fn parse_fps(s: &str) -> Result<Rational, String> {
    let bad = || format!("{s:?} is not a frame rate; write e.g. 30 or 30000/1001");
    let (num, den) = s.split_once('/').unwrap_or((s, "1"));
    let (num, den): (u32, u32) = (
        num.parse().map_err(|_| bad())?,
        den.parse().map_err(|_| bad())?,
    );
    if num == 0 || den == 0 {
        return Err(bad());
    }
    Ok(Rational { num, den })
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Encode(args) => encode(args),
        Command::Demo(args) => demo::run(&args.out_dir, args.size.0, args.size.1, args.frames),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(msg) => {
            eprintln!("softvpu: error: {msg}");
            ExitCode::FAILURE
        }
    }
}

fn codec_for(args: &EncodeArgs) -> Result<Codec, String> {
    if let Some(name) = &args.codec {
        return name.parse().map_err(|e: softvpu::Error| e.to_string());
    }
    let ext = Path::new(&args.output)
        .extension()
        .and_then(|e| e.to_str())
        .unwrap_or("");
    match ext.to_ascii_lowercase().as_str() {
        "h265" | "265" | "hevc" => Ok(Codec::H265),
        "mjpeg" | "mjpg" | "jpg" | "jpeg" => Ok(Codec::Mjpeg),
        _ => Err(format!(
            "cannot tell the codec from {:?}; pass --codec h265 or --codec mjpeg",
            args.output
        )),
    }
}

/// Opens the input; the second value is the frame count when it can be known up front.
fn open_input(args: &EncodeArgs) -> Result<(Box<dyn FrameSource + Send>, Option<u64>), String> {
    let reader: Box<dyn Read + Send> = if args.input == "-" {
        Box::new(io::stdin())
    } else {
        Box::new(File::open(&args.input).map_err(|e| format!("cannot open {}: {e}", args.input))?)
    };
    let is_y4m = args.input.to_ascii_lowercase().ends_with(".y4m");
    if is_y4m {
        let source = Y4m::new(reader).map_err(|e| format!("{}: {e}", args.input))?;
        return Ok((Box::new(source), None));
    }
    let (w, h) = args
        .size
        .ok_or("raw NV12 input needs --size WxH (or use a .y4m file, which carries its size)")?;
    softvpu::validate_dimensions(w, h).map_err(|e| e.to_string())?;
    let total = std::fs::metadata(&args.input)
        .ok()
        .filter(|m| m.is_file())
        .map(|m| m.len() / Frame::nv12_len(w, h) as u64);
    Ok((Box::new(RawNv12::new(reader, w, h)), total))
}

fn encode(args: EncodeArgs) -> Result<(), String> {
    let codec = codec_for(&args)?;
    let (mut source, total) = open_input(&args)?;
    let (w, h) = source.size();
    if let Some((sw, sh)) = args
        .size
        .filter(|_| args.input.to_ascii_lowercase().ends_with(".y4m"))
    {
        if (sw, sh) != (w, h) {
            return Err(format!(
                "--size {sw}x{sh} differs from the Y4M header's {w}x{h}"
            ));
        }
    }
    let fps = args
        .fps
        .or(source.frame_rate())
        .unwrap_or(Rational { num: 30, den: 1 });
    let mut config = Config::new(codec, w, h)
        .bitrate_kbps(args.bitrate)
        .fps_ratio(fps.num, fps.den)
        .intra_period(args.gop)
        .buffer_ms(args.buffer)
        .aq_strength(args.aq)
        .preset(Preset::from_name(&args.preset).unwrap_or_default())
        .threads(args.threads);
    if let Some(q) = args.quality {
        config = config.quality(q);
    }
    if let Some(qp) = args.qp {
        config = config.qp(qp);
    }
    if let Some(kbps) = args.max_bitrate {
        config = config.max_bitrate_kbps(kbps);
    }
    if args.hash.is_some() {
        config = config.picture_hash(true);
    }
    config.validate().map_err(|e| e.to_string())?;
    softvpu::Encoder::new(config.clone()).map_err(|e| e.to_string())?;

    let mut sink: Box<dyn PacketSink + Send> = if args.output == "-" {
        Box::new(StreamSink(BufWriter::new(io::stdout())))
    } else {
        let file = File::create(&args.output)
            .map_err(|e| format!("cannot create {}: {e}", args.output))?;
        Box::new(FileSink::new(file))
    };
    let mut recon: Option<Box<dyn Write + Send>> = match &args.recon {
        Some(path) => Some(Box::new(BufWriter::new(
            File::create(path).map_err(|e| format!("cannot create {path}: {e}"))?,
        ))),
        None => None,
    };
    let outputs = session::Outputs {
        stream: sink.as_mut(),
        recon: recon
            .as_mut()
            .map(|w| w.as_mut() as &mut (dyn Write + Send)),
        psnr: args.psnr,
    };
    let outcome = session::run(source.as_mut(), config, outputs, args.frames, total)?;
    outcome.summary.print(&args.output);
    match outcome.error {
        Some(e) => Err(format!(
            "{e} (the {} frames encoded before it are kept)",
            outcome.summary.frames
        )),
        None => Ok(()),
    }
}
