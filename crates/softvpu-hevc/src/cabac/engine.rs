//! Binary arithmetic encoder (H.265 9.3.4.3 / the informative encoder of 9.3.5).
//!
//! The register layout follows the byte-oriented scheme of the HM reference encoder instead of
//! the spec's bit-serial PutBit: `low` accumulates up to a few bytes of pending output, whole
//! bytes are emitted when fewer than 12 free bits remain, and a run of 0xFF bytes is held back
//! until it is known whether a carry will ripple through it. The produced bits are identical to
//! the spec's EncodeDecision / EncodeBypass / EncodeTerminate / EncodeFlush.

use super::{BinSink, Context, RANGE_TAB_LPS};

/// CABAC bitstream writer for one slice segment (or one WPP / tile substream).
#[derive(Debug)]
pub struct CabacWriter {
    /// Low end of the coding interval; bits above the 9 range bits are not yet emitted.
    low: u32,
    /// ivlCurrRange, 256..=510 between bins.
    range: u32,
    /// Free bit positions left in `low` before a byte must be emitted.
    bits_left: i32,
    /// The last byte that may still receive a carry (valid when `num_buffered > 0`).
    buffered_byte: u32,
    /// `buffered_byte` followed by `num_buffered - 1` bytes of 0xFF, all carry-pending.
    num_buffered: u32,
    out: Vec<u8>,
}

impl Default for CabacWriter {
    fn default() -> Self {
        Self::new()
    }
}

impl CabacWriter {
    /// A freshly initialised arithmetic encoder (9.3.2.5: ivlLow = 0, ivlCurrRange = 510).
    pub fn new() -> Self {
        Self::with_capacity(0)
    }

    /// Like [`CabacWriter::new`] with `bytes` of output capacity reserved up front.
    pub fn with_capacity(bytes: usize) -> Self {
        Self {
            low: 0,
            range: 510,
            bits_left: 23,
            // 0xFF so that a leading 0xFF byte is held back like any other 0xFF run.
            buffered_byte: 0xFF,
            num_buffered: 0,
            out: Vec::with_capacity(bytes),
        }
    }

    /// Approximate number of bytes produced so far (emitted, held back and pending).
    pub fn bytes_so_far(&self) -> usize {
        self.out.len() + self.num_buffered as usize + ((24 - self.bits_left) / 8) as usize
    }

    /// EncodeFlush after the caller's final `terminate(1)`, then the rbsp_stop_one_bit /
    /// alignment_bit_equal_to_one and zero bits up to the byte boundary.
    ///
    /// Returns the complete slice_segment_data bytes, before emulation prevention. Must be
    /// called right after `terminate(1)`; for WPP / tile substreams start a new writer next.
    pub fn finish(mut self) -> Vec<u8> {
        debug_assert_eq!(self.range, 256, "finish() must follow terminate(1)");
        let carry_pos = 32 - self.bits_left;
        if self.low >> carry_pos != 0 {
            debug_assert!(self.num_buffered > 0, "carry out of an empty stream");
            if self.num_buffered > 0 {
                self.out.push((self.buffered_byte + 1) as u8);
                self.push_repeated(0x00, self.num_buffered - 1);
            }
            self.low -= 1 << carry_pos;
        } else if self.num_buffered > 0 {
            self.out.push(self.buffered_byte as u8);
            self.push_repeated(0xFF, self.num_buffered - 1);
        }
        // The interval's remaining significant bits sit above bit 8; EncodeFlush ends with a '1'
        // in place of bit 7, which doubles as the stop / alignment bit.
        let n = (24 - self.bits_left) as u32;
        let tail = (u64::from(self.low >> 8) << 1) | 1;
        self.put_tail_bits(tail, n + 1);
        self.out
    }

