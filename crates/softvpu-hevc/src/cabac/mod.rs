//! CABAC layer (H.265 clause 9.3): context variables, the binary arithmetic encoder, a rate
//! estimator sharing the same interface, and the per-slice context sets.
//!
//! The syntax writer is generic over [`BinSink`], so the same code path can either produce
//! bits ([`CabacWriter`]) or only measure them ([`BitEstimator`]) during rate-distortion search.

pub mod contexts;
pub mod engine;
pub mod estimate;

#[cfg(test)]
mod decoder;

pub use contexts::Contexts;
pub use engine::CabacWriter;
pub use estimate::{bin_cost_q15, BitEstimator};

/// One context variable: probability state index `pStateIdx` (0..=62) and `valMps`.
///
/// Packed into a byte as `(pStateIdx << 1) | valMps`, so that one table lookup performs the
/// state transition and `packed ^ bin` indexes the cost table.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct Context(u8);

impl Context {
    /// Initialises a context from its `initValue` and the slice QP (9.3.2.2).
    pub fn new(init_value: u8, slice_qp: i32) -> Self {
        let slope_idx = i32::from(init_value >> 4);
        let offset_idx = i32::from(init_value & 15);
        let m = slope_idx * 5 - 45;
        let n = (offset_idx << 3) - 16;
        let pre = (((m * slice_qp.clamp(0, 51)) >> 4) + n).clamp(1, 126);
        if pre > 63 {
            Self::from_parts((pre - 64) as u8, 1)
        } else {
            Self::from_parts((63 - pre) as u8, 0)
        }
    }

    /// Builds a context from `pStateIdx` (0..=62) and `valMps` (0 or 1).
    pub const fn from_parts(state: u8, mps: u8) -> Self {
        Self((state << 1) | (mps & 1))
    }

    /// `pStateIdx`, 0 (p = 0.5) ..= 62 (most skewed).
    #[inline]
    pub const fn state(self) -> u8 {
        self.0 >> 1
    }

    /// `valMps`, the value of the most probable symbol.
    #[inline]
    pub const fn mps(self) -> u32 {
        (self.0 & 1) as u32
    }

    /// The packed `(pStateIdx << 1) | valMps` byte.
    #[inline]
    pub const fn packed(self) -> u8 {
        self.0
    }

    /// Applies the state transition of 9.3.4.3.2.2 after coding `bin` (0 or 1).
    #[inline]
    pub fn update(&mut self, bin: u32) {
        self.0 = NEXT_STATE[usize::from(self.0)][(bin & 1) as usize];
    }
}

/// Consumer of bins produced by the syntax writer (real encoder or rate estimator).
///
/// `bin` arguments are 0 or 1 (only the low bit is meaningful).
pub trait BinSink {
    /// Codes one context-coded bin and updates the context.
    fn bin(&mut self, ctx: &mut Context, bin: u32);
    /// Codes one bypass bin (p = 0.5).
    fn bypass(&mut self, bin: u32);
    /// Codes the `n` (0..=32) low bits of `value` as bypass bins, most significant first.
    fn bypass_bits(&mut self, value: u32, n: u32);
    /// Codes a terminating bin (end_of_slice_segment_flag, end_of_subset_one_bit, pcm_flag).
    fn terminate(&mut self, bin: u32);
}

