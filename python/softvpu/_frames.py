"""Turns whatever holds a frame into packed NV12 bytes, through the buffer protocol.

Accepted: ``bytes``, ``bytearray``, ``memoryview`` and numpy ``uint8`` arrays, flat or
shaped ``(height * 3 // 2, width)``. The length itself is checked by the encoder, so
its message is the same for every kind of input.
"""

from __future__ import annotations

from typing import Any, Tuple

from softvpu.errors import FrameError

_BYTE_FORMATS = ("B", "c")


def nv12_bytes(frame: Any, width: int, height: int) -> bytes:
    """The frame's bytes; ``TypeError`` for non-byte data, ``FrameError`` for a bad shape."""
    if isinstance(frame, bytes):
        return frame
    try:
        view = memoryview(frame)
    except TypeError:
        raise TypeError(
            "an NV12 frame must be bytes, bytearray, memoryview or a numpy uint8 array, "
            f"not {type(frame).__name__}"
        ) from None
    with view:
        _check_items(view)
        _check_shape(view.shape or (), width, height)
        # C order, which is also how NV12 rows are laid out; copies strided arrays.
        return view.tobytes()


def _check_items(view: memoryview) -> None:
    fmt = view.format.lstrip("@=<>!")
    if view.itemsize != 1 or fmt not in _BYTE_FORMATS:
        raise TypeError(
            "an NV12 frame must hold unsigned bytes (numpy dtype uint8), "
            f"not items of format {view.format!r}; convert with .astype(numpy.uint8)"
        )


def _check_shape(shape: Tuple[int, ...], width: int, height: int) -> None:
    planar = (height * 3 // 2, width)
    if len(shape) <= 1 or tuple(shape) == planar:
        return
    raise FrameError(
        f"an NV12 frame of {width}x{height} is flat or shaped {planar}, not {tuple(shape)}"
    )