    /// Appends the `n` low bits of `bits` (msb first), zero-padded to a byte boundary.
    fn put_tail_bits(&mut self, bits: u64, n: u32) {
        let pad = (8 - n % 8) % 8;
        let total = n + pad;
        let aligned = bits << pad;
        let mut shift = total;
        while shift >= 8 {
            shift -= 8;
            self.out.push((aligned >> shift) as u8);
        }
    }

    fn push_repeated(&mut self, byte: u8, count: u32) {
        let len = self.out.len() + count as usize;
        self.out.resize(len, byte);
    }

    #[inline]
    fn write_out_if_needed(&mut self) {
        if self.bits_left < 12 {
            self.write_out();
        }
    }

    /// Moves the top byte of `low` out, resolving carries into held-back bytes.
    fn write_out(&mut self) {
        let lead = self.low >> (24 - self.bits_left);
        self.bits_left += 8;
        self.low &= u32::MAX >> self.bits_left;
        if lead == 0xFF {
            // Might still become 0x00 with a carry: hold it back.
            self.num_buffered += 1;
        } else if self.num_buffered > 0 {
            let carry = lead >> 8;
            self.out.push((self.buffered_byte + carry) as u8);
            // The held 0xFF run becomes 0x00 on carry and stays 0xFF otherwise.
            let fill = if carry != 0 { 0x00 } else { 0xFF };
            self.push_repeated(fill, self.num_buffered - 1);
            self.num_buffered = 1;
            self.buffered_byte = lead & 0xFF;
        } else {
            self.num_buffered = 1;
            self.buffered_byte = lead;
        }
    }
}

impl BinSink for CabacWriter {
    // Always inlined: a call per bin costs more than the bin (the compiler's choice here
    // changed with unrelated code, +2 % of all instructions when it did not inline).
    #[inline(always)]
    fn bin(&mut self, ctx: &mut Context, bin: u32) {
        let bin = bin & 1;
        let q = ((self.range >> 6) & 3) as usize;
        let lps = u32::from(RANGE_TAB_LPS[usize::from(ctx.state())][q]);
        let is_lps = bin != ctx.mps();
        ctx.update(bin);
        self.range -= lps;
        if is_lps {
            // lps < 256, so the shift that brings it back to 9 bits is its leading zeros - 23.
            let shift = lps.leading_zeros() - 23;
            self.low = (self.low + self.range) << shift;
            self.range = lps << shift;
            self.bits_left -= shift as i32;
        } else if self.range < 256 {
            self.low <<= 1;
            self.range <<= 1;
            self.bits_left -= 1;
        } else {
            return;
        }
        self.write_out_if_needed();
    }

    #[inline]
    fn bypass(&mut self, bin: u32) {
        self.low <<= 1;
        if bin & 1 != 0 {
            self.low += self.range;
        }
        self.bits_left -= 1;
        self.write_out_if_needed();
    }

    fn bypass_bits(&mut self, value: u32, n: u32) {
        debug_assert!(n <= 32);
        let mut n = n.min(32);
        // Up to 8 bypass bins at once: the interval scales by 2^k and shifts by range * bits.
        while n > 8 {
            n -= 8;
            let chunk = (value >> n) & 0xFF;
            self.low = (self.low << 8) + self.range * chunk;
            self.bits_left -= 8;
            self.write_out_if_needed();
        }
        if n > 0 {
            let chunk = value & ((1u32 << n) - 1);
            self.low = (self.low << n) + self.range * chunk;
            self.bits_left -= n as i32;
            self.write_out_if_needed();
        }
    }

