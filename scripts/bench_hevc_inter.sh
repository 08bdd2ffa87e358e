#!/usr/bin/env bash
# H.265 low-delay P compression and speed against x265 on the 1080p camera clips: constant
# QP 27 / 32 / 37, an IDR every 30 frames, x265 ultrafast / superfast / veryfast with
# --tune zerolatency --bframes 0 --ipratio 1 --keyint 30 at the same QP and thread count;
# both softvpu presets.
# Prints kbps (at 30 fps), PSNR-Y and encode frames/s per clip and QP, then BD-rates.
# Usage: scripts/bench_hevc_inter.sh [FRAMES]   (not a test: prints tables)
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/deps.sh"
cd "$ROOT"
install_packages
make_testdata
cargo build --release -q -p softvpu-cli
FRAMES=${1:-30}
THREADS=$(nproc)
OUT=target/bench-hevc-inter
mkdir -p "$OUT"
RESULTS=$OUT/results.txt
: > "$RESULTS"

for clip in pan_path bikes; do
  src=$SOFTVPU_TESTDATA/video/${clip}_1920x1080_60f.nv12
  head -c $((1920 * 1080 * 3 / 2 * FRAMES)) "$src" > "$OUT/$clip.nv12"
  ffmpeg -v error -y -f rawvideo -pix_fmt nv12 -s 1920x1080 -i "$OUT/$clip.nv12" \
    -f rawvideo -pix_fmt yuv420p "$OUT/$clip.yuv"
  for qp in 27 32 37; do
    for preset in fast thorough; do
      target/release/softvpu encode -i "$OUT/$clip.nv12" --size 1920x1080 --qp "$qp" --gop 30 \
        --preset "$preset" --threads "$THREADS" --psnr -o "$OUT/$clip-$qp-$preset.hevc" \
        2> "$OUT/log" || { cat "$OUT/log"; exit 1; }
      kbps=$(grep -o '[0-9.]* kbps' "$OUT/log" | head -1 | awk '{print $1}')
      fps=$(grep -o '([0-9.]* fps)' "$OUT/log" | tr -d '(' | awk '{print $1}')
      psnr=$(grep -o 'PSNR: Y [0-9.]*' "$OUT/log" | awk '{print $3}')
      echo "softvpu-$preset $clip $qp $kbps $psnr $fps" >> "$RESULTS"
    done
    for preset in ultrafast superfast veryfast; do
      x265 --preset "$preset" --tune zerolatency --bframes 0 --ipratio 1 --keyint 30 --qp "$qp" \
        --frame-threads 1 --pools "$THREADS" --input-res 1920x1080 --fps 30 --input-csp i420 \
        --psnr -o "$OUT/$clip-$qp-$preset.hevc" "$OUT/$clip.yuv" 2> "$OUT/log"
      line=$(grep 'encoded' "$OUT/log")
      kbps=$(echo "$line" | grep -o '[0-9.]* kb/s' | awk '{print $1}')
      fps=$(echo "$line" | grep -o '([0-9.]* fps)' | tr -d '(' | awk '{print $1}')
      # Frame-count-weighted mean of the per-slice-type PSNR-Y lines.
      psnr=$(grep -E 'frame [IPB]:' "$OUT/log" \
        | sed -E 's/.*frame [IPB]: *([0-9]+),.*Y:([0-9.]+).*/\1 \2/' \
        | awk '{n += $1; s += $1 * $2} END {printf "%.3f", s / n}')
      echo "x265-$preset $clip $qp $kbps $psnr $fps" >> "$RESULTS"
    done
  done
done

python3 - "$RESULTS" <<'PY'
import sys, collections
sys.path.insert(0, "scripts")
from bdrate import bd_rate
rows = [l.split() for l in open(sys.argv[1])]
curves = collections.defaultdict(list)
print(f"{'encoder':16} {'clip':9} {'qp':>3} {'kbps':>9} {'PSNR-Y':>7} {'fps':>7}")
for enc, clip, qp, kbps, psnr, fps in rows:
    print(f"{enc:16} {clip:9} {qp:>3} {float(kbps):9.1f} {float(psnr):7.3f} {float(fps):7.2f}")
    curves[(enc, clip)].append((float(kbps), float(psnr)))
clips = sorted({c for _, c in curves})
pairs = [(f"softvpu-{ours}", f"x265-{theirs}")
         for ours in ["fast", "thorough"] for theirs in ["ultrafast", "superfast", "veryfast"]]
pairs.append(("softvpu-thorough", "softvpu-fast"))
for ours, anchor in pairs:
    vals = [bd_rate(curves[(anchor, c)], curves[(ours, c)]) for c in clips]
    print(f"BD-rate {ours} vs {anchor}: "
          + ", ".join(f"{c} {v:+.1f}%" for c, v in zip(clips, vals))
          + f"; mean {sum(vals) / len(vals):+.1f}%")
PY
