#!/usr/bin/env bash
# H.265 intra compression and speed against x265 on the 1080p stills: every picture an IDR,
# constant QP 27 / 32 / 37, x265 with --keyint 1 --ipratio 1 at the same QP. Prints bits and
# PSNR-Y per still and QP, BD-rate against each x265 preset, and 1080p intra frames/s at QP 32.
# Usage: scripts/bench_hevc_intra.sh   (not a test: prints tables)
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/deps.sh"
cd "$ROOT"
install_packages
make_testdata
cargo build --release -q -p softvpu-cli -p softvpu --example encode_clip
OUT=target/bench-hevc-intra
mkdir -p "$OUT"
SOFTVPU=target/release/softvpu
QPS="27 32 37"
RESULTS=$OUT/results.txt
: > "$RESULTS"

for still in "$SOFTVPU_TESTDATA"/stills/*_1920x1080.nv12; do
  name=$(basename "$still" _1920x1080.nv12)
  ffmpeg -v error -y -f rawvideo -pix_fmt nv12 -s 1920x1080 -i "$still" -f rawvideo -pix_fmt yuv420p "$OUT/$name.yuv"
  for qp in $QPS; do
    "$SOFTVPU" encode -i "$still" --size 1920x1080 -o "$OUT/$name-$qp.hevc" --qp "$qp" --psnr 2> "$OUT/log" \
      || { cat "$OUT/log"; exit 1; }
    bytes=$(stat -c %s "$OUT/$name-$qp.hevc")
    psnr=$(grep -o 'PSNR: Y [0-9.]*' "$OUT/log" | awk '{print $3}')
    echo "softvpu $name $qp $((bytes * 8)) $psnr" >> "$RESULTS"
    for preset in ultrafast medium; do
      x265 --preset "$preset" --keyint 1 --ipratio 1 --qp "$qp" --input-res 1920x1080 --fps 30 \
        --input-csp i420 --psnr --frames 1 -o "$OUT/$name-$qp-$preset.hevc" "$OUT/$name.yuv" 2> "$OUT/log"
      bytes=$(stat -c %s "$OUT/$name-$qp-$preset.hevc")
      psnr=$(grep -o 'PSNR Mean: Y:[0-9.]*' "$OUT/log" | grep -o '[0-9.]*$')
      echo "x265-$preset $name $qp $((bytes * 8)) $psnr" >> "$RESULTS"
    done
  done
done

python3 - "$RESULTS" <<'PY'
import sys, collections
sys.path.insert(0, "scripts")
from bdrate import bd_rate
rows = [l.split() for l in open(sys.argv[1])]
curves = collections.defaultdict(list)
print(f"{'encoder':16} {'still':12} {'qp':>3} {'bits':>9} {'PSNR-Y':>7}")
for enc, still, qp, bits, psnr in rows:
    print(f"{enc:16} {still:12} {qp:>3} {bits:>9} {psnr:>7}")
    curves[(enc, still)].append((float(bits), float(psnr)))
stills = sorted({s for _, s in curves})
for preset in ["ultrafast", "medium"]:
    vals = [bd_rate(curves[(f"x265-{preset}", s)], curves[("softvpu", s)]) for s in stills]
    print(f"BD-rate softvpu vs x265 {preset}: " + ", ".join(f"{s} {v:+.1f}%" for s, v in zip(stills, vals))
          + f"; mean {sum(vals) / len(vals):+.1f}%")
PY

CLIP=$SOFTVPU_TESTDATA/video/pan_path_1920x1080_60f.nv12
NPROC=$(nproc)
for t in 1 "$NPROC"; do
  echo "intra 1080p qp 32, $t thread(s): $(target/release/examples/encode_clip h265 "$CLIP" 1920x1080 qp=32 "$t" 1)"
done
