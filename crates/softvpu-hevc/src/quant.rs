//! Quantisation with flat scaling lists (scaling_list_enabled_flag = 0), the
//! spec's scaling process (8.6.3), sign data hiding, and the 4:2:0 chroma QP map.
//!
//! Blocks are row-major with stride `1 << log2_size`, as in `transform`.
//! `qp` is the component's qP (luma QpY, or QpC from `chroma_qp`), 0..=51 for 8-bit.

use crate::scan::{coeff_scan, sub_block_in_scan_order, sub_block_scan, ScanOrder};

/// Encoder scale per qp % 6: about 2^20 / LEVEL_SCALE[i], so scaling undoes quantising.
const QUANT_SCALE: [i64; 6] = [26214, 23302, 20560, 18396, 16384, 14564];
/// The spec's levelScale[] (8.6.3).
const LEVEL_SCALE: [i64; 6] = [40, 45, 51, 57, 64, 72];
/// Sign hiding applies when lastSigScanPos - firstSigScanPos exceeds 3.
const SBH_THRESHOLD: usize = 4;

/// Right shift of the quantiser: 14 + qp/6 + the 8-bit transform shift (15 - 8 - log2).
#[inline(always)]
fn qbits(log2_size: u32, qp: i32) -> u32 {
    debug_assert!((0..=51).contains(&qp), "qp {qp} out of 0..=51");
    debug_assert!((2..=5).contains(&log2_size));
    (14 + qp / 6) as u32 + 7 - log2_size
}

/// Deadzone quantiser: |level| = (|c| * scale + offset) >> qbits with an offset of
/// 171/512 of a step for intra and 85/512 for inter, signs kept. Coefficients must lie
/// in [-32768, 32767], as `transform::forward` produces them; the levels then fit in
/// 16 bits. Returns the number of non-zero levels.
pub fn quantize(coeffs: &[i32], levels: &mut [i32], log2_size: u32, qp: i32, intra: bool) -> u32 {
    #[cfg(target_arch = "x86_64")]
    if let Some(cpu) = crate::cpu::avx2() {
        return cpu.quantize(coeffs, levels, log2_size, qp, intra);
    }
    quantize_portable(coeffs, levels, log2_size, qp, intra)
}

/// [`quantize`] in portable code (also built for AVX2 by `x86::multiversion`).
#[inline(always)]
pub(crate) fn quantize_portable(
    coeffs: &[i32],
    levels: &mut [i32],
    log2_size: u32,
    qp: i32,
    intra: bool,
) -> u32 {
    let n2 = 1usize << (2 * log2_size);
    let qbits = qbits(log2_size, qp);
    let scale = QUANT_SCALE[qp as usize % 6] as u32;
    let offset = (if intra { 171u32 } else { 85 }) << (qbits - 9);
    let mut nonzero = 0;
    for (l, &c) in levels[..n2].iter_mut().zip(&coeffs[..n2]) {
        // 32-bit lanes: |c| <= 2^15 (the transforms' output range) times a scale below
        // 2^15, plus an offset below 2^26, stays below 2^31; and with qbits >= 16 the
        // magnitude stays below 2^15, so no level needs clipping.
        debug_assert!(c.unsigned_abs() <= 1 << 15, "coefficient {c} out of range");
        let mag = ((c.unsigned_abs() * scale + offset) >> qbits) as i32;
        nonzero += u32::from(mag != 0);
        *l = if c < 0 { -mag } else { mag };
    }
    nonzero
}

/// The spec's scaling process (8.6.3) with m = 16: ((level * 16 * levelScale[qp % 6]
/// << (qp / 6)) + (1 << (bdShift - 1))) >> bdShift, bdShift = 8 + log2 - 5, clipped to
/// [-32768, 32767].
pub fn dequantize(levels: &[i32], coeffs: &mut [i32], log2_size: u32, qp: i32) {
    #[cfg(target_arch = "x86_64")]
    if let Some(cpu) = crate::cpu::avx2() {
        return cpu.dequantize(levels, coeffs, log2_size, qp);
    }
    dequantize_portable(levels, coeffs, log2_size, qp);
}

