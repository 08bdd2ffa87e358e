//! The 8x8 forward DCT (Arai–Agui–Nakajima factorisation in floating point,
//! its output scale folded into the quantiser), quantisation to the coefficients
//! the entropy coder reads, and a reference inverse DCT for the reconstruction.

use crate::tables::ZIGZAG;

/// AAN output scale of frequency k: `cos(k*pi/16) * sqrt(2)` for k > 0, 1 for k = 0.
const AAN_SCALE: [f32; 8] = [
    1.0,
    1.387_039_8,
    1.306_563,
    1.175_875_6,
    1.0,
    0.785_694_96,
    0.541_196_1,
    0.275_899_38,
];

/// AAN multipliers, shared with the x86 kernel so both compute the same floats.
pub(crate) const C4: f32 = std::f32::consts::FRAC_1_SQRT_2;
pub(crate) const C6: f32 = 0.382_683_43;
pub(crate) const C2_MINUS_C6: f32 = 0.541_196_1;
pub(crate) const C2_PLUS_C6: f32 = 1.306_563;
/// Quantised AC coefficients are clamped to category 10, DC to category 11 (baseline).
pub(crate) const AC_MAX: f32 = 1023.0;
pub(crate) const DC_MAX: f32 = 2047.0;

/// One row of a block: eight lanes, one vector register on any SIMD target.
type Row = [f32; 8];

/// The 8-point AAN butterfly down every column of `d` at once: the loop body is the
/// same scalar code for each of the eight lanes, which the compiler turns into vector
/// code on any target. The x86 kernel repeats these steps, in this order, a row a register.
#[inline(always)]
#[allow(clippy::needless_range_loop)] // lane i of all eight rows at once
fn aan_columns(d: &mut [Row; 8]) {
    for i in 0..8 {
        let (t0, t7) = (d[0][i] + d[7][i], d[0][i] - d[7][i]);
        let (t1, t6) = (d[1][i] + d[6][i], d[1][i] - d[6][i]);
        let (t2, t5) = (d[2][i] + d[5][i], d[2][i] - d[5][i]);
        let (t3, t4) = (d[3][i] + d[4][i], d[3][i] - d[4][i]);

        let (t10, t13) = (t0 + t3, t0 - t3);
        let (t11, t12) = (t1 + t2, t1 - t2);
        d[0][i] = t10 + t11;
        d[4][i] = t10 - t11;
        let z1 = (t12 + t13) * C4;
        d[2][i] = t13 + z1;
        d[6][i] = t13 - z1;

        let o10 = t4 + t5;
        let o11 = t5 + t6;
        let o12 = t6 + t7;
        let z5 = (o10 - o12) * C6;
        let z2 = o10 * C2_MINUS_C6 + z5;
        let z4 = o12 * C2_PLUS_C6 + z5;
        let z3 = o11 * C4;
        let z11 = t7 + z3;
        let z13 = t7 - z3;
        d[5][i] = z13 + z2;
        d[3][i] = z13 - z2;
        d[1][i] = z11 + z4;
        d[7][i] = z11 - z4;
    }
}

#[inline(always)]
fn transpose(d: &mut [Row; 8]) {
    let t = *d;
    *d = std::array::from_fn(|r| std::array::from_fn(|c| t[c][r]));
}

/// Forward DCT of level-shifted samples, left transposed: `block[u][v]` is the true
/// DCT coefficient of row v, column u, scaled by `8 * AAN_SCALE[v] * AAN_SCALE[u]`,
/// which [`Quantizer`] removes (and whose layout it reads).
#[inline(always)]
pub fn forward_dct(block: &mut [Row; 8]) {
    aan_columns(block);
    transpose(block);
    aan_columns(block);
}

/// A quantised block as the entropy coder reads it: coefficients in the transposed
/// layout of [`forward_dct`] (natural coefficient (row v, column u) at `u * 8 + v`),
/// and a bit per position that is set where the coefficient is not zero.
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

