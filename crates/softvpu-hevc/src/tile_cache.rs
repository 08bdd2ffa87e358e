//! SATDs of the 8x8 tiles of one CTU's inter predictions, kept per motion vector while the
//! CTU is planned. The plan prices the same vector for a CU and again for its quarters
//! (merge candidates come from the same neighbours at every depth: nine in ten of the
//! plan's candidates were priced over a larger block before). A block's SATD is the sum
//! of its tiles' ([`crate::dist::satd`]), and a block's prediction is the same samples
//! whatever block it is cut from, so a sum of cached tiles is the SATD itself.
//!
//! Only the plan fills it: while CUs are coded, their vectors are refined to quarter
//! samples and rarely repeat, and keeping those too cost more than it saved (4.7 % more
//! instructions on soft film at QP 16, though 2.7 % fewer on detailed pans). Coding looks
//! up what the plan kept: the merge candidates and the searched vectors it prices again
//! (2.4 % fewer instructions on detailed pans at QP 27, 0.8 % on soft film at QP 16).

use crate::ctu_slots::CtuSlots;
use crate::mv::Mv;

/// Tiles per CTU row (64x64 CTU).
const TILES: usize = 8;

/// One vector's tile SATDs, and which of them are known.
#[derive(Clone, Debug)]
struct Entry {
    mv: Mv,
    known: u64,
    satd: [u32; TILES * TILES],
}

/// The tile SATDs of the CTU being planned; empty (and unused) outside a plan.
#[derive(Debug, Default)]
pub(crate) struct TileCache {
    /// The CTU's top-left sample, while a plan is running.
    origin: Option<(usize, usize)>,
    /// Whether new tiles are kept (while planning) or only looked up (while coding).
    storing: bool,
    entries: Vec<Entry>,
}

/// The tile SATDs of a whole CTU (its tiles inside the picture) for one vector, worked
/// out ahead of its plan.
#[derive(Clone, Debug)]
pub(crate) struct Seed {
    pub(crate) mv: Mv,
    pub(crate) known: u64,
    pub(crate) satd: [u32; TILES * TILES],
}

/// Per CTU of a picture, [`Seed`]s for the vectors its plan is likely to price: the motion
/// of the CUs just above it, which the merge lists of its top CUs take. Idle workers work
/// them out (see `crate::source_intra`); being exact, they change no decision.
pub(crate) type SharedTiles = CtuSlots<Vec<Seed>>;

impl TileCache {
    /// Adds the seeds worked out ahead for the CTU just started (their vectors are
    /// distinct, and nothing else is cached yet).
    pub fn seed(&mut self, seeds: &[Seed]) {
        debug_assert!(self.entries.is_empty() && self.storing);
        self.entries.extend(seeds.iter().map(|s| Entry {
            mv: s.mv,
            known: s.known,
            satd: s.satd,
        }));
    }

    /// Starts caching for the CTU at (`x`, `y`), forgetting any other.
    pub fn start(&mut self, x: usize, y: usize) {
        self.origin = Some((x, y));
        self.storing = true;
        self.entries.clear();
    }

    /// Keeps what is cached for lookups but stores no more: the CUs being coded price
    /// their merge candidates and searched vectors again (found by the plan), but their
    /// quarter-sample vectors rarely repeat.
    pub fn freeze(&mut self) {
        self.storing = false;
    }

    pub fn stop(&mut self) {
        self.origin = None;
    }

    /// The first tile (column, row) and the tile span of the `n` x `n` block at (`x`, `y`),
    /// when it is cached: a plan is running and the block is whole tiles of its CTU.
    fn tiles(&self, x: usize, y: usize, n: usize) -> Option<(usize, usize, usize)> {
        let (ox, oy) = self.origin?;
        let (tx, ty) = (x.checked_sub(ox)? / 8, y.checked_sub(oy)? / 8);
        let span = n / 8;
        let fits = n >= 8
            && x.is_multiple_of(8)
            && y.is_multiple_of(8)
            && tx + span <= TILES
            && ty + span <= TILES;
        fits.then_some((tx, ty, span))
    }

    /// Bits of the tiles of a block: `span` x `span` tiles from (`tx`, `ty`).
    fn mask(tx: usize, ty: usize, span: usize) -> u64 {
        let row = if span == TILES {
            u64::from(u8::MAX)
        } else {
            ((1u64 << span) - 1) << tx
        };
        (0..span).fold(0, |m, r| m | row << (8 * (ty + r)))
    }

