//! A short soak run under valgrind's leak checker: no allocation may be lost, whether
//! by the encoders, the wavefront threads or channels opened and dropped.

use std::process::Command;

#[test]
fn a_short_soak_leaks_nothing_under_valgrind() {
    let out = Command::new("valgrind")
        .args([
            "-q",
            "--leak-check=full",
            "--show-leak-kinds=definite,indirect",
        ])
        .args([
            "--errors-for-leak-kinds=definite,indirect",
            "--error-exitcode=99",
        ])
        .arg(env!("CARGO_BIN_EXE_soak"))
        .args(["40", "64x64"])
        .output()
        .expect("valgrind runs (scripts/test.sh installs it)");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "valgrind reported ({:?}):\n{stderr}",
        out.status
    );
    assert!(!stderr.contains("definitely lost"), "{stderr}");
}
