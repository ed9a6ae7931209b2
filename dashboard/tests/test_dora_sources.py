"""DORA with the team's own definitions: workflow runs, tags and releases as deployments, rollbacks as failures.

Every expected value below was computed by hand from the scripted rows (see each comment).
"""

from datetime import timedelta

import pytest

from dashboard.dora import DoraDefinitions, dora_metrics
from dashboard.models import DashboardSettings
from dashboard.tests import factories as f
from dashboard.tests.test_dora import NOW, day
from integrations.models import DeliverySettings, Release, WorkflowRun
from integrations.tests.factories import ConnectionFactory, RepositoryFactory

H = timedelta(hours=1)


def as_dicts(keys):
    return {name: key.as_dict() for name, key in keys.items()}


@pytest.fixture
def repositories(team):
    connection = ConnectionFactory(team=team)
    return (
        RepositoryFactory(connection=connection, name="a", default_branch="main"),
        RepositoryFactory(connection=connection, name="b", default_branch="trunk"),
    )


@pytest.fixture
def workflow_data(repositories):
    a, b = repositories
    f.deployment(a, day(15))  # a GitHub deployment: not a source in these definitions
    f.run(a, day(10), workflow="Deploy")  # counts
    f.run(a, day(20), workflow="Deploy")  # counts
    f.run(a, day(30), workflow="Deploy", conclusion="failure")  # failed run: no
    f.run(a, day(40), workflow="CI")  # another workflow: no
    f.run(a, day(50), workflow="Deploy", branch="feature")  # not the default branch: no
    pull_run = f.run(a, day(55), workflow="Deploy")
    WorkflowRun.objects.filter(pk=pull_run.pk).update(event="pull_request")  # a pull request's run: no
    f.run(b, day(60), workflow="deploy")  # counts (names match whatever their case), on b's trunk
    f.run(b, day(75), workflow="Deploy")  # counts
    # Lead time: 48 h (a: commit day 8 → run day 10), 24 h (a: commit day 19, merged at the run of day 20),
    # 24 h (b: no first commit, created day 59 → run day 60), none (a: merged day 21, no later run).
    f.pull(a, created=day(8.5), merged=day(9), first_commit=day(8))
    f.pull(a, created=day(19.5), merged=day(20), first_commit=day(19))
    f.pull(b, created=day(59), merged=day(59.5))
    f.pull(a, created=day(21), merged=day(21), first_commit=day(21))
    # Rollbacks and hotfixes: a revert 3 h after a's run of day 10 (238 h of lead time to the run of day 20:
    # created day 10 + 2 h); a hotfix branch 7 h after a's run of day 20 (outside a 6 h window; no later run);
    # a rollback 1 h after b's run of day 75 (no later run).
    f.pull(a, created=day(10) + 2 * H, merged=day(10) + 3 * H, title='Revert "Add the cache"')
    f.pull(a, created=day(20) + 6 * H, merged=day(20) + 7 * H, title="Fix login", head_ref="hotfix/login")
    f.pull(b, created=day(75), merged=day(75) + H, title="Roll back the migration")
    return a, b


WORKFLOW = DoraDefinitions(sources=("workflow",), workflow="Deploy", rollback_hours=6)


def test_runs_of_the_chosen_workflow_on_the_default_branch_are_the_deployments(workflow_data, team):
    keys = as_dicts(dora_metrics(team=team, days=90, definitions=WORKFLOW, now=NOW))
    # 4 runs (a: days 10, 20; b: days 60, 75) in 90 days.
    assert keys["deployment_frequency"] == {
        "value": round(4 / 90, 4),
        "unit": "per_day",
        "band": "medium",
        "sample_size": 4,
    }
    # 24, 24, 48, 238: the median is (24 + 48) / 2.
    assert keys["lead_time_for_changes"] == {"value": 36.0, "unit": "hours", "band": "high", "sample_size": 4}
    # a's run of day 10 (the revert) and b's of day 75 (the rollback) failed: 2 of 4.
    assert keys["change_failure_rate"] == {"value": 0.5, "unit": "ratio", "band": "low", "sample_size": 4}
    assert keys["time_to_restore"] == {"value": None, "unit": "hours", "band": None, "sample_size": 0}


def test_without_a_rollback_window_reverts_and_hotfixes_mark_nothing(workflow_data, team):
    definitions = DoraDefinitions(sources=("workflow",), workflow="Deploy")
    keys = as_dicts(dora_metrics(team=team, days=90, definitions=definitions, now=NOW))
    assert keys["change_failure_rate"] == {"value": 0.0, "unit": "ratio", "band": "elite", "sample_size": 4}


