#!/usr/bin/env bash
# Instructions per series of one text scrape, per crate, counted by callgrind: a
# load-independent companion to the criterion timings of benches/encode.rs (which
# wander with whatever else the machine runs). Each case runs five scrapes
# (BENCH_PROFILE=<crate>/<N>) and only the function `scrape` is counted.
#
# Usage: scripts/bench_callgrind.sh [N...]     (default N: 10000 100000)
# Needs: valgrind (Debian package valgrind).
set -euo pipefail
cd "$(dirname "$0")/.."
command -v valgrind >/dev/null || { echo "bench_callgrind: valgrind is required" >&2; exit 1; }

if [ $# -gt 0 ]; then sizes=("$@"); else sizes=(10000 100000); fi
crates=(exporter exporter_unchecked exporter_live prometheus prometheus_client measured)

bench=$(cargo bench -p exporter-benches --bench encode --no-run --message-format=json 2>/dev/null |
    python3 -c 'import json, sys
for line in sys.stdin:
    m = json.loads(line)
    if m.get("reason") == "compiler-artifact" and m["target"]["name"] == "encode" and m.get("executable"):
        print(m["executable"])')
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

echo "| series | $(printf '%s | ' "${crates[@]}")"
echo "|---:|$(printf -- '---:|%.0s' "${crates[@]}")"
for n in "${sizes[@]}"; do
    row="| $n |"
    for c in "${crates[@]}"; do
        BENCH_PROFILE="$c/$n" valgrind --tool=callgrind --callgrind-out-file="$tmp/out" \
            '--toggle-collect=*encode::scrape*' "$bench" >/dev/null 2>"$tmp/log"
        ir=$(awk '/^summary:/ { print $2 }' "$tmp/out")
        row+=" $(awk -v ir="$ir" -v n="$n" 'BEGIN { printf "%.0f", ir / (5 * n) }') |"
    done
    echo "$row"
done
echo
echo "(instructions per series, callgrind Ir over 5 scrapes / (5 * N))"
