from datetime import timedelta

import pytest
from django.utils import timezone

from integrations.models import Deployment, Issue, WorkflowRun
from integrations.tests.factories import RepositoryFactory
from kanban.services import card_create, card_move
from kanban.tests.factories import make_board
from postmortems.models import ActionItem as PostmortemAction
from postmortems.models import Postmortem
from retros.data import data_strip, overdue_postmortem_actions
from retros.models import Phase
from retros.services import action_create
from retros.tests.factories import advance_to, make_retro, make_team

pytestmark = pytest.mark.django_db


def test_the_data_strip_counts_the_period_from_the_board_and_github(django_assert_max_num_queries):
    team, (owner, *_) = make_team()
    now = timezone.now()
    today = timezone.localdate()
    repo = RepositoryFactory(team=team, connection__team=team, default_branch="main")
    quiet = RepositoryFactory(team=team, connection__team=team, default_branch="main")
    row = {"team": team, "repository": repo}
    for n, (env, status, days) in enumerate(
        [
            ("production", "success", 2),
            ("production", "success", 5),
            ("production", "failure", 3),
            ("staging", "success", 1),
            ("production", "success", 30),
        ]
    ):
        at = now - timedelta(days=days)
        Deployment.objects.create(
            **row,
            github_id=n,
            environment=env,
            status=status,
            created_at=at,
            updated_at=at,
            status_updated_at=at,
            succeeded_at=at if status == "success" else None,
        )
    for n, (labels, days) in enumerate([(["incident"], 3), (["Incident", "p1"], 4), (["bug"], 2), (["incident"], 40)]):
        at = now - timedelta(days=days)
        Issue.objects.create(
            **row, github_id=n, number=n, title="t", state="open", labels=labels, created_at=at, updated_at=at
        )
    for n, (repository, branch, conclusion, days) in enumerate(
        [
            (repo, "main", "success", 3),
            (repo, "main", "failure", 1),
            (repo, "topic", "failure", 0),
            (quiet, "main", "success", 1),
        ]
    ):
        at = now - timedelta(days=days)
        WorkflowRun.objects.create(
            team=team,
            repository=repository,
            github_id=n,
            head_branch=branch,
            status="completed",
            conclusion=conclusion,
            created_at=at,
            updated_at=at,
        )
    board = make_board(team)
    columns = list(board.columns.all())
    for days in (6, 4):
        card = card_create(board=board, title="c", by=owner, at=now - timedelta(days=days + 2))
        card = card_move(card=card, column=columns[1], position=0, by=owner, at=now - timedelta(days=days + 1))
        card_move(card=card, column=columns[2], position=0, by=owner, at=now - timedelta(days=days))
    retro = advance_to(make_retro(team, owner), Phase.DISCUSS, owner)
    action_create(retro=retro, text="late", by=owner, due_date=today - timedelta(days=1))
    action_create(retro=retro, text="on time", by=owner, due_date=today + timedelta(days=1))

    with django_assert_max_num_queries(8):
        strip = data_strip(team, start=today - timedelta(days=14), end=today)
    assert strip.deployments == 2
    assert strip.incidents == 2
    assert strip.throughput == 2 and strip.median_cycle_days == 1.0
    assert strip.overdue_actions == 1
    assert strip.failing_ci == [repo.full_name]


def test_overdue_postmortem_actions_are_the_open_ones_past_their_due_date():
    team, _ = make_team()
    other, _ = make_team()
    today = timezone.localdate()
    postmortem = Postmortem.objects.create(team=team, title="Queue stuck")
    late = PostmortemAction.objects.create(
        postmortem=postmortem, description="Alert on lag", due_date=today - timedelta(days=3)
    )
    PostmortemAction.objects.create(postmortem=postmortem, description="Runbook", due_date=today + timedelta(days=3))
    PostmortemAction.objects.create(
        postmortem=postmortem, description="Done already", due_date=today - timedelta(days=3), stored_status="done"
    )
    foreign = Postmortem.objects.create(team=other, title="Elsewhere")
    PostmortemAction.objects.create(postmortem=foreign, description="Not ours", due_date=today - timedelta(days=3))
    assert overdue_postmortem_actions(team) == [late]
    assert late.get_absolute_url().endswith(f"#action-{late.pk}")
