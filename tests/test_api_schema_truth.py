"""The schema tells the truth about every API operation.

Schemathesis with every check, not only "no server error": each answer's status, content type,
headers and body must be what the schema documents, what the schema allows must be accepted and
what it forbids refused. Requests go through the WSGI app as an owner of the team in the path, with
a board, cards and a GitHub repository present so that id-taking operations reach their logic.
A schema drift (an undocumented answer, a constraint the server does not keep) fails here.
"""

import os

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from django.test import override_settings
from hypothesis import HealthCheck, settings
from schemathesis.checks import positive_data_acceptance

from integrations.tests.factories import RepositoryFactory
from kanban.services import card_create
from kanban.tests.factories import make_board
from notifications.models import Notification
from notifications.services import channel_create
from postmortems.services import action_item_create, postmortem_create, timeline_entry_add
from retros.services import retro_create
from teams.tests.factories import MembershipFactory
from tokens.services import token_create

pytestmark = [pytest.mark.django_db, pytest.mark.sqlite]
# Cases per operation: 25 in `make test`; the SQLite pass asks for fewer (the Makefile), as it repeats them.
EXAMPLES = int(os.environ.get("SCHEMA_TRUTH_EXAMPLES", "25"))

# The application `devopsboard.wsgi` serves, built the same way but without its start-up refusal to serve
# without DJANGO_SECRET_KEY when DEBUG is off (tests/test_deployment.py proves that refusal): importing
# this module must work from a bare shell, where DJANGO_DEBUG is unset. Like the test client (conftest.py)
# it speaks plain http whatever DJANGO_DEBUG says: its middleware reads SECURE_SSL_REDIRECT once, here.
with override_settings(SECURE_SSL_REDIRECT=False):
    application = get_wsgi_application()
schema = schemathesis.openapi.from_wsgi("/api/schema/?format=json", application)
# NUL is refused (a documented 400) in every key and value; the schema says so of each named field
# (a pattern), but OpenAPI 3.0 cannot say it of the keys of unknown properties, which are ignored.
schema.config.generation.update(allow_x00=False)

# Bodies that name other objects (a board id, a member's username, a deployment): a generated value
# names one only by chance, and a well-formed name of nothing is a documented 400 ("Invalid pk", "no
# such user"), which the schema cannot express. Every other check still runs on these operations.
NAMES_OTHER_OBJECTS = {
    ("POST", "/api/v1/teams/{team}/cards/"),
    ("PUT", "/api/v1/teams/{team}/cards/{id}/"),
    ("PATCH", "/api/v1/teams/{team}/cards/{id}/"),
    ("POST", "/api/v1/teams/{team}/cards/{id}/move/"),
    ("POST", "/api/v1/teams/{team}/retros/"),
    ("POST", "/api/v1/teams/{team}/postmortems/"),
    ("PUT", "/api/v1/teams/{team}/postmortems/{id}/"),
    ("PATCH", "/api/v1/teams/{team}/postmortems/{id}/"),
    ("POST", "/api/v1/teams/{team}/postmortems/{pm_id}/action-items/"),
    ("PUT", "/api/v1/teams/{team}/postmortems/{pm_id}/action-items/{id}/"),
    ("PATCH", "/api/v1/teams/{team}/postmortems/{pm_id}/action-items/{id}/"),
    # A channel URL names an outside service that Apprise must understand and the outbound policy allow.
    ("POST", "/api/v1/teams/{team}/channels/"),
    ("PUT", "/api/v1/teams/{team}/channels/{id}/"),
    ("PATCH", "/api/v1/teams/{team}/channels/{id}/"),
}
# A retro's steps depend on its phase and on what was done before (notes only while reflecting, one
# safety answer each, votes for an existing group, one phase at a time): a step the retro's state
# refuses is a documented 409 with `detail` saying why (retros.services.RetroStateError), whatever the body.
STATEFUL = {
    ("POST", f"/api/v1/teams/{{team}}/retros/{{id}}/{step}/")
    for step in ("notes", "phase", "reveal", "safety", "votes", "actions")
}


@pytest.fixture(autouse=True)
def _keep_the_test_connection():
    """Calling the WSGI app directly fires close_old_connections, which would close the test's connection."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def owner(db):
    """An owner of team `fuzz`, its token, and an object of each kind a path can name (by path prefix)."""
    membership = MembershipFactory(team__slug="fuzz", role="owner")
    team, user = membership.team, membership.user
    board = make_board(team, by=user)
    cards = [card_create(board=board, title=f"Card {n}", by=user) for n in range(3)]
    postmortem = postmortem_create(team=team, title="Outage", by=user)
    entry = timeline_entry_add(postmortem=postmortem, at=postmortem.created_at, text="paged", by=user)
    ids = {
        "boards": board.pk,
        "cards": cards[0].pk,
        "github/repositories": RepositoryFactory(connection__team=team).pk,
        "postmortems": postmortem.pk,
        "pm_id": postmortem.pk,
        "postmortems/{pm_id}/timeline": entry.pk,
        "postmortems/{pm_id}/action-items": action_item_create(postmortem=postmortem, description="fix", by=user).pk,
        "retros": retro_create(team=team, title="Sprint 1", by=user).pk,
        "tokens": token_create(user=user, name="another")[0].pk,
        "channels": channel_create(team=team, by=user, name="ops", url="json://127.0.0.1:9/hook").pk,
        "notifications": Notification.objects.create(recipient=user, team=team, event="person.mentioned", path="/").pk,
    }
    return token_create(user=user, name="fuzz")[1], ids


def _name_real_objects(case, ids) -> None:
    """The team in the path is the owner's; an id names an existing object when there is one of its kind,
    so that operations reach their logic (a missing id's 404 is the same answer as a stranger's team)."""
    if "team" in (case.path_parameters or {}):
        case.path_parameters["team"] = "fuzz"
    # A negative case's id may be the invalid part (a string, a fraction): it stays as generated.
    if isinstance((case.path_parameters or {}).get("pm_id"), int):
        case.path_parameters["pm_id"] = ids["pm_id"]
    if isinstance((case.path_parameters or {}).get("id"), int):
        prefix = case.path.split("{team}/")[-1].removeprefix("/api/v1/").split("/{id}")[0]
        case.path_parameters["id"] = ids.get(prefix, case.path_parameters["id"])


@schema.parametrize()
@settings(max_examples=EXAMPLES, derandomize=True, deadline=None, suppress_health_check=list(HealthCheck))
def test_every_answer_is_one_the_schema_documents(case, owner):
    key, ids = owner
    _name_real_objects(case, ids)
    excluded = [positive_data_acceptance] if (case.method, case.path) in NAMES_OTHER_OBJECTS | STATEFUL else []
    case.call_and_validate(headers={"Authorization": f"Token {key}"}, excluded_checks=excluded)
