"""What every app's refusal tests check: a page answered a domain refusal with its message, never a 500."""

import json
from html import escape
from typing import Any

from django.http import HttpResponse
from django.test import Client

from core.errors import DomainError


def _texts(client: Client, response: HttpResponse) -> list[str]:
    """Where the person can read the answer: the body, the htmx events, the next page's messages."""
    texts = [response.content.decode()]
    trigger = response.headers.get("HX-Trigger")
    if trigger:
        texts.append(json.dumps(json.loads(trigger), ensure_ascii=False))
    if response.status_code in (301, 302):
        texts.append(client.get(response["Location"], follow=True).content.decode())
    return texts


def assert_refused(client: Client, response: HttpResponse, message: str, *, status: int | None = None) -> None:
    """The answer is not a 500 (nor any 5xx), has `status` when given, and shows `message` to the person."""
    assert response.status_code < 500, f"{response.status_code}: {response.content[:300]!r}"
    if status is not None:
        assert response.status_code == status, f"{response.status_code}, wanted {status}"
    texts = _texts(client, response)
    assert any(message in text or escape(message) in text for text in texts), (
        f"{message!r} is not shown; the answer was {response.status_code}: {texts[0][:500]}"
    )


def post(client: Client, url: str, data: dict, *, htmx: bool, target: str = "") -> Any:
    """POST a page form, as htmx does (`HX-Request`, and `HX-Target` when given) or as a plain browser."""
    headers = {"HX-Request": "true", **({"HX-Target": target} if target else {})} if htmx else {}
    return client.post(url, data, headers=headers)


def domain_errors_of(*packages: str) -> set[type[DomainError]]:
    """Every `DomainError` subclass defined in these packages (its services' refusals)."""
    found: set[type[DomainError]] = set()
    pending = [DomainError]
    while pending:
        for subclass in pending.pop().__subclasses__():
            pending.append(subclass)
            if subclass.__module__.split(".")[0] in packages:
                found.add(subclass)
    return found
