"""Dependabot alerts become cards as the team's rule says, once, and close when fixed: by webhook and by sync."""

import pytest
from django.urls import reverse

from fakes.github_server import TOKEN, iso
from integrations.github.sync import repository_sync
from integrations.models import AlertCardRule, DependabotAlert, WebhookDelivery
from integrations.tests.factories import ConnectionFactory, RepositoryFactory
from integrations.tests.webhook_support import (
    connect_repositories,
    examples,
    post_delivery,
    webhook_encryption_key,  # noqa: F401
)
from integrations.webhooks import services as webhook_services
from kanban.models import Card
from kanban.services import board_create

pytestmark = pytest.mark.django_db
REPO = "wolfy1339/pika-pack"


@pytest.fixture
def board(team, user):
    columns = [{"name": "Triage"}, {"name": "Security"}, {"name": "Done", "is_done": True}]
    return board_create(team=team, name="Ops", by=user, columns=columns)


@pytest.fixture
def columns(board):
    return {column.name: column for column in board.columns.all()}


@pytest.fixture
def rule(team, board, columns):
    return AlertCardRule.objects.create(
        team=team, board=board, columns={"critical": columns["Security"].pk, "high": columns["Triage"].pk}
    )


@pytest.fixture
def connection(team):
    return ConnectionFactory(team=team)


@pytest.fixture
def process(client, connection):
    def process(payload, via=None):
        via = via or connection
        connect_repositories(via, [payload])
        response = post_delivery(client, via, "dependabot_alert", payload)
        delivery = WebhookDelivery.objects.get(guid=response.json()["guid"])
        assert webhook_services.delivery_process(delivery_id=delivery.pk).outcome == "processed", delivery.error
        delivery.refresh_from_db()
        return delivery

    return process


def _alert(*, action="created", state="open", severity="high", updated="2026-03-01T00:00:00Z", number=20):
    payload = examples("dependabot_alert")[1]
    payload["action"] = action
    payload["alert"].update(number=number, state=state, updated_at=updated)
    payload["alert"]["security_advisory"]["severity"] = severity
    payload["alert"]["security_vulnerability"]["severity"] = severity
    return payload


def _cards():
    return Card.objects.filter(source_kind="dependabot_alert")


def test_a_high_alert_becomes_one_card_in_its_column_and_moves_to_done_when_fixed(process, rule, columns):
    delivery = process(_alert())
    process(_alert(action="reintroduced", updated="2026-03-01T01:00:00Z"))  # same alert again: no second card

    card = _cards().get()
    assert (card.column, card.priority, card.source_id) == (columns["Triage"], "high", f"{REPO}#20")
    assert card.title == "High Dependabot alert: semver in pika-pack"
    assert "package-lock.json" in card.description and card.source_url.startswith("https://github.com/")
    assert "Card made for alert" in delivery.error

    process(_alert(action="fixed", state="fixed", updated="2026-03-02T00:00:00Z"))
    card.refresh_from_db()
    assert card.column == columns["Done"] and card.done_at is not None and _cards().count() == 1

    process(_alert(action="reopened", state="open", updated="2026-03-03T00:00:00Z"))
    card.refresh_from_db()
    assert card.column == columns["Triage"] and card.done_at is None


def test_a_severity_the_rule_leaves_out_or_no_rule_makes_no_card(process, rule):
    process(_alert(severity="medium"))
    assert not _cards().exists()
    rule.delete()
    process(_alert(severity="critical", number=21, updated="2026-03-01T01:00:00Z"))
    assert not _cards().exists()


def test_a_dismissed_alert_on_a_board_without_a_done_column_archives_its_card(process, team, user):
    plain = board_create(team=team, name="Plain", by=user, columns=[{"name": "Inbox"}])
    AlertCardRule.objects.create(team=team, board=plain, columns={"high": plain.columns.get().pk})
    process(_alert())
    process(_alert(action="dismissed", state="dismissed", updated="2026-03-02T00:00:00Z"))
    assert _cards().get().archived_at is not None


