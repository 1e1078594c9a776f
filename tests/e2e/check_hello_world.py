#!/usr/bin/env python3
"""End-to-end checks of the hello world exporter against third-party tools.

Starts the built `hello_world` example on a free loopback port and judges what it serves
with tools that are not ours: the Python `prometheus_client` text and OpenMetrics parsers,
`promtool check metrics`, Google's protobuf runtime (tests/e2e/metrics_proto.py), Python's
gzip and the zstd CLI, and a real Prometheus server scraping it every second.

Usage: check_hello_world.py --binary PATH/TO/hello_world

With CI=true a missing tool is a failed check; otherwise it is skipped with a loud
message. Every wait is bounded, and every process started here is killed on exit.
Ends with the line `e2e: N passed, N failed, N skipped`; exits 1 if any check failed.
"""

import argparse
import gzip
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import traceback
import urllib.error
import urllib.parse
import urllib.request

CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
HELLO = "a_hello_world_exporter"
HELLO_HELP = "Help Info for Hello World Exporter"
# label value -> exclusive upper bound of the random value
HELLO_RANGES = {"haohao": 1000, "nana": 100}

ACCEPT_OPENMETRICS = "application/openmetrics-text; version=1.0.0"
ACCEPT_PROTOBUF = (
    "application/vnd.google.protobuf; proto=io.prometheus.client.MetricFamily; encoding=delimited"
)
CT_TEXT = "text/plain; version=0.0.4"
CT_OPENMETRICS = "application/openmetrics-text; version=1.0.0"
CT_PROTOBUF = "application/vnd.google.protobuf; proto=io.prometheus.client.MetricFamily; encoding=delimited"

HTTP_TIMEOUT = 5.0
STARTUP_TIMEOUT = 20.0
PROMETHEUS_TIMEOUT = 45.0


class Skip(Exception):
    """A tool the check needs is missing (a failure under CI=true)."""


class CheckFailed(AssertionError):
    pass


def require(cond, message):
    if not cond:
        raise CheckFailed(message)


def missing(tool):
    raise Skip(f"{tool} is not installed (run .ci/run to install it)")


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def http_get(url, headers=None, timeout=HTTP_TIMEOUT):
    """GET `url`; returns (status, headers as a lowercase dict, raw body). No decompression."""
    req = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            return resp.status, {k.lower(): v for k, v in resp.headers.items()}, resp.read()
    except urllib.error.HTTPError as e:
        return e.code, {k.lower(): v for k, v in e.headers.items()}, e.read()


def norm_ct(value):
    """`a/b;x=1; y=2` -> `a/b; x=1; y=2` (lowercase), for comparing Content-Types."""
    parts = [p.strip() for p in (value or "").split(";") if p.strip()]
    return "; ".join(p.lower().replace(" ", "") for p in parts)


def require_content_type(headers, expected):
    got = headers.get("content-type", "")
    require(
        norm_ct(got).startswith(norm_ct(expected)),
        f"wrong Content-Type: expected `{expected}...`, server answered `{got}`",
    )


# --- parsed views of a scrape, comparable across formats -------------------------------

def normalized(name, kind):
    """One spelling of a family across formats.

    OpenMetrics `info` and `stateset` families are gauges in the text and protobuf
    formats (an info family `x` is the gauge `x_info` there); `untyped` is `unknown`.
    """
    kind = {"untyped": "unknown", "gauge_histogram": "gaugehistogram"}.get(kind, kind)
    if kind == "info":
        return name + "_info", "gauge"
    if kind == "stateset":
        return name, "gauge"
    return name, kind


def shape_from_client_families(families):
    """{family name: (type, frozenset of label sets)} from prometheus_client families.

    The label sets are per series: `le`/`quantile` labels and `_bucket`/`_sum`/... samples
    are folded into their series, so text, OpenMetrics and protobuf compare equal.
    """
    shape = {}
    for fam in families:
        series = set()
        for s in fam.samples:
            labels = {k: v for k, v in s.labels.items() if k not in ("le", "quantile")}
            series.add(frozenset(labels.items()))
        name, kind = normalized(fam.name, fam.type)
        shape[name] = (kind, frozenset(series))
    return shape


def hello_values(families):
    """{name label: value} of the hello world family, checking its help and type."""
    fams = [f for f in families if f.name == HELLO]
    require(len(fams) == 1, f"family {HELLO} missing (families: {sorted(f.name for f in families)})")
    fam = fams[0]
    require(fam.type == "gauge", f"{HELLO} has type {fam.type}, expected gauge")
    require(fam.documentation == HELLO_HELP, f"{HELLO} has help {fam.documentation!r}")
    values = {}
    for s in fam.samples:
        require(set(s.labels) == {"name"}, f"{HELLO} sample has labels {s.labels}, expected only name")
        values[s.labels["name"]] = s.value
    return values


