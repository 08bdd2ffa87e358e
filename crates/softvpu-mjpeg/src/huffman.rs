//! Huffman code construction (T.81 Annex C) and the entropy-coded segment writer
//! with 0xFF byte stuffing. An MCU is coded in two passes: its nonzero coefficients
//! (found from a bitmask) become packed codes, joined in pairs, then a branch-free
//! writer packs those into bytes; the bytes are stuffed in bulk as they leave the
//! writer's stage.

use crate::dct::{Coefs, ZIGZAG_T};
use crate::tables::HuffmanSpec;

/// Bits of a table entry that hold the total length (code + magnitude bits <= 27).
const LEN_BITS: u32 = 5;

/// One entry per symbol `(run << 4) | size`: the code shifted left by `size` (room for
/// the magnitude bits, so one OR completes the pair) above the total length in
/// `LEN_BITS` bits. Zero marks an unused symbol.
#[derive(Clone, Debug)]
pub struct HuffmanCodes {
    entry: [u32; 256],
}

impl HuffmanCodes {
    /// Canonical codes: consecutive values within a length, doubling between lengths.
    pub fn new(spec: &HuffmanSpec) -> Self {
        let mut entry = [0u32; 256];
        let mut next = 0u32;
        let mut symbols = spec.symbols.iter();
        for (i, &count) in spec.counts.iter().enumerate() {
            for _ in 0..count {
                if let Some(&s) = symbols.next() {
                    let (len, size) = (i as u32 + 1, u32::from(s & 15));
                    entry[s as usize] = ((next << size) << LEN_BITS) | (len + size);
                }
                next += 1;
            }
            next <<= 1;
        }
        Self { entry }
    }

    /// The code and its length (without magnitude bits) of a used symbol.
    #[cfg(test)]
    fn get(&self, symbol: u8) -> (u32, u32) {
        let (e, size) = (self.entry[symbol as usize], u32::from(symbol & 15));
        ((e >> LEN_BITS) >> size, (e & ((1 << LEN_BITS) - 1)) - size)
    }
}

/// The four tables of a 4:2:0 image: index 0 luma, 1 chroma.
#[derive(Debug)]
pub struct CodeSet {
    pub dc: [HuffmanCodes; 2],
    pub ac: [AcCodes; 2],
}

impl CodeSet {
    /// The Annex K typical tables (the ones the headers carry).
    pub fn annex_k() -> Self {
        use crate::tables::{AC_CHROMA, AC_LUMA, DC_CHROMA, DC_LUMA};
        Self {
            dc: [HuffmanCodes::new(&DC_LUMA), HuffmanCodes::new(&DC_CHROMA)],
            ac: [
                AcCodes::new(&HuffmanCodes::new(&AC_LUMA)),
                AcCodes::new(&HuffmanCodes::new(&AC_CHROMA)),
            ],
        }
    }
}

/// The six blocks of a 4:2:0 MCU: four luma blocks, then Cb and Cr.
pub type Mcu = [Coefs; 6];

/// Number of magnitude bits of `v` (the JPEG "category" SSSS).
#[inline(always)]
fn category(v: i32) -> u32 {
    32 - v.unsigned_abs().leading_zeros()
}

/// A block's quantised coefficients as the block coder reads them: in zigzag order.
pub(crate) trait ZigzagBlock: Default {
    /// Bit k set where zigzag coefficient k is not zero.
    fn nonzero(&self) -> u64;
    /// Zigzag coefficient `k` (< 64).
    fn at(&self, k: u32) -> i16;
    /// Every coefficient in zigzag order.
    fn zigzag(&self) -> [i16; 64];
}

/// The transform's layout, read through a table.
impl ZigzagBlock for Coefs {
    #[inline(always)]
    fn nonzero(&self) -> u64 {
        self.nonzero
    }

    #[inline(always)]
    fn at(&self, k: u32) -> i16 {
        self.q[ZIGZAG_T8[k as usize & 63] as usize & 63]
    }

    fn zigzag(&self) -> [i16; 64] {
        Coefs::zigzag(self)
    }
}

/// A block already in zigzag order (reordered by the x86 transform's byte shuffles).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Zigzag {
    pub(crate) q: [i16; 64],
    pub(crate) nonzero: u64,
}

impl Default for Zigzag {
    fn default() -> Self {
        Self {
            q: [0; 64],
            nonzero: 0,
        }
    }
}

