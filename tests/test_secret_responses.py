"""A page that shows a secret is never stored by a browser or a proxy cache."""

import pytest

from integrations.models import Connection

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("htmx", [True, False])
def test_the_webhook_secret_reveal_is_not_stored_by_any_cache(client_in, team, htmx):
    connection = Connection.objects.create(team=team, token="t0ken", webhook_secret="shh-its-a-secret")
    headers = {"HX-Request": "true"} if htmx else {}

    response = client_in.post(f"/t/{team.slug}/github/webhooks/{connection.pk}/secret/", headers=headers)

    assert response.status_code == 200
    assert "shh-its-a-secret" in response.content.decode()
    assert "no-store" in response["Cache-Control"]
