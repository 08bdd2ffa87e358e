#!/usr/bin/env bash
# Runs the libFuzzer targets of fuzz/ (cargo-fuzz, AddressSanitizer) one after another,
# each for SECONDS (default 600), and prints the executions of each.
#
#   scripts/fuzz.sh [SECONDS] [TARGET...]      targets: config calls roundtrip
#
# A failing input lands in fuzz/artifacts/<target>/. Keep it as a regression test by
# copying it to fuzz/regressions/<target>/<what-it-found>; `cargo test` replays those.
# Needs a nightly toolchain, or the stable one with RUSTC_BOOTSTRAP=1 (used when no
# nightly is installed).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT/fuzz"

SECONDS_EACH="${1:-600}"
shift || true
TARGETS=("$@")
[ ${#TARGETS[@]} -gt 0 ] || TARGETS=(config calls roundtrip)

command -v cargo-fuzz >/dev/null || cargo install cargo-fuzz --locked
if rustup run nightly rustc --version >/dev/null 2>&1; then
    FUZZ=(cargo +nightly fuzz)
else
    export RUSTC_BOOTSTRAP=1
    FUZZ=(cargo fuzz)
fi

status=0
for target in "${TARGETS[@]}"; do
    mkdir -p "corpus/$target"
    log="$(mktemp)"
    echo "== $target: $SECONDS_EACH s"
    if "${FUZZ[@]}" run "$target" "corpus/$target" -- \
        -max_total_time="$SECONDS_EACH" -timeout=60 -rss_limit_mb=4096 \
        -print_final_stats=1 >"$log" 2>&1; then
        result=ok
    else
        result=FAILED
        status=1
        grep -E "panicked|ERROR|SUMMARY|Test unit written" "$log" | head -20 || true
    fi
    execs="$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' || echo '?')"
    cov="$(grep -oE 'cov: [0-9]+' "$log" | tail -1 || true)"
    echo "$target: $result, $execs executions, $cov, corpus $(ls "corpus/$target" | wc -l) inputs (log: $log)"
done
exit $status
