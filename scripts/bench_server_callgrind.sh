#!/usr/bin/env bash
# Instructions per request of the whole server (hyper, the routes, the handler), the
# hello world against the prometheus-crate peer, counted by callgrind: unlike wrk's
# requests per second it does not move with the machine's load (section 3 of
# BENCHMARKS.md). Each server runs under callgrind twice, for N1 and N2 keep-alive GETs of
# /metrics from one loopback client; (instructions(N2) - instructions(N1)) / (N2 - N1) is
# the cost of one request, start-up and shutdown cancelled out.
#
#   bare      examples/hello_world --web.disable-exporter-metrics
#   self      examples/hello_world
#   peer      benches/peers/prometheus_hello_world.rs
#   baseline  optional: BASELINE=<hello_world binary built at another commit>, run like bare
#
# Usage: scripts/bench_server_callgrind.sh   (N1=200 N2=1200 BASELINE=)
# Needs: valgrind, python3.
set -euo pipefail
cd "$(dirname "$0")/.."

N1=${N1:-200}
N2=${N2:-1200}
BASELINE=${BASELINE:-}
command -v valgrind >/dev/null || { echo "bench_server_callgrind: valgrind is required" >&2; exit 1; }

cargo build --release --example hello_world
cargo build --release -p exporter-benches --example peer_prometheus_hello_world
target_dir=$(cargo metadata --format-version 1 --no-deps |
    python3 -c 'import json, sys; print(json.load(sys.stdin)["target_directory"])')
hello="$target_dir/release/examples/hello_world"
peer="$target_dir/release/examples/peer_prometheus_hello_world"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# N keep-alive GETs, each answer checked; waits (bounded) for the server to listen.
cat >"$work/client.py" <<'EOF'
import http.client, socket, sys, time
port, n = int(sys.argv[1]), int(sys.argv[2])
end = time.monotonic() + 120
while True:
    try:
        socket.create_connection(("127.0.0.1", port), timeout=5).close()
        break
    except OSError:
        if time.monotonic() > end:
            sys.exit("server did not start")
        time.sleep(0.1)
conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
for _ in range(n):
    conn.request("GET", "/metrics")
    resp = conn.getresponse()
    body = resp.read()
    if resp.status != 200 or b"a_hello_world_exporter" not in body:
        sys.exit(f"bad answer: {resp.status}")
conn.close()
EOF

free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# instructions <n> <binary> [args...]: total instructions of one run serving n requests.
instructions() {
    local n=$1 bin=$2
    shift 2
    local port out
    port=$(free_port)
    out="$work/callgrind.$n.$RANDOM"
    valgrind --tool=callgrind --callgrind-out-file="$out" \
        "$bin" --web.listen-address "127.0.0.1:$port" "$@" >/dev/null 2>"$work/valgrind.log" &
    local pid=$!
    python3 "$work/client.py" "$port" "$n"
    kill -TERM "$pid"
    wait "$pid" 2>/dev/null || true
    awk '/^(summary|totals):/ { print $2; exit }' "$out"
}

per_request() {
    local a b
    a=$(instructions "$N1" "$@")
    b=$(instructions "$N2" "$@")
    echo $(((b - a) / (N2 - N1)))
}

peer_cost=$(per_request "$peer")
rows=("peer|$peer_cost")
rows+=("bare|$(per_request "$hello" --web.disable-exporter-metrics)")
rows+=("self|$(per_request "$hello")")
if [ -n "$BASELINE" ]; then
    rows+=("baseline|$(per_request "$BASELINE" --web.disable-exporter-metrics)")
fi

echo
echo "callgrind instructions per keep-alive GET /metrics ($N2 - $N1 requests), release builds"
echo
echo "| server | instructions per request | x peer |"
echo "|---|---:|---:|"
for row in "${rows[@]}"; do
    name=${row%%|*}
    cost=${row#*|}
    ratio=$(python3 -c "print(f'{$cost / $peer_cost:.2f}x')")
    echo "| $name | $cost | $ratio |"
done
