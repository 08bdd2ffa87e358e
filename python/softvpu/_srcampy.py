"""The boards' ``libsrcampy`` Encoder, on softvpu.

Behaves as the RDK boards document it: methods return 0 / -1 (or ``bytes`` / ``None``)
and print one line on stderr when they fail; only arguments of the wrong type raise
(``TypeError``). Both signatures of ``encode`` work:

* ``encode(encode_type, [width, height], bits=8000)``
* ``encode(video_chn, type, width, height, bits=8000)`` (``encode_type=`` also accepted)

``get_frame`` waits up to 2 seconds for a frame still being encoded; set
``SOFTVPU_GET_FRAME_TIMEOUT`` (seconds) to wait longer where a frame takes more than
that to encode (large H.265 frames on small machines).
"""

from __future__ import annotations

import operator
import os
import sys
from typing import Any, Dict, NoReturn, Optional, Sequence, Tuple

from softvpu._frames import nv12_bytes
from softvpu._native import Channel
from softvpu.errors import EncoderTimeoutError, SoftvpuError

#: encode types as the boards number them
H264, H265, MJPEG = 1, 2, 3
_CODECS = {H265: "h265", MJPEG: "mjpeg"}
_CHANNELS = range(32)
_DEFAULT_BITS = 8000
_GET_FRAME_TIMEOUT = 2.0
#: Beyond any valid size or bitrate, and safely inside the extension's 64-bit integers.
_HUGE = 2**31

_PROVIDES = (
    "softvpu provides only libsrcampy.Encoder (H.265 and MJPEG from NV12 frames); "
    "read frames with OpenCV, V4L2 or from files and pass NV12 bytes to Encoder.send_frame"
)


class Encoder:
    """A video encoder channel, as ``hobot_vio.libsrcampy.Encoder`` on the boards."""

    def __init__(self) -> None:
        self._channel: Optional[Channel] = None

    def encode(self, *args: Any, **kwargs: Any) -> int:
        """Opens the channel: H.265 (type 2) or MJPEG (3) at 30 fps. Returns 0 or -1."""
        encode_type, width, height, bits, chn = _parse_encode(args, kwargs)
        if self._channel is not None:
            return _fail("encode", "the encoder is already open; call close() first")
        problem = _check_values(encode_type, chn, width, height, bits)
        if problem:
            return _fail("encode", problem)
        try:
            self._channel = Channel(
                _CODECS[encode_type], width, height, bitrate_kbps=bits, gop=30, fps_num=30
            )
        except SoftvpuError as e:
            return _fail("encode", str(e))
        return 0

    def send_frame(self, img: Any) -> int:
        """Queues one NV12 frame of exactly width*height*3/2 bytes. Returns 0 or -1."""
        return self._send("send_frame", img)

    def encode_file(self, img: Any) -> int:
        """The first boards' name for :meth:`send_frame`."""
        return self._send("encode_file", img)

    def get_frame(self) -> Optional[bytes]:
        """The next encoded frame (an H.265 access unit or a JPEG), or ``None``."""
        return self._receive("get_frame")

    def get_img(self) -> Optional[bytes]:
        """The first boards' name for :meth:`get_frame`."""
        return self._receive("get_img")

    def close(self) -> int:
        """Closes the channel; packets not fetched are dropped. Returns 0 or -1."""
        if self._channel is None:
            return _fail("close", "the encoder is not open")
        channel, self._channel = self._channel, None
        channel.close()
        return 0

    def _send(self, method: str, img: Any) -> int:
        channel = self._channel
        if channel is None:
            return _fail(method, "the encoder is not open; call encode() first")
        try:
            channel.send(nv12_bytes(img, channel.width, channel.height))
        except SoftvpuError as e:
            return _fail(method, str(e))
        return 0

    def _receive(self, method: str) -> Optional[bytes]:
        channel = self._channel
        if channel is None:
            _fail(method, "the encoder is not open; call encode() first")
            return None
        try:
            packet = channel.receive(_get_frame_timeout())
        except EncoderTimeoutError as e:
            _fail(method, f"{e}; set SOFTVPU_GET_FRAME_TIMEOUT (seconds) to wait longer")
            return None
        except SoftvpuError as e:
            _fail(method, str(e))
            return None
        if packet is None:
            _fail(method, "no frame pending; call send_frame() first")
        return packet


