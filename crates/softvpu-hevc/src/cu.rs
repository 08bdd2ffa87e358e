//! Coding decisions of a CTU and the per-4x4 block map that later blocks read.

use crate::intra::{MODE_DC, MODE_HOR, MODE_PLANAR, MODE_VER};
use crate::mv::Mv;

/// An intra coding unit's prediction choices.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct IntraCu {
    /// Four 4x4 luma prediction blocks (only at the minimum CU size) instead of one.
    pub nxn: bool,
    /// Luma modes of the prediction blocks in z-order; only `[0]` is used without `nxn`.
    pub luma_modes: [u8; 4],
    /// intra_chroma_pred_mode as coded: 0..=3 a listed mode, 4 the luma mode.
    pub chroma_code: u8,
    /// One level of transform split (a coded split_transform_flag) for 2Nx2N CUs.
    pub tu_split: bool,
}

impl IntraCu {
    /// The chroma prediction mode (4:2:0) that `chroma_code` selects.
    pub fn chroma_mode(&self) -> u8 {
        chroma_mode(self.chroma_code, self.luma_modes[0])
    }
}

/// The spec's IntraPredModeC for 4:2:0: a listed mode, replaced by 34 when it equals luma.
pub fn chroma_mode(code: u8, luma: u8) -> u8 {
    let listed = match code {
        0 => MODE_PLANAR,
        1 => MODE_VER,
        2 => MODE_HOR,
        3 => MODE_DC,
        _ => return luma,
    };
    if listed == luma {
        34
    } else {
        listed
    }
}

/// An inter coding unit (PART_2Nx2N, one reference): how its motion is signalled.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct InterCu {
    /// The motion vector used, in quarter luma samples.
    pub mv: Mv,
    pub motion: MotionCode,
    /// cu_skip_flag: merge motion and no residual at all.
    pub skip: bool,
}

/// How an inter CU's motion vector is coded.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MotionCode {
    /// merge_idx into the merge candidate list.
    Merge(u8),
    /// mvp_l0_flag and the difference to that predictor.
    Amvp { mvp_idx: u8, mvd: Mv },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CuKind {
    Intra(IntraCu),
    Inter(InterCu),
}

/// One coding unit: position in luma samples and log2 size.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Cu {
    pub x: usize,
    pub y: usize,
    pub log2: u32,
    pub kind: CuKind,
}

/// The coding quadtree in pre-order: `Split` is followed by the nodes of its children that lie
/// inside the picture.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Node {
    Split,
    Leaf(Cu),
}

/// What later blocks need to know about a 4x4 luma block, in eight bytes: marking a CU's
/// blocks is then a run of whole-register stores (three `bool`s made it ten bytes).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BlockInfo {
    /// Coding-quadtree depth of the CU covering the block.
    pub depth: u8,
    /// Luma intra mode (DC for blocks that are not intra).
    pub luma_mode: u8,
    /// [`BlockInfo::INTRA`], [`BlockInfo::SKIP`] and [`BlockInfo::CBF`].
    flags: u8,
    /// Motion vector of inter blocks (zero for intra ones).
    pub mv: Mv,
}

impl Default for BlockInfo {
    fn default() -> Self {
        Self::intra(0, MODE_DC)
    }
}

impl BlockInfo {
    const INTRA: u8 = 1;
    const SKIP: u8 = 2;
    const CBF: u8 = 4;

    pub fn intra(depth: u8, luma_mode: u8) -> Self {
        Self {
            depth,
            luma_mode,
            flags: Self::INTRA,
            mv: Mv::ZERO,
        }
    }

    pub fn inter(depth: u8, mv: Mv, skip: bool) -> Self {
        Self {
            depth,
            luma_mode: MODE_DC,
            flags: if skip { Self::SKIP } else { 0 },
            mv,
        }
    }

    /// The block is in an intra CU.
    #[inline]
    pub fn is_intra(&self) -> bool {
        self.flags & Self::INTRA != 0
    }

    /// cu_skip_flag of the CU.
    #[inline]
    pub fn is_skip(&self) -> bool {
        self.flags & Self::SKIP != 0
    }

    /// The luma transform block holding this block has non-zero levels (set once the CTU
    /// is decided, for deblocking).
    #[inline]
    pub fn has_cbf(&self) -> bool {
        self.flags & Self::CBF != 0
    }

    fn set_cbf(&mut self, cbf: bool) {
        self.flags = (self.flags & !Self::CBF) | if cbf { Self::CBF } else { 0 };
    }
}

/// Per-4x4 block information for a whole picture.
#[derive(Clone, Debug)]
pub struct BlockMap {
    w4: usize,
    info: Vec<BlockInfo>,
}

impl BlockMap {
    pub fn new(width: usize, height: usize) -> Self {
        let w4 = width / 4;
        Self {
            w4,
            info: vec![BlockInfo::default(); w4 * (height / 4)],
        }
    }

