#!/usr/bin/env python3
"""Bounded soak of the hello world exporter: is its memory flat under load?

Starts the built `hello_world` on a free loopback port, then runs a fixed number of
rounds. Each round sends a fixed number of scrapes mixing every format (text,
OpenMetrics, protobuf), content coding (identity, gzip, zstd) and `name[]` filter over
keep-alive connections from several threads, checks every answer (status, Content-Type,
Content-Encoding, the families the filter selects), then churns connections: opens
`--churn` connections at once, holds them, closes them, and opens and closes more one at
a time (half of them sending a request with `Connection: close`). After each round it
reads the exporter's resident set size (VmRSS) from /proc.

Round 1 is the warm-up. The exporter passes when the RSS of rounds 2 to the last stays
within `--max-growth-mb` (default 5 MB: max - min) and every answer was right; exit 1
otherwise. Standard library only.

Usage: soak.py --binary target/debug/examples/hello_world [--rounds 5 --requests 2000
       --churn 2000 --threads 8] [--env MALLOC_ARENA_MAX=1 ...]
"""

import argparse
import gzip
import http.client
import os
import resource
import signal
import socket
import subprocess
import sys
import threading
import time

HELLO = "a_hello_world_exporter"
SELF = "promhttp_metric_handler_requests_total"
ACCEPTS = {
    "text": ("text/plain;version=0.0.4", "text/plain; version=0.0.4"),
    "openmetrics": (
        "application/openmetrics-text;version=1.0.0,text/plain;version=0.0.4;q=0.5,*/*;q=0.1",
        "application/openmetrics-text; version=1.0.0",
    ),
    "protobuf": (
        "application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;"
        "encoding=delimited;q=0.7,text/plain;version=0.0.4;q=0.3",
        "application/vnd.google.protobuf",
    ),
}
CODINGS = [None, "gzip", "zstd", "zstd;q=0.5, gzip"]
FILTERS = [None, HELLO, SELF, "no_such_family"]
ZSTD_MAGIC = b"\x28\xb5\x2f\xfd"


class SoakFailed(Exception):
    pass


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def proc_status(pid):
    """(VmRSS in KiB, threads) of a process, from /proc."""
    rss = threads = None
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                rss = int(line.split()[1])
            elif line.startswith("Threads:"):
                threads = int(line.split()[1])
    if rss is None:
        raise SoakFailed("no VmRSS")
    return rss, threads


def wait_ready(port, proc, deadline_s=30):
    end = time.monotonic() + deadline_s
    while time.monotonic() < end:
        if proc.poll() is not None:
            raise SoakFailed(f"exporter exited with {proc.returncode} before serving")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.1)
    raise SoakFailed("exporter not listening after 30 s")


def expected_coding(coding):
    if coding is None:
        return None
    if coding.startswith("zstd;q=0.5"):
        return "gzip"
    return coding


def check_answer(case, status, headers, body):
    fmt, coding, name = case
    if status != 200:
        raise SoakFailed(f"{case}: status {status}: {body[:200]!r}")
    ct = headers.get("content-type", "")
    if not ct.replace(" ", "").startswith(ACCEPTS[fmt][1].replace(" ", "")):
        raise SoakFailed(f"{case}: Content-Type {ct!r}")
    enc = headers.get("content-encoding")
    if enc != expected_coding(coding):
        raise SoakFailed(f"{case}: Content-Encoding {enc!r}")
    if enc == "gzip":
        body = gzip.decompress(body)
    elif enc == "zstd":
        # No zstd in Python's standard library before 3.14: check the frame.
        if not body.startswith(ZSTD_MAGIC):
            raise SoakFailed(f"{case}: not a zstd frame")
        return
    names = [HELLO, SELF]
    want = names if name is None else [n for n in names if n == name]
    for n in names:
        present = n.encode() in body
        if present != (n in want):
            raise SoakFailed(f"{case}: family {n} {'present' if present else 'missing'}")
    if fmt == "openmetrics" and not body.endswith(b"# EOF\n"):
        raise SoakFailed(f"{case}: no # EOF")


def scrape_worker(port, cases, errors, counter):
    conn = None
    try:
        for i, case in enumerate(cases):
            fmt, coding, name = case
            # A new keep-alive connection now and then.
            if conn is None or i % 50 == 0:
                if conn is not None:
                    conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
            headers = {"Accept": ACCEPTS[fmt][0]}
            if coding:
                headers["Accept-Encoding"] = coding
            path = "/metrics" if name is None else f"/metrics?name%5B%5D={name}"
            conn.request("GET", path, headers=headers)
            resp = conn.getresponse()
            body = resp.read()
            check_answer(case, resp.status, {k.lower(): v for k, v in resp.getheaders()}, body)
            counter[0] += 1
    except Exception as e:  # noqa: BLE001 - reported as a soak failure
        errors.append(f"{type(e).__name__}: {e}")
    finally:
        if conn is not None:
            conn.close()


