#!/usr/bin/env bash
# Peak RSS that one scrape of a 1 000 000-series snapshot collector adds, per format
# (issue 10: protobuf within 1.5x of text). Each format gets a fresh process: the peak
# (VmHWM) after one scrape minus the resident size before it (VmRSS, idle).
# Usage: scripts/bench_rss.sh [series]   (default 1000000)
#        BIN=path/to/big_snapshot scripts/bench_rss.sh   (a binary built elsewhere, e.g. a baseline)
set -euo pipefail
cd "$(dirname "$0")/.."
series=${1:-1000000}
bin=${BIN:-}
if [ -z "$bin" ]; then
    cargo build --release -q -p exporter-benches --example big_snapshot
    bin=target/release/examples/big_snapshot
fi
proto='application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;encoding=delimited'
for format in text protobuf; do
    out=$(mktemp)
    "$bin" "$series" >"$out" &
    pid=$!
    for _ in $(seq 100); do [ -s "$out" ] && break; sleep 0.1; done
    addr=$(head -1 "$out")
    idle=$(awk '/^VmRSS/ {print $2}' "/proc/$pid/status")
    accept='text/plain;version=0.0.4'
    [ "$format" = protobuf ] && accept=$proto
    start=$(date +%s.%N)
    bytes=$(curl -s -H "Accept: $accept" -o /dev/null -w '%{size_download}' "http://$addr/metrics")
    end=$(date +%s.%N)
    peak=$(awk '/^VmHWM/ {print $2}' "/proc/$pid/status")
    kill "$pid"; wait "$pid" 2>/dev/null || true
    rm -f "$out"
    printf '%-8s body %6.1f MB  idle %6.1f MB  peak %6.1f MB  growth +%6.1f MB  %.2f s\n' \
        "$format" "$(echo "$bytes / 1000000" | bc -l)" "$(echo "$idle / 1024" | bc -l)" \
        "$(echo "$peak / 1024" | bc -l)" "$(echo "($peak - $idle) / 1024" | bc -l)" \
        "$(echo "$end - $start" | bc -l)"
done
