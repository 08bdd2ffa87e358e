//! One coded frame as it leaves the encoder.

use std::sync::{Arc, OnceLock};

use softvpu_core::metrics::Psnr;
use softvpu_core::Picture;
use softvpu_hevc::Yuv;

use crate::RateReport;
pub use softvpu_hevc::PictureStats as HevcStats;

/// The quantiser a frame was coded with.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Quantizer {
    /// JPEG quality, 1..=100.
    JpegQuality(u8),
    /// H.265 QP, 0..=51.
    Qp(u8),
}

/// A packet's reconstruction: a picture (MJPEG), or the H.265 picture at its coded size,
/// which the encoder also predicts from, cropped to the display size when first asked for:
/// on the thread that wants it, not the encoder's.
#[derive(Clone, Debug)]
pub(crate) enum Recon {
    Ready(Picture),
    Coded {
        pic: Arc<Yuv>,
        width: u32,
        height: u32,
        cropped: OnceLock<Picture>,
    },
}

impl Recon {
    pub(crate) fn coded(pic: Arc<Yuv>, width: u32, height: u32) -> Self {
        Self::Coded {
            pic,
            width,
            height,
            cropped: OnceLock::new(),
        }
    }

    fn picture(&self) -> &Picture {
        match self {
            Self::Ready(p) => p,
            Self::Coded {
                pic,
                width,
                height,
                cropped,
            } => cropped.get_or_init(|| {
                let planes = pic.planes.each_ref().map(|p| (p.data.as_slice(), p.stride));
                Picture::from_planes_cropped(planes, *width, *height)
            }),
        }
    }
}

/// A coded frame: an Annex-B access unit (H.265) or a complete JPEG image (MJPEG).
#[derive(Clone, Debug)]
pub struct Packet {
    pub(crate) data: Vec<u8>,
    pub(crate) frame_number: u64,
    pub(crate) keyframe: bool,
    pub(crate) quantizer: Quantizer,
    pub(crate) recon: Option<Recon>,
    pub(crate) psnr: Option<Psnr>,
    pub(crate) hevc_stats: Option<Box<HevcStats>>,
    /// H.265: lowest, mean and highest CTU QP.
    pub(crate) qp_spread: Option<(u8, f64, u8)>,
    pub(crate) rate: Option<RateReport>,
}

impl Packet {
    /// The coded bytes, ready to write to a file or a socket.
    pub fn data(&self) -> &[u8] {
        &self.data
    }

    /// Takes the coded bytes without copying them.
    pub fn into_data(self) -> Vec<u8> {
        self.data
    }

    /// Index of the frame, counting from 0 in the order frames were sent.
    pub fn frame_number(&self) -> u64 {
        self.frame_number
    }

    /// Whether a decoder can start here (every JPEG; H.265 IDR pictures).
    pub fn is_keyframe(&self) -> bool {
        self.keyframe
    }

    pub fn quantizer(&self) -> Quantizer {
        self.quantizer
    }

    /// H.265: the lowest, mean (by area) and highest QP of the picture's CTUs.
    pub fn qp_spread(&self) -> Option<(u8, f64, u8)> {
        self.qp_spread
    }

    /// In bitrate modes: the frame's planned size and the rate buffer after it.
    pub fn rate_report(&self) -> Option<RateReport> {
        self.rate
    }

    /// The decoded picture the encoder expects a decoder to produce, when
    /// [`Config::reconstruction`](crate::Config::reconstruction) was set.
    pub fn reconstruction(&self) -> Option<&Picture> {
        self.recon.as_ref().map(Recon::picture)
    }

    /// The frame's PSNR against its input, when [`Config::psnr`](crate::Config::psnr) was
    /// set.
    pub fn psnr(&self) -> Option<Psnr> {
        self.psnr
    }

    /// H.265 only: how the picture was coded (modes, CU sizes).
    pub fn hevc_stats(&self) -> Option<&HevcStats> {
        self.hevc_stats.as_deref()
    }
}
