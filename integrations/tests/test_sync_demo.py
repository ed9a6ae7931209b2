"""The GitHub demo data: shaped like synced data, written without any network, once."""

import io

import pytest

from integrations import demo
from integrations.models import DependabotAlert, Deployment, Issue, PullRequest, Release, Repository, WorkflowRun

pytestmark = pytest.mark.django_db


def test_demo_data_covers_every_resource_and_seeding_twice_changes_nothing(team, user, client_in):
    demo.seed(team=team, user=user, stdout=io.StringIO())
    counts = [m.objects.count() for m in (Issue, PullRequest, DependabotAlert, WorkflowRun, Deployment, Release)]
    demo.seed(team=team, user=user, stdout=io.StringIO())

    assert counts == [
        m.objects.count() for m in (Issue, PullRequest, DependabotAlert, WorkflowRun, Deployment, Release)
    ]
    assert all(counts)
    assert Repository.objects.filter(team=team).count() == 1
    assert set(DependabotAlert.objects.values_list("state", flat=True)) >= {
        "open",
        "fixed",
        "dismissed",
        "auto_dismissed",
    }
    assert PullRequest.objects.filter(merged_at__isnull=False, first_commit_at__isnull=False).exists()
    assert Deployment.objects.filter(status="failure").exists()
    page = client_in.get(f"/t/{team.slug}/github/").content.decode()
    assert demo.FULL_NAME in page