/// [`dequantize`] in portable code (also built for AVX2 by `x86::multiversion`).
#[inline(always)]
pub(crate) fn dequantize_portable(levels: &[i32], coeffs: &mut [i32], log2_size: u32, qp: i32) {
    debug_assert!((0..=51).contains(&qp), "qp {qp} out of 0..=51");
    let n2 = 1usize << (2 * log2_size);
    let scale = 16 * LEVEL_SCALE[qp as usize % 6] as i32;
    // (level * scale << qp / 6 + 2^(bdShift - 1)) >> bdShift in 32 bits: the factor
    // 2^(qp / 6) and the divisor 2^bdShift cancel down to one shift, either way exactly
    // (the rounding term is below the divisor). |level| <= 2^15 times at most 1152 << 3
    // stays below 2^31.
    let bd_shift = (log2_size + 3) as i32;
    let (left, right) = ((qp / 6 - bd_shift).max(0), (bd_shift - qp / 6).max(0));
    let round = (1i32 << right) >> 1;
    for (c, &l) in coeffs[..n2].iter_mut().zip(&levels[..n2]) {
        debug_assert!(l.unsigned_abs() <= 1 << 15, "level {l} out of range");
        *c = (((l * scale) << left) + round) >> right;
        *c = (*c).clamp(i32::from(i16::MIN), i32::from(i16::MAX));
    }
}

/// 4:2:0 QpC from qPi (Table 8-10): identity below 30, compressed 30..=43, qPi - 6 above.
pub fn chroma_qp(qpi: i32) -> i32 {
    const TABLE: [i32; 14] = [29, 30, 31, 32, 33, 33, 34, 34, 35, 35, 36, 36, 37, 37];
    match qpi {
        i32::MIN..=29 => qpi,
        30..=43 => TABLE[(qpi - 30) as usize],
        _ => qpi - 6,
    }
}

/// Block indices of one 4x4 sub-block's coefficients, in scan order.
fn sub_block_positions(log2_size: u32, (xs, ys): (u8, u8), order: ScanOrder) -> [usize; 16] {
    let n = 1usize << log2_size;
    let mut pos = [0usize; 16];
    for (p, &(xc, yc)) in pos.iter_mut().zip(coeff_scan(order)) {
        *p = (4 * ys as usize + yc as usize) * n + 4 * xs as usize + xc as usize;
    }
    pos
}

/// First and last scan index with a non-zero level, or None for an empty sub-block.
fn sig_range(levels: &[i32], pos: &[usize; 16]) -> Option<(usize, usize)> {
    let first = pos.iter().position(|&p| levels[p] != 0)?;
    let last = pos.iter().rposition(|&p| levels[p] != 0)?;
    Some((first, last))
}

/// Whether the decoder's inferred sign of the first coefficient (negative iff the
/// sub-block's sum of |levels| is odd) is its actual sign, where it applies.
fn sub_block_consistent(levels: &[i32], pos: &[usize; 16]) -> bool {
    let Some((first, last)) = sig_range(levels, pos) else {
        return true;
    };
    if last - first < SBH_THRESHOLD {
        return true;
    }
    let odd = pos.iter().map(|&p| levels[p].unsigned_abs()).sum::<u32>() & 1 == 1;
    odd == (levels[pos[first]] < 0)
}

/// The decoder's view: true when every sub-block whose sign is hidden would decode
/// with the sign the levels actually carry.
pub fn signs_consistent(levels: &[i32], log2_size: u32, order: ScanOrder) -> bool {
    sub_block_scan(log2_size - 2, order)
        .iter()
        .all(|&sb| sub_block_consistent(levels, &sub_block_positions(log2_size, sb, order)))
}

