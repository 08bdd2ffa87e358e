#![no_main]
//! The `calls` harness of softvpu-stress under libFuzzer.

libfuzzer_sys::fuzz_target!(|data: &[u8]| softvpu_stress::fuzz::calls(data));