    /// Blocks per row.
    pub fn width4(&self) -> usize {
        self.w4
    }

    /// All blocks in raster order.
    pub fn blocks(&self) -> &[BlockInfo] {
        &self.info
    }

    #[inline]
    pub fn get(&self, x: usize, y: usize) -> BlockInfo {
        self.info[(y >> 2) * self.w4 + (x >> 2)]
    }

    /// Records the luma cbf of the transform block covering a luma square.
    pub fn set_cbf(&mut self, x: usize, y: usize, size: usize, cbf: bool) {
        for row in (y >> 2)..((y + size) >> 2) {
            let s = row * self.w4 + (x >> 2);
            self.info[s..s + (size >> 2)]
                .iter_mut()
                .for_each(|b| b.set_cbf(cbf));
        }
    }

    /// The blocks of the luma rectangle (`x`, `y`, `w`, `h`), rows packed into `out`
    /// (cleared first).
    pub fn rect(&self, x: usize, y: usize, w: usize, h: usize, out: &mut Vec<BlockInfo>) {
        let (bx, bw) = (x >> 2, w >> 2);
        out.clear();
        for row in (y >> 2)..((y + h) >> 2) {
            out.extend_from_slice(&self.info[row * self.w4 + bx..][..bw]);
        }
    }

    /// Writes blocks that [`BlockMap::rect`] took of a rectangle `w` luma samples wide.
    pub fn put_rect(&mut self, x: usize, y: usize, w: usize, rect: &[BlockInfo]) {
        let bw = w >> 2;
        let at = (y >> 2) * self.w4 + (x >> 2);
        crate::rows::copy_rows(&mut self.info[at..], self.w4, rect, bw, bw, rect.len() / bw);
    }

    /// The blocks of luma rows `rows` (multiples of 4), whole, into `out` (cleared first).
    pub fn rows_out(&self, rows: std::ops::Range<usize>, out: &mut Vec<BlockInfo>) {
        out.clear();
        out.extend_from_slice(&self.info[self.span(rows)]);
    }

    /// Writes blocks that [`BlockMap::rows_out`] took of a map this size.
    pub fn rows_in(&mut self, rows: std::ops::Range<usize>, band: &[BlockInfo]) {
        let span = self.span(rows);
        self.info[span].copy_from_slice(band);
    }

    fn span(&self, rows: std::ops::Range<usize>) -> std::ops::Range<usize> {
        (rows.start >> 2) * self.w4..(rows.end >> 2) * self.w4
    }

    /// Sets every 4x4 block of a luma square.
    pub fn fill(&mut self, x: usize, y: usize, size: usize, info: BlockInfo) {
        for row in (y >> 2)..((y + size) >> 2) {
            let s = row * self.w4 + (x >> 2);
            self.info[s..s + (size >> 2)].fill(info);
        }
    }
}

/// Quantised levels of one CTU, indexed by sample position inside it.
#[derive(Clone, Debug)]
pub struct CtuLevels {
    pub planes: [Vec<i32>; 3],
}

/// Row strides of [`CtuLevels`] planes: luma 64, chroma 32.
pub const LEVEL_STRIDE: [usize; 3] = [64, 32, 32];

impl Default for CtuLevels {
    fn default() -> Self {
        Self {
            planes: [vec![0; 64 * 64], vec![0; 32 * 32], vec![0; 32 * 32]],
        }
    }
}

impl CtuLevels {
    /// The levels of an `n`x`n` block at CTU-relative (`x`, `y`) of plane `c`.
    pub fn block(&self, c: usize, x: usize, y: usize) -> &[i32] {
        &self.planes[c][y * LEVEL_STRIDE[c] + x..]
    }

    pub fn store(&mut self, c: usize, x: usize, y: usize, n: usize, levels: &[i32]) {
        let stride = LEVEL_STRIDE[c];
        crate::rows::copy_rows(
            &mut self.planes[c][y * stride + x..],
            stride,
            levels,
            n,
            n,
            n,
        );
    }

    /// Zeroes an `n`x`n` block.
    pub fn clear(&mut self, c: usize, x: usize, y: usize, n: usize) {
        let stride = LEVEL_STRIDE[c];
        for r in 0..n {
            self.planes[c][(y + r) * stride + x..][..n].fill(0);
        }
    }

    /// Whether an `n`x`n` block holds a non-zero level.
    pub fn any_nonzero(&self, c: usize, x: usize, y: usize, n: usize) -> bool {
        let stride = LEVEL_STRIDE[c];
        // An OR over whole rows (which vectorises) rather than a test per level.
        (0..n).any(|r| {
            let row = &self.planes[c][(y + r) * stride + x..][..n];
            row.iter().fold(0, |acc, &v| acc | v) != 0
        })
    }
}
