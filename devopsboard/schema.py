"""The OpenAPI schema's common error answers, added to every operation that can give them.

Each operation's own `extend_schema(responses=...)` documents its success and the refusals only it
knows (a 409 from a rule, a 503); this hook adds the answers every operation of a kind gives, in
the one JSON error shape (`core.api.ApiErrorSerializer`), so none can be forgotten:

- 401 everywhere: every operation needs a token or a session;
- 400 everywhere: an invalid field of a body or a query filter, and a NUL character in any query string;
- 403 on writes: a viewer may read only, some actions need the owner;
- 404 under a team or an object id (not yours, or not there) and on paginated lists (page past the end).

It also states two truths of every operation: an optional query parameter sent empty is ignored
(`allowEmptyValue`: `?status=` lists everything, as django-filter and DRF's paginator read it); and text
is checked for blankness only in requests (`core.api.StrictCharField`'s pattern), while an answer's
text need only be free of NUL, which already admits "" (drf-spectacular's `oneOf` with an empty string
would make "" match twice).
"""

from typing import Any

from core.api import ERROR_MEANINGS, NO_NUL, NOT_BLANK

ERROR_COMPONENT = "ApiError"
# As drf-spectacular writes a validator's pattern: \xNN becomes \u00NN (ECMAScript's spelling).
NO_NUL_ECMA, NOT_BLANK_ECMA = (pattern.replace(r"\x", r"\u00") for pattern in (NO_NUL, NOT_BLANK))
WRITE_METHODS = {"post", "put", "patch", "delete"}


def _statuses(path: str, method: str, operation: dict[str, Any]) -> list[int]:
    query = {parameter["name"] for parameter in operation.get("parameters", []) if parameter["in"] == "query"}
    # 400 everywhere: a NUL in any query string is refused (devopsboard.middleware), whatever the operation.
    statuses = [400, 401]
    if method in WRITE_METHODS:
        statuses.append(403)
    if "{" in path or "page" in query:
        statuses.append(404)
    return statuses


def _error_response(status: int) -> dict[str, Any]:
    return {
        "description": ERROR_MEANINGS[status],
        "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{ERROR_COMPONENT}"}}},
    }


def _text_rules(schema: dict[str, Any], *, request: bool) -> None:
    """One string property: no blank check in answers, and no `oneOf` that lets "" match twice."""
    options = schema.get("oneOf", [])
    if len(options) == 2 and options[0].get("pattern") == NO_NUL_ECMA and options[1].get("maxLength") == 0:
        schema.update(schema.pop("oneOf")[0])
    if not request and schema.get("pattern") == NOT_BLANK_ECMA:
        schema["pattern"] = NO_NUL_ECMA


def _walk(schema: Any, *, request: bool) -> None:
    if isinstance(schema, dict):
        _text_rules(schema, request=request)
        for value in schema.values():
            _walk(value, request=request)
    elif isinstance(schema, list):
        for value in schema:
            _walk(value, request=request)


def document_common_errors(result: dict[str, Any], generator, request, public) -> dict[str, Any]:
    """drf-spectacular postprocessing hook: add the common error answers an operation lacks."""
    assert ERROR_COMPONENT in result["components"]["schemas"], "core.api documents the error shape"
    for name, component in result["components"]["schemas"].items():
        _walk(component, request=name.endswith("Request"))
    for path, operations in result["paths"].items():
        for method, operation in operations.items():
            responses = operation["responses"]
            for status in _statuses(path, method, operation):
                responses.setdefault(str(status), _error_response(status))
            operation["responses"] = dict(sorted(responses.items()))
            for parameter in operation.get("parameters", []):
                if parameter["in"] == "query" and not parameter.get("required"):
                    parameter["allowEmptyValue"] = True
    return result
