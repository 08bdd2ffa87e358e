//! How hard a frame is to code, measured before coding it on a half-size luma picture:
//! per 16x16 block the deviation from its mean (what intra coding must spend) and the
//! difference from the previous frame (what a still scene costs with inter coding).

use softvpu_core::Frame;

/// Block size in half-size samples (16x16 in the frame).
const BLOCK: usize = 8;

/// Complexity of one frame, whole and by block.
#[derive(Clone, Debug, Default)]
pub struct Complexity {
    /// Blocks per row and column.
    pub cols: usize,
    pub rows: usize,
    /// Sum of absolute deviations from the block mean, per block.
    pub intra: Vec<u32>,
    /// min(intra, absolute difference from the previous frame) per block; equals `intra`
    /// for the first frame.
    pub inter: Vec<u32>,
}

impl Complexity {
    pub fn intra_total(&self) -> f64 {
        self.intra.iter().map(|&c| f64::from(c)).sum()
    }

    pub fn inter_total(&self) -> f64 {
        self.inter.iter().map(|&c| f64::from(c)).sum()
    }

    /// Sum of `costs` over the blocks inside the frame-space rectangle of `cell`-sample
    /// squares at (`col`, `row`).
    pub fn cell_sum(&self, costs: &[u32], cell: usize, col: usize, row: usize) -> f64 {
        let span = (cell / (2 * BLOCK)).max(1);
        let mut sum = 0.0;
        for by in row * span..((row + 1) * span).min(self.rows) {
            for bx in col * span..((col + 1) * span).min(self.cols) {
                sum += f64::from(costs[by * self.cols + bx]);
            }
        }
        sum
    }
}

/// Measures frames against the one before.
#[derive(Clone, Debug, Default)]
pub struct Analyzer {
    previous: Vec<u8>,
    current: Vec<u8>,
}

impl Analyzer {
    pub fn measure(&mut self, frame: &Frame<'_>) -> Complexity {
        let (w, h) = (frame.width() as usize / 2, frame.height() as usize / 2);
        std::mem::swap(&mut self.previous, &mut self.current);
        half_size_luma(frame, &mut self.current);
        let have_previous = self.previous.len() == self.current.len();
        let (cols, rows) = (w.div_ceil(BLOCK), h.div_ceil(BLOCK));
        let mut out = Complexity {
            cols,
            rows,
            intra: Vec::with_capacity(cols * rows),
            inter: Vec::with_capacity(cols * rows),
        };
        let (mut current, mut previous) = ([0u8; BLOCK * BLOCK], [0u8; BLOCK * BLOCK]);
        for by in 0..rows {
            for bx in 0..cols {
                let area = Area::of_block(bx, by, w, h);
                let (intra, diff) = if area.is_whole() {
                    // Whole blocks as arrays: sums of a fixed length vectorise.
                    let current = area.whole(&self.current);
                    let diff =
                        have_previous.then(|| difference(&current, &area.whole(&self.previous)));
                    (deviation(&current), diff)
                } else {
                    let current = area.samples(&self.current, &mut current);
                    let diff = have_previous
                        .then(|| difference(current, area.samples(&self.previous, &mut previous)));
                    (deviation(current), diff)
                };
                let inter = diff.map_or(intra, |d| intra.min(d));
                out.intra.push(intra);
                out.inter.push(inter);
            }
        }
        out
    }
}

/// A block of the half-size picture.
struct Area {
    x: usize,
    y: usize,
    w: usize,
    h: usize,
    stride: usize,
}

impl Area {
    /// Block (`bx`, `by`) of a `w` x `h` half-size picture, cut at its right and bottom.
    fn of_block(bx: usize, by: usize, w: usize, h: usize) -> Self {
        let (x, y) = (bx * BLOCK, by * BLOCK);
        Self {
            x,
            y,
            w: BLOCK.min(w - x),
            h: BLOCK.min(h - y),
            stride: w,
        }
    }

