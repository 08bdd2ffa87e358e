//! Python bindings for softvpu. [`pipeline`] runs one encoder channel on a worker
//! thread (plain Rust, tested without Python); [`settings`] turns Python's arguments
//! into a [`softvpu::Config`]; `bindings` (feature `python`) is the extension module
//! that the `softvpu` Python package wraps.

pub mod pipeline;
pub mod settings;

#[cfg(feature = "python")]
mod bindings;
