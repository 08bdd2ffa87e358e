//! Decisions of one CTU: CU split, intra luma and chroma modes, NxN (inter decisions of P
//! slices live in `inter_search`) — and the reconstruction and levels that go with them.
//!
//! Modes are pre-selected by SATD plus an estimate of their signalling bits; the few best are
//! then coded for real and compared by SSE + λ·bits, the bits counted by the syntax writer.

use crate::cabac::{BinSink, BitEstimator, Contexts};
use crate::cu::{chroma_mode, BlockInfo, BlockMap, CtuLevels, Cu, CuKind, IntraCu, Node};
use crate::dist::{satd, sse};
use crate::intra::{build_references, filter_needed, filter_references, predict, RefSamples};
use crate::padded::PaddedYuv;
use crate::params::LOG2_MIN_CB;
use crate::plane::Yuv;
use crate::quant::{chroma_qp, dequantize, hide_signs, quantize};
use crate::residual::code_residual;
use crate::scan::scan_order;
use crate::source_intra::SourceEstimates;
use crate::syntax::{mpm_candidates, CtuSyntax, ModeCode, PictureLayout};
use crate::tile_cache::SharedTiles;
use crate::transform::{forward, inverse};

/// How a block is predicted, which selects its transform and quantiser rounding.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Prediction {
    Intra,
    Inter,
}

/// Where the angular search starts when no angle was evaluated.
const MODE_ANGLE_MID: u8 = 18;

/// The fast preset codes the four 8x8 quadrants of a 16x16 intra CU of an I picture only
/// when their source samples' variation about their own means (SATD) is below this share
/// of the whole CU's about its mean: that is, when the quadrants differ from each other
/// more than they vary inside. Coding them costs more than the rest of the CU's decision
/// and wins in about one 16x16 CU in seven on detailed pans, one in fifty on soft film.
/// (Intra only: 1.7x faster on detailed pans for 0.4-1.0 % more bits, 1.0-1.1x on soft
/// film for -0.1 to +0.5 %; with an I picture every 30 frames, QP 22-37: +0.8 % bits on
/// detailed pans, +0.1 % on soft film.)
const QUADRANT_GAIN: f64 = 0.9;

/// The fast preset does not split a 16x16 CU of an I picture whose source samples vary
/// about their mean (SATD) by less than this many quantiser steps per sample, whatever
/// its quadrants: smaller CUs win in about one such CU in thirty (camera clips, QP
/// 22-37). (An I picture at QP 27: 21 % fewer instructions on soft film, 9 % on 4096x4096
/// scaled-up video, 0.3 % on detailed pans; sizes and PSNR within 0.1 % and 0.02 dB; 20
/// frames with one I picture, QP 22-37: +0.1 % bits for the same PSNR.)
const FLAT_STEPS: f64 = 0.3;

/// Modes kept after the SATD pre-selection by the thorough preset, by log2 block size
/// (4x4 .. 32x32).
const RD_CANDIDATES: [usize; 4] = [3, 3, 2, 2];

/// How hard the decisions search: the speed/compression trade-off of an encoder.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Preset {
    /// Real time: P-slice CUs and quadtrees chosen by SATD cost and coded once; intra
    /// modes chosen by SATD, each block coded once; no 4x4 intra prediction blocks.
    #[default]
    Fast,
    /// At every CU size, skip, merge, the searched vector (where its SATD beats merge's)
    /// and intra (where a quick check says it could win) coded and compared by
    /// rate-distortion cost: at equal quality
    /// 1.5 % fewer bits on detailed pans and 23 % on soft film, for 1.1-3x the time.
    Thorough,
}

impl Preset {
    /// Every preset, fastest first.
    pub const ALL: [Preset; 2] = [Preset::Fast, Preset::Thorough];

    /// The name the command line and Python use.
    pub fn name(self) -> &'static str {
        match self {
            Preset::Fast => "fast",
            Preset::Thorough => "thorough",
        }
    }

    /// The preset called `name` (any case).
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL
            .into_iter()
            .find(|p| p.name().eq_ignore_ascii_case(name))
    }
}

