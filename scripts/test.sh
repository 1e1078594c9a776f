#!/usr/bin/env bash
# The whole test suite: formatting, lints, every Rust test and doc test, and the
# end-to-end checks against third-party parsers and a real Prometheus server.
# With CI=true a missing checker fails the run instead of being skipped.
set -euo pipefail
cd "$(dirname "$0")/.."

echo "==> cargo fmt --check"
cargo fmt --all -- --check

echo "==> cargo clippy --all-targets -D warnings"
cargo clippy --workspace --all-targets -- -D warnings

echo "==> cargo test (unit, integration, UI, doc tests)"
cargo test --workspace

echo "==> end-to-end: hello_world against promtool, prometheus_client, protobuf, gzip/zstd and a real Prometheus"
cargo build --example hello_world
target_dir=$(cargo metadata --format-version 1 --no-deps |
    python3 -c 'import json, sys; print(json.load(sys.stdin)["target_directory"])')
# Bounded: the checks bound each wait themselves; `timeout` is the backstop, and the
# script kills the exporter and Prometheus it started when it is stopped.
timeout --signal=TERM --kill-after=15 300 \
    python3 tests/e2e/check_hello_world.py --binary "$target_dir/debug/examples/hello_world" &
e2e_pid=$!
trap 'kill -TERM "$e2e_pid" 2>/dev/null || true' EXIT INT TERM
wait "$e2e_pid"

echo "==> end-to-end: redis_exporter and node_mini against a real Redis, node_exporter, promtool, prometheus_client and a real Prometheus"
cargo build -p redis_exporter -p node_mini
timeout --signal=TERM --kill-after=15 300 \
    python3 tests/e2e/check_exporters.py \
    --redis-exporter "$target_dir/debug/redis_exporter" --node-mini "$target_dir/debug/node_mini" &
e2e_pid=$!
wait "$e2e_pid"

echo "==> end-to-end: native histograms of the instrumented example, protobuf and a real Prometheus (native-histograms)"
cargo build --example instrumented
timeout --signal=TERM --kill-after=15 300 \
    python3 tests/e2e/check_native.py --binary "$target_dir/debug/examples/instrumented" &
e2e_pid=$!
wait "$e2e_pid"
