"""The shape the integrations app keeps: the webhook path on public APIs, GitHub reached only by the client."""

import re
from pathlib import Path

import integrations

PACKAGE = Path(integrations.__file__).parent
# `._meta` is Django's documented model metadata API; anything else after a dot and an underscore is private.
PRIVATE_ATTRIBUTE = re.compile(r"\.(?!_meta\b)_[A-Za-z]\w*")
# Connection state and plumbing that Django, psycopg and kombu keep for themselves, though not underscored.
INTERNALS = re.compile(
    r"health_check_(done|enabled)|queries_log|make_(debug_)?cursor|wrap_database_errors|pgconn|prepare_threshold|"
    r"\.Pool\(|execute_wrappers|in_atomic_block"
)


def _sources(folder: str) -> dict[str, str]:
    return {path.name: path.read_text() for path in sorted((PACKAGE / folder).glob("*.py"))}


def test_the_webhook_path_reads_no_private_attribute_of_django_psycopg_celery_or_kombu():
    found = {
        name: PRIVATE_ATTRIBUTE.findall(source) + [match.group(0) for match in INTERNALS.finditer(source)]
        for name, source in _sources("webhooks").items()
    }
    assert {name: names for name, names in found.items() if names} == {}


def test_the_webhook_path_has_one_code_path_for_every_database():
    found = [name for name, source in _sources("webhooks").items() if "vendor" in source or "psycopg" in source]
    assert found == []


def test_only_the_client_talks_to_github():
    talkers = [
        f"{folder}/{name}"
        for folder in ("github", "webhooks")
        for name, source in _sources(folder).items()
        if re.search(r"^(import requests|from requests|import github\b|from github import)|\.requester\b", source, re.M)
    ]
    assert talkers == ["github/client.py"]


def test_the_client_and_the_payload_functions_use_no_orm():
    for name in ("client.py", "payloads.py"):
        source = (PACKAGE / "github" / name).read_text()
        assert "django.db" not in source and "integrations.models" not in source, name
