"""The HTTP client alone, against the fake GitHub: pages, ETags, bounded retries, limits, timeouts."""

import time

import pytest

from fakes.github_server import TOKEN, Fault
from integrations.github.client import (
    BadCredentials,
    GitHubClient,
    NotFound,
    RateLimited,
    TransientError,
    Unreachable,
)


@pytest.fixture
def client(github):
    repo = github.add_repo("octo/app")
    github.seed(repo, issues=250, alerts=120)
    return GitHubClient(api_url=github.url, token=TOKEN, backoff=0, seconds_between_requests=None, timeout=10)


def test_it_follows_link_pages_and_counts_requests(client, github):
    page = client.list_page("/repos/octo/app/issues", resource="issues", params={"state": "all", "per_page": 100})
    pages = [page]
    while pages[-1].next_url:
        pages.append(client.list_page(pages[-1].next_url, resource="issues"))
    assert [len(p.items) for p in pages] == [100, 100, 50]
    assert client.requests["issues"] == 3 == github.count("issues")
    assert client.rate_limit_remaining == github.rate_remaining


def test_alerts_are_read_with_cursors_not_page_numbers(client):
    first = client.list_page("/repos/octo/app/dependabot/alerts", resource="alerts", params={"per_page": 100})
    assert "after=" in first.next_url and "page=" not in first.next_url.replace("per_page", "")
    second = client.list_page(first.next_url, resource="alerts")
    assert len(first.items) + len(second.items) == 120 and second.next_url is None


def test_a_matching_etag_gets_a_304_that_costs_no_rate_limit(client, github):
    first = client.list_page("/repos/octo/app/issues", resource="issues")
    remaining = github.rate_remaining
    again = client.list_page("/repos/octo/app/issues", resource="issues", etag=first.etag)
    assert again.not_modified and again.items == []
    assert github.rate_remaining == remaining
    assert client.not_modified["issues"] == 1


def test_5xx_answers_are_retried_a_bounded_number_of_times(client, github):
    github.faults.append(Fault(match="/issues", status=502, times=10))
    with pytest.raises(TransientError, match="GitHub answered 502"):
        client.list_page("/repos/octo/app/issues", resource="issues")
    assert github.count("issues", status=502) == client.retries + 1 == 4


def test_a_slow_answer_times_out_and_is_retried(client, github):
    impatient = GitHubClient(api_url=github.url, token=TOKEN, backoff=0, seconds_between_requests=None, timeout=1)
    github.faults.append(Fault(match="/issues", status=0, delay=3))
    page = impatient.list_page("/repos/octo/app/issues", resource="issues")
    assert len(page.items) == 30
    assert impatient.requests["issues"] == 1  # one logical request, sent twice


@pytest.mark.parametrize(
    ("fault", "delay"),
    [(Fault(match="/issues", status=403, retry_after=30), 30), (Fault(match="/issues", status=429, retry_after=5), 5)],
)
def test_secondary_limits_raise_with_the_time_to_come_back(client, github, fault, delay):
    github.faults.append(fault)
    started = time.time()
    with pytest.raises(RateLimited) as caught:
        client.list_page("/repos/octo/app/issues", resource="issues")
    assert time.time() - started < 1  # never slept
    assert delay - 2 <= caught.value.retry_at.timestamp() - started <= delay + 2
    assert github.count("issues") == 1


def test_an_exhausted_primary_limit_waits_for_the_reset(client, github):
    github.rate_remaining = 0
    with pytest.raises(RateLimited) as caught:
        client.list_page("/repos/octo/app/issues", resource="issues")
    assert caught.value.retry_at.timestamp() == github.rate_reset


def test_errors_are_in_plain_words(client, github):
    with pytest.raises(NotFound, match="GitHub found no repository octo/nope, or the token cannot see it"):
        client.repository_get("octo/nope")
    github.tokens.clear()
    with pytest.raises(BadCredentials, match="revoked, has expired or is mistyped"):
        client.repository_get("octo/app")
    nowhere = GitHubClient(api_url="http://127.0.0.1:9", token=TOKEN, retries=0, seconds_between_requests=None)
    with pytest.raises(Unreachable, match="Cannot reach the GitHub API at http://127.0.0.1:9"):
        nowhere.repository_get("octo/app")
