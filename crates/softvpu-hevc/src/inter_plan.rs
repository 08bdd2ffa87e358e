//! Fast P-slice decisions. The coding quadtree and each CU's prediction are chosen by SATD
//! plus λ·(signalling bits) with no residual coded while deciding; the chosen CUs are then
//! coded once, in order. Coding the alternatives with their residual (`inter_search`) codes
//! each sample six to eight times; this codes it once and searches whole-sample motion at
//! every depth but the smallest, but refines it to quarter samples only for the CUs kept.

use crate::analysis::{CtuSearch, InterRef, TuScratch};
use crate::cu::{Cu, CuKind, InterCu, IntraCu, MotionCode, Node};
use crate::inter_search::{amvp_code, inter_cu};
use crate::intra::MODE_DC;
use crate::mv::{candidates, Mv};
use crate::params::LOG2_MIN_CB;

/// A CU whose best prediction is a merge candidate with a SATD below this many quantiser
/// steps per sample is not split: its residual mostly quantises to nothing, and smaller
/// CUs would mostly repeat its motion. (0.25 saves 10-15 % of the time of camera video
/// for 0.05-0.1 dB; 0.5 loses 0.8 dB on detailed pans.)
const QUIET_STEPS: f64 = 0.25;

/// A 16x16 inter CU with a SATD below this many quantiser steps per sample is not split
/// into 8x8 CUs, whatever its motion, from QP `QUIET_16_MIN_QP` on: eight-sample motion
/// rarely pays where sixteen-sample motion predicts that well. (At QP 22-37: 18 % fewer
/// instructions for 1.3 % more bits on detailed pans, 0.1 % on soft film. The same rule at
/// 32x32 costs 5 % more bits on detailed pans. Below QP 22 the noise alone is near a
/// quantiser step per sample, and the rule lost 0.3 dB on soft film at QP 16.)
const QUIET_STEPS_16: f64 = 1.0;
const QUIET_16_MIN_QP: i32 = 22;

/// Planning weighs signalling bits this much more than coding does: SATD counts all of a
/// prediction's error, though much of it (noise, mostly) quantises away, so at λ alone the
/// plan splits and signals vectors to chase error that costs nothing. The more of it
/// quantises away, the more so: 1.5 up to QP 22, rising by 0.2 a QP step to 2.5 from QP 27.
/// (1.5 against 1: 6 % fewer bits for the same quality on soft film at QP 32, neutral on
/// detailed pans and at high rates. The rise against 1.5 throughout, 30 frames 1080p:
/// QP 22-37 -2.9 % bits on soft film, +0.1 % on detailed pans, soft film 15 % faster at
/// QP 32; QP 12-24 -0.2 % and 0.0 %. 2.5 throughout cost 0.4-0.7 % at QP 12-24.)
fn plan_lambda_scale(qp: i32) -> f64 {
    (1.5 + 0.2 * f64::from(qp - 22)).clamp(1.5, 2.5)
}

/// The smallest CU whose plan searches its own motion. An 8x8 CU is planned with its merge
/// candidates (the motion of its neighbours) and intra only, and its vector refined to
/// quarter samples around the chosen candidate when it is coded: an 8x8 whole-sample
/// search mostly follows noise. (Fast preset, 30 frames 1080p: at QP 22-37 -0.15 % bits on
/// detailed pans, -0.9 % on soft film; at QP 12-24 +0.4 % and -0.7 %; 8000 kbps soft film
/// 13 % faster.)
const SEARCH_MIN_LOG2: u32 = LOG2_MIN_CB + 1;

/// Bits an intra CU of a P slice spends on its prediction mode and luma mode, for the
/// SATD comparison with inter CUs.
const INTRA_MODE_BITS: f64 = 5.0;

/// A CU planned as intra is coded as inter too unless the plan's inter cost is this many
/// times its intra estimate (see [`Planned`]).
const INTRA_SURE: f64 = 2.0;

/// A node of the planned quadtree. Leaves carry the whole-sample motion search result,
/// refined when the CU is coded, and whether a CU planned as intra is worth coding as inter
/// too (at QP 16-30, a CU whose inter estimate is twice its intra estimate codes best as
/// intra nine times in ten; coding those as intra only saves 5 % of the time of soft film
/// at high rates for 0.2-0.5 % more bits).
#[derive(Clone, Copy, Debug)]
enum Planned {
    Split,
    Leaf(Cu, Mv, bool),
}

