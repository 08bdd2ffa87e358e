//! Test-only reference arithmetic decoder, written literally from H.265 9.3.4.3
//! (bit-serial read_bits(1) renormalisation), plus a small PRNG for test sequences.

use super::{RANGE_TAB_LPS, TRANS_IDX_LPS};

/// Arithmetic decoding engine of 9.3.4.3 over a byte slice; bits past the end read as 0.
pub(crate) struct SpecDecoder<'a> {
    data: &'a [u8],
    pos: usize,
    range: u32,
    offset: u32,
}

impl<'a> SpecDecoder<'a> {
    /// 9.3.2.5: ivlCurrRange = 510, ivlOffset = read_bits(9).
    pub(crate) fn new(data: &'a [u8]) -> Self {
        let mut d = Self {
            data,
            pos: 0,
            range: 510,
            offset: 0,
        };
        for _ in 0..9 {
            d.offset = (d.offset << 1) | d.read_bit();
        }
        d
    }

    pub(crate) fn bit_at(data: &[u8], pos: usize) -> u32 {
        data.get(pos / 8)
            .map_or(0, |&b| u32::from(b >> (7 - pos % 8)) & 1)
    }

    fn read_bit(&mut self) -> u32 {
        let b = Self::bit_at(self.data, self.pos);
        self.pos += 1;
        b
    }

    /// Number of bits consumed so far.
    pub(crate) fn bits_read(&self) -> usize {
        self.pos
    }

    /// DecodeDecision (9.3.4.3.2) on a context given as (pStateIdx, valMps).
    pub(crate) fn decision(&mut self, ctx: &mut (u8, u8)) -> u32 {
        let (state, mps) = *ctx;
        let q = ((self.range >> 6) & 3) as usize;
        let lps = u32::from(RANGE_TAB_LPS[usize::from(state)][q]);
        self.range -= lps;
        let bin;
        if self.offset >= self.range {
            bin = u32::from(1 - mps);
            self.offset -= self.range;
            self.range = lps;
            if state == 0 {
                ctx.1 = 1 - mps;
            }
            ctx.0 = TRANS_IDX_LPS[usize::from(state)];
        } else {
            bin = u32::from(mps);
            if state < 62 {
                ctx.0 = state + 1;
            }
        }
        self.renorm();
        bin
    }

    /// RenormD (9.3.4.3.3).
    fn renorm(&mut self) {
        while self.range < 256 {
            self.range <<= 1;
            self.offset = (self.offset << 1) | self.read_bit();
        }
    }

    /// DecodeBypass (9.3.4.3.4).
    pub(crate) fn bypass(&mut self) -> u32 {
        self.offset = (self.offset << 1) | self.read_bit();
        if self.offset >= self.range {
            self.offset -= self.range;
            1
        } else {
            0
        }
    }

    /// DecodeTerminate (9.3.4.3.5); a 1 ends arithmetic decoding without renormalisation.
    pub(crate) fn terminate(&mut self) -> u32 {
        self.range -= 2;
        if self.offset >= self.range {
            1
        } else {
            self.renorm();
            0
        }
    }
}

/// Small deterministic PRNG (xorshift64*), enough for test sequences.
pub(crate) struct Rng(u64);

impl Rng {
    pub(crate) fn new(seed: u64) -> Self {
        Self(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }

    pub(crate) fn next_u32(&mut self) -> u32 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        (self.0.wrapping_mul(0x2545_F491_4F6C_DD1D) >> 32) as u32
    }

    /// 1 with probability `p1` / 65536.
    pub(crate) fn bit(&mut self, p1: u32) -> u32 {
        u32::from((self.next_u32() & 0xFFFF) < p1)
    }
}
