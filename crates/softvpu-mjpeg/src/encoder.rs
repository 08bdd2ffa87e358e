//! Frame encoding: MCU rows of 16x16 luma + 8x8 Cb + 8x8 Cr read straight from
//! NV12, each row an independent restart interval so bands of rows are coded
//! on separate threads (each taking the next band left) and joined with RST markers.

use std::ops::Range;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

use softvpu_core::metrics::frame_rows_sse;
use softvpu_core::{Frame, Picture};

use crate::dct::{inverse_dct, transform_block, Coefs, Quantizer};
use crate::headers::{write_headers, EOI, RST0};
use crate::huffman::{BitWriter, CodeSet, Mcu, ZigzagBlock};
use crate::samples::{mcu_samples, EdgeCopy, McuSamples};
use crate::tables::{quant_table, Component};

/// One coded image and, on request, what a decoder reconstructs from it.
#[derive(Clone, Debug)]
pub struct JpegImage {
    pub data: Vec<u8>,
    pub recon: Option<Picture>,
    /// The reconstruction's squared error against the frame per plane (Y, Cb, Cr), when
    /// [`MjpegEncoder::measure_error`] asks for it.
    pub sse: Option<[u64; 3]>,
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

/// Bands per thread when several code a frame: about one MCU row a band at 1080p, so the
/// threads finish within a row of each other (a band costs only a job and a copy).
const BANDS_PER_THREAD: usize = 32;

/// At most this long the caller waits awake for the helpers' last bands (at most a band's
/// time) before it sleeps until they end.
const SPIN_LIMIT: Duration = Duration::from_micros(200);

/// A value alone in its cache lines (128 bytes: adjacent-line prefetch pairs them), so
/// that threads writing neighbours in a slice do not contend for a line.
#[derive(Debug, Default)]
#[repr(align(128))]
struct OwnLine<T>(T);

/// Baseline JPEG encoder for one picture size.
#[derive(Debug)]
pub struct MjpegEncoder {
    width: u32,
    height: u32,
    threads: usize,
    /// The x86 kernels (AVX2 or SSE2), unless SIMD is turned off.
    #[cfg(target_arch = "x86_64")]
    x86: Option<crate::x86::Cpu>,
    mcus_x: usize,
    mcus_y: usize,
    codes: CodeSet,
    tables: Option<QualityTables>,
    /// Each band's entropy-coded segment, kept so frames reuse the memory.
    segments: Vec<Vec<u8>>,
    /// The size of the last image: room reserved for the next, so that joining the
    /// bands rarely moves the image.
    last_len: usize,
    /// One bit writer per thread, kept so frames reuse their buffers.
    writers: Vec<OwnLine<BitWriter>>,
    /// The helper threads (all but the caller's), started by the first frame that has
    /// several bands and kept: starting threads every frame costs more than a band.
    helpers: Option<rayon_core::ThreadPool>,
    /// Measure each image's error (see [`JpegImage::sse`]).
    measure_error: bool,
    /// The reconstruction the error is measured on when the caller does not want it, kept
    /// from frame to frame (every sample is written each frame).
    error_recon: Option<Picture>,
}

impl MjpegEncoder {
    /// `width` and `height` must already be validated (even, 2..=4096); `threads >= 1`.
    pub fn new(width: u32, height: u32, threads: usize) -> Self {
        Self {
            width,
            height,
            threads: threads.max(1),
            #[cfg(target_arch = "x86_64")]
            x86: softvpu_core::simd::simd_allowed().then(crate::x86::Cpu::detect),
            mcus_x: (width as usize).div_ceil(16),
            mcus_y: (height as usize).div_ceil(16),
            codes: CodeSet::annex_k(),
            tables: None,
            segments: Vec::new(),
            last_len: 0,
            writers: Vec::new(),
            helpers: None,
            measure_error: false,
            error_recon: None,
        }
    }

