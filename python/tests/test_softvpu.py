"""The Pythonic ``softvpu.Encoder``: exceptions, context manager, pipelining, threads."""

from __future__ import annotations

import threading
import time
from fractions import Fraction

import numpy as np
import pytest
from conftest import SMALL, decoded_frames, nal_types

import softvpu
from softvpu import (
    ConfigError,
    EncoderClosedError,
    EncoderStateError,
    EncoderTimeoutError,
    FrameError,
    SoftvpuError,
    UnsupportedCodecError,
)

W, H = 1280, 720


def mjpeg(**options) -> softvpu.Encoder:
    return softvpu.Encoder("mjpeg", width=W, height=H, **options)


def encode_each(frames, codec="mjpeg", size=(W, H), **options):
    """One packet per frame, one ``encode`` call at a time."""
    with softvpu.Encoder(codec, width=size[0], height=size[1], **options) as enc:
        return [enc.encode(f) for f in frames]


# --- construction ------------------------------------------------------------------------


def test_defaults_and_properties():
    with softvpu.Encoder(width=W, height=H) as enc:
        assert (enc.codec, enc.width, enc.height) == ("h265", W, H)
        assert enc.in_flight == 0 and not enc.closed
        assert "h265 1280x720" in repr(enc)
    assert enc.closed and "closed" in repr(enc)


@pytest.mark.parametrize(
    "kwargs, error, words",
    [
        ({"codec": "h264"}, UnsupportedCodecError, "H.264"),
        ({"codec": "vp9"}, ConfigError, "use h265 or mjpeg"),
        ({"width": 4098}, ConfigError, "2..=4096"),
        ({"width": 641}, ConfigError, "odd"),
        ({"height": -2}, ConfigError, "height"),
        ({"bitrate_kbps": 0}, ConfigError, "bitrate"),
        ({"fps": 0}, ConfigError, "fps"),
        ({"fps": float("inf")}, ConfigError, "fps"),
        ({"fps": 5000}, ConfigError, "fps"),
        ({"gop": -1}, ConfigError, "gop"),
        ({"quality": 0}, ConfigError, "quality"),
        ({"qp": 52}, ConfigError, "qp"),
        ({"qp": 30, "max_bitrate_kbps": 0}, ConfigError, "max_bitrate"),
        ({"threads": 1000}, ConfigError, "threads"),
        ({"queue_size": 0}, ConfigError, "queue_size"),
        ({"width": 2**70}, ConfigError, "width"),
        ({"bitrate_kbps": -(2**64)}, ConfigError, "bitrate"),
        ({"preset": "ultrafast"}, ConfigError, "preset"),
    ],
)
def test_bad_settings_raise_config_errors(kwargs, error, words):
    options = {"codec": "mjpeg", "width": 640, "height": 480, **kwargs}
    with pytest.raises(error, match=words) as info:
        softvpu.Encoder(**options)
    assert isinstance(info.value, ValueError) and isinstance(info.value, SoftvpuError)


@pytest.mark.parametrize(
    "kwargs",
    [
        {"codec": 2},
        {"width": 640.0},
        {"width": "640"},
        {"fps": "30"},
        {"quality": 9.5},
        {"preset": 1},
    ],
)
def test_wrong_setting_types_raise_type_error(kwargs):
    options = {"codec": "mjpeg", "width": 640, "height": 480, **kwargs}
    with pytest.raises(TypeError):
        softvpu.Encoder(**options)


def test_width_and_height_are_required():
    with pytest.raises(TypeError):
        softvpu.Encoder("mjpeg")  # type: ignore[call-arg]


