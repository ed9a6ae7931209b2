"""A local fake of the parts of GitHub's REST API the sync uses, served over real HTTP.

It answers with GitHub's response shapes (so PyGithub parses them), paginates with `Link`
headers (page-based, and cursor-based for Dependabot alerts), answers `If-None-Match` with
304, sends rate-limit headers and counts them down, and injects faults on demand: 5xx,
secondary limits with `Retry-After`, 429, slow answers. Every request is logged so tests
can count them. Used as the `github` pytest fixture (integrations/tests/conftest.py) and by benchmarks/sync.py.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import cached_property
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import overload
from urllib.parse import parse_qs, urlencode, urlparse

from fakes import github_graphql, github_oauth
from fakes import github_shapes as shapes

TOKEN = "ghp_fake_valid_token"
RATE_LIMIT_DOCS = "https://docs.github.com/rest/using-the-rest-api/rate-limits-for-the-rest-api"
PEOPLE = {"ada": 2, "bob": 3, "carol": 4}  # login -> user id
# Data is dated from 30 days ago onwards, so merged PRs fall inside the 90-day metrics window.
EPOCH = (datetime.now(UTC) - timedelta(days=30)).replace(microsecond=0)


@overload
def iso(moment: datetime) -> str: ...
@overload
def iso(moment: None) -> None: ...
def iso(moment: datetime | None) -> str | None:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ") if moment else None


@dataclass
class Fault:
    """Answer `status` (or sleep `delay` seconds) to `times` requests whose path contains `match`, after `skip`."""

    match: str
    status: int = 500
    times: int = 1
    skip: int = 0
    retry_after: int | None = None
    delay: float = 0.0
    body: dict | None = None


@dataclass
class LoggedRequest:
    method: str
    path: str
    status: int
    resource: str


PARAMETER = re.compile(r"\{owner\}/\{repo\}|\{(\w+)\}")


@dataclass(frozen=True)
class Route:
    """An operation the fake answers, named as in GitHub's OpenAPI description (`GET /repos/{owner}/{repo}`)."""

    method: str
    template: str
    resource: str  # what the request log counts it as
    handler: str = ""  # the _Handler method answering it (GET)
    # GitHub serves a few paths its description leaves out, with the answer of a described one.
    described_as: str = ""

    @cached_property
    def pattern(self) -> re.Pattern:
        """The template as a regular expression: `{owner}/{repo}` one group, ids and numbers digits."""

        def group(match: re.Match) -> str:
            name = match.group(1)
            if name is None:
                return "([^/]+/[^/]+)"
            return r"(\d+)" if name.endswith(("_id", "_number")) else "([^/]+)"

        return re.compile(PARAMETER.sub(group, self.template))


INSTALLATION_TOKEN = Route("POST", "/app/installations/{installation_id}/access_tokens", "installation_token")
# Every route the fake serves: test_github_server_schema.py walks this table.
ROUTES = (
    Route("GET", "/repos/{owner}/{repo}", "repository", "_repo"),
    Route("GET", "/repos/{owner}/{repo}/issues", "issues", "_issues"),
    Route("GET", "/repos/{owner}/{repo}/pulls", "pulls", "_pulls"),
    Route("GET", "/repos/{owner}/{repo}/pulls/{pull_number}/reviews", "pull_details", "_reviews"),
    Route("GET", "/repos/{owner}/{repo}/pulls/{pull_number}/commits", "pull_details", "_pr_commits"),
    Route("GET", "/repos/{owner}/{repo}/commits/{ref}/check-runs", "pull_details", "_check_runs"),
    Route("GET", "/repos/{owner}/{repo}/dependabot/alerts", "alerts", "_alerts"),
    Route("GET", "/repos/{owner}/{repo}/actions/runs", "runs", "_runs"),
    Route("GET", "/repos/{owner}/{repo}/deployments", "deployments", "_deployments"),
    Route("GET", "/repos/{owner}/{repo}/deployments/{deployment_id}/statuses", "deployment_statuses", "_statuses"),
    Route("GET", "/repos/{owner}/{repo}/releases", "releases", "_releases"),
    Route("GET", "/repos/{owner}/{repo}/compare/{basehead}", "compare", "_compare"),
    # Where a renamed repository's 301 points.
    Route("GET", "/repositories/{repository_id}", "repository", "_repo_by_id", described_as="/repos/{owner}/{repo}"),
    # What a token (or an App installation's token) can see: the picker of repositories to connect.
    Route("GET", "/user/repos", "visible_repositories", "_user_repos"),
    Route("GET", "/installation/repositories", "visible_repositories", "_installation_repos"),
    INSTALLATION_TOKEN,
)


