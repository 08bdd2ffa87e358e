//! Reliability tools for softvpu: the fuzz harnesses (`fuzz`, run by `fuzz/` under
//! libFuzzer and replayed by the tests), resident-memory readings for the soak run, and
//! the many-channel run shared by the `channels` binary and its test.

pub mod channels;
pub mod decode;
pub mod fuzz;
pub mod memory;
