"""The drop-in ``libsrcampy.Encoder``: every documented return value, every bad input.

Failures return -1 or ``None`` and print exactly one line on stderr; only arguments of
the wrong type raise (``TypeError``).
"""

from __future__ import annotations

import importlib

import numpy as np
import pytest
from conftest import SMALL, nal_types

from hobot_vio import libsrcampy

W, H = 64, 48
FRAME = bytes(range(256)) * (W * H * 3 // 2 // 256)

VPS, SPS, PPS, IDR_W_RADL, IDR_N_LP, TRAIL_R = 32, 33, 34, 19, 20, 1


@pytest.fixture
def enc():
    """An MJPEG encoder opened at W x H; closed afterwards if still open."""
    e = libsrcampy.Encoder()
    assert e.encode(3, [W, H]) == 0
    yield e
    e.close()


def failed_once(capsys, *words: str) -> None:
    """Exactly one stderr line was printed, and it names ``words``."""
    lines = capsys.readouterr().err.splitlines()
    assert len(lines) == 1, lines
    for word in words:
        assert word in lines[0], lines[0]


# --- modules -------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["hobot_vio.libsrcampy", "libsrcampy", "hobot_vio.libsppydev"])
def test_importable_under_every_board_name(name):
    module = importlib.import_module(name)
    assert module.Encoder is libsrcampy.Encoder
    for attr in ("Camera", "Decoder", "Display", "bind"):
        assert hasattr(module, attr)


@pytest.mark.parametrize("name", ["Camera", "Decoder", "Display"])
def test_other_board_objects_say_what_softvpu_provides(name):
    with pytest.raises(NotImplementedError, match=rf"libsrcampy.{name} .*Encoder"):
        getattr(libsrcampy, name)()


def test_bind_says_what_softvpu_provides():
    with pytest.raises(NotImplementedError, match="Encoder"):
        libsrcampy.bind(object(), object())


# --- encode ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "args, kwargs",
    [
        ((2, [W, H]), {}),
        ((3, (W, H)), {}),
        ((3, [W, H], 4000), {}),
        ((3, [W, H]), {"bits": 4000}),
        ((), {"encode_type": 3, "size": [W, H]}),
        ((0, 2, W, H), {}),
        ((31, 3, W, H, 4000), {}),
        ((), {"video_chn": 0, "type": 3, "width": W, "height": H, "bits": 80000}),
        ((), {"video_chn": 1, "encode_type": 2, "width": W, "height": H}),
        ((np.int64(0), np.int32(3), np.uint16(W), H), {}),
    ],
)
def test_encode_forms_return_0(args, kwargs, capsys):
    e = libsrcampy.Encoder()
    assert e.encode(*args, **kwargs) == 0
    assert e.close() == 0
    assert capsys.readouterr().err == ""


def test_encode_on_an_open_encoder_returns_minus_1(enc, capsys):
    assert enc.encode(3, [W, H]) == -1
    failed_once(capsys, "Encoder.encode", "already open")
    assert enc.send_frame(FRAME) == 0, "the open channel is untouched"


def test_h264_returns_minus_1_with_a_clear_message(capsys):
    e = libsrcampy.Encoder()
    assert e.encode(1, [W, H]) == -1
    failed_once(capsys, "H.264", "use 2 (H.265) or 3 (MJPEG)")
    assert e.encode(0, 1, W, H) == -1
    failed_once(capsys, "H.264")


@pytest.mark.parametrize(
    "args, words",
    [
        ((0, [W, H]), ["encode type 0"]),
        ((4, [W, H]), ["encode type 4"]),
        ((32, 2, W, H), ["video_chn 32", "0..31"]),
        ((-1, 2, W, H), ["video_chn -1"]),
        ((3, [4098, 64]), ["4098x64", "2..=4096"]),
        ((3, [64, 4097]), ["64x4097", "2..=4096"]),
        ((3, [5000, 5000]), ["out of range"]),
        ((3, [1921, 1080]), ["odd"]),
        ((3, [1920, 1081]), ["odd"]),
        ((3, [0, 0]), ["out of range"]),
        ((3, [-64, 48]), ["width"]),
        ((3, [W, H], 0), ["bitrate"]),
        ((3, [W, H], -5), ["bitrate"]),
        ((3, [W, H], 800001), ["bitrate"]),
        ((3, [W, H], 2**64), ["bits"]),
        ((3, [2**70, H]), ["width"]),
        ((0, 3, W, -(2**70)), ["height"]),
    ],
)
def test_bad_encode_values_return_minus_1(args, words, capsys):
    e = libsrcampy.Encoder()
    assert e.encode(*args) == -1
    failed_once(capsys, "Encoder.encode", *words)
    assert e.send_frame(FRAME) == -1, "a failed encode leaves the encoder closed"


