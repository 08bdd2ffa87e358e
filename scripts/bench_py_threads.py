"""Four softvpu encoders in four Python threads against the same work done one after
another: shows that encoding runs outside the interpreter lock.

    target/venv/bin/python scripts/bench_py_threads.py [--frames N] [--encoders K]

Needs the package installed (scripts/test.sh installs it into target/venv) and the
test clips (``$SOFTVPU_TESTDATA``, default target/testdata).
"""

from __future__ import annotations

import argparse
import os
import threading
import time
from pathlib import Path
from typing import Callable, List, Tuple

import softvpu

ROOT = Path(__file__).resolve().parents[1]
CLIP = "video/pan_path_1280x720_60f.nv12"
SIZE = (1280, 720)


def load_frames(count: int) -> List[bytes]:
    data = Path(os.environ.get("SOFTVPU_TESTDATA", ROOT / "target" / "testdata"))
    frame_len = SIZE[0] * SIZE[1] * 3 // 2
    with open(data / CLIP, "rb") as f:
        return [f.read(frame_len) for _ in range(count)]


def encode(frames: List[bytes], codec: str, threads: int) -> int:
    with softvpu.Encoder(codec, width=SIZE[0], height=SIZE[1], threads=threads) as enc:
        return sum(len(p) for p in enc.encode_all(frames))


def timed(run: Callable[[], object]) -> Tuple[float, float]:
    """Wall seconds, and the cores this process kept busy on average (CPU time / wall
    time: well below the core count means other work on the machine competed)."""
    cpu = time.process_time()
    start = time.perf_counter()
    run()
    wall = time.perf_counter() - start
    return wall, (time.process_time() - cpu) / wall


def compare(frames: List[bytes], codec: str, threads: int, encoders: int):
    """(seconds, cores) for `encoders` encodes one after another, then in threads."""
    sequential = timed(lambda: [encode(frames, codec, threads) for _ in range(encoders)])

    def parallel() -> None:
        workers = [
            threading.Thread(target=encode, args=(frames, codec, threads))
            for _ in range(encoders)
        ]
        for w in workers:
            w.start()
        for w in workers:
            w.join()

    return sequential, timed(parallel)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--frames", type=int, default=0, help="frames per encoder")
    parser.add_argument("--encoders", type=int, default=4)
    args = parser.parse_args()
    print(f"{os.cpu_count()} cores, {args.encoders} encoders, {SIZE[0]}x{SIZE[1]}")
    print("codec  threads/enc  frames/enc  sequential s (cores)  parallel s (cores)  speed-up")
    for codec, threads, default_frames in [("mjpeg", 1, 60), ("mjpeg", 0, 60), ("h265", 1, 4)]:
        count = args.frames or default_frames
        (seq, seq_cores), (par, par_cores) = compare(
            load_frames(count), codec, threads, args.encoders
        )
        print(
            f"{codec:6} {threads or 'all'!s:>11} {count:>11} {seq:>13.2f} ({seq_cores:.1f})"
            f" {par:>11.2f} ({par_cores:.1f}) {seq / par:>9.2f}"
        )


if __name__ == "__main__":
    main()
