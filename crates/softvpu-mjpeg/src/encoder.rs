//! Frame encoding: MCU rows of 16x16 luma + 8x8 Cb + 8x8 Cr read straight from
//! NV12, each row an independent restart interval so bands of rows are coded
//! on separate threads and joined with RST markers.

use std::ops::Range;

use softvpu_core::{Frame, Picture};

use crate::dct::{forward_dct, inverse_dct, Quantizer};
use crate::headers::{write_headers, EOI, RST0};
use crate::huffman::{BitWriter, HuffmanCodes};
use crate::tables::{quant_table, Component, AC_CHROMA, AC_LUMA, DC_CHROMA, DC_LUMA};

/// One coded image and, on request, what a decoder reconstructs from it.
#[derive(Clone, Debug)]
pub struct JpegImage {
    pub data: Vec<u8>,
    pub recon: Option<Picture>,
}

/// The frame does not have the size the encoder was built for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SizeMismatch {
    pub expected: (u32, u32),
    pub actual: (u32, u32),
}

/// Tables derived from one quality setting, rebuilt only when the quality changes.
#[derive(Debug)]
struct QualityTables {
    quality: u8,
    luma: [u16; 64],
    chroma: [u16; 64],
    luma_quant: Quantizer,
    chroma_quant: Quantizer,
    header: Vec<u8>,
}

#[derive(Debug)]
struct Codes {
    dc: [HuffmanCodes; 2],
    ac: [HuffmanCodes; 2],
}

/// Baseline JPEG encoder for one picture size.
#[derive(Debug)]
pub struct MjpegEncoder {
    width: u32,
    height: u32,
    threads: usize,
    /// The AVX2 build of the row coder, when the CPU runs it and SIMD is allowed.
    #[cfg(target_arch = "x86_64")]
    avx2: Option<crate::x86::Avx2>,
    mcus_x: usize,
    mcus_y: usize,
    codes: Codes,
    tables: Option<QualityTables>,
}

impl MjpegEncoder {
    /// `width` and `height` must already be validated (even, 2..=4096); `threads >= 1`.
    pub fn new(width: u32, height: u32, threads: usize) -> Self {
        Self {
            width,
            height,
            threads: threads.max(1),
            #[cfg(target_arch = "x86_64")]
            avx2: crate::x86::Avx2::detect().filter(|_| softvpu_core::simd::simd_allowed()),
            mcus_x: (width as usize).div_ceil(16),
            mcus_y: (height as usize).div_ceil(16),
            codes: Codes {
                dc: [HuffmanCodes::new(&DC_LUMA), HuffmanCodes::new(&DC_CHROMA)],
                ac: [HuffmanCodes::new(&AC_LUMA), HuffmanCodes::new(&AC_CHROMA)],
            },
            tables: None,
        }
    }

    /// Encodes one frame as a complete JPEG at `quality` (1..=100).
    pub fn encode(
        &mut self,
        frame: &Frame<'_>,
        quality: u8,
        want_recon: bool,
    ) -> Result<JpegImage, SizeMismatch> {
        if (frame.width(), frame.height()) != (self.width, self.height) {
            return Err(SizeMismatch {
                expected: (self.width, self.height),
                actual: (frame.width(), frame.height()),
            });
        }
        self.prepare_tables(quality.clamp(1, 100));
        let Some(tables) = self.tables.as_ref() else {
            unreachable!("prepare_tables always fills the tables")
        };
        let mut recon = want_recon.then(|| Picture::new(self.width, self.height));
        let bands = self.bands();
        let ctx = RowCoder {
            frame,
            tables,
            codes: &self.codes,
            mcus_x: self.mcus_x,
            mcus_y: self.mcus_y,
            #[cfg(target_arch = "x86_64")]
            avx2: self.avx2,
        };
        let segments = ctx.code_bands(&bands, recon.as_mut());

        let mut data = Vec::with_capacity(
            tables.header.len() + segments.iter().map(Vec::len).sum::<usize>() + 2,
        );
        data.extend_from_slice(&tables.header);
        segments.iter().for_each(|s| data.extend_from_slice(s));
        data.extend_from_slice(&[0xFF, EOI]);
        Ok(JpegImage { data, recon })
    }

    fn prepare_tables(&mut self, quality: u8) {
        if self.tables.as_ref().is_some_and(|t| t.quality == quality) {
            return;
        }
        let luma = quant_table(Component::Luma, quality);
        let chroma = quant_table(Component::Chroma, quality);
        let mut header = Vec::with_capacity(640);
        write_headers(
            &mut header,
            self.width as u16,
            self.height as u16,
            &luma,
            &chroma,
            self.mcus_x as u16,
        );
        self.tables = Some(QualityTables {
            quality,
            luma_quant: Quantizer::new(&luma),
            chroma_quant: Quantizer::new(&chroma),
            luma,
            chroma,
            header,
        });
    }

