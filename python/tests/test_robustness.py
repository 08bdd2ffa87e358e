"""Property-based tests of both APIs: arbitrary calls with arbitrary arguments get only
the documented answers, and a panic inside the encoder never reaches Python.

The drop-in ``Encoder`` is driven by a state machine that keeps a model of the channel
(open or not, its size, frames in flight) and checks every return value against it.
"""

from __future__ import annotations

from typing import Any, List, Optional, Tuple

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule

import softvpu
from hobot_vio import libsrcampy
from softvpu.errors import EncoderClosedError, InternalError, SoftvpuError

#: The largest picture the machine sends frames to, so that each step stays fast.
SMALL_AREA = 96 * 96

ints = st.one_of(
    st.sampled_from([2, 3, 16, 48, 64, 96]),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.integers(min_value=-4, max_value=5000),
)
not_ints = st.one_of(st.none(), st.text(max_size=3), st.floats(), st.lists(st.integers(), max_size=2))


def valid_open(encode_type: int, width: int, height: int, bits: int) -> bool:
    """Whether the boards' ``encode`` must succeed for these values."""
    return (
        encode_type in (2, 3)
        and all(2 <= v <= 4096 and v % 2 == 0 for v in (width, height))
        and 1 <= bits <= 800_000
    )


class DropInMachine(RuleBasedStateMachine):
    """One drop-in Encoder under arbitrary call sequences."""

    def __init__(self) -> None:
        super().__init__()
        self.enc = libsrcampy.Encoder()
        self.size: Optional[Tuple[int, int]] = None
        self.pending = 0

    @initialize()
    def start_closed(self) -> None:
        assert self.enc.get_frame() is None

    @rule(
        encode_type=st.sampled_from([2, 3]),
        width=st.sampled_from([2, 16, 48, 64, 96]),
        height=st.sampled_from([2, 16, 48, 64, 96]),
        bits=st.one_of(st.just(8000), st.integers(1, 800_000)),
        seed_form=st.booleans(),
    )
    def encode_small(self, encode_type: int, width: int, height: int, bits: int, seed_form: bool) -> None:
        self.encode(encode_type, width, height, bits, seed_form)

    @rule(encode_type=ints, width=ints, height=ints, bits=ints, seed_form=st.booleans())
    def encode(self, encode_type: int, width: int, height: int, bits: int, seed_form: bool) -> None:
        if seed_form:
            result = self.enc.encode(encode_type, [width, height], bits)
        else:
            result = self.enc.encode(0, encode_type, width, height, bits)
        assert result in (0, -1)
        if self.size is not None:
            assert result == -1, "a second encode() on an open channel must fail"
            return
        assert result == (0 if valid_open(encode_type, width, height, bits) else -1)
        event(f"encode -> {result}")
        if result == 0:
            self.size = (width, height)
            self.pending = 0

    @rule(args=st.lists(st.one_of(ints, not_ints), max_size=6))
    def encode_with_any_arguments(self, args: List[Any]) -> None:
        try:
            result = self.enc.encode(*args)
        except TypeError:
            return
        assert result in (0, -1)
        if result == 0:
            assert self.size is None
            self.size = self.enc._channel.width, self.enc._channel.height
            self.pending = 0

    def _frame_len(self) -> int:
        assert self.size is not None
        return self.size[0] * self.size[1] * 3 // 2

    def _small(self) -> bool:
        return self.size is not None and self.size[0] * self.size[1] <= SMALL_AREA

    @precondition(lambda self: self.size is None or self._small())
    @rule(fill=st.integers(0, 255), alias=st.booleans())
    def send_good_frame(self, fill: int, alias: bool) -> None:
        send = self.enc.encode_file if alias else self.enc.send_frame
        if self.size is None:
            assert send(bytes(64)) == -1
            return
        assert send(bytes([fill]) * self._frame_len()) == 0
        self.pending += 1

    @rule(data=st.binary(max_size=300))
    def send_bad_frame(self, data: bytes) -> None:
        if self.size is not None and len(data) == self._frame_len():
            return  # a tiny channel's exact frame size: not a bad frame
        assert self.enc.send_frame(data) == -1

    @rule(value=not_ints)
    def send_wrong_type(self, value: Any) -> None:
        if self.size is None:
            assert self.enc.send_frame(value) == -1
            return
        try:
            result = self.enc.send_frame(value)
        except TypeError:
            return
        assert result == -1

    @rule(alias=st.booleans())
    def get_frame(self, alias: bool) -> None:
        packet = self.enc.get_img() if alias else self.enc.get_frame()
        if self.pending:
            assert isinstance(packet, bytes) and packet
            event("get_frame -> packet")
            self.pending -= 1
        else:
            assert packet is None

    @rule()
    def close(self) -> None:
        assert self.enc.close() == (0 if self.size is not None else -1)
        self.size = None
        self.pending = 0

    @invariant()
    def channel_matches_the_model(self) -> None:
        channel = self.enc._channel
        assert (channel is not None) == (self.size is not None)
        if channel is not None:
            assert channel.in_flight == self.pending

    def teardown(self) -> None:
        if self.size is not None:
            self.enc.close()