    /// Measure each image's squared error against its frame while coding it (each band
    /// on the thread that coded it).
    pub fn measure_error(&mut self, on: bool) {
        self.measure_error = on;
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
        let (w, h) = (self.width, self.height);
        let mut recon = if want_recon {
            Some(Picture::new(w, h))
        } else if self.measure_error {
            Some(
                self.error_recon
                    .take()
                    .unwrap_or_else(|| Picture::new(w, h)),
            )
        } else {
            None
        };
        let bands = self.bands();
        let ctx = RowCoder {
            frame,
            tables,
            codes: &self.codes,
            mcus_x: self.mcus_x,
            mcus_y: self.mcus_y,
            measure_error: self.measure_error,
            #[cfg(target_arch = "x86_64")]
            x86: self.x86,
        };
        self.segments.resize_with(bands.len(), Vec::new);
        let segments = &mut self.segments[..bands.len()];
        segments.iter_mut().for_each(Vec::clear);
        // The first band codes after the headers, so that its buffer becomes the image
        // (with one band, nothing is copied) and the other bands join it.
        segments[0].reserve(self.last_len + self.last_len / 8);
        segments[0].extend_from_slice(&tables.header);
        self.writers.resize_with(self.threads, OwnLine::default);
        if self.threads > 1 && bands.len() > 1 && self.helpers.is_none() {
            // Without helpers (the system refused threads) the caller codes every band.
            self.helpers = rayon_core::ThreadPoolBuilder::new()
                .num_threads(self.threads - 1)
                .thread_name(|i| format!("softvpu-mjpeg-{i}"))
                .build()
                .ok();
        }
        let writers = match self.helpers {
            Some(_) => &mut self.writers[..],
            None => &mut self.writers[..1],
        };
        let sse = ctx.code_bands(
            self.helpers.as_ref(),
            writers,
            &bands,
            segments,
            recon.as_mut(),
        );

        let mut data = std::mem::take(&mut segments[0]);
        data.extend_from_slice(&[0xFF, EOI]);
        self.last_len = data.len();
        if !want_recon {
            self.error_recon = recon.take();
        }
        Ok(JpegImage {
            data,
            recon,
            sse: self.measure_error.then_some(sse),
        })
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

    /// MCU row ranges, as even as possible: one with one thread, else several per thread,
    /// which the threads take in turn so that they finish together whatever the content.
    fn bands(&self) -> Vec<Range<usize>> {
        let per_thread = if self.threads == 1 {
            1
        } else {
            BANDS_PER_THREAD
        };
        even_bands(self.mcus_y, self.threads * per_thread)
    }
}

/// `rows` split into at most `n` consecutive bands whose lengths differ by at most one,
/// the longer ones first: the threads end on the short ones, which keeps the last thread's
/// lone work short (ending on a band of two rows at 1080p left one thread idle for 1.5
/// bands a frame).
fn even_bands(rows: usize, n: usize) -> Vec<Range<usize>> {
    let n = n.clamp(1, rows.max(1));
    let (base, longer) = (rows / n, rows % n);
    let mut start = 0;
    (0..n)
        .map(|b| {
            let len = base + usize::from(b < longer);
            start += len;
            start - len..start
        })
        .collect()
}

/// Coded bands joined in order into the first: the bands after it wait here until every
/// band before them is in.
struct Joiner<'s> {
    image: Option<&'s mut Vec<u8>>,
    waiting: Vec<Option<&'s mut Vec<u8>>>,
    /// The first band not yet joined.
    next: usize,
    /// The squared error of the bands' reconstructions so far, per plane.
    sse: [u64; 3],
}

impl<'s> Joiner<'s> {
    fn new(bands: usize) -> Self {
        Self {
            image: None,
            waiting: (0..bands).map(|_| None).collect(),
            next: 0,
            sse: [0; 3],
        }
    }

    /// Takes coded band `band` and joins every band now ready.
    fn add(&mut self, band: usize, segment: &'s mut Vec<u8>) {
        self.waiting[band] = Some(segment);
        while let Some(segment) = self.waiting.get_mut(self.next).and_then(Option::take) {
            match &mut self.image {
                Some(image) => image.extend_from_slice(segment),
                None => self.image = Some(segment),
            }
            self.next += 1;
        }
    }
}

/// Everything a thread needs to code MCU rows; shared read-only between bands.
pub(crate) struct RowCoder<'f, 'a> {
    frame: &'f Frame<'a>,
    tables: &'f QualityTables,
    codes: &'f CodeSet,
    mcus_x: usize,
    mcus_y: usize,
    /// Measure each band's error against the frame (bands then carry reconstructions).
    measure_error: bool,
    #[cfg(target_arch = "x86_64")]
    x86: Option<crate::x86::Cpu>,
}

/// A band's share of the reconstruction: whole rows of each plane.
pub(crate) struct ReconBand<'p> {
    y: &'p mut [u8],
    u: &'p mut [u8],
    v: &'p mut [u8],
}

