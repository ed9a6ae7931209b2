"""The role matrix's vocabulary: what a route case declares, where cases come from, which routes need one.

Each app declares its cases in `<app>/tests/role_cases.py` as `CASES: list[RoleCase]`; the
central tests (`teams/tests/test_role_matrix.py`, `teams/tests/test_access.py`) collect them
over INSTALLED_APPS and fail when a route under `/t/<team>/` or `/api/v1/teams/<team>/` has none.
"""

import importlib
import importlib.util
import itertools
import json
import re
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.apps import apps
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import connection
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from teams.models import AuditEvent, Role, Team
from teams.tests.factories import MembershipFactory, TeamFactory

WRITE_METHODS = ("POST", "PUT", "PATCH", "DELETE")
_serial = itertools.count()


@dataclass(frozen=True)
class Setup:
    """What a case's `build` gets: the team, one of its owners, and pytest's fixtures."""

    team: Team
    owner: Any
    request: Any  # pytest.FixtureRequest

    def fixture(self, name: str) -> Any:
        """A pytest fixture by name (`settings`, ...), torn down after the test."""
        return self.request.getfixturevalue(name)


def no_objects(setup: Setup) -> dict[str, Any]:
    """The builder of a route that takes no id."""
    return {}


@dataclass(frozen=True)
class RoleCase:
    """One request to one route, and the lowest role that may make it.

    - `route`: the URL name, as `reverse()` takes it ("kanban:card-edit", "card-detail").
    - `method`: "GET", "POST", "PUT", "PATCH" or "DELETE".
    - `min_role`: the lowest role that succeeds; lower roles get 403, non-members 404.
    - `build(setup) -> dict`: creates real objects in `setup.team` (as `setup.owner`, one of its
      owners) and returns them by name; the names the route's path takes (`board_id`, `pk` ...)
      fill the URL, the rest are for `data`.
    - `data(objects) -> dict`: the request body (form fields for pages, JSON for the API).
    - `htmx`: send `HX-Request: true`, as the page's htmx attributes do.
    - `success`: the statuses that count as success for `min_role` and above.
    - `changes`: whether success must change the database (a write that answers 200 and
      writes nothing is caught); refusals must never change it.
    - `label`: tells apart several cases of one route and method in test ids.
    - `pending`: a known gap (name the issue); the case must fail until it is fixed (strict xfail).
    - `path_ids`: False when the route's path parameters name a view of the team (a panel, a
      kind of list) rather than one of its objects; the foreign-id test then leaves it out.
    """

    route: str
    method: str
    min_role: str
    build: Callable[[Setup], dict[str, Any]] = no_objects
    data: Callable[[dict[str, Any]], dict[str, Any]] = field(default=lambda objects: {})
    htmx: bool = False
    success: tuple[int, ...] = (200, 201, 202, 204, 302)
    changes: bool | None = None
    label: str = ""
    pending: str = ""
    path_ids: bool = True

    def __post_init__(self):
        if self.method not in ("GET", *WRITE_METHODS):
            raise ValueError(f"{self.route}: unknown method {self.method}")
        Role(self.min_role)

    @property
    def id(self) -> str:
        return f"{self.route} {self.method}" + (f" {self.label}" if self.label else "")

    @property
    def must_change(self) -> bool:
        return self.method != "GET" if self.changes is None else self.changes

    def url(self, team_slug: str, objects: dict[str, Any]) -> str:
        names = route_kwarg_names(self.route)
        missing = names - set(objects)
        if missing:
            raise AssertionError(f"{self.id}: build() returned no {', '.join(sorted(missing))}")
        return reverse(self.route, kwargs={"team": team_slug, **{name: objects[name] for name in names}})


def _app_cases(app_name: str) -> list[RoleCase]:
    module_name = f"{app_name}.tests.role_cases"
    try:
        found = importlib.util.find_spec(module_name) is not None
    except ModuleNotFoundError:
        found = False
    return list(importlib.import_module(module_name).CASES) if found else []


def collect_cases() -> list[RoleCase]:
    """Every app's `tests/role_cases.py` CASES, in INSTALLED_APPS order."""
    cases = []
    for config in apps.get_app_configs():
        cases.extend(_app_cases(config.name))
    return cases


@dataclass(frozen=True)
class TeamRoute:
    name: str
    pattern: str
    methods: tuple[str, ...] | None  # the API's methods (from the viewset); None for a page: any method may answer
    kwargs: frozenset[str]

    @property
    def is_api(self) -> bool:
        return self.methods is not None


PAGE_PREFIX = "t/<slug:team>/"
API_PREFIX = "api/v1/^teams/(?P<team>"