def check_hello_values(values):
    require(set(values) == set(HELLO_RANGES), f"{HELLO} series {sorted(values)}, expected {sorted(HELLO_RANGES)}")
    for name, bound in HELLO_RANGES.items():
        v = values[name]
        require(0 <= v < bound and float(v).is_integer(), f'{HELLO}{{name="{name}"}} = {v}, expected an integer in [0, {bound})')


def parse_text(body):
    from prometheus_client.parser import text_string_to_metric_families

    return list(text_string_to_metric_families(body.decode("utf-8")))


def parse_openmetrics(body):
    from prometheus_client.openmetrics.parser import text_string_to_metric_families

    return list(text_string_to_metric_families(body.decode("utf-8")))


def need_prometheus_client():
    try:
        import prometheus_client  # noqa: F401
    except ImportError:
        missing("python package prometheus_client (pip install prometheus-client)")


# --- the checks -----------------------------------------------------------------------

class Checks:
    def __init__(self, base):
        self.base = base
        self.text_shape = None

    def metrics(self, headers=None):
        return http_get(self.base + "/metrics", headers)

    def text_format(self):
        """GET /metrics: 200, text 0.0.4, prometheus_client's text parser reads both series in range."""
        need_prometheus_client()
        status, headers, body = self.metrics()
        require(status == 200, f"status {status}")
        require_content_type(headers, CT_TEXT)
        require("content-encoding" not in headers, f"unrequested Content-Encoding {headers.get('content-encoding')}")
        families = parse_text(body)
        check_hello_values(hello_values(families))
        self.text_shape = shape_from_client_families(families)

    def promtool(self):
        """`promtool check metrics` accepts the text body (syntax and lint)."""
        tool = shutil.which("promtool")
        if not tool:
            missing("promtool (Debian package prometheus)")
        status, _, body = self.metrics()
        require(status == 200, f"status {status}")
        proc = subprocess.run([tool, "check", "metrics"], input=body, capture_output=True, timeout=30)
        out = (proc.stdout + proc.stderr).decode("utf-8", "replace").strip()
        require(proc.returncode == 0, f"promtool exit {proc.returncode}: {out}")

    def openmetrics(self):
        """Accept: OpenMetrics 1.0.0 -> OpenMetrics Content-Type, prometheus_client's OpenMetrics parser accepts it."""
        need_prometheus_client()
        status, headers, body = self.metrics({"Accept": ACCEPT_OPENMETRICS})
        require(status == 200, f"status {status}")
        require_content_type(headers, CT_OPENMETRICS)
        require(body.endswith(b"# EOF\n"), "OpenMetrics body does not end with `# EOF\\n`")
        families = parse_openmetrics(body)
        check_hello_values(hello_values(families))
        self.same_shape(shape_from_client_families(families), "OpenMetrics")

    def protobuf(self):
        """Accept: protobuf delimited -> protobuf Content-Type; Google's protobuf runtime decodes every frame."""
        try:
            import metrics_proto
        except ImportError as e:
            missing(f"python package protobuf (pip install protobuf): {e}")
        status, headers, body = self.metrics({"Accept": ACCEPT_PROTOBUF})
        require(status == 200, f"status {status}")
        require_content_type(headers, CT_PROTOBUF)
        families = metrics_proto.read_delimited(body)
        require(families, "empty protobuf body")
        by_name = {f.name: f for f in families}
        require(len(by_name) == len(families), "a family name appears twice")
        fam = by_name.get(HELLO)
        require(fam is not None, f"family {HELLO} missing (families: {sorted(by_name)})")
        require(metrics_proto.METRIC_TYPES[fam.type] == "GAUGE", f"{HELLO} type {fam.type}")
        require(fam.help == HELLO_HELP, f"{HELLO} help {fam.help!r}")
        values = {}
        for m in fam.metric:
            labels = {lp.name: lp.value for lp in m.label}
            require(set(labels) == {"name"}, f"{HELLO} metric labels {labels}")
            require(m.HasField("gauge"), f"{HELLO} metric without a gauge value")
            values[labels["name"]] = m.gauge.value
        check_hello_values(values)
        shape = {}
        for f in families:
            kind = metrics_proto.METRIC_TYPES[f.type].lower()
            # prometheus_client names a counter family without `_total`.
            name = f.name[: -len("_total")] if kind == "counter" and f.name.endswith("_total") else f.name
            name, kind = normalized(name, kind)
            shape[name] = (kind, frozenset(frozenset((lp.name, lp.value) for lp in m.label) for m in f.metric))
        self.same_shape(shape, "protobuf")

    def gzip(self):
        """Accept-Encoding: gzip -> Content-Encoding gzip; Python's gzip inflates it to the same families."""
        need_prometheus_client()
        status, headers, body = self.metrics({"Accept-Encoding": "gzip"})
        require(status == 200, f"status {status}")
        require(headers.get("content-encoding") == "gzip", f"Content-Encoding {headers.get('content-encoding')!r}, expected gzip")
        require_content_type(headers, CT_TEXT)
        families = parse_text(gzip.decompress(body))
        check_hello_values(hello_values(families))
        self.same_shape(shape_from_client_families(families), "gzip")

    def zstd(self):
        """Accept-Encoding: zstd -> Content-Encoding zstd; zstd decompresses it to the same families."""
        need_prometheus_client()
        decompress = zstd_decompressor()
        status, headers, body = self.metrics({"Accept-Encoding": "zstd"})
        require(status == 200, f"status {status}")
        require(headers.get("content-encoding") == "zstd", f"Content-Encoding {headers.get('content-encoding')!r}, expected zstd")
        require_content_type(headers, CT_TEXT)
        families = parse_text(decompress(body))
        check_hello_values(hello_values(families))
        self.same_shape(shape_from_client_families(families), "zstd")

    def same_shape(self, shape, what):
        if self.text_shape is None:
            return  # the text check failed already and said why
        require(
            shape == self.text_shape,
            f"{what} families differ from the text ones:\n  {what}: {sorted(shape.items())}\n  text: {sorted(self.text_shape.items())}",
        )