impl ZigzagBlock for Zigzag {
    #[inline(always)]
    fn nonzero(&self) -> u64 {
        self.nonzero
    }

    #[inline(always)]
    fn at(&self, k: u32) -> i16 {
        self.q[k as usize & 63]
    }

    fn zigzag(&self) -> [i16; 64] {
        self.q
    }
}

/// Transposed position of zigzag index k, as bytes to keep the table small.
static ZIGZAG_T8: [u8; 64] = {
    let mut t = [0u8; 64];
    let mut k = 0;
    while k < 64 {
        t[k] = ZIGZAG_T[k] as u8;
        k += 1;
    }
    t
};

/// Pending bits, MSB first: the top `n` bits of `bits` (fewer than 8 between calls),
/// the rest zero. Kept in registers while an MCU is written.
#[derive(Clone, Copy, Debug)]
struct Acc {
    bits: u64,
    n: u32,
}

/// Room for the bytes written before they are appended to the segment: many MCUs, so
/// that appending is rare; a power of two so that masking bounds an index.
const STAGE: usize = 1 << 16;
/// More than the bytes of one MCU: 6 blocks of at most 1658 bits (staged unstuffed).
const MCU_BYTES: usize = 2560;
/// The stage with the 8 bytes every store writes past its end.
type Stage = [u8; STAGE + 8];

impl Acc {
    const EMPTY: Self = Self { bits: 0, n: 0 };

    /// Appends a pair from [`join`] (at most 54 bits): its bits, already at the top of
    /// the word, go right below the `n` pending ones, so the shift waits on no sum.
    #[inline(always)]
    fn add_joined(&mut self, pair: u64) {
        let len = pair & ((1 << PAIR_LEN_BITS) - 1);
        self.bits |= (pair ^ len) >> self.n;
        self.n += len as u32;
    }

    /// Stores the whole bytes at `stage[pos..]` and advances `pos`: all eight bytes are
    /// stored and `pos` moves by the whole ones, so no branch depends on the lengths.
    /// Bytes are staged unstuffed; [`append_stuffed`] stuffs them when they leave.
    #[inline(always)]
    fn drain(&mut self, stage: &mut Stage, pos: &mut usize) {
        let at = *pos & (STAGE - 1);
        stage[at..at + 8].copy_from_slice(&self.bits.to_be_bytes());
        *pos += (self.n >> 3) as usize;
        self.bits <<= self.n & !7; // whole bytes: at most 7 + 2 x 27 bits are pending
        self.n &= 7;
    }
}

/// Bytes scanned for 0xFF at a time: one or two vector compares.
const SCAN: usize = 32;

/// Appends `bytes` to `out` with a zero byte stuffed after every 0xFF (T.81 F.1.2.3).
/// Stuffing is a byte-by-byte rewrite, so it is done here, once, rather than per code:
/// runs of chunks without 0xFF (most) are copied whole; a chunk's check is a maximum
/// the compiler vectorises.
fn append_stuffed(out: &mut Vec<u8>, bytes: &[u8]) {
    let mut clean = 0; // start of the bytes not yet appended
    let mut chunks = bytes.chunks_exact(SCAN);
    for (i, chunk) in (&mut chunks).enumerate() {
        if chunk.iter().fold(0u8, |m, &b| m.max(b)) == 0xFF {
            out.extend_from_slice(&bytes[clean..i * SCAN]);
            push_stuffed(out, chunk);
            clean = (i + 1) * SCAN;
        }
    }
    let tail = bytes.len() - chunks.remainder().len();
    out.extend_from_slice(&bytes[clean..tail]);
    push_stuffed(out, chunks.remainder());
}

/// Appends `bytes` with a zero after each 0xFF.
fn push_stuffed(out: &mut Vec<u8>, bytes: &[u8]) {
    for part in bytes.split_inclusive(|&b| b == 0xFF) {
        out.extend_from_slice(part);
        if part.last() == Some(&0xFF) {
            out.push(0);
        }
    }
}

/// Bits of a joined pair of codes that hold its length (at most 2 x 27).
const PAIR_LEN_BITS: u32 = 6;

