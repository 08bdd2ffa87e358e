//! Many channels at once: COUNT encoders (mixed codecs, sizes up to 720p, rate modes and
//! thread counts) encode FRAMES frames each of a natural clip, all at the same time in
//! this process. Every stream must equal the same channel encoded alone and decode in
//! ffmpeg and libde265 (H.265) or ffmpeg (MJPEG) to its reconstruction.
//!
//!     channels [COUNT] [FRAMES]        defaults: 32 channels of 30 frames

use std::process::ExitCode;
use std::time::Instant;

use softvpu_stress::channels::{self, Clip};
use softvpu_stress::memory::resident_kib;
use softvpu_testkit as kit;

fn main() -> ExitCode {
    let mut args = std::env::args().skip(1);
    let mut number = |default: usize| match args.next() {
        Some(a) => a.parse::<usize>().ok().filter(|&n| n > 0),
        None => Some(default),
    };
    let (Some(count), Some(frames)) = (number(32), number(30)) else {
        eprintln!("usage: channels [COUNT] [FRAMES]");
        return ExitCode::FAILURE;
    };
    let specs = channels::mixed(count, frames, 1280 * 720);
    let clip = Clip::load(frames);
    let start = Instant::now();
    let together = channels::encode_at_once(&specs, &clip);
    let seconds = start.elapsed().as_secs_f64();
    let peak = resident_kib().map_or(0, |(_, peak)| peak);
    println!(
        "{count} channels x {frames} frames at once: {seconds:.1} s, {:.1} frames/s in all, peak resident {:.1} MiB",
        (count * frames) as f64 / seconds,
        peak as f64 / 1024.0
    );
    let dir = kit::scratch_dir("channels-run");
    let mut failed = 0;
    for (spec, stream) in specs.iter().zip(together) {
        // The checks panic with their reason; one failing stream must not hide the rest.
        let checked = std::panic::catch_unwind(|| {
            let stream = stream.unwrap_or_else(|e| panic!("{e}"));
            let alone = channels::encode(spec, &clip).unwrap_or_else(|e| panic!("{e}"));
            channels::check(spec, &stream, &alone, &dir);
            stream.data.len()
        });
        match checked {
            Ok(bytes) => println!(
                "  {}: {bytes} bytes, conformant, same as alone",
                spec.name()
            ),
            Err(_) => {
                println!("  {}: FAILED", spec.name());
                failed += 1;
            }
        }
    }
    println!(
        "{} of {count} streams checked and conformant",
        count - failed
    );
    if failed == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}