/// The two halves of coding an MCU, each the portable code or an x86 kernel that
/// computes the same: the level shift, DCT and quantisation of its six blocks (with the
/// luma and the chroma quantiser), and their entropy coding.
pub(crate) trait Kernels: Copy {
    /// How the transform leaves a block for the coder.
    type Block: ZigzagBlock;
    fn transform(self, src: &McuSamples<'_>, quant: [&Quantizer; 2], out: &mut [Self::Block; 6]);
    fn code(
        self,
        w: &mut BitWriter,
        blocks: &[Self::Block; 6],
        pred: &mut [i16; 3],
        codes: &CodeSet,
    );
}

/// The portable kernels, vectorised by the compiler.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Portable;

impl Kernels for Portable {
    type Block = Coefs;

    #[inline(always)]
    fn transform(self, src: &McuSamples<'_>, quant: [&Quantizer; 2], out: &mut Mcu) {
        for (i, (px, out)) in src.blocks().iter().zip(out).enumerate() {
            transform_block(px, quant[usize::from(i >= 4)], out);
        }
    }

    #[inline(always)]
    fn code(self, w: &mut BitWriter, blocks: &Mcu, pred: &mut [i16; 3], codes: &CodeSet) {
        code_mcu(w, blocks, pred, codes);
    }
}

/// Out of line so the bit writer's state stays in registers.
#[inline(never)]
fn code_mcu(w: &mut BitWriter, blocks: &Mcu, pred: &mut [i16; 3], codes: &CodeSet) {
    w.mcu(blocks, pred, codes);
}

impl RowCoder<'_, '_> {
    /// Codes every band on up to one thread per writer, each band after the bytes of its
    /// buffer of `segments` (capacity kept from frame to frame, but for the first), and
    /// joins them in order into the first: each band as soon as those before it are in,
    /// by the thread that finished it, so that little is left to join when the last ends.
    /// Returns the squared error of the reconstruction per plane (zero unless measured).
    fn code_bands(
        &self,
        helpers: Option<&rayon_core::ThreadPool>,
        writers: &mut [OwnLine<BitWriter>],
        bands: &[Range<usize>],
        segments: &mut [Vec<u8>],
        recon: Option<&mut Picture>,
    ) -> [u64; 3] {
        let jobs: Vec<_> = bands
            .iter()
            .zip(segments.iter_mut())
            .zip(self.split_recon(bands, recon))
            .enumerate()
            .map(|(band, ((rows, out), rb))| Mutex::new(Some((band, rows.clone(), out, rb))))
            .collect();
        let next = AtomicUsize::new(0);
        let joiner = Mutex::new(Joiner::new(jobs.len()));
        // Each worker takes the next band not yet taken until none is left; returns how
        // many it coded.
        let work = |writer: &mut BitWriter| {
            let mut coded = 0u32;
            while let Some(job) = jobs.get(next.fetch_add(1, Ordering::Relaxed)) {
                let taken = job.lock().unwrap_or_else(PoisonError::into_inner).take();
                if let Some((band, rows, out, mut rb)) = taken {
                    self.code_rows(rows.clone(), writer, out, rb.as_mut());
                    let sse = rb
                        .filter(|_| self.measure_error)
                        .map_or([0; 3], |rb| self.band_sse(rows, &rb));
                    let mut joiner = joiner.lock().unwrap_or_else(PoisonError::into_inner);
                    joiner.add(band, out);
                    for (total, s) in joiner.sse.iter_mut().zip(sse) {
                        *total += s;
                    }
                    coded += 1;
                }
            }
            coded
        };
        let sse = || joiner.lock().unwrap_or_else(PoisonError::into_inner).sse;
        let Some((mine, others)) = writers.split_first_mut() else {
            return [0; 3];
        };
        let n = others.len().min(jobs.len().saturating_sub(1));
        let Some(pool) = helpers.filter(|_| n > 0) else {
            work(&mut mine.0);
            return sse();
        };
        let work = &work;
        let helpers_done = AtomicUsize::new(0);
        let helpers_done = &helpers_done;
        // A helper's panic resumes on this thread when the scope ends.
        pool.in_place_scope(|scope| {
            for w in &mut others[..n] {
                scope.spawn(move |_| {
                    let _ = work(&mut w.0);
                    helpers_done.fetch_add(1, Ordering::Release);
                });
            }
            let start = Instant::now();
            // This thread works too. The helpers are then at most a band from the end:
            // waiting for them here, awake (for about a band's time), spares the wake-up
            // that sleeping until the scope ends would cost: tens of microseconds a frame,
            // 2-3 % of a 1080p frame's time.
            let coded = work(&mut mine.0);
            let band_time = start.elapsed() / coded.max(1);
            let deadline = Instant::now() + band_time.min(SPIN_LIMIT);
            while helpers_done.load(Ordering::Acquire) < n && Instant::now() < deadline {
                std::hint::spin_loop();
            }
        });
        sse()
    }

