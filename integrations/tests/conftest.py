import pytest

from fakes.github_server import FakeGitHub


@pytest.fixture
def github():
    """A fake GitHub on 127.0.0.1 with one valid token (`TOKEN`); stopped after the test."""
    fake = FakeGitHub().start()
    yield fake
    fake.stop()
