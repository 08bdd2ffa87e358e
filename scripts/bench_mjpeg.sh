#!/usr/bin/env bash
# MJPEG speed against libjpeg-turbo (tjCompressFromYUVPlanes), same machine, same
# run, same planes, same quality, same thread count, on the 1080p pan clip.
# Usage: scripts/bench_mjpeg.sh [REPS]   (not a test: prints a table)
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/deps.sh"
cd "$ROOT"
install_packages
make_testdata
REPS=${1:-3}
CLIP=$SOFTVPU_TESTDATA/video/pan_path_1920x1080_60f.nv12
cargo build --release -q --example encode_clip -p softvpu
mkdir -p target/tools
gcc -O2 -o target/tools/tjhelper tools/tjhelper.c -lturbojpeg -lpthread
NPROC=$(nproc)

field() { awk -v k="$1" '{for (i = 1; i < NF; i++) if ($i == k) print $(i + 1)}'; }

printf '%-8s %-8s %12s %12s %12s %12s %7s %7s\n' quality threads softvpu_fps tj_fps softvpu_B tj_B speed size
for q in 75 90; do
  for t in 1 "$NPROC"; do
    ours=$(target/release/examples/encode_clip mjpeg "$CLIP" 1920x1080 "q=$q" "$t" "$REPS")
    theirs=$(target/tools/tjhelper bench 1920 1080 "$q" "$t" "$CLIP" "$REPS")
    of=$(echo "$ours" | field fps); tf=$(echo "$theirs" | field fps)
    ob=$(echo "$ours" | field bytes_per_frame); tb=$(echo "$theirs" | field bytes_per_frame)
    awk -v q="$q" -v t="$t" -v of="$of" -v tf="$tf" -v ob="$ob" -v tb="$tb" \
      'BEGIN { printf "%-8s %-8s %12s %12s %12s %12s %7.2f %7.3f\n", q, t, of, tf, ob, tb, of / tf, ob / tb }'
  done
done
