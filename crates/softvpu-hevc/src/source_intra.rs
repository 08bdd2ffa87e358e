//! The P-plan's intra estimates of a picture's CTUs, worked out ahead by idle workers.
//!
//! The plan prices intra for every 32x32, 16x16 and 8x8 CU it visits by the best of four
//! predictions made from the source picture (`CtuSearch::simple_intra_satd`): source
//! samples only, so any thread can work them out at any time. With several workers, one
//! that waits for the row above, or has no rows left, works out whole CTUs of the rows
//! other workers code next; the plan takes those exact values instead of working them out
//! itself. Exact values lead to the same decisions as the plan's own early-stopped ones
//! (which are exact whenever they could win), so the stream does not depend on which
//! thread worked out what.

use crate::ctu_slots::CtuSlots;
use crate::dist::satd_below;
use crate::intra::{build_references, predict, MODE_DC, MODE_HOR, MODE_PLANAR, MODE_VER};
use crate::plane::{Plane, Yuv};
use crate::syntax::PictureLayout;
use crate::zscan::Availability;

/// The CTU size the table is laid out for.
const LOG2_CTB: u32 = 6;

/// Blocks of a CTU with an estimate: 4 of 32x32, 16 of 16x16, 64 of 8x8.
const BLOCKS: usize = 4 + 16 + 64;

/// The four predictions the estimate tries.
pub(crate) const MODES: [u8; 4] = [MODE_PLANAR, MODE_DC, MODE_HOR, MODE_VER];

/// Per CTU of a picture, its blocks' estimates once some worker has worked them out
/// (held in the slots themselves: no allocation per CTU).
#[derive(Debug)]
pub(crate) struct SourceEstimates(CtuSlots<[u32; BLOCKS]>);

impl SourceEstimates {
    /// An empty table for a picture of `cols` x `rows` CTUs of 64x64, or None for other
    /// CTU sizes.
    pub(crate) fn new(layout: &PictureLayout<'_>, cols: usize, rows: usize) -> Option<Self> {
        (layout.log2_ctb == LOG2_CTB).then(|| Self(CtuSlots::new(cols, rows)))
    }

    /// The estimate of the `1 << log2` block at luma (`x`, `y`), if worked out.
    #[inline]
    pub(crate) fn get(&self, x: usize, y: usize, log2: u32) -> Option<u32> {
        let table = self.0.get(x >> LOG2_CTB, y >> LOG2_CTB)?;
        Some(table[block_index(x, y, log2)])
    }

    /// A table whose every estimate is `value`, as if worked out.
    #[cfg(test)]
    pub(crate) fn filled(layout: &PictureLayout<'_>, cols: usize, rows: usize, value: u32) -> Self {
        let table = Self::new(layout, cols, rows).expect("64x64 CTUs");
        for row in 0..rows {
            for col in 0..cols {
                table.0.fill_with(col, row, || [value; BLOCKS]);
            }
        }
        table
    }

    /// Whether CTU (`col`, `row`) is worked out.
    pub(crate) fn has(&self, col: usize, row: usize) -> bool {
        self.0.has(col, row)
    }

    /// Works out CTU (`col`, `row`) unless some worker has; `pred` is scratch of 32x32.
    pub(crate) fn work_out(
        &self,
        src: &Yuv,
        layout: &PictureLayout<'_>,
        (col, row): (usize, usize),
        pred: &mut [u8; 32 * 32],
    ) {
        self.0.fill_with(col, row, || {
            let luma = &src.planes[0];
            let mut table = [u32::MAX; BLOCKS];
            let (cx, cy) = (col << LOG2_CTB, row << LOG2_CTB);
            for log2 in 3..=5u32 {
                let n = 1usize << log2;
                let inside =
                    |bx: usize, by: usize| bx + n <= layout.width && by + n <= layout.height;
                for by in (cy..cy + 64).step_by(n) {
                    for bx in (cx..cx + 64).step_by(n).filter(|&bx| inside(bx, by)) {
                        table[block_index(bx, by, log2)] =
                            best_of_four(luma, luma, layout.avail, (bx, by), log2, u32::MAX, pred);
                    }
                }
            }
            table
        });
    }
}

