//! One 4x4 sub-block of levels in scan order (`scan::sub_block_in_scan_order`) with SSE4.1:
//! the sixteen levels narrowed to 16 bits (they fit: levels lie in [-32768, 32767]),
//! reordered by four byte shuffles, and the significance mask taken from a compare.

use std::arch::x86_64::{
    __m128i, _mm_cmpeq_epi8, _mm_cvtepi16_epi32, _mm_loadu_si128, _mm_movemask_epi8, _mm_or_si128,
    _mm_packs_epi16, _mm_packs_epi32, _mm_setzero_si128, _mm_shuffle_epi8, _mm_srli_si128,
    _mm_storeu_si128, _mm_testz_si128,
};

use crate::scan::ScanOrder;

/// For each scan order, the byte shuffles that take scan positions 0..8 and 8..16 from
/// the raster rows 0..2 and 2..4 (as 16-bit values): `[out][from]`; 0x80 clears a byte.
static SHUFFLES: [[[[u8; 16]; 2]; 2]; 3] = {
    let mut t = [[[[0x80u8; 16]; 2]; 2]; 3];
    let mut order = 0;
    while order < 3 {
        let raster = &crate::scan::RASTER_4[order];
        let mut k = 0;
        while k < 16 {
            let at = raster[k] as usize;
            let (out, from) = (k / 8, at / 8);
            let byte = 2 * (k % 8);
            t[order][out][from][byte] = (2 * (at % 8)) as u8;
            t[order][out][from][byte + 1] = (2 * (at % 8) + 1) as u8;
            k += 1;
        }
        order += 1;
    }
    t
};

/// # Safety
/// The CPU must support SSE4.1.
#[target_feature(enable = "sse4.1")]
pub(super) unsafe fn sub_block_in_scan_order(
    levels: &[i32],
    stride: usize,
    (xs, ys): (u8, u8),
    order: ScanOrder,
    scanned: &mut [i32; 16],
) -> u16 {
    let corner = 4 * usize::from(ys) * stride + 4 * usize::from(xs);
    let rows = &levels[corner..][..3 * stride + 4];
    // SAFETY: rows r < 4 hold 4 values from r * stride (the slice above is that long);
    // unaligned loads.
    let row = |r: usize| unsafe { _mm_loadu_si128(rows[r * stride..].as_ptr().cast::<__m128i>()) };
    let (r0, r1, r2, r3) = (row(0), row(1), row(2), row(3));
    let any = _mm_or_si128(_mm_or_si128(r0, r1), _mm_or_si128(r2, r3));
    if _mm_testz_si128(any, any) == 1 {
        return 0;
    }
    // Saturating packs keep every level in range as it is.
    let raster = [_mm_packs_epi32(r0, r1), _mm_packs_epi32(r2, r3)];
    let table = &SHUFFLES[order as usize];
    let mask = |out: usize, from: usize| {
        // SAFETY: 16 bytes; unaligned load.
        unsafe { _mm_loadu_si128(table[out][from].as_ptr().cast::<__m128i>()) }
    };
    let scan = [0, 1].map(|out| {
        _mm_or_si128(
            _mm_shuffle_epi8(raster[0], mask(out, 0)),
            _mm_shuffle_epi8(raster[1], mask(out, 1)),
        )
    });
    for (half, &v) in scan.iter().enumerate() {
        let out = scanned[8 * half..].as_mut_ptr().cast::<__m128i>();
        // SAFETY: `scanned` holds 16 values; each store writes 4 of them, unaligned.
        unsafe {
            _mm_storeu_si128(out, _mm_cvtepi16_epi32(v));
            _mm_storeu_si128(out.add(1), _mm_cvtepi16_epi32(_mm_srli_si128::<8>(v)));
        }
    }
    // A level's byte after a saturating pack is zero only when the level is.
    let bytes = _mm_packs_epi16(scan[0], scan[1]);
    let zero = _mm_movemask_epi8(_mm_cmpeq_epi8(bytes, _mm_setzero_si128())) as u16;
    !zero
}
