//! Whether the codecs may use their SIMD kernels: yes, unless `SOFTVPU_SIMD` is `scalar`,
//! `off` or `0` (read once per process), which forces the portable code everywhere;
//! `SOFTVPU_SIMD=sse` keeps to the SSE kernels (no AVX), as on a CPU without AVX2.

use std::sync::OnceLock;

/// `SOFTVPU_SIMD`, lower case (empty when unset), read once.
fn setting() -> &'static str {
    static SETTING: OnceLock<String> = OnceLock::new();
    SETTING.get_or_init(|| {
        std::env::var("SOFTVPU_SIMD")
            .unwrap_or_default()
            .to_ascii_lowercase()
    })
}

/// Whether SIMD kernels may run (each codec still checks the CPU for what it needs).
pub fn simd_allowed() -> bool {
    !matches!(setting(), "scalar" | "off" | "0")
}

/// Whether AVX2 kernels may run (where the CPU has them): not when `SOFTVPU_SIMD` is
/// `sse`, so that the SSE kernels can be measured on such a CPU.
pub fn avx2_allowed() -> bool {
    simd_allowed() && setting() != "sse"
}
