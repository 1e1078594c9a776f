#!/usr/bin/env bash
# Clean build times (debug, as a user's first `cargo run` sees them), each in a fresh
# target directory: the derive crate alone, then the hello world example.
# Dependencies' sources must already be downloaded (`cargo fetch`); they are compiled
# from scratch. Usage: scripts/bench_build.sh
set -euo pipefail
cd "$(dirname "$0")/.."

cargo fetch --quiet
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

time_build() {
    local label=$1
    shift
    local start end
    start=$(date +%s.%N)
    CARGO_TARGET_DIR="$tmp/$label" cargo build --quiet "$@"
    end=$(date +%s.%N)
    awk -v a="$start" -v b="$end" -v c="$*" 'BEGIN { printf "| `cargo build %s` | %.1f s |\n", c, b - a }'
}

echo "clean debug builds, $(nproc) cores, $(rustc --version)"
echo
echo "| build (fresh target dir) | wall time |"
echo "|---|---:|"
time_build derive -p exporter-derive
time_build hello --example hello_world
