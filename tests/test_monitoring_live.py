"""A real Prometheus scrapes the app while traffic runs; a real Alertmanager delivers the worker-down alert.

Prometheus and Alertmanager come from Debian (`prometheus`, `prometheus-alertmanager`), the worker is a
real `celery -A devopsboard worker` process. The configurations are the committed ones with addresses,
secrets and waiting times shortened (scrape every second, `for:` a few seconds), so the test takes
seconds; the rule expressions, the routes and the receiver are those that ship.
"""

import http.server
import json
import os
import re
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
import requests
import yaml

from tests.test_monitoring import DEPLOY, ROOT, tool

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]
TOKEN = "live-metrics-token"
INTAKE_TOKEN = "live-intake-token"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(check, seconds: float, what: str):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        result = check()
        if result:
            return result
        time.sleep(0.5)
    raise AssertionError(f"gave up waiting for {what} after {seconds} s")


@pytest.fixture
def intake():
    """Stands in for the postmortems app's intake: records what Alertmanager posts, and with which token."""
    received: list[dict] = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self):
            body = self.rfile.read(int(self.headers["Content-Length"]))
            received.append({"path": self.path, "authorization": self.headers["Authorization"], **json.loads(body)})
            self.send_response(202)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    server.received = received
    yield server
    server.shutdown()
    server.server_close()


def start(args, log: Path, **options):
    """Start a process writing to `log`; the log file is closed in the parent at once (the child keeps it)."""
    with log.open("w") as out:
        return subprocess.Popen(args, stdout=out, stderr=subprocess.STDOUT, **options)


def stop(process):
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=20)


def short_waits(text: str) -> str:
    text = re.sub(r"for: \d+m", "for: 3s", text)
    return text.replace("[5m]", "[15s]")


