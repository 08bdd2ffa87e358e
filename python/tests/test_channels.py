"""32 encoders at once in one process, each driven by its own Python thread: drop-in and
Pythonic channels, both codecs, four sizes. Every stream must equal the same channel
encoded alone and decode in ffmpeg frame for frame."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import List, Tuple

import numpy as np
from conftest import decoded_frames

import softvpu
from hobot_vio import libsrcampy

CHANNELS = 32
FRAMES = 10
SIZES = [(64, 64), (176, 144), (320, 240), (96, 54)]


def spec(i: int) -> Tuple[int, int, int, int]:
    """(encode type, width, height, kbps) of channel ``i``."""
    width, height = SIZES[(i // 2) % len(SIZES)]
    return (2 if i % 2 == 0 else 3), width, height, 200 + 100 * i


def frames(i: int) -> List[bytes]:
    """A moving gradient with a bright square, different for every channel."""
    _, width, height, _ = spec(i)
    y, x = np.mgrid[0 : height * 3 // 2, 0:width]
    out = []
    for n in range(FRAMES):
        img = ((x * 3 + y * (i % 5 + 1) + 7 * n) % 256).astype(np.uint8)
        s = (5 * n + i) % max(1, min(width, height) // 2)
        img[s : s + 8, s : s + 8] = 255
        out.append(img.tobytes())
    return out


def encode_drop_in(i: int) -> List[bytes]:
    encode_type, width, height, kbps = spec(i)
    enc = libsrcampy.Encoder()
    assert enc.encode(encode_type, [width, height], kbps) == 0
    packets = []
    for frame in frames(i):
        assert enc.send_frame(frame) == 0
        packet = enc.get_frame()
        assert isinstance(packet, bytes)
        packets.append(packet)
    assert enc.close() == 0
    return packets


def encode_pythonic(i: int) -> List[bytes]:
    encode_type, width, height, kbps = spec(i)
    codec = "h265" if encode_type == 2 else "mjpeg"
    with softvpu.Encoder(codec, width=width, height=height, bitrate_kbps=kbps) as enc:
        return list(enc.encode_all(frames(i)))


def encode(i: int) -> List[bytes]:
    """Every fourth channel uses the Pythonic API, the others the drop-in one."""
    return encode_pythonic(i) if i % 4 == 3 else encode_drop_in(i)


def test_thirty_two_channels_in_python_threads(tmp_path: Path) -> None:
    results: List[object] = [None] * CHANNELS
    start = threading.Barrier(CHANNELS)

    def run(i: int) -> None:
        start.wait()
        try:
            results[i] = encode(i)
        except BaseException as e:  # reported below, with the channel
            results[i] = e

    threads = [threading.Thread(target=run, args=(i,)) for i in range(CHANNELS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=300)
        assert not t.is_alive(), "a channel hung"
    for i, packets in enumerate(results):
        assert isinstance(packets, list), f"channel {i}: {packets!r}"
        assert packets == encode(i), f"channel {i} differs from the same channel alone"
        fmt = "hevc" if spec(i)[0] == 2 else "mjpeg"
        path = tmp_path / f"ch{i}.{fmt}"
        path.write_bytes(b"".join(packets))
        _, width, height, _ = spec(i)
        assert decoded_frames(path, fmt) == [width * height * 3 // 2] * FRAMES
