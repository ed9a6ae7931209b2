"""GitHub's published GraphQL schema (npm @octokit/graphql-schema) and a strict check of answers against it.

An answer is checked by executing the query it answers with graphql-core, against GitHub's schema,
with resolvers that read only the answer's own data: a field the query asks for that the answer lacks,
a value of the wrong type (Int, Boolean, enum values, non-null, DateTime, URI, GitObjectID) and a key the
query did not ask for all show up as problems.
"""

from __future__ import annotations

import re
from datetime import datetime

from django.conf import settings
from graphql import GraphQLError, GraphQLSchema, build_schema, execute_sync, parse, validate

SCHEMA_PATH = settings.BASE_DIR / "node_modules/@octokit/graphql-schema/schema.graphql"


def _datetime(value):
    if not isinstance(value, str) or not re.fullmatch(
        r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)", value
    ):
        raise GraphQLError(f"DateTime cannot represent {value!r}: not an ISO 8601 time")
    datetime.fromisoformat(value.replace("Z", "+00:00"))
    return value


def _uri(value):
    if not isinstance(value, str) or not re.match(r"https?://", value):
        raise GraphQLError(f"URI cannot represent {value!r}")
    return value


def _git_object_id(value):
    if not isinstance(value, str) or not re.fullmatch(r"[0-9a-f]{40}", value):
        raise GraphQLError(f"GitObjectID cannot represent {value!r}")
    return value


def github_schema() -> GraphQLSchema:
    """Build GitHub's schema (its SDL trips graphql-core's strict checks, so it is taken as valid)."""
    schema = build_schema(SCHEMA_PATH.read_text(), assume_valid=True, assume_valid_sdl=True)
    # Custom scalars built from SDL accept anything: hold the ones in our answers to their documented form.
    for name, coerce in {"DateTime": _datetime, "URI": _uri, "GitObjectID": _git_object_id}.items():
        schema.type_map[name].coerce_output_value = coerce  # type: ignore[attr-defined]
    return schema


def query_errors(schema: GraphQLSchema, query: str) -> list[str]:
    return [error.message for error in validate(schema, parse(query))]


def _resolve(source, info, **arguments):
    key = info.path.key
    if not isinstance(source, dict) or key not in source:
        path = ".".join(str(part) for part in info.path.as_list())
        raise GraphQLError(f"the answer has no {path}")
    return source[key]


def _resolve_type(value, info, abstract_type):
    if isinstance(value, dict) and "__typename" in value:
        return value["__typename"]
    return info.schema.get_possible_types(abstract_type)[0].name


def answer_errors(schema: GraphQLSchema, query: str, variables: dict, answer: dict) -> list[str]:
    """What is wrong with `answer` (a `{"data": ...}` body) as GitHub's answer to `query`; [] when nothing."""
    data = answer.get("data")
    result = execute_sync(
        schema,
        parse(query),
        root_value=data,
        variable_values=variables,
        field_resolver=_resolve,
        type_resolver=_resolve_type,
    )
    problems = [f"{error.message} (at {'.'.join(map(str, error.path or []))})" for error in result.errors or []]
    if not problems and result.data != data:
        problems.append("the answer carries fields the query did not ask for")
    return problems
