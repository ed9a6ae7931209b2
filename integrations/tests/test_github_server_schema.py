"""Every REST answer of the fake GitHub validates against GitHub's own OpenAPI description.

The routes come from the fake's table (github_server.ROUTES), so a route added there is walked
here without another line. Each answer is fetched over HTTP from the running fake and held to
the schema GitHub documents for that operation and status (github_openapi.py): successes, 304s,
and the failures the fake serves (404, 401, rate limits, 5xx, ...); a failure the operation does
not list is held to GitHub's one error shape, `basic-error`.
"""

from __future__ import annotations

import copy
import time
from collections.abc import Callable
from dataclasses import dataclass

import jwt
import pytest
import requests
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from fakes import github_shapes as shapes
from fakes.github_server import ROUTES, TOKEN, FakeGitHub, Fault, Route
from integrations.tests import github_openapi
from integrations.tests.webhook_github import FakeHookGitHub, hook_delivery

APP_ID, INSTALLATION = "4242", 77
BY_TEMPLATE = {(route.method, route.template): route for route in ROUTES}


@dataclass
class Served:
    """The running fake with data on every route, and how to call it."""

    fake: FakeGitHub
    app_jwt: str

    def paths(self, route: Route, *, repo: str = "octo/app") -> list[str]:
        """Concrete paths of a route: one per pull request, commit and deployment where it takes one."""
        data = self.fake.repos["octo/app"]
        first, head = next(iter(data.commits)), data.branches["main"]
        values = {
            "pull_number": [str(number) for number in data.pulls],
            "ref": list(data.check_runs),
            "deployment_id": [str(deployment_id) for deployment_id in data.deployments],
            "repository_id": [str(data.id)],
            "installation_id": [str(INSTALLATION)],
            # Main's first commit against its head (ahead), the other way (behind), and a commit with itself.
            "basehead": [f"{first}...{head}", f"{head}...{first}", f"{head}...{head}"],
        }
        found = [route.template.replace("{owner}/{repo}", repo)]
        for name, choices in values.items():
            if "{" + name + "}" in route.template:
                found = [path.replace("{" + name + "}", choice) for path in found for choice in choices]
        return found

    def call(self, route: Route, path: str, *, credential: str = "", headers: dict | None = None):
        """One real HTTP request, authenticated as the route wants (a token, or a GitHub App's JWT)."""
        if route.method == "POST":
            auth = {"Authorization": f"Bearer {credential or self.app_jwt}"}
            return requests.post(self.fake.url + path, headers=auth, timeout=10)
        auth = {"Authorization": f"token {credential or TOKEN}", **(headers or {})}
        # A 301 (a renamed repository) is an answer to check, not to follow.
        return requests.get(
            self.fake.url + path, params={"per_page": 100}, headers=auth, timeout=10, allow_redirects=False
        )


@pytest.fixture(scope="module")
def served():
    """A fake GitHub with a little of everything: PRs in every CI and review state, alerts in every state."""
    fake = FakeGitHub().start()
    repo = fake.add_repo("octo/app")
    fake.seed(repo, issues=4, pulls=10, alerts=4, runs=3)
    team = shapes.team(fake.url, "octo", "platform-team", 31)
    fake.add_pull(repo, state="open", ci="pending", review="COMMENTED", labels=["bug"], requested_teams=[team])
    fake.add_run(repo, conclusion="")  # still running
    fake.add_deployment(repo)
    fake.add_deployment(repo, state="in_progress")
    fake.add_release(repo)
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    public = key.public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    fake.app_keys[APP_ID] = public.decode()
    fake.installations[INSTALLATION] = APP_ID
    claims = {"iat": int(time.time()) - 60, "exp": int(time.time()) + 540, "iss": APP_ID}
    yield Served(fake=fake, app_jwt=jwt.encode(claims, key, algorithm="RS256"))
    fake.stop()


def described(route: Route) -> str:
    return route.described_as or route.template


def check(route: Route, response: requests.Response) -> list[str]:
    """What GitHub's description finds wrong with an answer (nothing, when it validates)."""
    media = response.headers.get("Content-Type", "application/json").split(";")[0]
    body = response.json() if response.content else None
    return github_openapi.errors(route.method, described(route), response.status_code, body, media=media)


# --- successes and 304s -------------------------------------------------------------------------


@pytest.mark.parametrize("route", ROUTES, ids=lambda route: f"{route.method} {route.template}")
def test_every_answer_of_every_route_validates(served, route):
    for path in served.paths(route):
        response = served.call(route, path)

        assert response.status_code in github_openapi.documented_statuses(route.method, described(route))
        assert response.status_code < 300, response.text
        assert check(route, response) == [], path


@pytest.mark.parametrize("route", [r for r in ROUTES if r.method == "GET"], ids=lambda route: route.template)
def test_a_conditional_request_gets_a_304_without_a_body(served, route):
    path = served.paths(route)[0]
    etag = served.call(route, path).headers["ETag"]

    response = served.call(route, path, headers={"If-None-Match": etag})

    assert response.status_code == 304 and response.content == b""
    if 304 in github_openapi.documented_statuses(route.method, described(route)):
        assert check(route, response) == []


