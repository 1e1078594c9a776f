#!/usr/bin/env bash
# HTTP load on the hello world, side by side in one run, loopback only:
#   bare      examples/hello_world with --web.disable-exporter-metrics (the same two
#             series the peer serves)
#   self      examples/hello_world with its promhttp_* self-metrics
#   peer      the same exporter on the `prometheus` crate with a hand-written hyper
#             server (benches/peers/prometheus_hello_world.rs)
#   baseline  optional: BASELINE=<path to a hello_world binary built at another
#             commit>, run like `bare` (to compare a change in the same run)
#
# All servers run for the whole bench. At each connection count (CONNS) every server
# gets `wrk` for DURATION seconds in turn, ROUNDS times, interleaved, so that a change
# in the machine's background load hits all alike; the table shows the median of the
# rounds, then each server's ratio to the peer's run in the same round (median, lowest,
# highest: it drifts less with the machine than the ratio of medians). Only 2xx answers
# count (wrk's non-2xx count is subtracted), and --web.max-requests is set high enough
# that no 503 is sent. A third table gives each server's CPU time per request (user +
# system, read from /proc/<pid>/stat around each run), what a request costs whatever the
# machine's load does to the rate. RSS is read from /proc:
# idle (after start and one scrape), and the peak (VmHWM) once every load has run.
#
# Usage: scripts/bench_http.sh   (ROUNDS=5 DURATION=5 CONNS="1 16 64" THREADS=2 BASELINE=)
# Needs: wrk (Debian package wrk), curl, python3.
set -euo pipefail
cd "$(dirname "$0")/.."

ROUNDS=${ROUNDS:-5}
DURATION=${DURATION:-5}
CONNS=${CONNS:-"1 16 64"}
THREADS=${THREADS:-2}
BASELINE=${BASELINE:-}

for tool in wrk curl python3; do
    command -v "$tool" >/dev/null || { echo "bench_http: $tool is required (apt-get install $tool)" >&2; exit 1; }
done

echo "==> cargo build --release (hello_world and the prometheus-crate peer)"
cargo build --release --example hello_world
cargo build --release -p exporter-benches --example peer_prometheus_hello_world
target_dir=$(cargo metadata --format-version 1 --no-deps |
    python3 -c 'import json, sys; print(json.load(sys.stdin)["target_directory"])')
hello="$target_dir/release/examples/hello_world"
peer="$target_dir/release/examples/peer_prometheus_hello_world"

pids=()
cleanup() {
    for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
    for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
}
trap cleanup EXIT INT TERM

free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}
# utime + stime of a process, in clock ticks (fields 14 and 15 of /proc/<pid>/stat).
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }
hz=$(getconf CLK_TCK)
rss_kib() { awk -v k="$2" '$1 == k":" { print $2 }' "/proc/$1/status"; }
mib() { awk -v k="$1" 'BEGIN { printf "%.1f MiB", k / 1024 }'; }

declare -A cmd url pid
names=(bare self peer)
cmd[bare]="$hello --web.disable-exporter-metrics --web.max-requests 100000"
cmd[self]="$hello --web.max-requests 100000"
cmd[peer]="$peer"
if [ -n "$BASELINE" ]; then
    names+=(baseline)
    cmd[baseline]="$BASELINE --web.disable-exporter-metrics --web.max-requests 100000"
fi
for name in "${names[@]}"; do
    port=$(free_port)
    # shellcheck disable=SC2086 # the command line is split on purpose
    ${cmd[$name]} --web.listen-address "127.0.0.1:$port" >/dev/null 2>&1 &
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
declare -A idle
for name in "${names[@]}"; do
    idle[$name]=$(rss_kib "${pid[$name]}" VmRSS)
    echo "==> $name (pid ${pid[$name]}) at ${url[$name]}, idle RSS $(mib "${idle[$name]}")"
done

