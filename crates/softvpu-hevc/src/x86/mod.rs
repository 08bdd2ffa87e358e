//! x86-64 SIMD kernels. Each has a portable twin it must equal exactly (the tests beside
//! the twins compare them); [`Sse41`] is the proof, made once by detection, that a kernel
//! needing SSE4.1 may run.
#![allow(unsafe_code)] // SIMD intrinsics: loads from checked slices, CPU features detected

mod deblock;
pub(crate) mod dist;
mod intra;
mod mc;
mod multiversion;
mod scan;
mod transform;

pub(crate) use dist::{sad, sse};
pub(crate) use mc::Passes;

/// Proof that this CPU runs SSE4.1: only [`Sse41::detect`] makes one.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Sse41(());

impl Sse41 {
    pub(crate) fn detect() -> Option<Self> {
        std::is_x86_feature_detected!("sse4.1").then_some(Self(()))
    }

    /// Sum of |H D H^T| of the 8x8 difference of the blocks at the starts of `a` and `b`.
    pub(crate) fn hadamard8(self, a: &[u8], a_stride: usize, b: &[u8], b_stride: usize) -> u32 {
        // SAFETY: `self` exists only when SSE4.1 was detected.
        unsafe { dist::hadamard8(a, a_stride, b, b_stride) }
    }

    /// The levels of sub-block (`xs`, `ys`) of a block of `levels` in scan order, and their
    /// significance mask; see `scan::sub_block_in_scan_order`.
    pub(crate) fn sub_block_in_scan_order(
        self,
        levels: &[i32],
        stride: usize,
        sub_block: (u8, u8),
        order: crate::scan::ScanOrder,
        scanned: &mut [i32; 16],
    ) -> u16 {
        // SAFETY: `self` exists only when SSE4.1 was detected.
        unsafe { scan::sub_block_in_scan_order(levels, stride, sub_block, order, scanned) }
    }

    /// Sum of |H D H^T| of the 4x4 difference of the blocks at the starts of `a` and `b`.
    pub(crate) fn hadamard4(self, a: &[u8], a_stride: usize, b: &[u8], b_stride: usize) -> u32 {
        // SAFETY: `self` exists only when SSE4.1 was detected.
        unsafe { dist::hadamard4(a, a_stride, b, b_stride) }
    }

    /// The luma interpolation of a `w` x `h` block (w a multiple of 8) from its window;
    /// see `mc::luma`.
    pub(crate) fn luma_filter(
        self,
        win: &[u8],
        stride: usize,
        size: (usize, usize),
        passes: Passes<'_>,
        temp: &mut Vec<i16>,
        out: &mut [u8],
    ) {
        assert!(size.0.is_multiple_of(8) && stride >= size.0 + 7);
        assert!(win.len() >= stride * (size.1 + 6) + size.0 + 7);
        assert!(out.len() >= size.0 * size.1);
        // SAFETY: `self` exists only when SSE4.1 was detected; the sizes are checked.
        unsafe { mc::luma(win, stride, size, passes, temp, out) }
    }
}

/// Proof that this CPU runs AVX2: only [`Avx2::detect`] makes one. Its methods run
/// portable code compiled for AVX2 (`multiversion`).
#[derive(Clone, Copy, Debug)]
pub(crate) struct Avx2(());

impl Avx2 {
    pub(crate) fn detect() -> Option<Self> {
        std::is_x86_feature_detected!("avx2").then_some(Self(()))
    }

    /// Calls `f(row, column, sum)` with the 8x8 Hadamard sum (as [`Sse41::hadamard8`]) of
    /// every tile of the `w` x `h` blocks at the starts of `a` and `b`, `w` a multiple of
    /// 16 and `h` of 8.
    pub(crate) fn hadamard_tiles(
        self,
        a: &[u8],
        a_stride: usize,
        b: &[u8],
        b_stride: usize,
        size: (usize, usize),
        f: &mut impl FnMut(usize, usize, u32),
    ) {
        // SAFETY: `self` exists only when AVX2 was detected.
        unsafe { dist::hadamard_tiles(a, a_stride, b, b_stride, size, f) }
    }

