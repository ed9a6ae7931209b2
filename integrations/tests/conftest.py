import pytest

from integrations.tests.github_server import github  # noqa: F401 (the fake GitHub fixture)


@pytest.fixture(autouse=True)
def fast_github_client(settings):
    """No pause between requests and no backoff sleeps against the local fake GitHub."""
    settings.GITHUB_SECONDS_BETWEEN_REQUESTS = None
    settings.GITHUB_RETRY_BACKOFF = 0
