//! A one-line progress display on stderr, shown only when stderr is a terminal.

use std::io::{IsTerminal, Write};
use std::time::{Duration, Instant};

#[derive(Debug)]
pub struct Progress {
    enabled: bool,
    total: Option<u64>,
    start: Instant,
    last_draw: Option<Instant>,
}

impl Progress {
    /// `total` frames, when known, draws a bar.
    pub fn new(total: Option<u64>) -> Self {
        Self {
            enabled: std::io::stderr().is_terminal(),
            total,
            start: Instant::now(),
            last_draw: None,
        }
    }

    /// Redraws at most ten times a second.
    pub fn update(&mut self, frames: u64, bytes: u64, fps: f64) {
        if !self.enabled
            || self
                .last_draw
                .is_some_and(|t| t.elapsed() < Duration::from_millis(100))
        {
            return;
        }
        self.last_draw = Some(Instant::now());
        let secs = self.start.elapsed().as_secs_f64().max(1e-9);
        let speed = frames as f64 / secs;
        let kbps = if frames > 0 {
            bytes as f64 * 8.0 * fps / frames as f64 / 1000.0
        } else {
            0.0
        };
        let bar = match self.total {
            Some(total) if total > 0 => {
                let done = ((frames.min(total) * 30) / total) as usize;
                format!(
                    "[{}{}] {frames}/{total}",
                    "#".repeat(done),
                    ".".repeat(30 - done)
                )
            }
            _ => format!("{frames} frames"),
        };
        eprint!("\r{bar}  {speed:.1} fps  {kbps:.0} kbps ");
        let _ = std::io::stderr().flush();
    }

    /// Clears the line before the summary is printed.
    pub fn finish(&self) {
        if self.enabled && self.last_draw.is_some() {
            eprint!("\r{}\r", " ".repeat(79));
        }
    }
}
