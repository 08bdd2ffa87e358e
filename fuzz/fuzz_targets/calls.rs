#![no_main]
//! The `calls` harness of softvpu-fuzzing under libFuzzer.

libfuzzer_sys::fuzz_target!(|data: &[u8]| softvpu_fuzzing::calls(data));
