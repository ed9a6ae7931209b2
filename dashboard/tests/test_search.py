"""The search box: one query across cards, postmortems, retro notes, issues and pull requests, grouped by kind."""

from datetime import UTC, datetime

import pytest
from django.db import connection

from dashboard.search import team_search
from dashboard.tests import factories as rows
from integrations.tests.factories import RepositoryFactory
from kanban.models import Card
from kanban.tests.factories import make_board
from postmortems.services import postmortem_reindex
from postmortems.tests.factories import PostmortemFactory
from retros.models import Note, Retro
from retros.tests.factories import make_retro

pytestmark = pytest.mark.django_db
AT = datetime(2026, 12, 6, 3, 32, tzinfo=UTC)


def note(team, user, text, *, anonymous, revealed=True):
    retro = make_retro(team, user, title=f"Retro anonymous={anonymous}")
    Retro.objects.filter(pk=retro.pk).update(anonymous=anonymous, notes_revealed=revealed)
    return Note.objects.create(retro=retro, prompt="Went well", text=text, author=None if anonymous else user)


@pytest.fixture
def everything(team, user):
    board = make_board(team)
    Card.objects.create(team=team, board=board, column=board.columns.first(), title="Rotate the database password")
    postmortem_reindex(postmortem=PostmortemFactory(team=team, title="Database failover took an hour"))
    note(team, user, "The database migration went smoothly", anonymous=False)
    note(team, user, "Secret database grumble", anonymous=True)
    note(team, user, "Unrevealed database thought", anonymous=False, revealed=False)
    repository = RepositoryFactory(team=team, connection__team=team)
    rows.issue(repository, created=AT, title="Database connections leak")
    rows.pull(repository, created=AT, merged=AT, title="Pool database connections")
    rows.pull(repository, created=AT, title="Unrelated change")


def test_one_query_finds_every_kind_grouped_and_never_an_anonymous_or_private_note(client_in, team, everything):
    html = client_in.get(f"/t/{team.slug}/search/", {"q": "database"}).content.decode()
    for kind, title in [
        ("Cards", "Rotate the database password"),
        ("Postmortems", "Database failover took an hour"),
        ("Retro notes", "The database migration went smoothly"),
        ("Issues", "Database connections leak"),
        ("Pull requests", "Pool database connections"),
    ]:
        assert kind in html and title in html
    assert "Secret database grumble" not in html
    assert "Unrevealed database thought" not in html
    assert "Unrelated change" not in html
    assert "· merged" in html


def test_the_word_match_of_sqlite_finds_the_same(team, everything, monkeypatch):
    on_postgres = {group.kind: [hit.title for hit in group.hits] for group in team_search(team=team, q="database")}
    monkeypatch.setattr(connection, "vendor", "sqlite")  # the fallback runs on any database
    fallback = {group.kind: [hit.title for hit in group.hits] for group in team_search(team=team, q="database")}
    assert fallback.keys() == on_postgres.keys()
    assert {kind: sorted(titles) for kind, titles in fallback.items()} == {
        kind: sorted(titles) for kind, titles in on_postgres.items()
    }
    assert "Secret database grumble" not in str(fallback)


def test_another_teams_data_is_not_found(client_in, team, other_team):
    board = make_board(other_team)
    Card.objects.create(team=other_team, board=board, column=board.columns.first(), title="Their database card")
    html = client_in.get(f"/t/{team.slug}/search/", {"q": "database"}).content.decode()
    assert "Their database card" not in html and "Nothing matches" in html


def test_search_costs_one_query_per_kind(client_in, team, everything, django_assert_max_num_queries):
    with django_assert_max_num_queries(14):
        client_in.get(f"/t/{team.slug}/search/", {"q": "database"})


def test_every_page_has_the_search_box_with_its_shortcut(client_in, team):
    html = client_in.get(f"/t/{team.slug}/").content.decode()
    assert f'action="/t/{team.slug}/search/"' in html and 'aria-keyshortcuts="/ Control+K"' in html
