//! Coefficient scan orders (H.265 6.5.3 .. 6.5.5) and the scanIdx choice (7.4.9.11).
//!
//! A transform block of size 2^k is coded as a grid of 4x4 sub-blocks; both the
//! grid and the coefficients inside each sub-block follow the same scan order
//! (the spec's `ScanOrder[log2TrafoSize - 2][scanIdx]` and `ScanOrder[2][scanIdx]`).

/// The spec's `scanIdx`: 0 up-right diagonal, 1 horizontal, 2 vertical.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ScanOrder {
    Diagonal = 0,
    Horizontal = 1,
    Vertical = 2,
}

/// scanIdx for a block of `log2_size` (the block's own size: chroma's size for chroma)
/// in 4:2:0. `intra_mode` is the intra prediction mode used for this component
/// (luma mode, or the derived chroma mode); `None` for inter blocks.
pub fn scan_order(log2_size: u32, luma: bool, intra_mode: Option<u8>) -> ScanOrder {
    let Some(mode) = intra_mode else {
        return ScanOrder::Diagonal;
    };
    // Mode-dependent scans only pay off for small blocks: 4x4 of either component,
    // 8x8 for luma (chroma 8x8 would be 4:4:4 only).
    if !(log2_size == 2 || (log2_size == 3 && luma)) {
        return ScanOrder::Diagonal;
    }
    match mode {
        6..=14 => ScanOrder::Vertical,
        22..=30 => ScanOrder::Horizontal,
        _ => ScanOrder::Diagonal,
    }
}

/// Positions (x, y) of the 4x4 sub-blocks, in forward scan order, for a grid of
/// `(1 << log2_sb)` x `(1 << log2_sb)` sub-blocks (`log2_sb` = log2 TU size - 2, 0..=3).
pub fn sub_block_scan(log2_sb: u32, order: ScanOrder) -> &'static [(u8, u8)] {
    let row = match log2_sb {
        0 => &GRID_1,
        1 => &GRID_2,
        2 => &GRID_4,
        3 => &GRID_8,
        _ => panic!("sub-block grid log2 {log2_sb} out of range 0..=3"),
    };
    row[order as usize]
}

/// Positions (x, y) inside a 4x4 sub-block, in forward scan order.
pub fn coeff_scan(order: ScanOrder) -> &'static [(u8, u8); 16] {
    match order {
        ScanOrder::Diagonal => &DIAG_4,
        ScanOrder::Horizontal => &HOR_4,
        ScanOrder::Vertical => &VER_4,
    }
}

/// Writes the levels of sub-block `(xs, ys)` of a block of `levels` (row stride `stride`)
/// into `scanned` in forward scan order and returns their significance mask (bit k for
/// scan position k); when they are all zero, as most are, returns 0 and leaves `scanned`
/// alone. Levels lie in [-32768, 32767] (as the syntax allows). The four rows are copied
/// once and reordered through the scan's raster positions, rather than read one position
/// at a time (on x86-64, by byte shuffles).
#[inline(always)]
pub fn sub_block_in_scan_order(
    levels: &[i32],
    stride: usize,
    (xs, ys): (u8, u8),
    order: ScanOrder,
    scanned: &mut [i32; 16],
) -> u16 {
    #[cfg(target_arch = "x86_64")]
    if let Some(cpu) = crate::cpu::sse41() {
        return cpu.sub_block_in_scan_order(levels, stride, (xs, ys), order, scanned);
    }
    sub_block_in_scan_order_portable(levels, stride, (xs, ys), order, scanned)
}

/// [`sub_block_in_scan_order`] in portable code.
#[inline(always)]
pub(crate) fn sub_block_in_scan_order_portable(
    levels: &[i32],
    stride: usize,
    (xs, ys): (u8, u8),
    order: ScanOrder,
    scanned: &mut [i32; 16],
) -> u16 {
    let corner = 4 * usize::from(ys) * stride + 4 * usize::from(xs);
    let mut raster = [0i32; 16];
    crate::rows::copy_rows(&mut raster, 4, &levels[corner..], stride, 4, 4);
    if raster.iter().all(|&v| v == 0) {
        return 0;
    }
    let mut mask = 0u16;
    for (k, &at) in coeff_scan_raster(order).iter().enumerate() {
        let v = raster[usize::from(at) & 15];
        scanned[k] = v;
        mask |= u16::from(v != 0) << k;
    }
    mask
}

