//! H.265 rate control: a QP per picture from the size models, then a QP per CTU that
//! follows how the picture is spending its budget (and adaptive quantisation).

use std::sync::Mutex;

use softvpu_core::Frame;
use softvpu_hevc::{Progress, QpPlan};

use super::buffer::RateBuffer;
use super::complexity::{Analyzer, Complexity};
use super::model::SizeModel;
use super::{Mode, RateReport, RateSettings};

/// ln(bits) falls this much per QP step (bits halve about every 5.5 QP in intra pictures,
/// every 4.5 in P pictures, where more blocks become skips).
const SLOPE_I: f64 = std::f64::consts::LN_2 / 5.5;
const SLOPE_P: f64 = std::f64::consts::LN_2 / 4.5;
/// Prior before the first frame: intra bits per unit of measured complexity at QP 32.
const PRIOR_I_BITS_PER_COMPLEXITY_QP32: f64 = 0.11;
/// P pictures start from the intra model scaled by this.
const PRIOR_P_RATIO: f64 = 0.6;
/// Before any P picture was coded: an IDR's size over a P picture's (camera content at
/// QPs 24..40 measures 7..15).
const PRIOR_IDR_RATIO: f64 = 10.0;
/// An IDR is planned at this many QPs below the recent P pictures.
const IDR_QP_OFFSET: f64 = 3.0;
/// The most an IDR may differ from the one before, as a share of its period's budget:
/// every one-second window holds one IDR, so a jump in IDR size is a jump in the rate.
const IDR_STEP: f64 = 0.08;
/// An open-loop picture is corrected only once it has spent this many times its target.
const OPEN_LOOP_LIMIT: f64 = 1.5;
/// How far the CTU QPs of a picture may move from its base QP to follow its budget.
const MAX_RAISE: f64 = 3.0;
const MAX_LOWER: f64 = 2.0;
/// When the coded CTUs cost this many times their plan (a scene the model has not seen),
/// the QP may rise as far as [`BIG_RAISE`] to keep the picture near its budget.
const BIG_MISS: f64 = 1.5;
const BIG_RAISE: f64 = 10.0;
/// CTU size of the encoder.
const CTB: usize = 64;

/// Rate state of one H.265 channel.
#[derive(Debug)]
pub(crate) struct HevcRate {
    settings: RateSettings,
    buffer: RateBuffer,
    analyzer: Analyzer,
    intra: Option<SizeModel>,
    inter: Option<SizeModel>,
    /// Mean QP of the last P picture.
    last_p_qp: Option<f64>,
    /// P complexity of the last P picture.
    last_p_complexity: f64,
    /// Pictures coded since the last IDR (the IDR counts).
    since_idr: u32,
    /// Size of the last IDR.
    last_idr_bits: Option<f64>,
}

impl HevcRate {
    pub fn new(settings: RateSettings) -> Self {
        Self {
            buffer: RateBuffer::new(settings.kbps, settings.fps, settings.buffer_ms),
            settings,
            analyzer: Analyzer::default(),
            intra: None,
            inter: None,
            last_p_qp: None,
            last_p_complexity: 1.0,
            since_idr: 0,
            last_idr_bits: None,
        }
    }

    /// Plans the next picture (an IDR when `idr`).
    pub fn plan(&mut self, frame: &Frame<'_>, idr: bool) -> FramePlan {
        let complexity = self.analyzer.measure(frame);
        if idr {
            self.since_idr = 0;
        }
        let cost = if idr {
            complexity.intra_total()
        } else {
            complexity.inter_total()
        };
        // The first picture has no model to trust: it is coded at the planned QP and only
        // held back from overflowing; what it takes teaches the model.
        let open_loop = idr && !self.intra.is_some_and(|m| m.trained());
        let model = self.model(idr);
        let target = self.target(idr, &model, cost);
        let (lo, hi) = self.range();
        let mut q0 = model.x_for(cost, target);
        if let (false, Some(last)) = (idr, self.last_p_qp) {
            // Steady quality from picture to picture; rows correct what this leaves.
            q0 = q0.clamp(last - 3.0, last + 6.0);
        }
        let q0 = q0.clamp(f64::from(lo), f64::from(hi));
        let room = self.buffer.room();
        let ceiling = if idr {
            room
        } else {
            room.min(2.5 * self.buffer.per_frame)
        };
        FramePlan::new(PlanInputs {
            complexity: &complexity,
            idr,
            open_loop,
            cost,
            target,
            ceiling,
            q0,
            slope: model_slope(idr),
            range: (lo, hi),
            aq_strength: self.settings.aq_strength,
            size: (self.settings.width as usize, self.settings.height as usize),
        })
    }

