"""Roles as a matrix: every team route × anonymous / outsider / viewer / member / owner, with real objects.

An anonymous visitor is sent to log in (pages) or refused (API), an outsider gets 404, a role
below the route's `min_role` 403, and none of them changes anything; `min_role` and above succeed
(and a write changes something). The cases come from every app's `tests/role_cases.py` (see
`teams/tests/roles.py`); a route without one fails here.

Every case runs with DEBUG off and on: `make run` serves with DJANGO_DEBUG=1, where the app's own
error pages stand in for Django's, and a refusal must still be the same 403/404, never a 500.
"""

import pytest
from django.db import transaction

from teams.models import ROLE_RANK, Role
from teams.tests.factories import TeamFactory
from teams.tests.roles import (
    WRITE_METHODS,
    Setup,
    changed_tables,
    collect_cases,
    member,
    send,
    snapshot,
    team_routes,
)

pytestmark = pytest.mark.django_db

CASES = collect_cases()
ROLES = ("anonymous", "outsider", Role.VIEWER, Role.MEMBER, Role.OWNER)


def _params(case):
    for debug in (False, True):
        marks = [pytest.mark.xfail(strict=True, reason=case.pending)] if case.pending else []
        if case.method == "GET" and not debug:  # every page and API read, rendered once more by the production pass
            marks.append(pytest.mark.production)
        yield pytest.param(case, debug, id=f"{case.id}-debug-{'on' if debug else 'off'}", marks=marks)


def expected(case, role: str, url: str) -> str:
    if role == "anonymous":  # pages send to the login form, the API answers 401/403 without a session
        return "401/403" if url.startswith("/api/") else "302"
    if role == "outsider":
        return "404"
    if ROLE_RANK[Role(role)] < ROLE_RANK[Role(case.min_role)]:
        return "403"
    return "success"


def _actors(team):
    actors = {"anonymous": None, "outsider": member()}  # outsider: owner of another team
    for role in (Role.VIEWER, Role.MEMBER, Role.OWNER):
        actors[role] = member(team, role)
    return actors


def _check(client, case, role, actor, url, data) -> str | None:
    """Make the request as `actor` and return what went wrong, if anything."""
    before = snapshot()
    client.logout()
    if actor is not None:
        client.force_login(actor)
    response = send(client, case, url, data)
    changed = changed_tables(before, snapshot())
    want = expected(case, role, url)
    got = response.status_code
    if want != "success":
        if str(got) not in want.split("/"):
            return f"{role}: expected {want}, got {got}"
        if want == "302" and not response["Location"].startswith("/accounts/login/"):
            return f"{role}: sent to {response['Location']}, not to the login form"
        if changed:
            return f"{role}: refused with {got} but changed {', '.join(changed)}"
        return None
    if got not in case.success:
        return f"{role}: expected one of {case.success}, got {got}: {response.content[:300]!r}"
    if case.must_change and not changed:
        return f"{role}: answered {got} but changed nothing"
    if not case.must_change and changed:
        return f"{role}: answered {got} and changed {', '.join(changed)}, which it should not"
    return None


@pytest.mark.parametrize(("case", "debug"), [param for case in CASES for param in _params(case)])
def test_each_role_gets_exactly_what_the_route_allows(case, debug, client, request, settings):
    settings.DEBUG, settings.DEBUG_PAGES = debug, False
    team = TeamFactory()
    owner = member(team)
    objects = case.build(Setup(team=team, owner=owner, request=request))
    url = case.url(team.slug, objects)
    data = case.data(objects)
    actors = _actors(team)
    problems = []
    for role in ROLES:
        # Each role starts from the same objects: its request is rolled back after the check.
        with transaction.atomic():
            problem = _check(client, case, role, actors[role], url, data)
            transaction.set_rollback(True)
        if problem:
            problems.append(problem)
    assert not problems, f"{case.id} ({url}):\n" + "\n".join(problems)


def test_every_team_route_and_api_method_has_a_role_case():
    declared = {(case.route, case.method) for case in CASES}
    declared_routes = {case.route for case in CASES}
    missing = []
    for route in team_routes():
        if route.name not in declared_routes:
            missing.append(f"{route.name} ({route.pattern})")
        elif route.is_api:
            missing += [
                f"{route.name} {m}" for m in route.methods if m in WRITE_METHODS and (route.name, m) not in declared
            ]
    assert not missing, "Declare these in <app>/tests/role_cases.py:\n" + "\n".join(missing)


def test_every_role_case_names_a_team_route():
    names = {route.name for route in team_routes()}
    assert {case.route for case in CASES} <= names, sorted({case.route for case in CASES} - names)


def _page_routes_without_post_case():
    posted = {case.route for case in CASES if case.method == "POST"}
    first = {}
    for case in CASES:
        first.setdefault(case.route, case)
    return [first[r.name] for r in team_routes() if not r.is_api and r.name in first and r.name not in posted]


@pytest.mark.parametrize("case", _page_routes_without_post_case(), ids=lambda case: case.route)
def test_a_page_without_a_declared_post_refuses_one(case, client, request):
    """Pages write with POST: a page that answers one must declare it, or refuse it with 405."""
    team = TeamFactory()
    owner = member(team)
    objects = case.build(Setup(team=team, owner=owner, request=request))
    client.force_login(owner)
    before = snapshot()
    response = client.post(case.url(team.slug, objects), case.data(objects))
    assert response.status_code == 405, f"{case.route} answers POST with {response.status_code}: declare a POST case"
    assert not changed_tables(before, snapshot())