# --- failures -----------------------------------------------------------------------------------


@dataclass
class Failure:
    """A failure the fake serves: how to provoke it on a route, and the status it answers."""

    name: str
    status: int
    applies: Callable[[Route], bool]
    provoke: Callable[[Served, Route], tuple[str, str]]  # → (path, credential)


def _fault(status: int, retry_after: int | None = None):
    def provoke(served: Served, route: Route) -> tuple[str, str]:
        path = served.paths(route)[0]
        served.fake.faults.append(Fault(match=path, status=status, retry_after=retry_after))
        return path, ""

    return provoke


def _no_requests_left(served: Served, route: Route) -> tuple[str, str]:
    served.fake.rate_remaining = 0
    return served.paths(route)[0], ""


def _missing(served: Served, route: Route) -> tuple[str, str]:
    if route.template.startswith("/repositories/"):
        return route.template.replace("{repository_id}", "999999"), ""
    return served.paths(route, repo="octo/missing")[0], ""


def _renamed(served: Served, route: Route) -> tuple[str, str]:
    served.fake.renamed["octo/old-app"] = "octo/app"
    return served.paths(route, repo="octo/old-app")[0], ""


def _page_parameter(served: Served, route: Route) -> tuple[str, str]:
    return served.paths(route)[0] + "?page=2", ""


FAILURES = [
    Failure("bad credentials", 401, lambda route: True, lambda served, route: (served.paths(route)[0], "nope")),
    # A list of what the credential can see has nothing to miss: it is empty at worst.
    Failure("missing", 404, lambda route: route.method == "GET" and "{" in route.template, _missing),
    Failure("primary rate limit", 403, lambda route: route.method == "GET", _no_requests_left),
    Failure("secondary rate limit", 403, lambda route: route.method == "GET", _fault(403, retry_after=60)),
    Failure("too many requests", 429, lambda route: route.method == "GET", _fault(429, retry_after=30)),
    Failure("server error", 500, lambda route: route.method == "GET", _fault(500)),
    Failure("unavailable", 503, lambda route: route.method == "GET", _fault(503)),
    Failure("renamed repository", 301, lambda route: route.template == "/repos/{owner}/{repo}", _renamed),
    Failure("page-based pagination", 400, lambda route: route.template.endswith("/dependabot/alerts"), _page_parameter),
]
CASES = [(route, failure) for route in ROUTES for failure in FAILURES if failure.applies(route)]


@pytest.mark.parametrize(
    ("route", "failure"), CASES, ids=[f"{route.template} {failure.name}" for route, failure in CASES]
)
def test_every_failure_the_fake_serves_validates(served, route, failure):
    try:
        path, credential = failure.provoke(served, route)
        response = served.call(route, path, credential=credential)
    finally:
        served.fake.faults.clear()
        served.fake.renamed.clear()
        served.fake.rate_remaining = served.fake.rate_limit

    assert response.status_code == failure.status, response.text
    assert check(route, response) == []


# --- the fields the app reads -------------------------------------------------------------------

# What integrations/github (payloads.py, sync*.py, connections.py) reads from each answer; lists
# are stepped through. Starred fields are indexed without a default (`data["id"]`), so GitHub's
# description must require them.
APP_READS = {
    "/repos/{owner}/{repo}": "*id *owner.login *name *full_name html_url default_branch private",
    "/repos/{owner}/{repo}/issues": "*id *number title state state_reason user.login assignees.login labels.name "
    "*created_at *updated_at closed_at html_url pull_request",
    "/repos/{owner}/{repo}/pulls": "*id *number title state user.login assignees.login labels.name "
    "requested_reviewers.login requested_teams.slug draft head.sha head.ref base.ref *created_at *updated_at "
    "closed_at merged_at merge_commit_sha html_url",
    "/repos/{owner}/{repo}/pulls/{pull_number}/reviews": "*id user.login state submitted_at html_url pull_request_url",
    "/repos/{owner}/{repo}/pulls/{pull_number}/commits": "commit.author.date",
    "/repos/{owner}/{repo}/commits/{ref}/check-runs": "check_runs.status check_runs.conclusion",
    "/repos/{owner}/{repo}/dependabot/alerts": "*number state dependency.package.name dependency.package.ecosystem "
    "dependency.manifest_path security_advisory.ghsa_id security_advisory.cve_id security_advisory.summary "
    "security_advisory.severity security_vulnerability.severity *created_at updated_at fixed_at dismissed_at "
    "auto_dismissed_at html_url",
    "/repos/{owner}/{repo}/actions/runs": "*workflow_runs.id workflow_runs.workflow_id workflow_runs.name "
    "workflow_runs.run_number workflow_runs.run_attempt workflow_runs.event workflow_runs.head_branch "
    "workflow_runs.head_sha workflow_runs.status workflow_runs.conclusion *workflow_runs.created_at "
    "workflow_runs.run_started_at workflow_runs.updated_at workflow_runs.html_url",
    "/repos/{owner}/{repo}/deployments": "*id environment ref sha task creator.login *created_at updated_at",
    "/repos/{owner}/{repo}/deployments/{deployment_id}/statuses": "state created_at updated_at",
    "/repos/{owner}/{repo}/compare/{basehead}": "*commits.sha status",
    "/repos/{owner}/{repo}/releases": "*id tag_name name draft prerelease author.login *created_at published_at "
    "html_url",
    "/app/installations/{installation_id}/access_tokens": "*token *expires_at",
}
READS = [
    (BY_TEMPLATE.get(("GET", template)) or BY_TEMPLATE[("POST", template)], field.lstrip("*"), field.startswith("*"))
    for template, fields in APP_READS.items()
    for field in fields.split()
]
READ_IDS = [f"{route.template} {field}" for route, field, _ in READS]


