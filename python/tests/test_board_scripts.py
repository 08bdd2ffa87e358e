"""Board sample scripts, run unchanged as separate programs on a real NV12 picture.

Each script reads ``output.img`` (a 1920x1080 camera photo) from its working directory
and writes 100 encoded frames to ``encode.h264``; ffmpeg must decode all 100. The
scripts run as written, at 1920x1080 with the boards' 2-second ``get_frame`` wait: every
frame must be encoded within it. The only edit is the codec number of the MJPEG runs.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Dict, List, Tuple

import pytest
from conftest import decoded_frames, run

SCRIPTS = Path(__file__).parent / "board_scripts"
FRAMES = 100


def edit(script: str, old: str, new: str) -> str:
    assert script.count(old) == 1, f"{old!r} not found once in the script"
    return script.replace(old, new)


def run_script(name: str, edits: List[Tuple[str, str]], frame: bytes, tmp: Path,
               env: Dict[str, str]) -> Tuple[str, Path]:
    """Runs ``board_scripts/name`` in ``tmp`` beside ``output.img``; its stdout and
    the stream it wrote."""
    script = (SCRIPTS / name).read_text()
    for old, new in edits:
        script = edit(script, old, new)
    (tmp / name).write_text(script)
    (tmp / "output.img").write_bytes(frame)
    done = run([sys.executable, name], cwd=tmp, env={**os.environ, **env})
    return done.stdout, tmp / "encode.h264"


def check_run(stdout: str, stream: Path, fmt: str, size: Tuple[int, int], send: str) -> None:
    assert "Encoder encode return:0" in stdout
    assert stdout.count(f"Encoder {send} return:0") == FRAMES
    assert stdout.count("encode write image success") == FRAMES
    assert "failed" not in stdout
    assert "test_encode done!!!" in stdout
    frames = decoded_frames(stream, fmt)
    assert len(frames) == FRAMES
    assert set(frames) == {size[0] * size[1] * 3 // 2}


# The boards' wait, whatever the environment running the tests says.
BOARD_WAIT = {"SOFTVPU_GET_FRAME_TIMEOUT": ""}


def test_seed_script_h265_1080p(tmp_path, still_1080p):
    out, stream = run_script("seed_encode.py", [], still_1080p, tmp_path, BOARD_WAIT)
    check_run(out, stream, "hevc", (1920, 1080), "send_frame")


def test_seed_script_mjpeg_1080p(tmp_path, still_1080p):
    edits = [("encode(2, [1920, 1080])", "encode(3, [1920, 1080])")]
    out, stream = run_script("seed_encode.py", edits, still_1080p, tmp_path, BOARD_WAIT)
    check_run(out, stream, "mjpeg", (1920, 1080), "send_frame")


def test_board_form_h265_1080p(tmp_path, still_1080p):
    out, stream = run_script("board_encode.py", [], still_1080p, tmp_path, BOARD_WAIT)
    check_run(out, stream, "hevc", (1920, 1080), "encode_file")


def test_board_form_mjpeg_1080p(tmp_path, still_1080p):
    edits = [("encode(0, 2, 1920, 1080)", "encode(0, 3, 1920, 1080)")]
    out, stream = run_script("board_encode.py", edits, still_1080p, tmp_path, BOARD_WAIT)
    check_run(out, stream, "mjpeg", (1920, 1080), "encode_file")


@pytest.mark.parametrize("name", ["seed_encode.py", "board_encode.py"])
def test_scripts_are_the_documented_ones(name):
    """Guards against the samples drifting: only the calls named above differ."""
    script = (SCRIPTS / name).read_text()
    assert "from hobot_vio import libsrcampy" in script
    assert "import cv2" in script and "import numpy as np" in script
    assert 'open("output.img", "rb")' in script
    assert "while a < 100:" in script