results=$(mktemp)
for c in $CONNS; do
    t=$((c < THREADS ? c : THREADS))
    for round in $(seq "$ROUNDS"); do
        for name in "${names[@]}"; do
            before=$(cpu_ticks "${pid[$name]}")
            out=$(wrk -t"$t" -c"$c" -d"${DURATION}s" --timeout 5s --latency "${url[$name]}")
            after=$(cpu_ticks "${pid[$name]}")
            requests=$(awk '/requests in/ { print $1 }' <<<"$out")
            non2xx=$(awk '/Non-2xx/ { print $NF }' <<<"$out")
            p99=$(awk '$1 == "99%" { print $2 }' <<<"$out")
            rps=$(awk -v r="$requests" -v n="${non2xx:-0}" -v d="$DURATION" 'BEGIN { printf "%.0f", (r - n) / d }')
            # The server's CPU time (user + system) per 2xx answer, in microseconds.
            cpu=$(awk -v t="$((after - before))" -v hz="$hz" -v r="$requests" -v n="${non2xx:-0}" \
                'BEGIN { printf "%.2f", (r - n > 0) ? t * 1e6 / hz / (r - n) : 0 }')
            echo "    round $round, $c conns, $name: $rps req/s (2xx), p99 $p99, CPU $cpu us/req${non2xx:+, $non2xx non-2xx}"
            echo "$c $name $rps $p99 $cpu" >>"$results"
        done
    done
done

echo
echo "wrk -t min(conns,$THREADS) -d ${DURATION}s --latency, $ROUNDS interleaved rounds (medians), loopback, release builds, $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"
echo
peaks=""
for name in "${names[@]}"; do peaks+="$name=$(rss_kib "${pid[$name]}" VmHWM) idle_$name=${idle[$name]} "; done
python3 - "$results" $peaks <<'EOF'
import statistics, sys
rows = [l.split() for l in open(sys.argv[1])]
kv = dict(a.split("=") for a in sys.argv[2:])
names = [n for n in ["bare", "self", "peer", "baseline"] if n in kv]
conns = sorted({int(r[0]) for r in rows})
def ms(v):
    return float(v[:-2]) if v.endswith("ms") else float(v[:-2]) / 1000 if v.endswith("us") else float(v[:-1]) * 1000
def med(name, c, i):
    vals = [r[i] for r in rows if r[1] == name and int(r[0]) == c]
    return statistics.median(float(v) if i == 2 else ms(v) for v in vals)
head = "| server |" + "".join(f" {c} conn req/s (x peer) | p99 |" for c in conns) + " RSS idle | peak RSS (x peer) |"
print(head)
print("|---|" + "---:|---:|" * len(conns) + "---:|---:|")
for n in names:
    line = f"| {n} |"
    for c in conns:
        rps, peer = med(n, c, 2), med("peer", c, 2)
        line += f" {rps:.0f} ({rps / peer:.2f}x) | {med(n, c, 3):.2f} ms |"
    peak, ppeak = int(kv[n]), int(kv["peer"])
    line += f" {int(kv['idle_' + n]) / 1024:.1f} MiB | {peak / 1024:.1f} MiB ({peak / ppeak:.2f}x) |"
    print(line)
# The machine's speed drifts between rounds (all servers alike); each round's ratio to the
# peer's run in the same round drifts less than the ratio of medians.
print()
print("Ratio to the peer's run in the same round, median [lowest-highest] of the rounds:")
print()
print("| server |" + "".join(f" {c} conn |" for c in conns))
print("|---|" + "---:|" * len(conns))
for n in [n for n in names if n != "peer"]:
    line = f"| {n} |"
    for c in conns:
        by_round = [r for r in rows if int(r[0]) == c]
        mine = [float(r[2]) for r in by_round if r[1] == n]
        peers = [float(r[2]) for r in by_round if r[1] == "peer"]
        ratios = [a / b for a, b in zip(mine, peers) if b > 0]
        line += f" {statistics.median(ratios):.2f}x [{min(ratios):.2f}-{max(ratios):.2f}] |"
    print(line)
# What a request costs the server, whatever the machine's load did to the rate: CPU time
# (user + system, from /proc/<pid>/stat) over the requests wrk counted.
print()
print("Server CPU time per request (user + system), median of the rounds, and the ratio to the peer's:")
print()
print("| server |" + "".join(f" {c} conn |" for c in conns))
print("|---|" + "---:|" * len(conns))
for n in names:
    line = f"| {n} |"
    for c in conns:
        cpu = statistics.median(float(r[4]) for r in rows if r[1] == n and int(r[0]) == c)
        peer = statistics.median(float(r[4]) for r in rows if r[1] == "peer" and int(r[0]) == c)
        line += f" {cpu:.2f} us ({cpu / peer:.2f}x) |"
    print(line)
EOF
rm -f "$results"
