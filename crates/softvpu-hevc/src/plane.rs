//! Owned 8-bit sample planes at the coded (padded) size.

use crate::rows::copy_rows;

/// One plane of 8-bit samples, rows `stride` bytes apart.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Plane {
    pub width: usize,
    pub height: usize,
    pub stride: usize,
    pub data: Vec<u8>,
}

impl Plane {
    /// A plane filled with mid-grey (128).
    pub fn new(width: usize, height: usize) -> Self {
        Self {
            width,
            height,
            stride: width,
            data: vec![128; width * height],
        }
    }

    #[inline]
    pub fn at(&self, x: usize, y: usize) -> u8 {
        self.data[y * self.stride + x]
    }

    #[inline]
    pub fn set(&mut self, x: usize, y: usize, v: u8) {
        self.data[y * self.stride + x] = v;
    }

    #[inline]
    pub fn row(&self, y: usize) -> &[u8] {
        &self.data[y * self.stride..y * self.stride + self.width]
    }

    #[inline]
    pub fn row_mut(&mut self, y: usize) -> &mut [u8] {
        let s = y * self.stride;
        &mut self.data[s..s + self.width]
    }

    /// Copies an `n`x`n` block at (`x`, `y`) into `out` (row stride `n`).
    pub fn read_block(&self, x: usize, y: usize, n: usize, out: &mut [u8]) {
        let at = y * self.stride + x;
        copy_rows(out, n, &self.data[at..], self.stride, n, n);
    }

    /// Writes an `n`x`n` block (row stride `n`) at (`x`, `y`).
    pub fn write_block(&mut self, x: usize, y: usize, n: usize, block: &[u8]) {
        let at = y * self.stride + x;
        copy_rows(&mut self.data[at..], self.stride, block, n, n, n);
    }

    /// The `w`x`h` rectangle at (`x`, `y`), rows packed into `out` (cleared first).
    pub fn rect(&self, x: usize, y: usize, w: usize, h: usize, out: &mut Vec<u8>) {
        out.clear();
        for r in y..y + h {
            out.extend_from_slice(&self.data[r * self.stride + x..][..w]);
        }
    }

    /// Writes a rectangle that [`Plane::rect`] took.
    pub fn put_rect(&mut self, x: usize, y: usize, w: usize, rect: &[u8]) {
        let at = y * self.stride + x;
        copy_rows(
            &mut self.data[at..],
            self.stride,
            rect,
            w,
            w,
            rect.len() / w,
        );
    }

    /// Copies rows `rows` of `other` (same size) into this plane.
    pub fn copy_rows(&mut self, other: &Plane, rows: std::ops::Range<usize>) {
        let span = rows.start * self.stride..rows.end * self.stride;
        self.data[span.clone()].copy_from_slice(&other.data[span]);
    }
}

/// A 4:2:0 picture: `planes[0]` is luma, `planes[1]` Cb, `planes[2]` Cr.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Yuv {
    pub planes: [Plane; 3],
}

impl Yuv {
    /// A mid-grey picture; `width` and `height` must be even.
    pub fn new(width: usize, height: usize) -> Self {
        let c = || Plane::new(width / 2, height / 2);
        Self {
            planes: [Plane::new(width, height), c(), c()],
        }
    }

    pub fn width(&self) -> usize {
        self.planes[0].width
    }

    pub fn height(&self) -> usize {
        self.planes[0].height
    }

    /// Copies luma rows `rows` (even bounds) of `other` and the chroma rows beside them.
    pub fn copy_rows(&mut self, other: &Yuv, rows: std::ops::Range<usize>) {
        for (c, (dst, src)) in self.planes.iter_mut().zip(&other.planes).enumerate() {
            let shift = usize::from(c > 0);
            dst.copy_rows(src, rows.start >> shift..rows.end >> shift);
        }
    }
}
