"""Team scoping: a non-member sees every team URL and API route exactly as a missing object."""

import re

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

from teams.models import AuditEvent

pytestmark = pytest.mark.django_db


def _team_routes(resolver=None, prefix=""):
    """Yield every URL pattern whose path takes a `team` argument, with sample values filled in."""
    resolver = resolver or get_resolver()
    for entry in resolver.url_patterns:
        pattern = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            yield from _team_routes(entry, pattern)
        elif isinstance(entry, URLPattern) and ("<slug:team>" in pattern or "(?P<team>" in pattern):
            yield pattern


def _fill(pattern: str, team_slug: str) -> str:
    path = pattern.lstrip("^").rstrip("$").replace("\\Z", "")
    path = path.replace("<slug:team>", team_slug)
    path = re.sub(r"\(\?P<team>[^)]*\)", team_slug, path)
    path = re.sub(r"<int:[^>]+>", "1", path)
    path = re.sub(r"<(?:str|slug|uuid|path):[^>]+>|<[^>]+>", "1", path)
    path = re.sub(r"\(\?P<format>[^)]*\)", "json", path)
    path = re.sub(r"\(\?P<pk>[^)]*\)", "1", path)
    path = re.sub(r"\(\?P<(\w+)>[^)]*\)", "1", path)
    path = path.replace("\\.", ".").replace("/?", "/")
    return "/" + path


def test_every_team_route_answers_404_to_a_non_member(client_in, other_team):
    routes = sorted(set(_team_routes()))
    assert any("teams/(?P<team>" in r for r in routes) or routes, "no team routes found"
    assert any(r.startswith("t/<slug:team>/") for r in routes)
    for route in routes:
        url = _fill(route, other_team.slug)
        for method in ("get", "post", "patch", "delete"):
            response = getattr(client_in, method)(url)
            assert response.status_code == 404, f"{method.upper()} {url} answered {response.status_code}"


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


def test_a_viewer_cannot_invite(client, other_team):
    from teams.tests.factories import MembershipFactory

    viewer = MembershipFactory(team=other_team, role="viewer").user
    client.force_login(viewer)
    assert client.get(f"/t/{other_team.slug}/").status_code == 200
    assert client.post(f"/t/{other_team.slug}/invitations/", {"role": "owner"}).status_code == 403


def test_an_anonymous_visitor_is_sent_to_log_in(client, team):
    response = client.get(f"/t/{team.slug}/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_owners_read_the_audit_log_and_members_are_refused(client, team, user):
    from teams.tests.factories import MembershipFactory

    client.force_login(user)
    client.post(f"/t/{team.slug}/invitations/", {"role": "member"})
    response = client.get(f"/t/{team.slug}/audit/")
    assert response.status_code == 200
    assert b"invitation.created" in response.content

    member = MembershipFactory(team=team, role="member").user
    client.force_login(member)
    assert client.get(f"/t/{team.slug}/audit/").status_code == 403
