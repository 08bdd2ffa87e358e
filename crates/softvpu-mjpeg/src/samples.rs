//! Where an MCU's samples are read: straight from the NV12 planes inside the picture,
//! from a small copy with the last column and row repeated at its right and bottom edges.

use softvpu_core::Frame;

/// Luma rows and columns of an MCU; chroma has half as many rows of as many bytes
/// (interleaved Cb, Cr).
pub const MCU: usize = 16;

/// The samples of one MCU: row r of its luma (16 bytes) at `y[r * y_stride..]`, row r of
/// its interleaved chroma (8 Cb, Cr pairs) at `uv[r * uv_stride..]`. [`McuSamples::new`]
/// checks that every row is there.
#[derive(Clone, Copy, Debug)]
pub struct McuSamples<'a> {
    y: &'a [u8],
    y_stride: usize,
    uv: &'a [u8],
    uv_stride: usize,
}

impl<'a> McuSamples<'a> {
    /// `None` unless `y` holds 16 rows and `uv` 8 rows of 16 bytes at their strides.
    pub fn new(y: &'a [u8], y_stride: usize, uv: &'a [u8], uv_stride: usize) -> Option<Self> {
        let y = y.get(..(MCU - 1) * y_stride + MCU)?;
        let uv = uv.get(..(MCU / 2 - 1) * uv_stride + MCU)?;
        Some(Self {
            y,
            y_stride,
            uv,
            uv_stride,
        })
    }

    /// The luma rows and their stride: 16 rows of 16 bytes at multiples of the stride
    /// lie inside the slice (checked by [`McuSamples::new`]).
    #[inline(always)]
    pub fn y_rows(&self) -> (&'a [u8], usize) {
        (self.y, self.y_stride)
    }

    /// The chroma rows and their stride: 8 rows of 16 bytes lie inside the slice.
    #[inline(always)]
    pub fn uv_rows(&self) -> (&'a [u8], usize) {
        (self.uv, self.uv_stride)
    }

    /// Luma row `r` (< 16).
    #[inline(always)]
    pub fn y_row(&self, r: usize) -> &'a [u8; MCU] {
        row(self.y, r * self.y_stride)
    }

    /// Interleaved chroma row `r` (< 8).
    #[inline(always)]
    pub fn uv_row(&self, r: usize) -> &'a [u8; MCU] {
        row(self.uv, r * self.uv_stride)
    }

    /// The six 8x8 blocks (four luma in raster order, Cb, Cr), row-major.
    #[inline(always)]
    pub fn blocks(&self) -> [[u8; 64]; 6] {
        let mut px = [[0u8; 64]; 6];
        for r in 0..MCU {
            let (src, top) = (self.y_row(r), 2 * (r / 8));
            let at = (r % 8) * 8;
            px[top][at..at + 8].copy_from_slice(&src[..8]);
            px[top + 1][at..at + 8].copy_from_slice(&src[8..]);
        }
        let [.., cb, cr] = &mut px;
        for r in 0..MCU / 2 {
            for (i, pair) in self.uv_row(r).chunks_exact(2).enumerate() {
                cb[r * 8 + i] = pair[0];
                cr[r * 8 + i] = pair[1];
            }
        }
        px
    }
}

#[inline(always)]
fn row(plane: &[u8], start: usize) -> &[u8; MCU] {
    match plane.get(start..start + MCU).map(<&[u8; MCU]>::try_from) {
        Some(Ok(row)) => row,
        _ => unreachable!("McuSamples::new checked every row"),
    }
}

/// Room for the samples of an MCU on the picture's edge.
#[derive(Debug)]
pub struct EdgeCopy {
    y: [u8; MCU * MCU],
    uv: [u8; MCU * MCU / 2],
}

impl Default for EdgeCopy {
    fn default() -> Self {
        Self {
            y: [0; MCU * MCU],
            uv: [0; MCU * MCU / 2],
        }
    }
}

/// The samples of MCU (`mx`, `my`): views of the planes when it lies inside the picture,
/// else a copy in `edge` with the last column and row repeated.
#[inline(always)]
pub fn mcu_samples<'a>(
    frame: &Frame<'a>,
    mx: usize,
    my: usize,
    edge: &'a mut EdgeCopy,
) -> McuSamples<'a> {
    let (w, h) = (frame.width() as usize, frame.height() as usize);
    let ((y, ys), (uv, uvs)) = (frame.y_plane(), frame.uv_plane());
    if (mx + 1) * MCU <= w && (my + 1) * MCU <= h {
        let inside = McuSamples::new(
            &y[my * MCU * ys + mx * MCU..],
            ys,
            &uv[my * MCU / 2 * uvs + mx * MCU..],
            uvs,
        );
        if let Some(s) = inside {
            return s;
        }
    }
    edge.fill(frame, mx, my);
    match McuSamples::new(&edge.y, MCU, &edge.uv, MCU) {
        Some(s) => s,
        None => unreachable!("the edge copy holds a whole MCU"),
    }
}

impl EdgeCopy {
    #[cold]
    fn fill(&mut self, frame: &Frame<'_>, mx: usize, my: usize) {
        let (w, h) = (frame.width() as usize, frame.height() as usize);
        for (r, out) in self.y.chunks_exact_mut(MCU).enumerate() {
            let src = frame.y_row((my * MCU + r).min(h - 1));
            for (c, o) in out.iter_mut().enumerate() {
                *o = src[(mx * MCU + c).min(w - 1)];
            }
        }
        let (cw, ch) = (w / 2, h / 2);
        for (r, out) in self.uv.chunks_exact_mut(MCU).enumerate() {
            let src = frame.uv_row((my * MCU / 2 + r).min(ch - 1));
            for (c, pair) in out.chunks_exact_mut(2).enumerate() {
                let x = (mx * MCU / 2 + c).min(cw - 1);
                pair.copy_from_slice(&src[2 * x..2 * x + 2]);
            }
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use softvpu_core::synth::Pattern;

    /// Every sample of every block, read the slow way: clamp the coordinates.
    #[test]
    fn blocks_repeat_the_edges() {
        for (w, h) in [(2, 2), (18, 14), (64, 48), (34, 50)] {
            let nv12 = Pattern::Noise { seed: 3 }.render(w, h, 0);
            let frame = Frame::from_nv12(&nv12, w, h).unwrap();
            let (w, h) = (w as usize, h as usize);
            for my in 0..h.div_ceil(16) {
                for mx in 0..w.div_ceil(16) {
                    let mut edge = EdgeCopy::default();
                    let px = mcu_samples(&frame, mx, my, &mut edge).blocks();
                    for (i, block) in px.iter().enumerate() {
                        for (n, &got) in block.iter().enumerate() {
                            let (r, c) = (n / 8, n % 8);
                            let want = if i < 4 {
                                let y = (my * 16 + (i / 2) * 8 + r).min(h - 1);
                                let x = (mx * 16 + (i % 2) * 8 + c).min(w - 1);
                                frame.y_row(y)[x]
                            } else {
                                let y = (my * 8 + r).min(h / 2 - 1);
                                let x = (mx * 8 + c).min(w / 2 - 1);
                                frame.uv_row(y)[2 * x + i - 4]
                            };
                            assert_eq!(got, want, "{w}x{h} mcu {mx},{my} block {i} at {n}");
                        }
                    }
                }
            }
        }
    }
}
