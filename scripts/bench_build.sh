#!/usr/bin/env bash
# Clean build times (debug, as a user's first `cargo run` sees them), each in a fresh
# target directory: the derive crate alone, the runtime crate, then the hello world example.
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
    # wall time, and user + system CPU time (less sensitive to other load on the machine)
    /usr/bin/time -f '%e %U %S' -o "$tmp/$label.time" \
        env CARGO_TARGET_DIR="$tmp/$label" cargo build --quiet "$@"
    read -r wall user sys <"$tmp/$label.time"
    awk -v w="$wall" -v u="$user" -v s="$sys" -v c="$*" \
        'BEGIN { printf "| `cargo build %s` | %.1f s | %.1f s |\n", c, w, u + s }'
}

echo "clean debug builds, $(nproc) cores, $(rustc --version)"
echo
echo "| build (fresh target dir) | wall time | CPU time (user + sys) |"
echo "|---|---:|---:|"
time_build derive -p exporter-derive
# What a user's own hello world compiles: the runtime with its default features.
time_build core -p exporter-core
# The example in this repository: the same runtime, plus the root package's one
# dev-dependency (axum, for the axum example).
time_build hello --example hello_world
