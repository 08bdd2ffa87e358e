//! The 8x8 forward DCT in integers (the Loeffler–Ligtenberg–Moschytz factorisation with
//! 13-bit constants, as the IJG's "islow" DCT computes it), quantisation to the
//! coefficients the entropy coder reads by an exact rounding division, and a reference
//! inverse DCT for the reconstruction.
//!
//! Every step is written as the x86 kernels compute it, 16-bit sums and 32-bit products
//! of pairs (`pmaddwd`), so that all give the same coefficients; the loops run over
//! eight lanes, which the compiler vectorises on any target.

use crate::tables::ZIGZAG;

/// Fraction bits of the multipliers.
const CONST_BITS: u32 = 13;
/// Extra bits the first pass keeps (its outputs are 4x the scaled 1-D DCT).
const PASS1_BITS: u32 = 2;

/// `x * 2^13`, rounded: the factorisation's multipliers.
const fn fix(x: f64) -> i32 {
    (x * (1 << CONST_BITS) as f64 + 0.5) as i32
}
const F0_298: i32 = fix(0.298_631_336);
const F0_390: i32 = fix(0.390_180_644);
const F0_541: i32 = fix(0.541_196_100);
const F0_765: i32 = fix(0.765_366_865);
const F0_899: i32 = fix(0.899_976_223);
const F1_175: i32 = fix(1.175_875_602);
const F1_501: i32 = fix(1.501_321_110);
const F1_847: i32 = fix(1.847_759_065);
const F1_961: i32 = fix(1.961_570_560);
const F2_053: i32 = fix(2.053_119_869);
const F2_562: i32 = fix(2.562_915_447);
const F3_072: i32 = fix(3.072_711_026);

/// The rotations as sums of two products, `a * k[0] + b * k[1]` (one `pmaddwd`): the
/// factorisation's shared products (`z1`, `z5`) distributed over their two terms, which
/// is exact in integers.
/// Outputs 2 and 6 from (tmp13, tmp12).
pub(crate) const ROT_2: [i16; 2] = [(F0_541 + F0_765) as i16, F0_541 as i16];
pub(crate) const ROT_6: [i16; 2] = [F0_541 as i16, (F0_541 - F1_847) as i16];
/// The odd part's shared terms from (tmp4 + tmp6, tmp5 + tmp7): the one outputs 7 and 3
/// add, and the one outputs 1 and 5 add.
pub(crate) const ROT_Z73: [i16; 2] = [(F1_175 - F1_961) as i16, F1_175 as i16];
pub(crate) const ROT_Z15: [i16; 2] = [F1_175 as i16, (F1_175 - F0_390) as i16];
/// Outputs 7 and 1 from (tmp4, tmp7), 5 and 3 from (tmp5, tmp6), before the shared terms.
pub(crate) const ROT_7: [i16; 2] = [(F0_298 - F0_899) as i16, -F0_899 as i16];
pub(crate) const ROT_1: [i16; 2] = [-F0_899 as i16, (F1_501 - F0_899) as i16];
pub(crate) const ROT_5: [i16; 2] = [(F2_053 - F2_562) as i16, -F2_562 as i16];
pub(crate) const ROT_3: [i16; 2] = [-F2_562 as i16, (F3_072 - F2_562) as i16];

/// How far each pass shifts its rotated outputs down (rounding): the first keeps
/// `PASS1_BITS` of fraction, the second takes them off with the multipliers' own.
pub(crate) const PASS1_SHIFT: u32 = CONST_BITS - PASS1_BITS;
pub(crate) const PASS2_SHIFT: u32 = CONST_BITS + PASS1_BITS;

/// Quantised AC coefficients are clamped to category 10 (baseline); the DC never leaves
/// category 11 (|DC| <= 8192 / 8).
pub(crate) const AC_MAX: i16 = 1023;
pub(crate) const DC_MAX: i16 = 2047;

/// One row of a block: eight lanes.
type Row = [i16; 8];

/// `pmaddwd` of one lane: the two products summed in 32 bits.
#[inline(always)]
fn madd(a: i16, b: i16, k: [i16; 2]) -> i32 {
    i32::from(a) * i32::from(k[0]) + i32::from(b) * i32::from(k[1])
}

