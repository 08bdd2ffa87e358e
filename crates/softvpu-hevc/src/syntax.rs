//! coding_quadtree(), coding_unit() and transform_tree() of intra CTUs as CABAC bins.
//!
//! Generic over [`BinSink`], so decisions count bits with the code that writes them.

use crate::cabac::{BinSink, Contexts};
use crate::cu::{BlockMap, CtuLevels, Cu, CuKind, IntraCu, Node, LEVEL_STRIDE};
use crate::intra::{MODE_DC, MODE_PLANAR, MODE_VER};
use crate::params::{LOG2_MAX_TB, LOG2_MIN_CB, LOG2_MIN_TB};
use crate::residual::code_residual;
use crate::scan::scan_order;
use crate::zscan::Availability;

/// Picture-level facts the syntax of a CTU depends on.
#[derive(Clone, Copy, Debug)]
pub struct PictureLayout<'a> {
    pub width: usize,
    pub height: usize,
    pub log2_ctb: u32,
    pub avail: &'a Availability,
}

/// Everything a CTU's syntax reads besides its decisions.
#[derive(Clone, Copy, Debug)]
pub struct CtuSyntax<'a> {
    pub layout: PictureLayout<'a>,
    pub map: &'a BlockMap,
    pub levels: &'a CtuLevels,
    /// CTU origin in luma samples.
    pub ctu_x: usize,
    pub ctu_y: usize,
}

impl CtuSyntax<'_> {
    /// coding_quadtree() of the whole CTU from its pre-order decision list.
    pub fn write_ctu<S: BinSink>(&self, sink: &mut S, ctx: &mut Contexts, nodes: &[Node]) {
        let mut it = nodes.iter();
        self.quadtree(
            sink,
            ctx,
            &mut it,
            self.ctu_x,
            self.ctu_y,
            self.layout.log2_ctb,
            0,
        );
        debug_assert!(
            it.next().is_none(),
            "decision list longer than the quadtree"
        );
    }

    #[allow(clippy::too_many_arguments)]
    fn quadtree<'n, S: BinSink>(
        &self,
        sink: &mut S,
        ctx: &mut Contexts,
        nodes: &mut impl Iterator<Item = &'n Node>,
        x: usize,
        y: usize,
        log2: u32,
        depth: u8,
    ) {
        let node = nodes.next().copied();
        let split = matches!(node, Some(Node::Split));
        self.split_cu_flag(sink, ctx, x, y, log2, depth, split);
        match node {
            Some(Node::Split) => {
                let half = 1 << (log2 - 1);
                for (dx, dy) in [(0, 0), (half, 0), (0, half), (half, half)] {
                    let (cx, cy) = (x + dx, y + dy);
                    if cx < self.layout.width && cy < self.layout.height {
                        self.quadtree(sink, ctx, nodes, cx, cy, log2 - 1, depth + 1);
                    }
                }
            }
            Some(Node::Leaf(cu)) => self.coding_unit(sink, ctx, &cu),
            None => debug_assert!(false, "decision list shorter than the quadtree"),
        }
    }

    /// split_cu_flag, or nothing where the spec infers it.
    #[allow(clippy::too_many_arguments)]
    pub fn split_cu_flag<S: BinSink>(
        &self,
        sink: &mut S,
        ctx: &mut Contexts,
        x: usize,
        y: usize,
        log2: u32,
        depth: u8,
        split: bool,
    ) {
        let size = 1 << log2;
        let inside = x + size <= self.layout.width && y + size <= self.layout.height;
        if !inside || log2 <= LOG2_MIN_CB {
            debug_assert_eq!(
                split,
                !inside && log2 > LOG2_MIN_CB,
                "split_cu_flag is inferred"
            );
            return;
        }
        let avail = self.layout.avail;
        let deeper = |nx: isize, ny: isize| {
            avail.available(x, y, nx, ny) && self.map.get(nx as usize, ny as usize).depth > depth
        };
        let inc = usize::from(deeper(x as isize - 1, y as isize))
            + usize::from(deeper(x as isize, y as isize - 1));
        sink.bin(&mut ctx.split_cu_flag[inc], u32::from(split));
    }

    /// coding_unit() of an I slice.
    pub fn coding_unit<S: BinSink>(&self, sink: &mut S, ctx: &mut Contexts, cu: &Cu) {
        let CuKind::Intra(intra) = cu.kind;
        if cu.log2 == LOG2_MIN_CB {
            // part_mode: 1 = PART_2Nx2N, 0 = PART_NxN.
            sink.bin(&mut ctx.part_mode[0], u32::from(!intra.nxn));
        }
        self.intra_modes(sink, ctx, cu, &intra);
        let tree = TransformTree {
            syntax: self,
            cu,
            intra: &intra,
        };
        tree.write(sink, ctx, cu.x, cu.y, cu.log2, 0, 0, (true, true));
    }

    fn intra_modes<S: BinSink>(&self, sink: &mut S, ctx: &mut Contexts, cu: &Cu, intra: &IntraCu) {
        let parts = if intra.nxn { 4 } else { 1 };
        let half = 1 << (cu.log2 - 1);
        let mut codes = [ModeCode::Mpm(0); 4];
        for (i, code) in codes.iter_mut().enumerate().take(parts) {
            let (px, py) = if intra.nxn {
                (cu.x + (i & 1) * half, cu.y + (i >> 1) * half)
            } else {
                (cu.x, cu.y)
            };
            let mpm = self.mpm(px, py);
            *code = ModeCode::of(intra.luma_modes[i], &mpm);
            sink.bin(
                &mut ctx.prev_intra_luma_pred_flag[0],
                u32::from(matches!(code, ModeCode::Mpm(_))),
            );
        }
        for code in &codes[..parts] {
            code.write_suffix(sink);
        }
        // intra_chroma_pred_mode: 0 for the derived mode, else 1 and two bypass bits.
        if intra.chroma_code == 4 {
            sink.bin(&mut ctx.intra_chroma_pred_mode[0], 0);
        } else {
            sink.bin(&mut ctx.intra_chroma_pred_mode[0], 1);
            sink.bypass_bits(u32::from(intra.chroma_code), 2);
        }
    }

    /// The three most probable modes of the prediction block at (`x`, `y`).
    pub fn mpm(&self, x: usize, y: usize) -> [u8; 3] {
        mpm_candidates(self.map, &self.layout, x, y)
    }
}

