#!/usr/bin/env bash
# Runs every fuzz target in fuzz/ for a bounded time each (issue 11 item 8).
#
#   FUZZ_SECONDS   seconds per target (default 15, the CI setting; e.g. 600 locally)
#   FUZZ_TARGETS   space-separated targets to run (default: all, `cargo fuzz list`)
#   FUZZ_GROW=1    write new interesting inputs into the kept corpus (fuzz/corpus/<target>)
#                  instead of a scratch copy; minimise it afterwards with
#                  `cd fuzz && cargo fuzz cmin --sanitizer none <target>`.
#
# cargo-fuzz on the stable toolchain: `--sanitizer none` (AddressSanitizer needs
# nightly's -Zsanitizer, and nightly is not used here); the targets assert properties
# of the answers themselves, and debug assertions and overflow checks stay on.
# A failing input is saved under fuzz/artifacts/<target>/ (never committed) and the
# script exits non-zero; reproduce it with
#   cd fuzz && cargo fuzz run --sanitizer none <target> artifacts/<target>/<file>
set -euo pipefail
cd "$(dirname "$0")/../fuzz"

seconds=${FUZZ_SECONDS:-15}
if ! cargo fuzz --version >/dev/null 2>&1; then
    echo "cargo-fuzz is missing: cargo install cargo-fuzz --locked" >&2
    exit 1
fi

echo "==> cargo fuzz build --sanitizer none"
cargo fuzz build --sanitizer none

targets=${FUZZ_TARGETS:-$(cargo fuzz list)}
scratch=target/corpus-run
summary=()
for target in $targets; do
    kept=corpus/$target
    mkdir -p "$kept"
    if [ "${FUZZ_GROW:-0}" = 1 ]; then
        dirs=("$kept")
    else
        # New inputs go to a scratch directory; the kept corpus is only read.
        rm -rf "${scratch:?}/$target"
        mkdir -p "$scratch/$target"
        dirs=("$scratch/$target" "$kept")
    fi
    dict=()
    [ -f "dict/$target.dict" ] && dict=("-dict=dict/$target.dict")
    echo "==> fuzz $target for ${seconds}s"
    log=$(mktemp)
    # -timeout: one input taking 30 s is a failure (a hang) in its own right.
    if ! cargo fuzz run --sanitizer none "$target" "${dirs[@]}" -- \
        -max_total_time="$seconds" -timeout=30 -rss_limit_mb=2048 \
        -print_final_stats=1 "${dict[@]}" >"$log" 2>&1; then
        tail -n 60 "$log" >&2
        rm -f "$log"
        echo "fuzz target $target FAILED (input saved under fuzz/artifacts/$target/)" >&2
        exit 1
    fi
    runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
    cov=$(grep -o 'cov: [0-9]*' "$log" | tail -n 1 || true)
    rm -f "$log"
    echo "    $target: ${runs:-?} runs in ${seconds}s, ${cov:-cov: ?}, no failure"
    summary+=("$target=${runs:-?}")
done
echo "fuzz: ${summary[*]} (runs per target, ${seconds}s each)"
