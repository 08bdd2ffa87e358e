//! residual_coding(): one transform block's quantised levels as CABAC bins.
//!
//! The same function drives the real arithmetic coder and the bit estimator, so the rate used
//! in decisions is counted by the code that writes the stream.

use crate::cabac::{BinSink, Contexts};
use crate::scan::{coeff_scan, sub_block_in_scan_order, sub_block_scan, ScanOrder};

/// sig_coeff_flag contexts of 4x4 blocks by raster position (the spec's ctxIdxMap).
const CTX_IDX_MAP_4X4: [u8; 16] = [0, 1, 4, 5, 2, 3, 4, 5, 6, 6, 8, 8, 7, 7, 8, 8];

/// Smallest last-position value of each last_sig_coeff prefix.
const LAST_PREFIX_MIN: [u32; 10] = [0, 1, 2, 3, 4, 6, 8, 12, 16, 24];

/// Levels of one sub-block in scan order plus its significance mask (bit n = scan position n).
#[derive(Clone, Copy, Default)]
struct SubBlock {
    levels: [i32; 16],
    mask: u16,
}

/// Codes the `n`x`n` block of `levels` (raster order, row stride `stride`, n = 1 << log2);
/// the block must hold at least one non-zero level (its cbf is 1).
pub fn code_residual<S: BinSink>(
    sink: &mut S,
    ctx: &mut Contexts,
    levels: &[i32],
    stride: usize,
    log2: u32,
    chroma: bool,
    order: ScanOrder,
) {
    // The sub-block table sized for the block: a 4x4 block must not clear 64 entries.
    match log2 {
        2 => code_sized::<S, 1>(sink, ctx, levels, stride, log2, chroma, order),
        3 => code_sized::<S, 4>(sink, ctx, levels, stride, log2, chroma, order),
        4 => code_sized::<S, 16>(sink, ctx, levels, stride, log2, chroma, order),
        _ => code_sized::<S, 64>(sink, ctx, levels, stride, log2, chroma, order),
    }
}

/// [`code_residual`] of a block of `SUB_BLOCKS` 4x4 sub-blocks.
#[inline(always)]
fn code_sized<S: BinSink, const SUB_BLOCKS: usize>(
    sink: &mut S,
    ctx: &mut Contexts,
    levels: &[i32],
    stride: usize,
    log2: u32,
    chroma: bool,
    order: ScanOrder,
) {
    let log2_sb = log2 - 2;
    let sb_pos = sub_block_scan(log2_sb, order);
    let c_pos = coeff_scan(order);

    let mut blocks = [SubBlock::default(); SUB_BLOCKS];
    let mut last_sb = None;
    for (b, (i, &sb)) in blocks.iter_mut().zip(sb_pos.iter().enumerate()) {
        b.mask = sub_block_in_scan_order(levels, stride, sb, order, &mut b.levels);
        if b.mask != 0 {
            last_sb = Some(i);
        }
    }
    let Some(last_sb) = last_sb else {
        debug_assert!(false, "residual_coding of an all-zero block");
        return;
    };
    let last_pos = 15 - blocks[last_sb].mask.leading_zeros() as usize;
    let (xs, ys) = sb_pos[last_sb];
    let (xc, yc) = c_pos[last_pos];
    let last_x = (u32::from(xs) << 2) + u32::from(xc);
    let last_y = (u32::from(ys) << 2) + u32::from(yc);
    if order == ScanOrder::Vertical {
        code_last_position(sink, ctx, last_y, last_x, log2, chroma);
    } else {
        code_last_position(sink, ctx, last_x, last_y, log2, chroma);
    }

    // coded_sub_block_flag by sub-block position, with a border of zeros right and below.
    let mut csbf = [[false; 9]; 9];
    let mut g1_state = Greater1State::default();
    for i in (0..=last_sb).rev() {
        let (xs, ys) = (usize::from(sb_pos[i].0), usize::from(sb_pos[i].1));
        let block = &blocks[i];
        let coded = block.mask != 0;
        let right = csbf[xs + 1][ys];
        let below = csbf[xs][ys + 1];
        let mut infer_dc = false;
        if i < last_sb && i > 0 {
            let inc = usize::from(right || below) + if chroma { 2 } else { 0 };
            sink.bin(&mut ctx.coded_sub_block_flag[inc], u32::from(coded));
            infer_dc = true;
        }
        csbf[xs][ys] = coded || i == last_sb || i == 0;
        if !csbf[xs][ys] || !coded && i != 0 {
            continue;
        }
        let prev_csbf = usize::from(right) | (usize::from(below) << 1);
        let first = if i == last_sb { last_pos } else { 16 };
        let incs = SigContext {
            log2,
            chroma,
            order,
            prev_csbf,
            sub_block_is_dc: i == 0,
        }
        .incs();
        // The DC flag of a coded sub-block is inferred (not sent) when no flag after it is 1.
        let mask = u32::from(block.mask);
        let end = usize::from(infer_dc && mask & ((1 << first) - 1) & !1 == 0);
        for n in (end..first).rev() {
            let inc = usize::from(incs[n]);
            sink.bin(&mut ctx.sig_coeff_flag[inc], (mask >> n) & 1);
        }
        if block.mask != 0 {
            code_levels(sink, ctx, block, i == 0, chroma, &mut g1_state);
        }
    }
}