/// `(v + round) >> shift` packed to 16 bits with saturation, as `psrad` then `packssdw`.
#[inline(always)]
fn descale(v: i32, shift: u32) -> i16 {
    (v.wrapping_add(1 << (shift - 1)) >> shift).clamp(i16::MIN.into(), i16::MAX.into()) as i16
}

/// One pass of the 8-point DCT down every column of `d` at once (row k of the result is
/// frequency k). The first pass (`SECOND` false) scales its even outputs up by
/// `PASS1_BITS`; the second rounds them back down.
#[inline(always)]
#[allow(clippy::needless_range_loop)] // lane i of all eight rows at once
fn dct_columns<const SECOND: bool>(d: &mut [Row; 8]) {
    let shift = if SECOND { PASS2_SHIFT } else { PASS1_SHIFT };
    for i in 0..8 {
        let (t0, t7) = (d[0][i].wrapping_add(d[7][i]), d[0][i].wrapping_sub(d[7][i]));
        let (t1, t6) = (d[1][i].wrapping_add(d[6][i]), d[1][i].wrapping_sub(d[6][i]));
        let (t2, t5) = (d[2][i].wrapping_add(d[5][i]), d[2][i].wrapping_sub(d[5][i]));
        let (t3, t4) = (d[3][i].wrapping_add(d[4][i]), d[3][i].wrapping_sub(d[4][i]));

        let (t10, t13) = (t0.wrapping_add(t3), t0.wrapping_sub(t3));
        let (t11, t12) = (t1.wrapping_add(t2), t1.wrapping_sub(t2));
        let (sum, diff) = (t10.wrapping_add(t11), t10.wrapping_sub(t11));
        if SECOND {
            let half = 1 << (PASS1_BITS - 1);
            d[0][i] = sum.wrapping_add(half) >> PASS1_BITS;
            d[4][i] = diff.wrapping_add(half) >> PASS1_BITS;
        } else {
            d[0][i] = sum << PASS1_BITS;
            d[4][i] = diff << PASS1_BITS;
        }
        d[2][i] = descale(madd(t13, t12, ROT_2), shift);
        d[6][i] = descale(madd(t13, t12, ROT_6), shift);

        let (z3, z4) = (t4.wrapping_add(t6), t5.wrapping_add(t7));
        let z73 = madd(z3, z4, ROT_Z73);
        let z15 = madd(z3, z4, ROT_Z15);
        d[7][i] = descale(madd(t4, t7, ROT_7).wrapping_add(z73), shift);
        d[1][i] = descale(madd(t4, t7, ROT_1).wrapping_add(z15), shift);
        d[5][i] = descale(madd(t5, t6, ROT_5).wrapping_add(z15), shift);
        d[3][i] = descale(madd(t5, t6, ROT_3).wrapping_add(z73), shift);
    }
}

#[inline(always)]
fn transpose(d: &mut [Row; 8]) {
    let t = *d;
    *d = std::array::from_fn(|r| std::array::from_fn(|c| t[c][r]));
}

/// Forward DCT of level-shifted samples (row-major), left transposed: `block[u][v]` is
/// the DCT coefficient of row v, column u, 8 times the orthonormal one (which
/// [`Quantizer`] divides out, reading this layout).
#[inline(always)]
pub fn forward_dct(block: &mut [Row; 8]) {
    dct_columns::<false>(block);
    transpose(block);
    dct_columns::<true>(block);
}

/// A quantised block as the entropy coder reads it: coefficients in the transposed
/// layout of [`forward_dct`] (natural coefficient (row v, column u) at `u * 8 + v`),
/// and bit k set where zigzag coefficient k is not zero.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Coefs {
    pub q: [i16; 64],
    pub nonzero: u64,
}

impl Default for Coefs {
    fn default() -> Self {
        Self {
            q: [0; 64],
            nonzero: 0,
        }
    }
}

impl Coefs {
    /// The coefficients in zigzag order.
    pub fn zigzag(&self) -> [i16; 64] {
        ZIGZAG_T.map(|t| self.q[t])
    }
}

/// Where zigzag coefficient k lies in the transposed layout of [`forward_dct`].
const fn transposed_zigzag() -> [usize; 64] {
    let mut t = [0usize; 64];
    let mut k = 0;
    while k < 64 {
        let n = ZIGZAG[k];
        t[k] = (n % 8) * 8 + n / 8;
        k += 1;
    }
    t
}
pub const ZIGZAG_T: [usize; 64] = transposed_zigzag();