@pytest.mark.redis  # the worker needs a broker
def test_prometheus_scrapes_plausible_figures_and_the_worker_down_alert_reaches_the_intake(
    live_server, settings, tmp_path, intake
):
    prometheus_bin = tool("prometheus", "prometheus")
    alertmanager_bin = tool("prometheus-alertmanager", "prometheus-alertmanager")
    from kanban.models import Card
    from kanban.tests.factories import ColumnFactory
    from teams.tests.factories import TeamFactory

    settings.METRICS_TOKEN = TOKEN
    team = TeamFactory(slug="ops")
    doing = ColumnFactory(board__team=team, name="Doing")
    for title in ("one", "two"):
        Card.objects.create(team=team, board=doing.board, column=doing, title=title)

    worker_port, prometheus_port, alertmanager_port = free_port(), free_port(), free_port()
    (tmp_path / "metrics_token").write_text(TOKEN)
    (tmp_path / "intake_token").write_text(INTAKE_TOKEN)
    (tmp_path / "alerts.yml").write_text(short_waits((DEPLOY / "prometheus" / "alerts.yml").read_text()))

    config = yaml.safe_load((DEPLOY / "prometheus" / "prometheus.yml").read_text())
    config["global"] = {"scrape_interval": "1s", "evaluation_interval": "1s"}
    config["rule_files"] = [str(tmp_path / "alerts.yml")]
    config["alerting"]["alertmanagers"][0]["static_configs"][0]["targets"] = [f"127.0.0.1:{alertmanager_port}"]
    host = live_server.url.removeprefix("http://")
    jobs = {job["job_name"]: job for job in config["scrape_configs"]}
    jobs["devopsboard"]["static_configs"][0]["targets"] = [host]
    jobs["devopsboard"]["authorization"]["credentials_file"] = str(tmp_path / "metrics_token")
    jobs["devopsboard-worker"]["static_configs"][0]["targets"] = [f"127.0.0.1:{worker_port}"]
    config["scrape_configs"] = [jobs["devopsboard"], jobs["devopsboard-worker"]]
    (tmp_path / "prometheus.yml").write_text(yaml.safe_dump(config))

    routes = (DEPLOY / "alertmanager" / "alertmanager.yml").read_text()
    routes = routes.replace("http://web:8000", f"http://127.0.0.1:{intake.server_address[1]}")
    routes = routes.replace("/run/secrets/alertmanager_intake_token", str(tmp_path / "intake_token"))
    routes = routes.replace("group_wait: 30s", "group_wait: 1s").replace("group_interval: 5m", "group_interval: 2s")
    (tmp_path / "alertmanager.yml").write_text(routes)

    worker_env = {
        **os.environ,
        "CELERY_METRICS_PORT": str(worker_port),
        "PROMETHEUS_MULTIPROC_DIR": str(tmp_path / "worker-metrics"),
        "DJANGO_DEBUG": "1",
    }
    worker = start(
        [sys.executable, "-m", "celery", "-A", "devopsboard", "worker", "--pool=solo", "--loglevel=WARNING",
         "-Q", f"monitoring-test-{worker_port}"],
        tmp_path / "worker.log", cwd=ROOT, env=worker_env,
    )  # fmt: skip

    def worker_serves():
        try:
            return requests.get(f"http://127.0.0.1:{worker_port}/metrics", timeout=2).ok
        except requests.ConnectionError:
            return False

    api = f"http://127.0.0.1:{prometheus_port}/api/v1"

    def query(expr: str) -> list[dict]:
        try:
            return requests.get(f"{api}/query", params={"query": expr}, timeout=5).json()["data"]["result"]
        except (requests.ConnectionError, KeyError, ValueError):  # still starting
            return []

    stop_traffic = threading.Event()

    def traffic():
        while not stop_traffic.is_set():
            requests.get(f"{live_server.url}/healthz", timeout=5)
            time.sleep(0.05)

    processes = [worker]
    loop = threading.Thread(target=traffic, daemon=True)
    try:
        # Prometheus starts once the worker serves, as in a stack that was up before: no alert at start-up.
        wait_for(worker_serves, 60, "the worker to serve its metrics")
        alertmanager = start(
            [alertmanager_bin, f"--config.file={tmp_path / 'alertmanager.yml'}", f"--storage.path={tmp_path / 'am'}",
             f"--web.listen-address=127.0.0.1:{alertmanager_port}", "--cluster.listen-address="],
            tmp_path / "alertmanager.log",
        )  # fmt: skip
        prometheus = start(
            [prometheus_bin, f"--config.file={tmp_path / 'prometheus.yml'}", f"--storage.tsdb.path={tmp_path / 'tsdb'}",
             f"--web.listen-address=127.0.0.1:{prometheus_port}"],
            tmp_path / "prometheus.log",
        )  # fmt: skip
        processes += [alertmanager, prometheus]
        loop.start()
        wait_for(lambda: query('up{job="devopsboard-worker"} == 1'), 60, "the worker's metrics to be scraped")
        wait_for(lambda: query('up{job="devopsboard"} == 1'), 30, "the app's metrics to be scraped")
        wip = wait_for(lambda: query('devopsboard_board_wip{team="ops", column="Doing"}'), 20, "the board WIP")
        assert float(wip[0]["value"][1]) == 2
        assert float(query("devopsboard_teams")[0]["value"][1]) == 1
        assert float(query("devopsboard_webhook_processing_lag_seconds")[0]["value"][1]) == 0
        served = wait_for(
            lambda: query(
                'sum(django_http_responses_total_by_status_view_method_total{view="healthz", status="200"}) > 20'
            ),
            30,
            "the traffic to be counted",
        )
        assert float(served[0]["value"][1]) > 20
        # While the worker started, or when a scrape of a busy machine timed out, it may have fired:
        # it must settle to quiet while the worker runs.
        wait_for(lambda: not query('ALERTS{alertname="DevopsboardWorkerDown"}'), 90, "the worker-down alert to clear")
        intake.received.clear()

        stop(worker)
        wait_for(lambda: query('ALERTS{alertname="DevopsboardWorkerDown", alertstate="firing"}'), 60, "the alert")
        posted = wait_for(
            lambda: [
                p
                for p in intake.received
                if p["commonLabels"].get("alertname") == "DevopsboardWorkerDown" and p["status"] == "firing"
            ],
            60,
            "Alertmanager to post to the intake",
        )
    finally:
        stop_traffic.set()
        for process in processes:
            stop(process)
    delivery = posted[0]
    assert delivery["path"] == "/integrations/alertmanager/ops/"
    assert delivery["authorization"] == f"Bearer {INTAKE_TOKEN}"
    assert delivery["status"] == "firing"
    assert delivery["commonLabels"]["severity"] == "page"
    assert delivery["commonAnnotations"]["runbook_url"].endswith("#devopsboardworkerdown")
