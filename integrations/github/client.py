"""HTTP access to GitHub's REST API through PyGithub: pages, ETags, rate limits, retries. No ORM here.

Follows GitHub's documentation:
- best practices (serial requests, conditional requests, back off on limits):
  https://docs.github.com/en/rest/using-the-rest-api/best-practices-for-using-the-rest-api
- rate limits (`x-ratelimit-*`, `retry-after`, secondary limits):
  https://docs.github.com/en/rest/using-the-rest-api/rate-limits-for-the-rest-api
- pagination (`Link` header, page- and cursor-based):
  https://docs.github.com/en/rest/using-the-rest-api/using-pagination-in-the-rest-api
- conditional requests (`ETag` / `If-None-Match`, a 304 costs no rate limit):
  https://docs.github.com/en/rest/using-the-rest-api/best-practices-for-using-the-rest-api#use-conditional-requests-if-appropriate
- installation tokens of a GitHub App:
  https://docs.github.com/en/rest/apps/apps#create-an-installation-access-token-for-an-app
- GraphQL (one endpoint, `errors` in a 200 answer, a separate point budget read from `rateLimit`):
  https://docs.github.com/en/graphql/guides/forming-calls-with-graphql
  https://docs.github.com/en/graphql/overview/rate-limits-and-node-limits-for-the-graphql-api

PyGithub is used as the HTTP client (`Github`, `GithubIntegration`), over connection classes that send
every request through the outbound-URL policy (`core.outbound`): the API URL someone typed is checked
before the token is sent, at the address actually connected to, within a bounded time. For what its object layer
does not offer (conditional requests, resumable page URLs) this module goes through its
requester (`Github.requester.requestJsonAndCheck`) with our own headers. GraphQL goes through
`Github.requester.graphql_query`, which also derives the endpoint from the API URL.
"""

from __future__ import annotations

import random
import re
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import requests
import structlog
from github import Auth, Github, GithubException, GithubIntegration
from github.Requester import Requester

from core.outbound import OutboundPolicy, OutboundRefused, OutboundTooLarge, OutboundTooSlow, outbound_request

DEFAULT_API_URL = "https://api.github.com"
PER_PAGE = 100
LINK_NEXT = re.compile(r'<([^>]+)>;\s*rel="next"')
ERROR_TYPE = re.compile(r"^[A-Z_]{1,40}$")  # GraphQL error types worth naming (NOT_FOUND, MAX_NODE_LIMIT_EXCEEDED)

logger = structlog.get_logger(__name__)


class GitHubError(Exception):
    """A failure talking to GitHub, with a message in plain words for the UI and the terminal."""

    permanent = False

    def __init__(self, message: str, *, status: int | None = None):
        super().__init__(message)
        self.message = message
        self.status = status


class BadCredentials(GitHubError):
    """GitHub rejected the token (401): revoked, expired or mistyped. Retrying cannot help."""

    permanent = True


class NotFound(GitHubError):
    """404: the repository (or resource) does not exist, or the token cannot see it.

    From GraphQL, `data` holds what the query did answer and `paths` where GitHub found nothing
    (`["repository", "p3"]`): one missing alias of a batch leaves the others' data usable.
    """

    permanent = True

    def __init__(self, message: str, *, status: int | None = None, data: dict | None = None, paths=()):
        super().__init__(message, status=status)
        self.data = data
        self.paths = [list(path) for path in paths]


class Forbidden(GitHubError):
    """403 that is not a rate limit: the token lacks a permission, or the feature is off."""

    permanent = True


class RateLimited(GitHubError):
    """A primary or secondary rate limit (or our reserve) was hit; try again at `retry_at`.

    `budget` says which ran out: "rest" (requests an hour) or "graphql" (points an hour).
    """

    def __init__(self, message: str, *, retry_at: datetime, status: int | None = None, budget: str = "rest"):
        super().__init__(message, status=status)
        self.retry_at = retry_at
        self.budget = budget


class TransientError(GitHubError):
    """5xx, timeouts, connection errors that outlived the bounded retries."""


class Unreachable(TransientError):
    """The API URL does not answer at all (wrong URL, DNS, firewall)."""


class Refused(GitHubError):
    """The outbound-URL policy refuses the API URL (scheme, userinfo, an internal address): nothing was sent."""

    permanent = True


