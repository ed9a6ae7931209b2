"""Every write route of the postmortems app × outsider / viewer / member / owner, and foreign ids.

An outsider (a member of another team) gets 404, like a missing id; a viewer (or a member on an owner
route) gets 403; the right role succeeds. A refusal changes nothing. Each route also refuses the id of
another team's object with 404 under a team the caller belongs to.
"""

from dataclasses import dataclass
from datetime import timedelta

import pytest
from django.utils import timezone

from kanban.models import Card
from kanban.tests.factories import make_board
from postmortems.models import ActionItem, Postmortem, PostmortemSettings, Revision, Tag, TimelineEntry
from postmortems.services import (
    action_item_create,
    postmortem_approve,
    postmortem_create,
    postmortem_request_review,
    timeline_entry_add,
)
from teams.tests.factories import MembershipFactory, UserFactory

MODELS = (Postmortem, TimelineEntry, ActionItem, Tag, Revision, PostmortemSettings, Card)


def state():
    """Everything a write route may change, as comparable data."""
    return [sorted(map(str, model.objects.values())) for model in MODELS]


@dataclass
class World:
    team: object
    users: dict
    draft: Postmortem
    review: Postmortem
    approved: Postmortem
    entry: TimelineEntry
    item: ActionItem


def make_world(team_name: str) -> World:
    # Unusable passwords: hashing eight real ones per test would dominate its time.
    owner = MembershipFactory(role="owner", team__name=team_name, team__slug=team_name, user__password=None)
    team = owner.team
    users = {"owner": owner.user}
    for role in ("member", "viewer"):
        users[role] = MembershipFactory(team=team, role=role, user__password=None).user
    board = make_board(team)
    start = timezone.now() - timedelta(hours=2)
    draft = postmortem_create(team=team, title=f"{team_name} draft", by=owner.user, started_at=start)
    entry = timeline_entry_add(postmortem=draft, at=start, text="alert fired", by=owner.user)
    item = action_item_create(postmortem=draft, description="fix it", by=owner.user, board=board)
    review = postmortem_create(team=team, title=f"{team_name} review", by=owner.user, started_at=start)
    postmortem_request_review(postmortem=review, by=owner.user, reviewers=[users["owner"], users["member"]])
    approved = postmortem_create(team=team, title=f"{team_name} approved", by=owner.user, started_at=start)
    postmortem_request_review(postmortem=approved, by=owner.user, reviewers=[users["owner"]])
    postmortem_approve(postmortem=approved, by=owner.user)
    return World(team, users, draft, review, approved, entry, item)


def at(minutes=0) -> str:
    return (timezone.now() - timedelta(minutes=minutes)).strftime("%Y-%m-%dT%H:%M")


SETTINGS_FORM = {
    "sev1": "a",
    "sev2": "b",
    "sev3": "c",
    "sev4": "d",
    "slo_sev1": 2,
    "slo_sev2": 4,
    "slo_sev3": 8,
    "slo_sev4": 8,
    "blame_phrases": "oops",
    "sections": "summary: what happened",
    "severity_label": "severity",
    "severity_labels": "critical: SEV1",
}

