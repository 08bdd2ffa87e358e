#!/usr/bin/env bash
# Long runs: FRAMES (default 100000) small frames of both codecs through the Rust API and
# through the drop-in Python API, each showing resident memory flat after the warm-up;
# then a short run under valgrind's leak checker.
#
#   scripts/soak.sh [FRAMES]
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/deps.sh"
cd "$ROOT"
FRAMES="${1:-100000}"

install_packages
python_env
cargo build --release -q -p softvpu-stress --bin soak
"$PY" -m pip install -q .

echo "== Rust API: $FRAMES frames per codec"
target/release/soak "$FRAMES"
echo "== Python drop-in API: $FRAMES frames per codec"
"$PY" scripts/soak_py.py "$FRAMES"
echo "== valgrind, 200 frames per codec"
valgrind -q --leak-check=full --show-leak-kinds=definite,indirect \
    --errors-for-leak-kinds=definite,indirect --error-exitcode=99 \
    target/release/soak 200 64x64 | tail -2
echo "valgrind: no leak"
