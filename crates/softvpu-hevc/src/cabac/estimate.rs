//! Rate estimation with the CABAC interface: contexts adapt exactly as in the real coder, but
//! instead of producing bits the estimator sums each bin's expected cost.

use super::{BinSink, Context};

/// One bit in the estimator's fixed-point unit (15 fractional bits).
pub const ONE_BIT_Q15: u32 = 1 << 15;

/// Expected cost in 1/32768 bit of coding a bin, indexed by `(pStateIdx << 1) | isLps`.
///
/// Entry = E[-log2(interval fraction)] with the LPS interval from rangeTabLps and ivlCurrRange
/// distributed over 256..=511 with density 1/r (the stationary distribution of the renormalised
/// range). State 63 is the terminate "context" (LPS interval 2).
#[rustfmt::skip]
static ENTROPY_Q15: [u32; 128] = [
    31523, 34297, 29856, 36028, 28388, 37716, 26612, 39963,
    24752, 42538, 23196, 44891, 21645, 47445, 20310, 49833,
    19079, 52215, 17878, 54723, 16708, 57371, 15752, 59703,
    14816, 62157, 13923, 64670, 13127, 67072, 12368, 69525,
    11597, 72194, 10963, 74547, 10350, 76973, 9732, 79583,
    9253, 81736, 8692, 84420, 8254, 86651, 7757, 89344,
    7321, 91870, 6936, 94231, 6565, 96648, 6209, 99111,
    5855, 101712, 5593, 103751, 5244, 106627, 5006, 108707,
    4689, 111640, 4454, 113959, 4200, 116603, 3967, 119182,
    3802, 121114, 3609, 123476, 3407, 126106, 3216, 128736,
    3073, 130808, 2911, 133297, 2742, 136034, 2581, 138822,
    2440, 141405, 2356, 143016, 2216, 145842, 2077, 148855,
    1993, 150758, 1891, 153187, 1808, 155279, 1696, 158246,
    1650, 159523, 1512, 163576, 1466, 165045, 1374, 168023,
    1292, 170923, 1217, 173684, 1191, 174686, 1135, 176943,
    1055, 180397, 999, 182925, 954, 185123, 268, 245691,
];

/// Cost in 1/32768 bit of coding `bin` with `ctx`, without updating it.
#[inline]
pub fn bin_cost_q15(ctx: Context, bin: u32) -> u32 {
    ENTROPY_Q15[usize::from(ctx.packed() ^ (bin & 1) as u8)]
}

/// [`BinSink`] that accumulates estimated bits instead of writing them.
#[derive(Clone, Debug, Default)]
pub struct BitEstimator {
    bits_q15: u64,
}

impl BitEstimator {
    /// A zeroed estimator.
    pub fn new() -> Self {
        Self::default()
    }

    /// Accumulated cost in 1/32768 bit.
    pub fn bits_q15(&self) -> u64 {
        self.bits_q15
    }

    /// Accumulated cost in whole bits, rounded to nearest.
    pub fn bits(&self) -> u64 {
        (self.bits_q15 + u64::from(ONE_BIT_Q15 / 2)) >> 15
    }

    /// Clears the accumulated cost (contexts live with the caller and are unaffected).
    pub fn reset(&mut self) {
        self.bits_q15 = 0;
    }
}

impl BinSink for BitEstimator {
    #[inline]
    fn bin(&mut self, ctx: &mut Context, bin: u32) {
        self.bits_q15 += u64::from(bin_cost_q15(*ctx, bin));
        ctx.update(bin);
    }

    #[inline]
    fn bypass(&mut self, _bin: u32) {
        self.bits_q15 += u64::from(ONE_BIT_Q15);
    }

    #[inline]
    fn bypass_bits(&mut self, _value: u32, n: u32) {
        self.bits_q15 += u64::from(n) * u64::from(ONE_BIT_Q15);
    }

