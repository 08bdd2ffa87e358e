//! Runs every fuzz target on the inputs kept in `fuzz/regressions/<target>/` (each one
//! once made a harness fail) and on a spread of seeded random inputs, so the harnesses
//! and their findings are part of the normal test suite.

use std::path::PathBuf;

use softvpu::synth::SplitMix64;
use softvpu_stress::fuzz::TARGETS;

fn regressions_dir(target: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../fuzz/regressions")
        .join(target)
}

#[test]
fn kept_inputs_still_pass() {
    let mut checked = 0;
    for (name, run) in TARGETS {
        let Ok(entries) = std::fs::read_dir(regressions_dir(name)) else {
            continue;
        };
        for entry in entries {
            let path = entry.expect("readable directory").path();
            let data = std::fs::read(&path).expect("readable regression input");
            eprintln!("{name}: {}", path.display());
            run(&data);
            checked += 1;
        }
    }
    eprintln!("{checked} kept inputs");
}

#[test]
fn seeded_random_inputs_pass() {
    for (name, run) in TARGETS {
        let mut rng = SplitMix64(name.len() as u64);
        for case in 0..40 {
            let len = rng.below(300) as usize;
            let data: Vec<u8> = (0..len).map(|_| rng.next() as u8).collect();
            eprintln!("{name} case {case}: {len} bytes");
            run(&data);
        }
        run(&[]);
    }
}
