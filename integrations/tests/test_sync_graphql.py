"""Pull request details by GraphQL: pages of 50 PRs, reviews past 100, the point budget, errors, Enterprise Server."""

import re
import time
from datetime import UTC, datetime, timedelta

import pytest
from django.utils import timezone

from integrations.github import queries, tasks
from integrations.github.client import BadCredentials, GitHubClient, GitHubError, NotFound, RateLimited
from integrations.github.sync import repository_sync
from integrations.models import PullRequest, Repository, Review, SyncCursor
from integrations.tests import github_graphql
from integrations.tests.factories import ConnectionFactory, RepositoryFactory
from integrations.tests.github_server import TOKEN, FakeGitHub, Fault, iso

pytestmark = pytest.mark.django_db


def _repository(github) -> Repository:
    connection = ConnectionFactory(api_url=github.url, token=TOKEN)
    return RepositoryFactory(connection=connection, owner="octo", name="app", full_name="octo/app", github_id=None)


def _graphql_requests(github) -> list:
    return [r for r in github.log if r.resource == "graphql"]


def test_details_are_the_rows_the_rest_requests_gave(github):
    repo = github.add_repo("octo/app")
    pull = github.add_pull(repo, ci="failure", review="CHANGES_REQUESTED")
    github.add_pull(repo, ci="pending", review="APPROVED")
    bare = github.add_pull(repo, review="COMMENTED")
    repo.check_runs[bare["head"]["sha"]] = []  # a commit without any check
    repository = _repository(github)

    repository_sync(repository=repository)

    rows = {p.number: p for p in PullRequest.objects.all()}
    assert [(n, rows[n].ci_state, rows[n].review_state) for n in sorted(rows)] == [
        (1, "failure", "changes_requested"),
        (2, "pending", "approved"),
        (3, "", "commented"),
    ]
    first_commit = repo.pr_commits[1][0]["commit"]["author"]["date"]
    assert rows[1].first_commit_at == datetime.fromisoformat(first_commit.replace("Z", "+00:00"))
    rest = repo.reviews[1][0]
    review = Review.objects.get(pull_request=rows[1])
    assert (review.github_id, review.author, review.state, review.html_url) == (
        rest["id"],
        "carol",
        "CHANGES_REQUESTED",
        rest["html_url"],
    )
    assert review.submitted_at == datetime.fromisoformat(rest["submitted_at"].replace("Z", "+00:00"))
    assert pull["number"] == 1 and len(_graphql_requests(github)) == 1
    assert github.count("pull_details") == 0


def test_a_pull_request_with_more_than_100_reviews_is_read_in_full(github):
    repo = github.add_repo("octo/app")
    github.add_pull(repo, review="APPROVED")
    github.add_pull(repo)
    github_graphql.add_reviews(github, repo, 1, count=148)
    github_graphql.add_reviews(github, repo, 1, count=1, state="CHANGES_REQUESTED", login="zed")  # the 150th
    repository = _repository(github)

    repository_sync(repository=repository)

    pull = PullRequest.objects.get(number=1)
    assert Review.objects.filter(pull_request=pull).count() == 150
    assert pull.review_state == "changes_requested"  # decided by a review past the first 100
    asked = [a for a in github.graphql.answers if "PullReviewsPage" in a.query]
    assert [(a.variables["number"], a.variables["after"] is not None) for a in asked] == [(1, True)]
    assert len(_graphql_requests(github)) == 2