/// Two packed codes as one: the bits of `a` then those of `b` at the top of the word
/// (MSB first), their total length in the low `PAIR_LEN_BITS` bits (the two never meet:
/// at most 54 bits).
#[inline(always)]
fn join(a: u32, b: u32) -> u64 {
    let (len_a, len_b) = (a & ((1 << LEN_BITS) - 1), b & ((1 << LEN_BITS) - 1));
    let bits = (u64::from(a >> LEN_BITS) << len_b) | u64::from(b >> LEN_BITS);
    let len = len_a + len_b;
    // Shifted up by 64 - len in two steps, each under 64 (a length of 0 has no bits).
    ((bits << 1) << (63 - len)) | u64::from(len)
}

/// Joins the first `count` pairs of `codes` (and a few more, whole groups of four),
/// independently of each other, so the loop vectorises (with AVX2's variable shifts in
/// the x86 build); the writer's serial chain then takes one step per pair.
#[inline(always)]
fn join_pairs(codes: &[u32; MAX_MCU_CODES], count: usize, out: &mut [u64; MAX_MCU_PAIRS]) {
    let count = count.next_multiple_of(4).min(MAX_MCU_PAIRS);
    for (o, c) in out[..count].iter_mut().zip(codes.chunks_exact(2)) {
        *o = join(c[0], c[1]);
    }
}

/// Room for an MCU's codes: at most 6 x 68 (per block the DC, 63 AC with at most 3 ZRL,
/// EOB), rounded up to a power of two so that masking an index is one AND.
const MAX_MCU_CODES: usize = 512;
const MAX_MCU_PAIRS: usize = MAX_MCU_CODES / 2;

/// An MCU's codes before they are written, each a table entry with its magnitude bits
/// ORed in: gathering them first keeps the per-coefficient chains of table lookups
/// apart from the writer's serial chain, so both run at full speed.
struct Symbols<'a> {
    codes: &'a mut [u32; MAX_MCU_CODES],
    n: usize,
}

impl Symbols<'_> {
    #[inline(always)]
    fn push(&mut self, code: u32) {
        // `n` stays below the bound (see MAX_MCU_CODES); the mask spares the check.
        let i = self.n & (MAX_MCU_CODES - 1);
        self.codes[i] = code;
        self.n = i + 1;
    }

    /// Symbol `(run << 4) | category(v)` and the magnitude bits of `v`.
    #[inline(always)]
    fn value(&mut self, v: i32, table: &HuffmanCodes, run: u32) {
        let size = category(v);
        let e = table.entry[((run << 4) | size) as usize & 255];
        // Negative values are sent as v - 1 in `size` bits (one's complement form).
        let extra = (v + (v >> 31)) as u32 & ((1 << size) - 1);
        self.push(e | (extra << LEN_BITS));
    }

    /// One block: the DC difference, then the AC run/size pairs of the nonzero
    /// coefficients, found from the block's mask in zigzag order.
    #[inline(always)]
    fn block<B: ZigzagBlock>(&mut self, c: &B, dc_pred: &mut i16, dc: &HuffmanCodes, ac: &AcCodes) {
        let diff = i32::from(c.at(0)) - i32::from(*dc_pred);
        *dc_pred = c.at(0);
        self.value(diff, dc, 0);

        let mut nonzero = c.nonzero() & !1;
        let mut prev = 0u32; // zigzag index of the last coded coefficient
        while nonzero != 0 {
            let k = nonzero.trailing_zeros();
            nonzero &= nonzero - 1;
            let mut step = k - prev; // the run of zeros plus one
            while step > 16 {
                self.push(ac.zrl); // ZRL: sixteen zeros
                step -= 16;
            }
            let v = c.at(k);
            let m = MAGNITUDE[usize::from(v as u16)];
            let e = ac.by_size[(m + step) as usize & (MAGNITUDE_SHIFT_ONE - 1)];
            self.push(e | (m >> MAGNITUDE_SHIFT));
            prev = k;
        }
        if prev != 63 {
            self.push(ac.eob);
        }
    }
}

/// Where [`MAGNITUDE`] keeps the magnitude bits.
const MAGNITUDE_SHIFT: u32 = 9;
const MAGNITUDE_SHIFT_ONE: usize = 1 << MAGNITUDE_SHIFT;

