#!/usr/bin/env bash
# Runs every test: formatting and lints, unit tests, conformance against ffmpeg,
# libjpeg-turbo (and libde265 for H.265), CLI tests. Installs what is missing first.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/deps.sh"
cd "$ROOT"

install_packages
make_testdata

cargo fmt --all --check
cargo clippy --workspace --all-targets --release -- -D warnings
cargo test --workspace --release
