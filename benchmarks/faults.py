"""Faults during load: the Celery worker killed, Redis stopped, PostgreSQL restarted, with requests flowing.

Everything runs on instances of its own, never the machine's shared ones: a PostgreSQL cluster made with
`initdb` and driven with `pg_ctl` on a free port, a redis-server (append-only, as docker-compose.yml
runs it) on another, the app under gunicorn with gunicorn.conf.py and production settings, and one
Celery worker. A small threaded client moves cards through the API, sends signed GitHub webhooks and
reads the board page and the API while each fault happens in turn.

What must hold: during a fault the app answers 503 with Retry-After (or succeeds), never another 5xx;
every webhook answered 2xx is stored and every move answered 200 is in the database afterwards; the
webhook queue is drained within a minute of recovery. What is measured: seconds from each restart to
the first successful request and to the queue drained.

    python -m benchmarks.faults [--short]      (make faults; tests/test_faults.py runs the short form)
"""

from __future__ import annotations

import argparse
import glob
import hashlib
import hmac
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import psycopg
import requests

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
SECRET = "fault-webhook-secret"
CARDS_PER_MOVER = 4
MOVERS = 2


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _pg_bin(name: str) -> str:
    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    if found:
        return found[-1]
    path = shutil.which(name)
    if not path:
        raise RuntimeError(f"{name} not found: install PostgreSQL's server binaries")
    return path


def _as_postgres(args: list[str]) -> list[str]:
    """initdb and postgres refuse to run as root: run them as the postgres user then."""
    return ["runuser", "-u", "postgres", "--", *args] if os.geteuid() == 0 else args


def _wait_port(port: int, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    raise RuntimeError(f"nothing listens on port {port} after {timeout} s")


@dataclass
class Stack:
    """The app's processes and its own PostgreSQL and Redis, under one temporary directory."""

    work: Path
    pg_port: int = field(default_factory=free_port)
    redis_port: int = field(default_factory=free_port)
    web_port: int = field(default_factory=free_port)
    redis: subprocess.Popen | None = None
    web: subprocess.Popen | None = None
    worker: subprocess.Popen | None = None

    @property
    def pgdata(self) -> Path:
        return self.work / "pg"

    @property
    def database_url(self) -> str:
        return f"postgres://postgres@127.0.0.1:{self.pg_port}/devopsboard"

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.web_port}"

    def env(self) -> dict[str, str]:
        keep = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "PROMETHEUS_MULTIPROC"))}
        return keep | {
            "DJANGO_DEBUG": "0",
            "DJANGO_SECRET_KEY": "faults-" + "x" * 50,
            "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
            "DJANGO_SECURE_SSL_REDIRECT": "0",
            "DATABASE_URL": self.database_url,
            "REDIS_URL": f"redis://127.0.0.1:{self.redis_port}/0",
            "FIELD_ENCRYPTION_KEY": "8q5tDv0kY5n3lJ7vU2b4mR2oZk0G6wqS7cX1yQpZf3E=",
            "LOG_LEVEL": "WARNING",
            "WEB_CONCURRENCY": "2",
            "GUNICORN_BIND": f"127.0.0.1:{self.web_port}",
        }

    # --- PostgreSQL ----------------------------------------------------------------------------
    def pg_init(self) -> None:
        self.work.chmod(0o755)
        self.pgdata.mkdir()
        if os.geteuid() == 0:
            shutil.chown(self.pgdata, "postgres", "postgres")
        subprocess.run(
            _as_postgres([_pg_bin("initdb"), "-D", str(self.pgdata), "-U", "postgres", "-A", "trust", "--no-sync"]),
            check=True,
            capture_output=True,
        )
        self.pg_start()
        subprocess.run(
            [_pg_bin("createdb"), "-h", "127.0.0.1", "-p", str(self.pg_port), "-U", "postgres", "devopsboard"],
            check=True,
        )

    def pg_ctl(self, *args: str) -> None:
        options = f"-p {self.pg_port} -k {self.pgdata} -c listen_addresses=127.0.0.1 -c fsync=off"
        command = [_pg_bin("pg_ctl"), "-D", str(self.pgdata), "-l", str(self.pgdata / "log"), "-o", options]
        subprocess.run(_as_postgres([*command, "-w", *args]), check=True, capture_output=True)

    def pg_start(self) -> None:
        self.pg_ctl("start")

    def pg_stop(self) -> None:
        self.pg_ctl("stop", "-m", "fast")

    def sql(self, query: str, *params):
        with psycopg.connect(self.database_url.replace("postgres://", "postgresql://"), autocommit=True) as db:
            return db.execute(query, params).fetchall()

    # --- Redis -----------------------------------------------------------------------------------
    def redis_start(self) -> None:
        (self.work / "redis").mkdir(exist_ok=True)
        self.redis = subprocess.Popen(
            ["redis-server", "--port", str(self.redis_port), "--bind", "127.0.0.1", "--dir", str(self.work / "redis")]
            + ["--appendonly", "yes", "--save", ""],
            stdout=subprocess.DEVNULL,
        )
        _wait_port(self.redis_port)

    def redis_stop(self) -> None:
        assert self.redis is not None
        self.redis.terminate()
        self.redis.wait(timeout=20)

    # --- the app -----------------------------------------------------------------------------------
    def manage(self, *args: str) -> str:
        done = subprocess.run(
            [sys.executable, "manage.py", *args], cwd=ROOT, env=self.env(), capture_output=True, text=True
        )
        if done.returncode != 0:
            raise RuntimeError(f"manage.py {args[0]} failed:\n{done.stderr[-3000:]}")
        return done.stdout

    def web_start(self) -> None:
        with open(self.work / "gunicorn.log", "ab") as log:  # the child keeps its own descriptor
            self.web = subprocess.Popen(
                [str(BIN / "gunicorn"), "devopsboard.wsgi", "-c", "gunicorn.conf.py"],
                cwd=ROOT,
                env=self.env(),
                stdout=log,
                stderr=log,
            )
        _wait_port(self.web_port)

    def worker_start(self) -> None:
        with open(self.work / "worker.log", "ab") as log:  # the child keeps its own descriptor
            self.worker = subprocess.Popen(
                [str(BIN / "celery"), "-A", "devopsboard", "worker", "--concurrency", "1", "--loglevel", "WARNING"]
                + ["--without-gossip", "--without-mingle"],
                cwd=ROOT,
                env=self.env(),
                stdout=log,
                stderr=log,
            )

    def worker_kill(self) -> None:
        """SIGKILL the worker's whole process group: no warm shutdown, its messages unacknowledged."""
        assert self.worker is not None
        for child in _children(self.worker.pid):
            os.kill(child, signal.SIGKILL)
        self.worker.kill()
        self.worker.wait()
        assert not _children(self.worker.pid), "the worker's pool outlived it"

    def stop_all(self) -> None:
        for process in (self.web, self.worker):
            if process is not None and process.poll() is None:
                process.terminate()
                try:
                    process.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait()
        if self.redis is not None and self.redis.poll() is None:
            self.redis_stop()
        if (self.pgdata / "postmaster.pid").exists():
            self.pg_ctl("stop", "-m", "immediate")


