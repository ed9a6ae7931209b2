"""Lead time by the commits each deployment shipped (GitHub's compare), time only as the fallback (issue 20).

Synced from the fake GitHub, then counted. By hand, E the fake's epoch (each PR's first commit is E − its
number in hours, before its opening):
- PR 1 merged at E+0.5 h; D1, the repository's first deployment, at E+1 h ships main's head: nothing to
  compare with, so PR 1 is linked by time to D1: 1 h − (−1 h) = 2 h.
- PR 2 merged at E+2 h. D2 at E+3 h deploys commit C, made on main at E+1.5 h, before the merge: by
  time PR 2 would be D2's (5 h); by commits D2 shipped only C. D3, created at E+4 h from main's head
  (M2) and successful at E+6 h, shipped it: 6 h − (−2 h) = 8 h.
- PR 3 merged at E+5 h, after D3 was created but before it succeeded: by time D3's (9 h); by commits
  D4 at E+8 h shipped it: 8 h − (−3 h) = 11 h.
- PR 4 merged at E+9 h: no deployment after it, left out.
Lead time: median of 2, 8, 11 = 8 h over 3 PRs, 2 of them by commits (by time alone: 5 h).
Requests: a compare for D2, D3 and D4 (none for D1), each deployment's statuses once; nothing on a resync.
"""

from datetime import datetime, timedelta
from typing import Any

import pytest

from dashboard.dora import dora_metrics
from dashboard.dora_detail import dora_counted
from fakes.github_server import EPOCH, TOKEN, FakeGitHub, FakeRepo
from integrations.definitions import DoraDefinitions
from integrations.github.sync import repository_sync
from integrations.models import CommitsState, Deployment, ShippedCommit
from integrations.tests.factories import ConnectionFactory, RepositoryFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def github():
    fake = FakeGitHub().start()
    yield fake
    fake.stop()


def at(hours: float) -> datetime:
    return EPOCH + timedelta(hours=hours)


def deploy(github: FakeGitHub, repo: FakeRepo, hours: float, **kwargs: Any) -> dict:
    github.clock = at(hours) - timedelta(seconds=1)  # the deployment (and its success) is one tick later
    return github.add_deployment(repo, **kwargs)


def merge(github: FakeGitHub, repo: FakeRepo, hours: float) -> dict:
    github.clock = at(hours) - timedelta(minutes=10)
    return github.add_pull(repo, state="closed", merged=True, merged_at=at(hours))


def connected(github, team):
    connection = ConnectionFactory(team=team, api_url=github.url, token=TOKEN)
    return RepositoryFactory(connection=connection, owner="octo", name="app", full_name="octo/app", github_id=None)


@pytest.fixture
def shipped(github, team):
    repo = github.add_repo("octo/app")
    merge(github, repo, 0.5)
    deploy(github, repo, 1)
    commit = github.commit_add(repo, at=at(1.5), message="Tidy the config")
    merge(github, repo, 2)
    deploy(github, repo, 3, sha=commit)
    github.clock = at(4) - timedelta(seconds=1)
    release = github.add_deployment(repo, state="in_progress")
    merge(github, repo, 5)
    github.clock = at(6) - timedelta(seconds=1)
    github.deployment_status_add(repo, release, state="success")
    deploy(github, repo, 8)
    merge(github, repo, 9)
    repository = connected(github, team)
    repository_sync(repository=repository, full=True)
    return repository


def test_a_pr_belongs_to_the_deployment_that_shipped_its_merge_commit(shipped, team):
    lead = dora_metrics(team=team, days=60)["lead_time_for_changes"]

    assert (lead.value, lead.sample_size, lead.by_commits) == (8.0, 3, 2)


def test_the_drill_down_says_how_each_pr_was_linked(shipped, team):
    counted = dora_counted(team=team, definitions=DoraDefinitions(), days=60)

    assert [(lead.number, lead.deployed_at, lead.hours, lead.linked_by) for lead in counted.lead_times] == [
        (1, at(1), 2.0, "time"),
        (2, at(6), 8.0, "commits"),
        (3, at(8), 11.0, "commits"),
    ]


def test_time_alone_would_link_to_the_deployment_between_the_merge_and_its_release(shipped, team):
    # Forget what the deployments shipped: every PR falls back to the next deployment in time.
    ShippedCommit.objects.all().delete()
    Deployment.objects.update(commits="")

    lead = dora_metrics(team=team, days=60)["lead_time_for_changes"]

    assert (lead.value, lead.sample_size, lead.by_commits) == (5.0, 3, 0)


def test_each_deployment_is_compared_once_and_the_first_not_at_all(github, shipped):
    states = list(Deployment.objects.order_by("succeeded_at").values_list("commits", flat=True))
    assert states == [CommitsState.FIRST, CommitsState.COMPARED, CommitsState.COMPARED, CommitsState.COMPARED]
    assert github.count("compare") == 3
    assert github.count("deployment_statuses") == 4

    github.log.clear()
    repository_sync(repository=shipped)
    repository_sync(repository=shipped, full=True)

    assert github.count("compare") == 0
    assert github.count("deployment_statuses") == 0


def test_a_long_comparison_is_read_page_by_page(github, team):
    repo = github.add_repo("octo/app")
    deploy(github, repo, 1)
    for index in range(150):
        github.commit_add(repo, at=at(2) + timedelta(seconds=index))
    deploy(github, repo, 3)
    repository = connected(github, team)

    repository_sync(repository=repository, full=True)

    assert github.count("compare") == 2  # 150 commits: two pages of 100, one paginated read
    assert ShippedCommit.objects.filter(repository=repository).count() == 150


def test_a_deployment_github_cannot_compare_falls_back_to_time(github, team):
    repo = github.add_repo("octo/app")
    deploy(github, repo, 1)
    merge(github, repo, 2)
    deploy(github, repo, 3, sha="d" * 40)  # a commit GitHub no longer has (force-pushed away): 404
    repository = connected(github, team)

    repository_sync(repository=repository, full=True)

    assert Deployment.objects.get(succeeded_at=at(3)).commits == CommitsState.UNKNOWN
    lead = dora_metrics(team=team, days=60)["lead_time_for_changes"]
    assert (lead.value, lead.sample_size, lead.by_commits) == (4.0, 1, 0)  # 3 h − (−1 h), by time


def test_the_panel_says_how_many_prs_were_linked_by_commits(shipped, client_in, team):
    response = client_in.get(f"/t/{team.slug}/")

    assert response.status_code == 200
    assert "2 of the 3 pull requests counted this period" in response.content.decode()


def test_the_lead_time_page_names_the_linkage_of_each_pr(shipped, client_in, team):
    response = client_in.get(f"/t/{team.slug}/dora/lead_time_for_changes/?days=30")

    rows = response.content.decode().split('data-row="pull"')[1:]
    assert response.status_code == 200 and len(rows) == 3
    assert ["time:" in rows[0], "commits:" in rows[1], "commits:" in rows[2]] == [True, True, True]
