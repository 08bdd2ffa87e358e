"""The Pythonic encoder: exceptions, a context manager, one call per frame or a pipeline.

Frames are encoded on a worker thread, outside the interpreter lock: ``send`` queues a
frame and returns, ``receive`` waits for the next packet, and encoders in several
Python threads run in parallel.
"""

from __future__ import annotations

import math
import numbers
import operator
from fractions import Fraction
from types import TracebackType
from typing import Any, Iterable, Iterator, List, Optional, Tuple, Type, Union

from softvpu._frames import nv12_bytes
from softvpu._native import Channel
from softvpu.errors import ConfigError, EncoderClosedError, EncoderStateError

#: A frame rate: an int, a float or an exact fraction such as ``Fraction(30000, 1001)``.
FrameRate = Union[int, float, Fraction]

#: Codec names accepted by :class:`Encoder` (case does not matter).
CODECS = ("h265", "mjpeg")


class Encoder:
    """One encoder channel: NV12 frames of one size in, H.265 or MJPEG packets out.

    >>> with Encoder("mjpeg", width=640, height=480) as enc:   # doctest: +SKIP
    ...     jpeg = enc.encode(nv12_frame)

    Args:
        codec: ``"h265"`` (Annex-B access units, parameter sets before every IDR) or
            ``"mjpeg"`` (one complete JPEG per frame).
        width, height: frame size; even, 2..4096.
        bitrate_kbps: target bitrate; ignored when ``quality`` or ``qp`` is set.
        fps: frame rate, an int or a fraction such as ``Fraction(30000, 1001)``.
        gop: frames from one intra picture to the next (H.265).
        quality: fixed MJPEG quality 1..100 instead of a bitrate.
        qp: fixed H.265 QP 0..51 instead of a bitrate.
        max_bitrate_kbps: with ``quality`` or ``qp``, a rate the stream never exceeds
            (the quantiser coarsens only where it must).
        threads: threads per frame; 0 uses every core.
        preset: H.265 speed, ``"fast"`` (real time, the default) or ``"thorough"``
            (alternatives coded and compared at every CU size: 1.5-23 % fewer bits at equal quality,
            1.1-3x the time).
        queue_size: frames that may wait for the worker before ``send`` blocks.

    Raises:
        ConfigError: a setting is out of range (``UnsupportedCodecError`` for H.264).
    """

    def __init__(
        self,
        codec: str = "h265",
        *,
        width: int,
        height: int,
        bitrate_kbps: int = 8000,
        fps: FrameRate = 30,
        gop: int = 30,
        quality: Optional[int] = None,
        qp: Optional[int] = None,
        max_bitrate_kbps: Optional[int] = None,
        threads: int = 0,
        queue_size: int = 4,
        preset: str = "fast",
    ) -> None:
        if not isinstance(codec, str):
            raise TypeError(f"codec must be a str such as 'h265', not {type(codec).__name__}")
        if not isinstance(preset, str):
            raise TypeError(f"preset must be 'fast' or 'thorough', not {type(preset).__name__}")
        fps_num, fps_den = _fps_ratio(fps)
        self._queue_size = _positive("queue_size", queue_size)
        self._codec = codec.lower()
        self._channel = Channel(
            codec,
            _setting("width", width),
            _setting("height", height),
            bitrate_kbps=_setting("bitrate_kbps", bitrate_kbps),
            fps_num=fps_num,
            fps_den=fps_den,
            gop=_setting("gop", gop),
            quality=None if quality is None else _setting("quality", quality),
            qp=None if qp is None else _setting("qp", qp),
            max_bitrate_kbps=None
            if max_bitrate_kbps is None
            else _setting("max_bitrate_kbps", max_bitrate_kbps),
            threads=_setting("threads", threads),
            queue=self._queue_size,
            preset=preset,
        )

    @property
    def codec(self) -> str:
        return self._codec

    @property
    def width(self) -> int:
        return int(self._channel.width)

    @property
    def height(self) -> int:
        return int(self._channel.height)

    @property
    def in_flight(self) -> int:
        """Frames sent whose packet has not been received yet."""
        return int(self._channel.in_flight)

    @property
    def closed(self) -> bool:
        return bool(self._channel.closed)

    def send(self, frame: Any) -> None:
        """Queues one NV12 frame and returns; blocks only while the queue is full.

        Raises:
            TypeError: the frame is not a buffer of bytes.
            FrameError: wrong length or shape.
            EncoderClosedError: the encoder was closed.
        """
        self._channel.send(nv12_bytes(frame, self.width, self.height))

    def receive(self, timeout: Optional[float] = None) -> Optional[bytes]:
        """The next packet in frame order, or ``None`` when no frame is in flight.

        Waits for a frame still being encoded, at most ``timeout`` seconds if given.

        Raises:
            EncoderTimeoutError: the timeout passed; the packet will still come.
            EncoderClosedError: the encoder was closed.
        """
        return self._channel.receive(timeout)

    def encode(self, frame: Any) -> bytes:
        """Encodes one frame and returns its packet.

        Raises:
            EncoderStateError: frames sent with :meth:`send` are still in flight
                (their packets would come first; :meth:`flush` them).
        """
        if self.in_flight:
            raise EncoderStateError(
                f"{self.in_flight} frame(s) sent with send() are still in flight; "
                "receive() or flush() them before encode()"
            )
        self.send(frame)
        return self._next_packet()

    def encode_all(self, frames: Iterable[Any]) -> Iterator[bytes]:
        """Encodes every frame of ``frames``, yielding packets in order.

        The queue is kept full, so the worker encodes while the caller produces the
        next frame or consumes the last packet.
        """
        for frame in frames:
            self.send(frame)
            while self.in_flight > self._queue_size:
                yield self._next_packet()
        while self.in_flight:
            yield self._next_packet()

    def flush(self) -> List[bytes]:
        """Waits for every frame in flight and returns their packets, in order."""
        return [self._next_packet() for _ in range(self.in_flight)]

    def close(self) -> None:
        """Stops the encoder; packets not received are dropped. Safe to call twice."""
        self._channel.close()

    def __enter__(self) -> Encoder:
        return self

    def __exit__(
        self,
        exc_type: Optional[Type[BaseException]],
        exc: Optional[BaseException],
        tb: Optional[TracebackType],
    ) -> None:
        self.close()

    def __repr__(self) -> str:
        state = "closed" if self.closed else f"{self.in_flight} in flight"
        return f"<softvpu.Encoder {self.codec} {self.width}x{self.height}, {state}>"

    def _next_packet(self) -> bytes:
        packet = self.receive()
        if packet is None:
            raise EncoderClosedError("the encoder was closed while waiting for a packet")
        return packet