/// last_sig_coeff_{x,y}_{prefix,suffix}.
fn code_last_position<S: BinSink>(
    sink: &mut S,
    ctx: &mut Contexts,
    x: u32,
    y: u32,
    log2: u32,
    chroma: bool,
) {
    let (offset, shift) = if chroma {
        (15, log2 - 2)
    } else {
        (3 * (log2 - 2) + ((log2 - 1) >> 2), (log2 + 1) >> 2)
    };
    let max_prefix = (log2 << 1) - 1;
    let px = last_prefix(x);
    let py = last_prefix(y);
    for (prefix, contexts) in [
        (px, &mut ctx.last_sig_coeff_x_prefix),
        (py, &mut ctx.last_sig_coeff_y_prefix),
    ] {
        for b in 0..prefix.min(max_prefix) {
            let inc = (offset + (b >> shift)) as usize;
            sink.bin(&mut contexts[inc], u32::from(b < prefix));
        }
        if prefix < max_prefix {
            let inc = (offset + (prefix >> shift)) as usize;
            sink.bin(&mut contexts[inc], 0);
        }
    }
    for (v, prefix) in [(x, px), (y, py)] {
        if prefix > 3 {
            sink.bypass_bits(v - LAST_PREFIX_MIN[prefix as usize], (prefix >> 1) - 1);
        }
    }
}

fn last_prefix(v: u32) -> u32 {
    if v < 4 {
        v
    } else {
        // v in [4, 32): prefix = 2 * floor(log2 v) + (second most significant bit).
        let msb = 31 - v.leading_zeros();
        2 * msb + ((v >> (msb - 1)) & 1)
    }
}

/// sig_coeff_flag context increments of a sub-block by scan position, for every case of
/// [`SigContext`], worked out once from [`SigContext::ctx_inc`].
type SigTable = [[u8; 16]; SIG_CASES];

/// Block sizes 4x4, 8x8 or larger; luma or chroma; three scan orders; four prev_csbf;
/// the first sub-block or another.
const SIG_CASES: usize = 3 * 2 * 3 * 4 * 2;

const ORDERS: [ScanOrder; 3] = [
    ScanOrder::Diagonal,
    ScanOrder::Horizontal,
    ScanOrder::Vertical,
];

/// The [`SigTable`], worked out on first use.
fn sig_table() -> &'static SigTable {
    static TABLE: std::sync::OnceLock<Box<SigTable>> = std::sync::OnceLock::new();
    TABLE.get_or_init(|| {
        let mut t = Box::new([[0u8; 16]; SIG_CASES]);
        for log2 in 2..=4 {
            for chroma in [false, true] {
                for order in ORDERS {
                    for prev_csbf in 0..4 {
                        for sub_block_is_dc in [false, true] {
                            let sig = SigContext {
                                log2,
                                chroma,
                                order,
                                prev_csbf,
                                sub_block_is_dc,
                            };
                            t[sig.case()] = sig.worked_out();
                        }
                    }
                }
            }
        }
        t
    })
}

