#!/usr/bin/env bash
# Requests per second of the hello world over TLS with basic auth, against plain HTTP,
# in one run (issue 11): HTTP/1.1 with wrk, HTTP/2 with h2load (Debian nghttp2-client).
#
# Three release hello worlds side by side on loopback: plain HTTP; TLS (server
# certificate only); TLS + basic auth (a bcrypt cost-10 user; after the first request
# the check is the remembered one). Each gets the same load in turn.
#
# Usage: scripts/bench_tls.sh   (DURATION=10 CONNS="1 16" THREADS=2 REQUESTS=100000)
# Needs: wrk, h2load, openssl, curl, python3. Prints a markdown table at the end.
set -euo pipefail
cd "$(dirname "$0")/.."

DURATION=${DURATION:-10}
CONNS=${CONNS:-"1 16"}
THREADS=${THREADS:-2}
REQUESTS=${REQUESTS:-100000}

for tool in wrk h2load openssl curl python3; do
    command -v "$tool" >/dev/null || { echo "bench_tls: $tool is required" >&2; exit 1; }
done

echo "==> cargo build --release --example hello_world"
cargo build --release --example hello_world
target_dir=$(cargo metadata --format-version 1 --no-deps |
    python3 -c 'import json, sys; print(json.load(sys.stdin)["target_directory"])')
bin="$target_dir/release/examples/hello_world"

tmp=$(mktemp -d)
pids=()
cleanup() {
    for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
    for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
    rm -rf "$tmp"
}
trap cleanup EXIT INT TERM

openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$tmp/server.key" \
    -out "$tmp/server.crt" -days 1 -subj /CN=127.0.0.1 -addext subjectAltName=IP:127.0.0.1 2>/dev/null
hash=$(python3 -W ignore -c 'import crypt; print(crypt.crypt("secret", crypt.mksalt(crypt.METHOD_BLOWFISH, rounds=1024)))')
printf 'tls_server_config:\n  cert_file: server.crt\n  key_file: server.key\n' >"$tmp/tls.yml"
printf 'tls_server_config:\n  cert_file: server.crt\n  key_file: server.key\nbasic_auth_users:\n  prometheus: %s\n' \
    "$hash" >"$tmp/tls_auth.yml"
auth="Authorization: Basic $(printf 'prometheus:secret' | base64)"

free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

names=(plain tls tls_auth)
declare -A url row
for name in "${names[@]}"; do
    port=$(free_port)
    args=(--web.listen-address "127.0.0.1:$port" --web.max-requests 0)
    scheme=http
    if [ "$name" != plain ]; then
        args+=(--web.config.file "$tmp/$name.yml")
        scheme=https
    fi
    "$bin" "${args[@]}" >/dev/null 2>&1 &
    pids+=("$!")
    url[$name]="$scheme://127.0.0.1:$port/metrics"
    for _ in $(seq 100); do
        curl -ksf -o /dev/null --max-time 1 -H "$auth" "${url[$name]}" && break
        sleep 0.1
    done
    curl -ksf --max-time 2 -H "$auth" "${url[$name]}" | grep -q '^a_hello_world_exporter' ||
        { echo "bench_tls: $name does not serve" >&2; exit 1; }
    row[$name]="| $name |"
done

for c in $CONNS; do
    t=$((c < THREADS ? c : THREADS))
    for name in "${names[@]}"; do
        out=$(wrk -t"$t" -c"$c" -d"${DURATION}s" --timeout 5s -H "$auth" "${url[$name]}")
        rps=$(awk '/^Requests\/sec:/ { printf "%.0f", $2 }' <<<"$out")
        errors=$(awk '/Non-2xx|Socket errors/' <<<"$out")
        echo "    wrk $name, $c connections: ${rps} req/s${errors:+ ($errors)}"
        row[$name]+=" ${rps} |"
    done
    for name in tls tls_auth; do
        out=$(h2load -n "$REQUESTS" -c "$c" -m 1 -t "$t" -H "$auth" "${url[$name]}")
        rps=$(awk '/^finished in/ { gsub(",", "", $4); printf "%.0f", $4 }' <<<"$out")
        ok=$(awk '/^status codes:/ { gsub(",", "", $3); print $3 }' <<<"$out")
        echo "    h2load $name, $c connections: ${rps} req/s (${ok} of $REQUESTS were 2xx)"
        row[h2_$name]+=" ${rps} |"
    done
done

header="| server |"
sep="|---|"
for c in $CONNS; do header+=" ${c} conn req/s |"; sep+="---:|"; done
echo
echo "wrk -t min(conns,$THREADS) -d ${DURATION}s (HTTP/1.1) and h2load -n $REQUESTS -m 1 (HTTP/2), loopback, release, $(nproc) cores"
echo
echo "$header"
echo "$sep"
for name in "${names[@]}"; do echo "${row[$name]}"; done
for name in tls tls_auth; do echo "| h2 $name |${row[h2_$name]}"; done
