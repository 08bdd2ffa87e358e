//! Baseline JPEG (ITU-T T.81) encoder for NV12 frames: 4:2:0 YCbCr read straight
//! from the planes, the Annex K tables scaled by quality as libjpeg does, a
//! restart marker after every MCU row, rows coded in parallel.

mod dct;
mod encoder;
mod headers;
mod huffman;
mod samples;
mod tables;
#[cfg(target_arch = "x86_64")]
mod x86;

pub use encoder::{JpegImage, MjpegEncoder, SizeMismatch};
pub use tables::quality_scale;
