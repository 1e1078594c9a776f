#!/usr/bin/env bash
# The whole test suite: formatting, lints, every Rust test and doc test, and the
# end-to-end checks against third-party parsers and a real Prometheus server.
# With CI=true a missing checker fails the run instead of being skipped.
set -euo pipefail
cd "$(dirname "$0")/.."

target_dir=$(cargo metadata --format-version 1 --no-deps |
    python3 -c 'import json, sys; print(json.load(sys.stdin)["target_directory"])')
# Disk use, printed at the start and the end: a CI machine's disk is shared and a full
# one fails a build halfway with "No space left on device".
disk_report() {
    echo "    disk: $(df -h --output=avail . | tail -n 1 | tr -d ' ') free;" \
        "target $(du -sh "$target_dir" 2>/dev/null | cut -f1 || echo 0)," \
        "fuzz/target $(du -sh fuzz/target 2>/dev/null | cut -f1 || echo 0)"
}
if [ "${CI:-}" = true ]; then
    # A clean machine never reuses incremental state, and it took 2 GB of the 7 GB a run wrote.
    export CARGO_INCREMENTAL=0
fi
disk_report

echo "==> cargo fmt --check"
cargo fmt --all -- --check

echo "==> cargo clippy --all-targets -D warnings"
cargo clippy --workspace --all-targets -- -D warnings

echo "==> cargo test (unit, integration, UI, doc tests)"
cargo test --workspace
if [ "${CI:-}" = true ]; then
    # trybuild's scratch builds of the UI cases (1.1 GB): nothing after this step reads them.
    rm -rf "$target_dir/tests/trybuild"
fi
disk_report

echo "==> publishing: cargo package --list (licenses, README, the derive's shared name.rs, name/lints.rs and go_duration.rs)"
for crate in exporter-core exporter-derive; do
    files=$(cargo package --list --allow-dirty -p "$crate")
    for f in LICENSE-MIT LICENSE-APACHE README.md Cargo.toml; do
        grep -qx "$f" <<<"$files" || { echo "$crate does not ship $f" >&2; exit 1; }
    done
done
# The derive shares the name rules and Go's duration syntax with exporter-core through
# symlinks; the package must carry the files themselves.
derive_files=$(cargo package --list --allow-dirty -p exporter-derive)
for shared in src/name.rs src/name/lints.rs src/go_duration.rs; do
    grep -qx "$shared" <<<"$derive_files" ||
        { echo "exporter-derive does not ship $shared" >&2; exit 1; }
done

echo "==> cargo doc --workspace --all-features -D warnings"
RUSTDOCFLAGS="-D warnings" cargo doc --workspace --all-features --no-deps
# The private items too: their docs are how a reader learns the modules. (The files the
# derive shares with exporter-core link only to items both crates have.)
RUSTDOCFLAGS="-D warnings" cargo doc -q -p exporter-core -p exporter-derive --all-features --no-deps --document-private-items

echo "==> cargo check -p exporter-core: no default features, then each feature alone (no warnings)"
check_alone() {
    # Warnings fail too (cargo replays them on a cached check): a feature alone
    # must not leave code unused.
    local out
    out=$(cargo check -q -p exporter-core --no-default-features "$@" 2>&1) || { echo "$out"; exit 1; }
    if grep -q '^warning' <<<"$out"; then echo "$out"; exit 1; fi
}
check_alone
features=$(cargo metadata --format-version 1 --no-deps |
    python3 -c 'import json, sys
pkg = [p for p in json.load(sys.stdin)["packages"] if p["name"] == "exporter-core"][0]
print(" ".join(f for f in pkg["features"] if f != "default"))')
for feature in $features; do
    echo "    --features $feature"
    check_alone --features "$feature"
done
# The examples with the root package's own features, as the README's `cargo run --example
# hello_world` builds them (the build below unifies the whole workspace's features).
echo "    the root package's examples (cargo check -p exporter --examples)"
cargo check -q -p exporter --examples

echo "==> cargo build: the examples and exporters the end-to-end checks run"
# The whole workspace with its examples resolves features as `cargo test --workspace` did,
# so this links what the tests built instead of building tokio, hyper and the crates again
# (`-p` alone would resolve a narrower feature set: a second copy of each on disk).
cargo build --workspace --examples --bins

echo "==> end-to-end: hello_world against promtool, prometheus_client, protobuf, gzip/zstd and a real Prometheus"
# Bounded: the checks bound each wait themselves; `timeout` is the backstop, and the
# script kills the exporter and Prometheus it started when it is stopped.
timeout --signal=TERM --kill-after=15 300 \
    python3 tests/e2e/check_hello_world.py --binary "$target_dir/debug/examples/hello_world" &
e2e_pid=$!
trap 'kill -TERM "$e2e_pid" 2>/dev/null || true' EXIT INT TERM
wait "$e2e_pid"

echo "==> end-to-end: redis_exporter and node_mini against a real Redis, node_exporter, promtool, prometheus_client and a real Prometheus"
timeout --signal=TERM --kill-after=15 300 \
    python3 tests/e2e/check_exporters.py \
    --redis-exporter "$target_dir/debug/redis_exporter" --node-mini "$target_dir/debug/node_mini" &
e2e_pid=$!
wait "$e2e_pid"

echo "==> end-to-end: a real Prometheus scraping the hello world over TLS with a client certificate and basic auth"
timeout --signal=TERM --kill-after=15 180 \
    python3 tests/e2e/check_tls.py --binary "$target_dir/debug/examples/hello_world" &
e2e_pid=$!
wait "$e2e_pid"

echo "==> end-to-end: native histograms of the instrumented example, protobuf and a real Prometheus (native-histograms)"
timeout --signal=TERM --kill-after=15 300 \
    python3 tests/e2e/check_native.py --binary "$target_dir/debug/examples/instrumented" &
e2e_pid=$!
wait "$e2e_pid"

echo "==> adversarial: every fuzz target for ${FUZZ_SECONDS:-15} s (scripts/fuzz.sh)"
bash scripts/fuzz.sh

echo "==> soak: RSS of the hello world flat under mixed load (scripts/soak.sh, SOAK=${SOAK:-ci})"
SOAK_BINARY="$target_dir/debug/examples/hello_world" bash scripts/soak.sh
disk_report