    /// MCU row ranges, one per thread, as even as possible.
    fn bands(&self) -> Vec<Range<usize>> {
        let n = self.threads.min(self.mcus_y);
        (0..n)
            .map(|b| b * self.mcus_y / n..(b + 1) * self.mcus_y / n)
            .collect()
    }
}

/// Everything a thread needs to code MCU rows; shared read-only between bands.
pub(crate) struct RowCoder<'f, 'a> {
    frame: &'f Frame<'a>,
    tables: &'f QualityTables,
    codes: &'f Codes,
    mcus_x: usize,
    mcus_y: usize,
    #[cfg(target_arch = "x86_64")]
    avx2: Option<crate::x86::Avx2>,
}

/// A band's share of the reconstruction: whole rows of each plane.
pub(crate) struct ReconBand<'p> {
    y: &'p mut [u8],
    u: &'p mut [u8],
    v: &'p mut [u8],
}

impl RowCoder<'_, '_> {
    /// Codes every band, in parallel when there are several, and returns their
    /// entropy-coded segments in order.
    fn code_bands(&self, bands: &[Range<usize>], recon: Option<&mut Picture>) -> Vec<Vec<u8>> {
        let mut recon_bands = self.split_recon(bands, recon);
        if bands.len() == 1 {
            return vec![self.code_rows(bands[0].clone(), recon_bands.pop().flatten())];
        }
        std::thread::scope(|scope| {
            let handles: Vec<_> = bands
                .iter()
                .zip(recon_bands)
                .map(|(rows, rb)| scope.spawn(move || self.code_rows(rows.clone(), rb)))
                .collect();
            handles
                .into_iter()
                .map(|h| {
                    h.join()
                        .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
                })
                .collect()
        })
    }

    fn split_recon<'p>(
        &self,
        bands: &[Range<usize>],
        recon: Option<&'p mut Picture>,
    ) -> Vec<Option<ReconBand<'p>>> {
        let Some(pic) = recon else {
            return bands.iter().map(|_| None).collect();
        };
        let (w, h) = (pic.width as usize, pic.height as usize);
        let (mut y, mut u, mut v) = (&mut pic.y[..], &mut pic.u[..], &mut pic.v[..]);
        let mut out = Vec::with_capacity(bands.len());
        for rows in bands {
            let luma_rows = (rows.end * 16).min(h) - rows.start * 16;
            let chroma_rows = (rows.end * 8).min(h / 2) - rows.start * 8;
            let (by, ry) = std::mem::take(&mut y).split_at_mut(luma_rows * w);
            let (bu, ru) = std::mem::take(&mut u).split_at_mut(chroma_rows * w / 2);
            let (bv, rv) = std::mem::take(&mut v).split_at_mut(chroma_rows * w / 2);
            (y, u, v) = (ry, ru, rv);
            out.push(Some(ReconBand {
                y: by,
                u: bu,
                v: bv,
            }));
        }
        out
    }

    /// Codes MCU rows `rows`, each followed by a restart marker unless it is the
    /// last row of the image.
    fn code_rows(&self, rows: Range<usize>, recon: Option<ReconBand<'_>>) -> Vec<u8> {
        #[cfg(target_arch = "x86_64")]
        if let Some(cpu) = self.avx2 {
            return cpu.code_rows(self, rows, recon);
        }
        self.code_rows_portable(rows, recon)
    }

    /// [`RowCoder::code_rows`] in portable code (also built for AVX2 by `x86`).
    #[inline(always)]
    pub(crate) fn code_rows_portable(
        &self,
        rows: Range<usize>,
        mut recon: Option<ReconBand<'_>>,
    ) -> Vec<u8> {
        let first_row = rows.start;
        let bytes_per_row = self.mcus_x * 6 * 24;
        let mut writer = BitWriter::with_capacity(rows.len() * bytes_per_row);
        for row in rows {
            self.code_row(row, &mut writer, recon.as_mut().map(|r| (r, first_row)));
            writer.flush();
            if row + 1 < self.mcus_y {
                writer.marker(RST0 + (row % 8) as u8);
            }
        }
        writer.out
    }

    #[inline(always)]
    fn code_row(
        &self,
        row: usize,
        w: &mut BitWriter,
        mut recon: Option<(&mut ReconBand<'_>, usize)>,
    ) {
        let (width, height) = (self.frame.width() as usize, self.frame.height() as usize);
        let t = self.tables;
        let mut pred = [0i16; 3];
        let mut block = [0f32; 64];
        let mut zz = [0i16; 64];
        for mx in 0..self.mcus_x {
            for i in 0..4 {
                let (x0, y0) = (mx * 16 + (i % 2) * 8, row * 16 + (i / 2) * 8);
                load_block::<1>(
                    &mut block,
                    x0,
                    y0,
                    width,
                    height,
                    |y| self.frame.y_row(y),
                    0,
                );
                forward_dct(&mut block);
                t.luma_quant.quantize(&block, &mut zz);
                w.block(&zz, &mut pred[0], &self.codes.dc[0], &self.codes.ac[0]);
                if let Some((rb, first)) = recon.as_mut() {
                    store_block(rb.y, width, height, x0, y0 - *first * 16, y0, &zz, &t.luma);
                }
            }
            for (c, pred_c) in pred[1..].iter_mut().enumerate() {
                let (x0, y0) = (mx * 8, row * 8);
                load_block::<2>(
                    &mut block,
                    x0,
                    y0,
                    width / 2,
                    height / 2,
                    |y| self.frame.uv_row(y),
                    c,
                );
                forward_dct(&mut block);
                t.chroma_quant.quantize(&block, &mut zz);
                w.block(&zz, pred_c, &self.codes.dc[1], &self.codes.ac[1]);
                if let Some((rb, first)) = recon.as_mut() {
                    let plane = if c == 0 { &mut *rb.u } else { &mut *rb.v };
                    store_block(
                        plane,
                        width / 2,
                        height / 2,
                        x0,
                        y0 - *first * 8,
                        y0,
                        &zz,
                        &t.chroma,
                    );
                }
            }
        }
    }
}