/// Bits below which the dividends stay: |coefficient| + divisor / 2 < 2^14 (the DCT's
/// outputs are at most 8192 in magnitude, a flat block of -128, and the divisors at most
/// 8 x 255).
const DIVIDEND_BITS: u32 = 14;

/// Division by each table entry times 8 (the DCT's scale), rounding half away from zero,
/// in the layout [`forward_dct`] leaves, as two 16-bit high multiplies: for a divisor
/// d <= 2^l, `magic = ceil(2^(14+l) / d)` makes `(n * magic) >> (14 + l)` equal `n / d`
/// for every n < 2^14 (Granlund and Montgomery), and the second multiply, by `2^(18-l)`,
/// is the shift by `l - 2` a 16-bit lane cannot vary. With l the least such exponent
/// but at least 4, `magic` fits 16 bits and the second factor 15, so the second multiply
/// is a signed one (LLVM rewrites an unsigned one into 32-bit lanes).
///
/// Each value is kept per row of the transposed layout, the row's eight twice over: the
/// x86 kernel's registers hold the same row of two blocks.
#[derive(Clone, Debug)]
pub struct Quantizer {
    pub(crate) half: QuantRows,
    pub(crate) magic: QuantRows,
    pub(crate) scale: QuantRows,
}

/// Row u's eight values at `[u][..8]` and again at `[u][8..]`.
pub(crate) type QuantRows = [[u16; 16]; 8];

impl Quantizer {
    /// `table` is in natural order, entries 1..=255.
    pub fn new(table: &[u16; 64]) -> Self {
        let (mut half, mut magic, mut scale) = ([[0; 16]; 8], [[0; 16]; 8], [[0; 16]; 8]);
        for t in 0..128 {
            let (u, v) = (t / 16, t % 8);
            // Transposed row u, lane v holds natural coefficient (row v, column u).
            let d = u32::from(table[v * 8 + u].clamp(1, 255)) * 8;
            let l = (32 - (d - 1).leading_zeros()).max(4); // 4..=11
            half[u][t % 16] = (d / 2) as u16;
            magic[u][t % 16] = (1u32 << (DIVIDEND_BITS + l)).div_ceil(d) as u16;
            scale[u][t % 16] = (1u32 << (18 - l)) as u16;
        }
        Self { half, magic, scale }
    }

    /// Quantises a block from [`forward_dct`]. Baseline limits: AC within 10 bits.
    #[inline(always)]
    pub fn quantize(&self, block: &[Row; 8], out: &mut Coefs) {
        // Every lane as an AC coefficient (a loop the compiler vectorises), then the DC.
        for (u, (row, q)) in block.iter().zip(out.q.chunks_exact_mut(8)).enumerate() {
            for (v, (q, &c)) in q.iter_mut().zip(row).enumerate() {
                *q = self.divide(c, u, v, AC_MAX);
            }
        }
        out.q[0] = self.divide(block[0][0], 0, 0, DC_MAX);
        out.nonzero = nonzero_mask(&out.q);
    }

    /// Coefficient `c` at transposed row `u`, lane `v` divided, as the x86 kernel does:
    /// `pabsw`, `paddw`, `pmulhuw`, `pmulhw`, `pminsw`, `psignw` (a zero stays zero: the
    /// half divisor added rounds down to it).
    #[inline(always)]
    fn divide(&self, c: i16, u: usize, v: usize, max: i16) -> i16 {
        let n = c.unsigned_abs().wrapping_add(self.half[u][v]);
        let q = mulhi(n, self.magic[u][v]) as i16;
        let q = mulhi_signed(q, self.scale[u][v] as i16).min(max);
        if c < 0 {
            q.wrapping_neg()
        } else {
            q
        }
    }
}

/// `pmulhuw` of one lane.
#[inline(always)]
fn mulhi(a: u16, b: u16) -> u16 {
    ((u32::from(a) * u32::from(b)) >> 16) as u16
}

/// `pmulhw` of one lane.
#[inline(always)]
fn mulhi_signed(a: i16, b: i16) -> i16 {
    ((i32::from(a) * i32::from(b)) >> 16) as i16
}

