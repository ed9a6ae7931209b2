import pytest
from rest_framework.test import APIClient

from teams.api import TeamViewSet

pytestmark = [pytest.mark.django_db, pytest.mark.production]


@pytest.mark.parametrize("debug", [True, False])
def test_an_unexpected_api_error_is_a_json_500_with_debug_on_or_off(settings, monkeypatch, user, debug):
    settings.DEBUG = debug

    def explode(self):
        raise RuntimeError("boom")

    monkeypatch.setattr(TeamViewSet, "get_queryset", explode)
    api = APIClient(raise_request_exception=False)
    api.force_authenticate(user)

    response = api.get("/api/v1/teams/", HTTP_ACCEPT="*/*")

    assert response.status_code == 500
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"detail": "Something went wrong on our side; it has been logged."}
