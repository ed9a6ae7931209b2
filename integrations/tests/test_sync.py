"""The sync against a local fake GitHub over HTTP, through the real PyGithub client."""

from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest

from fakes.github_server import TOKEN, Fault
from integrations.github.client import RateLimited
from integrations.github.sync import repository_sync
from integrations.models import (
    DependabotAlert,
    Deployment,
    Issue,
    PullRequest,
    Release,
    Repository,
    Review,
    WorkflowRun,
)
from integrations.tests.factories import ConnectionFactory, RepositoryFactory

pytestmark = [pytest.mark.django_db, pytest.mark.sqlite]


@pytest.fixture
def fake_repo(github):
    repo = github.add_repo("octo/app")
    github.seed(repo, issues=150, pulls=60, alerts=130, runs=120)
    for _ in range(3):
        github.add_deployment(repo)
    github.add_deployment(repo, state="in_progress")
    github.add_release(repo)
    github.add_release(repo)
    return repo


@pytest.fixture
def repository(github, fake_repo):
    connection = ConnectionFactory(api_url=github.url, token=TOKEN)
    return RepositoryFactory(connection=connection, owner="octo", name="app", full_name="octo/app", github_id=None)


def test_a_full_sync_brings_in_everything_with_the_fewest_list_requests(github, fake_repo, repository):
    result = repository_sync(repository=repository, full=True)

    assert Issue.objects.filter(repository=repository).count() == 150
    assert PullRequest.objects.filter(repository=repository).count() == 60
    assert DependabotAlert.objects.filter(repository=repository).count() == 130
    assert set(DependabotAlert.objects.values_list("state", flat=True)) == {
        "open",
        "dismissed",
        "fixed",
        "auto_dismissed",
    }
    assert WorkflowRun.objects.filter(repository=repository).count() == 120
    assert Deployment.objects.filter(repository=repository).count() == 4
    assert set(Deployment.objects.values_list("status", flat=True)) == {"success", "in_progress"}
    assert Release.objects.filter(repository=repository).count() == 2
    # issues+PRs come through the issues list (210 rows: 3 pages) and PR fields through the pulls list (1 page).
    assert github.count("issues") == 3
    assert github.count("pulls") == 1
    assert github.count("alerts") == 2  # cursor pagination
    assert github.count("runs") == 2
    # Details only for open PRs (15) and PRs merged in the window (30): one GraphQL query of 50 PRs brings them.
    detailed = PullRequest.objects.filter(details_synced_at__isnull=False)
    assert detailed.count() == 45
    assert github.count("graphql") == 1 == result.requests["pull_details"]
    assert github.count("pull_details") == 0  # no REST request per PR
    pull = detailed.filter(state="open").first()
    assert pull.head_ref == f"feature-{pull.number}" and pull.first_commit_at is not None
    # The fake's check runs and reviews come in every state; each PR gets its own.
    expected_ci = {
        number: "failure" if any(run["conclusion"] == "failure" for run in runs) else
        "pending" if any(run["status"] != "completed" for run in runs) else "success"
        for number, runs in ((p["number"], fake_repo.check_runs[p["head"]["sha"]]) for p in fake_repo.pulls.values())
    }  # fmt: skip
    expected_review = {number: reviews[0]["state"].lower() for number, reviews in fake_repo.reviews.items()}
    assert {(p.number, p.ci_state) for p in detailed} == {(p.number, expected_ci[p.number]) for p in detailed}
    assert {(p.number, p.review_state) for p in detailed} == {(p.number, expected_review[p.number]) for p in detailed}
    assert {p.ci_state for p in detailed} == {"success", "failure", "pending"}
    assert {p.review_state for p in detailed} == {"approved", "changes_requested"}
    assert Review.objects.count() == 45
    repository.refresh_from_db()
    assert repository.sync_status == Repository.SyncStatus.IDLE and repository.last_success_at
    assert repository.github_id == fake_repo.id and repository.last_error == ""
    assert repository.rate_limit_remaining == github.rate_remaining


def test_an_unchanged_repository_costs_only_304s(github, fake_repo, repository):
    repository_sync(repository=repository)
    github.log.clear()
    remaining = github.rate_remaining

    result = repository_sync(repository=repository)

    polled = ["repository", "issues", "pulls", "alerts", "runs", "deployments", "releases", "deployment_statuses"]
    assert [(r.resource, r.status) for r in github.log] == [(resource, 304) for resource in polled]
    assert github.rate_remaining == remaining  # a 304 costs no rate limit
    assert result.summary() == "nothing changed"


def test_an_incremental_sync_reads_only_what_changed(github, fake_repo, repository):
    repository_sync(repository=repository)
    github.log.clear()
    github.touch_issue(fake_repo, 3, title="Renamed")
    github.add_issue(fake_repo, title="Brand new")
    open_pull = next(p for p in fake_repo.pulls.values() if p["state"] == "open")
    github.touch_issue(fake_repo, open_pull["number"], title="PR renamed")

    result = repository_sync(repository=repository)

    assert Issue.objects.get(repository=repository, number=3).title == "Renamed"
    assert Issue.objects.filter(title="Brand new").exists()
    assert PullRequest.objects.get(number=open_pull["number"]).title == "PR renamed"
    assert github.count("issues") == 1 and github.count("pulls") == 1
    assert github.count("graphql") == 1  # one page, holding the PR that changed
    assert result.changes["pull_details"]["updated"] == 1
    assert result.changes["issues"]["created"] == 1 and result.changes["issues"]["updated"] == 1
    assert Issue.objects.count() == 151


