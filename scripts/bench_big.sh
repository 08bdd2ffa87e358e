#!/usr/bin/env bash
# The size and memory targets on this machine, in one run:
#   - 4096x4096 H.265: FRAMES of pan_path scaled up, 40000 kbps, an IDR every 30 frames,
#     all threads, against x265 superfast with bench.sh's options; frames/s, kbps and
#     peak resident memory of each;
#   - a 1080p channel's footprint: peak resident memory of the CLI encoding 60 frames of
#     pan_path at 8000 kbps with 1 thread, all threads and 8 threads.
# Usage: scripts/bench_big.sh [FRAMES]   (FRAMES default 10; not a test: prints a table)
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/deps.sh"
cd "$ROOT"
install_packages
make_testdata
FRAMES=${1:-10}
THREADS=$(nproc)
OUT=target/bench
mkdir -p "$OUT"
cargo build --release -q -p softvpu-cli

src=$SOFTVPU_TESTDATA/video/pan_path_1920x1080_60f.nv12
big=$OUT/pan_path_4096x4096
ffmpeg -v error -y -f rawvideo -pix_fmt nv12 -s 1920x1080 -i "$src" -frames:v "$FRAMES" \
  -vf scale=4096:4096 -f rawvideo -pix_fmt nv12 "$big.nv12"
ffmpeg -v error -y -f rawvideo -pix_fmt nv12 -s 4096x4096 -i "$big.nv12" \
  -f rawvideo -pix_fmt yuv420p "$big.yuv"

# Prints "fps kbps peak-MB" of one softvpu encode: size, input, threads, kbps.
softvpu_run() {
  local size=$1 input=$2 threads=$3 kbps=$4
  /usr/bin/time -f '%M' -o "$OUT/rss" target/release/softvpu encode -i "$input" \
    --size "$size" --gop 30 --threads "$threads" --bitrate "$kbps" -o "$OUT/big.hevc" \
    2> "$OUT/log" || { cat "$OUT/log"; exit 1; }
  local fps rate
  fps=$(grep -o '([0-9.]* fps)' "$OUT/log" | tr -d '(' | awk '{print $1}')
  rate=$(grep -o '[0-9.]* kbps at' "$OUT/log" | awk '{print $1}')
  echo "$fps $rate $(awk '{printf "%.0f", $1 / 1024}' "$OUT/rss")"
}

x265_big() {
  /usr/bin/time -f '%M' -o "$OUT/rss" x265 --preset superfast --tune zerolatency --bframes 0 \
    --keyint 30 --frame-threads 1 --pools "$THREADS" --input-res 4096x4096 --fps 30 \
    --input-csp i420 --bitrate 40000 -o "$OUT/big-x265.hevc" "$big.yuv" 2> "$OUT/log"
  local line
  line=$(grep 'encoded' "$OUT/log")
  echo "$(echo "$line" | grep -o '([0-9.]* fps)' | tr -d '(' | awk '{print $1}')" \
    "$(echo "$line" | grep -o '[0-9.]* kb/s' | awk '{print $1}')" \
    "$(awk '{printf "%.0f", $1 / 1024}' "$OUT/rss")"
}

echo "$FRAMES frames of 4096x4096 at 40000 kbps, $THREADS threads"
printf '%-24s %8s %8s %10s\n' encoder fps kbps peak_MB
read -r fps kbps mb <<< "$(softvpu_run 4096x4096 "$big.nv12" "$THREADS" 40000)"
printf '%-24s %8s %8s %10s\n' softvpu "$fps" "$kbps" "$mb"
ours=$fps
read -r fps kbps mb <<< "$(x265_big)"
printf '%-24s %8s %8s %10s\n' x265-superfast "$fps" "$kbps" "$mb"
awk -v a="$ours" -v b="$fps" 'BEGIN {printf "softvpu %.2fx x265 superfast\n\n", a / b}'

echo "1080p pan_path, 60 frames at 8000 kbps: one channel's peak memory"
printf '%-24s %8s %8s %10s\n' threads fps kbps peak_MB
for t in 1 "$THREADS" 8; do
  read -r fps kbps mb <<< "$(softvpu_run 1920x1080 "$src" "$t" 8000)"
  printf '%-24s %8s %8s %10s\n' "$t" "$fps" "$kbps" "$mb"
done