/// Rate-distortion trade-off for a picture QP.
#[derive(Clone, Copy, Debug)]
pub struct Lambda {
    pub qp: i32,
    pub qp_chroma: i32,
    /// Multiplies bits in SSE-based costs.
    pub sse: f64,
    /// Multiplies bits in SATD-based costs.
    pub satd: f64,
    /// Chroma SSE weight, making chroma errors comparable at its own QP.
    pub chroma_weight: f64,
    /// The quantiser step at `qp`, in sample units (2^((qp - 4) / 6)).
    pub qstep: f64,
}

impl Lambda {
    pub fn intra(qp: i32) -> Self {
        let qp_chroma = chroma_qp(qp);
        let sse = 0.57 * 2f64.powf(f64::from(qp - 12) / 3.0);
        Self {
            qp,
            qp_chroma,
            sse,
            satd: sse.sqrt(),
            chroma_weight: 2f64.powf(f64::from(qp - qp_chroma) / 3.0),
            qstep: 2f64.powf(f64::from(qp - 4) / 6.0),
        }
    }
}

/// What P-slice decisions predict from.
#[derive(Clone, Copy, Debug)]
pub struct InterRef<'a> {
    /// The previous reconstructed (deblocked) picture, its edges repeated into a margin.
    pub pic: &'a PaddedYuv,
    /// Its block map: co-located vectors seed the motion search.
    pub map: &'a BlockMap,
    /// The plan's intra estimates that idle workers have worked out ahead.
    pub(crate) estimates: Option<&'a SourceEstimates>,
    /// Tile SATDs that idle workers have worked out ahead.
    pub(crate) tiles: Option<&'a SharedTiles>,
}

/// Per-CTU search over a picture being reconstructed.
#[derive(Debug)]
pub struct CtuSearch<'a> {
    pub src: &'a Yuv,
    pub rec: &'a mut Yuv,
    pub map: &'a mut BlockMap,
    pub levels: &'a mut CtuLevels,
    pub layout: PictureLayout<'a>,
    pub ctu_x: usize,
    pub ctu_y: usize,
    pub lambda: Lambda,
    /// Context states the bit estimates start from.
    pub ctx: &'a Contexts,
    /// The reference of a P slice; `None` in I slices.
    pub reference: Option<InterRef<'a>>,
    pub preset: Preset,
}

/// Scratch buffers for one transform block, and for inter prediction of a CU: made once
/// per worker, reused by every CTU.
pub(crate) struct TuScratch {
    pub(crate) pred: [u8; 32 * 32],
    pub(crate) src: [u8; 32 * 32],
    residual: [i16; 32 * 32],
    coeffs: [i32; 32 * 32],
    levels: [i32; 32 * 32],
    pub(crate) inter: crate::inter_search::InterScratch,
    /// A snapshot whose buffers are reused from CU to CU.
    pub(crate) saved: Snapshot,
}

impl TuScratch {
    pub(crate) fn new() -> Box<Self> {
        Box::new(Self {
            pred: [0; 1024],
            src: [0; 1024],
            residual: [0; 1024],
            coeffs: [0; 1024],
            levels: [0; 1024],
            inter: Default::default(),
            saved: Snapshot::default(),
        })
    }
}

/// Saved reconstruction and levels of a CU region, to undo a rejected alternative.
#[derive(Default)]
pub(crate) struct Snapshot {
    rec: [Vec<u8>; 3],
    levels: [Vec<i32>; 3],
}

