"""The production build: collectstatic with the manifest storage production serves from."""

import pytest
from django.contrib.staticfiles.storage import staticfiles_storage
from django.core.management import call_command

pytestmark = pytest.mark.production

MANIFEST_STORAGE = {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"}


@pytest.fixture
def production_static(settings, tmp_path):
    settings.DEBUG = False
    settings.STATIC_ROOT = tmp_path
    settings.STORAGES = {**settings.STORAGES, "staticfiles": MANIFEST_STORAGE}
    settings.WHITENOISE_USE_FINDERS = False
    return tmp_path


def test_collectstatic_succeeds_with_production_settings_and_hashes_the_vendored_scripts(production_static):
    call_command("collectstatic", "--noinput", "-v0")

    assert (production_static / "staticfiles.json").exists()
    chart = staticfiles_storage.url("vendor/chart.umd.js")
    assert (
        chart.startswith("/static/vendor/chart.umd.")
        and chart.endswith(".js")
        and chart != "/static/vendor/chart.umd.js"
    )
    assert (production_static / "vendor" / chart.rsplit("/", 1)[1]).exists()
