"""The OpenAPI schema describes every operation without warnings and validates."""

import pytest
from django.core.management import call_command

pytestmark = pytest.mark.production


@pytest.mark.django_db
def test_the_openapi_schema_validates_with_no_warnings(tmp_path):
    target = tmp_path / "schema.yaml"
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(target))
    text = target.read_text()
    for path in ["/api/v1/teams/", "/api/v1/teams/{team}/cards/", "/api/v1/teams/{team}/github/issues/"]:
        assert f"{path}:" in text, path
