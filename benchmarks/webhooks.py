"""Webhook acknowledgement under gunicorn: sustained rate, p50/p99 latency at 100/s, beside two baselines.

Serves the app with gunicorn and the project's gunicorn.conf.py (sync workers, 2 x cores + 1,
on 127.0.0.1) against a throwaway PostgreSQL database `bench_webhooks` on the server of
DATABASE_URL, with the drain flag and the drain task on the broker of REDIS_URL (an in-process
memory broker without it), on a private queue. The baseline is a trivial Django view
(`benchmarks/webhook_urls.py`)
and the common receiver "verify the signature, `task.delay(payload)`, answer"
(`bench/receiver/<id>/`, which keeps nothing durable until a worker runs), both served by the same
gunicorn through the same middleware and measured in the same run:
- sustained rate: closed loop, a few clients posting back to back, in slices alternating
  between the two views (the machine is shared); with the CPU time gunicorn's workers spent
  per request, which does not depend on what else runs on the machine;
- latency at 100/s: open loop, requests started on a fixed schedule, each timed from its
  scheduled start (so a stalled server shows up in the figures instead of slowing the load).
Every delivery is a real example payload (pull_request.opened, 22 kB) with a valid signature
and a fresh GUID, so every request stores a row and sets the drain flag (`SET NX` on Redis).
No worker consumes the queue (processing would share the same two cores), so the flag is
only cleared by its expiry and one drain task is published every DRAIN_FLAG_SECONDS; with a
worker draining, one is published per drain run, however many deliveries that run takes.
"""

import hashlib
import hmac
import http.client
import json
import os
import runpy
import socket
import statistics
import subprocess
import sys
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any
from urllib.parse import urlparse, urlunparse

from benchmarks.harness import recreate_database

ROOT = Path(__file__).resolve().parent.parent
DB_NAME = "bench_webhooks"
QUEUE = "bench_webhooks"
# Gunicorn serves with the project's gunicorn.conf.py, as in production; this overrides its worker count.
WORKERS = os.environ.get("BENCH_WEBHOOK_WORKERS", "")
CLIENTS = 8
RATE = 100
SECRET = "bench-webhook-secret"
EXAMPLES = ROOT / "node_modules/@octokit/webhooks-examples/api.github.com/index.json"
SETUP = """
from integrations.models import Connection, Repository
from teams.models import Team
team, _ = Team.objects.get_or_create(slug="bench", defaults={"name": "Bench"})
connection = Connection.objects.create(team=team, name="bench", token="unused", webhook_secret=%r)
Repository.objects.create(team=team, connection=connection, owner="Codertocat", name="Hello-World",
                          full_name="Codertocat/Hello-World")
print(connection.pk)
"""

# Processing, measured apart (gunicorn stopped): what one worker's drain does per delivery.
PROCESS = """
import time
from integrations.webhooks import services as webhook_services
from integrations.models import WebhookDelivery
ids = list(WebhookDelivery.objects.filter(status="received").order_by("pk").values_list("pk", flat=True)[:%d])
started = time.perf_counter()
outcomes = {}
for pk in ids:
    outcome = str(webhook_services.delivery_process(delivery_id=pk).outcome)
    outcomes[outcome] = outcomes.get(outcome, 0) + 1
print(len(ids), time.perf_counter() - started, outcomes)
"""


def _count_deliveries(bench_url: str) -> int:
    import psycopg

    with psycopg.connect(urlunparse(urlparse(bench_url)._replace(scheme="postgresql"))) as conn:
        row = conn.execute("SELECT count(*) FROM integrations_webhookdelivery").fetchone()
        return row[0] if row else 0


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _post(port: int, path: str, body: bytes, headers: dict) -> int:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        conn.request("POST", path, body=body, headers=headers)
        response = conn.getresponse()
        response.read()
        return response.status
    finally:
        conn.close()


class Target:
    """One URL to load: the webhook endpoint (signed, fresh GUID per request) or the trivial view."""

    def __init__(self, name: str, port: int, path: str, body: bytes, *, signed: bool):
        self.name, self.port, self.path, self.body = name, port, path, body
        self.headers = {"Content-Type": "application/json", "User-Agent": "GitHub-Hookshot/bench"}
        if signed:
            signature = "sha256=" + hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
            self.headers.update(
                {"X-GitHub-Event": "pull_request", "X-GitHub-Hook-ID": "1", "X-Hub-Signature-256": signature}
            )
        self.signed = signed
        self.statuses: dict[int, int] = {}
        self.lock = threading.Lock()

    def hit(self) -> bool:
        headers = {**self.headers, "X-GitHub-Delivery": str(uuid.uuid4())} if self.signed else self.headers
        try:
            status = _post(self.port, self.path, self.body, headers)
        except OSError:
            status = 0
        with self.lock:
            self.statuses[status] = self.statuses.get(status, 0) + 1
        return 200 <= status < 300