    /// Learns from the coded picture.
    pub fn update(&mut self, plan: &FramePlan, bits: usize, qp_mean: f64) -> RateReport {
        let bits = bits as f64;
        let model = if plan.idr {
            self.last_idr_bits = Some(bits);
            &mut self.intra
        } else {
            self.last_p_qp = Some(qp_mean);
            self.last_p_complexity = plan.cost;
            &mut self.inter
        };
        if let Some(m) = model.as_mut() {
            m.update(plan.cost, qp_mean, bits);
        }
        self.buffer.add(bits);
        self.since_idr += 1;
        RateReport {
            target_bits: plan.target as u64,
            buffer_level_bits: self.buffer.level() as u64,
            buffer_size_bits: self.buffer.size as u64,
        }
    }

    fn range(&self) -> (u8, u8) {
        let (lo, hi) = self.settings.range;
        match self.settings.mode {
            Mode::Cbr => (lo, hi),
            Mode::Capped { quantizer } => (quantizer.max(lo).min(hi), hi),
        }
    }

    /// The model for this picture type, created from priors on first use.
    fn model(&mut self, idr: bool) -> SizeModel {
        let intra = *self.intra.get_or_insert_with(|| {
            let a = PRIOR_I_BITS_PER_COMPLEXITY_QP32.ln() + SLOPE_I * 32.0;
            SizeModel::new(a, SLOPE_I)
        });
        if idr {
            return intra;
        }
        *self.inter.get_or_insert_with(|| {
            intra.derived(PRIOR_P_RATIO.ln() + (SLOPE_P - SLOPE_I) * 32.0, SLOPE_P)
        })
    }

    /// The bits this picture should take.
    fn target(&self, idr: bool, model: &SizeModel, cost: f64) -> f64 {
        let base = self.buffer.per_frame;
        let period = self.settings.period();
        let room = self.buffer.room();
        let planned = match self.settings.mode {
            Mode::Cbr if idr => {
                // The IDR's share of its period: its size over a P picture's, at the QPs
                // the two are coded with.
                let ratio = match (self.inter.as_ref(), self.last_p_qp) {
                    (Some(p), Some(qp)) if p.trained() => {
                        model.bits(cost, qp - IDR_QP_OFFSET) / p.bits(self.last_p_complexity, qp)
                    }
                    _ => PRIOR_IDR_RATIO,
                }
                .clamp(1.5, 25.0);
                let budget = (period * base - self.buffer.debt()).max(period * base * 0.5);
                let share = budget * ratio / (ratio + period - 1.0);
                match self.last_idr_bits {
                    Some(last) => {
                        let step = IDR_STEP * period * base;
                        share.clamp(last - step, last + step)
                    }
                    None => share,
                }
            }
            Mode::Cbr => {
                let left = (period - f64::from(self.since_idr)).max(5.0);
                (base - self.buffer.debt() / left).clamp(0.3 * base, 2.0 * base)
            }
            Mode::Capped { .. } => {
                // Free below half a buffer; above it, drain back over half a second.
                let excess = self.buffer.level() - 0.5 * self.buffer.size;
                (base - excess / (0.5 * self.settings.fps).max(1.0)).max(0.5 * base)
                    * if idr { 4.0 } else { 1.0 }
            }
        };
        planned.clamp(0.1 * base, 0.8 * room)
    }
}

