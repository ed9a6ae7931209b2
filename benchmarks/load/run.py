"""`make load` / `make load-short`: the issue's mix against the production setup, on its own database.

Starts what production runs: gunicorn with gunicorn.conf.py (DJANGO_DEBUG=0), PostgreSQL (a database
`load_devopsboard` created on DATABASE_URL's server and dropped afterwards), Redis (a redis-server of its own
on the port after --port; LOAD_REDIS_URL names another one instead, which is flushed) and one Celery worker;
seeds teams of 10 (benchmarks/load/seed.py) and runs locust (benchmarks/load/locustfile.py) on the same
machine. Each step first measures the trivial request (/healthz) flat out, then the mix, with the load
average at its start.

    python -m benchmarks.load.run                   # steps 50 → 800 people, written to docs/benchmarks.md
    python -m benchmarks.load.run --short           # 60 s at 50 people; exits 1 on any error or lost delivery
"""

import argparse
import csv
import os
import re
import secrets
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from urllib.parse import urlparse, urlunparse

from benchmarks.harness import recreate_database

ROOT = Path(__file__).resolve().parent.parent.parent
LOCUSTFILE = Path(__file__).with_name("locustfile.py")
DOC = ROOT / "docs/benchmarks.md"
DB_NAME = "load_devopsboard"
MIX = ["BoardViewer", "RetroViewer", "DashboardViewer", "CardMover", "WebhookSender"]
KINDS = [
    "board poll",
    "board open",
    "column refresh",
    "retro poll",
    "retro open",
    "dashboard",
    "card move (API)",
    "webhook",
]
STEPS = [50, 100, 200, 300, 400, 500, 600, 800]
BEGIN, END = "<!-- load:begin -->", "<!-- load:end -->"


def _environment(database_url: str, redis_url: str, port: int) -> dict:
    from cryptography.fernet import Fernet

    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "devopsboard.settings",
        "DJANGO_DEBUG": "0",
        "DJANGO_SECRET_KEY": "load-run-only-" + secrets.token_urlsafe(40),
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
        "DJANGO_SECURE_SSL_REDIRECT": "0",
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "FIELD_ENCRYPTION_KEY": Fernet.generate_key().decode(),
        "METRICS_TOKEN": "load-run",
        "LOG_LEVEL": "WARNING",
        "GUNICORN_BIND": f"127.0.0.1:{port}",
        "PROMETHEUS_MULTIPROC_DIR": tempfile.mkdtemp(prefix="load-metrics-"),
    }


def _wait_until_serving(port: int, process: subprocess.Popen, seconds: float = 240) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"gunicorn exited with {process.returncode}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as answer:
                if answer.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise RuntimeError(f"gunicorn did not answer /healthz within {seconds:.0f} s")