impl SigContext {
    /// The row of [`SigTable`] for this case.
    #[inline]
    fn case(&self) -> usize {
        let size = (self.log2.clamp(2, 4) - 2) as usize;
        let order = self.order as usize;
        (((usize::from(self.chroma) * 3 + size) * 3 + order) * 4 + self.prev_csbf) * 2
            + usize::from(self.sub_block_is_dc)
    }

    /// The increments of every scan position of the sub-block.
    #[inline]
    fn incs(&self) -> &'static [u8; 16] {
        &sig_table()[self.case()]
    }

    /// [`SigContext::ctx_inc`] of each scan position.
    fn worked_out(&self) -> [u8; 16] {
        // Any sub-block but the first lies away from the block's DC position (a 4x4
        // block has only the one).
        let xs = if self.sub_block_is_dc || self.log2 == 2 {
            0
        } else {
            4
        };
        coeff_scan(self.order)
            .map(|(xc, yc)| self.ctx_inc(xs + usize::from(xc), usize::from(yc)) as u8)
    }
}

/// Inputs of the sig_coeff_flag context choice that are fixed for a sub-block.
struct SigContext {
    log2: u32,
    chroma: bool,
    order: ScanOrder,
    prev_csbf: usize,
    sub_block_is_dc: bool,
}

impl SigContext {
    fn ctx_inc(&self, xc: usize, yc: usize) -> usize {
        let sig = if self.log2 == 2 {
            usize::from(CTX_IDX_MAP_4X4[(yc << 2) + xc])
        } else if xc + yc == 0 {
            0
        } else {
            let (xp, yp) = (xc & 3, yc & 3);
            let mut s = match self.prev_csbf {
                0 => match xp + yp {
                    0 => 2,
                    1 | 2 => 1,
                    _ => 0,
                },
                1 => [2, 1, 0, 0][yp],
                2 => [2, 1, 0, 0][xp],
                _ => 2,
            };
            if self.chroma {
                s += if self.log2 == 3 { 9 } else { 12 };
            } else {
                if !self.sub_block_is_dc {
                    s += 3;
                }
                s += match (self.log2, self.order) {
                    (3, ScanOrder::Diagonal) => 9,
                    (3, _) => 15,
                    _ => 21,
                };
            }
            s
        };
        if self.chroma {
            27 + sig
        } else {
            sig
        }
    }
}

/// The greater1 context-set carry between sub-blocks of one transform block.
#[derive(Default)]
struct Greater1State {
    /// greater1Ctx after the previous coded sub-block (None before the first).
    previous: Option<u32>,
}

/// Greater-than-1/2 flags, signs and remaining levels of one sub-block.
fn code_levels<S: BinSink>(
    sink: &mut S,
    ctx: &mut Contexts,
    block: &SubBlock,
    is_dc_block: bool,
    chroma: bool,
    g1: &mut Greater1State,
) {
    let mut ctx_set = if is_dc_block || chroma { 0 } else { 2 };
    if g1.previous == Some(0) {
        ctx_set += 1;
    }
    let chroma_g1 = if chroma { 16 } else { 0 };
    let mut greater1_ctx = 1u32;
    let mut g1_flags = 0u16;
    let mut first_g1: Option<usize> = None;
    let mut escape_start = 16; // scan positions below this get no greater1 flag
    for (coded, n) in set_bits_down(block.mask).enumerate() {
        if coded == 8 {
            escape_start = n + 1;
            break;
        }
        let flag = block.levels[n].unsigned_abs() > 1;
        let inc = (ctx_set * 4 + greater1_ctx.min(3)) as usize + chroma_g1;
        sink.bin(&mut ctx.coeff_abs_level_greater1_flag[inc], u32::from(flag));
        if flag {
            g1_flags |= 1 << n;
            first_g1.get_or_insert(n);
            greater1_ctx = 0;
        } else if greater1_ctx > 0 {
            greater1_ctx += 1;
        }
        escape_start = n;
    }
    g1.previous = Some(greater1_ctx);

    let mut g2_flag = false;
    if let Some(n) = first_g1 {
        g2_flag = block.levels[n].unsigned_abs() > 2;
        let inc = ctx_set as usize + if chroma { 4 } else { 0 };
        sink.bin(
            &mut ctx.coeff_abs_level_greater2_flag[inc],
            u32::from(g2_flag),
        );
    }

    let first_sig = block.mask.trailing_zeros() as usize;
    let last_sig = 15 - block.mask.leading_zeros() as usize;
    let sign_hidden = last_sig - first_sig > 3;
    let mut signs = 0u32;
    let mut nsigns = 0;
    let hidden = if sign_hidden { 1u16 << first_sig } else { 0 };
    for n in set_bits_down(block.mask & !hidden) {
        signs = (signs << 1) | u32::from(block.levels[n] < 0);
        nsigns += 1;
    }
    // At most 16 signs: bypass_bits takes up to 32 bins.
    if nsigns > 0 {
        sink.bypass_bits(signs, nsigns);
    }

    let mut rice = 0u32;
    for (num_sig, n) in set_bits_down(block.mask).enumerate() {
        let abs = block.levels[n].unsigned_abs();
        let base = if n < escape_start {
            1
        } else {
            1 + u32::from(g1_flags >> n & 1 == 1) + u32::from(first_g1 == Some(n) && g2_flag)
        };
        let threshold = if num_sig < 8 {
            if first_g1 == Some(n) {
                3
            } else {
                2
            }
        } else {
            1
        };
        if base == threshold {
            code_remaining(sink, abs - base, rice);
            if abs > 3 * (1 << rice) {
                rice = (rice + 1).min(4);
            }
        }
    }
}

