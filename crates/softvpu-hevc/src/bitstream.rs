//! Bit writer for headers (fixed-length and Exp-Golomb codes) and Annex-B NAL packaging.

/// Big-endian bit writer for RBSP headers.
#[derive(Debug, Default, Clone)]
pub struct BitWriter {
    bytes: Vec<u8>,
    acc: u64,
    nbits: u32,
}

impl BitWriter {
    pub fn new() -> Self {
        Self::default()
    }

    /// Writes the low `n` bits of `value` (n <= 32), most significant first.
    pub fn u(&mut self, n: u32, value: u32) {
        debug_assert!(
            n <= 32 && (n == 32 || value >> n == 0),
            "{value} does not fit {n} bits"
        );
        self.acc = (self.acc << n) | u64::from(value);
        self.nbits += n;
        while self.nbits >= 8 {
            self.nbits -= 8;
            self.bytes.push((self.acc >> self.nbits) as u8);
        }
        self.acc &= (1u64 << self.nbits) - 1;
    }

    pub fn flag(&mut self, b: bool) {
        self.u(1, u32::from(b));
    }

    /// ue(v): unsigned Exp-Golomb.
    pub fn ue(&mut self, value: u32) {
        let v = u64::from(value) + 1;
        let len = 64 - v.leading_zeros();
        self.u(len - 1, 0);
        // `len` can reach 33 bits for u32::MAX; split the write.
        if len > 32 {
            self.u(1, 1);
            self.u(32, v as u32);
        } else {
            self.u(len, v as u32);
        }
    }

    /// se(v): signed Exp-Golomb.
    pub fn se(&mut self, value: i32) {
        let mapped = if value > 0 {
            2 * value as u32 - 1
        } else {
            2 * value.unsigned_abs()
        };
        self.ue(mapped);
    }

    pub fn is_byte_aligned(&self) -> bool {
        self.nbits == 0
    }

    /// rbsp_trailing_bits() / byte_alignment(): a one bit, then zeros to the byte boundary.
    pub fn trailing_bits(&mut self) {
        self.u(1, 1);
        while !self.is_byte_aligned() {
            self.u(1, 0);
        }
    }

    /// Appends whole bytes; the writer must be byte aligned.
    pub fn bytes(&mut self, data: &[u8]) {
        debug_assert!(self.is_byte_aligned());
        self.bytes.extend_from_slice(data);
    }

    pub fn bit_len(&self) -> usize {
        self.bytes.len() * 8 + self.nbits as usize
    }

    /// The finished bytes; the writer must be byte aligned.
    pub fn into_bytes(self) -> Vec<u8> {
        debug_assert!(self.is_byte_aligned());
        self.bytes
    }
}

/// NAL unit types used by the encoder.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u8)]
pub enum NalType {
    TrailR = 1,
    IdrWRadl = 19,
    Vps = 32,
    Sps = 33,
    Pps = 34,
    PrefixSei = 39,
    SuffixSei = 40,
}

/// Appends one Annex-B NAL unit (4-byte start code, 2-byte header, payload with emulation
/// prevention) to `out`.
pub fn write_nal(out: &mut Vec<u8>, nal_type: NalType, rbsp: &[u8]) {
    out.extend_from_slice(&[0, 0, 0, 1]);
    // forbidden_zero_bit, nal_unit_type, nuh_layer_id = 0, nuh_temporal_id_plus1 = 1.
    out.push((nal_type as u8) << 1);
    out.push(1);
    let mut zeros = 0;
    for &b in rbsp {
        if zeros == 2 && b <= 3 {
            out.push(3);
            zeros = 0;
        }
        out.push(b);
        zeros = if b == 0 { zeros + 1 } else { 0 };
    }
}

/// The size of `rbsp` once emulation prevention is applied, when it follows a non-zero byte.
pub fn escaped_len(rbsp: &[u8]) -> usize {
    let mut zeros = 0;
    let mut len = rbsp.len();
    for &b in rbsp {
        if zeros == 2 && b <= 3 {
            len += 1;
            zeros = 0;
        }
        zeros = if b == 0 { zeros + 1 } else { 0 };
    }
    len
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    /// Reads Exp-Golomb codes back, the way a decoder does.
    struct Reader<'a> {
        data: &'a [u8],
        pos: usize,
    }

    impl Reader<'_> {
        fn bit(&mut self) -> u32 {
            let b = (self.data[self.pos / 8] >> (7 - self.pos % 8)) & 1;
            self.pos += 1;
            u32::from(b)
        }
        fn u(&mut self, n: u32) -> u32 {
            (0..n).fold(0, |acc, _| (acc << 1) | self.bit())
        }
        fn ue(&mut self) -> u64 {
            let mut zeros = 0;
            while self.bit() == 0 {
                zeros += 1;
            }
            ((1u64 << zeros) | u64::from(self.u(zeros))) - 1
        }
    }

    #[test]
    fn exp_golomb_codes_match_the_table() {
        let mut w = BitWriter::new();
        for v in 0..5 {
            w.ue(v);
        }
        w.trailing_bits();
        // 1 010 011 00100 00101 1(stop) -> 1010 0110 0100 0010 1100 0000
        assert_eq!(w.into_bytes(), vec![0b1010_0110, 0b0100_0010, 0b1100_0000]);
    }

    #[test]
    fn ue_and_se_round_trip() {
        let values: Vec<u32> = (0..300)
            .chain([65535, 1 << 20, u32::MAX - 1, u32::MAX])
            .collect();
        let mut w = BitWriter::new();
        for &v in &values {
            w.ue(v);
        }
        for s in -200..200 {
            w.se(s);
        }
        w.u(32, 0xDEAD_BEEF);
        w.trailing_bits();
        let bytes = w.into_bytes();
        let mut r = Reader {
            data: &bytes,
            pos: 0,
        };
        for &v in &values {
            assert_eq!(r.ue(), u64::from(v));
        }
        for s in -200i64..200 {
            let k = r.ue() as i64;
            let decoded = if k % 2 == 1 { (k + 1) / 2 } else { -k / 2 };
            assert_eq!(decoded, s);
        }
        assert_eq!(r.u(32), 0xDEAD_BEEF);
    }

    #[test]
    fn emulation_prevention_escapes_start_code_prefixes() {
        let mut out = Vec::new();
        write_nal(
            &mut out,
            NalType::Sps,
            &[0, 0, 0, 0, 0, 1, 0, 0, 4, 0, 0, 3],
        );
        assert_eq!(&out[..6], &[0, 0, 0, 1, 0x42, 0x01]);
        assert_eq!(&out[6..], &[0, 0, 3, 0, 0, 3, 0, 1, 0, 0, 4, 0, 0, 3, 3]);
    }
}
