"""Check JSON answers against GitHub's official OpenAPI description of its REST API.

The description is npm `@octokit/openapi` (`generated/api.github.com.json`, a dev dependency in
package.json). It is OpenAPI 3.0: schemas are JSON Schema draft 4 plus `nullable`, and point at
each other with `$ref: #/components/schemas/...`. Only the schemas an answer needs are converted
(`nullable: true` becomes "or null") and put in a `referencing` registry, so `jsonschema` resolves
the `$ref`s. The document is read once per process.
"""

from __future__ import annotations

import json
from datetime import datetime
from functools import cache
from urllib.parse import urlparse

from django.conf import settings
from jsonschema import Draft4Validator, FormatChecker
from referencing import Registry
from referencing.jsonschema import DRAFT4

SPEC_PATH = settings.BASE_DIR / "node_modules/@octokit/openapi/generated/api.github.com.json"
# Where the converted component schemas live in the registry; every `$ref` is rewritten to point here.
BASE_URI = "urn:octokit-openapi:api.github.com"
SCHEMAS = "#/components/schemas/"
# Bodies of error answers the description leaves out for an operation (401, 429, 5xx on most
# operations) still have GitHub's one error shape.
BASIC_ERROR = {"$ref": SCHEMAS + "basic-error"}


class UndocumentedAnswer(LookupError):
    """The description has no such operation, status or content type."""


@cache
def spec() -> dict:
    """GitHub's OpenAPI document (13 MB of JSON, parsed once)."""
    if not SPEC_PATH.exists():
        raise FileNotFoundError(f"{SPEC_PATH} is missing: `make assets` installs the npm dev dependencies")
    with SPEC_PATH.open("rb") as file:
        return json.load(file)


def operation(method: str, template: str) -> dict:
    """The operation object of `GET /repos/{owner}/{repo}` and the like."""
    path_item = spec()["paths"].get(template)
    if path_item is None or method.lower() not in path_item:
        raise UndocumentedAnswer(f"GitHub's description has no operation {method} {template}")
    return path_item[method.lower()]


def documented_statuses(method: str, template: str) -> set[int]:
    return {int(status) for status in operation(method, template)["responses"] if status.isdigit()}


def response_media(method: str, template: str, status: int) -> dict[str, dict]:
    """The media types (content type → raw schema) of an answer; empty when it has no body (304)."""
    response = operation(method, template)["responses"].get(str(status))
    if response is None:
        raise UndocumentedAnswer(f"GitHub's description has no {status} answer for {method} {template}")
    while "$ref" in response:
        response = _pointer(response["$ref"])
    return {media: body.get("schema", {}) for media, body in (response.get("content") or {}).items()}


def _pointer(ref: str):
    node = spec()
    for part in ref.removeprefix("#/").split("/"):
        node = node[part.replace("~1", "/").replace("~0", "~")]
    return node


# --- OpenAPI 3.0 schema → JSON Schema ---------------------------------------------------------


def convert(schema, *, strict: bool = False):
    """A JSON Schema (draft 4) equal to an OpenAPI 3.0 schema: `nullable` allows null, `$ref`s absolute.

    `strict` also refuses properties an object's schema does not name (where it says nothing about
    others), so a renamed optional field is caught too: GitHub may add fields, the fake must not
    invent them. Documentation-only keywords (`example`, `x-github-*`, ...) are left: validators ignore them.
    """
    if isinstance(schema, list):
        return [convert(item, strict=strict) for item in schema]
    if not isinstance(schema, dict):
        return schema
    if "$ref" in schema:
        return {"$ref": BASE_URI + schema["$ref"]}
    # A member of an allOf names only part of the properties (the others come from its siblings): not strict.
    converted = {
        key: (value if key in ("properties", "enum", "required") else convert(value, strict=strict and key != "allOf"))
        for key, value in schema.items()
        if key != "nullable"
    }
    if "properties" in schema:
        converted["properties"] = {name: convert(sub, strict=strict) for name, sub in schema["properties"].items()}
        if strict and "additionalProperties" not in schema:
            converted["additionalProperties"] = False
    if schema.get("nullable") is True:
        return _or_null(converted)
    return converted


