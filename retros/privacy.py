"""Who wrote an anonymous note, known only to the writer's browser.

Before the reveal a person must see their own notes and nobody else's. In an anonymous retro
the server may not store the author, so the browser holds a random secret in a cookie (never
stored on the server: not in the session table, not in a log) and each note stores
HMAC(secret, retro id + note id). To list "my notes" the server recomputes the tag of each
private note with the cookie it was sent; without that cookie nobody (a database dump, an
administrator, the server itself) can tell whose note it is. The tag is per note, so two notes
of one writer do not even share a value, and the reveal erases the tags.

The same secret keys the per-group vote cap (HMAC(secret, group id)): the dots one person put
on one group share a tag, dots on different groups do not, and the tags are erased when the
vote phase ends. A person who clears the cookie loses sight of unrevealed drafts (they are
still revealed) and could exceed the per-group cap; the overall budget is held by the server.
"""

import hashlib
import hmac
import secrets
from collections.abc import Callable
from typing import Any

import structlog
from django.http import HttpRequest
from django.http.response import HttpResponseBase
from django.urls import Resolver404, resolve

COOKIE_NAME = "retro_key"
COOKIE_MAX_AGE = 60 * 60 * 24 * 30


def browser_secret(request: HttpRequest) -> tuple[str, bool]:
    """The secret this browser sent, or a fresh one; and whether it is fresh (to be set)."""
    value = request.COOKIES.get(COOKIE_NAME, "")
    if len(value) == 64 and all(c in "0123456789abcdef" for c in value):
        return value, False
    return secrets.token_hex(32), True


def remember_secret(response: HttpResponseBase, request: HttpRequest, secret: str, *, fresh: bool) -> None:
    """Give the browser its secret (only when it is new), readable by no script."""
    if fresh:
        response.set_cookie(
            COOKIE_NAME,
            secret,
            max_age=COOKIE_MAX_AGE,
            httponly=True,
            samesite="Lax",
            secure=request.is_secure(),
        )


def owner_tag(secret: str, *parts: object) -> str:
    """The tag linking an item to whoever holds `secret`, and to nobody else."""
    message = ":".join(str(p) for p in parts).encode()
    return hmac.new(bytes.fromhex(secret), message, hashlib.sha256).hexdigest()


def unlogged_author(view: Callable[..., Any]) -> Callable[..., Any]:
    """Mark a view (or an API action) that takes contributions: its request log lines carry no user id."""
    view.anonymous_contribution = True  # type: ignore[attr-defined]
    return view


def takes_contributions(request: HttpRequest) -> bool:
    """Whether `request` goes to a view marked with `unlogged_author`."""
    try:
        func = resolve(request.path_info).func
    except Resolver404:
        return False
    if getattr(func, "anonymous_contribution", False):
        return True
    viewset, actions = getattr(func, "cls", None), getattr(func, "actions", None) or {}
    handler = getattr(viewset, actions.get((request.method or "").lower(), ""), None) if viewset else None
    return bool(getattr(handler, "anonymous_contribution", False))


def forget_user_in_request_log(sender: object, request: HttpRequest, **kwargs: Any) -> None:
    """django-structlog binds `user_id` to request_started and request_finished: not for contributions.

    Connected in RetrosConfig.ready to the signals django-structlog sends just before it logs.
    """
    if takes_contributions(request):
        structlog.contextvars.unbind_contextvars("user_id")