/// rangeTabLps[pStateIdx][qRangeIdx] of 9.3.4.3.2 (identical to the H.264 table).
pub(crate) const RANGE_TAB_LPS: [[u8; 4]; 64] = [
    [128, 176, 208, 240],
    [128, 167, 197, 227],
    [128, 158, 187, 216],
    [123, 150, 178, 205],
    [116, 142, 169, 195],
    [111, 135, 160, 185],
    [105, 128, 152, 175],
    [100, 122, 144, 166],
    [95, 116, 137, 158],
    [90, 110, 130, 150],
    [85, 104, 123, 142],
    [81, 99, 117, 135],
    [77, 94, 111, 128],
    [73, 89, 105, 122],
    [69, 85, 100, 116],
    [66, 80, 95, 110],
    [62, 76, 90, 104],
    [59, 72, 86, 99],
    [56, 69, 81, 94],
    [53, 65, 77, 89],
    [51, 62, 73, 85],
    [48, 59, 69, 80],
    [46, 56, 66, 76],
    [43, 53, 63, 72],
    [41, 50, 59, 69],
    [39, 48, 56, 65],
    [37, 45, 54, 62],
    [35, 43, 51, 59],
    [33, 41, 48, 56],
    [32, 39, 46, 53],
    [30, 37, 43, 50],
    [29, 35, 41, 48],
    [27, 33, 39, 45],
    [26, 31, 37, 43],
    [24, 30, 35, 41],
    [23, 28, 33, 39],
    [22, 27, 32, 37],
    [21, 26, 30, 35],
    [20, 24, 29, 33],
    [19, 23, 27, 31],
    [18, 22, 26, 30],
    [17, 21, 25, 28],
    [16, 20, 23, 27],
    [15, 19, 22, 25],
    [14, 18, 21, 24],
    [14, 17, 20, 23],
    [13, 16, 19, 22],
    [12, 15, 18, 21],
    [12, 14, 17, 20],
    [11, 14, 16, 19],
    [11, 13, 15, 18],
    [10, 12, 15, 17],
    [10, 12, 14, 16],
    [9, 11, 13, 15],
    [9, 11, 12, 14],
    [8, 10, 12, 14],
    [8, 9, 11, 13],
    [7, 9, 11, 12],
    [7, 9, 10, 12],
    [7, 8, 10, 11],
    [6, 8, 9, 11],
    [6, 7, 9, 10],
    [6, 7, 8, 9],
    [2, 2, 2, 2],
];

/// transIdxLps[pStateIdx] of 9.3.4.3.2.2; transIdxMps is `min(s + 1, 62)`.
pub(crate) const TRANS_IDX_LPS: [u8; 64] = [
    0, 0, 1, 2, 2, 4, 4, 5, 6, 7, 8, 9, 9, 11, 11, 12, 13, 13, 15, 15, 16, 16, 18, 18, 19, 19, 21,
    21, 22, 22, 23, 24, 24, 25, 26, 26, 27, 27, 28, 29, 29, 30, 30, 30, 31, 32, 32, 33, 33, 33, 34,
    34, 35, 35, 35, 36, 36, 36, 37, 37, 37, 38, 38, 63,
];

/// Packed-state transition table: `NEXT_STATE[packed][bin]`.
static NEXT_STATE: [[u8; 2]; 128] = build_next_state();

