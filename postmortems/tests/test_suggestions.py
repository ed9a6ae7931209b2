"""Timeline suggestions from the synced GitHub data of the incident window."""

from datetime import timedelta

import pytest
from django.utils import timezone

from integrations.models import Deployment, PullRequest, Release, WorkflowRun
from integrations.tests.factories import RepositoryFactory
from postmortems.services import postmortem_create, timeline_entry_add
from postmortems.suggestions import timeline_suggestions


@pytest.fixture
def start():
    return timezone.now().replace(microsecond=0) - timedelta(hours=6)


@pytest.fixture
def repo(team):
    return RepositoryFactory(connection__team=team, owner="shop", name="web", default_branch="main")


def pull(repo, n, merged_at):
    return PullRequest.objects.create(
        team=repo.team, repository=repo, github_id=n, number=n, title=f"PR {n}", state="closed",
        created_at=merged_at, updated_at=merged_at, merged_at=merged_at,
    )  # fmt: skip


def run(repo, n, at, *, branch="main", conclusion="failure"):
    return WorkflowRun.objects.create(
        team=repo.team, repository=repo, github_id=n, workflow_name="CI", run_number=n, head_branch=branch,
        status="completed", conclusion=conclusion, created_at=at, updated_at=at,
    )  # fmt: skip


def test_the_window_offers_merges_releases_deploys_and_failed_default_branch_runs_in_time_order(
    team, user, repo, start
):
    pm = postmortem_create(team=team, title="x", by=user, started_at=start, resolved_at=start + timedelta(hours=1))
    pull(repo, 1, start - timedelta(minutes=30))
    pull(repo, 2, start - timedelta(hours=3))  # before the window
    pull(repo, 3, start + timedelta(hours=2))  # after the resolution
    Release.objects.create(
        team=team, repository=repo, github_id=9, tag_name="v1.2.0", created_at=start, published_at=start
    )
    Release.objects.create(
        team=team, repository=repo, github_id=10, tag_name="v1.3.0-draft", draft=True, created_at=start,
        published_at=start,
    )  # fmt: skip
    Deployment.objects.create(
        team=team, repository=repo, github_id=5, environment="production", ref="v1.2.0",
        created_at=start + timedelta(minutes=1), updated_at=start, status="failure",
        status_updated_at=start + timedelta(minutes=4),
    )  # fmt: skip
    run(repo, 20, start + timedelta(minutes=10))
    run(repo, 21, start + timedelta(minutes=11), branch="feature")
    run(repo, 22, start + timedelta(minutes=12), conclusion="success")
    texts = [s.text for s in timeline_suggestions(postmortem=pm)]
    assert texts == [
        "Merged shop/web#1: PR 1",
        "Release v1.2.0 published (shop/web)",
        "Deployment of v1.2.0 to production (shop/web)",
        "Deployment to production failure (shop/web)",
        "Workflow CI #20 failed on main (shop/web)",
    ]


def test_an_added_suggestion_is_not_offered_again_and_another_teams_data_never_is(team, other_team, user, repo, start):
    pm = postmortem_create(team=team, title="x", by=user, started_at=start)
    pull(repo, 1, start + timedelta(minutes=5))
    foreign = RepositoryFactory(connection__team=other_team, default_branch="main")
    pull(foreign, 2, start + timedelta(minutes=6))
    [suggestion] = timeline_suggestions(postmortem=pm)
    timeline_entry_add(
        postmortem=pm, at=suggestion.at, kind=suggestion.kind, text=suggestion.text, source=suggestion.source, by=user
    )
    assert timeline_suggestions(postmortem=pm) == []


def test_without_a_start_time_there_is_nothing_to_suggest(team, user, repo):
    pull(repo, 1, timezone.now())
    assert timeline_suggestions(postmortem=postmortem_create(team=team, title="x", by=user)) == []