def test_a_fixed_alert_without_a_card_makes_none(process, rule):
    process(_alert(action="fixed", state="fixed"))
    assert not _cards().exists()


@pytest.fixture
def synced(github, team):
    """The repository on the fake GitHub, connected for the sync (and for webhooks through the same connection)."""
    fake = github.add_repo(REPO)
    connection = ConnectionFactory(team=team, api_url=github.url, token=TOKEN)
    owner, name = REPO.split("/")
    repository = RepositoryFactory(
        team=team, connection=connection, owner=owner, name=name, full_name=REPO, github_id=None
    )
    return fake, repository


def test_the_sync_makes_the_cards_once_and_closes_them_when_the_alert_is_fixed(github, synced, rule, columns):
    fake, repository = synced
    critical = github.add_alert(fake, severity="critical")
    github.add_alert(fake, severity="low")
    github.add_alert(fake, severity="high", state="fixed")

    repository_sync(repository=repository, full=True)
    card = _cards().get()
    assert (card.column, card.priority, card.source_id) == (columns["Security"], "urgent", f"{REPO}#1")
    repository_sync(repository=repository, full=True)
    assert _cards().count() == 1

    critical.update(state="fixed", fixed_at=iso(github.tick()), updated_at=iso(github.tick()))
    repository_sync(repository=repository)
    card.refresh_from_db()
    assert card.column == columns["Done"]
    assert DependabotAlert.objects.get(repository=repository, number=1).state == "fixed"


def test_the_webhook_finds_the_card_the_sync_made_and_closes_it(github, synced, rule, columns, process):
    fake, repository = synced
    github.add_alert(fake, severity="high")
    repository_sync(repository=repository, full=True)

    process(_alert(number=1, action="reopened", updated="2030-01-01T00:00:00Z"), via=repository.connection)
    assert _cards().count() == 1
    process(_alert(number=1, action="fixed", state="fixed", updated="2030-01-02T00:00:00Z"), via=repository.connection)
    assert _cards().get().column == columns["Done"]


def test_an_owner_turns_alert_cards_on_and_open_alerts_get_cards_at_once(client_in, team, board, columns):
    repository = RepositoryFactory(team=team, connection=ConnectionFactory(team=team), full_name="octo/app")
    for number, severity in enumerate(["critical", "high", "low"], start=1):
        DependabotAlert.objects.create(
            team=team,
            repository=repository,
            number=number,
            state="open",
            severity=severity,
            package=f"p{number}",
            created_at="2026-01-01T00:00Z",
            updated_at="2026-01-01T00:00Z",
        )
    url = reverse("github:alert-cards", kwargs={"team": team.slug})

    response = client_in.post(url, {"board": board.pk, "critical": columns["Security"].pk, "high": ""}, follow=True)

    assert "1 card(s) made for open alerts" in response.content.decode()
    assert "Critical: a card in Security" in response.content.decode()
    assert list(_cards().values_list("source_id", flat=True)) == ["octo/app#1"]
    assert AlertCardRule.objects.get(team=team).columns == {"critical": columns["Security"].pk}

    client_in.post(url, {"board": ""})
    assert not AlertCardRule.objects.exists()
    assert "Alert cards are off" in client_in.get(url).content.decode()


def test_a_column_of_another_board_or_no_column_at_all_is_refused_with_a_message(client_in, team, user, board):
    other = board_create(team=team, name="Other", by=user)
    url = reverse("github:alert-cards", kwargs={"team": team.slug})

    wrong = client_in.post(url, {"board": board.pk, "critical": other.columns.first().pk})
    empty = client_in.post(url, {"board": board.pk})

    assert wrong.status_code == 400 and "Pick a column of the chosen board." in wrong.content.decode()
    assert empty.status_code == 400 and "Pick a column for at least one severity" in empty.content.decode()
    assert not AlertCardRule.objects.exists()
