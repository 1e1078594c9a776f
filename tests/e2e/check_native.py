#!/usr/bin/env python3
"""End-to-end check of native histograms: the `instrumented` example against Google's
protobuf runtime and a real Prometheus storing native histograms.

Starts the built `instrumented` example (a native request-latency histogram with labels,
`http.server.request.duration`, 1000 observations `i/1000` s at start-up) on a free loopback
port, then:

- `protobuf_native`: decodes its protobuf answer with the upstream `metrics.proto`
  (tests/e2e/metrics_proto.py: native fields and `created_timestamp`) and checks schema,
  spans and delta counts against what the example observed;
- `prometheus_native`: Debian's Prometheus 2.42 started with
  `--enable-feature=native-histograms` (so it asks for protobuf and stores native
  histograms) scrapes it; `histogram_count`, `histogram_sum` and `histogram_quantile(0.5, ...)`
  read back through the HTTP API must be 1000, 500.5 and 0.5 within one bucket's width.

Prometheus 2.42 cannot store UTF-8 names: it asks for no `escaping=`, so it gets Go's
default, `underscores` (`http_server_request_duration`, `http_request_method`).

Usage: check_native.py --binary PATH/TO/instrumented
Same conventions as check_hello_world.py (CI=true, bounded waits, processes killed on exit).
"""

import argparse
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import traceback
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from check_hello_world import (  # noqa: E402
    CI,
    CheckFailed,
    Skip,
    free_port,
    http_get,
    missing,
    require,
    require_content_type,
    stop_all,
    tail,
)

NAME = "http_server_request_duration"
SELECTOR = NAME + '{http_request_method="GET",http_response_status_code="200"}'
OBSERVED = [i / 1000 for i in range(1, 1001)]
SCHEMA = 3  # the example's factor 1.1
ACCEPT_NATIVE = (
    "application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;encoding=delimited,"
    "application/openmetrics-text;version=1.0.0;q=0.8,application/openmetrics-text;version=0.0.1;q=0.75,"
    "text/plain;version=0.0.4;q=0.5,*/*;q=0.1"
)
STARTUP_TIMEOUT = 20.0
PROMETHEUS_TIMEOUT = 60.0


def bucket_bounds(index, schema):
    """(lower, upper] of native bucket `index` in `schema`."""
    # 2 ** (i / 2^schema): exact at the powers of two, which `i/1000` hits (0.5, 0.125).
    return 2 ** ((index - 1) * 2.0**-schema), 2 ** (index * 2.0**-schema)


def check_protobuf(addr):
    try:
        import metrics_proto
    except ImportError:
        missing("python package protobuf (pip install protobuf)")
    status, headers, body = http_get(f"http://{addr}/metrics", {"Accept": ACCEPT_NATIVE})
    require(status == 200, f"status {status}")
    require_content_type(
        headers,
        "application/vnd.google.protobuf; proto=io.prometheus.client.MetricFamily; encoding=delimited; escaping=underscores",
    )
    fams = {f.name: f for f in metrics_proto.read_delimited(body)}
    require(NAME in fams, f"no {NAME} in {sorted(fams)}")
    fam = fams[NAME]
    require(fam.type == metrics_proto.METRIC_TYPES.index("HISTOGRAM"), f"type {fam.type}")
    series = [
        m
        for m in fam.metric
        if {(l.name, l.value) for l in m.label}
        == {("http_request_method", "GET"), ("http_response_status_code", "200")}
    ]
    require(len(series) == 1, f"GET 200 series: {fam.metric}")
    h = series[0].histogram
    require(h.schema == SCHEMA, f"schema {h.schema}")
    require(h.sample_count == 1000, f"count {h.sample_count}")
    require(abs(h.sample_sum - 500.5) < 1e-9, f"sum {h.sample_sum}")
    require(h.HasField("created_timestamp") and h.created_timestamp.seconds > 0, "no created_timestamp")
    require(len(h.bucket) == 0, "a native-only histogram has no classic buckets")
    # Undo spans + deltas, and check each bucket holds what the example put there.
    counts, index, count = {}, 0, 0
    deltas = iter(h.positive_delta)
    for n, span in enumerate(h.positive_span):
        index = span.offset if n == 0 else index + span.offset
        for _ in range(span.length):
            count += next(deltas)
            if count:
                counts[index] = count
            index += 1
    expected = {}
    for v in OBSERVED:
        # The bucket whose (lower, upper] holds v, found by search, not by the formula.
        i = 0
        while not (bucket_bounds(i, SCHEMA)[0] < v <= bucket_bounds(i, SCHEMA)[1]):
            i += 1 if v > bucket_bounds(i, SCHEMA)[1] else -1
        expected[i] = expected.get(i, 0) + 1
    require(counts == expected, f"buckets {counts}\nexpected {expected}")
    require(h.zero_count == 0 and not h.negative_span, "nothing below zero was observed")


