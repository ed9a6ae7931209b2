"""What every webhook intake checks of a body before storing anything: size, JSON, depth, NUL. No ORM.

Shared by the GitHub webhook endpoint and the Alertmanager intake. orjson already refuses what
JSON does not allow (NaN, Infinity, numbers beyond a double, lone surrogates, invalid UTF-8) and
nesting past 1,024 levels without recursing; a NUL character, which PostgreSQL cannot keep in text
or jsonb, and a shallower depth are checked here, without recursion either.
"""

from __future__ import annotations

import orjson


class BodyRefused(ValueError):
    """The body is not one an intake stores; the message says why, in our words."""


def body_read(request, *, max_bytes: int) -> bytes | None:
    """The raw body, or None when it is larger than `max_bytes` (read no further than that)."""
    try:
        declared = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        declared = 0
    if declared > max_bytes:
        return None
    # The raw stream, not request.body: a large body need not fit DATA_UPLOAD_MAX_MEMORY_SIZE.
    body = request.read(max_bytes + 1)
    return None if len(body) > max_bytes else body


def json_parse(raw: bytes | str, *, max_depth: int = 1024, nul_allowed: bool = True) -> object:
    """Parse a JSON body; BodyRefused when it is not JSON, nests deeper than `max_depth` or (unless allowed) has NUL."""
    try:
        value = orjson.loads(raw)
    except orjson.JSONDecodeError as error:
        raise BodyRefused(f"the body is not JSON ({error.msg})") from None
    if max_depth < 1024 or not nul_allowed:
        _walk(value, max_depth=max_depth, nul_allowed=nul_allowed)
    return value


def _walk(value: object, *, max_depth: int, nul_allowed: bool) -> None:
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict | list):
            if depth > max_depth:
                raise BodyRefused(f"the body nests deeper than {max_depth} levels")
            if isinstance(item, dict):
                if not nul_allowed and any("\x00" in key for key in item):
                    raise BodyRefused("the body carries a NUL character (\\u0000)")
                stack.extend((child, depth + 1) for child in item.values())
            else:
                stack.extend((child, depth + 1) for child in item)
        elif isinstance(item, str) and not nul_allowed and "\x00" in item:
            raise BodyRefused("the body carries a NUL character (\\u0000)")