def test_the_largest_size_opens():
    e = libsrcampy.Encoder()
    assert e.encode(3, [4096, 4096]) == 0
    assert e.close() == 0


@pytest.mark.parametrize(
    "args, kwargs",
    [
        (("2", [W, H]), {}),
        ((2.0, [W, H]), {}),
        ((3, [float(W), H]), {}),
        ((3, [W]), {}),
        ((3, [W, H, 3]), {}),
        ((3, "64x48"), {}),
        ((3, [W, H], "8000"), {}),
        ((3, [W, H], 8000.0), {}),
        ((0, 3, W), {}),
        ((0, 3, W, H, 8000, 1), {}),
        ((), {}),
        ((3,), {}),
        ((3, [W, H]), {"fps": 30}),
        ((0, 3, W, H), {"bits": 1, "video_chn": 2}),
        ((), {"video_chn": 0, "type": 3, "encode_type": 3, "width": W, "height": H}),
        ((None, 3, W, H), {}),
    ],
)
def test_wrong_encode_argument_types_raise_type_error(args, kwargs):
    with pytest.raises(TypeError):
        libsrcampy.Encoder().encode(*args, **kwargs)


# --- send_frame / encode_file -----------------------------------------------------------


@pytest.mark.parametrize("method", ["send_frame", "encode_file"])
def test_send_before_encode_and_after_close_return_minus_1(method, capsys):
    e = libsrcampy.Encoder()
    assert getattr(e, method)(FRAME) == -1
    failed_once(capsys, f"Encoder.{method}", "not open")
    assert e.encode(3, [W, H]) == 0
    assert e.close() == 0
    assert getattr(e, method)(FRAME) == -1
    failed_once(capsys, f"Encoder.{method}", "not open")