def _walk(resolver, prefix="", namespace="") -> Iterator[tuple[str, str, URLPattern]]:
    for entry in resolver.url_patterns:
        pattern = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            yield from _walk(entry, pattern, namespace + (f"{entry.namespace}:" if entry.namespace else ""))
        elif isinstance(entry, URLPattern):
            yield pattern, namespace + (entry.name or ""), entry


def team_routes() -> list[TeamRoute]:
    """Every named route under /t/<team>/ and /api/v1/teams/<team>/ (format-suffix twins folded)."""
    routes: dict[str, TeamRoute] = {}
    for pattern, name, entry in _walk(get_resolver()):
        if not (pattern.startswith(PAGE_PREFIX) or pattern.startswith(API_PREFIX)):
            continue
        assert entry.name, f"route {pattern} has no name, so no case can declare it"
        actions = getattr(entry.callback, "actions", None)
        methods = tuple(sorted(m.upper() for m in actions)) if actions else None
        kwargs = frozenset(set(entry.pattern.regex.groupindex) | set(re.findall(r"<(?:\w+:)?(\w+)>", pattern)))
        kwargs = kwargs - {"team", "format"}
        routes.setdefault(name, TeamRoute(name, pattern, methods, frozenset(kwargs)))
    return sorted(routes.values(), key=lambda r: r.name)


def route_kwarg_names(name: str) -> frozenset[str]:
    for route in team_routes():
        if route.name == name:
            return route.kwargs
    raise AssertionError(f"no team route is named {name!r}")


def _project_models():
    base = Path(settings.BASE_DIR).resolve()
    # The virtualenv may live inside the project (`make` creates .venv there): its packages are not ours.
    environment = Path(sys.prefix).resolve()
    for config in apps.get_app_configs():
        path = Path(config.path).resolve()
        if path.is_relative_to(base) and not path.is_relative_to(environment):
            yield from config.get_models(include_auto_created=True)


def snapshot() -> dict[str, object]:
    """Every row of the project's own models, to prove a refused request changed nothing.

    Audit lines of refusals (`access.denied`) are left out: recording a refusal is the point. On PostgreSQL
    the rows are compared by a digest of each table's rows, read in one query (a row-by-row read of every
    table, twice per request, was most of the role matrix's time); elsewhere the rows themselves.
    """
    models = list(_project_models())
    if connection.vendor == "postgresql":
        return _table_digests(models)
    state: dict[str, object] = {}
    for model in models:
        rows = model._default_manager.order_by("pk")
        if model is AuditEvent:
            rows = rows.exclude(action="access.denied")
        state[model._meta.label] = [
            tuple(bytes(v) if isinstance(v, memoryview) else v for v in row) for row in rows.values_list()
        ]
    return state


def _table_digests(models) -> dict[str, object]:
    """{label: (row count, md5 of the rows as text, sorted)} for each model's table, in one query."""
    quote = connection.ops.quote_name
    digest = "count(*), md5(coalesce(string_agg(t::text, '|' ORDER BY t::text), ''))"
    selects, labels = [], []
    for model in models:
        where = " WHERE t.action <> 'access.denied'" if model is AuditEvent else ""
        table = quote(model._meta.db_table)  # our own models' tables, quoted: no input reaches this query
        selects.append(f"SELECT %s, {digest} FROM {table} t{where}")  # noqa: S608
        labels.append(model._meta.label)
    with connection.cursor() as cursor:
        cursor.execute(" UNION ALL ".join(selects), labels)
        return {label: (count, digest) for label, count, digest in cursor.fetchall()}


def changed_tables(before: dict, after: dict) -> list[str]:
    return sorted(label for label in before if before[label] != after.get(label))


def member(team=None, role=Role.OWNER):
    """A user with a membership; logged in with force_login, so no password (hashing one takes a second)."""
    user = get_user_model().objects.create(username=f"{role}-{next(_serial)}")
    MembershipFactory(team=team or TeamFactory(), user=user, role=role)
    return user


def send(client, case, url: str, data: dict):
    """Make the case's request the way its page or API client does."""
    headers = {"HX-Request": "true"} if case.htmx else {}
    if url.startswith("/api/"):
        if case.method == "GET":
            return client.get(url, data, headers=headers)
        return client.generic(case.method, url, json.dumps(data), content_type="application/json", headers=headers)
    if case.method == "GET":
        return client.get(url, data, headers=headers)
    if case.method == "POST":
        return client.post(url, data, headers=headers)
    return client.generic(case.method, url, headers=headers)