/// Bit k set where zigzag coefficient k of `q` (transposed layout) is not zero: bit t
/// of the transposed layout's mask is computed first (eight bytes independently, so
/// that they vectorise), then moved to zigzag order by tables.
#[inline(always)]
pub(crate) fn nonzero_mask(q: &[i16; 64]) -> u64 {
    let mut mask = 0u64;
    for (r, row) in q.chunks_exact(8).enumerate() {
        let byte = row
            .iter()
            .enumerate()
            .fold(0u64, |m, (i, &c)| m | (u64::from(c != 0) << i));
        mask |= byte << (8 * r);
    }
    zigzag_mask(mask)
}

/// `ZIGZAG_BITS[j][b]`: the zigzag positions of the set bits of byte `b` of a mask over
/// the transposed layout (bit `8j + i` is transposed position `8j + i`).
static ZIGZAG_BITS: [[u64; 256]; 8] = zigzag_bits();

const fn zigzag_bits() -> [[u64; 256]; 8] {
    let mut zz_of = [0u32; 64]; // transposed position -> zigzag index
    let mut k = 0;
    while k < 64 {
        zz_of[ZIGZAG_T[k]] = k as u32;
        k += 1;
    }
    let mut lut = [[0u64; 256]; 8];
    let mut j = 0;
    while j < 8 {
        let mut b = 0;
        while b < 256 {
            let mut i = 0;
            while i < 8 {
                if b >> i & 1 == 1 {
                    lut[j][b] |= 1 << zz_of[8 * j + i];
                }
                i += 1;
            }
            b += 1;
        }
        j += 1;
    }
    lut
}

/// The nonzero mask of a block moved from the transposed layout to zigzag order.
#[inline(always)]
fn zigzag_mask(m: u64) -> u64 {
    let mut out = 0;
    for (j, lut) in ZIGZAG_BITS.iter().enumerate() {
        out |= lut[(m >> (8 * j)) as usize & 255];
    }
    out
}

/// Level-shifts, transforms and quantises one 8x8 block of samples (row-major).
/// The x86 kernels (`x86::transform_mcu`, `x86::sse2::transform_mcu`) compute the same.
#[inline(always)]
pub fn transform_block(px: &[u8; 64], quant: &Quantizer, out: &mut Coefs) {
    let mut d: [Row; 8] =
        std::array::from_fn(|r| std::array::from_fn(|c| i16::from(px[r * 8 + c]) - 128));
    forward_dct(&mut d);
    quant.quantize(&d, out);
}

/// Reference inverse DCT of dequantised zigzag coefficients to 8-bit samples,
/// as an exact decoder would compute it.
pub fn inverse_dct(zz: &[i16; 64], table: &[u16; 64], out: &mut [u8; 64]) {
    let basis = idct_basis();
    let mut coeffs = [0f32; 64];
    for (k, &c) in zz.iter().enumerate() {
        let n = ZIGZAG[k];
        coeffs[n] = f32::from(c) * f32::from(table[n]);
    }
    let mut tmp = [0f32; 64];
    for y in 0..8 {
        for u in 0..8 {
            tmp[y * 8 + u] = (0..8).map(|v| basis[y][v] * coeffs[v * 8 + u]).sum();
        }
    }
    for y in 0..8 {
        for x in 0..8 {
            let s: f32 = (0..8).map(|u| basis[x][u] * tmp[y * 8 + u]).sum();
            out[y * 8 + x] = (s + 128.0).round().clamp(0.0, 255.0) as u8;
        }
    }
}

/// `basis[x][u] = C(u)/2 * cos((2x+1) u pi / 16)`, the orthonormal 8-point DCT-II basis.
fn idct_basis() -> [[f32; 8]; 8] {
    let mut b = [[0f32; 8]; 8];
    for (x, row) in b.iter_mut().enumerate() {
        for (u, v) in row.iter_mut().enumerate() {
            let c = if u == 0 {
                std::f64::consts::FRAC_1_SQRT_2
            } else {
                1.0
            };
            let angle = (2 * x + 1) as f64 * u as f64 * std::f64::consts::PI / 16.0;
            *v = (c / 2.0 * angle.cos()) as f32;
        }
    }
    b
}

