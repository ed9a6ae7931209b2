"""A board card shows its linked pull requests and their CI state, from the GitHub data the webhooks and sync keep."""

import pytest
from django.urls import reverse

from integrations.card_annotations import pull_request_annotations
from integrations.github.upserts import pulls_write
from integrations.models import PullRequest, PullRequestReference, WebhookDelivery
from integrations.tests.factories import ConnectionFactory
from integrations.tests.webhook_support import (
    connect_repositories,
    examples,
    post_delivery,
    webhook_encryption_key,  # noqa: F401
)
from integrations.webhooks import services as webhook_services
from kanban.annotations import providers
from kanban.models import Card
from kanban.services import board_create, card_create
from kanban.tests.test_views import BOARD_PAGE_QUERIES

pytestmark = pytest.mark.django_db
REPO = "Codertocat/Hello-World"
HEAD = "ec26c3e57ca3a959ca5aad62de7213c562f8c821"


@pytest.fixture
def board(team, user):
    return board_create(team=team, name="Delivery", by=user, columns=[{"name": "To do"}, {"name": "Done"}])


@pytest.fixture
def connection(team):
    return ConnectionFactory(team=team)


@pytest.fixture
def process(client, connection):
    def process(event, payload):
        connect_repositories(connection, [payload])
        response = post_delivery(client, connection, event, payload)
        delivery = WebhookDelivery.objects.get(guid=response.json()["guid"])
        assert webhook_services.delivery_process(delivery_id=delivery.pk).outcome == "processed", delivery.error
        return delivery

    return process


def _pull(*, body="Fixes #12", action="opened", merged=False, updated="2026-02-02T00:00:00Z"):
    payload = examples("pull_request")[0]
    payload["action"] = action
    payload["pull_request"].update(body=body, updated_at=updated, merged_at="2026-02-03T00:00:00Z" if merged else None)
    if merged:
        payload["pull_request"]["state"] = "closed"
    return payload


def _suite(conclusion):
    payload = examples("check_suite")[0]
    payload["check_suite"].update(head_sha=HEAD, status="completed", conclusion=conclusion)
    return payload


def _issue_card(board, number=12):
    return card_create(
        board=board, title="Login fails", by=None, source_kind="github_issue", source_id=f"{REPO}#{number}"
    )


def _board_page(client, board) -> str:
    response = client.get(reverse("kanban:board", kwargs={"team": board.team.slug, "board_id": board.pk}))
    assert response.status_code == 200
    return response.content.decode()


def _card_page(client, card) -> str:
    response = client.get(reverse("kanban:card", kwargs={"team": card.team.slug, "card_id": card.pk}))
    assert response.status_code == 200
    return response.content.decode()


def test_integrations_registers_its_provider_with_the_board():
    assert pull_request_annotations in providers()


def test_an_issue_card_shows_the_pull_request_that_fixes_it_and_its_ci_state_in_words(process, client_in, board):
    card = _issue_card(board)
    process("pull_request", _pull())
    process("check_suite", _suite("failure"))

    page = _board_page(client_in, board)
    assert f'href="https://github.com/{REPO}/pull/2"' in page
    assert "PR #2 open" in page and "CI failing" in page
    assert "PR #2 open" in _card_page(client_in, card)

    process("check_suite", {**_suite("success"), "action": "rerequested"})
    process("pull_request", _pull(action="closed", merged=True, updated="2026-02-03T00:00:00Z"))
    page = _board_page(client_in, board)
    assert "PR #2 merged" in page and "CI passing" in page and "CI failing" not in page


def test_a_pull_request_that_only_mentions_the_issue_or_fixes_another_repository_is_not_linked(
    process, client_in, board
):
    _issue_card(board)
    process("pull_request", _pull(body="See #12; fixes other/repo#12"))

    assert "PR #2" not in _board_page(client_in, board)
    assert not PullRequestReference.objects.exists()


def test_an_edited_body_that_no_longer_closes_the_issue_unlinks_it_and_a_late_event_does_not_relink(
    process, client_in, board
):
    _issue_card(board)
    process("pull_request", _pull())
    process("pull_request", _pull(action="edited", body="Work in progress", updated="2026-02-02T02:00:00Z"))
    process("pull_request", _pull(updated="2026-02-02T01:00:00Z"))  # late: older than the stored row

    assert "PR #2" not in _board_page(client_in, board)


def test_a_card_made_from_the_pull_request_shows_it(process, client_in, board):
    card_create(board=board, title="PR", by=None, source_kind="github_pull", source_id=f"{REPO}#2")
    process("pull_request", _pull(body=""))

    page = _board_page(client_in, board)
    assert "PR #2 open" in page and "CI " not in page.split("PR #2 open")[1][:60]


def test_the_sync_keeps_which_issues_a_pull_request_closes(board, connection):
    repository = connection.repositories.create(
        team=connection.team, owner="Codertocat", name="Hello-World", full_name=REPO
    )
    item = {**examples("pull_request")[0]["pull_request"], "body": "Closes #12, fixes Codertocat/Hello-World#13"}
    pulls_write(repository, [item])
    assert sorted(PullRequestReference.objects.values_list("issue_number", flat=True)) == [12, 13]

    older = {**item, "body": "", "updated_at": "2000-01-01T00:00:00Z"}
    pulls_write(repository, [older])
    assert PullRequestReference.objects.count() == 2


def _fill(board, repository, n):
    """n issue cards, each closed by one pull request, and n pull request cards."""
    column = board.columns.first()
    Card.objects.bulk_create(
        Card(
            team=board.team,
            board=board,
            column=column,
            position=i,
            title=f"c{i}",
            source_kind=kind,
            source_id=f"{REPO}#{number}",
        )
        for i in range(n)
        for kind, number in (("github_issue", 10_000 + i), ("github_pull", i + 1))
    )
    base = examples("pull_request")[0]["pull_request"]
    items = [{**base, "id": 900_000 + i, "number": i + 1, "body": f"Fixes #{10_000 + i}"} for i in range(n)]
    pulls_write(repository, items)
    PullRequest.objects.update(ci_state="success")


@pytest.mark.parametrize("n", [5, 300])
def test_the_board_page_adds_two_queries_for_linked_pull_requests_whatever_the_cards(
    client_in, board, connection, n, django_assert_num_queries
):
    repository = connection.repositories.create(
        team=connection.team, owner="Codertocat", name="Hello-World", full_name=REPO
    )
    _fill(board, repository, n)
    url = reverse("kanban:board", kwargs={"team": board.team.slug, "board_id": board.pk})
    with django_assert_num_queries(BOARD_PAGE_QUERIES + 2):
        response = client_in.get(url)
    page = response.content.decode()
    shown = page.count('class="board-card ')
    assert shown == min(2 * n, 50) and page.count("CI passing") == shown
