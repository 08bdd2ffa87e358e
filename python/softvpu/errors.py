"""The exceptions of the Pythonic API. Each message says what to change.

Value problems are also ``ValueError``, state problems ``RuntimeError`` and timeouts
``TimeoutError``, so generic handlers keep working.
"""


class SoftvpuError(Exception):
    """Base class of every softvpu error."""


class ConfigError(SoftvpuError, ValueError):
    """An encoder setting is out of range (size, bitrate, frame rate, ...)."""


class UnsupportedCodecError(ConfigError):
    """The codec is not built into this version (H.264, for now)."""


class FrameError(SoftvpuError, ValueError):
    """A frame has the wrong length, shape or size for the encoder."""


class EncoderStateError(SoftvpuError, RuntimeError):
    """A call came in the wrong order."""


class EncoderClosedError(EncoderStateError):
    """The encoder was closed; open a new one to encode more."""


class EncoderTimeoutError(SoftvpuError, TimeoutError):
    """No packet arrived in time; the frame is still being encoded."""


class InternalError(SoftvpuError):
    """The encoder failed unexpectedly (a bug); the encoder is unusable."""


__all__ = [
    "SoftvpuError",
    "ConfigError",
    "UnsupportedCodecError",
    "FrameError",
    "EncoderStateError",
    "EncoderClosedError",
    "EncoderTimeoutError",
    "InternalError",
]