/// Sign data hiding on levels from `quantize(coeffs, ..)` with the same `qp`: in every
/// sub-block where the decoder will infer the first coefficient's sign, fixes a wrong
/// parity by moving one level by 1, the one that adds the least quantisation error.
/// In the sub-block holding the TU's last coefficient nothing after it is touched, so
/// the last position never moves later. `_intra` is unused: the error is measured
/// from the levels actually chosen, whatever rounding produced them.
pub fn hide_signs(
    coeffs: &[i32],
    levels: &mut [i32],
    log2_size: u32,
    order: ScanOrder,
    qp: i32,
    _intra: bool,
) {
    let q = QuantStep {
        qbits: qbits(log2_size, qp),
        scale: QUANT_SCALE[qp as usize % 6],
    };
    let mut seen_last = false;
    let n = 1usize << log2_size;
    for &sb in sub_block_scan(log2_size - 2, order).iter().rev() {
        let mut scanned = [0i32; 16];
        let mask = sub_block_in_scan_order(levels, n, sb, order, &mut scanned);
        if mask == 0 {
            continue;
        }
        let first = mask.trailing_zeros() as usize;
        let last = 15 - mask.leading_zeros() as usize;
        let in_last_sub_block = !seen_last;
        seen_last = true;
        // As sub_block_consistent: no hidden sign, or the one inferred is right.
        let parity = scanned.iter().fold(0, |p, v| p ^ (v.unsigned_abs() & 1));
        if last - first < SBH_THRESHOLD || (parity == 1) == (scanned[first] < 0) {
            continue;
        }
        let pos = sub_block_positions(log2_size, sb, order);
        let limit = if in_last_sub_block { last } else { 15 };
        let (p, change) = cheapest_parity_fix(coeffs, levels, &pos, first, limit, q);
        let at_limit = levels[p] == i16::MAX as i32 || levels[p] == i16::MIN as i32;
        let change = if at_limit { -1 } else { change };
        // The change is to the magnitude; it follows the coefficient's sign.
        levels[p] += if coeffs[p] < 0 { -change } else { change };
    }
}

#[derive(Clone, Copy)]
struct QuantStep {
    qbits: u32,
    scale: i64,
}

impl QuantStep {
    /// How far the unrounded magnitude lies above |level|, in 1/256 of a step
    /// (negative when the level was rounded up).
    fn excess(self, c: i32, level: i32) -> i64 {
        let exact = i64::from(c).abs() * self.scale;
        (exact - (i64::from(level.unsigned_abs()) << self.qbits)) >> (self.qbits - 8)
    }
}