    /// The SATD of the `n` x `n` block at (`x`, `y`) predicted with `mv`, if every tile of it
    /// is known.
    pub fn get(&self, x: usize, y: usize, n: usize, mv: Mv) -> Option<u32> {
        let (tx, ty, span) = self.tiles(x, y, n)?;
        let e = self.entries.iter().find(|e| e.mv == mv)?;
        let mask = Self::mask(tx, ty, span);
        if e.known & mask != mask {
            return None;
        }
        let sum = (ty..ty + span)
            .flat_map(|r| &e.satd[r * TILES + tx..][..span])
            .sum();
        Some(sum)
    }

    /// Whether [`TileCache::put`] keeps the tiles of this block.
    pub fn wants(&self, x: usize, y: usize, n: usize) -> bool {
        self.storing && self.tiles(x, y, n).is_some()
    }

    /// Records the tile SATDs of the `n` x `n` block at (`x`, `y`) predicted with `mv`:
    /// `satd[row * (n / 8) + col]`.
    pub fn put(&mut self, x: usize, y: usize, n: usize, mv: Mv, satd: &[u32]) {
        let Some((tx, ty, span)) = self.tiles(x, y, n) else {
            return;
        };
        let i = match self.entries.iter().position(|e| e.mv == mv) {
            Some(i) => i,
            None => {
                self.entries.push(Entry {
                    mv,
                    known: 0,
                    satd: [0; TILES * TILES],
                });
                self.entries.len() - 1
            }
        };
        let e = &mut self.entries[i];
        for (r, values) in satd.chunks_exact(span).take(span).enumerate() {
            e.satd[(ty + r) * TILES + tx..][..span].copy_from_slice(values);
        }
        e.known |= Self::mask(tx, ty, span);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sums_the_tiles_of_a_block_once_all_are_known() {
        let mut c = TileCache::default();
        let mv = Mv::new(3, -5);
        assert_eq!(c.get(64, 0, 8, mv), None, "nothing cached outside a plan");
        c.start(64, 0);
        // A 16x16 block at (80, 16): tiles (2, 2), (3, 2), (2, 3), (3, 3).
        c.put(80, 16, 8, mv, &[1]);
        c.put(88, 16, 8, mv, &[2]);
        c.put(80, 24, 8, mv, &[3]);
        assert_eq!(c.get(80, 16, 16, mv), None, "one tile missing");
        c.put(88, 24, 8, mv, &[4]);
        assert_eq!(c.get(80, 16, 16, mv), Some(10));
        c.put(80, 16, 16, mv, &[5, 6, 7, 8]);
        assert_eq!(c.get(80, 16, 16, mv), Some(26), "replaced");
        assert_eq!(c.get(88, 16, 8, mv), Some(6));
        assert_eq!(c.get(80, 16, 16, Mv::new(3, -4)), None, "another vector");
        assert_eq!(c.get(80, 16, 32, mv), None);
        c.start(128, 0);
        assert_eq!(c.get(80, 16, 8, mv), None, "another CTU");
        c.stop();
        assert!(!c.wants(128, 0, 8));
    }

    #[test]
    fn seeded_tiles_answer_for_the_blocks_they_cover() {
        let mut c = TileCache::default();
        let mv = Mv::new(-6, 2);
        c.start(0, 64);
        // The CTU's top half only (a picture cut 32 samples below the CTU's top).
        let mut satd = [0u32; 64];
        for (i, v) in satd.iter_mut().enumerate() {
            *v = i as u32;
        }
        c.seed(&[Seed {
            mv,
            known: u64::from(u32::MAX),
            satd,
        }]);
        assert_eq!(c.get(8, 64, 8, mv), Some(1));
        assert_eq!(c.get(16, 72, 16, mv), Some(10 + 11 + 18 + 19));
        assert_eq!(c.get(0, 64, 32, mv), Some(216));
        assert_eq!(c.get(0, 96, 32, mv), None, "the bottom half is unknown");
        assert_eq!(c.get(0, 64, 64, mv), None);
        assert_eq!(c.get(8, 64, 8, Mv::new(-6, 3)), None);
    }

    #[test]
    fn a_whole_ctu_is_every_tile() {
        assert_eq!(TileCache::mask(0, 0, 8), u64::MAX);
        assert_eq!(TileCache::mask(6, 6, 2), (0xC0 << 48) | (0xC0 << 56));
        assert_eq!(TileCache::mask(2, 1, 2), (0b1100 << 8) | (0b1100 << 16));
    }
}
