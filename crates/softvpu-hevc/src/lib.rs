//! H.265 / HEVC Main profile encoder: 8-bit 4:2:0, CABAC, intra and low-delay P.

pub mod cabac;
pub mod deblock;
pub mod intra;
pub mod plane;
pub mod quant;
pub mod scan;
pub mod transform;
pub mod zscan;

pub use plane::{Plane, Yuv};