/// The lowest SATD against the `src` block at (`x`, `y`) of the [`MODES`] predictions
/// from the samples of `refs_plane` around it: exact when below `limit`; otherwise some
/// value at least `limit` (each prediction's SATD stops once it reaches the lower of
/// `limit` and the best so far). `pred` is scratch.
#[allow(clippy::too_many_arguments)]
pub(crate) fn best_of_four(
    src: &Plane,
    refs_plane: &Plane,
    avail: &Availability,
    (x, y): (usize, usize),
    log2: u32,
    limit: u32,
    pred: &mut [u8; 32 * 32],
) -> u32 {
    let n = 1usize << log2;
    let refs = build_references(refs_plane, avail, x, y, log2, false);
    let block = &src.data[y * src.stride + x..];
    let mut best = u32::MAX;
    for mode in MODES {
        predict(&refs, log2, mode, true, &mut pred[..n * n]);
        let d = satd_below(block, src.stride, &pred[..], n, log2, limit.min(best));
        best = best.min(d);
    }
    best
}

/// Where the `1 << log2` block at luma (`x`, `y`) sits in its CTU's table.
#[inline]
fn block_index(x: usize, y: usize, log2: u32) -> usize {
    let mask = (1usize << LOG2_CTB) - 1;
    let per_row = 1usize << (LOG2_CTB - log2);
    let base = match log2 {
        5 => 0,
        4 => 4,
        _ => 20,
    };
    base + ((y & mask) >> log2) * per_row + ((x & mask) >> log2)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dist::satd;

    #[test]
    fn block_indices_cover_the_table_once() {
        let mut seen = [false; BLOCKS];
        for log2 in 3..=5u32 {
            let n = 1usize << log2;
            for y in (64..128).step_by(n) {
                for x in (128..192).step_by(n) {
                    let i = block_index(x, y, log2);
                    assert!(!seen[i], "index {i} twice");
                    seen[i] = true;
                }
            }
        }
        assert!(seen.iter().all(|&s| s));
    }

    #[test]
    fn worked_out_ctus_hold_each_inside_blocks_best_of_four() {
        // 100x72: the second CTU column and row are cut by the picture's edges.
        let (w, h) = (100usize, 72usize);
        let mut src = Yuv::new(w, h);
        for (i, v) in src.planes[0].data.iter_mut().enumerate() {
            *v = ((i * 37 + i / w * 11) % 251) as u8;
        }
        let avail = Availability::new(w, h, LOG2_CTB);
        let layout = PictureLayout {
            width: w,
            height: h,
            log2_ctb: LOG2_CTB,
            avail: &avail,
            p_slice: true,
            max_merge_cand: 3,
        };
        let table = SourceEstimates::new(&layout, 2, 2).expect("64x64 CTUs");
        let mut pred = [0u8; 32 * 32];
        assert!(!table.has(1, 1) && table.get(64, 64, 3).is_none());
        for (col, row) in [(0, 0), (1, 0), (0, 1), (1, 1)] {
            table.work_out(&src, &layout, (col, row), &mut pred);
            assert!(table.has(col, row));
        }
        for log2 in 3..=5u32 {
            let n = 1usize << log2;
            for y in (0..128).step_by(n) {
                for x in (0..128).step_by(n) {
                    let got = table.get(x, y, log2);
                    if x + n <= w && y + n <= h {
                        let plane = &src.planes[0];
                        let refs = build_references(plane, &avail, x, y, log2, false);
                        let want = MODES
                            .iter()
                            .map(|&m| {
                                let mut p = vec![0u8; n * n];
                                predict(&refs, log2, m, true, &mut p);
                                satd(&plane.data[y * w + x..], w, &p, n, log2)
                            })
                            .min();
                        assert_eq!(got, want, "{n}x{n} at ({x},{y})");
                    } else if x < w && y < h {
                        assert_eq!(got, Some(u32::MAX), "{n}x{n} at ({x},{y}) is cut");
                    }
                }
            }
        }
    }
}
