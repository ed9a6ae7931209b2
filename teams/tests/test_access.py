"""Team scoping: a non-member sees every team route exactly as a missing object, and no route
reaches another team's objects by id. The objects are real (built by each app's role cases,
see teams/tests/roles.py), so a route that skips the team check answers something else than 404.
"""

import re

import pytest

from teams.models import AuditEvent
from teams.tests.factories import TeamFactory
from teams.tests.roles import Setup, changed_tables, collect_cases, member, send, snapshot, team_routes

pytestmark = pytest.mark.django_db

CASES = collect_cases()


def _one_case_per_route():
    first = {}
    for case in CASES:
        first.setdefault(case.route, case)
    return [first[route.name] for route in team_routes() if route.name in first]


def _cases_with_ids():
    return [
        case
        for case in CASES
        if case.path_ids and any(route.name == case.route and route.kwargs for route in team_routes())
    ]


def test_the_walk_finds_both_the_pages_and_the_api_routes():
    routes = team_routes()
    assert any(not route.is_api for route in routes), "no /t/<team>/ page found"
    assert any(route.is_api for route in routes), "no /api/v1/teams/<team>/ route found"
    assert any(route.kwargs for route in routes), "no route takes an id"


@pytest.mark.parametrize("case", _one_case_per_route(), ids=lambda case: case.route)
def test_every_team_route_answers_404_to_a_non_member_whatever_the_method(case, client, request):
    team = TeamFactory()
    objects = case.build(Setup(team=team, owner=member(team), request=request))
    url = case.url(team.slug, objects)
    client.force_login(member())  # owner of another team
    before = snapshot()
    for method in ("GET", "POST", "PUT", "PATCH", "DELETE"):
        response = client.generic(method, url)
        assert response.status_code == 404, f"{method} {url} answered {response.status_code}"
    assert not changed_tables(before, snapshot())


@pytest.mark.parametrize("case", _cases_with_ids(), ids=lambda case: case.id)
def test_an_id_of_another_team_is_a_404_under_your_own_team(case, client, request):
    """The owner of team B asks under B for team A's objects, with a body that would otherwise succeed."""
    team_a = TeamFactory()
    objects = case.build(Setup(team=team_a, owner=member(team_a), request=request))
    owner_b = member()
    team_b = owner_b.memberships.get().team
    client.force_login(owner_b)
    url = case.url(team_b.slug, objects)
    before = snapshot()
    response = send(client, case, url, case.data(objects))
    assert response.status_code == 404, f"{case.method} {url} answered {response.status_code}"
    assert not changed_tables(before, snapshot())


def test_a_non_member_sees_the_same_404_as_for_a_missing_team(client_in, other_team):
    missing = client_in.get("/t/no-such-team/")
    foreign = client_in.get(f"/t/{other_team.slug}/")
    assert missing.status_code == foreign.status_code == 404
    # The pages differ only in the per-render CSRF mask.
    csrf = re.compile(rb'"X-CSRFToken": "[^"]+"|value="[A-Za-z0-9]{64}"')
    assert csrf.sub(b"", missing.content) == csrf.sub(b"", foreign.content)


def test_a_denied_access_is_recorded_in_the_audit_trail(client_in, other_team, user):
    client_in.get(f"/t/{other_team.slug}/")
    assert AuditEvent.objects.filter(action="access.denied", team=other_team, actor=user).exists()


def test_an_anonymous_visitor_is_sent_to_log_in(client, team):
    response = client.get(f"/t/{team.slug}/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_owners_read_the_audit_log_and_members_are_refused(client, team, user):
    client.force_login(user)
    assert client.post(f"/t/{team.slug}/invitations/", {"role": "member"}).status_code == 302
    response = client.get(f"/t/{team.slug}/audit/")
    assert response.status_code == 200
    assert b"invitation.created" in response.content

    client.force_login(member(team, "member"))
    assert client.get(f"/t/{team.slug}/audit/").status_code == 403
