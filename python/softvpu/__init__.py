"""softvpu: a software H.265 and MJPEG encoder for NV12 camera frames.

>>> import softvpu                                          # doctest: +SKIP
>>> with softvpu.Encoder("h265", width=1920, height=1080) as enc:
...     packet = enc.encode(nv12_bytes)

See :class:`Encoder` for the pipelined ``send`` / ``receive`` calls and
:func:`encode_frames` for encoding an iterable. ``hobot_vio.libsrcampy`` (also
importable as ``libsrcampy``) is the RDK boards' API on the same encoder.
"""

from softvpu._native import __version__
from softvpu.encoder import CODECS, Encoder, encode_frames
from softvpu.errors import (
    ConfigError,
    EncoderClosedError,
    EncoderStateError,
    EncoderTimeoutError,
    FrameError,
    InternalError,
    SoftvpuError,
    UnsupportedCodecError,
)

__all__ = [
    "__version__",
    "CODECS",
    "Encoder",
    "encode_frames",
    "SoftvpuError",
    "ConfigError",
    "UnsupportedCodecError",
    "FrameError",
    "EncoderStateError",
    "EncoderClosedError",
    "EncoderTimeoutError",
    "InternalError",
]
