//! `softvpu demo`: encodes a synthetic moving clip with every available codec.

use std::fs::File;
use std::path::Path;

use softvpu::synth::Pattern;
use softvpu::{Codec, Config, Encoder, Error, Rational};

use crate::input::{FrameSource, InputError};
use crate::session;
use crate::sink::FileSink;

/// The moving test scene, rendered frame by frame in memory.
struct SyntheticClip {
    width: u32,
    height: u32,
    next: u32,
    frames: u32,
}

impl FrameSource for SyntheticClip {
    fn size(&self) -> (u32, u32) {
        (self.width, self.height)
    }

    fn frame_rate(&self) -> Option<Rational> {
        Some(Rational { num: 30, den: 1 })
    }

    fn read_frame(&mut self, nv12: &mut Vec<u8>) -> Result<bool, InputError> {
        if self.next == self.frames {
            return Ok(false);
        }
        *nv12 = Pattern::Moving.render(self.width, self.height, self.next);
        self.next += 1;
        Ok(true)
    }
}

pub fn run(out_dir: &Path, width: u32, height: u32, frames: u32) -> Result<(), String> {
    std::fs::create_dir_all(out_dir)
        .map_err(|e| format!("cannot create {}: {e}", out_dir.display()))?;
    eprintln!("softvpu demo: {frames} synthetic frames of {width}x{height} at 30 fps");
    let mut produced = 0;
    for codec in [Codec::H265, Codec::Mjpeg] {
        let config = Config::new(codec, width, height).bitrate_kbps(8000);
        match Encoder::new(config.clone()) {
            Err(Error::UnsupportedCodec { .. }) => {
                eprintln!("{codec}: skipped, not available in this build");
                continue;
            }
            Err(e) => return Err(e.to_string()),
            Ok(_) => {}
        }
        let path = out_dir.join(format!("demo.{}", codec.extension()));
        let file =
            File::create(&path).map_err(|e| format!("cannot create {}: {e}", path.display()))?;
        let mut sink = FileSink::new(file);
        let mut clip = SyntheticClip {
            width,
            height,
            next: 0,
            frames,
        };
        let outputs = session::Outputs {
            stream: &mut sink,
            recon: None,
            psnr: true,
        };
        let outcome = session::run(&mut clip, config, outputs, None, Some(u64::from(frames)))?;
        outcome.summary.print(&path.display().to_string());
        if let Some(e) = outcome.error {
            return Err(e);
        }
        produced += 1;
    }
    if produced == 0 {
        return Err("no codec is available".into());
    }
    Ok(())
}
