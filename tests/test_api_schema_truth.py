"""The schema tells the truth about the platform's own operations (teams list/create, tokens).

Schemathesis with every check, not only "no server error": each answer's status, content type,
headers and body must be what the schema documents, and what the schema allows must be accepted.
"""

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, settings

from devopsboard.wsgi import application

pytestmark = pytest.mark.django_db

schema = schemathesis.openapi.from_wsgi("/api/schema/?format=json", application).include(
    path_regex=r"^/api/v1/(teams/$|tokens/)"
)
# NUL is refused (a documented 400) in every key and value; the schema says so of each named field
# (a pattern), but OpenAPI 3.0 cannot say it of the keys of unknown properties, which are ignored.
schema.config.generation.update(allow_x00=False)


@pytest.fixture(autouse=True)
def _keep_the_test_connection():
    """Calling the WSGI app directly fires close_old_connections, which would close the test's connection."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def caller_key(db):
    from teams.tests.factories import MembershipFactory
    from tokens.services import token_create

    membership = MembershipFactory(role="owner")
    token_create(user=membership.user, name="another")
    return token_create(user=membership.user, name="fuzz")[1]


@schema.parametrize()
@settings(max_examples=25, derandomize=True, deadline=None, suppress_health_check=list(HealthCheck))
def test_every_answer_is_one_the_schema_documents(case, caller_key):
    case.call_and_validate(headers={"Authorization": f"Token {caller_key}"})