/// The spec's candModeList for the luma prediction block at (`x`, `y`), from the block map.
pub fn mpm_candidates(map: &BlockMap, layout: &PictureLayout<'_>, x: usize, y: usize) -> [u8; 3] {
    let neighbour = |nx: isize, ny: isize| {
        if !layout.avail.available(x, y, nx, ny) {
            return MODE_DC;
        }
        let info = map.get(nx as usize, ny as usize);
        if info.intra {
            info.luma_mode
        } else {
            MODE_DC
        }
    };
    let a = neighbour(x as isize - 1, y as isize);
    // The above neighbour counts only inside the current CTB row.
    let ctb_top = (y >> layout.log2_ctb) << layout.log2_ctb;
    let b = if y == ctb_top {
        MODE_DC
    } else {
        neighbour(x as isize, y as isize - 1)
    };
    if a == b {
        if a < 2 {
            [MODE_PLANAR, MODE_DC, MODE_VER]
        } else {
            [a, 2 + ((a + 29) % 32), 2 + ((a - 2 + 1) % 32)]
        }
    } else {
        let c = if a != MODE_PLANAR && b != MODE_PLANAR {
            MODE_PLANAR
        } else if a != MODE_DC && b != MODE_DC {
            MODE_DC
        } else {
            MODE_VER
        };
        [a, b, c]
    }
}

/// How a luma mode is signalled: an index into the MPM list or the remaining-mode number.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ModeCode {
    Mpm(u8),
    Rem(u8),
}

impl ModeCode {
    pub fn of(mode: u8, mpm: &[u8; 3]) -> Self {
        if let Some(i) = mpm.iter().position(|&m| m == mode) {
            return ModeCode::Mpm(i as u8);
        }
        let below = mpm.iter().filter(|&&m| m < mode).count() as u8;
        ModeCode::Rem(mode - below)
    }

    /// mpm_idx (truncated unary, max 2) or rem_intra_luma_pred_mode (5 bits), all bypass.
    pub fn write_suffix<S: BinSink>(&self, sink: &mut S) {
        match *self {
            ModeCode::Mpm(0) => sink.bypass(0),
            ModeCode::Mpm(1) => sink.bypass_bits(0b10, 2),
            ModeCode::Mpm(_) => sink.bypass_bits(0b11, 2),
            ModeCode::Rem(r) => sink.bypass_bits(u32::from(r), 5),
        }
    }