    fn terminate(&mut self, bin: u32) {
        self.range -= 2;
        if bin & 1 != 0 {
            // Take the 2-wide top interval and renormalise it fully (2 << 7 = 256).
            self.low = (self.low + self.range) << 7;
            self.range = 2 << 7;
            self.bits_left -= 7;
        } else if self.range >= 256 {
            return;
        } else {
            self.low <<= 1;
            self.range <<= 1;
            self.bits_left -= 1;
        }
        self.write_out_if_needed();
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::super::decoder::{Rng, SpecDecoder};
    use super::super::{RANGE_TAB_LPS, TRANS_IDX_LPS};
    use super::*;

    /// The spec's bit-serial encoder (9.3.5: PutBit with bitsOutstanding, firstBitFlag),
    /// written independently of `CabacWriter` for byte-exact comparison.
    struct SpecEncoder {
        low: u32,
        range: u32,
        first_bit: bool,
        outstanding: u32,
        bits: Vec<u8>,
    }

    impl SpecEncoder {
        fn new() -> Self {
            Self {
                low: 0,
                range: 510,
                first_bit: true,
                outstanding: 0,
                bits: Vec::new(),
            }
        }

        fn put_bit(&mut self, b: u8) {
            if self.first_bit {
                self.first_bit = false;
            } else {
                self.bits.push(b);
            }
            while self.outstanding > 0 {
                self.bits.push(1 - b);
                self.outstanding -= 1;
            }
        }

        fn renorm(&mut self) {
            while self.range < 256 {
                if self.low < 256 {
                    self.put_bit(0);
                } else if self.low >= 512 {
                    self.low -= 512;
                    self.put_bit(1);
                } else {
                    self.low -= 256;
                    self.outstanding += 1;
                }
                self.range <<= 1;
                self.low <<= 1;
            }
        }

        fn decision(&mut self, state: &mut (u8, u8), bin: u8) {
            let (s, mps) = *state;
            let lps = u32::from(RANGE_TAB_LPS[usize::from(s)][((self.range >> 6) & 3) as usize]);
            self.range -= lps;
            if bin != mps {
                self.low += self.range;
                self.range = lps;
                if s == 0 {
                    state.1 = 1 - mps;
                }
                state.0 = TRANS_IDX_LPS[usize::from(s)];
            } else {
                state.0 = (s + 1).min(62);
            }
            self.renorm();
        }

        fn bypass(&mut self, bin: u8) {
            self.low <<= 1;
            if bin != 0 {
                self.low += self.range;
            }
            if self.low >= 1024 {
                self.put_bit(1);
                self.low -= 1024;
            } else if self.low < 512 {
                self.put_bit(0);
            } else {
                self.low -= 512;
                self.outstanding += 1;
            }
        }

        fn terminate(&mut self, bin: u8) {
            self.range -= 2;
            if bin != 0 {
                self.low += self.range;
                self.flush();
            } else {
                self.renorm();
            }
        }

        fn flush(&mut self) {
            self.range = 2;
            self.renorm();
            self.put_bit(((self.low >> 9) & 1) as u8);
            let last2 = ((self.low >> 7) & 3) | 1;
            self.bits.push((last2 >> 1) as u8);
            self.bits.push((last2 & 1) as u8);
        }

        fn into_bytes(mut self) -> Vec<u8> {
            while !self.bits.len().is_multiple_of(8) {
                self.bits.push(0);
            }
            self.bits
                .chunks(8)
                .map(|c| c.iter().fold(0u8, |acc, &b| (acc << 1) | b))
                .collect()
        }
    }

    #[derive(Clone, Copy, Debug, PartialEq)]
    enum Op {
        Bin(usize, u32),
        Bypass(u32),
        BypassBits(u32, u32),
        Terminate0,
    }

    /// Initial values of the test's context set: equiprobable, skewed either way, extreme.
    const INITS: [u8; 6] = [154, 139, 63, 227, 31, 197];

    /// A random mix of operations; contexts 0..6 with their own bias towards 0 or 1.
    fn random_ops(seed: u64, len: usize) -> Vec<Op> {
        let mut rng = Rng::new(seed);
        let bias = [32768, 60000, 3000, 65000, 500, 40000];
        let mut ops = Vec::with_capacity(len);
        while ops.len() < len {
            let kind = rng.next_u32() % 100;
            let op = match kind {
                0..=69 => {
                    let c = (rng.next_u32() % 6) as usize;
                    Op::Bin(c, rng.bit(bias[c]))
                }
                70..=84 => Op::Bypass(rng.next_u32() & 1),
                85..=94 => {
                    let n = rng.next_u32() % 33;
                    let v = if n == 32 {
                        rng.next_u32()
                    } else {
                        rng.next_u32() & ((1 << n) - 1)
                    };
                    Op::BypassBits(v, n)
                }
                _ => Op::Terminate0,
            };
            ops.push(op);
        }
        ops
    }

    fn contexts(qp: i32) -> [Context; 6] {
        INITS.map(|v| Context::new(v, qp))
    }

    fn encode(ops: &[Op], qp: i32) -> Vec<u8> {
        let mut ctx = contexts(qp);
        let mut w = CabacWriter::new();
        for &op in ops {
            match op {
                Op::Bin(c, b) => w.bin(&mut ctx[c], b),
                Op::Bypass(b) => w.bypass(b),
                Op::BypassBits(v, n) => w.bypass_bits(v, n),
                Op::Terminate0 => w.terminate(0),
            }
        }
        w.terminate(1);
        w.finish()
    }

    fn encode_spec(ops: &[Op], qp: i32) -> Vec<u8> {
        let mut st = contexts(qp).map(|c| (c.state(), c.mps() as u8));
        let mut e = SpecEncoder::new();
        for &op in ops {
            match op {
                Op::Bin(c, b) => e.decision(&mut st[c], b as u8),
                Op::Bypass(b) => e.bypass(b as u8),
                Op::BypassBits(v, n) => {
                    for i in (0..n).rev() {
                        e.bypass(((v >> i) & 1) as u8);
                    }
                }
                Op::Terminate0 => e.terminate(0),
            }
        }
        e.terminate(1);
        e.into_bytes()
    }

    /// Decodes `ops`' shapes from `bytes` and checks every bin and the final stop bit.
    fn check_decode(bytes: &[u8], ops: &[Op], qp: i32) {
        let mut st = contexts(qp).map(|c| (c.state(), c.mps() as u8));
        let mut d = SpecDecoder::new(bytes);
        for (i, &op) in ops.iter().enumerate() {
            match op {
                Op::Bin(c, b) => assert_eq!(d.decision(&mut st[c]), b, "op {i}"),
                Op::Bypass(b) => assert_eq!(d.bypass(), b, "op {i}"),
                Op::BypassBits(v, n) => {
                    let got = (0..n).fold(0u64, |acc, _| (acc << 1) | u64::from(d.bypass()));
                    assert_eq!(got, u64::from(v), "op {i}");
                }
                Op::Terminate0 => assert_eq!(d.terminate(), 0, "op {i}"),
            }
        }
        assert_eq!(d.terminate(), 1);
        // The arithmetic decoder's last consumed bit is the stop bit, followed only by zero
        // alignment bits up to the end of the data.
        let pos = d.bits_read();
        assert!(
            pos >= 1 && pos <= bytes.len() * 8,
            "pos {pos} len {}",
            bytes.len()
        );
        assert_eq!(
            bytes.len(),
            pos.div_ceil(8),
            "no trailing bytes after alignment"
        );
        assert_eq!(SpecDecoder::bit_at(bytes, pos - 1), 1, "stop bit");
        for p in pos..bytes.len() * 8 {
            assert_eq!(SpecDecoder::bit_at(bytes, p), 0, "alignment bit {p}");
        }
    }

    #[test]
    fn matches_spec_encoder_and_round_trips() {
        for seed in 0..40u64 {
            let len = [0, 1, 2, 5, 50, 3000, 20000][seed as usize % 7];
            let qp = [0, 22, 26, 37, 51][seed as usize % 5];
            let ops = random_ops(seed, len);
            let bytes = encode(&ops, qp);
            assert_eq!(bytes, encode_spec(&ops, qp), "seed {seed}");
            check_decode(&bytes, &ops, qp);
        }
    }

    #[test]
    fn carry_chains_through_ff_runs() {
        // Long runs of bypass 1s make `low` all ones, i.e. 0xFF output bytes whose value is
        // only settled by later bins; the decisions in between then ripple carries through
        // the held-back run. Check against the spec encoder.
        let mut rng = Rng::new(99);
        for round in 0..300 {
            let mut ops = Vec::new();
            for _ in 0..(20 + round / 4) {
                let run = 8 + rng.next_u32() % 64;
                for _ in 0..run {
                    ops.push(if rng.next_u32().is_multiple_of(2) {
                        Op::Bypass(1)
                    } else {
                        Op::BypassBits(u32::MAX >> (rng.next_u32() % 32), 32)
                    });
                }
                for _ in 0..(1 + rng.next_u32() % 4) {
                    let c = (rng.next_u32() % 6) as usize;
                    ops.push(Op::Bin(c, rng.next_u32() & 1));
                }
            }
            let qp = (rng.next_u32() % 52) as i32;
            let bytes = encode(&ops, qp);
            assert_eq!(bytes, encode_spec(&ops, qp), "round {round}");
            check_decode(&bytes, &ops, qp);
        }
    }

    /// Ops that keep the coding interval straddling the half-way point for `run` bypass bins,
    /// so that the outcome of many output bits stays open (spec: bitsOutstanding grows; here:
    /// a long held-back 0xFF run), then optionally settle it with one more random op.
    fn straddling_ops(rng: &mut Rng, segments: usize, settle: bool) -> Vec<Op> {
        let mut spec = SpecEncoder::new();
        let mut st = contexts(26).map(|c| (c.state(), c.mps() as u8));
        let mut ops = Vec::new();
        for seg in 0..segments {
            for _ in 0..(rng.next_u32() % 4) {
                let c = (rng.next_u32() % 6) as usize;
                let b = rng.next_u32() & 1;
                spec.decision(&mut st[c], b as u8);
                ops.push(Op::Bin(c, b));
            }
            let run = 8 + rng.next_u32() % 200;
            for _ in 0..run {
                let doubled = 2 * spec.low;
                let ok0 = (512..1024).contains(&doubled);
                let ok1 = (512..1024).contains(&(doubled + spec.range));
                let b = match (ok0, ok1) {
                    (true, true) => rng.next_u32() & 1,
                    (true, false) => 0,
                    (false, true) => 1,
                    (false, false) => rng.next_u32() & 1,
                };
                spec.bypass(b as u8);
                ops.push(Op::Bypass(b));
            }
            if settle || seg + 1 < segments {
                let b = rng.next_u32() & 1;
                spec.bypass(b as u8);
                ops.push(Op::Bypass(b));
            }
        }
        ops
    }

    #[test]
    fn long_pending_runs_and_carries() {
        let mut rng = Rng::new(4242);
        for round in 0..400 {
            let ops = straddling_ops(&mut rng, 1 + round % 5, round % 2 == 0);
            let bytes = encode(&ops, 26);
            assert_eq!(bytes, encode_spec(&ops, 26), "round {round}");
            check_decode(&bytes, &ops, 26);
        }
    }

    #[test]
    fn empty_slice_has_valid_tail() {
        // terminate(1) straight away still forms a complete, decodable tail.
        let ops = [];
        let bytes = encode(&ops, 26);
        assert_eq!(bytes, encode_spec(&ops, 26));
        check_decode(&bytes, &ops, 26);
    }

    #[test]
    fn bytes_so_far_tracks_output() {
        let ops = random_ops(7, 50000);
        let mut ctx = contexts(26);
        let mut w = CabacWriter::with_capacity(1 << 16);
        for &op in &ops {
            if let Op::Bin(c, b) = op {
                w.bin(&mut ctx[c], b);
            } else if let Op::Bypass(b) = op {
                w.bypass(b);
            }
        }
        let est = w.bytes_so_far();
        w.terminate(1);
        let len = w.finish().len();
        assert!(est <= len && len <= est + 4, "est {est} len {len}");
    }
}
