//! Deterministic synthetic NV12 content for tests, fuzzing and the demo:
//! flat fields, gradients, noise, sharp edges with text, and a moving scene.

use crate::Frame;

/// A content generator. Every pattern is a pure function of its parameters,
/// the size and the frame index, so tests are repeatable.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Pattern {
    /// One colour everywhere.
    Flat { y: u8, u: u8, v: u8 },
    /// Smooth ramps in every plane.
    Gradient,
    /// Independent uniform noise in every sample.
    Noise { seed: u64 },
    /// Hard-edged bars, a checkerboard and digits.
    Edges,
    /// A scene that pans, with an object moving across it and a frame counter.
    Moving,
}

impl Pattern {
    /// Renders frame `index` as packed NV12. `width` and `height` must be even.
    pub fn render(self, width: u32, height: u32, index: u32) -> Vec<u8> {
        let (w, h) = (width as usize, height as usize);
        let mut buf = vec![0u8; Frame::nv12_len(width, height)];
        let (luma, chroma) = buf.split_at_mut(w * h);
        match self {
            Self::Flat { y, u, v } => {
                luma.fill(y);
                fill_chroma(chroma, |_, _| (u, v), w);
            }
            Self::Gradient => gradient(luma, chroma, w, h),
            Self::Noise { seed } => {
                let mut rng = SplitMix64(seed ^ u64::from(index).wrapping_mul(0x9E37_79B9));
                luma.iter_mut()
                    .chain(chroma.iter_mut())
                    .for_each(|s| *s = rng.next() as u8);
            }
            Self::Edges => edges(luma, chroma, w, h),
            Self::Moving => moving(luma, chroma, w, h, index),
        }
        buf
    }
}

fn fill_chroma(chroma: &mut [u8], f: impl Fn(usize, usize) -> (u8, u8), w: usize) {
    for (i, pair) in chroma.chunks_exact_mut(2).enumerate() {
        let (u, v) = f(i % (w / 2), i / (w / 2));
        pair[0] = u;
        pair[1] = v;
    }
}

fn ramp(pos: usize, len: usize) -> u8 {
    (pos * 255 / len.max(2).saturating_sub(1).max(1)).min(255) as u8
}

fn gradient(luma: &mut [u8], chroma: &mut [u8], w: usize, h: usize) {
    for (i, s) in luma.iter_mut().enumerate() {
        let (x, y) = (i % w, i / w);
        *s = ((ramp(x, w) as u16 + ramp(y, h) as u16) / 2) as u8;
    }
    fill_chroma(chroma, |x, y| (ramp(x, w / 2), 255 - ramp(y, h / 2)), w);
}

fn edges(luma: &mut [u8], chroma: &mut [u8], w: usize, h: usize) {
    for (i, s) in luma.iter_mut().enumerate() {
        let (x, y) = (i % w, i / w);
        *s = if y < h / 3 {
            if (x / 3) % 2 == 0 {
                16
            } else {
                235
            }
        } else if y < 2 * h / 3 {
            if ((x / 8) + (y / 8)) % 2 == 0 {
                0
            } else {
                255
            }
        } else {
            40
        };
    }
    draw_digits(luma, w, h, "0123456789", 0, 2 * h / 3 + 1, 3);
    fill_chroma(
        chroma,
        |x, y| {
            if (x / 4 + y / 4) % 2 == 0 {
                (64, 200)
            } else {
                (200, 64)
            }
        },
        w,
    );
}

fn moving(luma: &mut [u8], chroma: &mut [u8], w: usize, h: usize, t: u32) {
    let t = t as usize;
    // A textured background panning right and down by fractional steps.
    for (i, s) in luma.iter_mut().enumerate() {
        let (x, y) = (i % w + t * 3, i / w + t);
        let wave = ((x * 7 + y * 3) % 64) as i32 - 32;
        let blocks = if (x / 24 + y / 16) % 2 == 0 { 40 } else { 0 };
        *s = (110 + wave + blocks).clamp(0, 255) as u8;
    }
    // A bright square moving left against the pan.
    let size = (w.min(h) / 4).max(2);
    let x0 = (w + size)
        .saturating_sub((t * 5) % (w + size))
        .saturating_sub(size);
    let y0 = h / 2 - size / 2;
    for y in y0..(y0 + size).min(h) {
        for x in x0..(x0 + size).min(w) {
            luma[y * w + x] = 220;
        }
    }
    draw_digits(luma, w, h, &format!("{t:04}"), 2, 2, (h / 60).max(1));
    fill_chroma(
        chroma,
        |x, y| {
            (
                128u8.wrapping_add(((x + t) % 32) as u8),
                128u8.wrapping_sub(((y + t) % 32) as u8),
            )
        },
        w,
    );
}

/// 3x5 bitmaps of the digits, one row of three bits per entry, top first.
const DIGITS: [[u8; 5]; 10] = [
    [7, 5, 5, 5, 7],
    [2, 6, 2, 2, 7],
    [7, 1, 7, 4, 7],
    [7, 1, 3, 1, 7],
    [5, 5, 7, 1, 1],
    [7, 4, 7, 1, 7],
    [7, 4, 7, 5, 7],
    [7, 1, 1, 2, 2],
    [7, 5, 7, 5, 7],
    [7, 5, 7, 1, 7],
];

/// Draws `text` (digits only) in white at (`x0`, `y0`), each bitmap pixel `scale` samples wide.
fn draw_digits(
    luma: &mut [u8],
    w: usize,
    h: usize,
    text: &str,
    x0: usize,
    y0: usize,
    scale: usize,
) {
    for (n, ch) in text.bytes().filter(u8::is_ascii_digit).enumerate() {
        let glyph = DIGITS[(ch - b'0') as usize];
        for (gy, bits) in glyph.iter().enumerate() {
            for gx in 0..3 {
                if bits & (4 >> gx) == 0 {
                    continue;
                }
                let (px, py) = (x0 + (n * 4 + gx) * scale, y0 + gy * scale);
                for y in py..(py + scale).min(h) {
                    for x in px..(px + scale).min(w) {
                        luma[y * w + x] = 255;
                    }
                }
            }
        }
    }
}

/// A small, fast, seedable generator (SplitMix64) so tests never depend on the clock.
#[derive(Clone, Debug)]
pub struct SplitMix64(pub u64);

impl SplitMix64 {
    #[allow(clippy::should_implement_trait)]
    pub fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A value in `0..n` (`n > 0`).
    pub fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_pattern_renders_every_size() {
        let patterns = [
            Pattern::Flat { y: 1, u: 2, v: 3 },
            Pattern::Gradient,
            Pattern::Noise { seed: 7 },
            Pattern::Edges,
            Pattern::Moving,
        ];
        for p in patterns {
            for (w, h) in [(2, 2), (18, 14), (64, 36), (640, 360)] {
                let buf = p.render(w, h, 3);
                assert!(Frame::from_nv12(&buf, w, h).is_ok());
                assert_eq!(buf, p.render(w, h, 3), "deterministic");
            }
        }
    }

    #[test]
    fn moving_scene_moves() {
        let a = Pattern::Moving.render(64, 64, 0);
        let b = Pattern::Moving.render(64, 64, 1);
        assert_ne!(a, b);
    }
}
