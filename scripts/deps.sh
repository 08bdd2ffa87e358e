#!/usr/bin/env bash
# Installs what the tests and benchmarks need when it is missing (Debian / Ubuntu),
# and makes the natural test clips. Sourced by test.sh and bench scripts.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
SHARED=${SOFTVPU_SHARED:-$ROOT/../shared}
export SOFTVPU_TESTDATA=${SOFTVPU_TESTDATA:-$ROOT/target/testdata}
# The Python tests run in their own virtual environment: nothing is installed into the
# system Python (which Debian marks externally managed), and a rerun reuses it.
VENV=${SOFTVPU_VENV:-$ROOT/target/venv}
PY=$VENV/bin/python

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

install_packages() {
  local missing=()
  command -v ffmpeg >/dev/null || missing+=(ffmpeg)
  command -v djpeg >/dev/null || missing+=(libjpeg-turbo-progs)
  [ -f /usr/include/turbojpeg.h ] || missing+=(libturbojpeg0-dev)
  command -v libde265-dec265 >/dev/null || missing+=(libde265-examples)
  command -v x265 >/dev/null || missing+=(x265)
  command -v gcc >/dev/null || missing+=(gcc)
  command -v unzip >/dev/null || missing+=(unzip)
  command -v valgrind >/dev/null || missing+=(valgrind)
  [ -x /usr/bin/time ] || missing+=(time)
  command -v python3 >/dev/null || missing+=(python3 python3-venv)
  if [ ${#missing[@]} -gt 0 ]; then
    echo "installing: ${missing[*]}"
    as_root apt-get update -qq
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
  fi
}

make_testdata() {
  if [ ! -f "$SOFTVPU_TESTDATA/SHA256SUMS" ]; then
    [ -f "$SHARED/data/make_data.sh" ] || { echo "no $SHARED/data/make_data.sh; set SOFTVPU_SHARED" >&2; exit 1; }
    echo "making test clips in $SOFTVPU_TESTDATA"
    bash "$SHARED/data/make_data.sh" "$SOFTVPU_TESTDATA" 60 >/dev/null
  fi
}

# The virtual environment with what the Python tests import: pytest, hypothesis, numpy,
# and OpenCV because the boards' sample scripts import cv2. (pip fetches maturin for the build.)
python_env() {
  if ! "$PY" -c pass 2>/dev/null; then
    echo "making the Python test environment in $VENV"
    if ! python3 -m venv --clear "$VENV" >/dev/null 2>&1; then
      rm -rf "$VENV"  # Debian's python3 makes venvs only with python3-venv
      as_root apt-get update -qq
      as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-venv >/dev/null
      python3 -m venv "$VENV"
    fi
  fi
  if ! "$PY" -c "import pytest, hypothesis, numpy, cv2" 2>/dev/null; then
    echo "installing pytest, hypothesis, numpy and opencv-python-headless into $VENV"
    "$PY" -m pip install -q pytest hypothesis numpy opencv-python-headless
  fi
}
