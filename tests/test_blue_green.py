"""deploy/blue-green.sh on loopback behind a real nginx (Debian's), with a request loop running throughout.

A good release takes over with no failed request; a broken one (its broker unreachable, so /readyz
answers 503) is detected before it takes traffic and the previous release keeps serving. The figures
are printed (`-s`) and recorded in docs/benchmarks.md.
"""

import os
import shutil
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
import requests

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent

START = """#!/usr/bin/env bash
# START_RELEASE for the test: a release is gunicorn serving this checkout; "broken" cannot reach its broker.
set -euo pipefail
slot="$1" port="$2" release="$3"
if [[ "$release" == broken ]]; then export REDIS_URL=redis://127.0.0.1:1/0; fi
APP_RELEASE="$release" GUNICORN_BIND="127.0.0.1:$port" PROMETHEUS_MULTIPROC_DIR="$WORK/metrics-$slot" \\
  "$GUNICORN" devopsboard.wsgi --daemon --pid "$WORK/$slot.pid" --error-logfile "$WORK/$slot.log"
for _ in $(seq 1 50); do [[ -s "$WORK/$slot.pid" ]] && exit 0; sleep 0.1; done
exit 1
"""

MIGRATE = """#!/usr/bin/env bash
# MIGRATE for the test: every release shares this checkout's migrations (expand/contract, run first).
exec "$PYTHON" manage.py migrate --noinput -v0
"""

STOP = """#!/usr/bin/env bash
set -uo pipefail
pidfile="$WORK/$1.pid"
[[ -s "$pidfile" ]] || exit 0
pid="$(cat "$pidfile")"
kill -TERM "$pid" 2>/dev/null || exit 0
for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || exit 0; sleep 0.1; done
kill -KILL "$pid"
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def stack(tmp_path):
    nginx = shutil.which("nginx") or "/usr/sbin/nginx"
    if not os.path.exists(nginx):
        if os.environ.get("CI"):
            pytest.fail("nginx is missing: apt-get install -y nginx-light (.ci/run does).")
        pytest.skip("nginx is missing: apt-get install -y nginx-light")
    proxy_port, blue, green = free_port(), free_port(), free_port()
    for name, text in (("start", START), ("stop", STOP), ("migrate", MIGRATE)):
        (tmp_path / name).write_text(text)
        (tmp_path / name).chmod(0o755)
    upstream = tmp_path / "upstream.conf"
    upstream.write_text((ROOT / "deploy" / "nginx" / "upstream.conf").read_text().replace("web:8000", "127.0.0.1:9"))
    site = (
        (ROOT / "deploy" / "nginx" / "default.conf")
        .read_text()
        .replace("listen 80;", f"listen 127.0.0.1:{proxy_port};")
    )
    (tmp_path / "site.conf").write_text(site)
    (tmp_path / "nginx.conf").write_text(
        f"""worker_processes 1;
pid {tmp_path}/nginx.pid;
error_log {tmp_path}/nginx-error.log;
events {{ worker_connections 512; }}
http {{
    access_log off;
    client_body_temp_path {tmp_path}/body;
    proxy_temp_path {tmp_path}/proxy;
    include {upstream};
    include {tmp_path}/site.conf;
}}
"""
    )
    nginx_args = [nginx, "-p", str(tmp_path), "-c", str(tmp_path / "nginx.conf")]
    subprocess.run(nginx_args, check=True, capture_output=True)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_URL", "PROMETHEUS_MULTIPROC"))}
    env.update(
        WORK=str(tmp_path),
        GUNICORN=str(BIN / "gunicorn"),
        PYTHON=sys.executable,
        WEB_CONCURRENCY="2",
        DJANGO_DEBUG="0",
        DJANGO_SECRET_KEY="blue-green-" + "x" * 50,
        DJANGO_ALLOWED_HOSTS="127.0.0.1",
        DJANGO_SECURE_SSL_REDIRECT="0",
        DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}",
        LOG_LEVEL="ERROR",
        START_RELEASE=str(tmp_path / "start"),
        STOP_RELEASE=str(tmp_path / "stop"),
        MIGRATE=str(tmp_path / "migrate"),
        RELOAD_PROXY=" ".join([*nginx_args, "-s", "reload"]),
        UPSTREAM_FILE=str(upstream),
        STATE_DIR=str(tmp_path / "state"),
        BLUE_PORT=str(blue),
        GREEN_PORT=str(green),
        PUBLIC_URL=f"http://127.0.0.1:{proxy_port}",
        READY_TIMEOUT="15",
        DRAIN_SECONDS="2",
        # Pages need the collected static files an image carries (the Dockerfile's collectstatic); this
        # checkout has none, so the smoke test reads the API schema, a page that needs no static file.
        SMOKE_PATHS="/readyz /healthz /api/schema/?format=json",
    )

    def deploy(release):
        return subprocess.run(
            ["bash", "deploy/blue-green.sh", release], cwd=ROOT, env=env, capture_output=True, text=True, timeout=180
        )

    deploy.url = env["PUBLIC_URL"]
    deploy.state = tmp_path / "state" / "active"
    try:
        yield deploy
    finally:
        for slot in ("blue", "green"):
            subprocess.run([str(tmp_path / "stop"), slot], env=env, capture_output=True)
        subprocess.run([*nginx_args, "-s", "stop"], capture_output=True)


class RequestLoop:
    """GETs through the proxy until stopped (at most `limit` seconds), counting answers that are not 200."""

    def __init__(self, url: str, limit: float = 120):
        self.url, self.limit = url, limit
        self.ok = self.failed = 0
        self.failures: list[str] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self):
        deadline = time.monotonic() + self.limit
        with requests.Session() as session:
            while not self._stop.is_set() and time.monotonic() < deadline:
                try:
                    status = session.get(f"{self.url}/readyz", timeout=10).status_code
                except requests.RequestException as error:
                    status = type(error).__name__
                if status == 200:
                    self.ok += 1
                else:
                    self.failed += 1
                    self.failures.append(str(status))
                time.sleep(0.01)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join(timeout=30)


def test_a_good_release_takes_over_without_a_failed_request_and_a_broken_one_never_takes_traffic(stack):
    first = stack("v1")
    assert first.returncode == 0, first.stderr
    assert stack.state.read_text().strip() == "blue"

    with RequestLoop(stack.url) as good:
        started = time.monotonic()
        result = stack("v2")
        good_seconds = time.monotonic() - started
        time.sleep(1)
    assert result.returncode == 0, result.stderr
    assert "release v2 is live in green" in result.stderr
    assert stack.state.read_text().strip() == "green"
    assert good.ok > 20
    assert good.failed == 0, good.failures[:10]

    with RequestLoop(stack.url) as bad:
        started = time.monotonic()
        result = stack("broken")
        bad_seconds = time.monotonic() - started
        time.sleep(1)
    assert result.returncode == 1
    assert "was not ready (/readyz)" in result.stderr
    assert "the previous release (green) keeps serving" in result.stderr
    assert stack.state.read_text().strip() == "green"
    assert requests.get(f"{stack.url}/readyz", timeout=5).status_code == 200
    assert bad.ok > 20
    assert bad.failed == 0, bad.failures[:10]
    print(
        f"\nblue-green: good release {good_seconds:.1f} s, {good.ok} requests served, {good.failed} failed; "
        f"broken release detected in {bad_seconds:.1f} s, {bad.ok} served, {bad.failed} failed"
    )
