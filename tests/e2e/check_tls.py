#!/usr/bin/env python3
"""End-to-end check of TLS with client certificates and basic auth, by a real Prometheus.

Makes a CA, a server certificate for 127.0.0.1 and client certificates (one from the CA,
one from another CA) with the openssl CLI, a bcrypt hash with the C library's crypt(3),
starts the built `hello_world` with a web config of `client_auth_type:
RequireAndVerifyClientCert` and `basic_auth_users`, and runs Debian's Prometheus (2.42)
with three jobs scraping it: the right certificate and password (must be up, with no
error), another CA's certificate (must be down, with a TLS error), and a wrong password
(must be down, with a 401).

Usage: check_tls.py --binary PATH/TO/hello_world

With CI=true a missing tool is a failed check; otherwise it is skipped with a loud
message. Every wait is bounded, and every process started here is killed on exit.
Ends with the line `e2e-tls: N passed, N failed, N skipped`; exits 1 if any check failed.
"""

import argparse
import json
import os
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
import warnings

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from check_hello_world import stop_all  # noqa: E402

CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
STARTUP_TIMEOUT = 20.0
PROMETHEUS_TIMEOUT = 45.0
PASSWORD = "correct horse battery staple"


class Skip(Exception):
    pass


class CheckFailed(AssertionError):
    pass


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def openssl(*args, cwd):
    subprocess.run(["openssl", *args], cwd=cwd, check=True, capture_output=True, timeout=60)


def make_pki(tmp):
    """CA, server cert for 127.0.0.1, a client cert from the CA and one from another CA."""
    if not shutil.which("openssl"):
        raise Skip("openssl is not installed (run .ci/run to install it)")
    for ca in ("ca", "rogue_ca"):
        openssl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
                "-keyout", f"{ca}.key", "-out", f"{ca}.crt", "-days", "2", "-subj", f"/CN={ca}", cwd=tmp)
    with open(os.path.join(tmp, "server.ext"), "w") as f:
        f.write("subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\n")
    with open(os.path.join(tmp, "client.ext"), "w") as f:
        f.write("subjectAltName=DNS:prometheus.test\nextendedKeyUsage=clientAuth\n")
    for name, ca, ext in (("server", "ca", "server.ext"), ("client", "ca", "client.ext"),
                          ("rogue", "rogue_ca", "client.ext")):
        openssl("req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
                "-keyout", f"{name}.key", "-out", f"{name}.csr", "-subj", f"/CN={name}", cwd=tmp)
        openssl("x509", "-req", "-in", f"{name}.csr", "-CA", f"{ca}.crt", "-CAkey", f"{ca}.key",
                "-CAcreateserial", "-out", f"{name}.crt", "-days", "2", "-extfile", ext, cwd=tmp)