/// Raster positions (4 y + x) inside a 4x4 sub-block, in forward scan order.
fn coeff_scan_raster(order: ScanOrder) -> &'static [u8; 16] {
    &RASTER_4[order as usize]
}

/// [`coeff_scan_raster`] of each scan order, by `ScanOrder as usize`.
pub(crate) const RASTER_4: [[u8; 16]; 3] = {
    const fn raster(scan: &[(u8, u8); 16]) -> [u8; 16] {
        let mut out = [0u8; 16];
        let mut k = 0;
        while k < 16 {
            out[k] = 4 * scan[k].1 + scan[k].0;
            k += 1;
        }
        out
    }
    [raster(&DIAG_4), raster(&HOR_4), raster(&VER_4)]
};

/// Builds the scan of a `1 << log2` square block (N must be the number of cells).
const fn build<const N: usize>(log2: u32, order: ScanOrder) -> [(u8, u8); N] {
    let size = 1usize << log2;
    let mut out = [(0u8, 0u8); N];
    let mut i = 0;
    match order {
        ScanOrder::Diagonal => {
            // 6.5.3: walk each anti-diagonal from bottom-left to top-right.
            let mut diag = 0;
            while i < N {
                let mut y = diag as isize;
                let mut x = 0usize;
                while y >= 0 {
                    if x < size && (y as usize) < size {
                        out[i] = (x as u8, y as u8);
                        i += 1;
                    }
                    y -= 1;
                    x += 1;
                }
                diag += 1;
            }
        }
        ScanOrder::Horizontal => {
            while i < N {
                out[i] = ((i % size) as u8, (i / size) as u8);
                i += 1;
            }
        }
        ScanOrder::Vertical => {
            while i < N {
                out[i] = ((i / size) as u8, (i % size) as u8);
                i += 1;
            }
        }
    }
    out
}

const DIAG_4: [(u8, u8); 16] = build(2, ScanOrder::Diagonal);
const HOR_4: [(u8, u8); 16] = build(2, ScanOrder::Horizontal);
const VER_4: [(u8, u8); 16] = build(2, ScanOrder::Vertical);

const ORDERS: [ScanOrder; 3] = [
    ScanOrder::Diagonal,
    ScanOrder::Horizontal,
    ScanOrder::Vertical,
];

static GRID_1: [&[(u8, u8)]; 3] = [&[(0, 0)], &[(0, 0)], &[(0, 0)]];
static GRID_2: [&[(u8, u8)]; 3] = [
    &build::<4>(1, ORDERS[0]),
    &build::<4>(1, ORDERS[1]),
    &build::<4>(1, ORDERS[2]),
];
static GRID_4: [&[(u8, u8)]; 3] = [&DIAG_4, &HOR_4, &VER_4];
static GRID_8: [&[(u8, u8)]; 3] = [
    &build::<64>(3, ORDERS[0]),
    &build::<64>(3, ORDERS[1]),
    &build::<64>(3, ORDERS[2]),
];

#[cfg(test)]
mod tests {
    use super::*;

    /// The x86 sub-block gather equals the portable one: every scan order, sub-blocks at
    /// every position of a 16x16 block, sparse and dense levels, both 16-bit extremes.
    #[test]
    #[cfg(target_arch = "x86_64")]
    fn sub_block_kernel_equals_the_portable_code() {
        let Some(cpu) = crate::x86::Sse41::detect() else {
            return;
        };
        let mut rng = softvpu_core::synth::SplitMix64(77);
        for order in [
            ScanOrder::Diagonal,
            ScanOrder::Horizontal,
            ScanOrder::Vertical,
        ] {
            for trial in 0..400 {
                let levels: Vec<i32> = (0..16 * 16)
                    .map(|_| match (trial % 4, rng.below(8)) {
                        (0, _) => 0,
                        (1, 0) => rng.below(7) as i32 - 3,
                        (2, 0) => -32768,
                        (2, 1) => 32767,
                        (2, _) => 0,
                        (3, _) => rng.below(65536) as i32 - 32768,
                        _ => 0,
                    })
                    .collect();
                for sb in (0..16u8).map(|i| (i % 4, i / 4)) {
                    let (mut a, mut b) = ([7i32; 16], [7i32; 16]);
                    let fast = cpu.sub_block_in_scan_order(&levels, 16, sb, order, &mut a);
                    let portable = sub_block_in_scan_order_portable(&levels, 16, sb, order, &mut b);
                    assert_eq!((fast, a), (portable, b), "{order:?} {sb:?} trial {trial}");
                }
            }
        }
    }