def encode_frames(
    frames: Iterable[Any], codec: str = "h265", *, width: int, height: int, **options: Any
) -> Iterator[bytes]:
    """Opens an :class:`Encoder`, yields one packet per frame, and closes it.

    ``options`` are the other keyword arguments of :class:`Encoder`.
    """
    with Encoder(codec, width=width, height=height, **options) as encoder:
        yield from encoder.encode_all(frames)


def _fps_ratio(fps: Any) -> Tuple[int, int]:
    if isinstance(fps, bool) or not isinstance(fps, numbers.Real):
        raise TypeError(f"fps must be a number, not {type(fps).__name__}")
    value = fps if isinstance(fps, numbers.Rational) else float(fps)
    if not math.isfinite(value) or value <= 0:
        raise ConfigError(f"invalid fps: {fps}; use a positive rate up to 1000")
    ratio = Fraction(value).limit_denominator(1001)
    return ratio.numerator, ratio.denominator


def _setting(name: str, value: Any) -> int:
    """An integer setting; the encoder checks its range, this only that it is an int
    small enough to pass on."""
    try:
        number = operator.index(value)
    except TypeError:
        raise TypeError(f"{name} must be an int, not {type(value).__name__}") from None
    if abs(number) >= 2**31:
        raise ConfigError(f"invalid {name}: {number} is out of range")
    return number


def _positive(name: str, value: Any) -> int:
    number = _setting(name, value)
    if number < 1:
        raise ConfigError(f"invalid {name}: {number}; use 1 or more")
    return number
