//! The 8x8 forward DCT (Arai–Agui–Nakajima factorisation in floating point,
//! its output scale folded into the quantiser) and a reference inverse DCT for
//! the reconstruction.

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

/// The 8-point AAN butterfly down every column of `d` at once: each step is the same
/// operation on eight lanes, which the compiler turns into vector code on any target.
#[inline(always)]
fn aan_columns(d: &mut [f32; 64]) {
    for i in 0..8 {
        let at = |k: usize| k * 8 + i;
        let (d0, d1, d2, d3) = (d[at(0)], d[at(1)], d[at(2)], d[at(3)]);
        let (d4, d5, d6, d7) = (d[at(4)], d[at(5)], d[at(6)], d[at(7)]);
        let (t0, t7) = (d0 + d7, d0 - d7);
        let (t1, t6) = (d1 + d6, d1 - d6);
        let (t2, t5) = (d2 + d5, d2 - d5);
        let (t3, t4) = (d3 + d4, d3 - d4);

        let (t10, t13) = (t0 + t3, t0 - t3);
        let (t11, t12) = (t1 + t2, t1 - t2);
        d[at(0)] = t10 + t11;
        d[at(4)] = t10 - t11;
        let z1 = (t12 + t13) * std::f32::consts::FRAC_1_SQRT_2;
        d[at(2)] = t13 + z1;
        d[at(6)] = t13 - z1;

        let o10 = t4 + t5;
        let o11 = t5 + t6;
        let o12 = t6 + t7;
        let z5 = (o10 - o12) * 0.382_683_43;
        let z2 = 0.541_196_1 * o10 + z5;
        let z4 = 1.306_563 * o12 + z5;
        let z3 = o11 * std::f32::consts::FRAC_1_SQRT_2;
        let z11 = t7 + z3;
        let z13 = t7 - z3;
        d[at(5)] = z13 + z2;
        d[at(3)] = z13 - z2;
        d[at(1)] = z11 + z4;
        d[at(7)] = z11 - z4;
    }
}

fn transpose(d: &mut [f32; 64]) {
    for r in 0..8 {
        for c in r + 1..8 {
            d.swap(r * 8 + c, c * 8 + r);
        }
    }
}

/// Forward DCT of level-shifted samples, left transposed: `block[u * 8 + v]` is the
/// true DCT coefficient of row v, column u, scaled by `8 * AAN_SCALE[v] * AAN_SCALE[u]`,
/// which [`Quantizer`] removes (and whose layout it reads).
#[inline(always)]
pub fn forward_dct(block: &mut [f32; 64]) {
    aan_columns(block);
    transpose(block);
    aan_columns(block);
}

/// Reciprocal divisors for one quantisation table, in the layout [`forward_dct`] leaves,
/// with the AAN scale folded in.
#[derive(Clone, Debug)]
pub struct Quantizer {
    recip: [f32; 64],
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
const ZIGZAG_T: [usize; 64] = transposed_zigzag();

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

    /// Quantises a block from [`forward_dct`] into zigzag order, rounding to nearest.
    /// Baseline limits: DC within 11 bits, AC within 10 (categories 11 and 10).
    #[inline(always)]
    pub fn quantize(&self, coeffs: &[f32; 64], out: &mut [i16; 64]) {
        let mut q = [0i16; 64];
        for ((q, &c), &r) in q.iter_mut().zip(coeffs).zip(&self.recip) {
            *q = round_to_i16((c * r).clamp(-1023.0, 1023.0));
        }
        q[0] = round_to_i16((coeffs[0] * self.recip[0]).clamp(-2047.0, 2047.0));
        for (o, &t) in out.iter_mut().zip(&ZIGZAG_T) {
            *o = q[t];
        }
    }
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
            let mut block = [0f32; 64];
            for s in block.iter_mut() {
                *s = if trial < 2 {
                    [-128.0, 127.0][trial]
                } else {
                    rng.below(256) as f32 - 128.0
                };
            }
            let expect = reference_dct(&block);
            let mut dct = block;
            forward_dct(&mut dct);
            let mut zz = [0i16; 64];
            q.quantize(&dct, &mut zz);
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
    fn inverse_of_forward_is_near_lossless_at_unit_quantiser() {
        let mut rng = SplitMix64(2);
        let mut block = [0f32; 64];
        let mut orig = [0u8; 64];
        for (s, o) in block.iter_mut().zip(orig.iter_mut()) {
            *o = rng.below(256) as u8;
            *s = *o as f32 - 128.0;
        }
        forward_dct(&mut block);
        let mut zz = [0i16; 64];
        Quantizer::new(&[1; 64]).quantize(&block, &mut zz);
        let mut out = [0u8; 64];
        inverse_dct(&zz, &[1; 64], &mut out);
        for (a, b) in orig.iter().zip(&out) {
            assert!((*a as i32 - *b as i32).abs() <= 1);
        }
    }
}
