"""Property-based API test: generated requests to every operation never get a 500.

Schemathesis generates requests from our own OpenAPI schema and sends them through the
WSGI app, authenticated as an owner of the team in the path, with a card, a board and a
GitHub repository present so that id-taking operations reach their logic.
"""

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error

from devopsboard.wsgi import application

pytestmark = [pytest.mark.django_db, pytest.mark.sqlite]


# Generating the schema reads no data: it is built from the URLconf and serializers.
schema = schemathesis.openapi.from_wsgi("/api/schema/?format=json", application)


@pytest.fixture(autouse=True)
def _keep_the_test_connection():
    """Calling the WSGI app directly fires Django's close_old_connections, which would close the
    connection holding the test's transaction (PostgreSQL); Django's test client unhooks it too."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def owner_token(db):
    from integrations.tests.factories import RepositoryFactory
    from kanban.services import card_create
    from kanban.tests.factories import make_board
    from teams.tests.factories import MembershipFactory
    from tokens.services import token_create

    membership = MembershipFactory(team__slug="fuzz", role="owner")
    board = make_board(membership.team, by=membership.user)
    for n in range(3):
        card_create(board=board, title=f"Card {n}", by=membership.user)
    RepositoryFactory(connection__team=membership.team)
    return token_create(user=membership.user, name="fuzz")[1]


@schema.parametrize()
@settings(
    max_examples=25,
    derandomize=True,
    deadline=None,
    suppress_health_check=list(HealthCheck),
)
def test_no_generated_request_gets_a_server_error(case, owner_token):
    if "team" in (case.path_parameters or {}):
        case.path_parameters["team"] = "fuzz"
    response = case.call(headers={"Authorization": f"Token {owner_token}"})
    case.validate_response(response, checks=[not_a_server_error])
