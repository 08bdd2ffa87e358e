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

    /// Rows `rows` of this plane, whole, into `out` (cleared first).
    pub fn rows_out(&self, rows: std::ops::Range<usize>, out: &mut Vec<u8>) {
        out.clear();
        out.extend_from_slice(&self.data[rows.start * self.stride..rows.end * self.stride]);
    }

    /// Writes rows that [`Plane::rows_out`] took of the same rows of a plane this size.
    pub fn rows_in(&mut self, rows: std::ops::Range<usize>, band: &[u8]) {
        self.data[rows.start * self.stride..rows.end * self.stride].copy_from_slice(band);
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

    /// Luma rows `rows` (even) and the chroma rows beside them, whole, into `out`.
    pub fn rows_out(&self, rows: std::ops::Range<usize>, out: &mut [Vec<u8>; 3]) {
        for (c, (plane, out)) in self.planes.iter().zip(out).enumerate() {
            let shift = usize::from(c > 0);
            plane.rows_out(rows.start >> shift..rows.end >> shift, out);
        }
    }

    /// Writes rows that [`Yuv::rows_out`] took of a picture this size.
    pub fn rows_in(&mut self, rows: std::ops::Range<usize>, band: &[Vec<u8>; 3]) {
        for (c, (plane, band)) in self.planes.iter_mut().zip(band).enumerate() {
            let shift = usize::from(c > 0);
            plane.rows_in(rows.start >> shift..rows.end >> shift, band);
        }
    }
}