def test_a_wider_window_catches_the_hotfix_too(workflow_data, team):
    definitions = DoraDefinitions(sources=("workflow",), workflow="Deploy", rollback_hours=8)
    keys = as_dicts(dora_metrics(team=team, days=90, definitions=definitions, now=NOW))
    # The hotfix merged 7 h after a's run of day 20 now counts: 3 of 4.
    assert keys["change_failure_rate"] == {"value": 0.75, "unit": "ratio", "band": "low", "sample_size": 4}


def test_runs_on_version_tags_are_the_deployments_when_the_team_says_tags(repositories, team):
    a, _ = repositories
    for n, ref in [(10, "v1.2.0"), (20, "1.3"), (30, "main"), (40, "feature-v1"), (50, "v2"), (60, "v2.0.1-rc1")]:
        f.run(a, day(n), workflow="Release", branch=ref)
    definitions = DoraDefinitions(sources=("workflow",), workflow="Release", workflow_trigger="tags")
    keys = dora_metrics(team=team, days=90, definitions=definitions, now=NOW)
    # v1.2.0, 1.3, v2 and v2.0.1-rc1: 4 in 90 days.
    assert keys["deployment_frequency"].as_dict() == {
        "value": round(4 / 90, 4),
        "unit": "per_day",
        "band": "medium",
        "sample_size": 4,
    }


def _release(repository, at, **fields):
    return Release.objects.create(
        team=repository.team,
        repository=repository,
        github_id=int(at.timestamp()),
        tag_name=f"v{at:%j}",
        created_at=at,
        published_at=at,
        **fields,
    )


def test_releases_and_deployments_together_with_lead_time_to_whichever_came_first(repositories, team):
    a, _ = repositories
    _release(a, day(5))  # counts
    _release(a, day(25), draft=True)
    _release(a, day(35), prerelease=True)
    _release(a, day(45), deleted_at=day(46))
    _release(a, day(65))  # counts
    f.deployment(a, day(15))  # counts
    f.deployment(a, day(85))  # counts
    # Lead time: commit day 13 → deployment day 15 = 48 h; commit day 59 → release day 65 = 144 h.
    f.pull(a, created=day(13.5), merged=day(14), first_commit=day(13))
    f.pull(a, created=day(59.5), merged=day(60), first_commit=day(59))
    definitions = DoraDefinitions(sources=("deployments", "releases"))
    keys = as_dicts(dora_metrics(team=team, days=90, definitions=definitions, now=NOW))
    assert keys["deployment_frequency"]["sample_size"] == 4
    assert keys["lead_time_for_changes"] == {"value": 96.0, "unit": "hours", "band": "high", "sample_size": 2}
    # Releases alone: days 5 and 65; the PR of day 14 waits for the release of day 65 (52 days from day 13).
    keys = as_dicts(dora_metrics(team=team, days=90, definitions=DoraDefinitions(sources=("releases",)), now=NOW))
    assert keys["deployment_frequency"]["sample_size"] == 2
    assert keys["lead_time_for_changes"] == {
        "value": (52 * 24 + 144) / 2,
        "unit": "hours",
        "band": "medium",
        "sample_size": 2,
    }


def test_the_default_definitions_are_the_contracts(team):
    assert DashboardSettings.of(team).dora_definitions() == DoraDefinitions()
    assert DoraDefinitions().deployment_text() == (
        "a GitHub deployment to production whose statuses include success, at that status"
    )


def _form(**changes):
    data = {
        "stale_pr_days": 7,
        "incident_label": "incident",
        "environments": "production",
        "sources": ["deployments"],
        "workflow_trigger": "default_branch",
        "rollback_hours": 0,
    } | {f"sla_{s}": 30 for s in ("critical", "high", "medium", "low")}
    return data | changes


def test_an_owner_chooses_the_definitions_and_the_dashboard_says_them(client_in, team):
    url = f"/t/{team.slug}/dashboard/settings/"
    missing = client_in.post(url, _form(sources=["workflow"]))
    assert missing.status_code == 400 and "Name the workflow whose runs count" in missing.content.decode()
    none = client_in.post(url, _form(sources=[]))
    assert none.status_code == 400

    saved = client_in.post(url, _form(sources=["workflow", "releases"], deploy_workflow=" Deploy ", rollback_hours=6))
    assert saved.status_code == 302
    settings = DeliverySettings.of(team)  # stored beside the data, where retros and postmortems read it too
    assert (settings.deploy_sources, settings.deploy_workflow, settings.rollback_hours) == (
        ["workflow", "releases"],
        "Deploy",
        6,
    )
    page = client_in.get(f"/t/{team.slug}/").content.decode()
    assert "a successful run of the workflow “Deploy” on the default branch, when it finished" in page
    assert "a published release (no drafts or prereleases)" in page
    assert "a pull request merged within 6 h of it" in page
    assert "GitHub deployment to production" not in page