def test_both_presets_code_decodable_streams(clip_720p, tmp_path):
    sizes = {}
    for preset in ("fast", "thorough"):
        packets = encode_each(clip_720p[:4], "h265", qp=32, preset=preset)
        stream = tmp_path / f"{preset}.h265"
        stream.write_bytes(b"".join(packets))
        assert decoded_frames(stream, "hevc") == [W * H * 3 // 2] * 4
        sizes[preset] = len(stream.read_bytes())
    # Different searches make different streams.
    assert sizes["fast"] != sizes["thorough"]


def test_fractional_frame_rates_are_accepted():
    for fps in (Fraction(30000, 1001), 29.97, 25, 1000):
        softvpu.Encoder("mjpeg", width=64, height=64, fps=fps).close()


# --- encode ------------------------------------------------------------------------------


def test_encode_returns_one_jpeg_per_frame(clip_720p, tmp_path):
    packets = encode_each(clip_720p, quality=80)
    assert all(p[:2] == b"\xff\xd8" and p[-2:] == b"\xff\xd9" for p in packets)
    stream = tmp_path / "clip.mjpeg"
    stream.write_bytes(b"".join(packets))
    assert decoded_frames(stream, "mjpeg") == [W * H * 3 // 2] * len(packets)


def test_a_bitrate_cap_holds_a_fixed_quality_down(clip_720p):
    free = encode_each(clip_720p, quality=95)
    capped = encode_each(clip_720p, quality=95, max_bitrate_kbps=20000)
    kbps = lambda packets: sum(map(len, packets)) * 8 * 30 / len(packets) / 1000
    assert kbps(free) > 30000, "the clip must overshoot the cap for the test to mean anything"
    # Within the one-second buffer the stream may run ahead of the cap, never further.
    assert sum(map(len, capped)) * 8 <= 20000e3 * (len(capped) / 30 + 1.0)
    assert kbps(capped) < kbps(free)


def test_h265_packets_decode_and_repeat_parameter_sets(still_small, tmp_path):
    packets = encode_each([still_small] * 5, "h265", SMALL, gop=2)
    for i, p in enumerate(packets):
        # VPS, SPS, PPS lead every IDR (frames 0, 2, 4); P pictures carry only their slice.
        assert (nal_types(p)[:3] == [32, 33, 34]) == (i % 2 == 0), i
    stream = tmp_path / "small.h265"
    stream.write_bytes(b"".join(packets))
    assert len(decoded_frames(stream, "hevc")) == 5


def test_h265_1080p_frame_decodes(still_1080p, tmp_path):
    with softvpu.Encoder("h265", width=1920, height=1080) as enc:
        packet = enc.encode(still_1080p)
    (tmp_path / "one.h265").write_bytes(packet)
    assert decoded_frames(tmp_path / "one.h265", "hevc") == [1920 * 1080 * 3 // 2]


@pytest.mark.parametrize("codec, size", [("mjpeg", (1920, 1080)), ("h265", SMALL)])
def test_numpy_and_bytes_frames_give_identical_output(codec, size, still_1080p, still_small):
    frame = still_1080p if codec == "mjpeg" else still_small
    w, h = size
    as_numpy = np.frombuffer(frame, np.uint8)
    as_planes = as_numpy.reshape(h * 3 // 2, w).copy()
    outputs = [encode_each([f, f], codec, size) for f in (frame, as_numpy, as_planes)]
    assert outputs[0] == outputs[1] == outputs[2]


def test_strided_arrays_are_copied_in_row_order(clip_720p):
    frame = np.frombuffer(clip_720p[0], np.uint8).reshape(H * 3 // 2, W)
    wide = np.zeros((H * 3 // 2, W * 2), np.uint8)
    wide[:, ::2] = frame
    view = wide[:, ::2]
    assert not view.flags.c_contiguous
    assert encode_each([view]) == encode_each([clip_720p[0]])


def test_bad_frames_raise(clip_720p):
    with mjpeg() as enc:
        with pytest.raises(FrameError, match="needs exactly 1382400"):
            enc.send(clip_720p[0][:-2])
        with pytest.raises(FrameError, match="shaped"):
            enc.encode(np.zeros((W, H * 3 // 2), np.uint8))
        with pytest.raises(TypeError, match="uint8"):
            enc.encode(np.zeros(W * H * 3 // 2, np.float64))
        with pytest.raises(TypeError, match="not str"):
            enc.encode("frame")
        assert enc.in_flight == 0


# --- send / receive ------------------------------------------------------------------------


def test_send_receive_pipeline_keeps_frame_order(clip_720p):
    expected = encode_each(clip_720p)
    with mjpeg(queue_size=2) as enc:
        assert enc.receive() is None, "nothing in flight"
        for f in clip_720p:  # more frames than the queue holds: send waits, no deadlock
            enc.send(f)
        assert enc.in_flight == len(clip_720p)
        got = [enc.receive() for _ in clip_720p]
        assert enc.receive() is None
    assert got == expected


def test_encode_all_and_encode_frames_match_encode(clip_720p):
    expected = encode_each(clip_720p)
    with mjpeg(queue_size=3) as enc:
        assert list(enc.encode_all(iter(clip_720p))) == expected
        assert enc.in_flight == 0
    assert list(softvpu.encode_frames(clip_720p, "mjpeg", width=W, height=H)) == expected


def test_flush_returns_what_is_in_flight(clip_720p):
    with mjpeg() as enc:
        for f in clip_720p[:3]:
            enc.send(f)
        assert enc.flush() == encode_each(clip_720p[:3])
        assert enc.flush() == []


def test_encode_refuses_while_frames_are_in_flight(clip_720p):
    with mjpeg() as enc:
        enc.send(clip_720p[0])
        with pytest.raises(EncoderStateError, match="in flight"):
            enc.encode(clip_720p[1])
        assert len(enc.flush()) == 1
        assert enc.encode(clip_720p[1])


def test_receive_timeout(still_small):
    with softvpu.Encoder("h265", width=SMALL[0], height=SMALL[1]) as enc:
        enc.send(still_small)
        with pytest.raises(EncoderTimeoutError) as info:
            enc.receive(timeout=0)
        assert isinstance(info.value, TimeoutError)
        assert enc.receive(timeout=30) is not None
        enc.send(still_small)
        assert enc.receive(timeout=1.5e19) is not None, "a huge timeout is no timeout"
        with pytest.raises(ValueError):
            enc.receive(timeout=-1)


def test_closed_encoders_raise_and_close_twice_is_fine(clip_720p):
    enc = mjpeg()
    enc.send(clip_720p[0])
    enc.close()
    enc.close()
    with pytest.raises(EncoderClosedError):
        enc.send(clip_720p[0])
    with pytest.raises(EncoderClosedError):
        enc.receive()
    with pytest.raises(EncoderClosedError):
        enc.encode(clip_720p[0])


def test_context_manager_closes_on_error(clip_720p):
    with pytest.raises(FrameError):
        with mjpeg() as enc:
            enc.send(b"short")
    assert enc.closed


# --- threads ---------------------------------------------------------------------------------


def test_encoders_in_threads_match_sequential_output(clip_720p):
    expected = [encode_each(clip_720p[i::4], threads=1) for i in range(4)]
    results = [None] * 4

    def work(i):
        results[i] = encode_each(clip_720p[i::4], threads=1)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results == expected


def test_encoding_releases_the_interpreter_lock(still_small):
    """While one thread waits for H.265 frames, Python code in another keeps running."""
    done = threading.Event()

    def encode():
        encode_each([still_small] * 3, "h265", SMALL, threads=1)
        done.set()

    worker = threading.Thread(target=encode)
    start = time.perf_counter()
    worker.start()
    spins = 0
    while not done.is_set():
        spins += 1
    worker.join()
    elapsed = time.perf_counter() - start
    # Holding the lock through an encode would leave the loop a handful of turns per
    # switch interval; released, it runs freely (millions of turns a second).
    assert spins / elapsed > 100_000, (spins, elapsed)


def test_an_encoder_can_be_shared_by_a_sender_and_a_receiver_thread(clip_720p):
    expected = encode_each(clip_720p)
    got = []
    with mjpeg(queue_size=1) as enc:

        def receive():
            while len(got) < len(clip_720p):
                packet = enc.receive(timeout=30)
                if packet is None:
                    time.sleep(0.001)
                else:
                    got.append(packet)

        receiver = threading.Thread(target=receive)
        receiver.start()
        for f in clip_720p:
            enc.send(f)
        receiver.join()
    assert got == expected
