"""Board automation: GitHub events make and move cards, as each connection is configured."""

import pytest
from django.urls import reverse

from integrations.models import Issue, WebhookDelivery
from integrations.tests.factories import ConnectionFactory
from integrations.tests.webhook_support import (
    connect_repositories,
    examples,
    post_delivery,
    webhook_encryption_key,  # noqa: F401
)
from integrations.webhooks import services as webhook_services
from kanban.models import Card, Column
from kanban.services import board_create, card_create

pytestmark = [pytest.mark.django_db, pytest.mark.sqlite]
REPO = "Codertocat/Hello-World"


@pytest.fixture
def board(team, user):
    return board_create(
        team=team,
        name="Delivery",
        by=user,
        columns=[
            {"name": "Triage"},
            {"name": "In progress"},
            {"name": "Review"},
            {"name": "Merged"},
            {"name": "Done", "is_done": True},
        ],
    )


@pytest.fixture
def columns(board):
    return {column.name: column for column in board.columns.all()}


@pytest.fixture
def connection(team, board, columns):
    return ConnectionFactory(
        team=team,
        automation={
            "board": board.pk,
            "label": "Bug",
            "columns": {
                "issue_opened": columns["Triage"].pk,
                "pr_opened": columns["In progress"].pk,
                "pr_review": columns["Review"].pk,
                "pr_merged": columns["Merged"].pk,
                "issue_closed": columns["Done"].pk,
            },
        },
    )


@pytest.fixture
def process(client, connection):
    """Deliver and process one event; returns the delivery."""

    def process(event, payload):
        connect_repositories(connection, [payload])
        response = post_delivery(client, connection, event, payload)
        delivery = WebhookDelivery.objects.get(guid=response.json()["guid"])
        assert webhook_services.delivery_process(delivery_id=delivery.pk).outcome == "processed", delivery.error
        delivery.refresh_from_db()
        return delivery

    return process


def _issue(*, number=12, labels=("bug",), state="open", action="opened", updated="2026-02-01T00:00:00Z"):
    payload = examples("issues")[15]
    payload["action"] = action
    payload["issue"].update(
        id=5000 + number,
        number=number,
        title="Login fails",
        state=state,
        labels=[{"name": name} for name in labels],
        updated_at=updated,
        html_url=f"https://github.com/{REPO}/issues/{number}",
    )
    return payload


def _pull(*, action="opened", body="Fixes #12", merged=False, updated="2026-02-02T00:00:00Z", draft=False):
    payload = examples("pull_request")[0]
    payload["action"] = action
    payload["pull_request"].update(
        body=body, updated_at=updated, draft=draft, merged_at="2026-02-03T00:00:00Z" if merged else None
    )
    if merged:
        payload["pull_request"]["state"] = "closed"
    return payload


def _card(source_id=f"{REPO}#12"):
    return Card.objects.get(source_id=source_id)


def test_a_new_issue_with_the_chosen_label_becomes_a_card_once(process, columns):
    first = process("issues", _issue())
    process("issues", _issue(action="edited", updated="2026-02-01T01:00:00Z"))

    card = _card()
    assert Card.objects.count() == 1
    assert card.column == columns["Triage"]
    assert (card.source_kind, card.source_url) == ("github_issue", f"https://github.com/{REPO}/issues/12")
    assert card.title == "#12 Login fails"
    assert "Card created" in first.error


def test_an_issue_without_the_label_or_without_automation_makes_no_card(process, connection):
    process("issues", _issue(labels=("question",)))
    connection.automation = {}
    connection.save()
    process("issues", _issue(number=13))

    assert not Card.objects.exists()


def test_a_linked_card_follows_its_pull_request_forward_and_never_back(process, columns):
    process("issues", _issue())

    process("pull_request", _pull())
    assert _card().column == columns["In progress"]

    process("pull_request", _pull(action="review_requested", updated="2026-02-02T01:00:00Z"))
    assert _card().column == columns["Review"]

    process("pull_request", _pull(action="closed", merged=True, updated="2026-02-03T00:00:00Z"))
    assert _card().column == columns["Merged"]

    # A late or replayed "opened" does not drag the card back.
    process("pull_request", _pull(updated="2026-02-02T00:00:00Z"))
    assert _card().column == columns["Merged"]

    process("issues", _issue(action="closed", state="closed", updated="2026-02-04T00:00:00Z"))
    card = _card()
    assert card.column == columns["Done"]
    assert card.done_at is not None


def test_a_card_of_the_pull_request_itself_moves_on_a_submitted_review(process, board, columns):
    pull_number = examples("pull_request_review")[0]["pull_request"]["number"]
    card_create(board=board, title="PR", by=None, source_kind="github_pull", source_id=f"{REPO}#{pull_number}")

    process("pull_request_review", examples("pull_request_review")[0])

    assert _card(f"{REPO}#{pull_number}").column == columns["Review"]


def test_a_full_column_leaves_the_card_where_it_is_and_the_delivery_says_so(process, board, columns):
    process("issues", _issue())
    Column.objects.filter(pk=columns["In progress"].pk).update(wip_limit=1, wip_mode="hard")
    card_create(board=board, title="Busy", by=None, column=columns["In progress"])

    delivery = process("pull_request", _pull())

    assert _card().column == columns["Triage"]
    assert delivery.status == "processed"
    assert "not moved" in delivery.error and "WIP limit" in delivery.error


def test_an_owner_sets_the_automation_on_the_page(client_in, team, board, columns):
    connection = ConnectionFactory(team=team)
    url = reverse("github-webhooks:automation", kwargs={"team": team.slug, "connection_id": connection.pk})

    response = client_in.post(
        url, {"board": board.pk, "label": "triage", "issue_opened": columns["Triage"].pk, "pr_merged": ""}
    )

    assert response.status_code == 302
    connection.refresh_from_db()
    assert connection.automation == {
        "board": board.pk,
        "label": "triage",
        "columns": {"issue_opened": columns["Triage"].pk},
    }


def test_a_column_of_another_board_is_refused_with_a_message(client_in, team, user, board):
    other = board_create(team=team, name="Other", by=user)
    connection = ConnectionFactory(team=team)
    url = reverse("github-webhooks:automation", kwargs={"team": team.slug, "connection_id": connection.pk})

    response = client_in.post(url, {"board": board.pk, "pr_opened": other.columns.first().pk})

    assert response.status_code == 400
    assert "Pick a column of the chosen board." in response.content.decode()
    connection.refresh_from_db()
    assert connection.automation == {}


@pytest.mark.parametrize("url", ["javascript:alert(1)", "data:text/html,<script>alert(1)</script>", " JaVaScript:x"])
def test_a_link_that_is_not_http_never_reaches_the_card_or_the_issue(process, client_in, board, url):
    payload = _issue()
    payload["issue"]["html_url"] = url
    process("issues", payload)

    card = board.cards.get()
    assert card.source_url == ""
    assert Issue.objects.get(number=12).html_url == ""
    response = client_in.get(f"/t/{board.team.slug}/board/cards/{card.pk}/")
    assert response.status_code == 200
    page = response.content.decode()
    assert "javascript:" not in page.lower() and "data:text" not in page