/// The (position, magnitude change) flipping the parity at the least cost, searching
/// scan indices `limit` down to 0 (ties go to the later index, as HM does).
fn cheapest_parity_fix(
    coeffs: &[i32],
    levels: &[i32],
    pos: &[usize; 16],
    first: usize,
    limit: usize,
    q: QuantStep,
) -> (usize, i32) {
    let first_negative = levels[pos[first]] < 0;
    let mut best = (i64::MAX, pos[limit], 1);
    for k in (0..=limit).rev() {
        let p = pos[k];
        let (level, excess) = (levels[p], q.excess(coeffs[p], levels[p]));
        let (cost, change) = if level != 0 {
            if excess > 0 {
                (-excess, 1)
            } else if k == first && level.abs() == 1 {
                // Zeroing the first coefficient would move the hidden sign elsewhere.
                (i64::MAX, 0)
            } else {
                (excess, -1)
            }
        } else if k < first && (coeffs[p] < 0) != first_negative {
            // A new first coefficient must carry the sign the parity will now signal.
            (i64::MAX, 0)
        } else {
            (-excess, 1)
        };
        if cost < best.0 {
            best = (cost, p, change);
        }
    }
    (best.1, best.2)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use softvpu_core::synth::SplitMix64;

    const ORDERS: [ScanOrder; 3] = [
        ScanOrder::Diagonal,
        ScanOrder::Horizontal,
        ScanOrder::Vertical,
    ];

    /// floor(|c| * scale / 2^qbits + f) with f = 171/512 or 85/512, in exact rationals.
    fn ref_level(c: i32, log2: u32, qp: i32, intra: bool) -> i32 {
        let scale = [26214i128, 23302, 20560, 18396, 16384, 14564][(qp % 6) as usize];
        let qbits = 14 + qp / 6 + 15 - 8 - log2 as i32;
        let f = if intra { 171i128 } else { 85 };
        // floor((|c| * scale * 512 + f * 2^qbits) / (512 * 2^qbits))
        let num = i128::from(c).abs() * scale * 512 + (f << qbits);
        let mag = (num / (512i128 << qbits)).min(32767) as i32;
        if c < 0 {
            -mag
        } else {
            mag
        }
    }

    /// 8.6.3 with flat m = 16, in i128.
    fn ref_dequant(level: i32, log2: u32, qp: i32) -> i32 {
        let ls = [40i128, 45, 51, 57, 64, 72][(qp % 6) as usize];
        let bd_shift = 8 + log2 as i32 - 5;
        let v =
            (((i128::from(level) * 16 * ls) << (qp / 6)) + (1i128 << (bd_shift - 1))) >> bd_shift;
        v.clamp(-32768, 32767) as i32
    }

    #[test]
    fn quantize_matches_exact_rounding() {
        let mut rng = SplitMix64(5);
        for log2 in 2..=5u32 {
            let n2 = 1usize << (2 * log2);
            for qp in 0..=51 {
                for intra in [false, true] {
                    // Small, medium and full-range coefficients, and both extremes.
                    let c: Vec<i32> = (0..n2)
                        .map(|i| match i % 5 {
                            3 => -32768,
                            4 => 32767,
                            k => {
                                let amp = [40, 2000, 32767][k];
                                rng.below(2 * amp + 1) as i32 - amp as i32
                            }
                        })
                        .collect();
                    let mut l = vec![0; n2];
                    let nz = quantize(&c, &mut l, log2, qp, intra);
                    let want: Vec<i32> = c.iter().map(|&v| ref_level(v, log2, qp, intra)).collect();
                    assert_eq!(l, want, "log2 {log2} qp {qp} intra {intra}");
                    assert_eq!(nz as usize, want.iter().filter(|&&v| v != 0).count());
                }
            }
        }
    }

    #[test]
    fn dispatched_builds_equal_the_portable_code() {
        let mut rng = SplitMix64(23);
        for log2 in 2..=5u32 {
            let n2 = 1usize << (2 * log2);
            for qp in [0, 1, 17, 30, 45, 51] {
                for intra in [false, true] {
                    let coeffs: Vec<i32> = (0..n2)
                        .map(|i| match i % 4 {
                            0 => rng.below(65536) as i32 - 32768,
                            1 => 32767,
                            2 => -32768,
                            _ => rng.below(201) as i32 - 100,
                        })
                        .collect();
                    let (mut a, mut b) = (vec![0; n2], vec![0; n2]);
                    let na = quantize(&coeffs, &mut a, log2, qp, intra);
                    let nb = quantize_portable(&coeffs, &mut b, log2, qp, intra);
                    assert_eq!((na, &a), (nb, &b), "quantize {log2} {qp} {intra}");
                    let (mut c, mut d) = (vec![0; n2], vec![0; n2]);
                    dequantize(&a, &mut c, log2, qp);
                    dequantize_portable(&a, &mut d, log2, qp);
                    assert_eq!(c, d, "dequantize {log2} {qp}");
                }
            }
        }
    }

    #[test]
    fn known_values() {
        // qp 22, 8x8: qbits 21, scale 16384, offset 171 << 12: 1000 -> 8.146 -> 8.
        let (mut l, mut c) = ([0i32; 64], [0i32; 64]);
        let mut coeffs = [0i32; 64];
        coeffs[0] = 1000;
        coeffs[1] = -1000;
        coeffs[2] = 84; // 0.656 + 0.334 < 1 -> 0 for intra
        coeffs[3] = 86; // 0.672 + 0.334 >= 1 -> 1 for intra
        assert_eq!(quantize(&coeffs, &mut l, 3, 22, true), 3);
        assert_eq!(&l[..4], &[8, -8, 0, 1]);
        // Step at qp 22 for 8x8 is 128: 8 * 16 * 64 << 3 = 65536, (65536 + 32) >> 6.
        dequantize(&l, &mut c, 3, 22);
        assert_eq!(&c[..4], &[1024, -1024, 0, 128]);
        // Inter rounding: 1000/128 = 7.8125 + 0.166 -> 7.
        quantize(&coeffs, &mut l, 3, 22, false);
        assert_eq!(l[0], 7);
    }

    #[test]
    fn dequantize_matches_spec_and_clips() {
        let mut rng = SplitMix64(9);
        for log2 in 2..=5u32 {
            let n2 = 1usize << (2 * log2);
            for qp in 0..=51 {
                // Small levels, levels over the whole 16-bit range, and both extremes.
                let mut l: Vec<i32> = (0..n2)
                    .map(|i| match i % 2 {
                        0 => rng.below(201) as i32 - 100,
                        _ => rng.below(65536) as i32 - 32768,
                    })
                    .collect();
                l[0] = 32767;
                l[1] = -32768;
                let mut c = vec![0; n2];
                dequantize(&l, &mut c, log2, qp);
                let want: Vec<i32> = l.iter().map(|&v| ref_dequant(v, log2, qp)).collect();
                assert_eq!(c, want, "log2 {log2} qp {qp}");
            }
        }
        let mut c = [0i32; 16];
        dequantize(&[32767; 16], &mut c, 2, 51);
        assert_eq!(c[0], 32767);
    }

    #[test]
    fn quantize_dequantize_round_trip_within_a_step() {
        let mut rng = SplitMix64(1);
        for log2 in 2..=5u32 {
            let n2 = 1usize << (2 * log2);
            for qp in 0..=51 {
                // The reconstruction step in coefficient units.
                let step = f64::from(16 * [40, 45, 51, 57, 64, 72][(qp % 6) as usize])
                    * 2f64.powi(qp / 6)
                    / 2f64.powi(log2 as i32 + 3);
                let c: Vec<i32> = (0..n2).map(|_| rng.below(20001) as i32 - 10000).collect();
                let (mut l, mut back) = (vec![0; n2], vec![0; n2]);
                quantize(&c, &mut l, log2, qp, true);
                dequantize(&l, &mut back, log2, qp);
                for (&a, &b) in c.iter().zip(&back) {
                    // Deadzone rounding: at most (1 - 171/512) of a step, plus slack
                    // for the scale pair's 2^24 approximation and integer rounding.
                    let err = f64::from(a - b).abs();
                    assert!(
                        err <= step * (341.0 / 512.0) * 1.001 + 1.0,
                        "qp {qp} {a} -> {b}"
                    );
                }
            }
        }
    }

    #[test]
    fn chroma_qp_table() {
        let want = [
            (0, 0),
            (29, 29),
            (30, 29),
            (34, 33),
            (35, 33),
            (39, 35),
            (43, 37),
            (44, 38),
        ];
        for (qpi, qpc) in want {
            assert_eq!(chroma_qp(qpi), qpc, "qPi {qpi}");
        }
        assert_eq!(chroma_qp(51), 45);
        assert_eq!(chroma_qp(57), 51);
        assert_eq!(chroma_qp(-5), -5);
        // Monotonic, never faster than qPi.
        for q in 0..57 {
            let d = chroma_qp(q + 1) - chroma_qp(q);
            assert!((0..=1).contains(&d));
        }
    }

    /// The decoder's rule, re-derived over a flat scan of the whole TU.
    fn decoder_ok(levels: &[i32], log2: u32, order: ScanOrder) -> bool {
        let n = 1usize << log2;
        sub_block_scan(log2 - 2, order).iter().all(|&(xs, ys)| {
            let vals: Vec<i32> = coeff_scan(order)
                .iter()
                .map(|&(x, y)| {
                    levels[(4 * ys as usize + y as usize) * n + 4 * xs as usize + x as usize]
                })
                .collect();
            let nz: Vec<usize> = (0..16).filter(|&i| vals[i] != 0).collect();
            match (nz.first(), nz.last()) {
                (Some(&f), Some(&l)) if l - f > 3 => {
                    let sum: i32 = vals.iter().map(|v| v.abs()).sum();
                    (sum % 2 == 1) == (vals[f] < 0)
                }
                _ => true,
            }
        })
    }

    /// Scan index (over the whole TU) of the last non-zero level.
    fn last_scan_pos(levels: &[i32], log2: u32, order: ScanOrder) -> Option<usize> {
        let n = 1usize << log2;
        let mut last = None;
        for (s, &(xs, ys)) in sub_block_scan(log2 - 2, order).iter().enumerate() {
            for (k, &(x, y)) in coeff_scan(order).iter().enumerate() {
                if levels[(4 * ys as usize + y as usize) * n + 4 * xs as usize + x as usize] != 0 {
                    last = Some(s * 16 + k);
                }
            }
        }
        last
    }

    fn random_block(rng: &mut SplitMix64, n2: usize, step: i32) -> Vec<i32> {
        // Mostly small values around the deadzone, with some zeros and large ones.
        let density = rng.below(4);
        (0..n2)
            .map(|_| match rng.below(8) {
                r if r <= density => rng.below((4 * step + 1) as u64) as i32 - 2 * step,
                7 => rng.below((40 * step + 1) as u64) as i32 - 20 * step,
                _ => 0,
            })
            .collect()
    }

    #[test]
    fn hide_signs_satisfies_decoder_rule() {
        let mut rng = SplitMix64(42);
        let mut fixed = 0;
        for log2 in 2..=5u32 {
            let n2 = 1usize << (2 * log2);
            for order in ORDERS {
                for iter in 0..300 {
                    let qp = rng.below(52) as i32;
                    let intra = iter % 2 == 0;
                    // About one quantisation step in coefficient units.
                    let step = ((1i64 << (qp / 6 + 7)) >> log2) as i32;
                    let c = random_block(&mut rng, n2, step);
                    let mut l = vec![0; n2];
                    quantize(&c, &mut l, log2, qp, intra);
                    let before = l.clone();
                    hide_signs(&c, &mut l, log2, order, qp, intra);
                    assert!(
                        decoder_ok(&l, log2, order),
                        "log2 {log2} {order:?} iter {iter}"
                    );
                    assert!(signs_consistent(&l, log2, order));
                    assert_eq!(signs_consistent(&before, log2, order), l == before);
                    fixed += usize::from(l != before);
                    for ((&a, &b), &cv) in before.iter().zip(&l).zip(&c) {
                        assert!((a - b).abs() <= 1);
                        // Levels never take the opposite sign of their coefficient.
                        assert!(b == 0 || (b < 0) == (cv < 0));
                    }
                    assert!(last_scan_pos(&l, log2, order) <= last_scan_pos(&before, log2, order));
                }
            }
        }
        assert!(
            fixed > 1000,
            "only {fixed} blocks needed fixing: test data too easy"
        );
    }

    #[test]
    fn hide_signs_changes_one_level_per_sub_block() {
        let mut rng = SplitMix64(77);
        for iter in 0..500 {
            let (log2, qp) = (4, 30);
            let c = random_block(&mut rng, 256, 40);
            let mut l = vec![0; 256];
            quantize(&c, &mut l, log2, qp, iter % 2 == 0);
            let before = l.clone();
            hide_signs(&c, &mut l, log2, ScanOrder::Diagonal, qp, true);
            for &sb in sub_block_scan(2, ScanOrder::Diagonal) {
                let pos = sub_block_positions(log2, sb, ScanOrder::Diagonal);
                let changed = pos.iter().filter(|&&p| l[p] != before[p]).count();
                let needed = !sub_block_consistent(&before, &pos);
                assert_eq!(changed, usize::from(needed));
            }
        }
    }

    #[test]
    fn hide_signs_picks_cheapest_change() {
        // 4x4 diagonal, qp 4: scale 16384, qbits 14 + 0 + 5 = 19, so a step is 32 and
        // the intra level of c is floor(c/32 + 0.334).
        let mut c = [0i32; 16];
        let diag = coeff_scan(ScanOrder::Diagonal);
        let at = |k: usize| diag[k].1 as usize * 4 + diag[k].0 as usize;
        c[at(0)] = 64; // level 2, exact: any change costs a full step.
        c[at(5)] = 32 + 15; // level 1, 0.47 above: +1 costs the least.
        c[at(9)] = 64 + 22; // level 3 (rounded up from 2.69): -1 is cheaper than +1.
        c[at(10)] = 64; // level 2 exact.
        let mut l = [0i32; 16];
        quantize(&c, &mut l, 2, 4, true);
        assert_eq!([l[at(0)], l[at(5)], l[at(9)], l[at(10)]], [2, 1, 3, 2]);
        // Sum 8 is even but the first level is positive: consistent, nothing to do.
        let before = l;
        hide_signs(&c, &mut l, 2, ScanOrder::Diagonal, 4, true);
        assert_eq!(l, before);
        // Make the first coefficient negative: parity now wrong. Candidates: at(5)
        // +1 scores -0.47 step, at(9) -1 scores -0.31, zeros 0: at(5) wins.
        c[at(0)] = -64;
        quantize(&c, &mut l, 2, 4, true);
        hide_signs(&c, &mut l, 2, ScanOrder::Diagonal, 4, true);
        assert_eq!([l[at(0)], l[at(5)], l[at(9)], l[at(10)]], [-2, 2, 3, 2]);
        assert!(signs_consistent(&l, 2, ScanOrder::Diagonal));
    }
}