def zstd_decompressor():
    try:
        import zstandard

        return lambda data: zstandard.ZstdDecompressor().decompressobj().decompress(data)
    except ImportError:
        pass
    tool = shutil.which("zstd")
    if not tool:
        missing("zstd (Debian package zstd, or pip install zstandard)")

    def run(data):
        proc = subprocess.run([tool, "-d", "-q", "-c"], input=data, capture_output=True, timeout=30)
        require(proc.returncode == 0, f"zstd -d failed: {proc.stderr.decode('utf-8', 'replace')}")
        return proc.stdout

    return run


def check_prometheus_server(target, procs, tmp, job="hello_world", stored=None):
    """A real Prometheus scraping the exporter every 1s reports it up, with no scrape error.

    `stored(api)` -> (ok, why not) then checks what Prometheus stored (default: `up` 1 and
    the hello world's series).
    """
    stored = stored or query_up_and_hello
    tool = shutil.which("prometheus")
    if not tool:
        missing("prometheus (Debian package prometheus)")
    port = free_port()
    config = os.path.join(tmp, f"prometheus-{job}.yml")
    with open(config, "w") as f:
        f.write(
            "global:\n  scrape_interval: 1s\n  scrape_timeout: 1s\n"
            f"scrape_configs:\n  - job_name: {job}\n"
            f"    static_configs:\n      - targets: ['{target}']\n"
        )
    log_path = os.path.join(tmp, f"prometheus-{job}.log")
    log = open(log_path, "wb")
    proc = subprocess.Popen(
        [
            tool,
            f"--config.file={config}",
            f"--storage.tsdb.path={os.path.join(tmp, 'tsdb-' + job)}",
            f"--web.listen-address=127.0.0.1:{port}",
            "--log.level=warn",
        ],
        stdout=log,
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
    )
    procs.append(proc)
    api = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + PROMETHEUS_TIMEOUT
    last = "Prometheus did not answer"
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            log.flush()
            raise CheckFailed(f"prometheus exited with {proc.returncode}: {tail(log_path)}")
        try:
            status, _, body = http_get(api + "/api/v1/targets?state=active", timeout=2)
            if status == 200:
                targets = json.loads(body)["data"]["activeTargets"]
                mine = [t for t in targets if t.get("scrapeUrl", "").startswith(f"http://{target}/")]
                if not mine:
                    last = f"target {target} not listed yet: {targets}"
                elif mine[0]["health"] != "up" or mine[0]["lastError"]:
                    last = f"target health {mine[0]['health']!r}, lastError {mine[0]['lastError']!r}"
                    # `unknown` until the first scrape; `down` is worth another scrape or two.
                else:
                    ok, last = stored(api)
                    if ok:
                        return
        except (OSError, ValueError, KeyError) as e:
            last = f"{type(e).__name__}: {e}"
        time.sleep(0.5)
    raise CheckFailed(f"after {PROMETHEUS_TIMEOUT:.0f}s: {last}")


def query_up_and_hello(api):
    def query(q):
        status, _, body = http_get(api + "/api/v1/query?" + urllib.parse.urlencode({"query": q}), timeout=2)
        require(status == 200, f"query {q!r}: status {status}: {body[:200]!r}")
        return json.loads(body)["data"]["result"]

    up = query('up{job="hello_world"}')
    if len(up) != 1 or up[0]["value"][1] != "1":
        return False, f"query up: {up}"
    hello = query(HELLO)
    names = sorted(r["metric"].get("name", "") for r in hello)
    if names != sorted(HELLO_RANGES):
        return False, f"query {HELLO}: {hello}"
    for r in hello:
        v = float(r["value"][1])
        require(0 <= v < HELLO_RANGES[r["metric"]["name"]], f"Prometheus stored {r}")
    return True, ""