@pytest.mark.parametrize(
    "img",
    [
        FRAME,
        bytearray(FRAME),
        memoryview(FRAME),
        np.frombuffer(FRAME, np.uint8),
        np.frombuffer(FRAME, np.uint8).reshape(H * 3 // 2, W),
        memoryview(FRAME).cast("B", (H * 3 // 2, W)),
    ],
    ids=["bytes", "bytearray", "memoryview", "numpy-flat", "numpy-2d", "memoryview-2d"],
)
def test_send_frame_accepts_every_buffer(enc, img):
    assert enc.send_frame(img) == 0
    assert enc.get_frame()[:2] == b"\xff\xd8"


@pytest.mark.parametrize(
    "img, words",
    [
        (FRAME[:-1], ["4607 bytes", "4608"]),
        (FRAME + b"\0", ["4609 bytes"]),
        (b"", ["0 bytes"]),
        (np.zeros((H, W * 3 // 2), np.uint8), ["shaped (72, 64)"]),
        (np.zeros((H * 3 // 2, W, 1), np.uint8), ["not (72, 64, 1)"]),
    ],
)
def test_wrong_frame_sizes_return_minus_1(enc, img, words, capsys):
    assert enc.send_frame(img) == -1
    failed_once(capsys, "Encoder.send_frame", *words)
    assert enc.encode_file(img) == -1
    failed_once(capsys, "Encoder.encode_file")
    assert enc.get_frame() is None, "nothing was queued"


@pytest.mark.parametrize(
    "img",
    [
        "a string",
        12345,
        None,
        list(FRAME),
        np.zeros(W * H * 3 // 2, np.float32),
        np.zeros(W * H * 3 // 2, np.int8),
        np.zeros(W * H * 3 // 4, np.uint16),
        np.zeros(W * H * 3 // 2, bool),
    ],
    ids=["str", "int", "None", "list", "float32", "int8", "uint16", "bool"],
)
def test_wrong_frame_types_raise_type_error(enc, img):
    with pytest.raises(TypeError):
        enc.send_frame(img)
    with pytest.raises(TypeError):
        enc.encode_file(img)


# --- get_frame / get_img -----------------------------------------------------------------


@pytest.mark.parametrize("method", ["get_frame", "get_img"])
def test_get_frame_returns_none_before_encode_when_idle_and_after_close(method, capsys):
    e = libsrcampy.Encoder()
    assert getattr(e, method)() is None
    failed_once(capsys, f"Encoder.{method}", "not open")
    assert e.encode(3, [W, H]) == 0
    assert getattr(e, method)() is None
    failed_once(capsys, "no frame pending")
    assert e.send_frame(FRAME) == 0
    packet = getattr(e, method)()
    assert isinstance(packet, bytes) and packet[:2] == b"\xff\xd8" and packet[-2:] == b"\xff\xd9"
    assert e.close() == 0
    assert getattr(e, method)() is None
    failed_once(capsys, "not open")


def test_frames_come_back_in_order_after_several_sends(enc):
    frames = [bytes([v]) * len(FRAME) for v in (16, 128, 235)]
    for f in frames:
        assert enc.send_frame(f) == 0
    packets = [enc.get_frame() for _ in frames]
    expected = []
    for f in frames:
        e = libsrcampy.Encoder()
        e.encode(3, [W, H])
        e.send_frame(f)
        expected.append(e.get_frame())
        e.close()
    assert packets == expected
    assert len(set(packets)) == 3


def test_get_frame_gives_up_after_its_wait_and_the_frame_comes_later(
    monkeypatch, capsys, still_small
):
    e = libsrcampy.Encoder()
    assert e.encode(2, list(SMALL)) == 0
    monkeypatch.setenv("SOFTVPU_GET_FRAME_TIMEOUT", "0")
    assert e.send_frame(still_small) == 0
    assert e.get_frame() is None
    failed_once(capsys, "no encoded frame within 0.0 s", "SOFTVPU_GET_FRAME_TIMEOUT")
    monkeypatch.delenv("SOFTVPU_GET_FRAME_TIMEOUT")
    assert e.get_frame() is not None
    assert e.close() == 0


def test_get_frame_waits_two_seconds_by_default(monkeypatch):
    from softvpu import _srcampy

    monkeypatch.delenv("SOFTVPU_GET_FRAME_TIMEOUT", raising=False)
    assert _srcampy._get_frame_timeout() == 2.0
    monkeypatch.setenv("SOFTVPU_GET_FRAME_TIMEOUT", "not a number")
    assert _srcampy._get_frame_timeout() == 2.0


def test_h265_frames_are_whole_access_units_with_parameter_sets(still_small):
    # As on the boards: an IDR with VPS/SPS/PPS every 30 frames, one P picture per frame between.
    e = libsrcampy.Encoder()
    assert e.encode(0, 2, *SMALL) == 0
    for i in range(31):
        assert e.encode_file(still_small) == 0
        types = nal_types(e.get_img())
        if i % 30 == 0:
            assert types[:3] == [VPS, SPS, PPS], i
            assert types[3] in (IDR_W_RADL, IDR_N_LP), i
        else:
            assert types == [TRAIL_R], (i, types)
    assert e.close() == 0


# --- close ------------------------------------------------------------------------------


def test_close_returns_0_then_minus_1(capsys):
    e = libsrcampy.Encoder()
    assert e.close() == -1
    failed_once(capsys, "Encoder.close", "not open")
    assert e.encode(3, [W, H]) == 0
    assert e.close() == 0
    assert e.close() == -1
    failed_once(capsys, "Encoder.close")


def test_close_drops_pending_frames_and_the_encoder_reopens(capsys):
    e = libsrcampy.Encoder()
    assert e.encode(3, [W, H]) == 0
    for _ in range(3):
        assert e.send_frame(FRAME) == 0
    assert e.close() == 0
    assert e.encode(0, 3, 32, 16) == 0, "reopened at another size"
    assert e.get_frame() is None, "nothing left over from the first session"
    capsys.readouterr()
    assert e.send_frame(bytes(32 * 16 * 3 // 2)) == 0
    assert e.get_frame()[:2] == b"\xff\xd8"
    assert e.close() == 0