DropInMachine.TestCase.settings = settings(
    max_examples=100,
    stateful_step_count=30,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
test_drop_in_call_sequences = DropInMachine.TestCase


@settings(max_examples=150, deadline=None)
@given(
    codec=st.one_of(st.sampled_from(["h265", "mjpeg", "H265", "h264", "vp9"]), not_ints),
    width=st.one_of(ints, not_ints),
    height=st.one_of(ints, not_ints),
    options=st.dictionaries(
        st.sampled_from(
            ["bitrate_kbps", "gop", "quality", "qp", "max_bitrate_kbps", "threads", "queue_size", "fps"]
        ),
        st.one_of(ints, not_ints),
        max_size=4,
    ),
)
def test_pythonic_constructor_raises_only_documented_errors(
    codec: Any, width: Any, height: Any, options: Any
) -> None:
    try:
        enc = softvpu.Encoder(codec, width=width, height=height, **options)
    except (TypeError, SoftvpuError):
        return
    try:
        assert 2 <= enc.width <= 4096 and 2 <= enc.height <= 4096
        assert enc.in_flight == 0 and not enc.closed
    finally:
        enc.close()


def test_a_panic_is_minus_one_and_the_process_stays_usable(capfd: pytest.CaptureFixture) -> None:
    enc = libsrcampy.Encoder()
    assert enc.encode(2, [64, 48]) == 0
    frame = bytes(64 * 48 * 3 // 2)
    assert enc.send_frame(frame) == 0
    assert isinstance(enc.get_frame(), bytes)
    enc._channel._panic_on_next_frame()
    assert enc.send_frame(frame) == 0  # queued before the worker takes it
    assert enc.get_frame() is None
    assert "internal encoder error: panic injected" in capfd.readouterr().err
    assert enc.send_frame(frame) == -1
    assert enc.close() == 0
    # The same object, and any other, opens and encodes again.
    assert enc.encode(3, [64, 48]) == 0
    assert enc.send_frame(frame) == 0
    assert enc.get_frame()[:2] == b"\xff\xd8"
    assert enc.close() == 0


def test_a_panic_is_an_exception_in_the_pythonic_api() -> None:
    with softvpu.Encoder("mjpeg", width=64, height=48) as enc:
        frame = bytes(64 * 48 * 3 // 2)
        enc._channel._panic_on_next_frame()
        with pytest.raises(InternalError, match="panic injected"):
            enc.encode(frame)
        with pytest.raises((InternalError, EncoderClosedError)):
            enc.encode(frame)
    with softvpu.Encoder("h265", width=64, height=48) as enc:
        assert enc.encode(bytes(64 * 48 * 3 // 2))[:4] == b"\x00\x00\x00\x01"