    /// The luma filter across an edge for four segments from `q0` (16 rows of a vertical
    /// edge, 16 columns of a horizontal one), each with its (β, tC) (β = 0: not
    /// filtered); see `deblock::luma_pass`.
    pub(crate) fn deblock_luma16(
        self,
        vertical: bool,
        data: &mut [u8],
        stride: usize,
        q0: usize,
        segments: [(i32, i32); 4],
    ) {
        // SAFETY: `self` exists only when AVX2 was detected.
        unsafe {
            if vertical {
                deblock::luma_vertical16(data, stride, q0, segments);
            } else {
                deblock::luma_horizontal16(data, stride, q0, segments);
            }
        }
    }

    /// The luma interpolation of a `w` x `h` block (w a multiple of 16) from its window;
    /// see `mc::luma16`.
    pub(crate) fn luma_filter16(
        self,
        win: &[u8],
        stride: usize,
        size: (usize, usize),
        passes: Passes<'_>,
        temp: &mut Vec<i16>,
        out: &mut [u8],
    ) {
        assert!(size.0.is_multiple_of(16) && stride >= size.0 + 7);
        assert!(win.len() >= stride * (size.1 + 6) + size.0 + 7);
        assert!(out.len() >= size.0 * size.1);
        // SAFETY: `self` exists only when AVX2 was detected; the sizes are checked.
        unsafe { mc::luma16(win, stride, size, passes, temp, out) }
    }

    /// [`crate::transform::forward`], built for AVX2; the 8- to 32-point DCTs with AVX2's
    /// multiply-add (`transform`).
    pub(crate) fn forward(self, residual: &[i16], coeffs: &mut [i32], log2: u32, dst: bool) {
        if !dst && (3..=5).contains(&log2) {
            // SAFETY: `self` exists only when AVX2 was detected.
            return unsafe { transform::forward_dct(residual, coeffs, log2) };
        }
        // SAFETY: `self` exists only when AVX2 was detected.
        unsafe { multiversion::forward(residual, coeffs, log2, dst) }
    }

    /// [`crate::quant::quantize`], built for AVX2.
    pub(crate) fn quantize(
        self,
        coeffs: &[i32],
        levels: &mut [i32],
        log2: u32,
        qp: i32,
        intra: bool,
    ) -> u32 {
        // SAFETY: `self` exists only when AVX2 was detected.
        unsafe { multiversion::quantize(coeffs, levels, log2, qp, intra) }
    }

    /// [`crate::quant::dequantize`], built for AVX2.
    pub(crate) fn dequantize(self, levels: &[i32], coeffs: &mut [i32], log2: u32, qp: i32) {
        // SAFETY: `self` exists only when AVX2 was detected.
        unsafe { multiversion::dequantize(levels, coeffs, log2, qp) }
    }

    /// [`crate::intra::predict`], built for AVX2.
    pub(crate) fn predict(
        self,
        refs: &crate::intra::RefSamples,
        log2: u32,
        mode: u8,
        luma: bool,
        out: &mut [u8],
    ) {
        // SAFETY: `self` exists only when AVX2 was detected.
        unsafe { multiversion::predict(self, refs, log2, mode, luma, out) }
    }

    /// [`crate::transform::inverse`], built for AVX2; the 8- to 32-point DCTs by 16-bit
    /// multiply-adds (`transform`).
    pub(crate) fn inverse(self, coeffs: &[i32], residual: &mut [i16], log2: u32, dst: bool) {
        if !dst && (3..=5).contains(&log2) {
            // SAFETY: `self` exists only when AVX2 was detected.
            return unsafe { transform::inverse_dct(coeffs, residual, log2) };
        }
        // SAFETY: `self` exists only when AVX2 was detected.
        unsafe { multiversion::inverse(coeffs, residual, log2, dst) }
    }
}
