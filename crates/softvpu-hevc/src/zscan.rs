//! Z-scan order availability (H.265 6.4.1) for a picture with one slice and one tile.
//!
//! With a single tile `CtbAddrRsToTs` is the identity, so `MinTbAddrZs` (eq. 6-10) of a 4x4
//! block is its raster CTB address shifted left by `2 * (CtbLog2 - 2)` plus the Morton
//! (z-order) index of the block inside its CTB. Both parts are computed on the fly from
//! coordinates; nothing per picture is stored beyond a few integers.

/// log2 of the minimum transform block size (4x4) that z-scan addresses are counted in.
const MIN_TB_LOG2: u32 = 2;

/// Largest CTB (64) measured in minimum transform blocks per side.
const MAX_CTB_IN_TB: usize = 16;

/// Morton index of the 4x4 block at (`bx`, `by`) inside a CTB, indexed `by * 16 + bx`.
/// Bit i of x goes to bit 2i, bit i of y to bit 2i + 1 (eq. 6-10).
static ZORDER: [u8; MAX_CTB_IN_TB * MAX_CTB_IN_TB] = build_zorder();

const fn build_zorder() -> [u8; MAX_CTB_IN_TB * MAX_CTB_IN_TB] {
    let mut t = [0u8; MAX_CTB_IN_TB * MAX_CTB_IN_TB];
    let mut by = 0;
    while by < MAX_CTB_IN_TB {
        let mut bx = 0;
        while bx < MAX_CTB_IN_TB {
            let mut z = 0;
            let mut i = 0;
            while i < 4 {
                z |= ((bx >> i) & 1) << (2 * i);
                z |= ((by >> i) & 1) << (2 * i + 1);
                i += 1;
            }
            t[by * MAX_CTB_IN_TB + bx] = z as u8;
            bx += 1;
        }
        by += 1;
    }
    t
}

/// Decides whether a neighbouring luma location is available for prediction (6.4.1).
#[derive(Clone, Debug)]
pub struct Availability {
    width: usize,
    height: usize,
    ctb_log2: u32,
    width_in_ctbs: usize,
}

impl Availability {
    /// `pic_width` / `pic_height`: coded luma size; `ctb_log2`: 4..=6 (CTB 16, 32 or 64).
    pub fn new(pic_width: usize, pic_height: usize, ctb_log2: u32) -> Self {
        assert!((4..=6).contains(&ctb_log2), "CTB log2 size must be 4..=6");
        let ctb = 1usize << ctb_log2;
        Self {
            width: pic_width,
            height: pic_height,
            ctb_log2,
            width_in_ctbs: pic_width.div_ceil(ctb),
        }
    }

    /// Whether the luma square of `size` at (`x`, `y`) lies inside one CTB.
    pub fn within_one_ctb(&self, x: usize, y: usize, size: usize) -> bool {
        let last = size - 1;
        (x >> self.ctb_log2, y >> self.ctb_log2)
            == ((x + last) >> self.ctb_log2, (y + last) >> self.ctb_log2)
    }

    /// `MinTbAddrZs` of the 4x4 block holding luma sample (`x`, `y`) (inside the picture).
    #[inline]
    pub fn min_tb_addr_zs(&self, x: usize, y: usize) -> usize {
        let l = self.ctb_log2;
        let ctb_addr = (y >> l) * self.width_in_ctbs + (x >> l);
        let mask = (1usize << l) - 1;
        let bx = (x & mask) >> MIN_TB_LOG2;
        let by = (y & mask) >> MIN_TB_LOG2;
        (ctb_addr << (2 * (l - MIN_TB_LOG2))) | usize::from(ZORDER[by * MAX_CTB_IN_TB + bx])
    }

    /// Like `available` with the current block given by its `min_tb_addr_zs` and a
    /// non-negative neighbour, for callers testing many neighbours of one block.
    #[inline]
    pub fn available_zs(&self, cur_zs: usize, nb_x: usize, nb_y: usize) -> bool {
        nb_x < self.width && nb_y < self.height && self.min_tb_addr_zs(nb_x, nb_y) <= cur_zs
    }

