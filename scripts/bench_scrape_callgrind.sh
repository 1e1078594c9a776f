#!/usr/bin/env bash
# Instructions per scrape of benches/scrape.rs's machinery cases, counted by callgrind:
# 8 scrapers returning small derived structs through the ScrapeGatherer, against the same
# 8 structs as plain collectors (gather_async and sync gather). Load-independent
# companion of `cargo bench -p exporter-benches --bench scrape`.
#
# Usage: scripts/bench_scrape_callgrind.sh [scrapes]   (default 1000)
# Needs: valgrind (Debian package valgrind).
set -euo pipefail
cd "$(dirname "$0")/.."
command -v valgrind >/dev/null || { echo "bench_scrape_callgrind: valgrind is required" >&2; exit 1; }
n=${1:-1000}
bench=$(cargo bench -p exporter-benches --bench scrape --no-run --message-format=json 2>/dev/null |
    python3 -c 'import json, sys
for line in sys.stdin:
    m = json.loads(line)
    if m.get("reason") == "compiler-artifact" and m["target"]["name"] == "scrape" and m.get("executable"):
        print(m["executable"])')
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
echo "| case | instructions per scrape |"
echo "|---|---:|"
for c in scrapers collectors_async collectors; do
    BENCH_PROFILE="$c" BENCH_SCRAPES="$n" valgrind --tool=callgrind --callgrind-out-file="$tmp/out" \
        '--toggle-collect=*profiled_scrape*' "$bench" >/dev/null 2>"$tmp/log"
    ir=$(awk '/^summary:/ { print $2 }' "$tmp/out")
    echo "| $c | $(awk -v ir="$ir" -v n="$n" 'BEGIN { printf "%.0f", ir / n }') |"
done
