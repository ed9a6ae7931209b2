from datetime import timedelta

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from dashboard.tests import factories as f
from integrations.tests.factories import ConnectionFactory, RepositoryFactory
from kanban.models import Card
from kanban.tests.factories import BoardFactory, ColumnFactory
from postmortems.models import Postmortem, Status
from teams.models import Team

pytestmark = pytest.mark.sqlite


def populate(team: Team, repositories: int) -> None:
    # `.create()`: factory_boy types calling a factory as the factory, `.create()` as what it builds.
    connection_ = ConnectionFactory.create(team=team)
    board = BoardFactory.create(team=team, name=f"Board {repositories}")
    column = ColumnFactory.create(board=board, wip_limit=1)
    now = timezone.now()
    for i in range(repositories):
        repository = RepositoryFactory.create(connection=connection_, default_branch="main")
        f.run(repository, now - timedelta(days=1), conclusion="failure" if i % 2 else "success")
        pr = f.pull(
            repository,
            created=now - timedelta(days=3),
            author="dependabot[bot]" if i % 3 else "alice",
            review_state="changes_requested",
        )
        f.review(pr, now - timedelta(days=2), state="CHANGES_REQUESTED")
        f.pull(
            repository,
            created=now - timedelta(days=5),
            merged=now - timedelta(days=1),
            first_commit=now - timedelta(days=6),
        )
        f.alert(repository, created=now - timedelta(days=40), severity="high")
        f.deployment(repository, now - timedelta(hours=5))
        f.issue(repository, created=now - timedelta(hours=4), closed=now - timedelta(hours=2), labels=["incident"])
        Card.objects.create(team=team, board=board, column=column, position=i, title=f"Card {i}", blocked=i % 2 == 0)