    /// Whether luma sample (`nb_x`, `nb_y`) is available to the block at (`cur_x`, `cur_y`):
    /// inside the picture and not later in z-scan order than the current block.
    #[inline]
    pub fn available(&self, cur_x: usize, cur_y: usize, nb_x: isize, nb_y: isize) -> bool {
        let (Ok(nx), Ok(ny)) = (usize::try_from(nb_x), usize::try_from(nb_y)) else {
            return false;
        };
        self.available_zs(self.min_tb_addr_zs(cur_x, cur_y), nx, ny)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    /// Numbers the 4x4 blocks of a CTB by recursive quadtree traversal (TL, TR, BL, BR).
    fn number_quadtree(
        x0: usize,
        y0: usize,
        size: usize,
        next: &mut usize,
        out: &mut [usize],
        stride: usize,
    ) {
        if size == 1 {
            out[y0 * stride + x0] = *next;
            *next += 1;
            return;
        }
        let h = size / 2;
        number_quadtree(x0, y0, h, next, out, stride);
        number_quadtree(x0 + h, y0, h, next, out, stride);
        number_quadtree(x0, y0 + h, h, next, out, stride);
        number_quadtree(x0 + h, y0 + h, h, next, out, stride);
    }

    /// Slow z-scan numbering of every 4x4 block: CTBs in raster order, quadtree inside.
    fn slow_order(w: usize, h: usize, ctb_log2: u32) -> (Vec<usize>, usize) {
        let ctb_tb = 1usize << (ctb_log2 - 2);
        let wc = w.div_ceil(1 << ctb_log2);
        let hc = h.div_ceil(1 << ctb_log2);
        let stride = wc * ctb_tb;
        let mut order = vec![0; stride * hc * ctb_tb];
        let mut next = 0;
        for cy in 0..hc {
            for cx in 0..wc {
                number_quadtree(
                    cx * ctb_tb,
                    cy * ctb_tb,
                    ctb_tb,
                    &mut next,
                    &mut order,
                    stride,
                );
            }
        }
        (order, stride)
    }

    #[test]
    fn hand_cases() {
        // 64x48 picture, 16x16 CTBs: 4 CTBs per row.
        let a = Availability::new(64, 48, 4);
        // Block at (20, 20): second CTB of second row, 4x4 block (1, 1) inside it.
        assert!(a.available(20, 20, 19, 20), "left");
        assert!(a.available(20, 20, 20, 19), "above");
        assert!(a.available(20, 20, 19, 19), "above-left");
        assert!(!a.available(20, 20, 24, 20), "right");
        assert!(!a.available(20, 20, 20, 24), "below");
        // Below-left inside the same CTB: block (0, 2) has z 8 > z 3 of block (1, 1).
        assert!(!a.available(20, 20, 19, 24), "below-left later in z-order");
        // Block (2, 0) (z 4) sees its below-left block (1, 1) (z 3).
        assert!(a.available(24, 16, 23, 20), "below-left earlier in z-order");
        // Above-right in the next CTB of the previous CTB row.
        assert!(
            a.available(28, 16, 32, 15),
            "above-right in previous CTB row"
        );
        // Above-right inside the same CTB but later: block (2, 0) (z 4) from block (1, 1) (z 3).
        assert!(!a.available(20, 20, 24, 19), "above-right later in z-order");
        // Below-left in the next CTB row is never available.
        assert!(!a.available(16, 28, 15, 32), "below-left in next CTB row");
        // Right neighbour in the next CTB.
        assert!(!a.available(28, 16, 32, 16), "right neighbour CTB");
        // Outside the picture.
        assert!(!a.available(0, 0, -1, 0));
        assert!(!a.available(0, 0, 0, -1));
        assert!(!a.available(60, 0, 64, 0));
        assert!(!a.available(0, 44, 0, 48));
        // The current block itself is available.
        assert!(a.available(20, 20, 23, 23));
    }

    #[test]
    fn matches_recursive_numbering() {
        for (w, h, l) in [
            (72, 40, 4),
            (96, 72, 5),
            (136, 80, 6),
            (64, 64, 6),
            (40, 24, 5),
        ] {
            let a = Availability::new(w, h, l);
            let (order, stride) = slow_order(w, h, l);
            let z = |x: usize, y: usize| order[(y / 4) * stride + x / 4];
            for cy in (0..h).step_by(4) {
                for cx in (0..w).step_by(4) {
                    for ny in -4..(h as isize + 4) {
                        for nx in -4..(w as isize + 4) {
                            let inside = nx >= 0 && ny >= 0 && nx < w as isize && ny < h as isize;
                            let want = inside && z(nx as usize, ny as usize) <= z(cx, cy);
                            // Probe a varying sample inside the current block too.
                            let (px, py) = (cx + (nx as usize & 3), cy + (ny as usize & 3));
                            assert_eq!(
                                a.available(px, py, nx, ny),
                                want,
                                "{w}x{h} l{l} cur ({px},{py}) nb ({nx},{ny})"
                            );
                        }
                    }
                }
            }
        }
    }
}