/// Per AC value v (as 16 bits, so that no mask bounds the index; |v| <= 1023 in use, the
/// 8 KB of the table they read): its category times 16 in the
/// low `MAGNITUDE_SHIFT` bits, so that adding the step gives the [`AcCodes`] index at
/// once; above them its magnitude bits, shifted so that one more shift by
/// `MAGNITUDE_SHIFT` puts them above a table entry's length (`<< LEN_BITS`).
static MAGNITUDE: [u32; 1 << 16] = {
    let mut t = [0u32; 1 << 16];
    let mut i = 0;
    while i < 1 << 16 {
        let v = i as u16 as i16 as i32;

        let size = 32 - v.unsigned_abs().leading_zeros();
        let extra = (v + (v >> 31)) as u32 & ((1 << size) - 1);
        t[i] = ((extra << LEN_BITS) << MAGNITUDE_SHIFT) | (size << 4);
        i += 1;
    }
    t
};

/// An AC table arranged for the block coder: entry `(size << 4) + step`, `step` being
/// the run of zeros plus one (1..=16), so the run needs no adjustment.
#[derive(Clone, Debug)]
pub struct AcCodes {
    by_size: [u32; MAGNITUDE_SHIFT_ONE],
    zrl: u32,
    eob: u32,
}

impl AcCodes {
    pub fn new(codes: &HuffmanCodes) -> Self {
        let mut by_size = [0u32; MAGNITUDE_SHIFT_ONE];
        for (symbol, &e) in codes.entry.iter().enumerate() {
            let (run, size) = (symbol >> 4, symbol & 15);
            by_size[(size << 4) + run + 1] = e;
        }
        Self {
            by_size,
            zrl: codes.entry[0xF0],
            eob: codes.entry[0x00],
        }
    }
}

/// Writes an entropy-coded segment: bits MSB first, a zero byte stuffed after every 0xFF.
#[derive(Debug)]
pub struct BitWriter {
    acc: Acc,
    /// Room for [`Symbols`], kept between MCUs.
    codes: Box<[u32; MAX_MCU_CODES]>,
    /// The codes joined in pairs, kept between MCUs.
    pairs: Box<[u64; MAX_MCU_PAIRS]>,
    /// Where bytes are assembled before they are appended to `out`, and how many.
    stage: Box<Stage>,
    staged: usize,
    out: Vec<u8>,
}

impl Default for BitWriter {
    fn default() -> Self {
        Self::new(Vec::new())
    }
}

impl BitWriter {
    /// A writer appending to `out` (whose capacity is reused).
    pub fn new(out: Vec<u8>) -> Self {
        Self {
            acc: Acc::EMPTY,
            codes: Box::new([0; MAX_MCU_CODES]),
            pairs: Box::new([0; MAX_MCU_PAIRS]),
            stage: Box::new([0; STAGE + 8]),
            staged: 0,
            out,
        }
    }

    /// Starts a new segment appending to `out`, keeping this writer's buffers.
    pub fn restart(&mut self, out: Vec<u8>) {
        self.acc = Acc::EMPTY;
        self.staged = 0;
        self.out = out;
    }

    /// The segment written since [`Self::new`] or [`Self::restart`] (after [`Self::flush`]).
    pub fn take(&mut self) -> Vec<u8> {
        debug_assert_eq!((self.acc.n, self.staged), (0, 0), "take before flush");
        std::mem::take(&mut self.out)
    }

    /// Appends the `len` (<= 27) low bits of `value`.
    #[cfg(test)]
    fn put(&mut self, value: u32, len: u32) {
        self.put_code((value << LEN_BITS) | len);
        self.unstage();
    }

    /// Appends one packed code (as a pair with nothing) and stages its whole bytes.
    fn put_code(&mut self, code: u32) {
        self.acc.add_joined(join(code, 0));
        self.acc.drain(&mut self.stage, &mut self.staged);
    }

    /// Appends the staged bytes to `out`, stuffed.
    fn unstage(&mut self) {
        append_stuffed(&mut self.out, &self.stage[..self.staged.min(STAGE)]);
        self.staged = 0;
    }

    /// Pads the last byte with one-bits (T.81 F.1.2.3) and writes the bytes still held.
    pub fn flush(&mut self) {
        let pad = (8 - self.acc.n % 8) % 8;
        self.put_code(((1 << pad) - 1) << LEN_BITS | pad);
        self.unstage();
        debug_assert_eq!(self.acc.n, 0);
        self.acc = Acc::EMPTY;
    }

    /// Writes a raw marker (after `flush`): 0xFF then `code`, never stuffed.
    pub fn marker(&mut self, code: u8) {
        debug_assert_eq!(self.acc.n, 0, "marker inside a byte");
        self.out.extend_from_slice(&[0xFF, code]);
    }

