//! Reference pictures with their edges repeated into a margin on every side.
//!
//! Motion compensation takes reference samples outside the picture from its nearest edge
//! (8.5.3.3.3.1). With the edges repeated into a margin once per picture, a prediction
//! window that reaches past the picture is read in place like any other; only windows
//! beyond the margin are copied sample by sample ([`PaddedPlane::gather`]).

use crate::plane::{Plane, Yuv};

/// Margin of the luma plane in samples (chroma: half of it). Whole-sample motion search
/// goes at most this far past the picture's edge, so its windows and those of most
/// fractional vectors stay inside.
pub const LUMA_MARGIN: usize = 80;

/// A plane's samples with `margin` copies of its edge samples beyond every side.
#[derive(Clone, Debug)]
pub struct PaddedPlane {
    /// The picture's size, without the margin.
    pub width: usize,
    pub height: usize,
    pub margin: usize,
    pub stride: usize,
    data: Vec<u8>,
}

impl PaddedPlane {
    /// A mid-grey `width` x `height` plane with a margin of `margin` samples.
    pub fn new(width: usize, height: usize, margin: usize) -> Self {
        let stride = width + 2 * margin;
        Self {
            width,
            height,
            margin,
            stride,
            data: vec![128; stride * (height + 2 * margin)],
        }
    }

    /// `plane` (of this size) with its edges repeated into the margin.
    pub fn of(plane: &Plane, margin: usize) -> Self {
        let mut padded = Self::new(plane.width, plane.height, margin);
        padded.fill(plane);
        padded
    }

    /// Copies `plane` (of this size) in and repeats its edges into the margin.
    pub fn fill(&mut self, plane: &Plane) {
        assert_eq!((plane.width, plane.height), (self.width, self.height));
        let (m, w, stride) = (self.margin, self.width, self.stride);
        for y in 0..self.height {
            let src = plane.row(y);
            let row = &mut self.data[(y + m) * stride..][..stride];
            row[..m].fill(src[0]);
            row[m..m + w].copy_from_slice(src);
            row[m + w..].fill(src[w - 1]);
        }
        let (first, last) = (m * stride, (m + self.height - 1) * stride);
        for r in 0..m {
            self.data.copy_within(first..first + stride, r * stride);
            let below = (m + self.height + r) * stride;
            self.data.copy_within(last..last + stride, below);
        }
    }

    /// The `w` x `h` window whose top-left sample is at picture position (`x`, `y`), rows
    /// [`PaddedPlane::stride`] apart, when it lies within the margin.
    #[inline]
    pub fn window(&self, x: i32, y: i32, w: usize, h: usize) -> Option<&[u8]> {
        let m = self.margin as i32;
        let (px, py) = (x + m, y + m);
        let fits = px >= 0
            && py >= 0
            && px as usize + w <= self.stride
            && py as usize + h <= self.height + 2 * self.margin;
        fits.then(|| &self.data[py as usize * self.stride + px as usize..])
    }

    /// Row `y` of the picture, without the margin.
    #[inline]
    pub fn row(&self, y: usize) -> &[u8] {
        &self.data[(y + self.margin) * self.stride + self.margin..][..self.width]
    }

    /// Copies the `w` x `h` window at picture position (`x`, `y`) into `out` (rows `w`
    /// apart), each coordinate outside the picture taken from its nearest edge: for windows
    /// beyond the margin.
    pub fn gather(&self, x: i32, y: i32, w: usize, h: usize, out: &mut Vec<u8>) {
        out.clear();
        out.reserve(w * h);
        let (pw, ph) = (self.width as i32, self.height as i32);
        let wi = w as i32;
        let left = (-x).clamp(0, wi);
        let right = (x + wi - pw).clamp(0, wi - left);
        let inside = if left + right < wi {
            (x + left) as usize..(x + wi - right) as usize
        } else {
            0..0 // wholly outside
        };
        for r in 0..h {
            let row = self.row((y + r as i32).clamp(0, ph - 1) as usize);
            out.extend(std::iter::repeat_n(row[0], left as usize));
            out.extend_from_slice(&row[inside.clone()]);
            out.extend(std::iter::repeat_n(row[row.len() - 1], right as usize));
        }
    }
}

/// A reference picture's three planes, each with its margin.
#[derive(Clone, Debug)]
pub struct PaddedYuv {
    pub planes: [PaddedPlane; 3],
}

impl PaddedYuv {
    /// A mid-grey picture; `width` and `height` must be even.
    pub fn new(width: usize, height: usize) -> Self {
        let c = || PaddedPlane::new(width / 2, height / 2, LUMA_MARGIN / 2);
        Self {
            planes: [PaddedPlane::new(width, height, LUMA_MARGIN), c(), c()],
        }
    }

    /// `pic` with its edges repeated into the margins.
    pub fn of(pic: &Yuv) -> Self {
        let mut padded = Self::new(pic.width(), pic.height());
        padded.fill(pic);
        padded
    }

    /// Copies `pic` (of this size) in and repeats its edges into the margins.
    pub fn fill(&mut self, pic: &Yuv) {
        for (dst, src) in self.planes.iter_mut().zip(&pic.planes) {
            dst.fill(src);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn noise_plane(w: usize, h: usize, seed: u32) -> Plane {
        let mut p = Plane::new(w, h);
        let mut s = seed;
        for v in p.data.iter_mut() {
            s = s.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
            *v = (s >> 24) as u8;
        }
        p
    }

    /// The sample a reference read at (`x`, `y`) takes: the nearest one inside the picture.
    fn clamped(p: &Plane, x: i32, y: i32) -> u8 {
        let x = x.clamp(0, p.width as i32 - 1) as usize;
        let y = y.clamp(0, p.height as i32 - 1) as usize;
        p.at(x, y)
    }

    #[test]
    fn windows_and_gathers_read_the_nearest_picture_sample() {
        let p = noise_plane(24, 16, 5);
        let padded = PaddedPlane::of(&p, 6);
        let mut out = Vec::new();
        let mut inside = 0;
        for (x, y, w, h) in [
            (0, 0, 8, 8),
            (-6, -6, 36, 28),
            (-7, 0, 8, 8),
            (0, -7, 8, 8),
            (-5, -3, 16, 8),
            (20, 12, 16, 8),
            (23, 15, 7, 7),
            (23, 15, 8, 7),
            (-40, 30, 8, 4),
            (40, -9, 8, 4),
            (-4, 2, 40, 3),
        ] {
            padded.gather(x, y, w, h, &mut out);
            assert_eq!(out.len(), w * h);
            let window = padded.window(x, y, w, h);
            inside += usize::from(window.is_some());
            for r in 0..h {
                for c in 0..w {
                    let want = clamped(&p, x + c as i32, y + r as i32);
                    assert_eq!(
                        out[r * w + c],
                        want,
                        "gather ({x},{y}) {w}x{h} at ({c},{r})"
                    );
                    if let Some(win) = window {
                        let got = win[r * padded.stride + c];
                        assert_eq!(got, want, "window ({x},{y}) {w}x{h} at ({c},{r})");
                    }
                }
            }
        }
        // The margin's own extent reads in place; one sample more does not.
        assert_eq!(inside, 4);
    }

    #[test]
    fn refilling_replaces_every_sample() {
        let (a, b) = (noise_plane(10, 6, 1), noise_plane(10, 6, 2));
        let mut padded = PaddedPlane::of(&a, 3);
        padded.fill(&b);
        let fresh = PaddedPlane::of(&b, 3);
        assert_eq!(padded.data, fresh.data);
        assert_eq!(padded.row(5), b.row(5));
    }
}