    fn is_whole(&self) -> bool {
        self.w == BLOCK && self.h == BLOCK
    }

    /// The samples of a whole block of `pic`, rows packed.
    fn whole(&self, pic: &[u8]) -> [u8; BLOCK * BLOCK] {
        let mut out = [0u8; BLOCK * BLOCK];
        for (r, row) in out.chunks_exact_mut(BLOCK).enumerate() {
            let start = (self.y + r) * self.stride + self.x;
            row.copy_from_slice(&pic[start..start + BLOCK]);
        }
        out
    }

    /// The block's samples of `pic`, rows packed into `buf`: one slice the sums below run
    /// over.
    fn samples<'b>(&self, pic: &[u8], buf: &'b mut [u8; BLOCK * BLOCK]) -> &'b [u8] {
        for r in 0..self.h {
            let start = (self.y + r) * self.stride + self.x;
            buf[r * self.w..][..self.w].copy_from_slice(&pic[start..][..self.w]);
        }
        &buf[..self.w * self.h]
    }
}

/// Sum of absolute deviations of `samples` from their (rounded) mean.
#[inline(always)]
fn deviation(samples: &[u8]) -> u32 {
    let sum: u32 = samples.iter().map(|&v| u32::from(v)).sum();
    let n = samples.len() as u32;
    let mean = (sum + n / 2) / n;
    samples.iter().map(|&v| u32::from(v).abs_diff(mean)).sum()
}

/// Sum of absolute differences of `a` and `b`.
#[inline(always)]
fn difference(a: &[u8], b: &[u8]) -> u32 {
    a.iter()
        .zip(b)
        .map(|(&p, &q)| u32::from(p.abs_diff(q)))
        .sum()
}

/// 2x2 box-filtered luma (frame sizes are even).
fn half_size_luma(frame: &Frame<'_>, out: &mut Vec<u8>) {
    let (w, h) = (frame.width() as usize / 2, frame.height() as usize / 2);
    // Sized first and written row by row in place (extending sample by sample does not
    // vectorise).
    out.resize(w * h, 0);
    for (r, row) in out.chunks_exact_mut(w).enumerate() {
        half_row(frame.y_row(2 * r), frame.y_row(2 * r + 1), row);
    }
}

