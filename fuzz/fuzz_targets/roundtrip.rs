#![no_main]
//! The `roundtrip` harness of softvpu-fuzzing under libFuzzer.

libfuzzer_sys::fuzz_target!(|data: &[u8]| softvpu_fuzzing::roundtrip(data));