/// The positions of the set bits of `mask`, highest first (the order of the reverse
/// scan), without visiting the clear ones.
#[inline(always)]
fn set_bits_down(mut mask: u16) -> impl Iterator<Item = usize> {
    std::iter::from_fn(move || {
        (mask != 0).then(|| {
            let n = 15 - mask.leading_zeros() as usize;
            mask &= !(1 << n);
            n
        })
    })
}

/// coeff_abs_level_remaining: a Rice prefix of up to four ones, then Exp-Golomb of order rice+1.
fn code_remaining<S: BinSink>(sink: &mut S, value: u32, rice: u32) {
    if value < (4 << rice) {
        let q = value >> rice;
        // q ones and a zero, then the rice low bits.
        sink.bypass_bits(((1 << q) - 1) << 1, q + 1);
        if rice > 0 {
            sink.bypass_bits(value & ((1 << rice) - 1), rice);
        }
    } else {
        let mut v = value - (4 << rice);
        let mut k = rice + 1;
        let mut ones = 4;
        while v >= (1 << k) {
            v -= 1 << k;
            k += 1;
            ones += 1;
        }
        // Prefix ones (at most 4 + 15 for 16-bit levels) then the terminating zero.
        sink.bypass_bits((1 << ones) - 1, ones);
        sink.bypass_bits(0, 1);
        sink.bypass_bits(v, k);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_sig_table_gives_each_sub_block_its_contexts() {
        for log2 in 2..=5u32 {
            // Sub-blocks of the block: the first, and others in its first row and column
            // and inside it.
            let last = (1usize << (log2 - 2)) - 1;
            for (xs, ys) in [(0, 0), (last, 0), (0, last), (last, last)] {
                for chroma in [false, true] {
                    for order in ORDERS {
                        for prev_csbf in 0..4 {
                            let sig = SigContext {
                                log2,
                                chroma,
                                order,
                                prev_csbf,
                                sub_block_is_dc: (xs, ys) == (0, 0),
                            };
                            let incs = sig.incs();
                            for (n, &(xc, yc)) in coeff_scan(order).iter().enumerate() {
                                let want = sig.ctx_inc(
                                    (xs << 2) + usize::from(xc),
                                    (ys << 2) + usize::from(yc),
                                );
                                assert_eq!(
                                    usize::from(incs[n]),
                                    want,
                                    "log2 {log2} sub-block ({xs},{ys}) chroma {chroma} \
                                     {order:?} prev {prev_csbf} position {n}"
                                );
                            }
                        }
                    }
                }
            }
        }
    }

    #[test]
    fn last_prefix_matches_the_group_table() {
        let group = [0, 1, 2, 3, 4, 4, 5, 5, 6, 6, 6, 6, 7, 7, 7, 7];
        for (v, &g) in group.iter().enumerate() {
            assert_eq!(last_prefix(v as u32), g);
        }
        for v in 16..24 {
            assert_eq!(last_prefix(v), 8);
        }
        for v in 24..32 {
            assert_eq!(last_prefix(v), 9);
        }
    }
}
