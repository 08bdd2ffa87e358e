//! softvpu: a software video encoder for camera pipelines.
//!
//! ```no_run
//! use softvpu::{Config, Encoder, Frame};
//! # fn main() -> Result<(), softvpu::Error> {
//! let nv12 = vec![128u8; 640 * 480 * 3 / 2];
//! let mut enc = Encoder::new(Config::mjpeg(640, 480).bitrate_kbps(8000).fps(30))?;
//! enc.send_frame(&Frame::from_nv12(&nv12, 640, 480)?)?;
//! while let Some(packet) = enc.receive_packet()? {
//!     println!("frame {} -> {} bytes", packet.frame_number(), packet.data().len());
//! }
//! # Ok(()) }
//! ```

mod config;
mod encoder;
mod error;
mod packet;
mod rate;

pub use config::{Codec, Config, RateMode, Rational};
pub use encoder::Encoder;
pub use error::Error;
pub use packet::{HevcStats, Packet, Quantizer};
pub use rate::RateReport;
pub use softvpu_core::{metrics, synth, validate_dimensions, Frame, FrameError, Picture};
pub use softvpu_hevc::Preset;