def _or_null(schema: dict) -> dict:
    if "type" in schema and not any(key in schema for key in ("allOf", "anyOf", "oneOf")):
        types = schema["type"] if isinstance(schema["type"], list) else [schema["type"]]
        nullable = {**schema, "type": [*types, "null"]}
        if "enum" in schema and None not in schema["enum"]:
            nullable["enum"] = [*schema["enum"], None]
        return nullable
    if "type" not in schema and not any(key in schema for key in ("allOf", "anyOf", "oneOf", "enum")):
        return schema  # no constraint on the type: null is already allowed
    return {"anyOf": [schema, {"type": "null"}]}


def _component_names(schema, found: set[str]) -> set[str]:
    """Names of the component schemas `schema` reaches through `$ref`s, transitively."""
    stack = [schema]
    while stack:
        node = stack.pop()
        if isinstance(node, list):
            stack.extend(node)
        elif isinstance(node, dict):
            ref = node.get("$ref")
            if isinstance(ref, str) and ref.startswith(SCHEMAS):
                name = ref.removeprefix(SCHEMAS)
                if name not in found:
                    found.add(name)
                    stack.append(spec()["components"]["schemas"][name])
            else:
                stack.extend(node.values())
    return found


@cache
def _converted_component(name: str, strict: bool) -> dict:
    return convert(spec()["components"]["schemas"][name], strict=strict)


def _registry(schema, *, strict: bool) -> Registry:
    names = sorted(_component_names(schema, set()))
    document = {"components": {"schemas": {name: _converted_component(name, strict) for name in names}}}
    return Registry().with_resource(BASE_URI, DRAFT4.create_resource(document))


# --- validating answers -----------------------------------------------------------------------

FORMATS = FormatChecker(formats=())


@FORMATS.checks("date-time", raises=ValueError)
def _is_date_time(value) -> bool:
    return not isinstance(value, str) or datetime.fromisoformat(value).tzinfo is not None


@FORMATS.checks("uri")
def _is_uri(value) -> bool:
    return not isinstance(value, str) or bool(urlparse(value).scheme)


@cache
def validator(
    method: str, template: str, status: int, media: str = "application/json", *, strict: bool = True
) -> Draft4Validator | None:
    """The validator of one documented answer; None when the answer has no body.

    Statuses ≥ 400 the operation does not list are held to GitHub's `basic-error`.
    """
    try:
        medias = response_media(method, template, status)
    except UndocumentedAnswer:
        if status < 400:
            raise
        medias = {"application/json": BASIC_ERROR}
    if not medias:
        return None
    if media not in medias:
        raise UndocumentedAnswer(f"{method} {template} {status} is documented as {', '.join(medias)}, not {media}")
    schema = convert(medias[media], strict=strict)
    return Draft4Validator(schema, registry=_registry(medias[media], strict=strict), format_checker=FORMATS)


def errors(
    method: str, template: str, status: int, body, *, media: str = "application/json", strict: bool = True
) -> list[str]:
    """What is wrong with an answer's body, one line per mistake (empty when it validates)."""
    checker = validator(method, template, status, media, strict=strict)
    if checker is None:
        return [] if body in (None, b"", "") else [f"{status} has no body in GitHub's description, got one"]
    return [
        f"{'/'.join(str(part) for part in error.absolute_path) or '(body)'}: {error.message}"
        for error in sorted(checker.iter_errors(body), key=lambda e: list(map(str, e.absolute_path)))
    ]


# --- what a field of an answer is, by its description ----------------------------------------------


def field_described(method: str, template: str, status: int, field: str) -> tuple[bool, bool]:
    """(described, required) of a dotted field path in an answer; arrays are stepped through.

    A path is described when some branch (`oneOf`, `anyOf`) names it at every step, and required
    when every branch that names it requires it at every step.
    """
    schemas = list(response_media(method, template, status).values())
    described, required = False, True
    for schema in schemas:
        for found_required in _field_steps(schema, field.split(".")):
            described, required = True, required and found_required
    return described, described and required


def _field_steps(schema, parts: list[str]):
    """For each branch of `schema` naming the path `parts`: whether it is required at every step."""
    while "$ref" in schema:
        schema = _pointer(schema["$ref"])
    if schema.get("type") == "array":
        yield from _field_steps(schema.get("items", {}), parts)
        return
    for key in ("oneOf", "anyOf", "allOf"):
        for branch in schema.get(key, []):
            yield from _field_steps(branch, parts)
    properties = schema.get("properties", {})
    if parts[0] not in properties:
        return
    here = parts[0] in schema.get("required", [])
    if len(parts) == 1:
        yield here
        return
    for deeper in _field_steps(properties[parts[0]], parts[1:]):
        yield here and deeper