def test_a_sync_stopped_by_the_graphql_limit_resumes_at_the_saved_cursor(github, settings):
    settings.GITHUB_GRAPHQL_RESERVE = 0
    repo = github.add_repo("octo/app")
    for _ in range(120):
        github.add_pull(repo)
    github.graphql.remaining = 2  # two pages of 50, then the budget is spent
    github.graphql.reset = int(time.time()) + 1200
    repository = _repository(github)

    with pytest.raises(RateLimited) as stopped:
        repository_sync(repository=repository)

    assert stopped.value.budget == "graphql"
    assert stopped.value.retry_at == datetime.fromtimestamp(github.graphql.reset, tz=UTC)
    repository.refresh_from_db()
    assert repository.sync_status == Repository.SyncStatus.RATE_LIMITED
    assert "GraphQL" in repository.last_error
    assert repository.graphql_rate_limit_remaining == 0
    assert repository.rate_limit_wait_until() == stopped.value.retry_at
    assert PullRequest.objects.filter(details_synced_at__isnull=False).count() == 100
    saved = SyncCursor.objects.get(repository=repository, resource="pull_details").resume_url
    assert saved == github.graphql.answers[-1].body["data"]["repository"]["pullRequests"]["pageInfo"]["endCursor"]

    github.graphql.remaining = 5000
    github.log.clear()
    github.graphql.answers.clear()
    repository_sync(repository=repository)

    assert [a.variables["after"] for a in github.graphql.answers] == [saved]  # not from the start
    assert PullRequest.objects.filter(details_synced_at__isnull=False).count() == 120
    assert SyncCursor.objects.get(repository=repository, resource="pull_details").resume_url == ""
    repository.refresh_from_db()
    assert repository.graphql_rate_limit_remaining == 4999 and repository.sync_status == Repository.SyncStatus.IDLE


def test_a_rate_limited_answer_reschedules_the_task_at_the_graphql_reset(github, monkeypatch):
    repo = github.add_repo("octo/app")
    github.add_pull(repo)
    github.graphql.remaining = 0
    github.graphql.reset = int(time.time()) + 1800
    repository = _repository(github)
    queued = []
    monkeypatch.setattr(tasks.sync_repository, "apply_async", lambda *a, **kw: queued.append(kw))

    assert tasks.sync_repository(repository.pk) == "rescheduled"

    reset = datetime.fromtimestamp(github.graphql.reset, tz=UTC)
    assert [call["eta"] for call in queued] == [reset]
    repository.refresh_from_db()
    assert repository.last_error.startswith("GitHub's GraphQL rate limit was hit; continuing after")
    assert repository.graphql_rate_limit_reset_at == reset
    # A scheduled tick meanwhile sends nothing: it waits for the GraphQL reset, not the REST one.
    github.log.clear()
    assert tasks.sync_repository(repository.pk) == "waiting for the rate limit"
    assert github.log == []
    # At the GraphQL reset the queued run goes ahead, though the REST budget resets later.
    Repository.objects.filter(pk=repository.pk).update(graphql_rate_limit_reset_at=timezone.now())
    github.graphql.remaining = 5000
    assert repository.rate_limit_reset_at > timezone.now()
    assert tasks.sync_repository(repository.pk) == "done"
    assert PullRequest.objects.get().details_synced_at is not None


def _age(repo, pull: dict, days: int):
    """Make a PR of the fake last updated (and created) `days` ago."""
    moment = iso(datetime.now(UTC) - timedelta(days=days))
    for record in (pull, repo.issues[pull["number"]]):
        record.update(created_at=moment, updated_at=moment)


def test_paging_stops_at_the_window_and_an_older_open_pr_is_asked_for_by_number(github, monkeypatch):
    monkeypatch.setattr(queries, "PULLS_PER_PAGE", 2)
    repo = github.add_repo("octo/app")
    stale = github.add_pull(repo, ci="failure")  # open, not updated for 120 days
    _age(repo, stale, 120)
    _age(repo, github.add_pull(repo, merged=True, merged_at=datetime.now(UTC) - timedelta(days=100)), 100)
    for _ in range(3):
        github.add_pull(repo)
    repository = _repository(github)

    repository_sync(repository=repository)

    asked = [(re.search(r"query (\w+)", a.query).group(1), a.variables) for a in github.graphql.answers]
    assert [name for name, _ in asked] == ["PullDetailsPage", "PullDetailsPage", "PullDetailsByNumber"]
    assert asked[-1][1]["n0"] == stale["number"] and "n1" not in asked[-1][1]
    pull = PullRequest.objects.get(number=stale["number"])
    assert pull.details_synced_at is not None and pull.ci_state == "failure"
    assert PullRequest.objects.filter(details_synced_at__isnull=True).count() == 1  # merged before the window