def count_queries(client: Client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


@pytest.mark.parametrize("path", ["", "report/", "report.md", "data/pulls/", "data/runs/", "data/alerts/"])
def test_pages_cost_the_same_queries_for_one_and_fifty_repositories(client_in, team, other_team, path):
    populate(team, 1)
    client_in.get(f"/t/{team.slug}/{path}")  # the first visit creates the team's dashboard settings
    small = count_queries(client_in, f"/t/{team.slug}/{path}")
    populate(team, 49)
    assert count_queries(client_in, f"/t/{team.slug}/{path}") == small


def test_the_dashboard_shows_every_panel_with_the_teams_data(client_in, team):
    populate(team, 2)
    html = client_in.get(f"/t/{team.slug}/").content.decode()
    for panel in ("panel-dora", "panel-ci", "panel-pulls", "panel-dependabot", "panel-board", "panel-learning"):
        assert f'id="{panel}"' in html
    assert "Past the 30-day SLA" in html
    assert "Over the limit" in html
    assert "1 from bots" in html or "(1 from bots)" in html
    assert "Changes requested" in html


def test_each_panel_refreshes_on_its_own(client_in, team):
    populate(team, 1)
    response = client_in.get(f"/t/{team.slug}/panels/ci/", headers={"HX-Request": "true"})
    assert response.status_code == 200
    body = response.content.decode()
    assert body.lstrip().startswith("<section") and "<html" not in body
    assert client_in.get(f"/t/{team.slug}/panels/nope/").status_code == 404


def test_a_team_without_data_is_told_what_to_do_next(client_in, team):
    html = client_in.get(f"/t/{team.slug}/").content.decode()
    assert "No GitHub repository is connected yet" in html
    assert "No board yet" in html


def test_the_data_lists_filter_by_repository_state_author_and_label(client_in, team):
    connection_ = ConnectionFactory(team=team)
    a = RepositoryFactory(connection=connection_, owner="octo", name="a")
    b = RepositoryFactory(connection=connection_, owner="octo", name="b")
    now = timezone.now()
    f.issue(a, created=now, labels=["incident"], title="Database down")
    f.issue(a, created=now, labels=["bug"], title="Typo on login")
    f.issue(b, created=now, labels=["incident"], author="bob", title="Queue stuck")
    url = f"/t/{team.slug}/data/issues/"
    assert "Database down" in client_in.get(url, {"label": "incident", "repository": "octo/a"}).content.decode()
    page = client_in.get(url, {"label": "incident", "repository": "octo/a"}).content.decode()
    assert "Typo on login" not in page and "Queue stuck" not in page
    page = client_in.get(url, {"author": "bob"}).content.decode()
    assert "Queue stuck" in page and "Database down" not in page


def test_a_bad_filter_says_what_is_wrong(client_in, team):
    response = client_in.get(f"/t/{team.slug}/data/runs/", {"since": "yesterday"})
    assert response.status_code == 400
    assert "Enter a valid date" in response.content.decode()


def test_the_markdown_report_reads_as_a_self_assessment(client_in, team):
    populate(team, 2)
    response = client_in.get(f"/t/{team.slug}/report.md")
    assert response["Content-Type"].startswith("text/markdown")
    text = response.content.decode()
    for heading in (
        "# How DevOps are we?",
        "## Ways we are DevOps",
        "## Ways we are not DevOps yet",
        "## Next improvements",
    ):
        assert heading in text
    assert "(Continuous integration; data)" in text or "(Test automation; data)" in text


def test_the_markdown_report_shows_raw_html_in_the_team_name_as_text(client_in, team):
    Team.objects.filter(pk=team.pk).update(name="<script>alert(1)</script>")
    text = client_in.get(f"/t/{team.slug}/report.md").content.decode()
    assert "<script" not in text
    assert text.startswith("# How DevOps are we? — &lt;script&gt;alert(1)&lt;/script&gt;\n")


def test_the_checklist_answers_feed_the_report(client_in, team):
    assert (
        client_in.post(f"/t/{team.slug}/report/checklist/", {"monitoring": "yes", "alerting": "no"}).status_code == 302
    )
    text = client_in.get(f"/t/{team.slug}/report.md").content.decode()
    ways, not_yet = text.split("## Ways we are not DevOps yet")
    assert "metrics and dashboards" in ways
    assert "Do alerts page someone" in not_yet.split("## Next improvements")[0]


def test_the_learning_panel_shows_the_periods_postmortems_and_the_report_counts_them(client_in, team):
    now = timezone.now()
    Postmortem.objects.create(
        team=team, title="Queue stuck", status=Status.PUBLISHED, started_at=now - timedelta(days=2),
        resolved_at=now - timedelta(days=2) + timedelta(hours=3),
    )  # fmt: skip
    Postmortem.objects.create(team=team, title="Disk full", started_at=now - timedelta(days=1))
    html = client_in.get(f"/t/{team.slug}/").content.decode()
    assert "2 incidents in the period, 1 postmortem published, median time to restore 3.0 h" in html
    assert "Queue stuck" in html and "Disk full" in html
    text = client_in.get(f"/t/{team.slug}/report.md").content.decode()
    ways = text.split("## Ways we are not DevOps yet")[0]
    assert "1 postmortem published for 2 incidents" in ways


def test_the_dora_tiles_name_each_key_with_its_spaces(client_in, team):
    html = client_in.get(f"/t/{team.slug}/").content.decode()
    for title in ("Deployment frequency", "Lead time for changes", "Change failure rate", "Time to restore"):
        assert f">{title}</a></h3>" in html
    assert "Deploymentfrequency" not in html and "Leadtime" not in html


def test_the_previous_period_is_shown_with_its_unit(client_in, team):
    repository = RepositoryFactory.create(connection=ConnectionFactory.create(team=team))
    f.deployment(repository, timezone.now() - timedelta(days=35))
    html = client_in.get(f"/t/{team.slug}/").content.decode()
    assert "Previous 30 days: 0.2 / week (medium)" in html
    assert "Before:" not in html


def test_the_board_cycle_trend_and_the_dependabot_history_are_small_charts(client_in, team):
    populate(team, 2)
    now = timezone.now()
    Card.objects.filter(team=team, title="Card 0").update(
        started_at=now - timedelta(days=3), done_at=now - timedelta(days=1)
    )
    html = client_in.get(f"/t/{team.slug}/").content.decode()
    cycle = html.split('data-chart="cycle-trend"')[1].split("</figure>")[0]
    assert '<svg class="bar-chart"' in cycle and cycle.count("<rect") == 1
    assert "median cycle time 2 days" in cycle
    history = html.split('data-chart="dependabot-history"')[1].split("</figure>")[0]
    assert history.count('class="bar-opened"') == 1 and "opened 2" in history  # both alerts opened 40 days ago
    assert "— · —" not in html and "0/0 ·" not in html