def churn(port, count):
    """`count` connections open at once (one in four having sent half a request
    head, so that the server is holding its HTTP state for it), then closed; then
    `count` opened one by one."""
    held = []
    try:
        for i in range(count):
            s = socket.create_connection(("127.0.0.1", port), timeout=10)
            held.append(s)
            if i % 4 == 0:
                s.sendall(b"GET /metrics HTTP/1.1\r\nHost: soak\r\n")
    finally:
        for s in held:
            s.close()
    for i in range(count):
        with socket.create_connection(("127.0.0.1", port), timeout=10) as s:
            if i % 2 == 0:
                s.sendall(b"GET /metrics HTTP/1.1\r\nHost: soak\r\nConnection: close\r\n\r\n")
                while s.recv(65536):
                    pass


def one_round(port, cases, args, r):
    """Scrapes from `args.threads` threads while connections churn; the scrapes done."""
    errors, counter = [], [0]
    per_thread = args.requests // args.threads
    threads = [
        threading.Thread(
            target=scrape_worker,
            args=(port, [cases[(t + i) % len(cases)] for i in range(per_thread)], errors, counter),
        )
        for t in range(args.threads)
    ]
    for t in threads:
        t.start()
    churn(port, args.churn)
    for t in threads:
        t.join(timeout=300)
        if t.is_alive():
            raise SoakFailed("a scrape thread did not finish in 300 s")
    if errors:
        raise SoakFailed(f"round {r}: {len(errors)} failed scrapes, first: {errors[0]}")
    return counter[0]


def on_term(signum, frame):
    raise SoakFailed(f"stopped by signal {signum}")


def main():
    signal.signal(signal.SIGTERM, on_term)
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--binary", required=True)
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--requests", type=int, default=2000, help="scrapes per round")
    ap.add_argument("--churn", type=int, default=2000, help="connections churned per round")
    ap.add_argument("--threads", type=int, default=8)
    ap.add_argument("--max-growth-mb", type=float, default=5.0)
    ap.add_argument(
        "--warmup-passes", type=int, default=3, help="rounds' worth of work in the warm-up"
    )
    ap.add_argument("--settle", type=float, default=1.0, help="seconds before reading RSS")
    ap.add_argument("--env", action="append", default=[], help="KEY=VALUE for the exporter")
    args = ap.parse_args()
    if args.rounds < 3:
        ap.error("--rounds must be at least 3 (one warm-up, two to compare)")

    # Hold --churn sockets at once (and let the exporter accept them).
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    need = args.churn + args.threads + 256
    if soft < need <= hard or hard == resource.RLIM_INFINITY:
        resource.setrlimit(resource.RLIMIT_NOFILE, (max(soft, need), hard))

    env = dict(os.environ)
    for kv in args.env:
        k, _, v = kv.partition("=")
        env[k] = v
    env.setdefault("RUST_LOG", "warn")
    port = free_port()
    proc = subprocess.Popen(
        [args.binary, "--web.listen-address", f"127.0.0.1:{port}", "--log.level", "warn"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    cases = [
        (fmt, coding, name)
        for fmt in ACCEPTS
        for coding in CODINGS
        for name in FILTERS
    ]
    rss = []
    started = time.monotonic()
    try:
        wait_ready(port, proc)
        for r in range(1, args.rounds + 1):
            # The warm-up is several rounds' worth of work: glibc's heap takes a few
            # passes of the same peak of live connections to reach the size that peak
            # needs (tests/soak/README.md); a leak still grows in the rounds after it.
            passes = args.warmup_passes if r == 1 else 1
            scrapes = 0
            for _ in range(passes):
                scrapes += one_round(port, cases, args, r)
            if proc.poll() is not None:
                raise SoakFailed(f"exporter exited with {proc.returncode}")
            time.sleep(args.settle)
            kib, threads = proc_status(proc.pid)
            rss.append(kib)
            print(
                f"round {r}: {scrapes} scrapes, {2 * args.churn * passes} connections churned, "
                f"RSS {rss[-1] * 1024 / 1e6:.1f} MB, {threads} threads ({time.monotonic() - started:.1f} s)",
                flush=True,
            )
    except SoakFailed as e:
        print(f"FAIL: {e}", file=sys.stderr)
        return 1
    finally:
        proc.terminate()
        try:
            _, err = proc.communicate(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            _, err = proc.communicate()
        if err:
            sys.stderr.write(err.decode(errors="replace")[-2000:])
    mb = [k * 1024 / 1e6 for k in rss]
    after = mb[1:]
    spread = max(after) - min(after)
    print(
        f"RSS rounds 2-{len(mb)}: min {min(after):.1f} MB, max {max(after):.1f} MB, "
        f"spread {spread:.2f} MB (limit {args.max_growth_mb} MB); warm-up {mb[0]:.1f} MB; "
        f"{time.monotonic() - started:.1f} s"
    )
    if spread > args.max_growth_mb:
        print(f"FAIL: RSS moved {spread:.2f} MB after warm-up", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