def _worker_cpu(master_pid: int) -> float:
    """CPU seconds used so far by gunicorn's worker processes (from /proc; Linux)."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for pid in Path(f"/proc/{master_pid}/task/{master_pid}/children").read_text().split():
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        total += (int(fields[11]) + int(fields[12])) / tick
    return total


def _sustained(target: Target, seconds: float) -> tuple[int, float]:
    """(2xx answers, elapsed seconds) with CLIENTS clients posting back to back for `seconds`."""
    done = [0] * CLIENTS
    deadline = time.perf_counter() + seconds

    def client(i):
        while time.perf_counter() < deadline:
            if target.hit():
                done[i] += 1

    started = time.perf_counter()
    threads = [threading.Thread(target=client, args=(i,)) for i in range(CLIENTS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return sum(done), time.perf_counter() - started


def _latency(target: Target, seconds: float, rate: int = RATE) -> tuple[float, float, float]:
    """p50, p99 and max latency (ms) of requests started every 1/rate s, timed from the scheduled start."""
    count = int(seconds * rate)
    samples: list[float] = []
    failures = [0]
    lock = threading.Lock()

    def one(scheduled: float):
        ok = target.hit()
        elapsed = (time.perf_counter() - scheduled) * 1000
        with lock:
            samples.append(elapsed)
            failures[0] += 0 if ok else 1

    with ThreadPoolExecutor(max_workers=32) as pool:
        start = time.perf_counter() + 0.05
        for i in range(count):
            scheduled = start + i / rate
            pause = scheduled - time.perf_counter()
            if pause > 0:
                time.sleep(pause)
            pool.submit(one, scheduled)
    samples.sort()
    p99 = samples[min(len(samples) - 1, round(0.99 * len(samples)) - 1)]
    return statistics.median(samples), p99, samples[-1]


def _wait_until_serving(port: int, process: subprocess.Popen) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"gunicorn exited with {process.returncode}")
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", "/healthz")
            if conn.getresponse().status == 200:
                return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError("gunicorn did not start within 60 s")


def main(*, short: bool) -> None:
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        print("webhooks: needs DATABASE_URL pointing at PostgreSQL (a database bench_webhooks is created there).")
        return
    from cryptography.fernet import Fernet

    bench_url = urlunparse(urlparse(url)._replace(path=f"/{DB_NAME}"))
    redis_url = os.environ.get("REDIS_URL", "")
    env = {
        **os.environ,
        "DATABASE_URL": bench_url,
        "DJANGO_SETTINGS_MODULE": "benchmarks.webhook_settings",
        "DJANGO_DEBUG": "0",
        "DJANGO_SECRET_KEY": "benchmark-only-key-" + "x" * 40,
        "DJANGO_SECURE_SSL_REDIRECT": "0",
        "FIELD_ENCRYPTION_KEY": Fernet.generate_key().decode(),
        "LOG_LEVEL": os.environ.get("BENCH_LOG_LEVEL", "INFO"),
        "PYTHONPATH": str(ROOT),
    }
    recreate_database(url, DB_NAME)
    gunicorn = None
    try:
        run: dict[str, Any] = {"cwd": ROOT, "env": env, "check": True, "capture_output": True, "text": True}
        subprocess.run([sys.executable, "manage.py", "migrate", "--noinput", "-v0"], **run)
        shell = subprocess.run([sys.executable, "manage.py", "shell", "-c", SETUP % SECRET], **run)
        connection_id = int(shell.stdout.strip().splitlines()[-1])

        port = _free_port()
        workers = int(WORKERS or runpy.run_path(str(ROOT / "gunicorn.conf.py"))["workers"])
        gunicorn = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "devopsboard.wsgi", "-w", str(workers), "-b", f"127.0.0.1:{port}"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        _wait_until_serving(port, gunicorn)

        examples = {e["name"]: e["examples"] for e in json.loads(EXAMPLES.read_text())}
        body = json.dumps(examples["pull_request"][0]).encode()
        webhook = Target("webhook", port, f"/integrations/github/webhook/{connection_id}/", body, signed=True)
        trivial = Target("trivial", port, "/bench/trivial/", body, signed=False)
        receiver = Target("receiver", port, f"/bench/receiver/{connection_id}/", body, signed=True)
        targets = (trivial, receiver, webhook)

        rounds, slice_s, latency_s = (4, 1, 8) if short else (10, 2, 30)
        for target in targets:  # warm-up: imports, connections, caches
            for _ in range(100):
                target.hit()
        # Alternate short slices so both views see the same background load of a shared machine
        # (its speed drifts by a third from minute to minute here); each round also gives a ratio.
        served = {t.name: [0, 0.0, 0.0] for t in targets}  # answers, seconds, worker CPU s
        round_ratios = []
        for _ in range(rounds):
            round_rates = {}
            for target in targets:
                cpu = _worker_cpu(gunicorn.pid)
                count, seconds = _sustained(target, slice_s)
                totals = served[target.name]
                totals[0] += count
                totals[1] += seconds
                totals[2] += _worker_cpu(gunicorn.pid) - cpu
                round_rates[target.name] = count / seconds
            round_ratios.append(round_rates["webhook"] / round_rates["receiver"])
        rates = {name: count / seconds for name, (count, seconds, _) in served.items()}
        cpu_ms = {name: cpu * 1000 / count for name, (count, _, cpu) in served.items()}
        time.sleep(1)
        latencies = {t.name: _latency(t, latency_s) for t in targets}

        stored = _count_deliveries(bench_url)
        acknowledged = sum(n for status, n in webhook.statuses.items() if 200 <= status < 300)
        broker = "Redis" if redis_url else "in-process memory broker (set REDIS_URL for Redis)"
        print(
            f"gunicorn (gunicorn.conf.py) {workers} sync workers on 127.0.0.1, PostgreSQL, "
            f"drain flag and tasks on {broker}"
        )
        print(f"payload: pull_request.opened example, {len(body) / 1024:.0f} kB, signed; {CLIENTS} clients")
        labels = {
            "trivial": "trivial Django view ",
            "receiver": "verify+delay receiver",
            "webhook": "webhook endpoint    ",
        }
        for name, label in labels.items():
            p50, p99, worst = latencies[name]
            print(
                f"  {label}  sustained {rates[name]:6.0f}/s  (worker CPU {cpu_ms[name]:4.2f} ms/request)   "
                f"at {RATE}/s: p50 {p50:5.1f} ms  p99 {p99:5.1f} ms  max {worst:6.1f} ms"
            )
        ratio = rates["webhook"] / rates["receiver"]
        p99 = latencies["webhook"][1]
        print(f"  webhook / trivial throughput: {rates['webhook'] / rates['trivial']:.2f}")
        print(
            f"  webhook / receiver throughput: {ratio:.2f} (target >= 0.70: {'met' if ratio >= 0.7 else 'MISSED'}); "
            f"by round: median {statistics.median(round_ratios):.2f}, "
            f"from {min(round_ratios):.2f} to {max(round_ratios):.2f} over {rounds} rounds"
        )
        print(f"  webhook p99 at {RATE}/s: {p99:.1f} ms (target < 50 ms: {'met' if p99 < 50 else 'MISSED'})")
        print(f"  deliveries acknowledged {acknowledged}, stored {stored}; answers by status {webhook.statuses}")

        gunicorn.terminate()
        gunicorn.wait(timeout=30)
        gunicorn = None
        shell = subprocess.run([sys.executable, "manage.py", "shell", "-c", PROCESS % (200 if short else 2000)], **run)
        count, seconds, outcomes = shell.stdout.strip().splitlines()[-1].split(" ", 2)
        count, seconds = int(count), float(seconds)
        print(
            f"  processing in one worker (gunicorn stopped): {count} stored deliveries in {seconds:.1f} s "
            f"= {count / seconds:.0f}/s, {seconds * 1000 / count:.1f} ms each; outcomes {outcomes}"
        )
    finally:
        if gunicorn is not None:
            gunicorn.terminate()
            gunicorn.wait(timeout=30)
        recreate_database(url, DB_NAME, drop_only=True)
        if redis_url:
            import redis

            redis.Redis.from_url(redis_url).delete(QUEUE, f"_kombu.binding.{QUEUE}", "webhooks:drain")
