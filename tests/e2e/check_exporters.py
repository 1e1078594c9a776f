#!/usr/bin/env python3
"""End-to-end checks of the two real exporters (exporters/redis_exporter, exporters/node_mini).

Starts a real Redis (Debian's redis-server, free loopback port, `--save ''`), redis_exporter
against it, node_mini, and Debian's node_exporter with the same collectors, then judges what
the exporters serve with tools that are not ours: the Python `prometheus_client` text and
OpenMetrics parsers, `promtool check metrics` (no findings for redis_exporter; for node_mini
exactly the findings node_exporter's own output has, its camelCase `node_memory_*` names),
and a real Prometheus server scraping each (`up` 1, no scrape error).

Usage: check_exporters.py --redis-exporter PATH --node-mini PATH

Shares its helpers with check_hello_world.py (same directory). With CI=true a missing tool
is a failed check. Every wait is bounded; every process started here is stopped on exit.
Ends with `e2e: N passed, N failed, N skipped`; exits 1 if any check failed.
"""

import argparse
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from check_hello_world import (  # noqa: E402
    ACCEPT_OPENMETRICS,
    CI,
    STARTUP_TIMEOUT,
    CheckFailed,
    Skip,
    check_prometheus_server,
    free_port,
    http_get,
    missing,
    need_prometheus_client,
    parse_openmetrics,
    parse_text,
    require,
    run_check,
    start_exporter,
    stop_all,
    summary,
    tail,
)

NODE_COLLECTORS = ["loadavg", "meminfo", "cpu", "netdev", "filefd", "processes"]
# Device names /proc/net/dev can hold (anything but whitespace, `:` and `/`).
ODD_DEVICES = ['quo"te', "back\\slash", "ünïcødé", "br{ace}s=,", "#hash", "new\\nline"]
REDIS_KEYS = 4


def redis_command(port, *args, timeout=5.0):
    """One RESP command over a socket; returns the raw reply bytes (the e2e needs SET and INFO)."""
    payload = f"*{len(args)}\r\n".encode() + b"".join(
        f"${len(a.encode())}\r\n".encode() + a.encode() + b"\r\n" for a in args
    )
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as s:
        s.sendall(payload)
        s.settimeout(timeout)
        return s.recv(65536)