def bcrypt_hash(password):
    """A bcrypt hash of cost 4: crypt(3) (libxcrypt), else htpasswd."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            import crypt
        h = crypt.crypt(password, crypt.mksalt(crypt.METHOD_BLOWFISH, rounds=16))
        if h and h.startswith("$2"):
            return h
    except ImportError:
        pass
    if shutil.which("htpasswd"):
        out = subprocess.run(["htpasswd", "-nbBC", "4", "u", password], capture_output=True,
                             text=True, check=True, timeout=30).stdout
        return out.strip().split(":", 1)[1]
    raise Skip("no bcrypt: neither crypt(3) with bcrypt nor htpasswd")


def tail(path, n=20):
    try:
        with open(path, "rb") as f:
            return b"".join(f.readlines()[-n:]).decode("utf-8", "replace")
    except OSError:
        return ""


def start_exporter(binary, procs, tmp):
    with open(os.path.join(tmp, "web.yml"), "w") as f:
        f.write(
            "tls_server_config:\n  cert_file: server.crt\n  key_file: server.key\n"
            "  client_auth_type: RequireAndVerifyClientCert\n  client_ca_file: ca.crt\n"
            f"basic_auth_users:\n  prometheus: '{bcrypt_hash(PASSWORD)}'\n"
        )
    port = free_port()
    addr = f"127.0.0.1:{port}"
    log_path = os.path.join(tmp, "hello_world.log")
    proc = subprocess.Popen(
        [binary, "--web.listen-address", addr, "--web.config.file", os.path.join(tmp, "web.yml")],
        stdout=open(log_path, "wb"), stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
    )
    procs.append(proc)
    ctx = ssl.create_default_context(cafile=os.path.join(tmp, "ca.crt"))
    ctx.load_cert_chain(os.path.join(tmp, "client.crt"), os.path.join(tmp, "client.key"))
    deadline = time.monotonic() + STARTUP_TIMEOUT
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise CheckFailed(f"hello_world exited with {proc.returncode}: {tail(log_path)}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1) as s:
                with ctx.wrap_socket(s, server_hostname="127.0.0.1"):
                    return addr
        except (OSError, ssl.SSLError):
            time.sleep(0.1)
    raise CheckFailed(f"hello_world not serving TLS on {addr}: {tail(log_path)}")


JOBS = {
    # job: (client cert, password, expected health, text the error must contain)
    "right_cert_and_password": ("client", PASSWORD, "up", ""),
    "another_cas_certificate": ("rogue", PASSWORD, "down", "certificate"),
    "wrong_password": ("client", "wrong", "down", "401"),
}


def check_prometheus(target, procs, tmp):
    tool = shutil.which("prometheus")
    if not tool:
        raise Skip("prometheus (Debian package prometheus) is not installed")
    port = free_port()
    config = os.path.join(tmp, "prometheus.yml")
    with open(config, "w") as f:
        f.write("global:\n  scrape_interval: 1s\n  scrape_timeout: 1s\nscrape_configs:\n")
        for job, (cert, password, _, _) in JOBS.items():
            f.write(
                f"  - job_name: {job}\n    scheme: https\n"
                f"    tls_config:\n      ca_file: {tmp}/ca.crt\n"
                f"      cert_file: {tmp}/{cert}.crt\n      key_file: {tmp}/{cert}.key\n"
                f"    basic_auth:\n      username: prometheus\n      password: '{password}'\n"
                f"    static_configs:\n      - targets: ['{target}']\n"
            )
    log_path = os.path.join(tmp, "prometheus.log")
    proc = subprocess.Popen(
        [tool, f"--config.file={config}", f"--storage.tsdb.path={tmp}/tsdb",
         f"--web.listen-address=127.0.0.1:{port}", "--log.level=warn"],
        stdout=open(log_path, "wb"), stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
    )
    procs.append(proc)
    api = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + PROMETHEUS_TIMEOUT
    last = "Prometheus did not answer"
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise CheckFailed(f"prometheus exited with {proc.returncode}: {tail(log_path)}")
        try:
            with urllib.request.urlopen(api + "/api/v1/targets?state=active", timeout=2) as r:
                targets = json.loads(r.read())["data"]["activeTargets"]
            seen = {t["scrapePool"]: t for t in targets}
            problems = []
            for job, (_, _, health, error) in JOBS.items():
                t = seen.get(job)
                if t is None:
                    problems.append(f"{job}: not listed")
                elif t["health"] != health:
                    problems.append(f"{job}: health {t['health']!r}, lastError {t['lastError']!r}")
                elif health == "up" and t["lastError"]:
                    problems.append(f"{job}: up with lastError {t['lastError']!r}")
                elif health == "down" and (not t["lastError"] or error not in t["lastError"]):
                    problems.append(f"{job}: down, lastError {t['lastError']!r} lacks {error!r}")
            if not problems:
                q = urllib.parse.urlencode({"query": 'up{job="right_cert_and_password"}'})
                with urllib.request.urlopen(api + "/api/v1/query?" + q, timeout=2) as r:
                    up = json.loads(r.read())["data"]["result"]
                if len(up) == 1 and up[0]["value"][1] == "1":
                    for job in JOBS:
                        print(f"    {job}: {seen[job]['health']} {seen[job]['lastError']!r}", flush=True)
                    return
                problems.append(f"query up: {up}")
            last = "; ".join(problems)
        except (OSError, ValueError, KeyError) as e:
            last = f"{type(e).__name__}: {e}"
        time.sleep(0.5)
    raise CheckFailed(f"after {PROMETHEUS_TIMEOUT:.0f}s: {last}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--binary", required=True, help="path to the built hello_world example")
    args = parser.parse_args()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    procs = []
    tmp = tempfile.mkdtemp(prefix="e2e-tls-")
    status, detail = "passed", ""
    t0 = time.monotonic()
    try:
        make_pki(tmp)
        target = start_exporter(args.binary, procs, tmp)
        check_prometheus(target, procs, tmp)
    except Skip as e:
        status, detail = ("failed" if CI else "skipped"), str(e)
    except CheckFailed as e:
        status, detail = "failed", str(e)
    except Exception as e:  # noqa: BLE001 - a crash is a failed check
        status, detail = "failed", f"{type(e).__name__}: {e}"
    finally:
        stop_all(procs)
        shutil.rmtree(tmp, ignore_errors=True)
    mark = {"passed": "ok", "failed": "FAILED", "skipped": "SKIPPED"}[status]
    print(f"e2e-tls prometheus_tls_client_cert_basic_auth ... {mark} ({time.monotonic() - t0:.1f}s)", flush=True)
    if detail:
        print(f"    {detail}", flush=True)
    counts = {k: int(status == k) for k in ("passed", "failed", "skipped")}
    print(f"e2e-tls: {counts['passed']} passed, {counts['failed']} failed, {counts['skipped']} skipped", flush=True)
    return 1 if status == "failed" else 0


if __name__ == "__main__":
    sys.exit(main())
