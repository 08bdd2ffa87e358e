//! A borrowed, validated NV12 frame: a luma plane and an interleaved Cb/Cr plane.

use std::fmt;

/// Smallest width or height an encoder accepts.
pub const MIN_DIMENSION: u32 = 2;
/// Largest width or height an encoder accepts (the boards' limit).
pub const MAX_DIMENSION: u32 = 4096;

/// Why a frame (or a frame size) was refused. Each message says what to change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FrameError {
    /// Width or height is odd; NV12 subsamples chroma by two in both directions.
    OddDimension { width: u32, height: u32 },
    /// Width or height is outside `MIN_DIMENSION..=MAX_DIMENSION`.
    DimensionOutOfRange { width: u32, height: u32 },
    /// A packed NV12 buffer does not hold exactly `width * height * 3 / 2` bytes.
    BufferLength {
        width: u32,
        height: u32,
        expected: usize,
        actual: usize,
    },
    /// A plane's stride is smaller than its row length.
    StrideTooSmall {
        plane: &'static str,
        stride: usize,
        min: usize,
    },
    /// A plane's buffer ends before its last row does.
    PlaneTooShort {
        plane: &'static str,
        expected: usize,
        actual: usize,
    },
}

impl fmt::Display for FrameError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::OddDimension { width, height } => write!(
                f,
                "frame size {width}x{height} has an odd dimension; NV12 needs an even width and height"
            ),
            Self::DimensionOutOfRange { width, height } => write!(
                f,
                "frame size {width}x{height} is out of range; width and height must be \
                 {MIN_DIMENSION}..={MAX_DIMENSION}"
            ),
            Self::BufferLength { width, height, expected, actual } => write!(
                f,
                "NV12 buffer holds {actual} bytes but a {width}x{height} frame needs exactly \
                 {expected} (width * height * 3 / 2)"
            ),
            Self::StrideTooSmall { plane, stride, min } => {
                write!(f, "{plane} plane stride {stride} is below the row length {min}")
            }
            Self::PlaneTooShort { plane, expected, actual } => write!(
                f,
                "{plane} plane holds {actual} bytes but its rows need at least {expected}"
            ),
        }
    }
}

impl std::error::Error for FrameError {}

/// Checks that `width`x`height` is a size every softvpu codec accepts.
pub fn validate_dimensions(width: u32, height: u32) -> Result<(), FrameError> {
    let range = MIN_DIMENSION..=MAX_DIMENSION;
    if !range.contains(&width) || !range.contains(&height) {
        return Err(FrameError::DimensionOutOfRange { width, height });
    }
    if !width.is_multiple_of(2) || !height.is_multiple_of(2) {
        return Err(FrameError::OddDimension { width, height });
    }
    Ok(())
}

/// A borrowed NV12 picture. Construction validates every size and length, so
/// codecs may index rows without further checks.
#[derive(Clone, Copy, Debug)]
pub struct Frame<'a> {
    width: u32,
    height: u32,
    y: &'a [u8],
    y_stride: usize,
    uv: &'a [u8],
    uv_stride: usize,
}

impl<'a> Frame<'a> {
    /// Number of bytes of a packed NV12 frame of this size.
    pub fn nv12_len(width: u32, height: u32) -> usize {
        width as usize * height as usize * 3 / 2
    }

    /// Views a packed NV12 buffer (luma rows, then interleaved Cb/Cr rows, no padding).
    pub fn from_nv12(data: &'a [u8], width: u32, height: u32) -> Result<Self, FrameError> {
        validate_dimensions(width, height)?;
        let expected = Self::nv12_len(width, height);
        if data.len() != expected {
            return Err(FrameError::BufferLength {
                width,
                height,
                expected,
                actual: data.len(),
            });
        }
        let (y, uv) = data.split_at(width as usize * height as usize);
        Self::from_planes(y, width as usize, uv, width as usize, width, height)
    }

