"""Pages show values as people say them: no stored states, no 40-character SHAs, no "---------",
no "Empty: …" help, and one date format everywhere."""

import re
from datetime import UTC, datetime

import pytest

from dashboard.tests import factories as rows
from integrations.tests.factories import RepositoryFactory
from teams.tests.factories import MembershipFactory

pytestmark = pytest.mark.django_db
AT = datetime(2026, 12, 6, 3, 32, tzinfo=UTC)
SHA = "0123456789abcdef0123456789abcdef01234567"


@pytest.fixture
def repository(team):
    return RepositoryFactory(
        team=team, connection__team=team, full_name="octo/api", html_url="https://github.com/octo/api"
    )


def text_of(response) -> str:
    """What a person reads: the page's text, its tags and attributes left out, spaces collapsed."""
    assert response.status_code == 200
    return " ".join(re.sub(r"<[^>]+>", " ", response.content.decode()).split())


def test_a_merged_pull_request_reads_merged_and_review_states_are_words(client_in, team, repository):
    rows.pull(repository, created=AT, merged=AT, title="Merged one")
    rows.pull(repository, created=AT, title="Open one", review_state="changes_requested")
    html = text_of(client_in.get(f"/t/{team.slug}/data/pulls/"))
    assert "changes_requested" not in html and "changes requested" in html
    assert re.search(r"Merged one alice merged\b", html)


def test_alert_states_are_words(client_in, team, repository):
    rows.alert(repository, created=AT, state="auto_dismissed")
    html = text_of(client_in.get(f"/t/{team.slug}/data/alerts/"))
    assert "auto_dismissed" not in html and "auto dismissed" in html


def test_a_deployment_commit_is_short_and_links_to_github(client_in, team, repository):
    deployment = rows.deployment(repository, AT)
    deployment.sha = SHA
    deployment.save()
    response = client_in.get(f"/t/{team.slug}/data/deployments/")
    link = f'<a href="https://github.com/octo/api/commit/{SHA}"><code title="{SHA}">0123456</code></a>'
    assert link in response.content.decode()
    assert SHA not in text_of(response)


def test_dates_are_written_one_way_in_the_active_time_zone(client_in, team, repository, settings):
    rows.pull(repository, created=AT, title="Dated")
    html = text_of(client_in.get(f"/t/{team.slug}/data/pulls/"))
    assert "2026-12-06 03:32" in html
    settings.TIME_ZONE = "Europe/Berlin"
    html = text_of(client_in.get(f"/t/{team.slug}/data/pulls/"))
    assert "2026-12-06 04:32" in html


def test_templates_name_a_date_format_instead_of_spelling_one():
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent / "templates"
    spelled = [
        f"{path.relative_to(root)}: {match.group(0)}"
        for path in root.rglob("*.html")
        for match in re.finditer(r"\|date:[\"']([^\"']+)[\"']", path.read_text())
        if not match.group(1).endswith("_FORMAT") and match.group(1) != "c"  # c: machine-readable datetime=""
    ]
    assert spelled == []


@pytest.mark.parametrize(
    "path",
    [
        "/t/{team}/postmortems/settings/",
        "/t/{team}/postmortems/{postmortem}/",
        "/t/{team}/board/{board}/settings/",
        "/t/{team}/github/webhooks/",
        "/t/{team}/dashboard/settings/",
        "/t/{team}/retros/",
    ],
)
def test_forms_say_what_an_empty_choice_means(client_in, team, user, path):
    from kanban.tests.factories import make_board
    from postmortems.tests.factories import PostmortemFactory

    MembershipFactory(team=team)  # someone else to choose
    board = make_board(team)
    postmortem = PostmortemFactory(team=team)
    html = text_of(client_in.get(path.format(team=team.slug, postmortem=postmortem.pk, board=board.pk)))
    assert "---------" not in html
    assert "Empty: " not in html
    assert "Stale pr" not in html