class _PolicyResponse:
    """What PyGithub reads of an answer (it mimics http.client's response), over a body read in full."""

    def __init__(self, response: requests.Response, body: bytes):
        self.status = response.status_code
        self.headers = response.headers
        self.response = response
        self.body = body

    def getheaders(self):
        return self.headers.items()

    def read(self) -> str:
        return self.body.decode(self.response.encoding or "utf-8", "replace")

    def iter_content(self, chunk_size: int | None = 1):
        return iter([self.body])

    def raise_for_status(self) -> None:
        self.response.raise_for_status()


class _PolicyConnection:
    """PyGithub's connection interface (`request`, then `getresponse`) over `core.outbound`."""

    protocol = "https"
    default_port = 443

    def __init__(self, host: str, port: int | None = None, strict=False, timeout=None, retry=None, **kwargs):
        self.host = host
        self.port = port or self.default_port
        self.timeout = timeout
        self.verify = kwargs.get("verify", True)

    def request(self, verb: str, url: str, input, headers: dict[str, str], stream: bool = False) -> None:
        self.verb, self.url, self.input, self.headers = verb, url, input, headers

    def getresponse(self) -> _PolicyResponse:
        host = f"[{self.host}]" if ":" in self.host else self.host
        response, body = outbound_request(
            self.verb,
            f"{self.protocol}://{host}:{self.port}{self.url}",
            timeout=self.timeout,
            headers=self.headers,
            data=self.input,
            verify=self.verify,
        )
        return _PolicyResponse(response, body)

    def close(self) -> None:
        """Nothing to close: the outbound session keeps the pool of this thread."""


class _PolicyHTTPConnection(_PolicyConnection):
    protocol = "http"
    default_port = 80


# Every PyGithub request of this process (Github and GithubIntegration alike) goes through the policy.
# PyGithub then makes a connection object per request; connections are kept alive by the outbound session.
Requester.injectConnectionClasses(_PolicyHTTPConnection, _PolicyConnection)  # type: ignore[arg-type]


@dataclass
class Page:
    items: list
    next_url: str | None
    etag: str
    not_modified: bool = False
    headers: dict = field(default_factory=dict)


