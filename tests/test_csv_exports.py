"""CSV downloads: the board's cards, each GitHub data list with its filters, the postmortem list; never a formula."""

import csv
import io
from datetime import UTC, datetime

import pytest

from core.csv_export import csv_cell
from dashboard.tests import factories as rows
from integrations.tests.factories import RepositoryFactory
from kanban.models import Card
from kanban.tests.factories import make_board
from postmortems.tests.factories import PostmortemFactory

pytestmark = pytest.mark.django_db
AT = datetime(2026, 12, 6, 3, 32, tzinfo=UTC)


def table(response) -> list[list[str]]:
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert response["Content-Disposition"].startswith("attachment; filename=")
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.reader(io.StringIO(text)))


@pytest.mark.parametrize("value", ['=HYPERLINK("http://x")', "+1", "-2+3", "@SUM(A1)", "\tx", "\rx"])
def test_a_cell_that_a_spreadsheet_would_run_is_written_as_text(value):
    assert csv_cell(value) == "'" + value


def test_plain_values_stay_as_they_are():
    assert [csv_cell(v) for v in ("deploy", 3, None, True, ["a", "b"])] == ["deploy", "3", "", "yes", "a, b"]
    assert csv_cell(AT) == "2026-12-06T03:32+00:00"


def test_the_board_exports_its_cards(client_in, team):
    board = make_board(team)
    Card.objects.create(team=team, board=board, column=board.columns.first(), title="=cmd|' /C calc'!A0")
    Card.objects.create(team=team, board=board, column=board.columns.first(), title="Write the runbook")
    found = table(client_in.get(f"/t/{team.slug}/board/{board.pk}/cards.csv"))
    assert found[0][:3] == ["Id", "Title", "Column"]
    titles = [row[1] for row in found[1:]]
    assert titles == ["'=cmd|' /C calc'!A0", "Write the runbook"]


def test_a_github_list_exports_with_its_filters(client_in, team):
    repository = RepositoryFactory(team=team, connection__team=team)
    rows.pull(repository, created=AT, merged=AT, title="Merged one")
    rows.pull(repository, created=AT, title="-Open one", review_state="changes_requested")
    found = table(client_in.get(f"/t/{team.slug}/data/pulls.csv", {"state": "open"}))
    assert found[0][:3] == ["Repository", "#", "Title"]
    assert [(row[2], row[4], row[5]) for row in found[1:]] == [("'-Open one", "open", "changes requested")]
    merged = table(client_in.get(f"/t/{team.slug}/data/pulls.csv", {"state": "merged"}))
    assert [(row[2], row[4]) for row in merged[1:]] == [("Merged one", "merged")]
    assert client_in.get(f"/t/{team.slug}/data/nothing.csv").status_code == 404


def test_the_postmortem_list_exports_with_its_filters(client_in, team):
    PostmortemFactory(team=team, title="@Database failover", severity="SEV1")
    PostmortemFactory(team=team, title="Slow builds", severity="SEV3")
    found = table(client_in.get(f"/t/{team.slug}/postmortems/export.csv", {"severity": "SEV1"}))
    assert found[0][:3] == ["Id", "Title", "Severity"]
    assert [(row[1], row[2]) for row in found[1:]] == [("'@Database failover", "SEV1")]


def test_pages_link_their_download(client_in, team):
    board = make_board(team)
    assert f"/t/{team.slug}/board/{board.pk}/cards.csv" in client_in.get(board.get_absolute_url()).content.decode()
    assert f"/t/{team.slug}/postmortems/export.csv" in client_in.get(f"/t/{team.slug}/postmortems/").content.decode()
    page = client_in.get(f"/t/{team.slug}/data/pulls/", {"state": "open"}).content.decode()
    assert f"/t/{team.slug}/data/pulls.csv?state=open" in page