def success(route: Route) -> int:
    return min(s for s in github_openapi.documented_statuses(route.method, described(route)) if 200 <= s < 300)


@pytest.mark.parametrize(("route", "field", "indexed"), READS, ids=READ_IDS)
def test_every_field_the_app_reads_is_in_githubs_description(route, field, indexed):
    known, required = github_openapi.field_described(route.method, described(route), success(route), field)

    assert known, f"GitHub's description of {route.template} has no {field}"
    assert required or not indexed, f"the app indexes {field}, which GitHub may leave out"


def holders(node, parts: list[str]):
    """The objects of an answer holding the last part of a dotted field path (lists stepped through)."""
    if isinstance(node, list):
        for item in node:
            yield from holders(item, parts)
    elif isinstance(node, dict) and parts[0] in node:
        if len(parts) == 1:
            yield node
        else:
            yield from holders(node[parts[0]], parts[1:])


@pytest.mark.parametrize(("route", "field", "indexed"), READS, ids=READ_IDS)
def test_renaming_a_field_the_app_reads_fails_validation(served, route, field, indexed):
    body = served.call(route, served.paths(route)[0]).json()
    renamed = copy.deepcopy(body)
    *_, name = field.split(".")
    holder = next(holders(renamed, field.split(".")), None)
    assert holder is not None, f"the fake's answer has no {field} to rename"
    holder[f"{name}_renamed"] = holder.pop(name)

    mistakes = github_openapi.errors(route.method, described(route), success(route), renamed)

    assert any(name in mistake for mistake in mistakes), mistakes


def test_a_pull_request_renamed_in_the_fake_is_refused_over_http(served):
    route = BY_TEMPLATE[("GET", "/repos/{owner}/{repo}/pulls")]
    pull = next(iter(served.fake.repos["octo/app"].pulls.values()))
    original = copy.deepcopy(pull)
    pull["merged"] = pull.pop("merged_at")
    pull["head"]["commit_sha"] = pull["head"].pop("sha")
    try:
        response = served.call(route, served.paths(route)[0])
    finally:
        pull.clear()
        pull.update(original)

    mistakes = check(route, response)
    assert any(mistake.endswith(": 'merged_at' is a required property") for mistake in mistakes), mistakes
    assert any(mistake.endswith("/head: 'sha' is a required property") for mistake in mistakes), mistakes


# --- the hook-deliveries fake of the reconciler tests -----------------------------------------------


@pytest.mark.parametrize("owner", ["repos/octo/app", "orgs/octo"])
def test_the_hook_deliveries_fake_answers_as_described(owner):
    """webhook_github.py serves the reconciler's two calls: list a hook's deliveries, redeliver one."""
    scope = "/repos/{owner}/{repo}" if owner.startswith("repos/") else "/orgs/{org}"
    with FakeHookGitHub(page_size=2) as fake:
        fake.deliveries[7] = [
            hook_delivery(3, "c", delivered_at="2026-01-02T03:04:05Z", status_code=200),
            hook_delivery(2, "b", delivered_at="2026-01-02T03:04:00Z", status_code=0),
            hook_delivery(1, "a", delivered_at="2026-01-02T03:03:00Z", status_code=503),
        ]
        page = requests.get(f"{fake.url}/{owner}/hooks/7/deliveries", timeout=10)
        redelivery = requests.post(f"{fake.url}/{owner}/hooks/7/deliveries/2/attempts", timeout=10)
        fake.fail_with = 502
        failure = requests.get(f"{fake.url}/{owner}/hooks/7/deliveries", timeout=10)

    deliveries = scope + "/hooks/{hook_id}/deliveries"
    assert (page.status_code, redelivery.status_code, failure.status_code) == (200, 202, 502)
    assert len(page.json()) == 2 and "next" in page.links
    assert github_openapi.errors("GET", deliveries, 200, page.json()) == []
    assert github_openapi.errors("POST", deliveries + "/{delivery_id}/attempts", 202, redelivery.json()) == []
    assert github_openapi.errors("GET", deliveries, 502, failure.json()) == []