def tail(path, n=20):
    try:
        with open(path, "rb") as f:
            return b"".join(f.readlines()[-n:]).decode("utf-8", "replace")
    except OSError:
        return ""


def start_exporter(binary, procs, tmp, name="hello_world", args=(), listen_flag="--web.listen-address"):
    """Starts `binary args` listening on a free loopback port; returns `host:port` once
    /metrics answers 200 (bounded by STARTUP_TIMEOUT)."""
    port = free_port()
    addr = f"127.0.0.1:{port}"
    log_path = os.path.join(tmp, f"{name}.log")
    log = open(log_path, "wb")
    proc = subprocess.Popen(
        [binary, listen_flag, addr, *args], stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL
    )
    procs.append(proc)
    deadline = time.monotonic() + STARTUP_TIMEOUT
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise CheckFailed(f"{name} exited with {proc.returncode}: {tail(log_path)}")
        try:
            status, _, _ = http_get(f"http://{addr}/metrics", timeout=1)
            if status == 200:
                return addr
        except OSError:
            pass
        time.sleep(0.1)
    raise CheckFailed(f"{name} not serving on {addr} after {STARTUP_TIMEOUT:.0f}s: {tail(log_path)}")


# --- running checks (shared with check_exporters.py) ----------------------------------

def run_check(results, name, fn, *a):
    """Runs one check, appends (name, "passed" | "failed" | "skipped", detail) to `results`
    and prints its line; a missing tool is a skip, or a failure under CI=true."""
    t0 = time.monotonic()
    try:
        fn(*a)
        results.append((name, "passed", ""))
    except Skip as e:
        results.append((name, "failed" if CI else "skipped", f"{e}" + (" [CI=true: a missing tool fails]" if CI else "")))
    except CheckFailed as e:
        results.append((name, "failed", str(e)))
    except Exception:  # a crash in a parser is a failed check, with its traceback
        results.append((name, "failed", traceback.format_exc().strip()))
    status, detail = results[-1][1], results[-1][2]
    mark = {"passed": "ok", "failed": "FAILED", "skipped": "SKIPPED"}[status]
    print(f"e2e {name} ... {mark} ({time.monotonic() - t0:.1f}s)", flush=True)
    if detail:
        for line in detail.splitlines():
            print(f"    {line}", flush=True)


def stop_all(procs):
    """Terminates every process started (then kills those that do not stop in 10 s)."""
    for proc in procs:
        if proc.poll() is None:
            proc.terminate()
    for proc in procs:
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def summary(results):
    """Prints the closing `e2e: N passed, N failed, N skipped` line; returns the exit status."""
    counts = {k: sum(1 for r in results if r[1] == k) for k in ("passed", "failed", "skipped")}
    if counts["skipped"]:
        print(
            "e2e: WARNING: {} check(s) SKIPPED for missing tools: {} (CI=true makes this a failure)".format(
                counts["skipped"], ", ".join(r[0] for r in results if r[1] == "skipped")
            ),
            flush=True,
        )
    print(f"e2e: {counts['passed']} passed, {counts['failed']} failed, {counts['skipped']} skipped", flush=True)
    return 1 if counts["failed"] else 0


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--binary", required=True, help="path to the built hello_world example")
    args = parser.parse_args()
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

    # `timeout`/CI cancelling us must still stop the processes we started.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))

    results = []  # (name, "passed" | "failed" | "skipped", detail)
    procs = []
    tmp = tempfile.mkdtemp(prefix="e2e-hello-")

    def run(name, fn, *a):
        run_check(results, name, fn, *a)

    try:
        try:
            addr = start_exporter(args.binary, procs, tmp)
        except CheckFailed as e:
            results.append(("start_hello_world", "failed", str(e)))
            print(f"e2e start_hello_world ... FAILED\n    {e}", flush=True)
        else:
            print(f"e2e: hello_world serving on http://{addr}/metrics", flush=True)
            checks = Checks(f"http://{addr}")
            run("text_format", checks.text_format)
            run("promtool_check_metrics", checks.promtool)
            run("openmetrics", checks.openmetrics)
            run("protobuf", checks.protobuf)
            run("gzip", checks.gzip)
            run("zstd", checks.zstd)
            run("prometheus_server_scrape", check_prometheus_server, addr, procs, tmp)
    finally:
        stop_all(procs)
        shutil.rmtree(tmp, ignore_errors=True)
    return summary(results)


if __name__ == "__main__":
    sys.exit(main())