fn model_slope(idr: bool) -> f64 {
    if idr {
        SLOPE_I
    } else {
        SLOPE_P
    }
}

/// What [`FramePlan::new`] needs.
struct PlanInputs<'a> {
    complexity: &'a Complexity,
    idr: bool,
    open_loop: bool,
    cost: f64,
    target: f64,
    ceiling: f64,
    q0: f64,
    slope: f64,
    range: (u8, u8),
    aq_strength: f64,
    size: (usize, usize),
}

/// The QP plan of one picture: a base QP, corrected at every CTU by how the CTUs known to
/// be coded spent against their share of the target, plus per-CTU adaptive-quantisation
/// offsets. Rows are coded in parallel, so the plan only reads what [`Progress`] lists.
#[derive(Debug)]
pub(crate) struct FramePlan {
    pub idr: bool,
    /// Keep the base QP until the picture spends [`OPEN_LOOP_LIMIT`] times its target.
    open_loop: bool,
    /// The complexity the size model is keyed on.
    cost: f64,
    target: f64,
    /// Bits the picture must not exceed (buffer room; for P pictures also a size cap).
    ceiling: f64,
    q0: f64,
    slope: f64,
    /// The factor scaling a CTU's bits at each QP to `q0` (exp(slope (qp - q0))): every
    /// CTU's QP choice sums it over the CTUs coded before, so it is worked out once.
    to_q0: [f64; 52],
    range: (u8, u8),
    /// Expected bits of each CTU at `q0`, raster order.
    share: Vec<f64>,
    /// QP offset of each CTU, raster order.
    aq: Vec<f64>,
    cols: usize,
    /// For the CTU row being coded, index `r`: what [`FramePlan::ctu_qp`] has summed of
    /// every row up to it so far. Each row's CTUs are coded in order by one thread, and
    /// the coded CTUs of the rows above only grow, so each CTU adds only the new ones
    /// (instead of summing the whole picture coded so far, quadratic in its size).
    sums: Vec<Mutex<Vec<RowSums>>>,
}

/// What the coded CTUs of one row, from the left, spent and were planned to.
#[derive(Clone, Copy, Debug, Default)]
struct RowSums {
    counted: usize,
    spent: f64,
    spent_at_q0: f64,
    planned: f64,
}

impl FramePlan {
    fn new(inp: PlanInputs<'_>) -> Self {
        let (cols, rows) = (inp.size.0.div_ceil(CTB), inp.size.1.div_ceil(CTB));
        let costs = if inp.idr {
            &inp.complexity.intra
        } else {
            &inp.complexity.inter
        };
        let cell: Vec<f64> = (0..rows * cols)
            .map(|i| inp.complexity.cell_sum(costs, CTB, i % cols, i / cols))
            .collect();
        let total: f64 = cell.iter().sum();
        let share = cell
            .iter()
            .map(|&c| {
                if total > 0.0 {
                    inp.target * c / total
                } else {
                    inp.target / cell.len() as f64
                }
            })
            .collect();
        Self {
            idr: inp.idr,
            open_loop: inp.open_loop,
            cost: inp.cost,
            target: inp.target,
            ceiling: inp.ceiling,
            q0: inp.q0,
            slope: inp.slope,
            to_q0: std::array::from_fn(|qp| (inp.slope * (qp as f64 - inp.q0)).exp()),
            range: inp.range,
            share,
            aq: aq_offsets(inp.complexity, cols, rows, inp.aq_strength),
            cols,
            sums: (0..rows).map(|_| Mutex::new(Vec::new())).collect(),
        }
    }

    /// The slice QP.
    pub fn slice_qp(&self) -> i32 {
        self.q0.round() as i32
    }

