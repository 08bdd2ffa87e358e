//! Reads a fuzzer's bytes as a sequence of choices. Past the end every read is zero,
//! so any input (even an empty one) is a complete, valid script.

/// A cursor over the fuzzer's input.
#[derive(Debug)]
pub struct Input<'a> {
    data: &'a [u8],
}

impl<'a> Input<'a> {
    pub fn new(data: &'a [u8]) -> Self {
        Self { data }
    }

    pub fn is_empty(&self) -> bool {
        self.data.is_empty()
    }

    pub fn u8(&mut self) -> u8 {
        match self.data.split_first() {
            Some((&b, rest)) => {
                self.data = rest;
                b
            }
            None => 0,
        }
    }

    pub fn u16(&mut self) -> u16 {
        u16::from_le_bytes([self.u8(), self.u8()])
    }

    pub fn u32(&mut self) -> u32 {
        u32::from_le_bytes([self.u8(), self.u8(), self.u8(), self.u8()])
    }

    pub fn bool(&mut self) -> bool {
        self.u8() & 1 == 1
    }

    /// A value in `lo..=hi`.
    pub fn range(&mut self, lo: u32, hi: u32) -> u32 {
        debug_assert!(lo <= hi);
        lo + self.u32() % (hi - lo + 1)
    }

    /// An even value in `lo..=hi` (`lo` even).
    pub fn even(&mut self, lo: u32, hi: u32) -> u32 {
        lo + 2 * self.range(0, (hi - lo) / 2)
    }

    /// Up to `n` bytes, fewer when the input runs out.
    pub fn bytes(&mut self, n: usize) -> &'a [u8] {
        let (head, rest) = self.data.split_at(n.min(self.data.len()));
        self.data = rest;
        head
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_past_the_end_are_zero() {
        let mut input = Input::new(&[1, 2, 3]);
        assert_eq!(input.u16(), 0x0201);
        assert_eq!(input.u16(), 3);
        assert!(input.is_empty());
        assert_eq!(input.u32(), 0);
        assert_eq!(input.bytes(4), &[] as &[u8]);
    }

    #[test]
    fn ranges_stay_inside() {
        let mut input = Input::new(&[0xFF; 64]);
        for _ in 0..8 {
            assert!((3..=9).contains(&input.range(3, 9)));
            let e = input.even(16, 64);
            assert!((16..=64).contains(&e) && e.is_multiple_of(2));
        }
    }
}
