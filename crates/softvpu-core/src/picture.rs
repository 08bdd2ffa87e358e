//! An owned planar 4:2:0 picture: what a decoder would output, and what the
//! encoders hand back as their reconstruction.

use crate::Frame;

/// Planar 4:2:0 samples (I420 layout), cropped to the display size.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Picture {
    pub width: u32,
    pub height: u32,
    pub y: Vec<u8>,
    pub u: Vec<u8>,
    pub v: Vec<u8>,
}

impl Picture {
    /// A picture of the given (even) size with every sample zero.
    pub fn new(width: u32, height: u32) -> Self {
        let luma = width as usize * height as usize;
        Self {
            width,
            height,
            y: vec![0; luma],
            u: vec![0; luma / 4],
            v: vec![0; luma / 4],
        }
    }

    /// Deinterleaves an NV12 frame into planar form.
    pub fn from_frame(frame: &Frame<'_>) -> Self {
        let (w, h) = (frame.width() as usize, frame.height() as usize);
        let mut pic = Self::new(frame.width(), frame.height());
        for r in 0..h {
            pic.y[r * w..(r + 1) * w].copy_from_slice(frame.y_row(r));
        }
        for r in 0..h / 2 {
            let row = frame.uv_row(r);
            for (c, pair) in row.chunks_exact(2).enumerate() {
                pic.u[r * w / 2 + c] = pair[0];
                pic.v[r * w / 2 + c] = pair[1];
            }
        }
        pic
    }

    /// Copies the top-left `width` x `height` of three planar 4:2:0 planes given as
    /// (samples, row stride); the planes must be at least that large.
    pub fn from_planes_cropped(planes: [(&[u8], usize); 3], width: u32, height: u32) -> Self {
        let (w, h) = (width as usize, height as usize);
        // Each plane is gathered into fresh memory, never zeroed first: for a camera
        // picture the zeroing cost as much as the copy.
        let crop = |c: usize| {
            let (data, stride) = planes[c];
            let (pw, ph) = if c == 0 { (w, h) } else { (w / 2, h / 2) };
            let mut plane = Vec::with_capacity(pw * ph);
            for r in 0..ph {
                plane.extend_from_slice(&data[r * stride..r * stride + pw]);
            }
            plane
        };
        Self {
            width,
            height,
            y: crop(0),
            u: crop(1),
            v: crop(2),
        }
    }

    /// Parses I420 bytes (Y, then U, then V planes).
    pub fn from_i420(data: &[u8], width: u32, height: u32) -> Option<Self> {
        let luma = width as usize * height as usize;
        if data.len() != luma * 3 / 2 {
            return None;
        }
        let (y, rest) = data.split_at(luma);
        let (u, v) = rest.split_at(luma / 4);
        Some(Self {
            width,
            height,
            y: y.to_vec(),
            u: u.to_vec(),
            v: v.to_vec(),
        })
    }

    /// The picture as I420 bytes (Y, then U, then V planes).
    pub fn to_i420(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(self.y.len() * 3 / 2);
        out.extend_from_slice(&self.y);
        out.extend_from_slice(&self.u);
        out.extend_from_slice(&self.v);
        out
    }

    /// The picture as packed NV12 bytes.
    pub fn to_nv12(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(self.y.len() * 3 / 2);
        out.extend_from_slice(&self.y);
        for (u, v) in self.u.iter().zip(&self.v) {
            out.push(*u);
            out.push(*v);
        }
        out
    }
}
