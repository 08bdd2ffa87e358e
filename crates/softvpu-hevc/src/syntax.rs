//! coding_quadtree(), coding_unit(), prediction_unit() and transform_tree() of a CTU as CABAC
//! bins, for I and P slices.
//!
//! Generic over [`BinSink`], so decisions count bits with the code that writes them.

use std::cell::Cell;

use crate::cabac::{BinSink, Contexts};
use crate::cu::{
    BlockMap, CtuLevels, Cu, CuKind, InterCu, IntraCu, MotionCode, Node, LEVEL_STRIDE,
};
use crate::intra::{MODE_DC, MODE_PLANAR, MODE_VER};
use crate::mv::Mv;
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
    /// A P slice (else I): CUs carry cu_skip_flag and pred_mode_flag.
    pub p_slice: bool,
    /// MaxNumMergeCand of P slices (1..=5).
    pub max_merge_cand: usize,
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
    /// The CTU's cu_qp_delta (its quantisation group is the CTU), taken by the first transform
    /// unit with a coded block; `None` in bit estimates, which leave it out.
    pub qp_delta: Option<&'a Cell<Option<i32>>>,
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

    /// coding_unit().
    pub fn coding_unit<S: BinSink>(&self, sink: &mut S, ctx: &mut Contexts, cu: &Cu) {
        if self.layout.p_slice {
            let skip = matches!(cu.kind, CuKind::Inter(InterCu { skip: true, .. }));
            self.cu_skip_flag(sink, ctx, cu.x, cu.y, skip);
        }
        match cu.kind {
            CuKind::Intra(intra) => {
                if self.layout.p_slice {
                    sink.bin(&mut ctx.pred_mode_flag[0], 1);
                }
                if cu.log2 == LOG2_MIN_CB {
                    // part_mode: 1 = PART_2Nx2N, 0 = PART_NxN.
                    sink.bin(&mut ctx.part_mode[0], u32::from(!intra.nxn));
                }
                self.intra_modes(sink, ctx, cu, &intra);
                let tree = TransformTree {
                    syntax: self,
                    cu,
                    intra: Some(&intra),
                };
                tree.write(sink, ctx, cu.x, cu.y, cu.log2, 0, 0, (true, true));
            }
            CuKind::Inter(inter) => self.inter_unit(sink, ctx, cu, &inter),
        }
    }

    /// cu_skip_flag, its context chosen by the skipped left and above neighbours.
    fn cu_skip_flag<S: BinSink>(
        &self,
        sink: &mut S,
        ctx: &mut Contexts,
        x: usize,
        y: usize,
        skip: bool,
    ) {
        let avail = self.layout.avail;
        let skipped = |nx: isize, ny: isize| {
            avail.available(x, y, nx, ny) && self.map.get(nx as usize, ny as usize).is_skip()
        };
        let inc = usize::from(skipped(x as isize - 1, y as isize))
            + usize::from(skipped(x as isize, y as isize - 1));
        sink.bin(&mut ctx.cu_skip_flag[inc], u32::from(skip));
    }

    /// The rest of an inter CU after cu_skip_flag: PART_2Nx2N, its prediction unit, and the
    /// residual (rqt_root_cbf and transform_tree()).
    fn inter_unit<S: BinSink>(&self, sink: &mut S, ctx: &mut Contexts, cu: &Cu, inter: &InterCu) {
        if inter.skip {
            if let MotionCode::Merge(idx) = inter.motion {
                self.merge_idx(sink, ctx, idx);
            }
            return;
        }
        sink.bin(&mut ctx.pred_mode_flag[0], 0);
        sink.bin(&mut ctx.part_mode[0], 1); // PART_2Nx2N
        let (cx, cy) = (cu.x - self.ctu_x, cu.y - self.ctu_y);
        let n = 1usize << cu.log2;
        let coded = self.levels.any_nonzero(0, cx, cy, n)
            || self.levels.any_nonzero(1, cx / 2, cy / 2, n / 2)
            || self.levels.any_nonzero(2, cx / 2, cy / 2, n / 2);
        match inter.motion {
            MotionCode::Merge(idx) => {
                sink.bin(&mut ctx.merge_flag[0], 1);
                self.merge_idx(sink, ctx, idx);
                // rqt_root_cbf is inferred 1: a merged 2Nx2N CU without residual is a skip.
                debug_assert!(coded, "merge CU without residual must be coded as skip");
            }
            MotionCode::Amvp { mvp_idx, mvd } => {
                sink.bin(&mut ctx.merge_flag[0], 0);
                mvd_coding(sink, ctx, mvd);
                sink.bin(&mut ctx.mvp_flag[0], u32::from(mvp_idx));
                sink.bin(&mut ctx.rqt_root_cbf[0], u32::from(coded));
            }
        }
        if coded {
            let tree = TransformTree {
                syntax: self,
                cu,
                intra: None,
            };
            tree.write(sink, ctx, cu.x, cu.y, cu.log2, 0, 0, (true, true));
        }
    }

    /// merge_idx: truncated unary up to MaxNumMergeCand - 1, the first bin context-coded.
    fn merge_idx<S: BinSink>(&self, sink: &mut S, ctx: &mut Contexts, idx: u8) {
        let max = self.layout.max_merge_cand as u8 - 1;
        if max == 0 {
            return;
        }
        sink.bin(&mut ctx.merge_idx[0], u32::from(idx > 0));
        for i in 1..max {
            if idx < i {
                return;
            }
            sink.bypass(u32::from(idx > i));
        }
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
        if info.is_intra() {
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
    /// The prediction of intra CUs (inter CUs: `None`).
    intra: Option<&'a IntraCu>,
}

impl TransformTree<'_, '_> {
    /// Luma mode of the prediction block holding (`x`, `y`).
    fn luma_mode(&self, x: usize, y: usize) -> Option<u8> {
        let intra = self.intra?;
        if !intra.nxn {
            return Some(intra.luma_modes[0]);
        }
        let half = 1 << (self.cu.log2 - 1);
        let i = usize::from(x >= self.cu.x + half) + 2 * usize::from(y >= self.cu.y + half);
        Some(intra.luma_modes[i])
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
        let nxn = self.intra.is_some_and(|i| i.nxn);
        let intra_split = nxn && depth == 0;
        // max_transform_hierarchy_depth_intra (+ IntraSplitFlag) and _inter are both 1.
        let max_depth = 1 + u32::from(nxn);
        let split =
            if log2 <= LOG2_MAX_TB && log2 > LOG2_MIN_TB && depth < max_depth && !intra_split {
                let split = self.intra.is_some_and(|i| i.tu_split) && depth == 0;
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
        if self.intra.is_some() || depth != 0 || cbf.0 || cbf.1 {
            sink.bin(
                &mut ctx.cbf_luma[usize::from(depth == 0)],
                u32::from(cbf_luma),
            );
        } else {
            debug_assert!(
                cbf_luma,
                "cbf_luma is inferred 1 in an inter CU without chroma"
            );
        }
        if cbf_luma || cbf.0 || cbf.1 {
            if let Some(delta) = self.syntax.qp_delta.and_then(Cell::take) {
                cu_qp_delta(sink, ctx, delta);
            }
        }
        let (ox, oy) = (self.syntax.ctu_x, self.syntax.ctu_y);
        let levels = self.syntax.levels;
        if cbf_luma {
            let order = scan_order(log2, true, self.luma_mode(x, y));
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
        let order = scan_order(clog2, false, self.intra.map(IntraCu::chroma_mode));
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

/// cu_qp_delta_abs (a truncated-unary prefix of up to five bins, the first with its own
/// context, then an EG0 suffix in bypass) and cu_qp_delta_sign_flag.
pub fn cu_qp_delta<S: BinSink>(sink: &mut S, ctx: &mut Contexts, delta: i32) {
    let abs = delta.unsigned_abs();
    let prefix = abs.min(5);
    for i in 0..prefix {
        sink.bin(&mut ctx.cu_qp_delta_abs[usize::from(i > 0)], 1);
    }
    if prefix < 5 {
        sink.bin(&mut ctx.cu_qp_delta_abs[usize::from(prefix > 0)], 0);
    } else {
        exp_golomb_bypass(sink, abs - 5, 0);
    }
    if abs > 0 {
        sink.bypass(u32::from(delta < 0));
    }
}

/// mvd_coding(): greater-than-0 and greater-than-1 flags of both components, then the
/// remainders (EG1, bypass) and signs.
pub fn mvd_coding<S: BinSink>(sink: &mut S, ctx: &mut Contexts, mvd: Mv) {
    let abs = [mvd.x.unsigned_abs(), mvd.y.unsigned_abs()].map(u32::from);
    for a in abs {
        sink.bin(&mut ctx.abs_mvd_greater0_flag[0], u32::from(a > 0));
    }
    for a in abs {
        if a > 0 {
            sink.bin(&mut ctx.abs_mvd_greater1_flag[0], u32::from(a > 1));
        }
    }
    for (a, v) in abs.into_iter().zip([mvd.x, mvd.y]) {
        if a > 0 {
            if a > 1 {
                exp_golomb_bypass(sink, a - 2, 1);
            }
            sink.bypass(u32::from(v < 0));
        }
    }
}

/// k-th order Exp-Golomb code of `value` in bypass bins.
fn exp_golomb_bypass<S: BinSink>(sink: &mut S, mut value: u32, mut k: u32) {
    while value >= 1 << k {
        sink.bypass(1);
        value -= 1 << k;
        k += 1;
    }
    sink.bypass(0);
    if k > 0 {
        sink.bypass_bits(value, k);
    }
}

/// Bits of mvd_coding() for one component, as the motion search prices vectors.
pub fn mvd_component_bits(v: i32) -> u32 {
    match v.unsigned_abs() {
        0 => 1,
        1 => 3,
        // Three flag/sign bins, then abs - 2 in first-order Exp-Golomb: 2p + 2 bins, where
        // p = floor(log2(abs / 2)) is the number of prefix ones.
        a => 2 * (a >> 1).ilog2() + 5,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cabac::Context;

    /// Counts bins, whatever their kind.
    #[derive(Default)]
    struct BinCount(u32);

    impl BinSink for BinCount {
        fn bin(&mut self, _ctx: &mut Context, _bin: u32) {
            self.0 += 1;
        }
        fn bypass(&mut self, _bin: u32) {
            self.0 += 1;
        }
        fn bypass_bits(&mut self, _value: u32, n: u32) {
            self.0 += n;
        }
        fn terminate(&mut self, _bin: u32) {
            self.0 += 1;
        }
    }

    #[test]
    fn mvd_component_bits_count_the_bins_mvd_coding_writes() {
        let mut ctx = Contexts::new(1, 30);
        let zero = {
            let mut count = BinCount::default();
            mvd_coding(&mut count, &mut ctx, Mv::ZERO);
            count.0
        };
        assert_eq!(zero, 2 * mvd_component_bits(0));
        for v in (i16::MIN..=i16::MAX).step_by(3).chain(-40..40) {
            let mut count = BinCount::default();
            mvd_coding(&mut count, &mut ctx, Mv::new(v, 0));
            let expected = mvd_component_bits(i32::from(v)) + mvd_component_bits(0);
            assert_eq!(expected, count.0, "mvd {v}");
        }
    }
}