def _locust(env: dict, port: int, classes: list[str], *, users: int, seconds: int, prefix: str) -> dict:
    """Run locust headless; return {kind: stats row} from its CSV (figures after the ramp-up)."""
    rate = max(10, users // 5)  # everyone on within ~5 s; the figures start once all are on (--reset-stats)
    command = [
        sys.executable, "-m", "locust", "-f", str(LOCUSTFILE), "--headless", "--host", f"http://127.0.0.1:{port}",
        "-u", str(users), "-r", str(rate), "-t", f"{seconds}s", "--reset-stats", "--csv", prefix,
        "--only-summary", "--loglevel", "WARNING", *classes,
    ]  # fmt: skip
    subprocess.run(command, env=env, check=False, stdout=subprocess.DEVNULL)
    with open(f"{prefix}_stats.csv") as handle:
        return {row["Name"]: row for row in csv.DictReader(handle)}


def _figure(row: dict | None, column: str) -> float:
    return float(row[column]) if row and row.get(column) not in (None, "", "N/A") else 0.0


def _deliveries(database_url: str) -> tuple[int, int]:
    """(deliveries stored, still waiting) in the load database."""
    import psycopg

    with psycopg.connect(urlunparse(urlparse(database_url)._replace(scheme="postgresql"))) as conn:
        row = conn.execute(
            "SELECT count(*), count(*) FILTER (WHERE status = 'received') FROM integrations_webhookdelivery"
        ).fetchone()
    return (row[0], row[1]) if row else (0, 0)


def _wait_for_drain(database_url: str, seconds: float = 60) -> float | None:
    """Seconds until no delivery waits (None if some still wait after `seconds`)."""
    started = time.monotonic()
    while time.monotonic() - started < seconds:
        if _deliveries(database_url)[1] == 0:
            return time.monotonic() - started
        time.sleep(1)
    return None


def _row(people: int, load: float, healthz: dict, mix: dict, caught_up: float | None) -> dict:
    total = mix.get("Aggregated")
    return {
        "people": people,
        "load": load,
        "healthz_rps": _figure(healthz.get("healthz"), "Requests/s"),
        "healthz_p50": _figure(healthz.get("healthz"), "50%"),
        "rps": _figure(total, "Requests/s"),
        "requests": int(_figure(total, "Request Count")),
        "errors": int(_figure(total, "Failure Count")),
        "p": [_figure(total, c) for c in ("50%", "95%", "99%")],
        "kinds": {kind: [_figure(mix.get(kind), c) for c in ("50%", "95%", "99%")] for kind in KINDS},
        "counts": {kind: int(_figure(mix.get(kind), "Request Count")) for kind in KINDS},
        "caught_up": caught_up,
    }


def _markdown(rows: list[dict], *, command: str, seconds: int, setup: str) -> str:
    ms = lambda p: " / ".join(f"{v:,.0f}" for v in p)  # noqa: E731
    lines = [
        BEGIN,
        f"Measured with `{command}` ({seconds} s a step, figures after everyone is on; {setup}).",
        "The trivial ceiling is `/healthz` flat out (20 clients) just before each step, in the same run; the",
        "ratio is what one request of the mix costs against it at saturation (trivial ceiling ÷ mix requests/s",
        "when the mix saturates the box, else an upper bound). Load average (1 min) at the start of each step.",
        "",
        "| people | load avg | mix req/s | p50 / p95 / p99 (ms) | errors | /healthz req/s (p50 ms) | ratio "
        "| webhooks caught up |",
        "|---:|---:|---:|---|---:|---:|---:|---:|",
    ]
    for r in rows:
        ratio = r["healthz_rps"] / r["rps"] if r["rps"] else 0
        caught = "—" if r["caught_up"] is None else f"{r['caught_up']:.0f} s"
        lines.append(
            f"| {r['people']} | {r['load']:.1f} | {r['rps']:.1f} | {ms(r['p'])} | {r['errors']} | "
            f"{r['healthz_rps']:.0f} ({r['healthz_p50']:.0f}) | {ratio:.1f}× | {caught} |"
        )
    lines += ["", "p50 / p95 / p99 (ms) per request kind:", ""]
    lines.append("| people | " + " | ".join(KINDS) + " |")
    lines.append("|---:|" + "---|" * len(KINDS))
    for r in rows:
        lines.append(f"| {r['people']} | " + " | ".join(ms(r["kinds"][k]) for k in KINDS) + " |")
    lines.append(END)
    return "\n".join(lines)


def _record(text: str) -> None:
    doc = DOC.read_text()
    if BEGIN in doc:
        doc = re.sub(re.escape(BEGIN) + ".*?" + re.escape(END), lambda _: text, doc, flags=re.S)
    else:
        doc = doc.rstrip("\n") + "\n\n## Load: the issue's mix (benchmarks/load)\n\n" + text + "\n"
    DOC.write_text(doc)


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.load.run")
    parser.add_argument("--short", action="store_true", help="60 s at 50 people; fails on any error")
    parser.add_argument("--steps", default=",".join(map(str, STEPS)), help="people per step, comma-separated")
    parser.add_argument("--seconds", type=int, default=60, help="seconds per step")
    parser.add_argument("--port", type=int, default=int(os.environ.get("LOAD_PORT", "8765")))
    args = parser.parse_args()
    steps = [50] if args.short else [int(s) for s in args.steps.split(",")]
    seconds = 60 if args.short else args.seconds
    base_url = os.environ.get("DATABASE_URL", "")
    if not base_url.startswith(("postgres://", "postgresql://")):
        print("load: needs DATABASE_URL pointing at PostgreSQL (a database load_devopsboard is created there).")
        return 2
    processes: list[subprocess.Popen] = []
    redis_url = os.environ.get("LOAD_REDIS_URL", "")
    if not redis_url:
        redis_port = args.port + 1
        server = ["redis-server", "--port", str(redis_port), "--save", "", "--appendonly", "no"]
        processes.append(subprocess.Popen(server, stdout=subprocess.DEVNULL))
        redis_url = f"redis://127.0.0.1:{redis_port}/0"
    import redis

    for _ in range(50):
        try:
            redis.Redis.from_url(redis_url).flushdb()
            break
        except redis.ConnectionError:
            time.sleep(0.1)
    recreate_database(base_url, DB_NAME)
    database_url = urlunparse(urlparse(base_url)._replace(path=f"/{DB_NAME}"))
    env = _environment(database_url, redis_url, args.port)
    work = Path(tempfile.mkdtemp(prefix="load-run-"))
    manage = [sys.executable, str(ROOT / "manage.py")]
    try:
        subprocess.run([*manage, "migrate", "--noinput", "-v0"], env=env, check=True, cwd=ROOT)
        subprocess.run([*manage, "collectstatic", "--noinput", "-v0"], env=env, check=True, cwd=ROOT)
        seed = work / "seed.json"
        teams = max(steps) // 10 + 1
        started = time.monotonic()
        subprocess.run(
            [sys.executable, "-m", "benchmarks.load.seed", str(teams), str(seed)], env=env, check=True, cwd=ROOT
        )
        print(f"load: seeded {teams} teams of 10 in {time.monotonic() - started:.0f} s", flush=True)
        env["LOAD_SEED"] = str(seed)
        serve = [sys.executable, "-m", "gunicorn", "-c", str(ROOT / "gunicorn.conf.py"), "devopsboard.wsgi"]
        gunicorn = subprocess.Popen(serve, env=env, cwd=ROOT)
        processes.append(gunicorn)
        worker = [sys.executable, "-m", "celery", "-A", "devopsboard", "worker", "-l", "WARNING"]
        processes.append(subprocess.Popen(worker, env=env, cwd=ROOT))
        _wait_until_serving(args.port, gunicorn)
        setup = _setup(env)
        rows = []
        for people in steps:
            load = os.getloadavg()[0]
            healthz = _locust(env, args.port, ["HealthzUser"], users=20, seconds=10, prefix=str(work / f"h{people}"))
            stored_before = _deliveries(database_url)[0]
            mix = _locust(env, args.port, MIX, users=people, seconds=seconds, prefix=str(work / f"m{people}"))
            caught_up = _wait_for_drain(database_url)
            row = _row(people, load, healthz, mix, caught_up)
            row["stored"] = _deliveries(database_url)[0] - stored_before
            rows.append(row)
            print(
                f"load: {people} people (load {load:.1f}): {row['rps']:.1f} req/s, p50/p95/p99 "
                f"{' / '.join(f'{v:.0f}' for v in row['p'])} ms, {row['errors']} errors of {row['requests']}; "
                f"/healthz {row['healthz_rps']:.0f} req/s; webhooks acknowledged ≤ stored {row['stored']}, "
                f"caught up {'no' if caught_up is None else f'{caught_up:.0f} s'}",
                flush=True,
            )
        if not args.short:
            _record(_markdown(rows, command="make load", seconds=seconds, setup=setup))
            print(f"load: written to {DOC.relative_to(ROOT)}")
        return _verdict(rows)
    finally:
        for process in reversed(processes):
            process.terminate()
        for process in reversed(processes):
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
        shutil.rmtree(env["PROMETHEUS_MULTIPROC_DIR"], ignore_errors=True)
        recreate_database(base_url, DB_NAME, drop_only=True)


def _setup(env: dict) -> str:
    import runpy

    conf = runpy.run_path(str(ROOT / "gunicorn.conf.py"))
    kind = conf.get("worker_class", "sync")
    threads = f" × {conf['threads']} threads" if conf.get("threads", 1) > 1 else ""
    where = f"all on {os.cpu_count()} cores"
    return f"gunicorn {conf['workers']} {kind} workers{threads}, one Celery worker, PostgreSQL and Redis, {where}"


def _verdict(rows: list[dict]) -> int:
    """1 when a request failed, or fewer deliveries were stored than acknowledged, or a backlog was left."""
    bad = []
    for r in rows:
        if r["errors"]:
            bad.append(f"{r['people']} people: {r['errors']} failed requests")
        if r["stored"] < r["counts"]["webhook"]:
            bad.append(f"{r['people']} people: {r['counts']['webhook']} webhooks sent, {r['stored']} stored")
        if r["caught_up"] is None:
            bad.append(f"{r['people']} people: deliveries still waiting a minute after the step")
    for line in bad:
        print(f"load: FAILED: {line}", file=sys.stderr)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