    /// Views separate luma and interleaved chroma planes with their strides in bytes.
    pub fn from_planes(
        y: &'a [u8],
        y_stride: usize,
        uv: &'a [u8],
        uv_stride: usize,
        width: u32,
        height: u32,
    ) -> Result<Self, FrameError> {
        validate_dimensions(width, height)?;
        let (w, h) = (width as usize, height as usize);
        check_plane("luma", y, y_stride, w, h)?;
        check_plane("chroma", uv, uv_stride, w, h / 2)?;
        Ok(Self {
            width,
            height,
            y,
            y_stride,
            uv,
            uv_stride,
        })
    }

    pub fn width(&self) -> u32 {
        self.width
    }

    pub fn height(&self) -> u32 {
        self.height
    }

    /// Luma row `row` (`width` samples).
    #[inline]
    pub fn y_row(&self, row: usize) -> &'a [u8] {
        let start = row * self.y_stride;
        &self.y[start..start + self.width as usize]
    }

    /// Interleaved chroma row `row` (`width` bytes: Cb, Cr, Cb, Cr, ...), `row < height / 2`.
    #[inline]
    pub fn uv_row(&self, row: usize) -> &'a [u8] {
        let start = row * self.uv_stride;
        &self.uv[start..start + self.width as usize]
    }

    /// The luma plane and its stride.
    pub fn y_plane(&self) -> (&'a [u8], usize) {
        (self.y, self.y_stride)
    }

    /// The interleaved chroma plane and its stride.
    pub fn uv_plane(&self) -> (&'a [u8], usize) {
        (self.uv, self.uv_stride)
    }
}

fn check_plane(
    plane: &'static str,
    data: &[u8],
    stride: usize,
    row_len: usize,
    rows: usize,
) -> Result<(), FrameError> {
    if stride < row_len {
        return Err(FrameError::StrideTooSmall {
            plane,
            stride,
            min: row_len,
        });
    }
    let expected = stride * (rows - 1) + row_len;
    if data.len() < expected {
        return Err(FrameError::PlaneTooShort {
            plane,
            expected,
            actual: data.len(),
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn packed_nv12_exact_length_only() {
        let buf = vec![0u8; 6];
        assert!(Frame::from_nv12(&buf, 2, 2).is_ok());
        let err = Frame::from_nv12(&buf[..5], 2, 2).unwrap_err();
        assert_eq!(
            err,
            FrameError::BufferLength {
                width: 2,
                height: 2,
                expected: 6,
                actual: 5
            }
        );
        assert!(err.to_string().contains("needs exactly 6"));
        assert!(Frame::from_nv12(&[0u8; 7], 2, 2).is_err());
    }

    #[test]
    fn dimensions_checked() {
        for (w, h) in [(0, 2), (2, 0), (4098, 2), (2, 4098), (1, 1)] {
            assert!(matches!(
                validate_dimensions(w, h),
                Err(FrameError::DimensionOutOfRange { .. })
            ));
        }
        for (w, h) in [(3, 2), (2, 5), (4095, 4096)] {
            assert!(matches!(
                validate_dimensions(w, h),
                Err(FrameError::OddDimension { .. })
            ));
        }
        assert!(validate_dimensions(4096, 4096).is_ok());
        assert!(validate_dimensions(2, 2).is_ok());
    }

    #[test]
    fn strided_planes() {
        let y = vec![1u8; 8 * 3 + 6];
        let uv = vec![2u8; 8 + 6];
        let f = Frame::from_planes(&y, 8, &uv, 8, 6, 4).unwrap();
        assert_eq!(f.y_row(3).len(), 6);
        assert_eq!(f.uv_row(1).len(), 6);
        assert!(matches!(
            Frame::from_planes(&y, 4, &uv, 8, 6, 4),
            Err(FrameError::StrideTooSmall { plane: "luma", .. })
        ));
        assert!(matches!(
            Frame::from_planes(&y[..20], 8, &uv, 8, 6, 4),
            Err(FrameError::PlaneTooShort { plane: "luma", .. })
        ));
        assert!(matches!(
            Frame::from_planes(&y, 8, &uv[..10], 8, 6, 4),
            Err(FrameError::PlaneTooShort {
                plane: "chroma",
                ..
            })
        ));
    }
}
