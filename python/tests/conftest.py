"""Shared fixtures: the natural NV12 test pictures and an ffmpeg decode check.

The pictures come from ``../shared/data/make_data.sh`` (``scripts/test.sh`` makes them
in ``target/testdata``, or ``$SOFTVPU_TESTDATA``). Missing data or tools fail the
tests; they are never skipped.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path
from typing import List

import pytest

ROOT = Path(__file__).resolve().parents[2]

#: A reduced size for H.265 runs of 100 frames: the intra-only encoder takes seconds per
#: 1080p frame on a 2-core machine, about 0.1 s at this size.
SMALL = (320, 180)


def testdata_dir() -> Path:
    path = Path(os.environ.get("SOFTVPU_TESTDATA", ROOT / "target" / "testdata"))
    if not (path / "SHA256SUMS").is_file():
        pytest.fail(f"test pictures missing in {path}: run scripts/test.sh (it makes them)")
    return path


@pytest.fixture(scope="session")
def still_1080p() -> bytes:
    """A camera photo, 1920x1080 NV12."""
    return (testdata_dir() / "stills" / "Path_1920x1080.nv12").read_bytes()


@pytest.fixture(scope="session")
def still_small(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    """The same photo scaled to ``SMALL`` by ffmpeg."""
    src = testdata_dir() / "stills" / "Path_1920x1080.nv12"
    out = tmp_path_factory.mktemp("small") / "still.nv12"
    w, h = SMALL
    run(
        ["ffmpeg", "-v", "error", "-f", "rawvideo", "-pix_fmt", "nv12", "-s", "1920x1080"]
        + ["-i", str(src), "-vf", f"scale={w}:{h}", "-f", "rawvideo", "-pix_fmt", "nv12"]
        + [str(out)]
    )
    return out.read_bytes()


@pytest.fixture(scope="session")
def clip_720p() -> List[bytes]:
    """Eight consecutive frames of a moving camera, 1280x720 NV12."""
    size = 1280 * 720 * 3 // 2
    with open(testdata_dir() / "video" / "pan_path_1280x720_60f.nv12", "rb") as f:
        return [f.read(size) for _ in range(8)]


def run(cmd: List[str], **kwargs) -> subprocess.CompletedProcess:
    """Runs a command; its stderr becomes the failure message."""
    done = subprocess.run(cmd, capture_output=True, text=True, **kwargs)
    if done.returncode != 0:
        pytest.fail(f"{cmd[0]} failed ({done.returncode}):\n{done.stderr}\n{done.stdout}")
    return done


def decoded_frames(path: Path, fmt: str) -> List[int]:
    """The size in bytes of every picture ffmpeg decodes from a raw ``hevc`` or
    ``mjpeg`` stream; any decoder complaint fails the test."""
    done = run(["ffmpeg", "-v", "error", "-f", fmt, "-i", str(path), "-f", "framecrc", "-"])
    if done.stderr.strip():
        pytest.fail(f"ffmpeg reported errors decoding {path}:\n{done.stderr}")
    rows = [line.split(",") for line in done.stdout.splitlines() if not line.startswith("#")]
    return [int(r[4]) for r in rows]


def nal_types(access_unit: bytes) -> List[int]:
    """H.265 NAL unit types of an Annex-B access unit, in order."""
    types = []
    i = access_unit.find(b"\x00\x00\x01")
    while i >= 0:
        types.append((access_unit[i + 3] >> 1) & 0x3F)
        i = access_unit.find(b"\x00\x00\x01", i + 3)
    return types
