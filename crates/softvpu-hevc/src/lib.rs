//! H.265 / HEVC Main profile encoder: 8-bit 4:2:0, CABAC, intra and low-delay P.

pub mod analysis;
pub mod bitstream;
pub mod cabac;
pub mod cpu;
mod ctu_slots;
pub mod cu;
pub mod deblock;
pub mod dist;
mod edges;
pub mod encoder;
mod inter_plan;
pub mod inter_search;
pub mod intra;
pub mod mc;
pub mod md5;
pub mod mv;
pub mod padded;
pub mod params;
pub mod plane;
pub mod quant;
mod recon_sse;
pub mod residual;
pub mod rows;
pub mod scan;
mod source_intra;
pub mod syntax;
mod tile_cache;
pub mod transform;
mod wavefront;
#[cfg(target_arch = "x86_64")]
mod x86;
pub mod zscan;

pub use analysis::Preset;
pub use encoder::{CodedPicture, ConstantQp, HevcEncoder, HevcSettings, PictureStats, QpPlan};
pub use plane::{Plane, Yuv};
pub use wavefront::{CtuRecord, Progress};