    /// The base QP for the rest of the picture, from what the coded CTUs spent (`spent`
    /// bits; `spent_at_q0` the same scaled to `q0`) against their plan (`planned`).
    fn corrected_qp(&self, spent: f64, spent_at_q0: f64, planned: f64) -> f64 {
        if planned <= 0.0 || (self.open_loop && spent < OPEN_LOOP_LIMIT * self.target) {
            return self.q0;
        }
        // How far the coded CTUs were off their plan (damped while little is known).
        let prior = 0.2 * self.target;
        let miss = (spent_at_q0 + prior) / (planned + prior);
        let remaining_at_q0 = (self.target - planned).max(0.0) * miss;
        let left = self.target - spent;
        if remaining_at_q0 <= 0.0 {
            return self.q0;
        }
        // Within a picture the QP moves little: uneven QPs cost quality, and a small miss
        // the next picture's plan makes up. A large one (new content) is corrected here.
        let surprised = miss > BIG_MISS;
        // A first picture has no model to miss; it only must not run away.
        let raise = if surprised && !self.open_loop {
            BIG_RAISE
        } else {
            MAX_RAISE
        };
        if left <= 0.05 * self.target {
            return self.q0 + raise;
        }
        let q = self.q0 + (remaining_at_q0 / left).ln() / self.slope;
        q.clamp(self.q0 - MAX_LOWER, self.q0 + raise)
    }

    /// What the CTUs `done` lists spent, the same scaled to `q0`, and their planned bits,
    /// summed row by row (see [`FramePlan::sums`]).
    fn coded_so_far(&self, row: usize, done: &Progress<'_>) -> (f64, f64, f64) {
        let Some(sums) = self.sums.get(row) else {
            return (0.0, 0.0, 0.0);
        };
        // (A thread that panicked holding the lock left whole sums: each is updated by
        // plain additions.)
        let mut sums = sums.lock().unwrap_or_else(|e| e.into_inner());
        let mut total = (0.0, 0.0, 0.0);
        for (r, end) in done.rows() {
            if sums.len() <= r {
                sums.resize(r + 1, RowSums::default());
            }
            let s = &mut sums[r];
            for col in s.counted..end {
                let ctu = done.record(col, r);
                let bits = f64::from(ctu.bits);
                let to_q0 = usize::try_from(ctu.qp)
                    .ok()
                    .and_then(|qp| self.to_q0.get(qp).copied())
                    .unwrap_or_else(|| (self.slope * (f64::from(ctu.qp) - self.q0)).exp());
                s.spent += bits;
                s.spent_at_q0 += bits * to_q0;
                s.planned += self.share.get(r * self.cols + col).copied().unwrap_or(0.0);
            }
            s.counted = s.counted.max(end);
            total = (
                total.0 + s.spent,
                total.1 + s.spent_at_q0,
                total.2 + s.planned,
            );
        }
        total
    }
}

impl QpPlan for FramePlan {
    fn ctu_qp(&self, col: usize, row: usize, done: &Progress<'_>) -> i32 {
        let (spent, spent_at_q0, planned) = self.coded_so_far(row, done);
        let (lo, hi) = (i32::from(self.range.0), i32::from(self.range.1));
        if spent > 0.85 * self.ceiling {
            // The picture is about to overflow the buffer or its size cap.
            return hi;
        }
        let base = self.corrected_qp(spent, spent_at_q0, planned);
        let aq = self.aq.get(row * self.cols + col).copied().unwrap_or(0.0);
        ((base + aq).round() as i32).clamp(lo, hi)
    }
}

/// Per-CTU QP offsets from activity (log of the mean block deviation), centred on the
/// picture's mean so that the picture's size stays about what the base QP gives.
fn aq_offsets(c: &Complexity, cols: usize, rows: usize, strength: f64) -> Vec<f64> {
    if strength <= 0.0 {
        return vec![0.0; cols * rows];
    }
    let activity: Vec<f64> = (0..rows * cols)
        .map(|i| {
            let per_block = c.cell_sum(&c.intra, CTB, i % cols, i / cols) / 16.0 / 64.0;
            (1.0 + per_block).log2()
        })
        .collect();
    let mean = activity.iter().sum::<f64>() / activity.len().max(1) as f64;
    activity
        .iter()
        .map(|&a| (strength * 2.0 * (a - mean)).clamp(-6.0, 6.0))
        .collect()
}
