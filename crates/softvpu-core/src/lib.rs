//! Types shared by every softvpu codec: the validated NV12 input [`Frame`],
//! the planar [`Picture`] a codec reconstructs, quality metrics and
//! deterministic synthetic test content.

mod frame;
pub mod metrics;
mod picture;
pub mod simd;
pub mod synth;

pub use frame::{validate_dimensions, Frame, FrameError, MAX_DIMENSION, MIN_DIMENSION};
pub use picture::Picture;
