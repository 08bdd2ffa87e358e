//! The one error type of the public API. Flow control ("no packet yet") is not an error.

use std::fmt;

use softvpu_core::FrameError;

/// Why a call failed; every message says what to change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Error {
    /// The frame's buffer or size is invalid.
    Frame(FrameError),
    /// A configuration value is out of range.
    InvalidConfig { field: &'static str, reason: String },
    /// The codec is not built into this version.
    UnsupportedCodec {
        codec: &'static str,
        reason: &'static str,
    },
    /// The frame's size differs from the size the encoder was configured with.
    FrameSizeMismatch {
        expected: (u32, u32),
        actual: (u32, u32),
    },
    /// A frame was sent after `flush`.
    Flushed,
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Frame(e) => e.fmt(f),
            Self::InvalidConfig { field, reason } => write!(f, "invalid {field}: {reason}"),
            Self::UnsupportedCodec { codec, reason } => {
                write!(f, "{codec} is not supported: {reason}")
            }
            Self::FrameSizeMismatch { expected, actual } => write!(
                f,
                "frame is {}x{} but the encoder was configured for {}x{}; send frames of the \
                 configured size or open a new encoder",
                actual.0, actual.1, expected.0, expected.1
            ),
            Self::Flushed => {
                write!(
                    f,
                    "the encoder was flushed; open a new encoder to encode more frames"
                )
            }
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Self::Frame(e) => Some(e),
            _ => None,
        }
    }
}

impl From<FrameError> for Error {
    fn from(e: FrameError) -> Self {
        Self::Frame(e)
    }
}