    /// Codes an MCU's blocks; `pred` holds the DC predictions of Y, Cb and Cr.
    #[inline(always)]
    pub(crate) fn mcu<B: ZigzagBlock>(
        &mut self,
        blocks: &[B; 6],
        pred: &mut [i16; 3],
        codes: &CodeSet,
    ) {
        let mut symbols = Symbols {
            codes: &mut self.codes,
            n: 0,
        };
        // Luma with its tables and prediction, then each chroma block with theirs: the
        // tables stay in registers across the four luma blocks.
        let [y0, y1, y2, y3, cb, cr] = blocks;
        let [luma, cb_pred, cr_pred] = pred;
        for b in [y0, y1, y2, y3] {
            symbols.block(b, luma, &codes.dc[0], &codes.ac[0]);
        }
        symbols.block(cb, cb_pred, &codes.dc[1], &codes.ac[1]);
        symbols.block(cr, cr_pred, &codes.dc[1], &codes.ac[1]);
        let n = symbols.n.min(MAX_MCU_CODES - 1);
        self.codes[n] = 0; // an odd count's last code pairs with nothing (no bits)
        let count = n.div_ceil(2);
        join_pairs(&self.codes, count, &mut self.pairs);
        let mut acc = self.acc;
        for &pair in &self.pairs[..count] {
            acc.add_joined(pair);
            acc.drain(&mut self.stage, &mut self.staged);
        }
        self.acc = acc;
        if self.staged > STAGE - MCU_BYTES {
            self.unstage(); // room for the next MCU
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tables::{AC_LUMA, DC_LUMA};

    #[test]
    fn canonical_codes() {
        let dc = HuffmanCodes::new(&DC_LUMA);
        // Annex K.3: category 0 is "00", 1 is "010", 11 is "111111110".
        assert_eq!(dc.get(0), (0b00, 2));
        assert_eq!(dc.get(1), (0b010, 3));
        assert_eq!(dc.get(11), (0b1_1111_1110, 9));
        let ac = HuffmanCodes::new(&AC_LUMA);
        assert_eq!(ac.get(0x00), (0b1010, 4)); // EOB
        assert_eq!(ac.get(0xF0), (0b111_1111_1001, 11)); // ZRL
    }

    #[test]
    fn categories() {
        assert_eq!(category(0), 0);
        assert_eq!(category(1), 1);
        assert_eq!(category(-1), 1);
        assert_eq!(category(-3), 2);
        assert_eq!(category(1023), 10);
        assert_eq!(category(-2047), 11);
    }

    /// T.81 F.1.2 written out plainly: one bit at a time, scanning every coefficient.
    struct Reference {
        bits: Vec<bool>,
    }

    impl Reference {
        fn put(&mut self, code: u32, len: u32) {
            self.bits.extend((0..len).rev().map(|i| code >> i & 1 == 1));
        }

        fn value(&mut self, table: &HuffmanCodes, run: u32, v: i32) {
            let size = category(v);
            let (code, len) = table.get(((run << 4) | size) as u8);
            self.put(code, len);
            let extra = if v < 0 { v - 1 } else { v };
            self.put(extra as u32 & ((1 << size) - 1), size);
        }

        fn block(&mut self, zz: &[i16; 64], pred: &mut i16, dc: &HuffmanCodes, ac: &HuffmanCodes) {
            self.value(dc, 0, i32::from(zz[0]) - i32::from(*pred));
            *pred = zz[0];
            let mut run = 0;
            for &c in &zz[1..] {
                if c == 0 {
                    run += 1;
                    continue;
                }
                while run >= 16 {
                    let (code, len) = ac.get(0xF0);
                    self.put(code, len);
                    run -= 16;
                }
                self.value(ac, run, i32::from(c));
                run = 0;
            }
            if run > 0 {
                let (code, len) = ac.get(0x00);
                self.put(code, len);
            }
        }

        /// Pads with one-bits and packs into bytes, stuffing after 0xFF.
        fn bytes(mut self) -> Vec<u8> {
            while !self.bits.len().is_multiple_of(8) {
                self.bits.push(true);
            }
            let mut out = Vec::new();
            for byte in self.bits.chunks(8) {
                let b = byte.iter().fold(0u8, |acc, &bit| acc << 1 | u8::from(bit));
                out.push(b);
                if b == 0xFF {
                    out.push(0);
                }
            }
            out
        }
    }

    /// A block of the given zigzag coefficients in the encoder's layout.
    fn coefs(zz: &[i16; 64]) -> Coefs {
        let mut c = Coefs::default();
        for (k, &t) in ZIGZAG_T.iter().enumerate() {
            c.q[t] = zz[k];
            c.nonzero |= u64::from(zz[k] != 0) << k;
        }
        c
    }

    #[test]
    fn mcus_code_as_the_plain_coder_does() {
        use crate::tables::{AC_CHROMA, AC_LUMA, DC_CHROMA, DC_LUMA};
        let set = CodeSet::annex_k();
        let plain_dc = [HuffmanCodes::new(&DC_LUMA), HuffmanCodes::new(&DC_CHROMA)];
        let plain_ac = [HuffmanCodes::new(&AC_LUMA), HuffmanCodes::new(&AC_CHROMA)];
        let mut rng = softvpu_core::synth::SplitMix64(9);
        let (mut writer, mut zigzag_writer) = (BitWriter::default(), BitWriter::default());
        let mut reference = Reference { bits: Vec::new() };
        let (mut pred, mut zigzag_pred, mut ref_pred) = ([0i16; 3], [0i16; 3], [0i16; 3]);
        for mcu in 0..400 {
            let blocks: [[i16; 64]; 6] = std::array::from_fn(|_| {
                let density = [0, 2, 10, 64][rng.below(4) as usize];
                let mut zz: [i16; 64] = std::array::from_fn(|k| {
                    if rng.below(64) >= density {
                        return 0;
                    }
                    let big = if k == 0 { 1016 } else { 1023 }; // DC of 8-bit samples
                    match rng.below(4) {
                        0 => [-big, big, -1, 1][rng.below(4) as usize],
                        _ => rng.below(2 * 40 + 1) as i16 - 40,
                    }
                });
                if mcu % 7 == 0 {
                    zz[63] = -1; // no EOB after a nonzero last coefficient
                }
                if mcu % 5 == 0 {
                    zz[1..63].fill(0); // the longest run: three ZRLs
                }
                zz
            });
            let mcu_coefs: Mcu = std::array::from_fn(|i| coefs(&blocks[i]));
            writer.mcu(&mcu_coefs, &mut pred, &set);
            // The same blocks as the x86 transform leaves them: in zigzag order.
            let mcu_zigzag: [Zigzag; 6] = std::array::from_fn(|i| Zigzag {
                q: blocks[i],
                nonzero: mcu_coefs[i].nonzero,
            });
            zigzag_writer.mcu(&mcu_zigzag, &mut zigzag_pred, &set);
            for (i, zz) in blocks.iter().enumerate() {
                let c = usize::from(i >= 4);
                let p = &mut ref_pred[i.saturating_sub(3)];
                reference.block(zz, p, &plain_dc[c], &plain_ac[c]);
            }
        }
        writer.flush();
        zigzag_writer.flush();
        assert_eq!(writer.out, zigzag_writer.out, "blocks in zigzag order");
        let expect = reference.bytes();
        assert!(
            writer.out == expect,
            "lengths {} {}",
            writer.out.len(),
            expect.len()
        );
    }

    #[test]
    fn stuffing_in_every_chunk_position() {
        let mut rng = softvpu_core::synth::SplitMix64(3);
        for len in [0, 1, 31, 32, 33, 64, 100, 1000] {
            let bytes: Vec<u8> = (0..len)
                .map(|_| [0xFF, 0xFE, 0, rng.below(256) as u8][rng.below(4) as usize])
                .collect();
            let mut expect = Vec::new();
            for &b in &bytes {
                expect.push(b);
                if b == 0xFF {
                    expect.push(0);
                }
            }
            let mut out = vec![7];
            append_stuffed(&mut out, &bytes);
            assert_eq!(out[1..], expect[..], "{len} bytes");
        }
    }

    #[test]
    fn stuffing_and_padding() {
        let mut w = BitWriter::default();
        w.put(0xFF, 8);
        w.put(0b101, 3);
        w.flush();
        assert_eq!(w.out, vec![0xFF, 0x00, 0b1011_1111]);
        let mut w = BitWriter::default();
        w.put(0xFFFF, 16);
        w.put(0xFFFF, 16);
        w.flush();
        assert_eq!(w.out, vec![0xFF, 0, 0xFF, 0, 0xFF, 0, 0xFF, 0]);
    }
}