#[cfg(test)]
mod tests {
    use super::*;
    use softvpu_core::synth::SplitMix64;

    fn reference_dct(samples: &[f32; 64]) -> [f64; 64] {
        let mut out = [0f64; 64];
        for v in 0..8 {
            for u in 0..8 {
                let cu = if u == 0 {
                    std::f64::consts::FRAC_1_SQRT_2
                } else {
                    1.0
                };
                let cv = if v == 0 {
                    std::f64::consts::FRAC_1_SQRT_2
                } else {
                    1.0
                };
                let mut s = 0.0;
                for y in 0..8 {
                    for x in 0..8 {
                        s += samples[y * 8 + x] as f64
                            * ((2 * x + 1) as f64 * u as f64 * std::f64::consts::PI / 16.0).cos()
                            * ((2 * y + 1) as f64 * v as f64 * std::f64::consts::PI / 16.0).cos();
                    }
                }
                out[v * 8 + u] = cu * cv * s / 4.0;
            }
        }
        out
    }

    /// Samples of the kinds [`max_dct_error`] tries: flat extremes, then random.
    fn sample_blocks() -> impl Iterator<Item = [u8; 64]> {
        let mut rng = SplitMix64(1);
        let checker: [u8; 64] = std::array::from_fn(|i| [0, 255][(i + i / 8) % 2]);
        [[0u8; 64], [255; 64], checker]
            .into_iter()
            .chain((0..500).map(move |_| std::array::from_fn(|_| rng.below(256) as u8)))
    }

    /// The largest distance of the unit-quantised coefficients from the exact DCT's.
    fn max_dct_error() -> f64 {
        let q = Quantizer::new(&[1; 64]);
        let mut worst = 0f64;
        for px in sample_blocks() {
            let expect = reference_dct(&px.map(|p| f32::from(p) - 128.0));
            let mut coefs = Coefs::default();
            transform_block(&px, &q, &mut coefs);
            let zz = coefs.zigzag();
            for k in 0..64 {
                let max = if k == 0 { DC_MAX } else { AC_MAX };
                let exact = expect[ZIGZAG[k]].clamp(-f64::from(max), f64::from(max));
                worst = worst.max((f64::from(zz[k]) - exact).abs());
            }
        }
        worst
    }

    #[test]
    fn integer_dct_is_within_a_step_of_the_exact_dct() {
        // Rounding to integers alone leaves 0.5; the 13-bit multipliers and the two passes'
        // roundings add about an eighth (0.62 on these blocks).
        let worst = max_dct_error();
        assert!(worst < 0.7, "worst error {worst}");
    }

    #[test]
    fn quantiser_divides_exactly_for_every_divisor_and_dividend() {
        for entry in 1..=255u16 {
            let q = Quantizer::new(&[entry; 64]);
            let d = i32::from(entry) * 8;
            for c in -(1 << DIVIDEND_BITS) + d / 2 + 1..(1 << DIVIDEND_BITS) - d / 2 {
                let exact = (c.abs() + d / 2) / d * c.signum();
                let got = q.divide(c as i16, 1, 1, i16::MAX);
                assert_eq!(i32::from(got), exact, "{c} / {d}");
            }
        }
    }

    #[test]
    fn nonzero_mask_marks_the_nonzero_coefficients() {
        let mut rng = SplitMix64(3);
        for _ in 0..100 {
            let q: [i16; 64] = std::array::from_fn(|_| rng.below(3) as i16 - 1);
            let mask = nonzero_mask(&q);
            for (k, &t) in ZIGZAG_T.iter().enumerate() {
                assert_eq!(mask >> k & 1 == 1, q[t] != 0);
            }
        }
    }

    #[test]
    fn inverse_of_forward_is_near_lossless_at_unit_quantiser() {
        let mut rng = SplitMix64(2);
        let orig: [u8; 64] = std::array::from_fn(|_| rng.below(256) as u8);
        let mut coefs = Coefs::default();
        transform_block(&orig, &Quantizer::new(&[1; 64]), &mut coefs);
        let mut out = [0u8; 64];
        inverse_dct(&coefs.zigzag(), &[1; 64], &mut out);
        for (a, b) in orig.iter().zip(&out) {
            assert!((*a as i32 - *b as i32).abs() <= 1);
        }
    }
}
