//! The squared error of a picture's reconstruction against its source, per plane, summed
//! while the picture is coded (for PSNR): each CTU row's lines that no later filtering
//! changes as soon as the row is deblocked, on the thread that deblocks it and while its
//! samples are still in cache; the lines around each boundary between rows once that
//! boundary is filtered.

use std::ops::Range;

use crate::dist::sse;
use crate::plane::Yuv;

/// Lines on each side of a CTU-row boundary that filtering the boundary may change after
/// both rows are deblocked: luma deblocking changes three, chroma one; one more to spare.
const MARGIN_LUMA: usize = 4;
const MARGIN_CHROMA: usize = 2;

/// The displayed part of the picture, whose error is measured.
#[derive(Clone, Copy, Debug)]
pub(crate) struct SseArea {
    pub width: usize,
    pub height: usize,
}

impl SseArea {
    /// The error of the lines of the CTU row covering luma lines `band` that filtering the
    /// row's boundaries with its neighbours leaves alone: all but a margin at each.
    pub fn row_interior(
        &self,
        src: &Yuv,
        rec: &Yuv,
        band: Range<usize>,
        first: bool,
        last: bool,
    ) -> [u64; 3] {
        let inner = |r: Range<usize>, margin: usize| {
            let start = if first { r.start } else { r.start + margin };
            let end = if last { r.end } else { r.end - margin };
            start..end.max(start)
        };
        let chroma = band.start / 2..band.end / 2;
        self.lines(
            src,
            rec,
            inner(band, MARGIN_LUMA),
            inner(chroma, MARGIN_CHROMA),
        )
    }

    /// The error of the lines around the boundary between two CTU rows at luma line `y`.
    pub fn boundary(&self, src: &Yuv, rec: &Yuv, y: usize) -> [u64; 3] {
        let c = y / 2;
        self.lines(
            src,
            rec,
            y - MARGIN_LUMA..y + MARGIN_LUMA,
            c - MARGIN_CHROMA..c + MARGIN_CHROMA,
        )
    }

    /// The error of luma lines `luma` and chroma lines `chroma`, inside the displayed area.
    fn lines(&self, src: &Yuv, rec: &Yuv, luma: Range<usize>, chroma: Range<usize>) -> [u64; 3] {
        std::array::from_fn(|c| {
            let (lines, w, h) = if c == 0 {
                (luma.clone(), self.width, self.height)
            } else {
                (chroma.clone(), self.width / 2, self.height / 2)
            };
            let (start, end) = (lines.start.min(h), lines.end.min(h));
            if start >= end {
                return 0;
            }
            let (a, b) = (&src.planes[c], &rec.planes[c]);
            sse(
                &a.data[start * a.stride..],
                a.stride,
                &b.data[start * b.stride..],
                b.stride,
                w,
                end - start,
            )
        })
    }
}

/// Adds `b` to `a`, plane by plane.
pub(crate) fn add(a: &mut [u64; 3], b: [u64; 3]) {
    for (x, y) in a.iter_mut().zip(b) {
        *x += y;
    }
}