def _parse_encode(args: Sequence[Any], kwargs: Dict[str, Any]) -> Tuple[int, int, int, int, int]:
    """``(encode_type, width, height, bits, video_chn)`` from either signature."""
    if "encode_type" in kwargs:
        if "type" in kwargs:
            raise TypeError("encode() got both 'type' and 'encode_type'")
        kwargs["type"] = kwargs.pop("encode_type")
    # The seed's form passes the size as one list: [width, height].
    if len(args) >= 2:
        seed_form = isinstance(args[1], (list, tuple))
    else:
        seed_form = "size" in kwargs
    if seed_form:
        encode_type, size, bits = _bind(args, kwargs, ("type", "size", "bits"))
        width, height = _size(size)
        chn = 0
    else:
        chn, encode_type, width, height, bits = _bind(
            args, kwargs, ("video_chn", "type", "width", "height", "bits")
        )
    return (
        _int("type", encode_type),
        _int("width", width),
        _int("height", height),
        _int("bits", bits),
        _int("video_chn", chn),
    )


def _bind(args: Sequence[Any], kwargs: Dict[str, Any], names: Tuple[str, ...]) -> Tuple[Any, ...]:
    """Binds positional and keyword arguments to ``names``; only ``bits`` is optional."""
    if len(args) > len(names):
        _type_error(f"encode() takes at most {len(names)} arguments ({len(args)} given)")
    values: Dict[str, Any] = dict(zip(names, args))
    for key, value in kwargs.items():
        if key not in names:
            _type_error(f"encode() got an unexpected keyword argument '{key}'")
        if key in values:
            _type_error(f"encode() got multiple values for argument '{key}'")
        values[key] = value
    values.setdefault("bits", _DEFAULT_BITS)
    missing = [n for n in names if n not in values]
    if missing:
        _type_error(f"encode() missing argument(s): {', '.join(missing)}")
    return tuple(values[n] for n in names)


def _size(size: Any) -> Tuple[Any, Any]:
    if not isinstance(size, (list, tuple)) or len(size) != 2:
        _type_error(f"encode() size must be [width, height], not {size!r}")
    return size[0], size[1]


def _int(name: str, value: Any) -> int:
    try:
        return operator.index(value)
    except TypeError:
        _type_error(f"encode() {name} must be an int, not {type(value).__name__}")


def _type_error(message: str) -> NoReturn:
    raise TypeError(message)


def _check_values(encode_type: int, chn: int, width: int, height: int, bits: int) -> str:
    """What is wrong with the values ("" when nothing is); the encoder checks the rest."""
    if encode_type == H264:
        return "H.264 (type 1) is not supported by softvpu yet; use 2 (H.265) or 3 (MJPEG)"
    if encode_type not in _CODECS:
        return f"encode type {encode_type} is not 1 (H.264), 2 (H.265) or 3 (MJPEG)"
    if chn not in _CHANNELS:
        return f"video_chn {chn} is out of range; use 0..31"
    for name, value in (("width", width), ("height", height), ("bits", bits)):
        if abs(value) >= _HUGE:
            return f"{name} {value} is out of range"
    return ""


def _get_frame_timeout() -> float:
    value = os.environ.get("SOFTVPU_GET_FRAME_TIMEOUT")
    try:
        return max(0.0, float(value)) if value else _GET_FRAME_TIMEOUT
    except ValueError:
        return _GET_FRAME_TIMEOUT


def _fail(method: str, reason: str) -> int:
    print(f"libsrcampy Encoder.{method} failed: {reason}", file=sys.stderr, flush=True)
    return -1


class _Unavailable:
    """Board objects softvpu does not implement; constructing one says so."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        raise NotImplementedError(f"libsrcampy.{type(self).__name__} is not available: {_PROVIDES}")


class Camera(_Unavailable):
    """Not available: softvpu has no camera input."""


class Decoder(_Unavailable):
    """Not available: softvpu only encodes."""


class Display(_Unavailable):
    """Not available: softvpu has no display output."""


def bind(*args: Any, **kwargs: Any) -> NoReturn:
    """Not available: there are no board modules to bind."""
    raise NotImplementedError(f"libsrcampy.bind is not available: {_PROVIDES}")


__all__ = ["Encoder", "Camera", "Decoder", "Display", "bind"]