const fn build_next_state() -> [[u8; 2]; 128] {
    let mut table = [[0u8; 2]; 128];
    let mut packed = 0;
    while packed < 128 {
        let state = packed >> 1;
        let mps = packed & 1;
        // State 63 is the terminate state; it never occurs in a context but keep it closed.
        let mps_next = if state < 62 { state + 1 } else { state };
        let lps_next = TRANS_IDX_LPS[state] as usize;
        // A LPS in the equiprobable state swaps the meaning of MPS and LPS.
        let lps_mps = if state == 0 { 1 - mps } else { mps };
        table[packed][mps] = ((mps_next << 1) | mps) as u8;
        table[packed][1 - mps] = ((lps_next << 1) | lps_mps) as u8;
        packed += 1;
    }
    table
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The spec formula of 9.3.2.2, written out step by step for comparison.
    fn spec_init(init_value: u8, qp: i32) -> (u8, u32) {
        let v = i32::from(init_value);
        let m = (v >> 4) * 5 - 45;
        let n = ((v & 15) << 3) - 16;
        let qp = qp.clamp(0, 51);
        let mut pre = ((m * qp) >> 4) + n;
        pre = pre.clamp(1, 126);
        if pre <= 63 {
            ((63 - pre) as u8, 0)
        } else {
            ((pre - 64) as u8, 1)
        }
    }

    #[test]
    fn init_hand_computed_values() {
        // 154: m = 0, n = 64 -> preCtxState 64 -> state 0, MPS 1, independent of QP.
        for qp in [-10, 0, 22, 26, 37, 51, 60] {
            assert_eq!(Context::new(154, qp), Context::from_parts(0, 1));
        }
        // 139 at QP 26: m = 8*5-45 = -5, n = 11*8-16 = 72; (-5*26)>>4 = -130>>4 = -9; pre = 63.
        let c = Context::new(139, 26);
        assert_eq!((c.state(), c.mps()), (0, 0));
        // 141 at QP 26: m = -5, n = 13*8-16 = 88; pre = -9 + 88 = 79 -> state 15, MPS 1.
        let c = Context::new(141, 26);
        assert_eq!((c.state(), c.mps()), (15, 1));
        // 157 at QP 26: m = 9*5-45 = 0, n = 13*8-16 = 88; pre = 88 -> state 24, MPS 1.
        let c = Context::new(157, 26);
        assert_eq!((c.state(), c.mps()), (24, 1));
        // 63 at QP 32: m = 3*5-45 = -30, n = 15*8-16 = 104; (-960)>>4 = -60; pre = 44
        // -> state 19, MPS 0.
        let c = Context::new(63, 32);
        assert_eq!((c.state(), c.mps()), (19, 0));
        // 31 at QP 51: m = -40, n = 104; (-2040)>>4 = -128 (floor); pre = -24 -> clipped 1
        // -> state 62, MPS 0.
        let c = Context::new(31, 51);
        assert_eq!((c.state(), c.mps()), (62, 0));
        // 227 at QP 0: m = 14*5-45 = 25, n = 3*8-16 = 8; pre = 8 -> state 55, MPS 0.
        let c = Context::new(227, 0);
        assert_eq!((c.state(), c.mps()), (55, 0));
    }

    #[test]
    fn init_matches_formula_everywhere() {
        for v in 0..=255u8 {
            for qp in -20..=70 {
                let c = Context::new(v, qp);
                assert_eq!((c.state(), c.mps()), spec_init(v, qp), "v {v} qp {qp}");
                assert!(c.state() <= 62);
            }
        }
    }

    #[test]
    fn transitions_follow_spec() {
        for state in 0..=62u8 {
            for mps in 0..2u8 {
                let mut c = Context::from_parts(state, mps);
                c.update(u32::from(mps));
                assert_eq!(c.state(), (state + 1).min(62));
                assert_eq!(c.mps(), u32::from(mps));

                let mut c = Context::from_parts(state, mps);
                c.update(u32::from(1 - mps));
                assert_eq!(c.state(), TRANS_IDX_LPS[usize::from(state)]);
                let want_mps = if state == 0 { 1 - mps } else { mps };
                assert_eq!(c.mps(), u32::from(want_mps));
            }
        }
    }

    #[test]
    fn range_table_shape() {
        // Rows decrease with the state and increase with qRangeIdx; the LPS interval always
        // fits in the smallest range of its quarter, and one renormalisation step of at most
        // 6 bits restores it above 255 (7 bits only for the terminate row).
        for s in 0..63 {
            for q in 0..4 {
                let v = RANGE_TAB_LPS[s][q];
                assert!(v >= 6 && u32::from(v) < 256 + 64 * q as u32);
                if q > 0 {
                    assert!(v > RANGE_TAB_LPS[s][q - 1]);
                }
                if s > 0 {
                    assert!(v <= RANGE_TAB_LPS[s - 1][q]);
                }
            }
        }
        // Spot values from the spec table.
        assert_eq!(RANGE_TAB_LPS[0], [128, 176, 208, 240]);
        assert_eq!(RANGE_TAB_LPS[31], [29, 35, 41, 48]);
        assert_eq!(RANGE_TAB_LPS[62], [6, 7, 8, 9]);
        // The LPS table follows p_s * Q_q with p_s = 0.5 * alpha^s, alpha = (0.01875/0.5)^(1/63)
        // and Q_q the quarter's mid range, except for the clamped first states of quarter 0.
        let alpha = (0.01875f64 / 0.5).powf(1.0 / 63.0);
        for (s, row) in RANGE_TAB_LPS.iter().enumerate().take(63) {
            for (q, &v) in row.iter().enumerate() {
                let approx = 0.5 * alpha.powi(s as i32) * (288.0 + 64.0 * q as f64);
                if s > 2 || q > 0 {
                    assert!(
                        (f64::from(v) - approx).abs() <= 0.06 * approx,
                        "s {s} q {q}"
                    );
                }
            }
        }
        assert_eq!(
            TRANS_IDX_LPS.iter().map(|&v| u32::from(v)).sum::<u32>(),
            1442
        );
    }
}