def test_a_fault_in_the_middle_resumes_from_the_last_page_without_duplicates(github, fake_repo, repository, settings):
    settings.GITHUB_RETRIES = 0
    github.faults.append(Fault(match="/issues", status=502, skip=1, times=1))

    with pytest.raises(github_server_error()):
        repository_sync(repository=repository, full=False)
    repository.refresh_from_db()
    assert repository.sync_status == Repository.SyncStatus.FAILED
    assert "502" in repository.last_error
    assert Issue.objects.count() > 0
    resume_url = repository.cursors.get(resource="issues").resume_url
    assert "page=2" in resume_url
    github.log.clear()

    repository_sync(repository=repository)

    issue_requests = [r.path for r in github.log if r.resource == "issues"]
    assert "page=2" in issue_requests[0] and len(issue_requests) == 2  # pages 2 and 3, not page 1 again
    assert Issue.objects.count() == 150
    assert len(set(Issue.objects.values_list("github_id", flat=True))) == 150


def test_a_5xx_is_retried_within_the_same_run(github, fake_repo, repository):
    github.faults.append(Fault(match="/pulls", status=500, times=2))
    repository_sync(repository=repository)
    assert PullRequest.objects.count() == 60
    assert github.count("pulls", status=500) == 2


def test_a_secondary_rate_limit_stops_the_sync_until_retry_after(github, fake_repo, repository):
    github.faults.append(Fault(match="/dependabot/alerts", status=403, retry_after=120))
    from integrations.github.client import RateLimited

    before = datetime.now(UTC)
    with pytest.raises(RateLimited) as caught:
        repository_sync(repository=repository)
    assert before + timedelta(seconds=110) < caught.value.retry_at < before + timedelta(seconds=130)
    repository.refresh_from_db()
    assert repository.sync_status == Repository.SyncStatus.RATE_LIMITED
    assert "rate limit" in repository.last_error


def test_the_sync_keeps_a_reserve_of_the_rate_limit(github, fake_repo, repository, settings):
    settings.GITHUB_RATE_LIMIT_RESERVE = 100
    github.rate_remaining = 102
    from integrations.github.client import RateLimited

    with pytest.raises(RateLimited) as caught:
        repository_sync(repository=repository)
    assert caught.value.retry_at.timestamp() == github.rate_reset
    assert github.rate_remaining == 100  # it stopped at the reserve, not at zero


def test_deleted_or_transferred_issues_are_marked_on_a_full_sync(github, fake_repo, repository):
    repository_sync(repository=repository)
    del fake_repo.issues[5]

    result = repository_sync(repository=repository, full=True)

    assert Issue.objects.get(number=5).deleted_at is not None
    assert Issue.objects.filter(deleted_at__isnull=True).count() == 149
    assert result.changes["issues"]["deleted"] == 1


def test_a_renamed_repository_is_followed(github, fake_repo, repository):
    github.repos["octo/renamed"] = github.repos.pop("octo/app")
    fake_repo.name = "renamed"
    github.renamed["octo/app"] = "octo/renamed"

    repository_sync(repository=repository)

    repository.refresh_from_db()
    assert repository.full_name == "octo/renamed"
    assert Issue.objects.count() == 150


def github_server_error():
    from integrations.github.client import TransientError

    return TransientError


def test_no_access_to_dependabot_alerts_is_said_in_plain_words_and_the_rest_syncs(github, fake_repo, repository):
    github.faults.append(
        Fault(
            match="/dependabot/alerts",
            status=403,
            body={"message": "Dependabot alerts are disabled for this repository."},
        )
    )
    result = repository_sync(repository=repository)
    repository.refresh_from_db()
    assert repository.last_success_at and repository.sync_status == Repository.SyncStatus.IDLE
    assert repository.last_error.startswith("No access to Dependabot alerts")
    assert result.warnings and Issue.objects.count() == 150


def test_runs_of_the_window_are_all_read_even_past_githubs_1000_result_cap(github, repository):
    repo = github.repos["octo/app"]
    repo.runs.clear()
    now = datetime.now(UTC)
    for day in range(5):
        github.add_run(repo, created_at=now - timedelta(days=100 + day))  # outside the 90-day window
    for i in range(1100):
        github.add_run(repo, created_at=now - timedelta(days=80) + timedelta(minutes=90 * i))

    repository_sync(repository=repository)

    assert WorkflowRun.objects.count() == 1100
    assert github.count("runs") == 12  # 1,105 runs newest first; it stops on the page reaching past the window


def test_an_open_pull_request_with_pending_checks_is_read_again_until_they_finish(github, repository):
    repo = github.add_repo("octo/app")
    pull = github.add_pull(repo, state="open", ci="pending", review="CHANGES_REQUESTED")
    repository_sync(repository=repository)
    row = PullRequest.objects.get(number=pull["number"])
    assert (row.ci_state, row.review_state) == ("pending", "changes_requested")

    github.set_checks(repo, pull["head"]["sha"], "failure")
    repository_sync(repository=repository)

    row.refresh_from_db()
    assert row.ci_state == "failure"


def test_a_sync_stopped_by_a_rate_limit_resumes_where_it_stopped(github, fake_repo, repository):
    # The first sync reads issues and pulls in full (a reconcile), then meets a secondary limit on page 2 of alerts.
    github.faults.append(Fault(match="/dependabot/alerts", status=403, retry_after=60, skip=1, times=1))
    with pytest.raises(RateLimited):
        repository_sync(repository=repository)
    github.log.clear()

    repository_sync(repository=repository)

    lists = Counter(r.resource for r in github.log if r.resource in ("issues", "pulls", "alerts"))
    # Finished lists kept their ETag (one free 304 each); alerts go on from the page that was refused.
    assert lists == {"issues": 1, "pulls": 1, "alerts": 1}
    assert [r.status for r in github.log if r.resource in ("issues", "pulls")] == [304, 304]
    assert DependabotAlert.objects.filter(repository=repository).count() == 130