def test_a_pull_request_gone_from_github_is_a_warning_not_a_failed_sync(github):
    repo = github.add_repo("octo/app")
    github.add_pull(repo)
    gone = github.add_pull(repo)
    repository = _repository(github)
    repository_sync(repository=repository)
    del repo.pulls[gone["number"]]
    PullRequest.objects.filter(number=gone["number"]).update(details_synced_at=None)

    result = repository_sync(repository=repository)

    assert result.warnings == [
        f"GitHub found no pull request #{gone['number']}, or the token cannot see it; its details stay as they were."
    ]
    repository.refresh_from_db()
    assert repository.sync_status == Repository.SyncStatus.IDLE and repository.next_sync_at is not None


@pytest.fixture
def client(github):
    github.add_repo("octo/app")
    return GitHubClient(api_url=github.url, token=TOKEN, retries=1, backoff=0, seconds_between_requests=None)


def _details(client, owner="octo", name="app"):
    variables = {"owner": owner, "name": name, "first": 50, "after": None}
    return client.graphql(
        queries.PULL_DETAILS_PAGE, variables, resource="pull_details", what=f"repository {owner}/{name}"
    )


def test_graphql_errors_get_the_same_plain_words_as_rest_errors(github, client):
    with pytest.raises(NotFound) as graphql_missing:
        _details(client, name="gone")
    with pytest.raises(NotFound) as rest_missing:
        client.get("/repos/octo/gone", resource="repository", what="repository octo/gone")
    assert graphql_missing.value.message == rest_missing.value.message
    assert graphql_missing.value.message == "GitHub found no repository octo/gone, or the token cannot see it."

    with pytest.raises(GitHubError, match="GitHub could not answer the query for repository octo/app") as failed:
        client.graphql("query Unknown { viewer { login } }", {}, resource="pull_details", what="repository octo/app")
    assert "The fake" not in failed.value.message  # what the server wrote stays out of the message

    stranger = GitHubClient(api_url=github.url, token="ghp_revoked", retries=0, seconds_between_requests=None)
    with pytest.raises(BadCredentials, match="GitHub rejected the token"):
        _details(stranger)


def test_a_server_error_is_retried_and_the_point_budget_is_read(github, client):
    github.faults.append(Fault(match="/graphql", status=502))

    data = _details(client)

    assert [r.status for r in _graphql_requests(github)] == [502, 200]
    assert data["rateLimit"]["remaining"] == client.graphql_remaining == 4999
    assert client.graphql_reset_at == datetime.fromtimestamp(github.graphql.reset, tz=UTC)
    assert client.rate_limit_remaining is None  # GraphQL's headers are not the REST budget


@pytest.mark.parametrize(
    ("api_url", "graphql_url"),
    [
        ("https://api.github.com", "https://api.github.com/graphql"),
        ("https://api.github.com/", "https://api.github.com/graphql"),
        ("https://github.example.com/api/v3", "https://github.example.com/api/graphql"),
        ("https://github.example.com/api/v3/", "https://github.example.com/api/graphql"),
    ],
)
def test_the_graphql_endpoint_is_derived_from_the_api_url(api_url, graphql_url):
    assert GitHubClient(api_url=api_url, token=TOKEN).graphql_url == graphql_url


def test_an_enterprise_server_is_asked_at_api_graphql():
    enterprise = FakeGitHub(prefix="/api/v3").start()
    try:
        repo = enterprise.add_repo("octo/app")
        enterprise.add_pull(repo, ci="failure")
        repository = _repository(enterprise)

        repository_sync(repository=repository)

        assert [r.path for r in _graphql_requests(enterprise)] == ["/api/graphql"]
        assert PullRequest.objects.get().ci_state == "failure"
    finally:
        enterprise.stop()


# --- GitHub's rarer answers -------------------------------------------------------------------------

