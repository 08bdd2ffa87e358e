//! Portable code compiled a second time with AVX2 enabled: the compiler vectorises the
//! same source eight 32-bit lanes wide (with 32-bit multiplies, which baseline x86-64
//! lacks). The functions are the portable ones, inlined here; the tests beside the
//! portable code compare both builds.

/// # Safety
/// The CPU must support AVX2.
#[target_feature(enable = "avx2")]
pub(super) unsafe fn forward(residual: &[i16], coeffs: &mut [i32], log2: u32, dst: bool) {
    crate::transform::forward_portable(residual, coeffs, log2, dst);
}

/// # Safety
/// The CPU must support AVX2.
#[target_feature(enable = "avx2")]
pub(super) unsafe fn inverse(coeffs: &[i32], residual: &mut [i16], log2: u32, dst: bool) {
    crate::transform::inverse_portable(coeffs, residual, log2, dst);
}

/// # Safety
/// The CPU must support AVX2.
#[target_feature(enable = "avx2")]
pub(super) unsafe fn quantize(
    coeffs: &[i32],
    levels: &mut [i32],
    log2: u32,
    qp: i32,
    intra: bool,
) -> u32 {
    crate::quant::quantize_portable(coeffs, levels, log2, qp, intra)
}

/// # Safety
/// The CPU must support AVX2.
#[target_feature(enable = "avx2")]
pub(super) unsafe fn dequantize(levels: &[i32], coeffs: &mut [i32], log2: u32, qp: i32) {
    crate::quant::dequantize_portable(levels, coeffs, log2, qp);
}

/// # Safety
/// The CPU must support AVX2.
#[target_feature(enable = "avx2")]
pub(super) unsafe fn predict(
    cpu: super::Avx2,
    refs: &crate::intra::RefSamples,
    log2: u32,
    mode: u8,
    luma: bool,
    out: &mut [u8],
) {
    crate::intra::predict_with(cpu, refs, log2, mode, luma, out);
}
