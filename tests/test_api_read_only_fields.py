"""A write body that names a read-only field is a 400 naming it, never silently ignored (issue 22)."""

import contextlib
import importlib

import pytest
from rest_framework import serializers

from core.serializers import ReadOnlyRefusedMixin
from postmortems.services import postmortem_create

# Shapes only ever answered, never parsed from a request.
ANSWER_ONLY = {"core.api.ApiErrorSerializer"}
OUR_APPS = {
    "devopsboard",
    "core",
    "teams",
    "tokens",
    "kanban",
    "postmortems",
    "retros",
    "integrations",
    "dashboard",
    "notifications",
}


def _subclasses(cls):
    for sub in cls.__subclasses__():
        yield sub
        yield from _subclasses(sub)


def test_every_serializer_of_our_apis_refuses_read_only_fields():
    for app in OUR_APPS:
        for module in ("api", "github.api", "webhooks.api"):
            with contextlib.suppress(ModuleNotFoundError):
                importlib.import_module(f"{app}.{module}")
    lacking = sorted(
        name
        for cls in set(_subclasses(serializers.Serializer))
        if (name := f"{cls.__module__}.{cls.__qualname__}").split(".")[0] in OUR_APPS
        and ".tests" not in cls.__module__
        and name not in ANSWER_ONLY
        and not issubclass(cls, ReadOnlyRefusedMixin)
    )
    assert lacking == []


def test_a_patch_with_action_items_is_refused_naming_them(api_client, team, user):
    pm = postmortem_create(team=team, title="Outage", by=user)
    response = api_client.patch(
        f"/api/v1/teams/{team.slug}/postmortems/{pm.pk}/",
        {"summary": "new", "action_items": [{"description": "add retries"}], "status": "published"},
        format="json",
    )
    assert response.status_code == 400
    assert {"detail", "action_items", "status"} <= set(response.json())
    pm.refresh_from_db()
    assert (pm.summary, pm.status, pm.action_items.count()) == ("", "draft", 0)


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        ("retros/", {"title": "Sprint", "phase": "summary"}, "phase"),
        ("", {"name": "Renamed", "slug": "renamed"}, "slug"),
    ],
)
def test_a_create_naming_a_read_only_field_is_refused(api_client, team, path, body, field):
    url = f"/api/v1/teams/{team.slug}/{path}" if path else "/api/v1/teams/"
    response = api_client.post(url, body, format="json")
    assert response.status_code == 400 and field in response.json()


def test_every_operation_documents_the_400_a_nul_in_its_query_string_gets(api_client, team):
    schema = api_client.get("/api/schema/?format=json").json()
    lacking = [
        f"{method.upper()} {path}"
        for path, operations in schema["paths"].items()
        for method, operation in operations.items()
        if "400" not in operation["responses"]
    ]
    assert lacking == []
    response = api_client.get(f"/api/v1/teams/{team.slug}/boards/?x=%00")
    assert response.status_code == 400 and "NUL" in response.json()["detail"]
