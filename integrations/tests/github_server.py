"""A local fake of GitHub's REST API for tests and benchmarks (filled in below)."""

import pytest
from cryptography.fernet import Fernet


@pytest.fixture(autouse=True)
def field_encryption_key(settings):
    """Secrets are encrypted with a throwaway key (tests run with DEBUG off, so one is required)."""
    settings.FIELD_ENCRYPTION_KEY = [Fernet.generate_key().decode()]
