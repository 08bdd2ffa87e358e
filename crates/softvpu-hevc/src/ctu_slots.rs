//! One slot per CTU of a picture, filled once by whichever worker gets to it first and
//! read by any: what idle workers work out ahead for the others (see `wavefront`).

use std::sync::OnceLock;

#[derive(Debug)]
pub(crate) struct CtuSlots<T> {
    slots: Vec<OnceLock<T>>,
    cols: usize,
}

impl<T> CtuSlots<T> {
    /// Empty slots for a picture of `cols` x `rows` CTUs.
    pub(crate) fn new(cols: usize, rows: usize) -> Self {
        Self {
            slots: (0..cols * rows).map(|_| OnceLock::new()).collect(),
            cols,
        }
    }

    /// What CTU (`col`, `row`) holds, once filled.
    #[inline]
    pub(crate) fn get(&self, col: usize, row: usize) -> Option<&T> {
        self.slots[row * self.cols + col].get()
    }

    pub(crate) fn has(&self, col: usize, row: usize) -> bool {
        self.get(col, row).is_some()
    }

    /// Fills CTU (`col`, `row`) with `make()` unless it is filled (or being filled: then
    /// this waits for it).
    pub(crate) fn fill_with(&self, col: usize, row: usize, make: impl FnOnce() -> T) {
        self.slots[row * self.cols + col].get_or_init(make);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_slot_is_filled_once() {
        let slots = CtuSlots::new(3, 2);
        assert!(!slots.has(2, 1));
        slots.fill_with(2, 1, || 7);
        slots.fill_with(2, 1, || 8);
        assert_eq!(slots.get(2, 1), Some(&7));
        assert!(!slots.has(1, 1) && !slots.has(2, 0));
    }
}
