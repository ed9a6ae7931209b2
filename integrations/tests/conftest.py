import pytest

from fakes.github_server import FakeGitHub


@pytest.fixture(autouse=True)
def fast_github_client(settings):
    """No pause between requests and no backoff sleeps against the local fake GitHub."""
    settings.GITHUB_SECONDS_BETWEEN_REQUESTS = None
    settings.GITHUB_RETRY_BACKOFF = 0


@pytest.fixture
def github():
    """A fake GitHub on 127.0.0.1 with one valid token (`TOKEN`); stopped after the test."""
    fake = FakeGitHub().start()
    yield fake
    fake.stop()