impl CtuSearch<'_> {
    /// Decides a P-slice CTU by SATD cost, then codes its CUs; returns the coding quadtree.
    pub(crate) fn run_planned(&mut self, reference: InterRef<'_>, s: &mut TuScratch) -> Vec<Node> {
        let mut plan = Vec::with_capacity(64);
        let (x, y, log2) = (self.ctu_x, self.ctu_y, self.layout.log2_ctb);
        let lambda = self.lambda.satd;
        self.lambda.satd *= plan_lambda_scale(self.lambda.qp);
        s.inter.tiles.start(x, y);
        if let Some(seeds) = reference.tiles.and_then(|t| t.get(x >> log2, y >> log2)) {
            s.inter.tiles.seed(seeds);
        }
        self.plan(&mut plan, s, reference, x, y, log2, 0);
        s.inter.tiles.freeze();
        self.lambda.satd = lambda;
        let nodes = plan
            .into_iter()
            .map(|node| match node {
                Planned::Split => Node::Split,
                Planned::Leaf(cu, searched, try_inter) => {
                    let depth = (log2 - cu.log2) as u8;
                    Node::Leaf(self.code_planned(s, reference, cu, searched, depth, try_inter))
                }
            })
            .collect();
        s.inter.tiles.stop();
        nodes
    }

    /// Plans the square at (`x`, `y`): one CU or four smaller ones, whichever has the lower
    /// SATD cost. Leaves the block map holding the plan; returns its cost.
    #[allow(clippy::too_many_arguments)]
    fn plan(
        &mut self,
        nodes: &mut Vec<Planned>,
        s: &mut TuScratch,
        reference: InterRef<'_>,
        x: usize,
        y: usize,
        log2: u32,
        depth: u8,
    ) -> f64 {
        let size = 1usize << log2;
        let inside = x + size <= self.layout.width && y + size <= self.layout.height;
        if !inside {
            nodes.push(Planned::Split);
            let square = (x, y, log2, depth);
            return self.plan_children(nodes, s, reference, square, 0.0, f64::INFINITY);
        }
        let (cost, cu, searched, try_inter) = self.plan_cu(s, reference, x, y, log2);
        self.mark_cu(&cu, depth);
        let merged = matches!(
            cu.kind,
            CuKind::Inter(InterCu {
                motion: MotionCode::Merge(_),
                ..
            })
        );
        let inter = matches!(cu.kind, CuKind::Inter(_));
        let quiet = (merged && cost < self.per_sample(log2, QUIET_STEPS))
            || (log2 == LOG2_MIN_CB + 1
                && inter
                && self.lambda.qp >= QUIET_16_MIN_QP
                && cost < self.per_sample(log2, QUIET_STEPS_16));
        if log2 == LOG2_MIN_CB || quiet {
            nodes.push(Planned::Leaf(cu, searched, try_inter));
            return cost;
        }
        let flag_cost = |this: &Self, split| {
            this.lambda.satd * this.split_flag_bits(x, y, log2, depth, split) as f64 / 32768.0
        };
        let leaf_cost = cost + flag_cost(self, false);
        let mark = nodes.len();
        nodes.push(Planned::Split);
        let flag = flag_cost(self, true);
        let split_cost =
            self.plan_children(nodes, s, reference, (x, y, log2, depth), flag, leaf_cost);
        if split_cost < leaf_cost {
            return split_cost;
        }
        nodes.truncate(mark);
        nodes.push(Planned::Leaf(cu, searched, try_inter));
        self.mark_cu(&cu, depth);
        leaf_cost
    }

    /// The planned cost of splitting the square: `flag` plus each quadrant's plan, stopping
    /// once it reaches `to_beat` (see `CtuSearch::split_cost`).
    fn plan_children(
        &mut self,
        nodes: &mut Vec<Planned>,
        s: &mut TuScratch,
        reference: InterRef<'_>,
        (x, y, log2, depth): (usize, usize, u32, u8),
        flag: f64,
        to_beat: f64,
    ) -> f64 {
        self.split_cost((x, y, log2), flag, to_beat, |this, cx, cy| {
            this.plan(nodes, s, reference, cx, cy, log2 - 1, depth + 1)
        })
    }

    /// The cheapest prediction of one CU by SATD: the best merge candidate, the whole-sample
    /// motion search result, or (up to 32x32) intra; and the searched vector. An intra CU's
    /// modes are placeholders, searched when it is coded (and compared with inter then:
    /// estimated from source samples, intra looks better than it codes, unless inter is far
    /// behind: the last value says whether to code it as inter too).
    fn plan_cu(
        &self,
        s: &mut TuScratch,
        reference: InterRef<'_>,
        x: usize,
        y: usize,
        log2: u32,
    ) -> (f64, Cu, Mv, bool) {
        let size = 1usize << log2;
        let (merge, amvp) = candidates(self.map, &self.layout, x, y, size);
        let merge = &merge[..self.layout.max_merge_cand];
        let (idx, merge_mv, merge_cost) = self.pick_merge(s, reference.pic, x, y, log2, merge);
        let mut best = (
            merge_cost,
            inter_cu(x, y, log2, merge_mv, MotionCode::Merge(idx as u8), false),
        );

        // The smallest CUs are planned with merge candidates only (see SEARCH_MIN_LOG2).
        let mut mv = merge_mv;
        if log2 >= SEARCH_MIN_LOG2 {
            let colocated = reference.map.get(x, y);
            let seed = (!colocated.is_intra()).then_some(colocated.mv);
            mv = self.integer_search(s, reference.pic, x, y, log2, &amvp, merge, seed);
            if mv != merge_mv {
                // One more bin than merge (merge_flag 0) besides the vector difference.
                let cost = self.motion_cost(s, reference.pic, x, y, log2, &amvp, mv);
                let cost = cost + self.lambda.satd;
                if cost < best.0 {
                    best = (cost, inter_cu(x, y, log2, mv, amvp_code(mv, &amvp), false));
                }
            }
        }

        let inter = best.0;
        if log2 <= 5 {
            let cost = self.intra_estimate(s, x, y, log2, best.0);
            if cost < best.0 {
                let intra = IntraCu {
                    nxn: false,
                    luma_modes: [MODE_DC; 4],
                    chroma_code: 4,
                    tu_split: false,
                };
                best = (
                    cost,
                    Cu {
                        x,
                        y,
                        log2,
                        kind: CuKind::Intra(intra),
                    },
                );
            }
        }
        let try_inter = inter <= INTRA_SURE * best.0;
        (best.0, best.1, mv, try_inter)
    }

    /// `k` quantiser steps per sample of a block, as a SATD cost.
    fn per_sample(&self, log2: u32, k: f64) -> f64 {
        k * self.lambda.qstep * (1u64 << (2 * log2)) as f64
    }

    /// SATD cost of the best of four intra predictions made from the source picture (the
    /// reconstruction of this CTU does not exist yet while planning); exact when below
    /// `to_beat` (the best inter cost), otherwise only known not to be. Taken from the
    /// estimates worked out ahead when there are (see [`crate::source_intra`]).
    fn intra_estimate(
        &self,
        s: &mut TuScratch,
        x: usize,
        y: usize,
        log2: u32,
        to_beat: f64,
    ) -> f64 {
        let mode_cost = self.lambda.satd * INTRA_MODE_BITS;
        let ahead = self.reference.and_then(|r| r.estimates?.get(x, y, log2));
        let best = ahead.unwrap_or_else(|| {
            self.simple_intra_satd(s, &self.src.planes[0], x, y, log2, to_beat - mode_cost)
        });
        f64::from(best) + mode_cost
    }

    /// Codes a planned CU: refines the searched vector to quarter samples and takes it or the
    /// best merge candidate, codes the residual, and keeps a skip instead when the residual
    /// does not pay for itself; a CU planned as intra is coded as intra too and kept if that
    /// costs less (or as intra alone, unless `try_inter`). Returns the CU as coded. The merge
    /// candidates are found again: the CUs before this one may have refined their vectors
    /// since the plan.
    /// (Refining only where the merge candidate is not far ahead loses 1.5 dB on detailed
    /// pans: quarter-sample precision is worth its time.)
    fn code_planned(
        &mut self,
        s: &mut TuScratch,
        reference: InterRef<'_>,
        cu: Cu,
        searched: Mv,
        depth: u8,
        try_inter: bool,
    ) -> Cu {
        let (x, y, log2) = (cu.x, cu.y, cu.log2);
        let size = 1usize << log2;
        if matches!(cu.kind, CuKind::Intra(_)) && !try_inter {
            return self.code_cu(s, x, y, log2, depth, false).1;
        }
        let (merge, amvp) = candidates(self.map, &self.layout, x, y, size);
        let (mv, cost) = self.refine_fractional(s, reference.pic, x, y, log2, &amvp, searched);
        let merge = &merge[..self.layout.max_merge_cand];
        let (idx, merge_mv, merge_cost) = self.pick_merge(s, reference.pic, x, y, log2, merge);
        let (mv, motion) = if merge_cost <= cost + self.lambda.satd {
            (merge_mv, MotionCode::Merge(idx as u8))
        } else {
            match merge.iter().position(|&m| m == mv) {
                Some(i) => (mv, MotionCode::Merge(i as u8)),
                None => (mv, amvp_code(mv, &amvp)),
            }
        };

        // Skip with the merge candidate (priced from its prediction, reconstructed only if
        // it wins), then the chosen motion with its residual.
        let skip = inter_cu(x, y, log2, merge_mv, MotionCode::Merge(idx as u8), true);
        self.predict_inter(s, reference.pic, x, y, log2, merge_mv);
        let skip_cost = self.skip_cost(s, &skip);
        if mv != merge_mv {
            // The merge prediction is kept, for the skip to be reconstructed again.
            s.inter.swap_kept();
            self.predict_inter(s, reference.pic, x, y, log2, mv);
        }
        let coded = inter_cu(x, y, log2, mv, motion, false);
        let (mut best_cost, mut best, _) = self.finish_inter(s, coded, depth, true);
        // (Coded without residual, the merge candidate's CU is that skip already.)
        if skip_cost <= best_cost && best != skip {
            if mv != merge_mv {
                s.inter.swap_kept();
            }
            self.reconstruct_inter(s, skip, depth, false);
            (best_cost, best) = (skip_cost, skip);
        }

        // A CU planned as intra (estimated from the source) is coded both ways.
        if let CuKind::Intra(_) = cu.kind {
            let mut saved = std::mem::take(&mut s.saved);
            self.snapshot_into(&mut saved, x, y, size);
            let (intra_cost, intra, _) = self.code_cu(s, x, y, log2, depth, false);
            if intra_cost < best_cost {
                best = intra;
            } else {
                self.restore(&saved, x, y, size);
                self.mark_cu(&best, depth);
            }
            s.saved = saved;
        }
        best
    }
}
