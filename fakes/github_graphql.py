"""The fake GitHub's GraphQL endpoint: answers the sync's queries from the same data as the REST fake.

Served by fakes/github_server.py at `POST /graphql` (and `/api/graphql`, as GitHub
Enterprise Server does). It knows the operations in integrations/github/queries.py by name, answers
with GitHub's shapes (checked against GitHub's published schema by test_github_graphql_schema.py),
spends a point budget and reports it in `rateLimit`, answers `RATE_LIMITED` once the budget is spent
and `NOT_FOUND` for a repository it does not hold. Every answer is kept in `answers` for the schema test.
"""

from __future__ import annotations

import base64
import json
import re
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from urllib.parse import urlparse

ROLLUP_FAILURES = {"failure", "timed_out", "cancelled", "action_required", "startup_failure"}


@dataclass
class Answered:
    query: str
    variables: dict
    body: dict


@dataclass
class FakeGraphQL:
    """GraphQL's own state: its point budget and the answers it gave."""

    limit: int = 5000
    remaining: int = 5000
    reset: int = field(default_factory=lambda: int(time.time()) + 3600)
    answers: list[Answered] = field(default_factory=list)

    @property
    def reset_at(self) -> str:
        return datetime.fromtimestamp(self.reset, tz=UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def is_graphql_path(path: str) -> bool:
    return urlparse(path).path in ("/graphql", "/api/graphql")


def answer(handler, body: bytes, *, record) -> None:
    """Answer one GraphQL POST on `handler` (a github_server request handler); `record(status)` logs it."""
    fake = handler.fake

    def send(status: int, body: dict) -> None:
        _send(handler, status, body, record=record)

    state: FakeGraphQL = fake.graphql
    with fake.lock:
        fault = handler._take_fault(urlparse(handler.path).path)
    if fault is not None and fault.status:
        return send(fault.status, fault.body or {"message": "Server Error"})
    auth = handler.headers.get("Authorization", "")
    if (auth.split(" ", 1)[1] if " " in auth else "") not in fake.tokens:
        return send(401, {"message": "Bad credentials", "documentation_url": "https://docs.github.com/graphql"})
    request = json.loads(body or b"{}")
    query, variables = request.get("query") or "", request.get("variables") or {}
    if state.remaining <= 0:
        limited = {"type": "RATE_LIMITED", "message": "API rate limit already exceeded for user ID 1."}
        return send(200, {"errors": [limited]})
    operation = re.search(r"\bquery\s+(\w+)", query)
    resolver = OPERATIONS.get(operation.group(1) if operation else "")
    if resolver is None:
        return send(200, {"errors": [{"message": "The fake GitHub does not know this query."}]})
    with fake.lock:
        repo = fake.repos.get(f"{variables.get('owner')}/{variables.get('name')}".lower())
        if repo is None:
            missing = {
                "type": "NOT_FOUND",
                "path": ["repository"],
                "message": f"Could not resolve to a Repository with the name '{variables.get('owner')}/"
                f"{variables.get('name')}'.",
            }
            return send(200, {"data": {"repository": None}, "errors": [missing]})
        data, errors = resolver(fake, repo, variables)
        state.remaining -= 1
        data["rateLimit"] = {"cost": 1, "remaining": state.remaining, "resetAt": state.reset_at}
        answered = {"data": data, **({"errors": errors} if errors else {})}
        state.answers.append(Answered(query, variables, answered))
    return send(200, answered)


def _send(handler, status: int, body: dict, *, record) -> None:
    fake = handler.fake
    payload = json.dumps(body).encode()
    state: FakeGraphQL = fake.graphql
    with fake.lock:
        record(status)
    handler.send_response(status)
    handler.send_header("Content-Type", "application/json; charset=utf-8")
    handler.send_header("Content-Length", str(len(payload)))
    handler.send_header("X-RateLimit-Limit", str(state.limit))
    handler.send_header("X-RateLimit-Remaining", str(max(state.remaining, 0)))
    handler.send_header("X-RateLimit-Reset", str(state.reset))
    handler.send_header("X-RateLimit-Resource", "graphql")
    handler.end_headers()
    handler.wfile.write(payload)


# --- answers ---------------------------------------------------------------------------------------


def _cursor(index: int) -> str:
    return base64.b64encode(f"cursor:v2:{index}".encode()).decode()


def _offset(cursor: str | None) -> int:
    return int(base64.b64decode(cursor.encode()).decode().rsplit(":", 1)[1]) if cursor else 0


def _connection(items: list, *, first: int, after: str | None, node) -> dict:
    start = _offset(after)
    chunk = items[start : start + min(first, 100)]
    end = start + len(chunk)
    return {
        "pageInfo": {"hasNextPage": end < len(items), "endCursor": _cursor(end) if chunk else after},
        "nodes": [node(item) for item in chunk],
    }


def review_node(review: dict) -> dict:
    """A REST-shaped review of the fake as GraphQL's `PullRequestReview` (ReviewFields)."""
    return {
        "databaseId": review["id"],
        "author": {"login": review["user"]["login"]} if review.get("user") else None,
        "state": review["state"],
        "submittedAt": review.get("submitted_at"),
        "url": review["html_url"],
    }


def rollup_state(check_runs: list) -> str | None:
    """The head commit's combined check state, as GitHub's `statusCheckRollup.state` gives it."""
    if not check_runs:
        return None
    if any(run.get("conclusion") in ROLLUP_FAILURES for run in check_runs):
        return "FAILURE"
    if any(run.get("status") != "completed" for run in check_runs):
        return "PENDING"
    return "SUCCESS"


def _review_decision(reviews: list) -> str | None:
    states = {review["state"] for review in reviews}
    if "CHANGES_REQUESTED" in states:
        return "CHANGES_REQUESTED"
    return "APPROVED" if "APPROVED" in states else "REVIEW_REQUIRED"


def pull_node(repo, pull: dict) -> dict:
    number = pull["number"]
    reviews = repo.reviews.get(number, [])
    commits = repo.pr_commits.get(number, [])
    sha = pull["head"]["sha"]
    state = rollup_state(repo.check_runs.get(sha, []))
    return {
        "number": number,
        "updatedAt": pull["updated_at"],
        "reviewDecision": _review_decision(reviews),
        "additions": pull.get("additions", 12),
        "deletions": pull.get("deletions", 3),
        "changedFiles": pull.get("changed_files", 2),
        "mergedBy": {"login": "ada"} if pull.get("merged_at") else None,
        "firstCommit": {"nodes": [{"commit": {"authoredDate": c["commit"]["author"]["date"]}} for c in commits[:1]]},
        "headCommit": {"nodes": [{"commit": {"oid": sha, "statusCheckRollup": {"state": state} if state else None}}]},
        "reviews": _connection(reviews, first=100, after=None, node=review_node),
    }


def _pull_details_page(fake, repo, variables: dict) -> tuple[dict, list]:
    pulls = [p for p in repo.pulls.values() if p["state"] == "open" or p.get("merged_at")]
    pulls.sort(key=lambda p: (p["updated_at"], p["id"]), reverse=True)
    page = _connection(pulls, first=variables["first"], after=variables.get("after"), node=lambda p: pull_node(repo, p))
    return {"repository": {"pullRequests": page}}, []


def _pull_reviews_page(fake, repo, variables: dict) -> tuple[dict, list]:
    number = variables["number"]
    if number not in repo.pulls:
        return {"repository": {"pullRequest": None}}, [_pull_missing(repo, number, "pullRequest")]
    page = _connection(
        repo.reviews.get(number, []), first=variables["first"], after=variables.get("after"), node=review_node
    )
    return {"repository": {"pullRequest": {"reviews": page}}}, []


def _pull_details_by_number(fake, repo, variables: dict):
    numbers = {key[1:]: number for key, number in variables.items() if re.fullmatch(r"n\d+", key)}
    found = {f"p{index}": repo.pulls.get(number) for index, number in numbers.items()}
    errors = [_pull_missing(repo, numbers[key[1:]], key) for key, pull in found.items() if pull is None]
    return {"repository": {key: pull and pull_node(repo, pull) for key, pull in found.items()}}, errors


def _pull_missing(repo, number: int, alias: str) -> dict:
    return {
        "type": "NOT_FOUND",
        "path": ["repository", alias],
        "message": f"Could not resolve to a PullRequest with the number of {number}.",
    }


OPERATIONS = {
    "PullDetailsPage": _pull_details_page,
    "PullReviewsPage": _pull_reviews_page,
    "PullDetailsByNumber": _pull_details_by_number,
}


# --- building data ---------------------------------------------------------------------------------


def add_reviews(fake, repo, number: int, *, count: int, state: str = "COMMENTED", login: str = "") -> list[dict]:
    """Add `count` reviews to a pull request of the fake (a PR with more than 100 follows a second cursor)."""
    pull = repo.pulls[number]
    added = []
    for index in range(count):
        review_id = fake.new_id()
        added.append(
            {
                "id": review_id,
                "user": {"login": login or f"reviewer-{index}", "id": 10 + index, "type": "User"},
                "state": state,
                "submitted_at": pull["updated_at"],
                "html_url": f"{pull['html_url']}#pullrequestreview-{review_id}",
                "pull_request_url": pull["url"],
                "commit_id": pull["head"]["sha"],
            }
        )
    repo.reviews.setdefault(number, []).extend(added)
    return added