impl CtuSearch<'_> {
    /// Decides the CTU, using `scratch` for its blocks; returns its coding quadtree in
    /// pre-order.
    pub(crate) fn run(&mut self, scratch: &mut TuScratch) -> Vec<Node> {
        if let (Some(reference), Preset::Fast) = (self.reference, self.preset) {
            return self.run_planned(reference, scratch);
        }
        let mut nodes = Vec::with_capacity(64);
        self.decide(
            &mut nodes,
            scratch,
            self.ctu_x,
            self.ctu_y,
            self.layout.log2_ctb,
            0,
        );
        nodes
    }

    pub(crate) fn syntax(&self) -> CtuSyntax<'_> {
        CtuSyntax {
            layout: self.layout,
            map: self.map,
            levels: self.levels,
            ctu_x: self.ctu_x,
            ctu_y: self.ctu_y,
            qp_delta: None,
        }
    }

    pub(crate) fn bits_to_cost(&self, bits_q15: u64) -> f64 {
        self.lambda.sse * bits_q15 as f64 / 32768.0
    }

    fn split_flag_cost(&self, x: usize, y: usize, log2: u32, depth: u8, split: bool) -> f64 {
        self.bits_to_cost(self.split_flag_bits(x, y, log2, depth, split))
    }

    /// Estimated bits (q15) of split_cu_flag.
    pub(crate) fn split_flag_bits(
        &self,
        x: usize,
        y: usize,
        log2: u32,
        depth: u8,
        split: bool,
    ) -> u64 {
        let mut est = BitEstimator::default();
        let mut ctx = self.ctx.clone();
        self.syntax()
            .split_cu_flag(&mut est, &mut ctx, x, y, log2, depth, split);
        est.bits_q15()
    }

    /// Best coding of the square at (`x`, `y`): one CU or four smaller ones.
    fn decide(
        &mut self,
        nodes: &mut Vec<Node>,
        s: &mut TuScratch,
        x: usize,
        y: usize,
        log2: u32,
        depth: u8,
    ) -> f64 {
        let size = 1 << log2;
        let inside = x + size <= self.layout.width && y + size <= self.layout.height;
        // Intra CUs stop at 32x32: a 64x64 intra CU is four 32x32 transforms anyway.
        if !inside || (log2 > 5 && self.reference.is_none()) {
            nodes.push(Node::Split);
            let flag = if inside {
                self.split_flag_cost(x, y, log2, depth, true)
            } else {
                0.0
            };
            return self.decide_children(nodes, s, (x, y, log2, depth), flag, f64::INFINITY);
        }
        let (leaf_cost, cu, coded) = if self.reference.is_some() {
            self.best_cu_p(s, x, y, log2, depth)
        } else {
            self.best_cu(s, x, y, log2, depth)
        };
        if log2 == LOG2_MIN_CB {
            nodes.push(Node::Leaf(cu));
            return leaf_cost;
        }
        let leaf_cost = leaf_cost + self.split_flag_cost(x, y, log2, depth, false);
        // A CU predicted so well that it needs no residual is not worth splitting.
        if !coded || self.quadrants_look_no_better(s, x, y, log2) {
            nodes.push(Node::Leaf(cu));
            return leaf_cost;
        }
        let saved = self.snapshot(x, y, size);
        let mark = nodes.len();
        nodes.push(Node::Split);
        let flag = self.split_flag_cost(x, y, log2, depth, true);
        let split_cost = self.decide_children(nodes, s, (x, y, log2, depth), flag, leaf_cost);
        if split_cost < leaf_cost {
            return split_cost;
        }
        nodes.truncate(mark);
        nodes.push(Node::Leaf(cu));
        self.restore(&saved, x, y, size);
        self.mark_cu(&cu, depth);
        leaf_cost
    }

    /// Whether the fast preset skips splitting the 16x16 CU of an I picture at (`x`, `y`):
    /// its source is flat ([`FLAT_STEPS`]), or its four 8x8 quadrants' source samples vary
    /// about their own means nearly as much ([`QUADRANT_GAIN`]) as the whole CU's about its
    /// mean, so smaller CUs would mostly code the same texture at a higher price.
    fn quadrants_look_no_better(&self, s: &mut TuScratch, x: usize, y: usize, log2: u32) -> bool {
        if self.preset != Preset::Fast || self.reference.is_some() || log2 != LOG2_MIN_CB + 1 {
            return false;
        }
        let whole = self.source_ac(s, x, y, log2);
        let samples = (1u64 << (2 * log2)) as f64;
        if f64::from(whole) < FLAT_STEPS * self.lambda.qstep * samples {
            return true;
        }
        let parts: u32 = self
            .quadrants(x, y, log2)
            .map(|(qx, qy)| self.source_ac(s, qx, qy, log2 - 1))
            .sum();
        f64::from(parts) >= QUADRANT_GAIN * f64::from(whole)
    }

    /// SATD of the source block at (`x`, `y`) against its own (rounded) mean.
    fn source_ac(&self, s: &mut TuScratch, x: usize, y: usize, log2: u32) -> u32 {
        let n = 1usize << log2;
        self.src.planes[0].read_block(x, y, n, &mut s.src);
        let sum: usize = s.src[..n * n].iter().map(|&v| usize::from(v)).sum();
        let mean = (sum + n * n / 2) >> (2 * log2);
        s.pred[..n * n].fill(mean as u8);
        satd(&s.src, n, &s.pred, n, log2)
    }

    /// The cost of splitting the square (`x`, `y`, `log2`, `depth`): `flag` (the split
    /// flag's) plus the best coding of each quadrant, deciding them in turn. Stops once the
    /// cost reaches `to_beat` (the unsplit CU's): the split has lost whatever the rest cost
    /// (costs are not negative), and the caller undoes the quadrants.
    fn decide_children(
        &mut self,
        nodes: &mut Vec<Node>,
        s: &mut TuScratch,
        (x, y, log2, depth): (usize, usize, u32, u8),
        flag: f64,
        to_beat: f64,
    ) -> f64 {
        self.split_cost((x, y, log2), flag, to_beat, |this, cx, cy| {
            this.decide(nodes, s, cx, cy, log2 - 1, depth + 1)
        })
    }

    /// `flag` plus `quadrant`'s cost of each quadrant of the square (`x`, `y`, `log2`) in
    /// turn, stopping once the sum reaches `to_beat`: the split has lost whatever the rest
    /// cost (costs are not negative). Deciding and planning both split this way.
    pub(crate) fn split_cost(
        &mut self,
        (x, y, log2): (usize, usize, u32),
        flag: f64,
        to_beat: f64,
        mut quadrant: impl FnMut(&mut Self, usize, usize) -> f64,
    ) -> f64 {
        let mut cost = flag;
        for (cx, cy) in self.quadrants(x, y, log2) {
            cost += quadrant(self, cx, cy);
            if cost >= to_beat {
                break;
            }
        }
        cost
    }

    /// The positions of the four quadrants of the square at (`x`, `y`) that start inside
    /// the picture, in z-order.
    pub(crate) fn quadrants(
        &self,
        x: usize,
        y: usize,
        log2: u32,
    ) -> impl Iterator<Item = (usize, usize)> {
        let half = 1 << (log2 - 1);
        let (w, h) = (self.layout.width, self.layout.height);
        [(0, 0), (half, 0), (0, half), (half, half)]
            .into_iter()
            .map(move |(dx, dy)| (x + dx, y + dy))
            .filter(move |&(cx, cy)| cx < w && cy < h)
    }

    /// The best single CU (2Nx2N, or NxN at 8x8): its cost, its description, and whether it
    /// codes any residual. Leaves its reconstruction, levels and block map in place.
    fn best_cu(
        &mut self,
        s: &mut TuScratch,
        x: usize,
        y: usize,
        log2: u32,
        depth: u8,
    ) -> (f64, Cu, bool) {
        let whole = self.code_cu(s, x, y, log2, depth, false);
        if log2 != LOG2_MIN_CB || self.preset == Preset::Fast {
            return whole;
        }
        let saved = self.snapshot(x, y, 8);
        let split = self.code_cu(s, x, y, log2, depth, true);
        if split.0 < whole.0 {
            return split;
        }
        self.restore(&saved, x, y, 8);
        self.mark_cu(&whole.1, depth);
        whole
    }

    /// Searches and codes one intra CU with one (2Nx2N) or four (NxN) prediction blocks.
    pub(crate) fn code_cu(
        &mut self,
        s: &mut TuScratch,
        x: usize,
        y: usize,
        log2: u32,
        depth: u8,
        nxn: bool,
    ) -> (f64, Cu, bool) {
        let mut luma_modes = [0u8; 4];
        let mut dist = 0u64;
        if nxn {
            for (i, mode) in luma_modes.iter_mut().enumerate() {
                let (px, py) = (x + (i & 1) * 4, y + (i >> 1) * 4);
                let (m, d) = self.search_luma(s, px, py, 2);
                *mode = m;
                dist += d;
                self.map.fill(px, py, 4, BlockInfo::intra(depth, m));
            }
        } else {
            let (m, d) = self.search_luma(s, x, y, log2);
            luma_modes = [m; 4];
            dist += d;
        }
        let (chroma_code, chroma_dist) = self.search_chroma(s, x, y, log2 - 1, luma_modes[0]);
        let cu = Cu {
            x,
            y,
            log2,
            kind: CuKind::Intra(IntraCu {
                nxn,
                luma_modes,
                chroma_code,
                tu_split: false,
            }),
        };
        self.mark_cu(&cu, depth);
        let mut est = BitEstimator::default();
        let mut ctx = self.ctx.clone();
        self.syntax().coding_unit(&mut est, &mut ctx, &cu);
        let cost = dist as f64
            + self.lambda.chroma_weight * chroma_dist as f64
            + self.bits_to_cost(est.bits_q15());
        let coded = self.any_levels(x, y, 1 << log2);
        (cost, cu, coded)
    }

    pub(crate) fn mark_cu(&mut self, cu: &Cu, depth: u8) {
        let size = 1 << cu.log2;
        match cu.kind {
            CuKind::Intra(intra) if intra.nxn => {
                for (i, &m) in intra.luma_modes.iter().enumerate() {
                    let (px, py) = (cu.x + (i & 1) * 4, cu.y + (i >> 1) * 4);
                    self.map.fill(px, py, 4, BlockInfo::intra(depth, m));
                }
            }
            CuKind::Intra(intra) => {
                let info = BlockInfo::intra(depth, intra.luma_modes[0]);
                self.map.fill(cu.x, cu.y, size, info);
            }
            CuKind::Inter(inter) => {
                let info = BlockInfo::inter(depth, inter.mv, inter.skip);
                self.map.fill(cu.x, cu.y, size, info);
            }
        }
    }

    pub(crate) fn any_levels(&self, x: usize, y: usize, size: usize) -> bool {
        let (lx, ly) = (x - self.ctu_x, y - self.ctu_y);
        self.levels.any_nonzero(0, lx, ly, size)
            || self.levels.any_nonzero(1, lx / 2, ly / 2, size / 2)
            || self.levels.any_nonzero(2, lx / 2, ly / 2, size / 2)
    }

    /// Picks and codes the luma mode of one prediction block; returns it and its SSE.
    fn search_luma(&mut self, s: &mut TuScratch, x: usize, y: usize, log2: u32) -> (u8, u64) {
        let n = 1usize << log2;
        let src = &self.src.planes[0];
        src.read_block(x, y, n, &mut s.src);
        let refs = build_references(&self.rec.planes[0], self.layout.avail, x, y, log2, false);
        let filtered = filter_references(&refs, true);
        let mpm = mpm_candidates(self.map, &self.layout, x, y);

        let mut ranked: Vec<(f64, u8)> = Vec::with_capacity(24);
        let mut rough_cost = |mode: u8, ranked: &mut Vec<(f64, u8)>| {
            if ranked.iter().any(|r| r.1 == mode) {
                return;
            }
            let r = if filter_needed(log2, mode) {
                &filtered
            } else {
                &refs
            };
            predict(r, log2, mode, true, &mut s.pred[..n * n]);
            let d = satd(&s.src, n, &s.pred, n, log2);
            let bits = ModeCode::of(mode, &mpm).approx_bits();
            ranked.push((f64::from(d) + self.lambda.satd * f64::from(bits), mode));
        };
        // Coarse to fine: planar, DC, every fourth angle and the MPMs, then the neighbours
        // of the best angle at distance two and one.
        for mode in [0u8, 1].into_iter().chain((2..=34).step_by(4)).chain(mpm) {
            rough_cost(mode, &mut ranked);
        }
        for step in [2u8, 1] {
            let best_angle = ranked
                .iter()
                .filter(|r| r.1 >= 2)
                .min_by(|a, b| a.0.total_cmp(&b.0))
                .map_or(MODE_ANGLE_MID, |r| r.1);
            for mode in [best_angle.saturating_sub(step), best_angle + step] {
                if (2..=34).contains(&mode) {
                    rough_cost(mode, &mut ranked);
                }
            }
        }
        let keep = match self.preset {
            Preset::Fast => 1,
            Preset::Thorough => RD_CANDIDATES[(log2 - 2) as usize],
        };
        if keep == 1 {
            // One candidate: no RD comparison, so its residual bits need no estimate.
            let mode = ranked
                .iter()
                .min_by(|a, b| a.0.total_cmp(&b.0))
                .map_or(MODE_ANGLE_MID, |r| r.1);
            let dist = self
                .code_luma(s, x, y, log2, mode, &refs, &filtered, false)
                .0;
            return (mode, dist);
        }
        ranked.sort_by(|a, b| a.0.total_cmp(&b.0));

        let mut best = (f64::MAX, 0u8, 0u64);
        for &(_, mode) in ranked.iter().take(keep) {
            let (dist, bits) = self.code_luma(s, x, y, log2, mode, &refs, &filtered, true);
            let mode_bits = u64::from(ModeCode::of(mode, &mpm).approx_bits()) << 15;
            let cost = dist as f64 + self.bits_to_cost(bits + mode_bits);
            if cost < best.0 {
                best = (cost, mode, dist);
            }
        }
        if ranked[..keep.min(ranked.len())].last().map(|r| r.1) != Some(best.1) {
            self.code_luma(s, x, y, log2, best.1, &refs, &filtered, false);
        }
        (best.1, best.2)
    }

    /// Predicts, transforms, quantises and reconstructs one luma block; returns SSE and, when
    /// `estimate` asks for them, the estimated bits (q15) of its cbf and residual.
    #[allow(clippy::too_many_arguments)]
    fn code_luma(
        &mut self,
        s: &mut TuScratch,
        x: usize,
        y: usize,
        log2: u32,
        mode: u8,
        refs: &RefSamples,
        filtered: &RefSamples,
        estimate: bool,
    ) -> (u64, u64) {
        let n = 1usize << log2;
        let r = if filter_needed(log2, mode) {
            filtered
        } else {
            refs
        };
        predict(r, log2, mode, true, &mut s.pred[..n * n]);
        self.src.planes[0].read_block(x, y, n, &mut s.src);
        let order = scan_order(log2, true, Some(mode));
        let (lx, ly) = (x - self.ctu_x, y - self.ctu_y);
        self.code_block(s, 0, x, y, log2, order, self.lambda.qp, Prediction::Intra);
        let rec = &self.rec.planes[0];
        let d = sse(&s.src, n, &rec.data[y * rec.stride + x..], rec.stride, n, n);
        if !estimate {
            return (d, 0);
        }
        let mut est = BitEstimator::default();
        let mut ctx = self.ctx.clone();
        let coded = self.levels.any_nonzero(0, lx, ly, n);
        est.bin(&mut ctx.cbf_luma[1], u32::from(coded));
        if coded {
            let stride = crate::cu::LEVEL_STRIDE[0];
            code_residual(
                &mut est,
                &mut ctx,
                self.levels.block(0, lx, ly),
                stride,
                log2,
                false,
                order,
            );
        }
        (d, est.bits_q15())
    }

    /// Residual coding of the prediction in `s.pred` against `s.src` for plane `c` at plane
    /// position (`x`, `y`): stores the levels and writes the reconstruction.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn code_block(
        &mut self,
        s: &mut TuScratch,
        c: usize,
        x: usize,
        y: usize,
        log2: u32,
        order: crate::scan::ScanOrder,
        qp: i32,
        prediction: Prediction,
    ) {
        let n = 1usize << log2;
        let nn = n * n;
        let intra = prediction == Prediction::Intra;
        // The 4x4 DST is for intra luma only.
        let dst = intra && c == 0 && log2 == 2;
        for ((r, &a), &p) in s.residual[..nn]
            .iter_mut()
            .zip(&s.src[..nn])
            .zip(&s.pred[..nn])
        {
            *r = i16::from(a) - i16::from(p);
        }
        forward(&s.residual[..nn], &mut s.coeffs[..nn], log2, dst);
        let mut nonzero = quantize(&s.coeffs[..nn], &mut s.levels[..nn], log2, qp, intra);
        if nonzero > 0 {
            hide_signs(&s.coeffs[..nn], &mut s.levels[..nn], log2, order, qp, intra);
            nonzero = s.levels[..nn].iter().filter(|&&l| l != 0).count() as u32;
        }
        let (lx, ly) = if c == 0 {
            (x - self.ctu_x, y - self.ctu_y)
        } else {
            (x - self.ctu_x / 2, y - self.ctu_y / 2)
        };
        self.levels.store(c, lx, ly, n, &s.levels[..nn]);
        let plane = &mut self.rec.planes[c];
        if nonzero == 0 {
            plane.write_block(x, y, n, &s.pred[..nn]);
            return;
        }
        dequantize(&s.levels[..nn], &mut s.coeffs[..nn], log2, qp);
        inverse(&s.coeffs[..nn], &mut s.residual[..nn], log2, dst);
        let rows = s.pred[..nn]
            .chunks_exact(n)
            .zip(s.residual[..nn].chunks_exact(n));
        for (r, (pred, res)) in rows.enumerate() {
            let row = &mut plane.data[(y + r) * plane.stride + x..][..n];
            for ((v, &p), &d) in row.iter_mut().zip(pred).zip(res) {
                *v = (i16::from(p) + d).clamp(0, 255) as u8;
            }
        }
    }

    /// Picks and codes the chroma mode of a CU whose chroma blocks are `1 << clog2` wide at
    /// luma (`x`, `y`); returns intra_chroma_pred_mode and the SSE of both planes.
    fn search_chroma(
        &mut self,
        s: &mut TuScratch,
        x: usize,
        y: usize,
        clog2: u32,
        luma_mode: u8,
    ) -> (u8, u64) {
        let n = 1usize << clog2;
        let (cx, cy) = (x / 2, y / 2);
        let refs: [RefSamples; 2] = [1, 2]
            .map(|c| build_references(&self.rec.planes[c], self.layout.avail, cx, cy, clog2, true));
        let mut best = (f64::MAX, 4u8);
        for code in [4u8, 0, 1, 2, 3] {
            let mode = chroma_mode(code, luma_mode);
            let mut d = 0u32;
            for (i, r) in refs.iter().enumerate() {
                predict(r, clog2, mode, false, &mut s.pred[..n * n]);
                let src = &self.src.planes[i + 1];
                let at = cy * src.stride + cx;
                d += satd(&src.data[at..], src.stride, &s.pred, n, clog2);
            }
            let bits = if code == 4 { 1.0 } else { 3.0 };
            let cost = f64::from(d) + self.lambda.satd * bits;
            if cost < best.0 {
                best = (cost, code);
            }
        }
        let mode = chroma_mode(best.1, luma_mode);
        let order = scan_order(clog2, false, Some(mode));
        let mut dist = 0;
        for (i, r) in refs.iter().enumerate() {
            let c = i + 1;
            predict(r, clog2, mode, false, &mut s.pred[..n * n]);
            self.src.planes[c].read_block(cx, cy, n, &mut s.src);
            self.code_block(
                s,
                c,
                cx,
                cy,
                clog2,
                order,
                self.lambda.qp_chroma,
                Prediction::Intra,
            );
            let rec = &self.rec.planes[c];
            dist += sse(
                &s.src,
                n,
                &rec.data[cy * rec.stride + cx..],
                rec.stride,
                n,
                n,
            );
        }
        (best.1, dist)
    }

    pub(crate) fn snapshot(&self, x: usize, y: usize, size: usize) -> Snapshot {
        let mut snap = Snapshot::default();
        self.snapshot_into(&mut snap, x, y, size);
        snap
    }

    /// [`Self::snapshot`] into `snap`, reusing its buffers.
    pub(crate) fn snapshot_into(&self, snap: &mut Snapshot, x: usize, y: usize, size: usize) {
        let (lx, ly) = (x - self.ctu_x, y - self.ctu_y);
        for c in 0..3 {
            let (px, py, n) = if c == 0 {
                (x, y, size)
            } else {
                (x / 2, y / 2, size / 2)
            };
            let (qx, qy) = if c == 0 { (lx, ly) } else { (lx / 2, ly / 2) };
            let block = &mut snap.rec[c];
            block.resize(n * n, 0);
            self.rec.planes[c].read_block(px, py, n, block);
            let stride = crate::cu::LEVEL_STRIDE[c];
            let levels = &mut snap.levels[c];
            levels.clear();
            for r in 0..n {
                levels.extend_from_slice(&self.levels.planes[c][(qy + r) * stride + qx..][..n]);
            }
        }
    }

    pub(crate) fn restore(&mut self, snap: &Snapshot, x: usize, y: usize, size: usize) {
        let (lx, ly) = (x - self.ctu_x, y - self.ctu_y);
        for c in 0..3 {
            let (px, py, n) = if c == 0 {
                (x, y, size)
            } else {
                (x / 2, y / 2, size / 2)
            };
            let (qx, qy) = if c == 0 { (lx, ly) } else { (lx / 2, ly / 2) };
            self.rec.planes[c].write_block(px, py, n, &snap.rec[c]);
            self.levels.store(c, qx, qy, n, &snap.levels[c]);
        }
    }
}
