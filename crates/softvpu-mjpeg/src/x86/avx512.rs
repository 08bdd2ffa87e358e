//! AVX-512 (F and BW) kernels: the entropy coder's input, each block put in zigzag
//! order by vector permutes.
#![allow(unsafe_code)] // target-feature code and its intrinsics, run only after detection

use std::arch::x86_64::{_mm512_loadu_si512, _mm512_permutex2var_epi16, _mm512_storeu_si512};

use crate::dct::{Coefs, ZIGZAG_T};
use crate::huffman::{BitWriter, CodeSet, Mcu, Zigzag};

/// [`ZIGZAG_T`] as 16-bit permute indices.
static ZIGZAG_T16: [i16; 64] = {
    let mut t = [0i16; 64];
    let mut k = 0;
    while k < 64 {
        t[k] = ZIGZAG_T[k] as i16;
        k += 1;
    }
    t
};

/// The entropy coder (built as `super::code_mcu` is) reading blocks put in zigzag order
/// by two permutes each, so that it reads each coefficient where it lies: the portable
/// coder looks up every coefficient's position in a table.
///
/// # Safety
/// The CPU must support AVX-512F and AVX-512BW, AVX2, BMI1, BMI2 and LZCNT.
#[inline(never)]
#[target_feature(enable = "avx512f,avx512bw,avx2,bmi1,bmi2,lzcnt")]
pub(super) unsafe fn code_mcu(
    w: &mut BitWriter,
    blocks: &Mcu,
    pred: &mut [i16; 3],
    codes: &CodeSet,
) {
    let zigzag: [Zigzag; 6] = std::array::from_fn(|i| zigzag(&blocks[i]));
    w.mcu(&zigzag, pred, codes);
}

/// # Safety
/// The CPU must support AVX-512F and AVX-512BW.
#[inline]
#[target_feature(enable = "avx512f,avx512bw")]
unsafe fn zigzag(c: &Coefs) -> Zigzag {
    // SAFETY: each load and store covers 32 of the 64 coefficients or indices.
    unsafe {
        let (lo, hi) = (
            _mm512_loadu_si512(c.q.as_ptr().cast()),
            _mm512_loadu_si512(c.q[32..].as_ptr().cast()),
        );
        let first =
            _mm512_permutex2var_epi16(lo, _mm512_loadu_si512(ZIGZAG_T16.as_ptr().cast()), hi);
        let second =
            _mm512_permutex2var_epi16(lo, _mm512_loadu_si512(ZIGZAG_T16[32..].as_ptr().cast()), hi);
        let mut out = Zigzag {
            q: [0; 64],
            nonzero: c.nonzero,
        };
        _mm512_storeu_si512(out.q.as_mut_ptr().cast(), first);
        _mm512_storeu_si512(out.q[32..].as_mut_ptr().cast(), second);
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use softvpu_core::synth::SplitMix64;

    fn has_avx512() -> bool {
        super::super::Avx2::detect().is_some() && super::super::avx512_detected()
    }

    /// A block whose coefficients are nonzero with probability `density` / 64, from
    /// the whole range (extremes included).
    fn random_block(rng: &mut SplitMix64, density: u64) -> Coefs {
        let mut c = Coefs::default();
        for (t, q) in c.q.iter_mut().enumerate() {
            if rng.below(64) < density {
                let max = if t == 0 { 2047 } else { 1023 };
                *q = match rng.below(4) {
                    0 => max,
                    1 => -max,
                    _ => rng.below(2 * max as u64 + 1) as i16 - max,
                };
            }
        }
        c.nonzero = (0..64)
            .filter(|&k| c.q[ZIGZAG_T[k]] != 0)
            .fold(0, |m, k| m | 1 << k);
        c
    }

    #[test]
    fn zigzag_blocks_equal_the_tables() {
        if !has_avx512() {
            eprintln!("no AVX-512 on this CPU: nothing to compare");
            return;
        }
        let mut rng = SplitMix64(11);
        for density in [0, 1, 4, 16, 48, 64] {
            for _ in 0..200 {
                let c = random_block(&mut rng, density);
                // SAFETY: checked above.
                let z = unsafe { zigzag(&c) };
                assert_eq!(z.q, c.zigzag());
            }
        }
    }

    #[test]
    fn entropy_coder_writes_what_the_portable_one_does() {
        if !has_avx512() {
            eprintln!("no AVX-512 on this CPU: nothing to compare");
            return;
        }
        let codes = CodeSet::annex_k();
        let mut rng = SplitMix64(12);
        let (mut portable, mut wide) = (BitWriter::default(), BitWriter::default());
        let (mut pred_p, mut pred_w) = ([0i16; 3], [0i16; 3]);
        for density in [0, 1, 4, 16, 48, 64] {
            for _ in 0..100 {
                let mcu: Mcu = std::array::from_fn(|_| random_block(&mut rng, density));
                portable.mcu(&mcu, &mut pred_p, &codes);
                // SAFETY: checked above.
                unsafe { code_mcu(&mut wide, &mcu, &mut pred_w, &codes) };
            }
        }
        portable.flush();
        wide.flush();
        let (a, b) = (portable.take(), wide.take());
        assert!(a.len() > 10_000);
        assert_eq!(a, b);
    }
}