/// Reciprocal divisors for one quantisation table, in the layout [`forward_dct`] leaves,
/// with the AAN scale folded in.
#[derive(Clone, Debug)]
pub struct Quantizer {
    pub(crate) recip: [f32; 64],
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

impl Quantizer {
    /// `table` is in natural order.
    pub fn new(table: &[u16; 64]) -> Self {
        let mut recip = [0f32; 64];
        for (t, r) in recip.iter_mut().enumerate() {
            // Transposed index t holds natural coefficient (row t % 8, column t / 8).
            let n = (t % 8) * 8 + t / 8;
            let scale = AAN_SCALE[n / 8] * AAN_SCALE[n % 8] * 8.0;
            *r = 1.0 / (f32::from(table[n]) * scale);
        }
        Self { recip }
    }

    /// Quantises a block from [`forward_dct`], rounding to nearest (ties to even).
    /// Baseline limits: DC within 11 bits, AC within 10 (categories 11 and 10).
    #[inline(always)]
    pub fn quantize(&self, block: &[Row; 8], out: &mut Coefs) {
        let coeffs = block.as_flattened();
        for ((q, &c), &r) in out.q.iter_mut().zip(coeffs).zip(&self.recip) {
            *q = round_to_i16((c * r).clamp(-AC_MAX, AC_MAX));
        }
        out.q[0] = quantize_dc(coeffs[0], self.recip[0]);
        out.nonzero = nonzero_mask(&out.q);
    }
}

/// The DC coefficient quantised, clamped to category 11.
#[inline(always)]
pub(crate) fn quantize_dc(c: f32, recip: f32) -> i16 {
    round_to_i16((c * recip).clamp(-DC_MAX, DC_MAX))
}

/// Bit t set where `q[t]` is not zero; eight bytes computed independently so they
/// vectorise.
#[inline(always)]
fn nonzero_mask(q: &[i16; 64]) -> u64 {
    let mut mask = 0u64;
    for (r, row) in q.chunks_exact(8).enumerate() {
        let byte = row
            .iter()
            .enumerate()
            .fold(0u64, |m, (i, &c)| m | (u64::from(c != 0) << i));
        mask |= byte << (8 * r);
    }
    mask
}

/// Level-shifts, transforms and quantises one 8x8 block of samples (row-major).
/// The x86 kernel `x86::transform_block` computes the same result.
#[inline(always)]
pub fn transform_block(px: &[u8; 64], quant: &Quantizer, out: &mut Coefs) {
    let mut d: [Row; 8] =
        std::array::from_fn(|r| std::array::from_fn(|c| f32::from(px[r * 8 + c]) - 128.0));
    forward_dct(&mut d);
    quant.quantize(&d, out);
}

/// Rounds `v` (|v| < 2^22) to the nearest integer, ties to even: adding 1.5 * 2^23 leaves
/// the integer in the low mantissa bits. Plain float arithmetic and an integer subtraction,
/// so whole blocks vectorise (a float-to-int cast, saturating by definition, does not).
#[inline(always)]
fn round_to_i16(v: f32) -> i16 {
    const MAGIC: f32 = 12_582_912.0;
    ((v + MAGIC).to_bits() as i32 - MAGIC.to_bits() as i32) as i16
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

    #[test]
    fn aan_with_unit_quantiser_equals_the_reference_dct() {
        let mut rng = SplitMix64(1);
        let q = Quantizer::new(&[1; 64]);
        for trial in 0..200 {
            let mut px = [0u8; 64];
            for s in px.iter_mut() {
                *s = if trial < 2 {
                    [0, 255][trial]
                } else {
                    rng.below(256) as u8
                };
            }
            let expect = reference_dct(&px.map(|p| f32::from(p) - 128.0));
            let mut coefs = Coefs::default();
            transform_block(&px, &q, &mut coefs);
            let zz = coefs.zigzag();
            for k in 0..64 {
                let exact = expect[ZIGZAG[k]];
                assert!(
                    (zz[k] as f64 - exact).abs() <= 0.5 + 1e-3,
                    "coef {k}: {} vs {exact}",
                    zz[k]
                );
            }
        }
    }

    #[test]
    fn nonzero_mask_marks_the_nonzero_coefficients() {
        let mut rng = SplitMix64(3);
        for _ in 0..100 {
            let q: [i16; 64] = std::array::from_fn(|_| rng.below(3) as i16 - 1);
            let mask = nonzero_mask(&q);
            for (t, &c) in q.iter().enumerate() {
                assert_eq!(mask >> t & 1 == 1, c != 0);
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