def start_redis(procs, tmp):
    tool = shutil.which("redis-server")
    if not tool:
        missing("redis-server (Debian package redis-server)")
    port = free_port()
    log_path = os.path.join(tmp, "redis.log")
    proc = subprocess.Popen(
        [tool, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", tmp],
        stdout=open(log_path, "wb"),
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
    )
    procs.append(proc)
    deadline = time.monotonic() + STARTUP_TIMEOUT
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise CheckFailed(f"redis-server exited with {proc.returncode}: {tail(log_path)}")
        try:
            if redis_command(port, "PING", timeout=1).startswith(b"+PONG"):
                for i in range(REDIS_KEYS):
                    redis_command(port, "SET", f"key{i}", str(i))
                return proc, port
        except OSError:
            pass
        time.sleep(0.1)
    raise CheckFailed(f"redis-server not answering on {port}: {tail(log_path)}")


def fake_procfs(tmp):
    """A copy of the /proc files node_mini reads, with a /proc/net/dev of odd device names."""
    root = os.path.join(tmp, "proc")
    for d in ("net", "sys/fs", "sys/kernel"):
        os.makedirs(os.path.join(root, d), exist_ok=True)
    for f in ("loadavg", "meminfo", "stat", "sys/fs/file-nr", "sys/kernel/threads-max", "sys/kernel/pid_max"):
        shutil.copyfile(os.path.join("/proc", f), os.path.join(root, f))
    lines = ["Inter-|   Receive |  Transmit", " face |bytes packets"]
    lines += [f"{name}: {i} 0 0 0 0 0 0 0 {i} 0 0 0 0 0 0 0" for i, name in enumerate(ODD_DEVICES)]
    with open(os.path.join(root, "net/dev"), "w", encoding="utf-8") as f:
        f.write("\n".join(lines) + "\n")
    return root


def families_by_name(families):
    return {f.name: f for f in families}


def promtool_findings(body):
    """`promtool check metrics` on a body: (exit code, set of finding lines)."""
    tool = shutil.which("promtool")
    if not tool:
        missing("promtool (Debian package prometheus)")
    proc = subprocess.run([tool, "check", "metrics"], input=body, capture_output=True, timeout=30)
    out = (proc.stdout + proc.stderr).decode("utf-8", "replace")
    return proc.returncode, {line.strip() for line in out.splitlines() if line.strip()}


class Checks:
    def __init__(self, redis_addr, redis_port, node_addr, odd_addr, node_exporter_addr):
        self.redis = f"http://{redis_addr}"
        self.redis_port = redis_port
        self.node = f"http://{node_addr}"
        self.odd = f"http://{odd_addr}"
        self.node_exporter = f"http://{node_exporter_addr}" if node_exporter_addr else None

    def body(self, base, path="/metrics", headers=None):
        status, _, body = http_get(base + path, headers)
        require(status == 200, f"GET {base}{path}: status {status}: {body[:300]!r}")
        return body

    def redis_values(self, families):
        fams = families_by_name(families)
        for name in ("redis_up", "redis_db_keys", "redis_commands", "redis_instance_info"):
            require(name in fams, f"{name} missing (families: {sorted(fams)})")
        up = [s.value for s in fams["redis_up"].samples]
        require(up == [1.0], f"redis_up {up}")
        keys = {s.labels["db"]: s.value for s in fams["redis_db_keys"].samples}
        require(keys == {"db0": REDIS_KEYS}, f"redis_db_keys {keys}")
        calls = {s.labels["cmd"]: s.value for s in fams["redis_commands"].samples if s.name == "redis_commands_total"}
        require(calls.get("set") == REDIS_KEYS, f"redis_commands_total{{cmd=set}} {calls.get('set')}")
        role = [s.labels.get("role") for s in fams["redis_instance_info"].samples]
        require(role == ["master"], f"redis_instance_info role {role}")

    def redis_text(self):
        """redis_exporter /metrics: prometheus_client's text parser reads up 1, the keys and commands set."""
        need_prometheus_client()
        self.redis_values(parse_text(self.body(self.redis)))

    def redis_openmetrics(self):
        """redis_exporter in OpenMetrics: prometheus_client's OpenMetrics parser reads the same values."""
        need_prometheus_client()
        body = self.body(self.redis, headers={"Accept": ACCEPT_OPENMETRICS})
        require(body.endswith(b"# EOF\n"), "no `# EOF`")
        self.redis_values(parse_openmetrics(body))

    def redis_probe(self):
        """redis_exporter /probe?target=: the Redis's values, probe_success 1; a missing target is a 400."""
        need_prometheus_client()
        target = urllib.parse.quote(f"redis://127.0.0.1:{self.redis_port}", safe="")
        fams = families_by_name(parse_text(self.body(self.redis, f"/probe?target={target}")))
        require([s.value for s in fams["probe_success"].samples] == [1.0], "probe_success")
        require({s.labels["db"]: s.value for s in fams["redis_db_keys"].samples} == {"db0": REDIS_KEYS}, "probe keys")
        status, _, _ = http_get(self.redis + "/probe")
        require(status == 400, f"/probe without a target: {status}")

    def redis_promtool(self):
        """promtool check metrics: redis_exporter's output has no findings at all."""
        code, findings = promtool_findings(self.body(self.redis))
        require(code == 0 and not findings, f"promtool exit {code}: {sorted(findings)}")

    def node_text(self):
        """node_mini /metrics: both parsers read every collector's families, all collectors succeeded."""
        need_prometheus_client()
        for families in (parse_text(self.body(self.node)), parse_openmetrics(self.body(self.node, headers={"Accept": ACCEPT_OPENMETRICS}))):
            fams = families_by_name(families)
            for name in ("node_load1", "node_memory_MemTotal_bytes", "node_cpu_seconds", "node_network_receive_bytes", "node_filefd_allocated", "node_processes_pids"):
                require(name in fams, f"{name} missing (families: {sorted(fams)})")
            ok = {s.labels["collector"]: s.value for s in fams["node_scrape_collector_success"].samples}
            require(ok == {c: 1.0 for c in NODE_COLLECTORS}, f"node_scrape_collector_success {ok}")

    def node_promtool(self):
        """promtool check metrics: node_mini's findings are exactly node_exporter's own for the same collectors."""
        code, ours = promtool_findings(self.body(self.node))
        if self.node_exporter is None:
            missing("prometheus-node-exporter (Debian package prometheus-node-exporter)")
        _, theirs = promtool_findings(self.body(self.node_exporter))
        require(ours, "expected node_exporter's camelCase findings for node_memory_*, promtool found none")
        require(ours == theirs, f"findings differ:\n  only node_mini: {sorted(ours - theirs)}\n  only node_exporter: {sorted(theirs - ours)}")

    def node_odd_devices(self):
        """Device names of any content: both parsers read them back exactly, promtool accepts the body."""
        need_prometheus_client()
        for parse, headers in ((parse_text, None), (parse_openmetrics, {"Accept": ACCEPT_OPENMETRICS})):
            fams = families_by_name(parse(self.body(self.odd, "/metrics?collect[]=netdev", headers)))
            fam = fams["node_network_receive_bytes"]
            got = {s.labels["device"]: s.value for s in fam.samples if s.name.endswith("_total")}
            want = {name: float(i) for i, name in enumerate(ODD_DEVICES)}
            require(got == want, f"device names read back {got}, expected {want}")
        code, findings = promtool_findings(self.body(self.odd, "/metrics?collect[]=netdev"))
        require(code == 0, f"promtool exit {code}: {sorted(findings)}")

    def redis_down(self, redis_proc):
        """Redis stopped: redis_exporter still answers 200 with redis_up 0 and its own metrics."""
        need_prometheus_client()
        redis_proc.terminate()
        redis_proc.wait(timeout=10)
        fams = families_by_name(parse_text(self.body(self.redis)))
        require([s.value for s in fams["redis_up"].samples] == [0.0], "redis_up is not 0")
        require("redis_db_keys" not in fams, "Redis families while Redis is down")
        require("process_resident_memory_bytes" in fams, "the exporter's own metrics are gone")


def stored_up(job, family):
    """For check_prometheus_server: `up{job}` is 1 and Prometheus stored `family`."""

    def check(api):
        import json

        def query(q):
            status, _, body = http_get(api + "/api/v1/query?" + urllib.parse.urlencode({"query": q}), timeout=2)
            require(status == 200, f"query {q!r}: status {status}")
            return json.loads(body)["data"]["result"]

        up = query(f'up{{job="{job}"}}')
        if len(up) != 1 or up[0]["value"][1] != "1":
            return False, f"up: {up}"
        if not query(f'{family}{{job="{job}"}}'):
            return False, f"{family} not stored yet"
        return True, ""

    return check


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--redis-exporter", required=True, help="path to the built redis_exporter")
    parser.add_argument("--node-mini", required=True, help="path to the built node_mini")
    args = parser.parse_args()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))

    results, procs = [], []
    tmp = tempfile.mkdtemp(prefix="e2e-exporters-")
    try:
        try:
            redis_proc, redis_port = start_redis(procs, tmp)
            redis_addr = start_exporter(
                args.redis_exporter, procs, tmp, "redis_exporter",
                ["--redis.addr", f"redis://127.0.0.1:{redis_port}", "--probe.allow-host", "127.0.0.1"],
            )
            node_addr = start_exporter(args.node_mini, procs, tmp, "node_mini", ["--collector.processes"])
            odd_addr = start_exporter(args.node_mini, procs, tmp, "node_mini_odd", ["--path.procfs", fake_procfs(tmp)])
            ne_addr = None
            tool = shutil.which("prometheus-node-exporter")
            if tool:
                flags = ["--collector.disable-defaults", "--no-collector.netdev.netlink", "--web.disable-exporter-metrics"]
                flags += [f"--collector.{c}" for c in NODE_COLLECTORS]
                ne_addr = start_exporter(tool, procs, tmp, "node_exporter", flags)
        except Skip as e:  # redis-server missing: nothing to check (a failure under CI=true)
            results.append(("start", "failed" if CI else "skipped", str(e)))
            print(f"e2e start ... {'FAILED' if CI else 'SKIPPED'}\n    {e}", flush=True)
        except Exception as e:  # noqa: BLE001 - a failed start is one failed check, reported
            results.append(("start", "failed", f"{type(e).__name__}: {e}"))
            print(f"e2e start ... FAILED\n    {e}", flush=True)
        else:
            checks = Checks(redis_addr, redis_port, node_addr, odd_addr, ne_addr)
            run_check(results, "redis_text_format", checks.redis_text)
            run_check(results, "redis_openmetrics", checks.redis_openmetrics)
            run_check(results, "redis_probe", checks.redis_probe)
            run_check(results, "redis_promtool_no_findings", checks.redis_promtool)
            run_check(results, "node_mini_text_and_openmetrics", checks.node_text)
            run_check(results, "node_mini_promtool_same_as_node_exporter", checks.node_promtool)
            run_check(results, "node_mini_odd_device_names", checks.node_odd_devices)
            run_check(results, "prometheus_scrapes_redis_exporter", check_prometheus_server, redis_addr, procs, tmp,
                      "redis", stored_up("redis", "redis_db_keys"))
            run_check(results, "prometheus_scrapes_node_mini", check_prometheus_server, node_addr, procs, tmp,
                      "node_mini", stored_up("node_mini", "node_memory_MemTotal_bytes"))
            run_check(results, "redis_down_is_up_0_and_200", checks.redis_down, redis_proc)
    finally:
        stop_all(procs)
        shutil.rmtree(tmp, ignore_errors=True)
    return summary(results)


if __name__ == "__main__":
    sys.exit(main())