TIMED_OUT = {
    "data": None,
    "errors": [
        {
            "message": "Something went wrong while executing your query. This may be the result of a timeout, "
            "or it could be a GitHub bug. Please include `0400:3E2A:1A1A1A:1B1B1B:6750A0B0` when reporting this issue."
        }
    ],
}


def test_a_query_that_timed_out_at_github_is_a_server_error_and_is_retried(github, client):
    github.faults.append(Fault(match="/graphql", status=502, body=TIMED_OUT))

    data = _details(client)

    assert [r.status for r in _graphql_requests(github)] == [502, 200]
    assert data["repository"]["pullRequests"]["nodes"] == []


def test_a_query_that_keeps_timing_out_fails_as_a_transient_error(github, client):
    github.faults.append(Fault(match="/graphql", status=502, body=TIMED_OUT, times=2))

    with pytest.raises(GitHubError) as failure:
        _details(client)

    assert not failure.value.permanent
    assert failure.value.message == "GitHub answered 502 for repository octo/app; try again later."


def test_the_rate_limit_error_typed_rate_limit_reschedules_the_task_at_the_graphql_reset(github, monkeypatch):
    repo = github.add_repo("octo/app")
    github.add_pull(repo)
    repository = _repository(github)
    # GitHub's secondary limit in a 200 answer, with points still remaining in the headers.
    limited = {"errors": [{"type": "RATE_LIMIT", "message": "API rate limit exceeded for user ID 1."}]}
    github.faults.append(Fault(match="/graphql", status=200, body=limited))
    queued = []
    monkeypatch.setattr(tasks.sync_repository, "apply_async", lambda *a, **kw: queued.append(kw))

    assert tasks.sync_repository(repository.pk) == "rescheduled"

    reset = datetime.fromtimestamp(github.graphql.reset, tz=UTC)
    assert [call["eta"] for call in queued] == [reset]
    repository.refresh_from_db()
    assert repository.last_error.startswith("GitHub's GraphQL rate limit was hit; continuing after")


def test_one_missing_pull_request_in_a_batch_keeps_the_details_of_the_others(github):
    repo = github.add_repo("octo/app")
    pulls = [github.add_pull(repo, ci="pending") for _ in range(3)]
    repository = _repository(github)
    repository_sync(repository=repository)
    first, gone, last = pulls
    del repo.pulls[gone["number"]]
    for pull in (first, last):
        github.set_checks(repo, pull["head"]["sha"], "success")
    github.graphql.answers.clear()

    result = repository_sync(repository=repository)

    asked = [re.search(r"query (\w+)", a.query).group(1) for a in github.graphql.answers]
    assert asked == ["PullDetailsByNumber"]
    states = dict(PullRequest.objects.values_list("number", "ci_state"))
    assert states == {first["number"]: "success", gone["number"]: "pending", last["number"]: "success"}
    assert result.warnings == [
        f"GitHub found no pull request #{gone['number']}, or the token cannot see it; its details stay as they were."
    ]


def test_a_resync_asks_for_unchanged_open_prs_with_pending_ci_by_number_in_one_query(github, monkeypatch):
    repo = github.add_repo("octo/app")
    pending = [github.add_pull(repo, ci="pending") for _ in range(32)]
    for _ in range(40):  # merged PRs updated since, above the pending ones in the pages
        github.add_pull(repo, merged=True)
    repository = _repository(github)
    repository_sync(repository=repository)
    for pull in pending:
        github.set_checks(repo, pull["head"]["sha"], "success")
    github.graphql.answers.clear()

    repository_sync(repository=repository)

    asked = [(re.search(r"query (\w+)", a.query).group(1), a.variables) for a in github.graphql.answers]
    assert [name for name, _ in asked] == ["PullDetailsByNumber"]
    assert sorted(v for k, v in asked[0][1].items() if re.fullmatch(r"n\d+", k)) == sorted(p["number"] for p in pending)
    assert set(PullRequest.objects.filter(state="open").values_list("ci_state", flat=True)) == {"success"}
