"""Who may use each GitHub page and API route (see teams/tests/roles.py for the fields).

Viewers read; members sync, change a repository's schedule and replay deliveries; connecting and
removing repositories, webhook secrets and board automation are the owners'. URL names live in
the constants below, so a renamed namespace is a one-line change.
"""

import uuid

from django.utils import timezone

from fakes.github_server import TOKEN, FakeGitHub
from integrations.models import DependabotAlert, Issue, PullRequest, WebhookDelivery, WorkflowRun
from integrations.tests.factories import ConnectionFactory, RepositoryFactory
from kanban.models import Column
from kanban.tests.factories import make_board
from teams.models import Role
from teams.tests.roles import RoleCase

PAGES = "github"  # the GitHub pages' namespace
WEBHOOKS = "github-webhooks"  # the webhook pages' namespace


def repository(setup) -> dict:
    made = RepositoryFactory.create(team=setup.team, connection=ConnectionFactory(team=setup.team))
    return {"repository": made, "repository_id": made.pk, "pk": made.pk, "connection_id": made.connection_id}


def _row(model, **fields):
    def build(setup) -> dict:
        objects = repository(setup)
        now = timezone.now()
        row = model.objects.create(
            team=setup.team, repository=objects["repository"], created_at=now, updated_at=now, **fields
        )
        return {**objects, "pk": row.pk}

    return build


def delivery(setup) -> dict:
    objects = repository(setup)
    made = WebhookDelivery.objects.create(
        team=setup.team,
        connection_id=objects["connection_id"],
        guid=str(uuid.uuid4()),
        event="ping",
        body=b"{}",
        status=WebhookDelivery.Status.PROCESSED,
    )
    return {**objects, "delivery_id": made.pk, "pk": made.pk}


def board_and_connection(setup) -> dict:
    objects = repository(setup)
    return {**objects, "board_id": make_board(setup.team, by=setup.owner).pk}


def _first_column(board_id: int) -> int:
    return Column.objects.filter(board_id=board_id).order_by("position").values_list("pk", flat=True)[0]


def fake_github(setup) -> dict:
    """A fake GitHub serving octo/app, for connecting it through the page."""
    setup.fixture("settings").GITHUB_SECONDS_BETWEEN_REQUESTS = None
    fake = FakeGitHub().start()
    setup.request.addfinalizer(fake.stop)
    fake.add_repo("octo/app")
    return {"api_url": fake.url}


def _connect_form(objects) -> dict:
    return {
        "repository": "octo/app",
        "auth_kind": "token",
        "token": TOKEN,
        "api_url": objects["api_url"],
        "interval": "15",
    }


PAGE_CASES = [
    RoleCase(f"{PAGES}:index", "GET", Role.VIEWER, build=repository),
    RoleCase(
        f"{PAGES}:index",
        "POST",
        Role.OWNER,
        build=fake_github,
        data=_connect_form,
    ),
    RoleCase(f"{PAGES}:status", "GET", Role.VIEWER, build=repository, htmx=True),
    # Lists what the credentials typed into the connect form can see; stores nothing.
    RoleCase(
        f"{PAGES}:repository-choices",
        "POST",
        Role.OWNER,
        build=fake_github,
        data=_connect_form,
        htmx=True,
        changes=False,
    ),
    # The table poll answers a POST like a GET (no method check); it writes nothing.
    RoleCase(f"{PAGES}:status", "POST", Role.MEMBER, build=repository, htmx=True, changes=False),
    RoleCase(f"{PAGES}:repository-sync", "POST", Role.MEMBER, build=repository),
    RoleCase(
        f"{PAGES}:repository-schedule",
        "POST",
        Role.MEMBER,
        build=repository,
        data=lambda o: {"interval": "60", "window": "90"},
    ),
    RoleCase(f"{PAGES}:repository-remove", "POST", Role.OWNER, build=repository, data=lambda o: {"confirm": "yes"}),
    RoleCase(f"{PAGES}:repository-remove", "POST", Role.OWNER, build=repository, changes=False, label="asks first"),
    RoleCase(f"{PAGES}:alert-cards", "GET", Role.VIEWER, build=board_and_connection),
    RoleCase(
        f"{PAGES}:alert-cards",
        "POST",
        Role.OWNER,
        build=board_and_connection,
        data=lambda o: {"board": o["board_id"], "critical": _first_column(o["board_id"])},
    ),
    RoleCase(f"{WEBHOOKS}:index", "GET", Role.VIEWER, build=delivery),
    # The webhooks page answers a POST like a GET (no method check); it writes nothing.
    RoleCase(f"{WEBHOOKS}:index", "POST", Role.MEMBER, build=delivery, changes=False),
    RoleCase(f"{WEBHOOKS}:secret-reveal", "POST", Role.OWNER, build=repository),
    RoleCase(
        f"{WEBHOOKS}:automation",
        "POST",
        Role.OWNER,
        build=board_and_connection,
        data=lambda o: {"board": o["board_id"], "label": "triage"},
    ),
    RoleCase(f"{WEBHOOKS}:delivery-replay", "POST", Role.MEMBER, build=delivery),
]

API_CASES = [
    RoleCase("github-repository-list", "GET", Role.VIEWER, build=repository),
    RoleCase("github-repository-detail", "GET", Role.VIEWER, build=repository),
    RoleCase(
        "github-repository-detail",
        "PATCH",
        Role.MEMBER,
        build=repository,
        data=lambda o: {"sync_interval_minutes": 60},
    ),
    RoleCase("github-repository-sync", "POST", Role.MEMBER, build=repository),
    RoleCase(
        "github-issue-list", "GET", Role.VIEWER, build=_row(Issue, github_id=1, number=1, title="Bug", state="open")
    ),
    RoleCase(
        "github-issue-detail", "GET", Role.VIEWER, build=_row(Issue, github_id=1, number=1, title="Bug", state="open")
    ),
    RoleCase(
        "github-pull-list",
        "GET",
        Role.VIEWER,
        build=_row(PullRequest, github_id=2, number=2, title="Fix", state="open"),
    ),
    RoleCase(
        "github-pull-detail",
        "GET",
        Role.VIEWER,
        build=_row(PullRequest, github_id=2, number=2, title="Fix", state="open"),
    ),
    RoleCase("github-alert-list", "GET", Role.VIEWER, build=_row(DependabotAlert, number=3, state="open")),
    RoleCase("github-alert-detail", "GET", Role.VIEWER, build=_row(DependabotAlert, number=3, state="open")),
    RoleCase("github-run-list", "GET", Role.VIEWER, build=_row(WorkflowRun, github_id=4)),
    RoleCase("github-run-detail", "GET", Role.VIEWER, build=_row(WorkflowRun, github_id=4)),
    RoleCase("github-delivery-list", "GET", Role.VIEWER, build=delivery),
    RoleCase("github-delivery-detail", "GET", Role.VIEWER, build=delivery),
    RoleCase("github-delivery-replay", "POST", Role.MEMBER, build=delivery),
]

CASES = PAGE_CASES + API_CASES
