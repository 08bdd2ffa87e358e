//! Which SIMD kernels run: chosen once per process from what the CPU offers;
//! `SOFTVPU_SIMD=scalar` (or `off`) forces the portable code. Targets without kernels of
//! their own (aarch64 among them) use the portable code, which the compiler vectorises.

use std::sync::OnceLock;

/// The instruction set the SIMD kernels run on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Isa {
    Scalar,
    /// SSE2 SAD; SSE4.1 Hadamard and luma interpolation.
    X86Sse41,
    /// The SSE4.1 kernels; AVX2 Hadamard (two 8x8 tiles at once), luma interpolation
    /// (16 samples at once) and luma deblocking (16 lines at once); the transforms and
    /// quantiser compiled for AVX2.
    X86Avx2,
}

/// The kernels in use: the best this CPU supports unless `SOFTVPU_SIMD=scalar` (or `off`;
/// `sse` keeps to the SSE4.1 ones).
pub fn isa() -> Isa {
    static ISA: OnceLock<Isa> = OnceLock::new();
    *ISA.get_or_init(|| {
        if !softvpu_core::simd::simd_allowed() {
            return Isa::Scalar;
        }
        #[cfg(target_arch = "x86_64")]
        if softvpu_core::simd::avx2_allowed() && crate::x86::Avx2::detect().is_some() {
            return Isa::X86Avx2;
        }
        #[cfg(target_arch = "x86_64")]
        if crate::x86::Sse41::detect().is_some() {
            return Isa::X86Sse41;
        }
        Isa::Scalar
    })
}

/// The SSE4.1 kernels, when [`isa`] chose them.
#[cfg(target_arch = "x86_64")]
#[inline]
pub(crate) fn sse41() -> Option<crate::x86::Sse41> {
    x86_kernels().0
}

/// The AVX2 builds of portable code, when [`isa`] chose them.
#[cfg(target_arch = "x86_64")]
#[inline]
pub(crate) fn avx2() -> Option<crate::x86::Avx2> {
    x86_kernels().1
}

/// The proofs [`isa`] allows, detected once: the kernels ask for them at every block.
#[cfg(target_arch = "x86_64")]
fn x86_kernels() -> (Option<crate::x86::Sse41>, Option<crate::x86::Avx2>) {
    static KERNELS: OnceLock<(Option<crate::x86::Sse41>, Option<crate::x86::Avx2>)> =
        OnceLock::new();
    *KERNELS.get_or_init(|| {
        let isa = isa();
        (
            (isa != Isa::Scalar)
                .then(crate::x86::Sse41::detect)
                .flatten(),
            (isa == Isa::X86Avx2)
                .then(crate::x86::Avx2::detect)
                .flatten(),
        )
    })
}
