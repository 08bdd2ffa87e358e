//! Huffman code construction (T.81 Annex C) and the entropy-coded segment writer
//! with 0xFF byte stuffing.

use crate::tables::HuffmanSpec;

/// Code and length for every symbol of one table; length 0 marks an unused symbol.
#[derive(Clone, Debug)]
pub struct HuffmanCodes {
    code: [u16; 256],
    len: [u8; 256],
}

impl HuffmanCodes {
    /// Canonical codes: consecutive values within a length, doubling between lengths.
    pub fn new(spec: &HuffmanSpec) -> Self {
        let mut codes = Self {
            code: [0; 256],
            len: [0; 256],
        };
        let mut next = 0u16;
        let mut symbols = spec.symbols.iter();
        for (i, &count) in spec.counts.iter().enumerate() {
            for _ in 0..count {
                if let Some(&s) = symbols.next() {
                    codes.code[s as usize] = next;
                    codes.len[s as usize] = i as u8 + 1;
                }
                next += 1;
            }
            next <<= 1;
        }
        codes
    }

    #[inline]
    fn get(&self, symbol: u8) -> (u32, u32) {
        (
            u32::from(self.code[symbol as usize]),
            u32::from(self.len[symbol as usize]),
        )
    }
}

/// Number of magnitude bits of `v` (the JPEG "category" SSSS).
#[inline]
fn category(v: i32) -> u32 {
    32 - v.unsigned_abs().leading_zeros()
}

/// Writes an entropy-coded segment: bits MSB first, a zero byte stuffed after every 0xFF.
#[derive(Debug, Default)]
pub struct BitWriter {
    acc: u64,
    bits: u32,
    pub out: Vec<u8>,
}

impl BitWriter {
    pub fn with_capacity(bytes: usize) -> Self {
        Self {
            acc: 0,
            bits: 0,
            out: Vec::with_capacity(bytes),
        }
    }

    /// Appends the `len` (<= 32) low bits of `value`.
    #[inline]
    fn put(&mut self, value: u32, len: u32) {
        self.acc = (self.acc << len) | u64::from(value);
        self.bits += len;
        if self.bits >= 32 {
            self.bits -= 32;
            self.emit_word((self.acc >> self.bits) as u32);
        }
    }

    #[inline]
    fn emit_word(&mut self, word: u32) {
        let inv = !word;
        // A byte of `word` is 0xFF exactly where `inv` has a zero byte.
        let has_ff = inv.wrapping_sub(0x0101_0101) & !inv & 0x8080_8080 != 0;
        if !has_ff {
            self.out.extend_from_slice(&word.to_be_bytes());
        } else {
            for b in word.to_be_bytes() {
                self.push_stuffed(b);
            }
        }
    }

    #[inline]
    fn push_stuffed(&mut self, b: u8) {
        self.out.push(b);
        if b == 0xFF {
            self.out.push(0);
        }
    }

    /// Pads the last byte with one-bits (T.81 F.1.2.3) and writes the bytes still held.
    pub fn flush(&mut self) {
        let pad = (8 - self.bits % 8) % 8;
        self.put((1 << pad) - 1, pad);
        while self.bits >= 8 {
            self.bits -= 8;
            self.push_stuffed((self.acc >> self.bits) as u8);
        }
    }

    /// Writes a raw marker (after `flush`): 0xFF then `code`, never stuffed.
    pub fn marker(&mut self, code: u8) {
        debug_assert_eq!(self.bits, 0, "marker inside a byte");
        self.out.extend_from_slice(&[0xFF, code]);
    }

    /// Codes one block: the DC difference, then the AC run/size pairs.
    /// `zz` holds the quantised coefficients in zigzag order.
    #[inline]
    pub fn block(
        &mut self,
        zz: &[i16; 64],
        dc_pred: &mut i16,
        dc: &HuffmanCodes,
        ac: &HuffmanCodes,
    ) {
        let diff = i32::from(zz[0]) - i32::from(*dc_pred);
        *dc_pred = zz[0];
        self.value(diff, dc, 0);

        let mut nonzero: u64 = 0;
        for (k, &c) in zz.iter().enumerate().skip(1) {
            nonzero |= u64::from(c != 0) << k;
        }
        let mut prev = 0u32; // zigzag index of the last coded coefficient
        while nonzero != 0 {
            let k = nonzero.trailing_zeros();
            nonzero &= nonzero - 1;
            let mut run = k - prev - 1;
            while run >= 16 {
                let (code, len) = ac.get(0xF0); // ZRL: sixteen zeros
                self.put(code, len);
                run -= 16;
            }
            self.value(i32::from(zz[k as usize]), ac, run);
            prev = k;
        }
        if prev != 63 {
            let (code, len) = ac.get(0x00); // EOB
            self.put(code, len);
        }
    }

    /// Codes symbol `(run << 4) | category(v)` followed by the magnitude bits of `v`.
    #[inline]
    fn value(&mut self, v: i32, table: &HuffmanCodes, run: u32) {
        let size = category(v);
        let (code, len) = table.get(((run << 4) | size) as u8);
        // Negative values are sent as v - 1 in `size` bits (one's complement form).
        let extra = if v < 0 {
            (v - 1) as u32 & ((1 << size) - 1)
        } else {
            v as u32
        };
        self.put((code << size) | extra, len + size);
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

    #[test]
    fn stuffing_and_padding() {
        let mut w = BitWriter::default();
        w.put(0xFF, 8);
        w.put(0b101, 3);
        w.flush();
        assert_eq!(w.out, vec![0xFF, 0x00, 0b1011_1111]);
        let mut w = BitWriter::default();
        w.put(0xFFFF_FFFF, 32);
        assert_eq!(w.out, vec![0xFF, 0, 0xFF, 0, 0xFF, 0, 0xFF, 0]);
    }
}
