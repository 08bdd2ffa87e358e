"""Soak run through the drop-in Python API: one H.265 and one MJPEG ``libsrcampy.Encoder``
encode FRAMES small frames side by side (a third channel is opened, used and closed
every 1000 frames). Resident memory must stay flat after the warm-up (the first 10 %).

    python scripts/soak_py.py [FRAMES] [WIDTH HEIGHT]     defaults: 100000 frames of 128x96
"""

from __future__ import annotations

import sys
import time

from hobot_vio import libsrcampy

#: Growth after the warm-up that counts as a leak (the interpreter's own arenas move
#: by a few hundred KiB).
MAX_GROWTH_KIB = 2048


def resident_kib() -> int:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise RuntimeError("no VmRSS in /proc/self/status")


def frame(width: int, height: int, n: int) -> bytes:
    row = bytes((x * 2 + n) % 256 for x in range(width))
    luma = b"".join(row[y % 7 :] + row[: y % 7] for y in range(height))
    return luma + bytes([128 + (n % 40)]) * (width * height // 2)


def encode(enc: libsrcampy.Encoder, img: bytes) -> int:
    if enc.send_frame(img) != 0:
        raise SystemExit("soak: FAILED: send_frame returned -1")
    packet = enc.get_frame()
    if not isinstance(packet, bytes) or not packet:
        raise SystemExit("soak: FAILED: get_frame gave no packet")
    return len(packet)


def main() -> None:
    frames = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    width, height = (int(sys.argv[2]), int(sys.argv[3])) if len(sys.argv) > 3 else (128, 96)
    inputs = [frame(width, height, n) for n in range(60)]
    channels = []
    for encode_type, kbps in ((2, 100), (3, 3000)):
        enc = libsrcampy.Encoder()
        if enc.encode(encode_type, [width, height], kbps) != 0:
            raise SystemExit("soak: FAILED: encode returned -1")
        channels.append(enc)
    warmup = min(frames, max(1000, frames // 10))
    base = highest = peak = 0
    total = [0, 0]
    start = time.monotonic()
    for n in range(frames):
        img = inputs[n % len(inputs)]
        for i, enc in enumerate(channels):
            total[i] += encode(enc, img)
        if n % 1000 == 0:
            churn = libsrcampy.Encoder()
            churn.encode(2, [width, height], 500)
            encode(churn, img)
            churn.close()
        if n % 1000 == 0 or n == frames - 1:
            rss = resident_kib()
            peak = max(peak, rss)
            if n >= warmup:
                base = base or rss
                highest = max(highest, rss)
        if (n + 1) % max(1, frames // 10) == 0:
            rate = 2 * (n + 1) / (time.monotonic() - start)
            print(f"{n + 1:>7} frames  {rate:>6.0f} fps  resident {resident_kib():>6} KiB", flush=True)
    for enc in channels:
        enc.close()
    base = base or resident_kib()
    growth = max(0, highest - base)
    kbps = [b * 8 * 30 / frames / 1000 for b in total]
    print(
        f"{frames} frames each of H.265 ({kbps[0]:.0f} kbps) and MJPEG ({kbps[1]:.0f} kbps) "
        f"at {width}x{height} through libsrcampy in {time.monotonic() - start:.1f} s"
    )
    print(
        f"resident memory: peak {peak} KiB, after warm-up {base} KiB, "
        f"growth after warm-up {growth} KiB (limit {MAX_GROWTH_KIB})"
    )
    if growth > MAX_GROWTH_KIB:
        raise SystemExit(f"soak: FAILED: resident memory grew {growth} KiB after the warm-up")


if __name__ == "__main__":
    main()
