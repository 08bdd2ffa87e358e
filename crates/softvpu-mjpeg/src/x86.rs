//! The row coder compiled a second time with AVX2 enabled: the compiler vectorises the
//! same source (DCT, quantisation, sample loads) eight lanes wide instead of four. Float
//! arithmetic is the same IEEE arithmetic in both builds (no fused multiply-adds), so the
//! images are identical; the tests in `encoder` compare them.
#![allow(unsafe_code)] // target-feature code, run only after detection

use std::ops::Range;

use crate::encoder::{ReconBand, RowCoder};

/// Proof that this CPU runs AVX2: only [`Avx2::detect`] makes one.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Avx2(());

impl Avx2 {
    pub(crate) fn detect() -> Option<Self> {
        std::is_x86_feature_detected!("avx2").then_some(Self(()))
    }

    pub(crate) fn code_rows(
        self,
        coder: &RowCoder<'_, '_>,
        rows: Range<usize>,
        recon: Option<ReconBand<'_>>,
    ) -> Vec<u8> {
        // SAFETY: `self` exists only when AVX2 was detected.
        unsafe { code_rows(coder, rows, recon) }
    }
}

/// # Safety
/// The CPU must support AVX2.
#[target_feature(enable = "avx2")]
unsafe fn code_rows(
    coder: &RowCoder<'_, '_>,
    rows: Range<usize>,
    recon: Option<ReconBand<'_>>,
) -> Vec<u8> {
    coder.code_rows_portable(rows, recon)
}