    #[inline]
    fn terminate(&mut self, bin: u32) {
        // Terminate behaves like a state-63 decision whose LPS is the 1 (interval of 2).
        self.bits_q15 += u64::from(ENTROPY_Q15[126 | (bin & 1) as usize]);
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::super::decoder::Rng;
    use super::super::{CabacWriter, RANGE_TAB_LPS};
    use super::*;

    /// Recomputes the table from its definition in floating point.
    fn expected_cost(state: usize, lps: bool) -> f64 {
        let (mut weight, mut sum) = (0.0, 0.0);
        for r in 256..512u32 {
            let w = 1.0 / f64::from(r);
            let l = f64::from(RANGE_TAB_LPS[state][((r >> 6) & 3) as usize]);
            let part = if lps { l } else { f64::from(r) - l };
            sum += w * -(part / f64::from(r)).log2();
            weight += w;
        }
        sum / weight * 32768.0
    }

    #[test]
    fn table_matches_definition() {
        for s in 0..64 {
            for lps in [false, true] {
                let got = f64::from(ENTROPY_Q15[s * 2 + usize::from(lps)]);
                let want = expected_cost(s, lps);
                assert!(
                    (got - want).abs() <= 0.51,
                    "state {s} lps {lps}: {got} vs {want}"
                );
            }
        }
        // HM's entropy-bits table starts with the same pair (0x7b23, 0x85f9).
        assert_eq!((ENTROPY_Q15[0], ENTROPY_Q15[1]), (0x7B23, 0x85F9));
    }

    #[test]
    fn table_close_to_state_probabilities() {
        // Loose independent check against p_LPS = 0.5 * alpha^s.
        let alpha = (0.01875f64 / 0.5).powf(1.0 / 63.0);
        for s in 0..63 {
            let p = 0.5 * alpha.powi(s as i32);
            let lps = -p.log2() * 32768.0;
            let mps = -(1.0 - p).log2() * 32768.0;
            let got_lps = f64::from(ENTROPY_Q15[2 * s + 1]);
            let got_mps = f64::from(ENTROPY_Q15[2 * s]);
            assert!((got_lps - lps).abs() < 0.06 * lps, "lps state {s}");
            assert!((got_mps - mps).abs() < 0.1 * mps + 1200.0, "mps state {s}");
            if s > 0 {
                assert!(got_lps > f64::from(ENTROPY_Q15[2 * s - 1]));
                assert!(got_mps < f64::from(ENTROPY_Q15[2 * s - 2]));
            }
        }
    }

    #[test]
    fn cost_lookup_uses_mps() {
        let c1 = Context::from_parts(20, 1);
        let c0 = Context::from_parts(20, 0);
        assert_eq!(bin_cost_q15(c1, 1), ENTROPY_Q15[40]);
        assert_eq!(bin_cost_q15(c1, 0), ENTROPY_Q15[41]);
        assert_eq!(bin_cost_q15(c0, 0), ENTROPY_Q15[40]);
        assert_eq!(bin_cost_q15(c0, 1), ENTROPY_Q15[41]);
    }

    /// Feeds a reproducible random mix of bins (per-context bias `skew`) to `sink`.
    fn feed<S: BinSink>(sink: &mut S, seed: u64, len: usize, skew: &[u32], qp: i32) {
        let mut rng = Rng::new(seed);
        let inits = [154u8, 139, 63, 227, 31, 197, 110, 182];
        let mut ctx = inits.map(|v| Context::new(v, qp));
        for i in 0..len {
            let c = (rng.next_u32() as usize) % skew.len();
            let b = rng.bit(skew[c]);
            sink.bin(&mut ctx[c], b);
            if i % 7 == 0 {
                sink.bypass(rng.next_u32() & 1);
            }
            if i % 31 == 0 {
                sink.bypass_bits(rng.next_u32(), rng.next_u32() % 17);
            }
            if i % 97 == 0 {
                sink.terminate(0);
            }
        }
        sink.terminate(1);
    }

    #[test]
    fn estimate_tracks_real_size() {
        let cases: [&[u32]; 4] = [
            &[32768; 8],
            &[2000, 63000, 500, 65000, 10000, 55000, 30000, 1000],
            &[100, 200, 65400, 65300],
            &[20000, 45000, 32768, 25000],
        ];
        for (i, skew) in cases.iter().enumerate() {
            for qp in [22, 37] {
                let seed = 1000 + i as u64;
                let mut est = BitEstimator::new();
                feed(&mut est, seed, 200_000, skew, qp);
                let mut w = CabacWriter::new();
                feed(&mut w, seed, 200_000, skew, qp);
                let real = w.finish().len() as f64 * 8.0;
                let estimated = est.bits_q15() as f64 / 32768.0;
                let err = (estimated - real).abs() / real;
                assert!(err < 0.02, "case {i} qp {qp}: est {estimated} real {real}");
            }
        }
    }

    #[test]
    fn reset_and_fixed_costs() {
        let mut e = BitEstimator::new();
        e.bypass(1);
        e.bypass_bits(0x5, 3);
        assert_eq!(e.bits_q15(), 4 * 32768);
        assert_eq!(e.bits(), 4);
        e.reset();
        assert_eq!(e.bits_q15(), 0);
        e.terminate(0);
        let t0 = e.bits_q15();
        assert!(t0 > 0 && t0 < 1000, "terminate(0) {t0}");
        e.reset();
        e.terminate(1);
        let t1 = e.bits_q15();
        assert!((7 * 32768..8 * 32768).contains(&t1), "terminate(1) {t1}");
        // Estimation updates contexts exactly like coding.
        let mut a = Context::new(139, 30);
        let mut b = a;
        e.bin(&mut a, 1);
        b.update(1);
        assert_eq!(a, b);
    }
}
