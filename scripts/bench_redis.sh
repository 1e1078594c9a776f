#!/usr/bin/env bash
# HTTP load on exporters/redis_exporter against a local Redis: every request is a full
# scrape (PING + INFO + INFO keyspace + INFO commandstats over one kept connection).
#
# Starts Debian's redis-server on a free loopback port (`--save ''`, $KEYS keys in db0) and
# the release redis_exporter against it, then runs `wrk` at each connection count for
# $DURATION seconds on /metrics, reporting requests/s and p99 latency, and the exporter's
# RSS from /proc: idle (after start and one scrape) and the peak (VmHWM) after every load.
#
# Usage: scripts/bench_redis.sh     (DURATION=10 CONNS="1 16" THREADS=2 KEYS=1000 by default)
# Needs: redis-server, redis-cli, wrk, curl, python3. Prints a markdown table at the end.
set -euo pipefail
cd "$(dirname "$0")/.."

DURATION=${DURATION:-10}
CONNS=${CONNS:-"1 16"}
THREADS=${THREADS:-2}
KEYS=${KEYS:-1000}

for tool in redis-server redis-cli wrk curl python3; do
    command -v "$tool" >/dev/null || { echo "bench_redis: $tool is required" >&2; exit 1; }
done

echo "==> cargo build --release -p redis_exporter"
cargo build --release -p redis_exporter
target_dir=$(cargo metadata --format-version 1 --no-deps |
    python3 -c 'import json, sys; print(json.load(sys.stdin)["target_directory"])')

pids=()
tmp=$(mktemp -d)
cleanup() {
    for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
    for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
    rm -rf "$tmp"
}
trap cleanup EXIT INT TERM

free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}
rss_kib() { awk -v k="$2" '$1 == k":" { print $2 }' "/proc/$1/status"; }
mib() { echo "$(($1 / 1024)).$((($1 % 1024) * 10 / 1024)) MiB"; }

redis_port=$(free_port)
redis-server --port "$redis_port" --bind 127.0.0.1 --save '' --appendonly no --dir "$tmp" >"$tmp/redis.log" 2>&1 &
pids+=($!)
for _ in $(seq 100); do
    redis-cli -p "$redis_port" ping >/dev/null 2>&1 && break
    sleep 0.1
done
seq 1 "$KEYS" | awk '{ print "SET key:" $1 " " $1 }' | redis-cli -p "$redis_port" >/dev/null
echo "==> redis-server on 127.0.0.1:$redis_port with $(redis-cli -p "$redis_port" dbsize) keys"

port=$(free_port)
"$target_dir/release/redis_exporter" --web.listen-address "127.0.0.1:$port" \
    --redis.addr "redis://127.0.0.1:$redis_port" --log.level warn >"$tmp/exporter.log" 2>&1 &
exporter=$!
pids+=("$exporter")
url="http://127.0.0.1:$port/metrics"
for _ in $(seq 100); do
    curl -fsS -o /dev/null --max-time 1 "$url" 2>/dev/null && break
    kill -0 "$exporter" 2>/dev/null || { echo "bench_redis: redis_exporter exited: $(cat "$tmp/exporter.log")" >&2; exit 1; }
    sleep 0.1
done
body=$(curl -fsS --max-time 5 "$url")
grep -q '^redis_up 1$' <<<"$body" || { echo "bench_redis: redis_up is not 1" >&2; exit 1; }
series=$(grep -vc '^#' <<<"$body")
echo "==> one scrape: $(wc -c <<<"$body") bytes, $series series"
sleep 1
idle=$(rss_kib "$exporter" VmRSS)
row="| redis_exporter | $(mib "$idle") |"
for c in $CONNS; do
    t=$((c < THREADS ? c : THREADS))
    out=$(wrk -t"$t" -c"$c" -d"${DURATION}s" --timeout 5s --latency "$url")
    rps=$(awk '/^Requests\/sec:/ { printf "%.0f", $2 }' <<<"$out")
    p99=$(awk '$1 == "99%" { print $2 }' <<<"$out")
    errors=$(awk '/Non-2xx|Socket errors/' <<<"$out")
    echo "    $c connections: ${rps} req/s, p99 ${p99}${errors:+ ($errors)}"
    row+=" ${rps} / ${p99} |"
done
peak=$(rss_kib "$exporter" VmHWM)
row+=" $(mib "$peak") |"
curl -fsS --max-time 5 "$url" | grep -q '^redis_up 1$' || { echo "bench_redis: redis_up is not 1 after the load" >&2; exit 1; }

header="| exporter | RSS idle |"
sep="|---|---:|"
for c in $CONNS; do header+=" ${c} conn: req/s / p99 |"; sep+="---:|"; done
echo
echo "wrk -t min(conns,$THREADS) -d ${DURATION}s --latency, loopback, release build, $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "$KEYS keys, one scrape = $series series"
echo
echo "$header peak RSS |"
echo "$sep---:|"
echo "$row"