    /// The spec's 6.5.3 loop, written independently with a Vec.
    fn spec_diagonal(size: i32) -> Vec<(u8, u8)> {
        let mut out = Vec::new();
        let (mut x, mut y) = (0i32, 0i32);
        loop {
            while y >= 0 {
                if x < size && y < size {
                    out.push((x as u8, y as u8));
                }
                y -= 1;
                x += 1;
            }
            y = x;
            x = 0;
            if out.len() >= (size * size) as usize {
                return out;
            }
        }
    }

    #[test]
    fn diagonal_4x4_known_values() {
        let want: [(u8, u8); 16] = [
            (0, 0),
            (0, 1),
            (1, 0),
            (0, 2),
            (1, 1),
            (2, 0),
            (0, 3),
            (1, 2),
            (2, 1),
            (3, 0),
            (1, 3),
            (2, 2),
            (3, 1),
            (2, 3),
            (3, 2),
            (3, 3),
        ];
        assert_eq!(coeff_scan(ScanOrder::Diagonal), &want);
    }

    #[test]
    fn tables_match_spec_loops() {
        for log2 in 0..=3u32 {
            let size = 1i32 << log2;
            assert_eq!(
                sub_block_scan(log2, ScanOrder::Diagonal),
                spec_diagonal(size)
            );
            let hor: Vec<_> = (0..size)
                .flat_map(|y| (0..size).map(move |x| (x as u8, y as u8)))
                .collect();
            let ver: Vec<_> = (0..size)
                .flat_map(|x| (0..size).map(move |y| (x as u8, y as u8)))
                .collect();
            assert_eq!(sub_block_scan(log2, ScanOrder::Horizontal), hor);
            assert_eq!(sub_block_scan(log2, ScanOrder::Vertical), ver);
        }
        for order in ORDERS {
            assert_eq!(coeff_scan(order).as_slice(), sub_block_scan(2, order));
        }
    }

    #[test]
    fn scans_are_permutations() {
        for log2 in 0..=3u32 {
            for order in ORDERS {
                let s = sub_block_scan(log2, order);
                let size = 1usize << log2;
                let mut seen = vec![false; size * size];
                for &(x, y) in s {
                    let i = y as usize * size + x as usize;
                    assert!(!seen[i]);
                    seen[i] = true;
                }
                assert!(seen.iter().all(|&b| b));
            }
        }
    }

    #[test]
    fn eight_by_eight_horizontal_grid_is_horizontal() {
        assert_eq!(
            sub_block_scan(1, ScanOrder::Horizontal),
            &[(0, 0), (1, 0), (0, 1), (1, 1)]
        );
        assert_eq!(
            sub_block_scan(1, ScanOrder::Vertical),
            &[(0, 0), (0, 1), (1, 0), (1, 1)]
        );
        assert_eq!(
            sub_block_scan(1, ScanOrder::Diagonal),
            &[(0, 0), (0, 1), (1, 0), (1, 1)]
        );
    }

    #[test]
    fn scan_idx_derivation() {
        use ScanOrder::*;
        // Inter blocks and large blocks always scan diagonally.
        assert_eq!(scan_order(2, true, None), Diagonal);
        assert_eq!(scan_order(4, true, Some(10)), Diagonal);
        assert_eq!(scan_order(5, true, Some(26)), Diagonal);
        // Chroma 8x8 (4:2:0) is not mode dependent; luma 8x8 and both 4x4 are.
        assert_eq!(scan_order(3, false, Some(10)), Diagonal);
        assert_eq!(scan_order(3, true, Some(10)), Vertical);
        assert_eq!(scan_order(2, false, Some(26)), Horizontal);
        for mode in 0..35u8 {
            let want = if (6..=14).contains(&mode) {
                Vertical
            } else if (22..=30).contains(&mode) {
                Horizontal
            } else {
                Diagonal
            };
            assert_eq!(scan_order(2, true, Some(mode)), want, "mode {mode}");
        }
    }
}