def check_prometheus(addr, procs, tmp):
    tool = shutil.which("prometheus")
    if not tool:
        missing("prometheus (Debian package prometheus)")
    port = free_port()
    config = os.path.join(tmp, "prometheus.yml")
    with open(config, "w") as f:
        f.write(
            "global:\n  scrape_interval: 1s\n  scrape_timeout: 1s\n"
            "scrape_configs:\n  - job_name: instrumented\n"
            f"    static_configs:\n      - targets: ['{addr}']\n"
        )
    log_path = os.path.join(tmp, "prometheus.log")
    proc = subprocess.Popen(
        [
            tool,
            f"--config.file={config}",
            f"--storage.tsdb.path={os.path.join(tmp, 'tsdb')}",
            f"--web.listen-address=127.0.0.1:{port}",
            "--enable-feature=native-histograms",
            "--log.level=warn",
        ],
        stdout=open(log_path, "wb"),
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
    )
    procs.append(proc)
    api = f"http://127.0.0.1:{port}"

    def query(q):
        status, _, body = http_get(api + "/api/v1/query?" + urllib.parse.urlencode({"query": q}), timeout=2)
        require(status == 200, f"query {q!r}: status {status}: {body[:300]!r}")
        return json.loads(body)["data"]["result"]

    deadline = time.monotonic() + PROMETHEUS_TIMEOUT
    last = "Prometheus did not answer"
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise CheckFailed(f"prometheus exited with {proc.returncode}: {tail(log_path)}")
        try:
            up = query('up{job="instrumented"}')
            count = query(f"histogram_count({SELECTOR})")
            if not up or up[0]["value"][1] != "1":
                last = f"up: {up}"
            elif not count:
                last = "no native histogram stored yet"
            else:
                total = float(count[0]["value"][1])
                total_sum = float(query(f"histogram_sum({SELECTOR})")[0]["value"][1])
                median = float(query(f"histogram_quantile(0.5, {SELECTOR})")[0]["value"][1])
                require(total == 1000, f"histogram_count = {total}, the example observed 1000")
                require(abs(total_sum - 500.5) < 1e-6, f"histogram_sum = {total_sum}, the example observed 500.5")
                # Within one bucket of the true median 0.5 (schema 3: buckets ~9% wide).
                # The widest of the two buckets around 0.5, (0.5, 0.5 * 2^(1/8)].
                width = 0.5 * (2 ** (1 / 8) - 1)
                require(abs(median - 0.5) <= width, f"histogram_quantile(0.5) = {median}, expected 0.5 +- {width:.4f}")
                # It is stored as a native histogram: the classic series do not exist.
                classic = query(f"{NAME}_bucket")
                require(classic == [], f"classic buckets stored: {classic}")
                print(f"    count {total:.0f}, sum {total_sum}, median {median:.4f}", flush=True)
                return
        except (OSError, ValueError, KeyError, IndexError) as e:
            last = f"{type(e).__name__}: {e}"
        time.sleep(0.5)
    raise CheckFailed(f"after {PROMETHEUS_TIMEOUT:.0f}s: {last}\n{tail(log_path)}")


def start_example(binary, procs, tmp):
    addr = f"127.0.0.1:{free_port()}"
    log_path = os.path.join(tmp, "instrumented.log")
    proc = subprocess.Popen(
        [binary, "--web.listen-address", addr],
        stdout=open(log_path, "wb"),
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
    )
    procs.append(proc)
    deadline = time.monotonic() + STARTUP_TIMEOUT
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise CheckFailed(f"instrumented exited with {proc.returncode}: {tail(log_path)}")
        try:
            if http_get(f"http://{addr}/metrics", timeout=1)[0] == 200:
                return addr
        except OSError:
            pass
        time.sleep(0.1)
    raise CheckFailed(f"instrumented not serving on {addr}: {tail(log_path)}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--binary", required=True, help="path to the built instrumented example")
    args = parser.parse_args()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    results, procs = [], []
    tmp = tempfile.mkdtemp(prefix="e2e-native-")

    def run(name, fn, *a):
        t0 = time.monotonic()
        try:
            fn(*a)
            results.append((name, "passed", ""))
        except Skip as e:
            results.append((name, "failed" if CI else "skipped", str(e)))
        except CheckFailed as e:
            results.append((name, "failed", str(e)))
        except Exception:
            results.append((name, "failed", traceback.format_exc().strip()))
        status, detail = results[-1][1], results[-1][2]
        mark = {"passed": "ok", "failed": "FAILED", "skipped": "SKIPPED"}[status]
        print(f"e2e {name} ... {mark} ({time.monotonic() - t0:.1f}s)", flush=True)
        for line in detail.splitlines():
            print(f"    {line}", flush=True)

    try:
        try:
            addr = start_example(args.binary, procs, tmp)
        except CheckFailed as e:
            results.append(("start_instrumented", "failed", str(e)))
            print(f"e2e start_instrumented ... FAILED\n    {e}", flush=True)
        else:
            run("protobuf_native", check_protobuf, addr)
            run("prometheus_native", check_prometheus, addr, procs, tmp)
    finally:
        stop_all(procs)
        shutil.rmtree(tmp, ignore_errors=True)
    counts = {k: sum(1 for r in results if r[1] == k) for k in ("passed", "failed", "skipped")}
    print(f"e2e native: {counts['passed']} passed, {counts['failed']} failed, {counts['skipped']} skipped", flush=True)
    return 1 if counts["failed"] else 0


if __name__ == "__main__":
    sys.exit(main())