def _children(pid: int) -> list[int]:
    found = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True).stdout.split()
    return [int(child) for child in found]


SEED = """
import json
from django.contrib.auth import get_user_model
from django.test import Client
from integrations.models import Connection
from kanban.services import board_create, card_create
from teams.models import Membership, Team
from tokens.services import token_create

user = get_user_model().objects.create_user("faults", password="not-used-faults-1")
team = Team.objects.create(slug="faults", name="Faults")
Membership.objects.create(team=team, user=user, role="owner")
columns = [{"name": name, "is_done": False} for name in ("One", "Two", "Three")]
board = board_create(team=team, name="Load", by=user, columns=columns)
column_ids = list(board.columns.order_by("position").values_list("pk", flat=True))
cards = [card_create(board=board, title=f"card {n}", by=user).pk for n in range(%(cards)d)]
connection = Connection.objects.create(team=team, name="faults", token="t", webhook_secret="%(secret)s")
_, key = token_create(user=user, name="faults")
browser = Client()
browser.force_login(user)
print(json.dumps({"token": key, "columns": column_ids, "cards": cards, "board": board.pk,
                  "connection": connection.pk, "session": browser.cookies["sessionid"].value}))
"""


@dataclass
class Answer:
    at: float
    kind: str
    status: int  # 0: no HTTP answer at all
    retry_after: str | None = None