    /// Bits of the whole mode signal (flag and suffix), for quick mode costs.
    pub fn approx_bits(&self) -> u32 {
        match *self {
            ModeCode::Mpm(0) => 2,
            ModeCode::Mpm(_) => 3,
            ModeCode::Rem(_) => 6,
        }
    }
}

/// transform_tree() of one CU.
struct TransformTree<'a, 'b> {
    syntax: &'a CtuSyntax<'b>,
    cu: &'a Cu,
    intra: &'a IntraCu,
}

impl TransformTree<'_, '_> {
    /// Luma mode of the prediction block holding (`x`, `y`).
    fn luma_mode(&self, x: usize, y: usize) -> u8 {
        if !self.intra.nxn {
            return self.intra.luma_modes[0];
        }
        let half = 1 << (self.cu.log2 - 1);
        let i = usize::from(x >= self.cu.x + half) + 2 * usize::from(y >= self.cu.y + half);
        self.intra.luma_modes[i]
    }

    fn nonzero(&self, c: usize, x: usize, y: usize, n: usize) -> bool {
        let (ox, oy) = (self.syntax.ctu_x, self.syntax.ctu_y);
        if c == 0 {
            self.syntax.levels.any_nonzero(0, x - ox, y - oy, n)
        } else {
            self.syntax
                .levels
                .any_nonzero(c, (x - ox) / 2, (y - oy) / 2, n)
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn write<S: BinSink>(
        &self,
        sink: &mut S,
        ctx: &mut Contexts,
        x: usize,
        y: usize,
        log2: u32,
        depth: u32,
        blk: usize,
        parent_cbf: (bool, bool),
    ) {
        let intra_split = self.intra.nxn && depth == 0;
        let max_depth = 1 + u32::from(self.intra.nxn);
        let split =
            if log2 <= LOG2_MAX_TB && log2 > LOG2_MIN_TB && depth < max_depth && !intra_split {
                let split = self.intra.tu_split && depth == 0;
                sink.bin(
                    &mut ctx.split_transform_flag[(5 - log2) as usize],
                    u32::from(split),
                );
                split
            } else {
                log2 > LOG2_MAX_TB || intra_split
            };
        let mut cbf = parent_cbf;
        if log2 > 2 {
            let n = 1 << (log2 - 1);
            cbf = (
                parent_cbf.0 && self.nonzero(1, x, y, n),
                parent_cbf.1 && self.nonzero(2, x, y, n),
            );
            if parent_cbf.0 {
                sink.bin(&mut ctx.cbf_chroma[depth as usize], u32::from(cbf.0));
            }
            if parent_cbf.1 {
                sink.bin(&mut ctx.cbf_chroma[depth as usize], u32::from(cbf.1));
            }
        }
        if split {
            let half = 1 << (log2 - 1);
            for (i, (dx, dy)) in [(0, 0), (half, 0), (0, half), (half, half)]
                .into_iter()
                .enumerate()
            {
                self.write(sink, ctx, x + dx, y + dy, log2 - 1, depth + 1, i, cbf);
            }
            return;
        }
        let n = 1 << log2;
        let cbf_luma = self.nonzero(0, x, y, n);
        sink.bin(
            &mut ctx.cbf_luma[usize::from(depth == 0)],
            u32::from(cbf_luma),
        );
        let (ox, oy) = (self.syntax.ctu_x, self.syntax.ctu_y);
        let levels = self.syntax.levels;
        if cbf_luma {
            let mode = self.luma_mode(x, y);
            let order = scan_order(log2, true, Some(mode));
            code_residual(
                sink,
                ctx,
                levels.block(0, x - ox, y - oy),
                LEVEL_STRIDE[0],
                log2,
                false,
                order,
            );
        }
        // Chroma of 4x4 luma blocks is coded once, with the fourth block, at the parent's place.
        let (cx, cy, clog2) = if log2 > 2 {
            ((x - ox) / 2, (y - oy) / 2, log2 - 1)
        } else if blk == 3 {
            ((x - 4 - ox) / 2, (y - 4 - oy) / 2, 2)
        } else {
            return;
        };
        let order = scan_order(clog2, false, Some(self.intra.chroma_mode()));
        for (c, coded) in [(1, cbf.0), (2, cbf.1)] {
            if coded {
                code_residual(
                    sink,
                    ctx,
                    levels.block(c, cx, cy),
                    LEVEL_STRIDE[c],
                    clog2,
                    true,
                    order,
                );
            }
        }
    }
}
