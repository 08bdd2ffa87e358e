//! Whether the codecs may use their SIMD kernels: yes, unless `SOFTVPU_SIMD` is `scalar`,
//! `off` or `0` (read once per process), which forces the portable code everywhere.

use std::sync::OnceLock;

/// Whether SIMD kernels may run (each codec still checks the CPU for what it needs).
pub fn simd_allowed() -> bool {
    static ALLOWED: OnceLock<bool> = OnceLock::new();
    *ALLOWED.get_or_init(|| {
        !std::env::var("SOFTVPU_SIMD")
            .is_ok_and(|v| matches!(v.to_ascii_lowercase().as_str(), "scalar" | "off" | "0"))
    })
}
