"""The per-row upserts shared by the sync and the webhooks."""

import pytest

from integrations.github.upserts import alert_upsert, issue_upsert, pull_request_upsert, review_upsert
from integrations.models import DependabotAlert, Issue, PullRequest
from integrations.tests.factories import RepositoryFactory

pytestmark = [pytest.mark.django_db, pytest.mark.sqlite]


def issue_json(**overrides):
    data = {
        "id": 11,
        "number": 1,
        "title": "Crash on start",
        "state": "open",
        "user": {"login": "ada"},
        "assignees": [{"login": "bob"}],
        "labels": [{"name": "bug"}],
        "created_at": "2026-01-01T10:00:00Z",
        "updated_at": "2026-01-02T10:00:00Z",
        "closed_at": None,
        "html_url": "https://github.com/octo/repo/issues/1",
    }
    return {**data, **overrides}


def test_replaying_an_issue_changes_nothing():
    repository = RepositoryFactory()
    first = issue_upsert(repository=repository, data=issue_json())
    again = issue_upsert(repository=repository, data=issue_json())
    assert first.pk == again.pk
    assert Issue.objects.count() == 1
    assert again.author == "ada" and again.labels == ["bug"] and again.assignees == ["bob"]


def test_an_older_issue_payload_never_overwrites_a_newer_row():
    repository = RepositoryFactory()
    issue_upsert(repository=repository, data=issue_json(title="New", updated_at="2026-01-03T10:00:00Z"))
    row = issue_upsert(repository=repository, data=issue_json(title="Old", updated_at="2026-01-02T10:00:00Z"))
    assert row.title == "New"


def test_a_pull_request_in_the_issues_list_is_not_stored_as_an_issue():
    repository = RepositoryFactory()
    assert issue_upsert(repository=repository, data=issue_json(pull_request={"url": "x"})) is None
    assert not Issue.objects.exists()


def test_pull_request_and_review_are_written_from_payloads():
    repository = RepositoryFactory()
    pull = pull_request_upsert(
        repository=repository,
        data={
            **issue_json(id=21, number=2),
            "draft": True,
            "head": {"sha": "a" * 40, "ref": "feature"},
            "base": {"ref": "main"},
            "requested_reviewers": [{"login": "carol"}],
            "merged_at": None,
        },
    )
    review = review_upsert(
        repository=repository,
        data={
            "id": 31,
            "user": {"login": "carol"},
            "state": "approved",
            "submitted_at": "2026-01-02T11:00:00Z",
            "pull_request_url": "https://api.github.com/repos/octo/repo/pulls/2",
        },
    )
    assert PullRequest.objects.get().head_ref == "feature" and pull.requested_reviewers == ["carol"]
    assert review.pull_request == pull and review.state == "APPROVED"


def test_alerts_are_keyed_on_their_number_in_every_state():
    repository = RepositoryFactory()
    data = {
        "number": 7,
        "state": "open",
        "dependency": {"package": {"name": "lodash", "ecosystem": "npm"}, "manifest_path": "package.json"},
        "security_advisory": {"ghsa_id": "GHSA-1", "cve_id": "CVE-1", "summary": "Bad", "severity": "high"},
        "security_vulnerability": {"severity": "high"},
        "created_at": "2026-01-01T10:00:00Z",
        "updated_at": "2026-01-01T10:00:00Z",
    }
    alert_upsert(repository=repository, data=data)
    alert_upsert(
        repository=repository,
        data={**data, "state": "fixed", "fixed_at": "2026-01-05T10:00:00Z", "updated_at": "2026-01-05T10:00:00Z"},
    )
    alert = DependabotAlert.objects.get()
    assert (alert.state, alert.severity, alert.package, alert.fixed_at.day) == ("fixed", "high", "lodash", 5)


@pytest.mark.django_db(transaction=True)
@pytest.mark.postgres  # concurrent writers of one new row need a server database
def test_concurrent_writers_of_a_new_row_keep_the_newer_version():
    import threading

    from django.db import connection

    repository = RepositoryFactory()
    rounds = 15
    barrier = threading.Barrier(2)
    errors = []

    def writer(title: str, updated_at: str):
        try:
            for n in range(rounds):
                barrier.wait(timeout=10)
                issue_upsert(
                    repository=repository,
                    data=issue_json(id=5000 + n, number=100 + n, title=title, updated_at=updated_at),
                )
        except Exception as error:  # reported below, in the test's thread
            errors.append(error)
        finally:
            connection.close()

    threads = [
        threading.Thread(target=writer, args=("old", "2026-01-02T10:00:00Z")),
        threading.Thread(target=writer, args=("new", "2026-01-03T10:00:00Z")),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    assert list(Issue.objects.filter(repository=repository).values_list("title", flat=True).distinct()) == ["new"]
    assert Issue.objects.filter(repository=repository).count() == rounds


@pytest.mark.parametrize("url", ["javascript:alert(1)", "data:text/html,x", "vbscript:x", "//evil.example/x"])
def test_only_http_links_from_github_are_stored(url):
    repository = RepositoryFactory()
    issue = issue_upsert(repository=repository, data=issue_json(html_url=url))
    pull = pull_request_upsert(repository=repository, data={**issue_json(id=12, number=2), "html_url": url})
    assert (issue.html_url, pull.html_url) == ("", "")
    assert issue_upsert(repository=repository, data=issue_json(id=13, number=3)).html_url.startswith("https://")
