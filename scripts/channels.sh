#!/usr/bin/env bash
# Many channels in one process: COUNT (default 32) Rust-thread channels of FRAMES frames
# (default 30), mixed codecs and sizes up to 720p, every stream checked against the same
# channel alone and against ffmpeg and libde265; then 32 channels in Python threads.
#
#   scripts/channels.sh [COUNT] [FRAMES]
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/deps.sh"
cd "$ROOT"

install_packages
make_testdata
python_env
cargo build --release -q -p softvpu-stress --bin channels
"$PY" -m pip install -q .

echo "== Rust threads"
target/release/channels "${1:-32}" "${2:-30}"
echo "== Python threads (drop-in and Pythonic channels)"
"$PY" -m pytest -q python/tests/test_channels.py