class Load:
    """Movers, a webhook sender and readers in threads, each one request at a time, recording every answer."""

    def __init__(self, stack: Stack, seed: dict, pause: float = 0.05):
        self.stack, self.seed, self.pause = stack, seed, pause
        self.answers: list[Answer] = []
        self.moves: dict[int, list[tuple[int, bool]]] = {}  # card -> [(column, acknowledged)]
        self.webhooks: list[tuple[str, bool]] = []  # (guid, acknowledged)
        self.stopping = threading.Event()
        self.lock = threading.Lock()
        self.threads: list[threading.Thread] = []

    def _record(self, kind: str, response: requests.Response | None) -> int:
        answer = Answer(time.monotonic(), kind, 0)
        if response is not None:
            answer.status, answer.retry_after = response.status_code, response.headers.get("Retry-After")
        with self.lock:
            self.answers.append(answer)
        return answer.status

    def _request(self, session: requests.Session, method: str, url: str, **kwargs) -> requests.Response | None:
        try:
            return session.request(method, self.stack.url + url, timeout=15, **kwargs)
        except requests.RequestException:
            return None

    def mover(self, cards: list[int]) -> None:
        session = requests.Session()
        session.headers["Authorization"] = f"Token {self.seed['token']}"
        columns, turn = self.seed["columns"], 0
        while not self.stopping.is_set():
            card = cards[turn % len(cards)]
            column = columns[(turn // len(cards) + 1) % len(columns)]
            response = self._request(
                session, "POST", f"/api/v1/teams/faults/cards/{card}/move/", json={"column": column, "position": 0}
            )
            status = self._record("move", response)
            with self.lock:
                self.moves.setdefault(card, []).append((column, status == 200))
            turn += 1
            time.sleep(self.pause)

    def webhook_sender(self) -> None:
        session = requests.Session()
        while not self.stopping.is_set():
            guid = str(uuid.uuid4())
            body = json.dumps({"action": "opened", "repository": {"full_name": "faults/unknown"}}).encode()
            signature = "sha256=" + hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
            headers = {
                "Content-Type": "application/json",
                "X-GitHub-Event": "issues",
                "X-GitHub-Delivery": guid,
                "X-Hub-Signature-256": signature,
            }
            response = self._request(
                session, "POST", f"/integrations/github/webhook/{self.seed['connection']}/", data=body, headers=headers
            )
            status = self._record("webhook", response)
            with self.lock:
                self.webhooks.append((guid, 200 <= status < 300))
            time.sleep(self.pause)

    def reader(self) -> None:
        session = requests.Session()
        cookie = {"Cookie": f"sessionid={self.seed['session']}"}
        api = {"Authorization": f"Token {self.seed['token']}"}
        while not self.stopping.is_set():
            self._record("page", self._request(session, "GET", "/t/faults/board/", headers=cookie))
            self._record("api", self._request(session, "GET", "/api/v1/teams/faults/cards/", headers=api))
            time.sleep(self.pause * 4)

    def start(self) -> None:
        cards = self.seed["cards"]
        targets: list[tuple[Callable[..., None], tuple]] = [(self.mover, (cards[i::MOVERS],)) for i in range(MOVERS)]
        targets += [(self.webhook_sender, ()), (self.reader, ())]
        for target, args in targets:
            thread = threading.Thread(target=target, args=args, daemon=True)
            thread.start()
            self.threads.append(thread)

    def stop(self) -> None:
        self.stopping.set()
        for thread in self.threads:
            thread.join(timeout=30)

    def first_success_after(self, moment: float, kinds: tuple[str, ...] = ("move", "webhook", "page", "api")) -> float:
        """Seconds from `moment` until every kind had a successful answer (waits up to a minute)."""
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            with self.lock:
                firsts = {}
                for answer in self.answers:
                    if answer.at >= moment and answer.kind not in firsts and 200 <= answer.status < 400:
                        firsts[answer.kind] = answer.at
            if all(kind in firsts for kind in kinds):
                return max(firsts.values()) - moment
            time.sleep(0.1)
        raise AssertionError(f"no success of every kind within a minute of recovery: {firsts}")


def waiting_deliveries(stack: Stack) -> int:
    return stack.sql("SELECT count(*) FROM integrations_webhookdelivery WHERE status = 'received'")[0][0]


def drained_after(stack: Stack, moment: float, limit: float = 60) -> float:
    """Seconds from `moment` until no stored delivery waits (a query every half second; at most `limit`)."""
    while time.monotonic() - moment < limit:
        try:
            if waiting_deliveries(stack) == 0:
                return time.monotonic() - moment
        except psycopg.OperationalError:
            pass
        time.sleep(0.5)
    raise AssertionError(f"deliveries still waiting {limit} s after recovery: {waiting_deliveries(stack)}")


def _static_stale() -> bool:
    manifest = ROOT / "var" / "static" / "staticfiles.json"
    if not manifest.exists():
        return True
    newest = max(path.stat().st_mtime for path in (ROOT / "static").rglob("*") if path.is_file())
    return newest > manifest.stat().st_mtime


@contextmanager
def running_stack():
    work = Path(tempfile.mkdtemp(prefix="devopsboard-faults-"))
    stack = Stack(work)
    try:
        stack.pg_init()
        stack.redis_start()
        started = time.monotonic()
        stack.manage("migrate", "--noinput", "-v0")
        print(f"migrated in {time.monotonic() - started:.0f} s", flush=True)
        # The pages need the manifest production serves; collecting takes a minute, so only when stale.
        if _static_stale():
            stack.manage("collectstatic", "--noinput", "-v0")
        yield stack
    except BaseException:
        for name in ("gunicorn.log", "worker.log"):
            path = work / name
            if path.exists():
                print(f"--- {name} (last lines)\n" + "\n".join(path.read_text().splitlines()[-30:]), file=sys.stderr)
        raise
    finally:
        stack.stop_all()
        shutil.rmtree(work, ignore_errors=True)


def run(*, outage: float = 3.0, settle: float = 3.0, report=print) -> dict:
    """Start the stack, run the three faults under load, check what must hold; return the recovery times."""
    with running_stack() as stack:
        output = stack.manage("shell", "-c", SEED % {"cards": CARDS_PER_MOVER * MOVERS, "secret": SECRET})
        seed = json.loads(output.strip().splitlines()[-1])
        stack.web_start()
        stack.worker_start()
        load = Load(stack, seed)
        load.start()
        results: dict[str, dict[str, float | int]] = {}
        try:
            time.sleep(settle)

            stack.worker_kill()
            time.sleep(outage)
            waiting = waiting_deliveries(stack)
            restarted = time.monotonic()
            stack.worker_start()
            results["worker killed"] = {"waiting": waiting, "drained": drained_after(stack, restarted)}
            time.sleep(settle)

            stack.redis_stop()
            time.sleep(outage)
            restarted = time.monotonic()
            stack.redis_start()
            first = load.first_success_after(restarted)
            results["redis stopped"] = {"first_success": first, "drained": drained_after(stack, restarted)}
            time.sleep(settle)

            stack.pg_stop()
            time.sleep(outage)
            restarted = time.monotonic()
            stack.pg_start()
            first = load.first_success_after(restarted)
            results["postgresql restarted"] = {"first_success": first, "drained": drained_after(stack, restarted)}
            time.sleep(settle)
        finally:
            load.stop()
        final_drain = drained_after(stack, time.monotonic())
        check(stack, load)
        counts = _counts(load)
        report(f"requests: {counts}; final drain {final_drain:.1f} s")
        for fault, figures in results.items():
            report(
                f"{fault:22s} "
                + "  ".join(
                    f"{name} {value:.1f} s" if isinstance(value, float) else f"{name} {value}"
                    for name, value in figures.items()
                )
            )
        return {"faults": results, "requests": counts}


def _counts(load: Load) -> dict[str, int]:
    counts: dict[str, int] = {}
    for answer in load.answers:
        key = str(answer.status) if answer.status else "no answer"
        counts[key] = counts.get(key, 0) + 1
    return dict(sorted(counts.items()))


def check(stack: Stack, load: Load) -> None:
    """What must hold: no 5xx but 503 with Retry-After; nothing acknowledged lost."""
    bad = [a for a in load.answers if a.status >= 500 and (a.status != 503 or not a.retry_after) or a.status == 0]
    assert not bad, f"{len(bad)} answers neither a success nor a 503 with Retry-After: {bad[:10]}"
    acknowledged = [guid for guid, ok in load.webhooks if ok]
    stored = {row[0] for row in stack.sql("SELECT guid FROM integrations_webhookdelivery")}
    lost = [guid for guid in acknowledged if guid not in stored]
    assert not lost, f"{len(lost)} of {len(acknowledged)} acknowledged webhooks are not stored"
    where = dict(stack.sql("SELECT id, column_id FROM kanban_card WHERE id = ANY(%s)", load.seed["cards"]))
    for card, attempts in load.moves.items():
        last_ok = max((i for i, (_, ok) in enumerate(attempts) if ok), default=None)
        if last_ok is None:
            continue
        # The last acknowledged move holds, or a later one whose answer was lost to the outage.
        possible = {column for column, _ in attempts[last_ok:]}
        assert where[card] in possible, f"card {card} is in column {where[card]}, not where its move put it"


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.faults", description=__doc__.split("\n")[0])
    parser.add_argument("--short", action="store_true", help="3-second outages (CI); otherwise 15 seconds")
    args = parser.parse_args()
    outage, settle = (3.0, 3.0) if args.short else (15.0, 10.0)
    print(f"== faults during load ({outage:.0f} s outages)", flush=True)
    run(outage=outage, settle=settle)
    return 0


if __name__ == "__main__":
    sys.exit(main())