/// One row of [`half_size_luma`] from two luma rows, sixteen samples at a time: the
/// fixed-length loop vectorises (one loop over the row does not).
#[inline(never)]
fn half_row(top: &[u8], bottom: &[u8], out: &mut [u8]) {
    const N: usize = 16;
    let half = |t0: u8, t1: u8, b0: u8, b1: u8| {
        let s = u16::from(t0) + u16::from(t1) + u16::from(b0) + u16::from(b1);
        ((s + 2) / 4) as u8
    };
    let whole = out.len() / N * N;
    let rows = top.chunks_exact(2 * N).zip(bottom.chunks_exact(2 * N));
    for ((t, b), o) in rows.zip(out.chunks_exact_mut(N)) {
        for i in 0..N {
            o[i] = half(t[2 * i], t[2 * i + 1], b[2 * i], b[2 * i + 1]);
        }
    }
    for i in whole..out.len() {
        out[i] = half(top[2 * i], top[2 * i + 1], bottom[2 * i], bottom[2 * i + 1]);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use softvpu_core::synth::Pattern;

    fn measure(a: &mut Analyzer, buf: &[u8], w: u32, h: u32) -> Complexity {
        a.measure(&Frame::from_nv12(buf, w, h).unwrap())
    }

    #[test]
    fn flat_is_free_noise_is_not_and_repeats_cost_nothing() {
        let mut a = Analyzer::default();
        let flat = Pattern::Flat {
            y: 90,
            u: 128,
            v: 128,
        }
        .render(100, 60, 0);
        let c = measure(&mut a, &flat, 100, 60);
        assert_eq!((c.cols, c.rows), (7, 4));
        assert_eq!(c.intra_total(), 0.0);
        assert_eq!(
            c.inter, c.intra,
            "no previous frame: inter costs are intra costs"
        );
        let noise = Pattern::Noise { seed: 3 }.render(100, 60, 0);
        let first = measure(&mut a, &noise, 100, 60);
        assert!(first.intra_total() > 1000.0);
        assert!(first.inter_total() <= first.intra_total());
        let again = measure(&mut a, &noise, 100, 60);
        assert_eq!(again.inter_total(), 0.0);
        assert_eq!(again.intra_total(), first.intra_total());
    }

    #[test]
    fn half_size_is_the_rounded_mean_of_each_2x2() {
        // Widths with and without a part of sixteen half-size samples left over.
        for (w, h) in [(100u32, 60u32), (128, 8), (2, 2), (66, 4)] {
            let nv12 = Pattern::Noise { seed: u64::from(w) }.render(w, h, 0);
            let frame = Frame::from_nv12(&nv12, w, h).unwrap();
            let mut half = Vec::new();
            half_size_luma(&frame, &mut half);
            let (hw, hh) = (w as usize / 2, h as usize / 2);
            assert_eq!(half.len(), hw * hh);
            for y in 0..hh {
                for x in 0..hw {
                    let at = |dx, dy| u32::from(frame.y_row(2 * y + dy)[2 * x + dx]);
                    let mean = (at(0, 0) + at(1, 0) + at(0, 1) + at(1, 1) + 2) / 4;
                    assert_eq!(u32::from(half[y * hw + x]), mean, "{w}x{h} at ({x}, {y})");
                }
            }
        }
    }

    #[test]
    fn blocks_measure_sample_by_sample() {
        // 100x60: half size 50x30, so the last column and row of blocks are partial.
        let frames = [1, 2].map(|seed| Pattern::Noise { seed }.render(100, 60, 0));
        let mut a = Analyzer::default();
        let mut c = Complexity::default();
        for f in &frames {
            c = measure(&mut a, f, 100, 60);
        }
        let (w, h) = (50, 30);
        for by in 0..c.rows {
            for bx in 0..c.cols {
                let (x0, y0) = (bx * BLOCK, by * BLOCK);
                let at = |pic: &[u8], x: usize, y: usize| i64::from(pic[y * w + x]);
                let coords: Vec<(usize, usize)> = (y0..(y0 + BLOCK).min(h))
                    .flat_map(|y| (x0..(x0 + BLOCK).min(w)).map(move |x| (x, y)))
                    .collect();
                let n = coords.len() as i64;
                let sum: i64 = coords.iter().map(|&(x, y)| at(&a.current, x, y)).sum();
                let mean = (sum + n / 2) / n;
                let dev: i64 = coords
                    .iter()
                    .map(|&(x, y)| (at(&a.current, x, y) - mean).abs())
                    .sum();
                let diff: i64 = coords
                    .iter()
                    .map(|&(x, y)| (at(&a.current, x, y) - at(&a.previous, x, y)).abs())
                    .sum();
                let i = by * c.cols + bx;
                assert_eq!(i64::from(c.intra[i]), dev, "block ({bx}, {by})");
                assert_eq!(i64::from(c.inter[i]), dev.min(diff), "block ({bx}, {by})");
            }
        }
    }

    #[test]
    fn cells_partition_the_blocks() {
        let mut a = Analyzer::default();
        let buf = Pattern::Noise { seed: 1 }.render(200, 130, 0);
        let c = measure(&mut a, &buf, 200, 130);
        let mut sum = 0.0;
        for row in 0..130usize.div_ceil(64) {
            for col in 0..200usize.div_ceil(64) {
                sum += c.cell_sum(&c.intra, 64, col, row);
            }
        }
        assert_eq!(sum, c.intra_total());
    }
}
