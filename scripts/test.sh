#!/usr/bin/env bash
# Runs every test: formatting and lints, unit tests, conformance against ffmpeg,
# libjpeg-turbo (and libde265 for H.265), CLI tests, and the Python package (built
# and installed with pip into target/venv, then pytest). Installs what is missing first.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/deps.sh"
cd "$ROOT"

install_packages
make_testdata
python_env

cargo fmt --all --check
cargo clippy --workspace --all-targets --release -- -D warnings
cargo test --workspace --release
# The codecs' unit tests again on the SSE kernels alone and on the portable code (each
# kernel's own test compares it with its twin whatever the setting; these run the rest
# of the tests through them too).
for simd in sse scalar; do
  SOFTVPU_SIMD=$simd cargo test --release -p softvpu-hevc -p softvpu-mjpeg --lib
done
# The PyO3 module is behind a feature that the workspace commands leave off.
PYO3_PYTHON=$PY cargo clippy -p softvpu-py --features python --all-targets --release -- -D warnings

"$PY" -m pip install -q .
"$PY" -m pytest -q python/tests