# name: (needed role, method, path under /t/<team>/ or the API, data builder, changes state)
ROUTES = {
    "new": ("member", "post", "postmortems/new/", lambda w: {"title": "New one", "severity": "SEV2"}),
    "edit": ("member", "post", "postmortems/{draft}/edit/", lambda w: {"title": "Renamed", "severity": "SEV1"}),
    "review": ("member", "post", "postmortems/{draft}/review/", lambda w: {"review-reviewers": [w.users["owner"].pk]}),
    "approve": ("member", "post", "postmortems/{review}/approve/", lambda w: {}),
    "publish": ("member", "post", "postmortems/{approved}/publish/", lambda w: {}),
    "reopen": ("member", "post", "postmortems/{review}/reopen/", lambda w: {}),
    "timeline-add": (
        "member",
        "post",
        "postmortems/{draft}/timeline/",
        lambda w: {"entry-at": at(5), "entry-kind": "note", "entry-text": "new"},
    ),
    "timeline-entry": (
        "member",
        "post",
        "postmortems/{draft}/timeline/{entry}/",
        lambda w: {f"entry-{w.entry.pk}-{k}": v for k, v in (("at", at(9)), ("kind", "action"), ("text", "edited"))},
    ),
    "timeline-delete": ("member", "post", "postmortems/{draft}/timeline/{entry}/delete/", lambda w: {}),
    "action-add": (
        "member",
        "post",
        "postmortems/{draft}/actions/",
        lambda w: {"action-description": "more", "action-priority": "high"},
    ),
    "action-done": ("member", "post", "postmortems/{draft}/actions/{item}/done/", lambda w: {"done": "1"}),
    "action-delete": ("member", "post", "postmortems/{draft}/actions/{item}/delete/", lambda w: {}),
    "settings": ("owner", "post", "postmortems/settings/", lambda w: SETTINGS_FORM),
    "alertmanager-token": ("owner", "post", "postmortems/settings/alertmanager-token/", lambda w: {}),
    "api-create": ("member", "post", "api:postmortems/", lambda w: {"title": "API one", "severity": "SEV4"}),
    "api-update": ("member", "patch", "api:postmortems/{draft}/", lambda w: {"summary": "patched"}),
}
# Routes that take POST but change nothing (advisory): refused the same way, succeed without a change.
READ_ONLY_POSTS = {
    "hints": ("member", "post", "postmortems/{draft}/hints/", lambda w: {"summary": "human error"}),
    "suggestion-add": ("member", "post", "postmortems/{draft}/suggestions/add/", lambda w: {"source": "none"}),
}
ALL_ROUTES = {**ROUTES, **READ_ONLY_POSTS}
RANK = {"outsider": -1, "viewer": 0, "member": 1, "owner": 2}


@pytest.fixture
def here(db):
    return make_world("here")


@pytest.fixture
def elsewhere(db):
    return make_world("elsewhere")


def url_for(path: str, team_slug: str, world: World) -> str:
    ids = {"draft": world.draft.pk, "review": world.review.pk, "approved": world.approved.pk}
    ids |= {"entry": world.entry.pk, "item": world.item.pk}
    if path.startswith("api:"):
        return f"/api/v1/teams/{team_slug}/" + path.removeprefix("api:").format(**ids)
    return f"/t/{team_slug}/" + path.format(**ids)


def send(client, method, url, data, path):
    if path.startswith("api:"):
        return getattr(client, method)(url, data=data, content_type="application/json")
    return getattr(client, method)(url, data=data)


@pytest.mark.parametrize("role", ["outsider", "viewer", "member", "owner"])
@pytest.mark.parametrize("route", sorted(ALL_ROUTES))
def test_each_write_route_answers_each_role(client, here, elsewhere, route, role):
    needed, method, path, data = ALL_ROUTES[route]
    actor = elsewhere.users["owner"] if role == "outsider" else here.users[role]
    client.force_login(actor)
    before = state()
    response = send(client, method, url_for(path, here.team.slug, here), data(here), path)
    if role == "outsider":
        assert response.status_code == 404
    elif RANK[role] < RANK[needed]:
        assert response.status_code == 403
    else:
        assert response.status_code < 400, response.content[:300]
        if route in ROUTES:
            assert state() != before, "the route answered success but changed nothing"
        return
    assert state() == before


@pytest.mark.parametrize("route", sorted(r for r in ALL_ROUTES if "{" in ALL_ROUTES[r][2]))
def test_each_route_refuses_another_teams_ids_with_404(client, here, elsewhere, route):
    _, method, path, data = ALL_ROUTES[route]
    client.force_login(here.users["owner"])
    before = state()
    response = send(client, method, url_for(path, here.team.slug, elsewhere), data(elsewhere), path)
    assert response.status_code == 404
    assert state() == before


def test_an_anonymous_visitor_is_sent_to_log_in_and_changes_nothing(client, here):
    before = state()
    response = client.post(f"/t/{here.team.slug}/postmortems/{here.draft.pk}/edit/", {"title": "x"})
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    assert state() == before


def test_the_foreign_reviewer_and_owner_fields_are_refused(client, here, elsewhere):
    client.force_login(here.users["owner"])
    foreign = UserFactory()
    before = state()
    client.post(url_for("postmortems/{draft}/review/", here.team.slug, here), {"review-reviewers": [foreign.pk]})
    client.post(
        url_for("postmortems/{draft}/actions/", here.team.slug, here),
        {"action-description": "x", "action-priority": "low", "action-owner": elsewhere.users["member"].pk},
    )
    assert state() == before