    /// The squared error of MCU rows `rows` as reconstructed in `rb`, per plane.
    fn band_sse(&self, rows: Range<usize>, rb: &ReconBand<'_>) -> [u64; 3] {
        let h = self.frame.height() as usize;
        let luma = rows.start * 16..(rows.end * 16).min(h);
        frame_rows_sse(self.frame, luma, [&*rb.y, &*rb.u, &*rb.v])
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

    /// Codes MCU rows `rows` after the bytes of `out`, each row followed by a restart
    /// marker unless it is the last row of the image.
    fn code_rows(
        &self,
        rows: Range<usize>,
        w: &mut BitWriter,
        out: &mut Vec<u8>,
        recon: Option<&mut ReconBand<'_>>,
    ) {
        #[cfg(target_arch = "x86_64")]
        if let Some(cpu) = self.x86 {
            return cpu.code_rows(self, rows, w, out, recon);
        }
        self.code_rows_with(Portable, rows, w, out, recon);
    }

    /// [`RowCoder::code_rows`] with kernels `k` (also built for AVX2 by `x86`).
    #[inline(always)]
    pub(crate) fn code_rows_with<K: Kernels>(
        &self,
        k: K,
        rows: Range<usize>,
        writer: &mut BitWriter,
        out: &mut Vec<u8>,
        mut recon: Option<&mut ReconBand<'_>>,
    ) {
        let first_row = rows.start;
        out.reserve(rows.len() * self.mcus_x * 6 * 24);
        writer.restart(std::mem::take(out));
        for row in rows {
            let recon = recon.as_deref_mut().map(|r| (r, first_row));
            self.code_row(k, row, writer, recon);
            writer.flush();
            if row + 1 < self.mcus_y {
                writer.marker(RST0 + (row % 8) as u8);
            }
        }
        *out = writer.take();
    }

    #[inline(always)]
    fn code_row<K: Kernels>(
        &self,
        k: K,
        row: usize,
        w: &mut BitWriter,
        mut recon: Option<(&mut ReconBand<'_>, usize)>,
    ) {
        let t = self.tables;
        let mut pred = [0i16; 3];
        let mut edge = EdgeCopy::default();
        let mut blocks: [K::Block; 6] = Default::default();
        for mx in 0..self.mcus_x {
            let src = mcu_samples(self.frame, mx, row, &mut edge);
            k.transform(&src, [&t.luma_quant, &t.chroma_quant], &mut blocks);
            k.code(w, &blocks, &mut pred, self.codes);
            if let Some((rb, first)) = recon.as_mut() {
                self.store_mcu(rb, row - *first, mx, row, &blocks);
            }
        }
    }

    /// Writes what a decoder reconstructs from MCU (`mx`, `row`) into the band, whose
    /// first MCU row is `row - band_row`.
    fn store_mcu<B: ZigzagBlock>(
        &self,
        rb: &mut ReconBand<'_>,
        band_row: usize,
        mx: usize,
        row: usize,
        blocks: &[B; 6],
    ) {
        let (width, height) = (self.frame.width() as usize, self.frame.height() as usize);
        let t = self.tables;
        for (i, coefs) in blocks[..4].iter().enumerate() {
            let (x0, dy) = (mx * 16 + (i % 2) * 8, (i / 2) * 8);
            let at = (x0, band_row * 16 + dy, row * 16 + dy);
            store_block(rb.y, width, height, at, coefs, &t.luma);
        }
        let at = (mx * 8, band_row * 8, row * 8);
        store_block(rb.u, width / 2, height / 2, at, &blocks[4], &t.chroma);
        store_block(rb.v, width / 2, height / 2, at, &blocks[5], &t.chroma);
    }
}

/// Writes the visible part of a block's reconstruction into a band of a plane `w`x`h`.
/// `at` is (x0, the block's first row inside the band, its first row in the picture).
fn store_block(
    band: &mut [u8],
    w: usize,
    h: usize,
    at: (usize, usize, usize),
    coefs: &impl ZigzagBlock,
    table: &[u16; 64],
) {
    let (x0, band_y0, y0) = at;
    if x0 >= w || y0 >= h {
        return; // padding block of the last MCU column or row
    }
    let mut samples = [0u8; 64];
    inverse_dct(&coefs.zigzag(), table, &mut samples);
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

    #[test]
    fn bands_cover_the_rows_longest_first() {
        for rows in 1..200 {
            for n in 1..80 {
                let bands = even_bands(rows, n);
                assert_eq!(bands.len(), n.min(rows));
                assert_eq!(bands[0].start, 0);
                assert_eq!(bands[bands.len() - 1].end, rows);
                for pair in bands.windows(2) {
                    assert_eq!(pair[0].end, pair[1].start);
                    assert!(
                        pair[0].len() >= pair[1].len(),
                        "{rows} rows in {n}: {bands:?}"
                    );
                }
                let shortest = bands[bands.len() - 1].len();
                assert!(shortest >= 1 && bands[0].len() <= shortest + 1);
            }
        }
    }

    #[test]
    fn joiner_joins_bands_in_order_whatever_order_they_end_in() {
        let mut bands: [Vec<u8>; 5] = std::array::from_fn(|b| vec![b as u8; b + 1]);
        let [b0, b1, b2, b3, b4] = bands.each_mut();
        let mut joiner = Joiner::new(5);
        joiner.add(3, b3);
        joiner.add(1, b1);
        assert_eq!(joiner.next, 0, "nothing joins before the first band");
        joiner.add(0, b0);
        assert_eq!(
            joiner.next, 2,
            "the first two join, the fourth waits for the third"
        );
        joiner.add(4, b4);
        joiner.add(2, b2);
        assert_eq!(joiner.next, 5);
        drop(joiner);
        assert_eq!(bands[0], [0, 1, 1, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 4]);
    }

    #[test]
    fn every_thread_count_codes_the_same_image() {
        let (w, h) = (330, 250);
        let nv12 = Pattern::Noise { seed: 8 }.render(w, h, 0);
        let frame = Frame::from_nv12(&nv12, w, h).unwrap();
        let one = MjpegEncoder::new(w, h, 1).encode(&frame, 80, true).unwrap();
        for threads in [2, 3, 7, 64] {
            let many = MjpegEncoder::new(w, h, threads)
                .encode(&frame, 80, true)
                .unwrap();
            assert_eq!(one.data, many.data, "{threads} threads");
            assert_eq!(one.recon, many.recon, "{threads} threads");
        }
    }

    #[cfg(target_arch = "x86_64")]
    #[test]
    fn x86_builds_code_the_same_images() {
        use crate::x86::Cpu;
        // SSE2 always; AVX2 where the CPU has it.
        let mut builds = vec![Cpu::Sse2];
        match crate::x86::Avx2::detect() {
            Some(cpu) => builds.push(Cpu::Avx2(cpu)),
            None => eprintln!("no AVX2 on this CPU: only SSE2 compared"),
        }
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
                    portable.x86 = None;
                    let a = portable.encode(&frame, quality, true).unwrap();
                    for &cpu in &builds {
                        let mut fast = MjpegEncoder::new(w, h, 2);
                        fast.x86 = Some(cpu);
                        let b = fast.encode(&frame, quality, true).unwrap();
                        assert_eq!(a.data, b.data, "{w}x{h} pattern {i} q{quality} {cpu:?}");
                        assert_eq!(a.recon, b.recon);
                    }
                }
            }
        }
    }
}
