#!/usr/bin/env bash
# HTTP load on the hello world: this crate's `examples/hello_world.rs` against the same
# exporter on the `prometheus` crate with a hand-written hyper server
# (`benches/peers/prometheus_hello_world.rs`), in one run, loopback only.
#
# Both servers run side by side; at each connection count (1, 16, 64) each gets `wrk`
# in turn for $DURATION seconds against /metrics, reporting requests/s and p99 latency. RSS is read from /proc: idle
# (after start and one scrape), and the peak (VmHWM) once every load has run.
#
# Usage: scripts/bench_http.sh            (DURATION=10 CONNS="1 16 64" THREADS=2 by default)
# Needs: wrk (Debian package wrk), curl, python3. Prints a markdown table at the end.
set -euo pipefail
cd "$(dirname "$0")/.."

DURATION=${DURATION:-10}
CONNS=${CONNS:-"1 16 64"}
THREADS=${THREADS:-2}

for tool in wrk curl python3; do
    command -v "$tool" >/dev/null || { echo "bench_http: $tool is required (apt-get install $tool)" >&2; exit 1; }
done

echo "==> cargo build --release (hello_world and the prometheus-crate peer)"
cargo build --release --example hello_world
cargo build --release -p exporter-benches --example peer_prometheus_hello_world
target_dir=$(cargo metadata --format-version 1 --no-deps |
    python3 -c 'import json, sys; print(json.load(sys.stdin)["target_directory"])')

pids=()
cleanup() {
    for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
    for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
}
trap cleanup EXIT INT TERM

free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

rss_kib() { awk -v k="$2" '$1 == k":" { print $2 }' "/proc/$1/status"; }

names=(hello_world peer_prometheus_hello_world)
declare -A url pid row
# Both servers run for the whole bench and are loaded in turn at each connection count,
# so a change in the machine's background load hits both alike.
for name in "${names[@]}"; do
    port=$(free_port)
    "$target_dir/release/examples/$name" --web.listen-address "127.0.0.1:$port" >/dev/null 2>&1 &
    pid[$name]=$!
    pids+=("${pid[$name]}")
    url[$name]="http://127.0.0.1:$port/metrics"
    for _ in $(seq 100); do
        curl -fsS -o /dev/null --max-time 1 "${url[$name]}" 2>/dev/null && break
        kill -0 "${pid[$name]}" 2>/dev/null || { echo "bench_http: $name exited" >&2; exit 1; }
        sleep 0.1
    done
    curl -fsS --max-time 2 "${url[$name]}" | grep -q '^a_hello_world_exporter{name="haohao"}' ||
        { echo "bench_http: $name does not serve the hello world" >&2; exit 1; }
done
sleep 1
for name in "${names[@]}"; do
    idle=$(rss_kib "${pid[$name]}" VmRSS)
    echo "==> $name (pid ${pid[$name]}) at ${url[$name]}, idle RSS ${idle} KiB"
    row[$name]="| $name | $((idle / 1024)).$(((idle % 1024) * 10 / 1024)) MiB |"
done
for c in $CONNS; do
    t=$((c < THREADS ? c : THREADS))
    for name in "${names[@]}"; do
        out=$(wrk -t"$t" -c"$c" -d"${DURATION}s" --timeout 5s --latency "${url[$name]}")
        rps=$(awk '/^Requests\/sec:/ { printf "%.0f", $2 }' <<<"$out")
        p99=$(awk '$1 == "99%" { print $2 }' <<<"$out")
        errors=$(awk '/Non-2xx|Socket errors/' <<<"$out")
        echo "    $name, $c connections: ${rps} req/s, p99 ${p99}${errors:+ ($errors)}"
        row[$name]+=" ${rps} / ${p99} |"
    done
done
results=()
for name in "${names[@]}"; do
    peak=$(rss_kib "${pid[$name]}" VmHWM)
    results+=("${row[$name]} $((peak / 1024)).$(((peak % 1024) * 10 / 1024)) MiB |")
done

header="| server | RSS idle |"
sep="|---|---:|"
for c in $CONNS; do header+=" ${c} conn: req/s / p99 |"; sep+="---:|"; done
header+=" peak RSS under load |"
sep+="---:|"
echo
echo "wrk -t min(conns,$THREADS) -d ${DURATION}s --latency, loopback, release builds, $(nproc) cores"
echo
echo "$header"
echo "$sep"
printf '%s\n' "${results[@]}"