/// Loads the 8x8 block at (`x0`, `y0`) of a plane `w`x`h`, level-shifted, repeating
/// the last column and row past the picture's edge. Samples are every `STEP`-th
/// byte of a row starting at `offset` (NV12 chroma: step 2, offset 0 for Cb, 1 for Cr).
/// The step is a constant so that the inner loop becomes vector loads and conversions.
#[inline(always)]
fn load_block<'r, const STEP: usize>(
    block: &mut [f32; 64],
    x0: usize,
    y0: usize,
    w: usize,
    h: usize,
    row_of: impl Fn(usize) -> &'r [u8],
    offset: usize,
) {
    let step = STEP;
    for dy in 0..8 {
        let row = row_of((y0 + dy).min(h - 1));
        let out = &mut block[dy * 8..dy * 8 + 8];
        if x0 + 8 <= w {
            let src = &row[x0 * step..][..8 * STEP];
            for (dx, o) in out.iter_mut().enumerate() {
                *o = f32::from(src[dx * STEP + offset]) - 128.0;
            }
        } else {
            for (dx, o) in out.iter_mut().enumerate() {
                *o = f32::from(row[(x0 + dx).min(w - 1) * step + offset]) - 128.0;
            }
        }
    }
}

/// Writes the visible part of a block's reconstruction into a band of a plane.
/// `band_y0` is the block's first row inside the band, `y0` inside the picture.
#[allow(clippy::too_many_arguments)]
fn store_block(
    band: &mut [u8],
    w: usize,
    h: usize,
    x0: usize,
    band_y0: usize,
    y0: usize,
    zz: &[i16; 64],
    table: &[u16; 64],
) {
    if x0 >= w || y0 >= h {
        return; // padding block of the last MCU column or row
    }
    let mut samples = [0u8; 64];
    inverse_dct(zz, table, &mut samples);
    for dy in 0..8.min(h - y0) {
        let cols = 8.min(w - x0);
        let dst = &mut band[(band_y0 + dy) * w + x0..][..cols];
        dst.copy_from_slice(&samples[dy * 8..dy * 8 + cols]);
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use softvpu_core::synth::Pattern;

    #[cfg(target_arch = "x86_64")]
    #[test]
    fn avx2_build_codes_the_same_images() {
        let Some(cpu) = crate::x86::Avx2::detect() else {
            eprintln!("no AVX2 on this CPU: nothing to compare");
            return;
        };
        let patterns = [
            Pattern::Noise { seed: 5 },
            Pattern::Edges,
            Pattern::Gradient,
            Pattern::Flat { y: 0, u: 255, v: 0 },
            Pattern::Flat {
                y: 255,
                u: 0,
                v: 255,
            },
        ];
        for (w, h) in [(64, 48), (98, 34), (2, 2), (330, 200)] {
            for (i, p) in patterns.iter().enumerate() {
                let nv12 = p.render(w, h, i as u32);
                let frame = Frame::from_nv12(&nv12, w, h).unwrap();
                for quality in [1, 50, 90, 100] {
                    let mut portable = MjpegEncoder::new(w, h, 2);
                    portable.avx2 = None;
                    let mut fast = MjpegEncoder::new(w, h, 2);
                    fast.avx2 = Some(cpu);
                    let a = portable.encode(&frame, quality, true).unwrap();
                    let b = fast.encode(&frame, quality, true).unwrap();
                    assert_eq!(a.data, b.data, "{w}x{h} pattern {i} q{quality}");
                    assert_eq!(a.recon, b.recon);
                }
            }
        }
    }
}