@dataclass
class FakeRepo:
    id: int
    owner: str
    name: str
    issues: dict = field(default_factory=dict)  # number -> issue JSON (PRs too, with "pull_request")
    pulls: dict = field(default_factory=dict)  # number -> pull JSON
    reviews: dict = field(default_factory=dict)  # number -> [review JSON]
    pr_commits: dict = field(default_factory=dict)  # number -> [commit JSON]
    check_runs: dict = field(default_factory=dict)  # sha -> [check run JSON]
    alerts: dict = field(default_factory=dict)  # number -> alert JSON
    runs: dict = field(default_factory=dict)  # id -> run JSON
    deployments: dict = field(default_factory=dict)  # id -> deployment JSON
    deployment_statuses: dict = field(default_factory=dict)  # id -> [status JSON], newest first
    releases: dict = field(default_factory=dict)  # id -> release JSON
    # The commit graph: sha -> commit JSON (its `parents` link it), in the order commits were made.
    commits: dict = field(default_factory=dict)
    branches: dict = field(default_factory=dict)  # name -> head sha ("main" is the default branch)

    @property
    def full_name(self):
        return f"{self.owner}/{self.name}"


class FakeGitHub:
    """The state behind the server: repositories, tokens, rate limit, faults and the request log."""

    def __init__(self, *, prefix: str = ""):
        self.prefix = prefix  # "/api/v3" answers like GitHub Enterprise Server
        self.repos: dict[str, FakeRepo] = {}
        self.renamed: dict[str, str] = {}  # old full name -> new full name (answered with a 301)
        self.tokens = {TOKEN}
        self.app_keys: dict[str, str] = {}  # app id -> PEM public key
        self.installations: dict[int, str] = {}  # installation id -> app id
        self.faults: list[Fault] = []
        self.log: list[LoggedRequest] = []
        self.rate_limit = 5000
        self.rate_remaining = 5000
        self.rate_reset = int(time.time()) + 3600
        self.clock = EPOCH
        self._next_id = 1000
        self.lock = threading.RLock()
        self.server: ThreadingHTTPServer | None = None
        self.graphql = github_graphql.FakeGraphQL()  # POST /graphql: fakes/github_graphql.py
        self.oauth = github_oauth.FakeOAuth()  # the OAuth web flow and /user: fakes/github_oauth.py

    # --- running -----------------------------------------------------------------------

    def start(self) -> FakeGitHub:
        handler = type("Handler", (_Handler,), {"fake": self})
        self.server = _QuietServer(("127.0.0.1", 0), handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def stop(self):
        if self.server:
            self.server.shutdown()
            self.server.server_close()

    @property
    def port(self) -> int:
        if self.server is None:
            raise RuntimeError("Start the fake GitHub before asking for its address.")
        return int(self.server.server_address[1])

    @property
    def url(self) -> str:
        """The API URL to give the client (with the Enterprise Server prefix, if any)."""
        return f"http://127.0.0.1:{self.port}{self.prefix}"

    @property
    def origin(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    # --- what tests look at ---------------------------------------------------------------

    def count(self, resource: str | None = None, *, status: int | None = None) -> int:
        return sum(
            1
            for r in self.log
            if (resource is None or r.resource == resource) and (status is None or r.status == status)
        )

    def counts(self) -> dict[str, int]:
        totals: dict[str, int] = {}
        for r in self.log:
            totals[r.resource] = totals.get(r.resource, 0) + 1
        return totals

    # --- building data ------------------------------------------------------------------

    def tick(self, seconds: int = 1) -> datetime:
        self.clock += timedelta(seconds=seconds)
        return self.clock

    def new_id(self) -> int:
        self._next_id += 1
        return self._next_id

    def add_repo(self, full_name: str = "octo/app") -> FakeRepo:
        owner, name = full_name.split("/")
        repo = FakeRepo(id=self.new_id(), owner=owner, name=name)
        self.repos[full_name.lower()] = repo
        self.commit_add(repo, at=EPOCH - timedelta(days=60), message="Initial commit")
        return repo

    def repo_json(self, repo: FakeRepo) -> dict:
        owner = shapes.user(self.url, repo.owner, 1, kind="Organization")
        return shapes.repository(
            self.url, repo_id=repo.id, owner=owner, name=repo.name, created_at=iso(EPOCH), updated_at=iso(self.clock)
        )

    def person(self, login: str) -> dict:
        return shapes.user(self.url, login, PEOPLE[login])

    def add_issue(self, repo: FakeRepo, *, title: str = "", state: str = "open", labels=(), **extra) -> dict:
        number = len(repo.issues) + 1
        now = self.tick()
        repo_json = self.repo_json(repo)
        issue = shapes.issue(
            repo_json,
            issue_id=self.new_id(),
            number=number,
            title=title or f"Issue {number}",
            state=state,
            author=self.person("ada"),
            assignees=[self.person("bob")],
            labels=[shapes.label(repo_json, 100 + i, label) for i, label in enumerate(labels)],
            created_at=iso(now),
            updated_at=iso(now),
            closed_at=iso(now) if state == "closed" else None,
            **extra,
        )
        repo.issues[number] = issue
        return issue

    def add_pull(
        self,
        repo: FakeRepo,
        *,
        state: str = "open",
        merged: bool = False,
        merged_at: datetime | None = None,
        ci: str = "success",
        review: str = "APPROVED",
        labels=(),
        **extra,
    ) -> dict:
        """A pull request with one review (`review`: APPROVED, CHANGES_REQUESTED, COMMENTED) and check runs
        on its head whose combined state is `ci` (success; failure: one run failed; pending: one still runs)."""
        issue = self.add_issue(repo, state="closed" if merged else state, title=extra.pop("title", ""), labels=labels)
        number = issue["number"]
        sha = hashlib.sha1(f"{repo.full_name}{number}".encode(), usedforsecurity=False).hexdigest()
        merged_at = merged_at or (self.clock if merged else None)
        repo_json = self.repo_json(repo)
        # The PR's one commit, on its branch off main; merging it makes a merge commit on main.
        self.commit_add(repo, sha=sha, at=EPOCH - timedelta(hours=number), message="Start", branch=f"feature-{number}")
        merge_sha = None
        if merged:
            merge_sha = self.commit_add(repo, at=merged_at, message=f"Merge pull request #{number}", merge=sha)
        pull = shapes.pull_request(
            repo_json,
            issue,
            pull_id=self.new_id(),
            head=shapes.branch(repo_json, ref=f"feature-{number}", sha=sha),
            base=shapes.branch(repo_json, ref="main", sha="0" * 40),
            requested_reviewers=[self.person("carol")],
            merged_at=iso(merged_at),
            merge_commit_sha=merge_sha,
            **extra,
        )
        issue["pull_request"] = {
            "url": pull["url"],
            "html_url": pull["html_url"],
            "diff_url": pull["diff_url"],
            "patch_url": pull["patch_url"],
            "merged_at": pull["merged_at"],
        }
        repo.pulls[number] = pull
        repo.reviews[number] = [
            shapes.review(
                pull,
                review_id=self.new_id(),
                author=self.person("carol"),
                state=review,
                submitted_at=issue["created_at"],
            )
        ]
        repo.pr_commits[number] = [repo.commits[sha]]
        self.set_checks(repo, sha, ci)
        return pull

    def commit_add(
        self,
        repo: FakeRepo,
        *,
        sha: str = "",
        at: datetime | None = None,
        message: str = "A change",
        branch: str = "main",
        merge: str = "",
    ) -> str:
        """A commit on `branch` (made from main's head when the branch is new), merging `merge` if given."""
        at = at or self.tick()
        seed = f"{repo.full_name}{len(repo.commits)}{message}".encode()
        sha = sha or hashlib.sha1(seed, usedforsecurity=False).hexdigest()
        head = repo.branches.get(branch) or repo.branches.get("main")
        parents = tuple(parent for parent in (head, merge) if parent)
        repo.commits[sha] = shapes.commit(
            self.repo_json(repo), sha=sha, author=self.person("ada"), date=iso(at), message=message, parents=parents
        )
        repo.branches[branch] = sha
        return sha

    def set_checks(self, repo: FakeRepo, sha: str, ci: str) -> None:
        """Check runs of a commit: all passed (success), one failed (failure) or one still running (pending)."""
        repo_json, at = self.repo_json(repo), iso(self.clock)
        outcomes: list[tuple[str, str | None]] = [("lint", "success")]
        if ci in ("failure", "pending"):
            outcomes.append(("test", "failure" if ci == "failure" else None))
        repo.check_runs[sha] = [
            shapes.check_run(repo_json, run_id=self.new_id(), head_sha=sha, name=name, conclusion=conclusion, at=at)
            for name, conclusion in outcomes
        ]

    def touch_issue(self, repo: FakeRepo, number: int, **changes):
        """Edit an issue (or the PR behind it) now, as a person would: its updated_at moves forward."""
        self.clock = max(self.clock + timedelta(seconds=1), datetime.now(UTC).replace(microsecond=0))
        now = iso(self.clock)
        repo.issues[number].update(changes, updated_at=now)
        if number in repo.pulls:
            repo.pulls[number].update(changes, updated_at=now)

    def add_alert(self, repo: FakeRepo, *, state: str = "open", severity: str = "high", **extra) -> dict:
        number = len(repo.alerts) + 1
        now = self.tick()
        alert = shapes.dependabot_alert(
            self.repo_json(repo),
            number=number,
            state=state,
            severity=severity,
            package=f"package-{number}",
            at=iso(now),
        )
        alert.update(extra)
        repo.alerts[number] = alert
        return alert

    def add_run(
        self, repo: FakeRepo, *, created_at: datetime | None = None, conclusion: str = "success", **extra
    ) -> dict:
        run_id = self.new_id()
        created = created_at or self.tick()
        run = shapes.workflow_run(
            self.repo_json(repo),
            run_id=run_id,
            run_number=len(repo.runs) + 1,
            name=extra.pop("name", "CI"),
            head_sha="b" * 40,
            at=iso(created),
            status="completed" if conclusion else "in_progress",
            conclusion=conclusion or None,
            updated_at=iso(created + timedelta(minutes=5)),
            **extra,
        )
        repo.runs[run_id] = run
        return run

    def add_deployment(
        self,
        repo: FakeRepo,
        *,
        environment: str = "production",
        state: str = "success",
        history: tuple = (),
        sha: str | None = None,
    ) -> dict:
        """A deployment of `sha` (main's head, by default) whose statuses are `history` (oldest first, a tick
        apart) then `state`."""
        deployment_id = self.new_id()
        now = self.tick()
        repo_json = self.repo_json(repo)
        sha = sha or repo.branches.get("main") or "c" * 40
        deployment = shapes.deployment(
            repo_json,
            deployment_id=deployment_id,
            environment=environment,
            creator=self.person("ada"),
            at=iso(now),
            sha=sha,
        )
        repo.deployments[deployment_id] = deployment
        statuses = []
        for index, name in enumerate((*history, state)):
            at = now if index == 0 else self.tick()
            statuses.append(
                shapes.deployment_status(repo_json, deployment, status_id=self.new_id(), state=name, at=iso(at))
            )
        repo.deployment_statuses[deployment_id] = statuses[::-1]  # GitHub lists the newest first
        return deployment

    def deployment_status_add(self, repo: FakeRepo, deployment: dict, *, state: str) -> dict:
        """A newer status of a deployment (`inactive` when a newer deployment superseded it)."""
        status = shapes.deployment_status(
            self.repo_json(repo), deployment, status_id=self.new_id(), state=state, at=iso(self.tick())
        )
        repo.deployment_statuses[deployment["id"]].insert(0, status)
        return status

    def add_release(self, repo: FakeRepo, *, tag: str = "") -> dict:
        release_id = self.new_id()
        now = self.tick()
        release = shapes.release(
            self.repo_json(repo),
            release_id=release_id,
            tag=tag or f"v1.{len(repo.releases)}.0",
            name=tag or f"Release {len(repo.releases)}",
            author=self.person("ada"),
            at=iso(now),
        )
        repo.releases[release_id] = release
        return release

    def seed(self, repo: FakeRepo, *, issues: int = 0, pulls: int = 0, alerts: int = 0, runs: int = 0):
        """Bulk data: a quarter of PRs open, half merged; alerts in every state; runs over the last 80 days."""
        states = ["open", "dismissed", "fixed", "auto_dismissed"]
        for i in range(issues):
            self.add_issue(repo, state="open" if i % 3 else "closed", labels=["bug"] if i % 2 else [])
        for i in range(pulls):
            state = "open" if i % 4 == 0 else "closed"
            # Every CI outcome, with "pending" only on closed PRs (an open pending PR is re-read each sync).
            ci = "failure" if i % 3 == 1 else "pending" if i % 3 == 2 and state == "closed" else "success"
            review = "CHANGES_REQUESTED" if i % 5 == 0 else "APPROVED"
            self.add_pull(repo, state=state, merged=i % 4 in (1, 2), ci=ci, review=review)
        for i in range(alerts):
            self.add_alert(repo, state=states[i % 4], severity=["low", "medium", "high", "critical"][i % 4])
        now = datetime.now(UTC)
        for i in range(runs):
            self.add_run(repo, created_at=now - timedelta(days=80) + timedelta(minutes=57 * i * 2000 // max(runs, 1)))


class _QuietServer(ThreadingHTTPServer):
    def handle_error(self, request, client_address):
        """A client that gave up on a slow answer (a timeout test) closed its socket: not an error here."""


class _Handler(BaseHTTPRequestHandler):
    fake: FakeGitHub
    protocol_version = "HTTP/1.1"
    # One write per response (flushed by the base class), so Nagle and delayed ACKs cost nothing.
    wbufsize = 1 << 16
    disable_nagle_algorithm = True

    def log_message(self, *args):  # the request log is ours; keep test output quiet
        pass

    # --- plumbing ------------------------------------------------------------------------

    def _send(self, status: int, body=None, headers: dict | None = None, resource: str = ""):
        fake = self.fake
        payload = body if isinstance(body, bytes) else b"" if body is None else json.dumps(body).encode()
        with fake.lock:
            fake.log.append(LoggedRequest(self.command, self.path, status, resource))
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(payload)))
        self.send_header("X-RateLimit-Limit", str(fake.rate_limit))
        self.send_header("X-RateLimit-Remaining", str(max(fake.rate_remaining, 0)))
        self.send_header("X-RateLimit-Reset", str(fake.rate_reset))
        self.send_header("X-RateLimit-Resource", "core")
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(payload)

    def do_POST(self):
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length)
        if github_oauth.answer(self, self.fake.oauth, method="POST", api_path=self._api_path(), body=body):
            return None
        if github_graphql.is_graphql_path(self.path):
            log = self.fake.log
            return github_graphql.answer(
                self, body, record=lambda status: log.append(LoggedRequest("POST", self.path, status, "graphql"))
            )
        match = INSTALLATION_TOKEN.pattern.fullmatch(self._api_path())
        if not match:
            return self._send(404, shapes.error(404, "Not Found"), resource="unknown")
        installation = int(match.group(1))
        app_id = self.fake.installations.get(installation)
        if app_id is None or not self._valid_app_jwt(app_id):
            return self._send(
                401, shapes.error(401, "A JSON web token could not be decoded"), resource="installation_token"
            )
        token = "ghs_" + base64.urlsafe_b64encode(hashlib.sha256(str(time.time()).encode()).digest()).decode()[:36]
        self.fake.tokens.add(token)
        expires = datetime.now(UTC) + timedelta(hours=1)
        return self._send(201, shapes.installation_token(token, expires_at=iso(expires)), resource="installation_token")

    def _valid_app_jwt(self, app_id: str) -> bool:
        import jwt

        auth = self.headers.get("Authorization", "")
        if not auth.startswith("Bearer "):
            return False
        try:
            claims = jwt.decode(auth[7:], self.fake.app_keys[app_id], algorithms=["RS256"])
        except (jwt.InvalidTokenError, KeyError):
            return False
        return str(claims.get("iss")) == str(app_id)

    def do_GET(self):
        fake = self.fake
        if github_oauth.answer(self, fake.oauth, method="GET", api_path=self._api_path()):
            return None
        url = urlparse(self.path)
        query = {k: v[-1] for k, v in parse_qs(url.query).items()}
        resource, handler, args = self._route(self._api_path())
        with fake.lock:
            fault = self._take_fault(url.path)
        if fault is not None:
            if fault.delay:
                time.sleep(fault.delay)
            if fault.status:
                headers = {"Retry-After": str(fault.retry_after)} if fault.retry_after is not None else {}
                body = fault.body or shapes.error(fault.status, "Server Error" if fault.status >= 500 else "Fault")
                if fault.status == 503 and fault.body is None:
                    # `service_unavailable` (the compare operation documents it) has no `status` field.
                    body = {key: value for key, value in body.items() if key != "status"}
                if fault.status in (403, 429) and fault.body is None:
                    body = shapes.error(
                        fault.status,
                        "You have exceeded a secondary rate limit. Please wait a few minutes before you try again.",
                        docs=RATE_LIMIT_DOCS,
                    )
                return self._send(fault.status, body, headers, resource=resource)
        auth = self.headers.get("Authorization", "")
        token = auth.split(" ", 1)[1] if " " in auth else ""
        if token not in fake.tokens:
            return self._send(
                401,
                shapes.error(401, "Bad credentials"),
                resource=resource,
            )
        if fake.rate_remaining <= 0:
            return self._send(
                403,
                shapes.error(403, "API rate limit exceeded for user ID 1.", docs=RATE_LIMIT_DOCS),
                resource=resource,
            )
        if handler is None:
            return self._send(404, shapes.error(404, "Not Found"), resource=resource)
        with fake.lock:
            result = handler(query, *args)
        status, body, headers = result if len(result) == 3 else (*result, {})
        payload = json.dumps(body).encode()  # serialized once: GitHub-sized pages are megabytes
        if status == 200:
            etag = 'W/"' + hashlib.sha256(payload).hexdigest()[:32] + '"'
            headers = {**headers, "ETag": etag}
            if self.headers.get("If-None-Match") == etag:
                # Conditional requests that match cost no rate limit.
                return self._send(304, None, headers, resource=resource)
        fake.rate_remaining -= 1
        return self._send(status, payload, headers, resource=resource)

    def _api_path(self) -> str:
        path = urlparse(self.path).path
        prefix = self.fake.prefix
        return path[len(prefix) :] if prefix and path.startswith(prefix + "/") else path

    def _take_fault(self, path: str) -> Fault | None:
        for fault in self.fake.faults:
            if fault.match in path and fault.times > 0:
                if fault.skip > 0:
                    fault.skip -= 1
                    return None
                fault.times -= 1
                return fault
        return None

    def _route(self, path: str):
        fake = self.fake
        for route in ROUTES:
            match = route.method == "GET" and route.pattern.fullmatch(path)
            if not match:
                continue
            handler = getattr(self, route.handler)
            # The handler answers a missing or renamed repository itself; the lists of what a token sees name none.
            if route.resource in ("repository", "visible_repositories"):
                return route.resource, handler, match.groups()
            repo = fake.repos.get(match.group(1).lower())
            return route.resource, (handler if repo else None), ((repo, *match.groups()[1:]) if repo else ())
        return "unknown", None, ()

    def _paginate(self, path: str, query: dict, items: list):
        per_page = min(int(query.get("per_page", 30)), 100)
        page = int(query.get("page", 1))
        chunk = items[(page - 1) * per_page : page * per_page]
        links = []
        if page * per_page < len(items):
            links.append(f'<{self._url(path, {**query, "page": page + 1})}>; rel="next"')
            last = (len(items) + per_page - 1) // per_page
            links.append(f'<{self._url(path, {**query, "page": last})}>; rel="last"')
        return chunk, ({"Link": ", ".join(links)} if links else {})

    def _url(self, path: str, query: dict) -> str:
        return f"{self.fake.origin}{path}?{urlencode(query)}"

    # --- endpoints ----------------------------------------------------------------------

    def _repo(self, query, full_name):
        fake = self.fake
        if full_name.lower() in fake.renamed:
            repo = fake.repos[fake.renamed[full_name.lower()].lower()]
            return (
                301,
                {**shapes.error(301, "Moved Permanently"), "url": f"{fake.url}/repositories/{repo.id}"},
                {"Location": f"{fake.url}/repositories/{repo.id}"},
            )
        found = fake.repos.get(full_name.lower())
        if found is None:
            return 404, shapes.error(404, "Not Found", docs=f"{shapes.DOCS}/repos/repos#get-a-repository")
        return 200, fake.repo_json(found)

    def _repo_by_id(self, query, repo_id):
        for repo in self.fake.repos.values():
            if repo.id == int(repo_id):
                return 200, self.fake.repo_json(repo)
        return 404, shapes.error(404, "Not Found")

    def _visible(self) -> list[dict]:
        """The repositories, in the shorter shape lists use (no counts only the single repository answers)."""
        full = [self.fake.repo_json(repo) for repo in sorted(self.fake.repos.values(), key=lambda r: r.full_name)]
        return [{k: v for k, v in repo.items() if k not in ("network_count", "subscribers_count")} for repo in full]

    def _user_repos(self, query):
        chunk, headers = self._paginate(urlparse(self.path).path, query, self._visible())
        return 200, chunk, headers

    def _installation_repos(self, query):
        repositories = self._visible()
        chunk, headers = self._paginate(urlparse(self.path).path, query, repositories)
        body = {"total_count": len(repositories), "repository_selection": "selected", "repositories": chunk}
        return 200, body, headers

    def _sorted_by_updated(self, items, query):
        ordered = sorted(items, key=lambda i: (i["updated_at"], i.get("id") or i.get("number")))
        return ordered if query.get("direction") == "asc" else ordered[::-1]

    def _issues(self, query, repo):
        items = list(repo.issues.values())
        if query.get("state", "open") != "all":
            items = [i for i in items if i["state"] == query.get("state", "open")]
        if query.get("since"):
            items = [i for i in items if i["updated_at"] >= query["since"]]
        chunk, headers = self._paginate(urlparse(self.path).path, query, self._sorted_by_updated(items, query))
        return 200, chunk, headers

    def _pulls(self, query, repo):
        items = list(repo.pulls.values())
        if query.get("state", "open") != "all":
            items = [p for p in items if p["state"] == query.get("state", "open")]
        chunk, headers = self._paginate(urlparse(self.path).path, query, self._sorted_by_updated(items, query))
        return 200, chunk, headers

    def _reviews(self, query, repo, number):
        chunk, headers = self._paginate(urlparse(self.path).path, query, repo.reviews.get(int(number), []))
        return 200, chunk, headers

    def _pr_commits(self, query, repo, number):
        chunk, headers = self._paginate(urlparse(self.path).path, query, repo.pr_commits.get(int(number), []))
        return 200, chunk, headers

    def _check_runs(self, query, repo, sha):
        runs = repo.check_runs.get(sha, [])
        return 200, {"total_count": len(runs), "check_runs": runs[:100]}

    def _alerts(self, query, repo):
        if "page" in query:
            # GitHub closed page-based pagination for this endpoint; only cursors work.
            return 400, shapes.error(400, "Pagination using the `page` parameter is not supported. Use cursors.")
        states = set(query.get("state", "auto_dismissed,dismissed,fixed,open").split(","))
        items = [a for a in repo.alerts.values() if a["state"] in states]
        if query.get("severity"):
            items = [a for a in items if a["security_vulnerability"]["severity"] in query["severity"].split(",")]
        items = self._sorted_by_updated(items, query)
        per_page = min(int(query.get("per_page", 30)), 100)
        start = 0
        if query.get("after"):
            start = int(base64.urlsafe_b64decode(query["after"].encode()).decode().split(":")[1])
        chunk = items[start : start + per_page]
        headers = {}
        if start + per_page < len(items):
            cursor = base64.urlsafe_b64encode(f"alerts:{start + per_page}".encode()).decode()
            next_query = {k: v for k, v in query.items() if k != "after"} | {"after": cursor}
            headers["Link"] = f'<{self._url(urlparse(self.path).path, next_query)}>; rel="next"'
        return 200, chunk, headers

    def _runs(self, query, repo):
        items = sorted(repo.runs.values(), key=lambda r: (r["created_at"], r["id"]), reverse=True)
        created = query.get("created", "")
        if created.startswith(">="):
            items = [r for r in items if r["created_at"][:10] >= created[2:12]]
        if query.get("branch"):
            items = [r for r in items if r["head_branch"] == query["branch"]]
        if {"actor", "branch", "check_suite_id", "created", "event", "head_sha", "status"} & set(query):
            items = items[:1000]  # GitHub returns at most 1,000 results for a filtered search
        chunk, headers = self._paginate(urlparse(self.path).path, query, items)
        return 200, {"total_count": len(items), "workflow_runs": chunk}, headers

    def _deployments(self, query, repo):
        items = sorted(repo.deployments.values(), key=lambda d: (d["created_at"], d["id"]), reverse=True)
        chunk, headers = self._paginate(urlparse(self.path).path, query, items)
        return 200, chunk, headers

    def _statuses(self, query, repo, deployment_id):
        chunk, headers = self._paginate(
            urlparse(self.path).path, query, repo.deployment_statuses.get(int(deployment_id), [])
        )
        return 200, chunk, headers

    def _compare(self, query, repo, basehead):
        """Commits reachable from head and not from base, oldest first; paginated only when asked (GitHub's docs:
        https://docs.github.com/rest/commits/commits#compare-two-commits)."""
        base, _, head = basehead.partition("...")
        missing = shapes.error(404, "Not Found", docs=f"{shapes.DOCS}/commits/commits#compare-two-commits")
        if not head or base not in repo.commits or head not in repo.commits:
            return 404, missing
        order = {sha: index for index, sha in enumerate(repo.commits)}
        of_head, of_base = _ancestors(repo, head), _ancestors(repo, base)
        common = of_head & of_base
        if not common:
            return 404, shapes.error(404, f"No common ancestor between {base} and {head}.")
        ahead = sorted(of_head - of_base, key=order.__getitem__)
        behind = of_base - of_head
        status = {(False, False): "identical", (True, False): "ahead", (False, True): "behind"}.get(
            (bool(ahead), bool(behind)), "diverged"
        )
        repo_json = self.fake.repo_json(repo)
        merge_base = max(common, key=order.__getitem__)
        headers: dict = {}
        commits = [repo.commits[sha] for sha in ahead]
        paged = "page" in query or "per_page" in query
        if paged:
            commits, headers = self._paginate(urlparse(self.path).path, query, commits)
        else:
            commits = commits[-250:]  # unpaged: at most 250, ending with the newest
        page_one = not paged or int(query.get("page", 1)) == 1
        body = shapes.comparison(
            repo_json,
            base=base,
            head=head,
            status=status,
            ahead_by=len(ahead),
            behind_by=len(behind),
            base_commit=repo.commits[base],
            merge_base_commit=repo.commits[merge_base],
            commits=commits,
            **({"files": []} if page_one else {}),  # changed files come on the first page only
        )
        return 200, body, headers

    def _releases(self, query, repo):
        items = sorted(repo.releases.values(), key=lambda r: (r["created_at"], r["id"]), reverse=True)
        chunk, headers = self._paginate(urlparse(self.path).path, query, items)
        return 200, chunk, headers


def _ancestors(repo: FakeRepo, sha: str) -> set[str]:
    """`sha` and every commit reachable from it through parents."""
    seen, stack = set(), [sha]
    while stack:
        current = stack.pop()
        if current in seen or current not in repo.commits:
            continue
        seen.add(current)
        stack.extend(parent["sha"] for parent in repo.commits[current]["parents"])
    return seen