class GitHubClient:
    """One authenticated session with GitHub's REST API; counts requests per resource."""

    def __init__(
        self,
        *,
        api_url: str = DEFAULT_API_URL,
        token: str,
        reserve: int = 100,
        retries: int = 3,
        backoff: float = 1.0,
        timeout: int = 20,
        seconds_between_requests: float | None = 0.25,
        graphql_reserve: int = 50,
        retry_timeouts: bool = True,
    ):
        self.api_url = api_url.rstrip("/")
        try:
            OutboundPolicy.from_settings().url_check(self.api_url)
        except OutboundRefused as error:
            raise Refused(f"The API URL is refused: {error.message}") from None
        # False where a person waits: a second wait on a silent server would outlast the page's patience.
        self.retry_timeouts = retry_timeouts
        self.reserve = reserve
        self.retries = retries
        self.backoff = backoff
        # No urllib3 retry: PyGithub's default would sleep through rate limits inside the
        # worker; we retry 5xx ourselves and turn limits into a re-scheduled task instead.
        self.github = Github(
            base_url=self.api_url,
            auth=Auth.Token(token),
            per_page=PER_PAGE,
            timeout=timeout,
            retry=None,
            seconds_between_requests=seconds_between_requests,
            seconds_between_writes=None,
        )
        self.requests: Counter = Counter()  # resource -> requests sent (304s included)
        self.not_modified: Counter = Counter()  # resource -> 304 answers
        self.rate_limit_remaining: int | None = None
        self.rate_limit_reset_at: datetime | None = None
        # GraphQL's budget is in points, apart from the REST requests (`rateLimit` of each answer).
        self.graphql_reserve = graphql_reserve
        self.graphql_remaining: int | None = None
        self.graphql_reset_at: datetime | None = None

    # --- requests ------------------------------------------------------------------

    def repository_get(self, full_name: str) -> dict:
        """Return the repository's JSON (a renamed or transferred repository is followed by its 301)."""
        self._check_reserve()
        self.requests["repository"] += 1
        repo = self._call(lambda: self.github.get_repo(full_name), what=f"repository {full_name}")
        self._read_rate_limit({k.lower(): v for k, v in (repo.raw_headers or {}).items()})
        return repo.raw_data

    def get(
        self, url: str, *, resource: str, params: dict | None = None, etag: str = "", what: str = ""
    ) -> tuple[dict, Any]:
        """GET one URL (path under the API or an absolute `Link` URL); returns (headers, data), data None on 304."""
        self._check_reserve()
        headers = {"Accept": "application/vnd.github+json"}
        if etag:
            headers["If-None-Match"] = etag
        self.requests[resource] += 1

        def call():
            return self.github.requester.requestJsonAndCheck("GET", url, parameters=params, headers=headers)

        response_headers, data = self._call(call, what=what or resource)
        response_headers = {k.lower(): v for k, v in response_headers.items()}
        self._read_rate_limit(response_headers)
        if data is None and etag:
            self.not_modified[resource] += 1
        return response_headers, data

    def list_page(
        self, url: str, *, resource: str, params: dict | None = None, etag: str = "", key: str | None = None
    ) -> Page:
        """Fetch one page of a list; `key` names the list inside a wrapping object (`workflow_runs`)."""
        headers, data = self.get(url, resource=resource, params=params, etag=etag)
        if data is None:
            return Page(items=[], next_url=None, etag=etag, not_modified=True, headers=headers)
        items = data.get(key, []) if key else data
        match = LINK_NEXT.search(headers.get("link", ""))
        return Page(
            items=items, next_url=match.group(1) if match else None, etag=headers.get("etag", ""), headers=headers
        )

    def repositories_visible(self, *, installation: bool, max_pages: int = 10) -> list[dict]:
        """The repositories this token can see, up to `max_pages` pages of 100.

        A token's: https://docs.github.com/en/rest/repos/repos#list-repositories-for-the-authenticated-user
        An App installation's: https://docs.github.com/en/rest/apps/installations#list-repositories-accessible-to-the-app-installation
        """
        url = "/installation/repositories" if installation else "/user/repos"
        found: list[dict] = []
        next_url: str | None = url
        for _ in range(max_pages):
            if next_url is None:
                break
            params = {"per_page": PER_PAGE} if next_url == url else None
            page = self.list_page(
                next_url, resource="visible_repositories", params=params, key="repositories" if installation else None
            )
            found.extend(page.items)
            next_url = page.next_url
        return found

    def delivery_redeliver(self, path: str) -> None:
        """Ask GitHub to send a webhook delivery again (`POST .../deliveries/{id}/attempts`).

        https://docs.github.com/en/rest/repos/webhooks#redeliver-a-delivery-for-a-repository-webhook
        """
        self._check_reserve()
        self.requests["hook_redeliveries"] += 1
        self._call(lambda: self.github.requester.requestJsonAndCheck("POST", path), what="webhook redelivery")

    @property
    def graphql_url(self) -> str:
        """GraphQL's endpoint, from the API URL: `.../api/v3` → `.../api/graphql`, api.github.com → `/graphql`."""
        return self.github.requester.graphql_url

    def graphql(self, query: str, variables: dict, *, resource: str, what: str) -> dict:
        """Run one GraphQL query and return its `data`; errors are raised as the REST ones are.

        The query asks for `rateLimit { cost remaining resetAt }`: that is how GraphQL's
        point budget is known (its own, apart from the REST requests).
        """
        self._check_graphql_reserve()
        self.requests[resource] += 1
        _, answer = self._call(
            lambda: self.github.requester.graphql_query(query, variables), what=what, classify=self._classify_graphql
        )
        data = answer.get("data") or {}
        limit = data.get("rateLimit") or {}
        if "remaining" in limit:
            self.graphql_remaining = int(limit["remaining"])
        if limit.get("resetAt"):
            self.graphql_reset_at = datetime.fromisoformat(limit["resetAt"].replace("Z", "+00:00"))
        return data

    # --- plumbing --------------------------------------------------------------------

    def _check_graphql_reserve(self):
        """Stop before the last `graphql_reserve` points of the hour, as `_check_reserve` does for REST."""
        if reset := _reserve_reached(self.graphql_remaining, self.graphql_reserve, self.graphql_reset_at):
            raise RateLimited(
                f"Only {self.graphql_remaining} GitHub GraphQL points are left this hour "
                f"(reserve {self.graphql_reserve}); continuing after {reset:%H:%M} UTC.",
                retry_at=reset,
                budget="graphql",
            )

    def _check_reserve(self):
        """Stop before the last `reserve` requests of the hour, which stay for webhooks and people."""
        if reset := _reserve_reached(self.rate_limit_remaining, self.reserve, self.rate_limit_reset_at):
            raise RateLimited(
                f"Only {self.rate_limit_remaining} GitHub requests are left this hour (reserve {self.reserve}); "
                f"continuing after {reset:%H:%M} UTC.",
                retry_at=reset,
            )

    def _read_rate_limit(self, headers: dict):
        if "x-ratelimit-remaining" in headers:
            self.rate_limit_remaining = int(headers["x-ratelimit-remaining"])
        if "x-ratelimit-reset" in headers:
            self.rate_limit_reset_at = datetime.fromtimestamp(int(headers["x-ratelimit-reset"]), tz=UTC)

    def _call(self, call, *, what: str, classify=None):
        """Run a request, retrying 5xx and timeouts a bounded number of times with backoff and jitter."""
        for attempt in range(self.retries + 1):
            try:
                return call()
            except GithubException as error:
                failure, timed_out = (classify or self._classify)(error, what=what), False
            except Exception as error:
                failure, timed_out = self._failure_of(error, what=what)
            if not isinstance(failure, TransientError) or attempt == self.retries:
                raise failure from None
            if timed_out and not self.retry_timeouts:
                raise failure from None
            time.sleep(self.backoff * (2**attempt) * random.uniform(0.5, 1.5))
        raise AssertionError("unreachable")

    def _failure_of(self, error: Exception, *, what: str) -> tuple[GitHubError, bool]:
        """The GitHubError for a failure below PyGithub (network, policy, body), and whether it was a timeout.

        Every way of not reaching the URL (closed port, a service that does not speak HTTP, DNS) is one
        message, so the answers cannot tell which ports are open; none repeats what the server sent.
        """
        too_slow = TransientError(f"GitHub did not answer in time ({what}).")
        if isinstance(error, requests.exceptions.ConnectionError):
            if isinstance(error, requests.exceptions.ConnectTimeout) or "timed out" in str(error).lower():
                return too_slow, True
            unreachable = f"Cannot reach the GitHub API at {self.api_url}: check the API URL and the network."
            return Unreachable(unreachable), False
        if isinstance(error, requests.exceptions.Timeout | OutboundTooSlow):
            return too_slow, True
        if isinstance(error, OutboundRefused):
            return Refused(f"The API URL is refused: {error.message}"), False
        if isinstance(error, OutboundTooLarge):
            return GitHubError(f"The answer for {what} is too large to be GitHub's."), False
        if isinstance(error, ValueError | requests.exceptions.RequestException):  # a body PyGithub cannot read
            return GitHubError(f"The API URL did not answer {what} as GitHub's API does: check the URL."), False
        if isinstance(error, RuntimeError):  # PyGithub refuses a redirect to another host or scheme
            return GitHubError(f"The API URL redirected {what} elsewhere: give the URL it redirects to."), False
        raise error

    def _classify_graphql(self, error: GithubException, *, what: str) -> GitHubError:
        """GraphQL's failures: `errors` in a 200 answer (PyGithub raises them as a 400 or 404), or HTTP ones."""
        headers = {k.lower(): v for k, v in (error.headers or {}).items()}
        errors = [e for e in ((error.data or {}).get("errors") or [] if isinstance(error.data, dict) else []) if e]
        types = {e.get("type") for e in errors if isinstance(e, dict)}
        limited = error.status in (403, 429) and (
            "retry-after" in headers or headers.get("x-ratelimit-remaining") == "0"
        )
        # GitHub spells the limit two ways in `errors`: RATE_LIMITED, and RATE_LIMIT (its secondary
        # limit, which can come with points still remaining).
        if types & {"RATE_LIMITED", "RATE_LIMIT"} or limited:
            if "retry-after" in headers:
                retry_at = datetime.now(UTC) + timedelta(seconds=int(headers["retry-after"]))
            elif "x-ratelimit-reset" in headers:
                retry_at = datetime.fromtimestamp(int(headers["x-ratelimit-reset"]), tz=UTC)
            else:
                retry_at = self.graphql_reset_at or datetime.now(UTC) + timedelta(minutes=1)
            self.graphql_remaining, self.graphql_reset_at = 0, retry_at
            return RateLimited(
                f"GitHub's GraphQL rate limit was hit; continuing after {retry_at:%H:%M:%S} UTC.",
                retry_at=retry_at,
                status=error.status,
                budget="graphql",
            )
        if error.status is not None and error.status >= 500:
            # A query that timed out is a 502 whose body has `errors`: a server error, retried as such.
            return self._classify(error, what=what, read_limits=False)
        if errors:  # for the logs only: what the server wrote never reaches a page
            said = (str(e.get("message") or e.get("type"))[:200] for e in errors[:3] if isinstance(e, dict))
            messages = "; ".join(said)
            logger.warning("github.graphql_errors", what=what, messages=messages)
        if "NOT_FOUND" in types:
            data = error.data.get("data") if isinstance(error.data, dict) else None
            paths = [
                e["path"] for e in errors if isinstance(e, dict) and e.get("type") == "NOT_FOUND" and e.get("path")
            ]
            return NotFound(
                f"GitHub found no {what}, or the token cannot see it.",
                status=404,
                data=data if isinstance(data, dict) else None,
                paths=paths,
            )
        if "FORBIDDEN" in types:
            return Forbidden(f"GitHub refused access to {what} (the token lacks a permission).", status=403)
        if errors:
            kinds = ", ".join(sorted(t for t in types if isinstance(t, str) and ERROR_TYPE.match(t))) or "an error"
            return GitHubError(f"GitHub could not answer the query for {what} ({kinds}).", status=error.status)
        return self._classify(error, what=what, read_limits=False)

    def _classify(self, error: GithubException, *, what: str, read_limits: bool = True) -> GitHubError:
        status = error.status
        headers = {k.lower(): v for k, v in (error.headers or {}).items()}
        if read_limits:  # a GraphQL answer's x-ratelimit-* headers are GraphQL's budget, not REST's
            self._read_rate_limit(headers)
        message = str((error.data or {}).get("message", "")) if isinstance(error.data, dict) else ""
        if message and status not in (401, 404):  # for the logs only: what the server wrote never reaches a page
            logger.warning("github.error_answer", what=what, status=status, message=message[:200])
        if status == 401:
            return BadCredentials(
                "GitHub rejected the token (bad credentials): it was revoked, has expired or is mistyped. "
                "Connect the repository again with a valid token.",
                status=status,
            )
        if status in (403, 429) and ("retry-after" in headers or headers.get("x-ratelimit-remaining") == "0"):
            if "retry-after" in headers:
                retry_at = datetime.now(UTC) + timedelta(seconds=int(headers["retry-after"]))
            else:
                retry_at = self.rate_limit_reset_at or datetime.now(UTC) + timedelta(minutes=1)
            kind = "secondary" if "retry-after" in headers else "primary"
            return RateLimited(
                f"GitHub's {kind} rate limit was hit; continuing after {retry_at:%H:%M:%S} UTC.",
                retry_at=retry_at,
                status=status,
            )
        if status == 429 or (status == 403 and "rate limit" in message.lower()):
            retry_at = datetime.now(UTC) + timedelta(minutes=1)
            return RateLimited(
                f"GitHub's rate limit was hit; continuing after {retry_at:%H:%M:%S} UTC.", retry_at=retry_at
            )
        if status == 404:
            return NotFound(f"GitHub found no {what}, or the token cannot see it.", status=status)
        if status == 403:
            return Forbidden(f"GitHub refused access to {what} (the token lacks a permission).", status=status)
        if status >= 500:
            return TransientError(f"GitHub answered {status} for {what}; try again later.", status=status)
        return GitHubError(f"GitHub answered {status} for {what}, which was not expected.", status=status)


def _reserve_reached(remaining: int | None, reserve: int, reset_at: datetime | None) -> datetime | None:
    """When only the reserve is left of a budget whose window has not reset yet: the reset; else None."""
    if remaining is None or remaining > reserve:
        return None
    reset = reset_at or datetime.now(UTC) + timedelta(minutes=1)
    return reset if reset > datetime.now(UTC) else None


def installation_token_create(
    *, api_url: str, app_id: str, private_key: str, installation_id: str
) -> tuple[str, datetime]:
    """Exchange a GitHub App's key for an installation token; returns (token, expires_at)."""
    # Only the URL check and the error handling of a client are used here; its placeholder token is never sent.
    client = GitHubClient(api_url=api_url, token="unused", retries=0)  # noqa: S106
    integration = GithubIntegration(auth=Auth.AppAuth(app_id, private_key), base_url=api_url.rstrip("/"), retry=None)
    authorization = client._call(
        lambda: integration.get_access_token(int(installation_id)), what=f"installation {installation_id}"
    )
    return authorization.token, authorization.expires_at
