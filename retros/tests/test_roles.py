"""Every write route of retros × outsider / viewer / member / owner (and the facilitator).

Each route is tried against a retro of the caller's team and with the ids of a real retro (and
its notes, groups, actions) of ANOTHER team: 404 for what is not the caller's, 403 for a role
too low (or not the facilitator), success otherwise, and nothing changed on any refusal.
Written so the lead can plug ROUTES into the central role matrix.
"""

import secrets
from dataclasses import dataclass, field

import pytest
from django.test import Client
from rest_framework.test import APIClient

from kanban.tests.factories import make_board
from retros.models import ActionItem, Group, Note, Participation, Phase, Retro, RetroSettings, SafetyAnswer, Vote
from retros.services import action_create, group_create, note_add, note_reveal
from retros.tests.factories import advance_to, make_retro
from teams.tests.factories import MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db
OK, FORBIDDEN, MISSING = "ok", 403, 404


@dataclass
class World:
    """One team's retro in `phase` with a note, a group and an earlier action; its people."""

    team: object
    facilitator: object
    people: dict
    retro: Retro
    note: Note | None = None
    group: Group | None = None
    action: ActionItem | None = None
    extra: dict = field(default_factory=dict)


def build(phase: str) -> World:
    owner = MembershipFactory(role="owner")
    team, facilitator = owner.team, owner.user
    people = {
        "viewer": MembershipFactory(team=team, role="viewer").user,
        "member": MembershipFactory(team=team, role="member").user,
        "owner": MembershipFactory(team=team, role="owner").user,
        "facilitator": facilitator,
        "outsider": UserFactory(),
    }
    board = make_board(team)
    earlier = advance_to(make_retro(team, facilitator, board=board), Phase.DISCUSS, facilitator)
    action = action_create(retro=earlier, text="earlier action", by=facilitator)
    retro = make_retro(team, facilitator, board=board)
    world = World(team=team, facilitator=facilitator, people=people, retro=retro, action=action)
    if Phase(phase) in (Phase.SAFETY, Phase.OPEN_ACTIONS):
        world.retro = advance_to(retro, phase, facilitator)
        return world
    retro = advance_to(retro, Phase.REFLECT, facilitator)
    world.note = note_add(retro=retro, prompt="Start", text="a note", by=facilitator, secret=secrets.token_hex(32))
    if phase != Phase.REFLECT:
        note_reveal(retro=retro, by=facilitator)
        retro = advance_to(retro, Phase.GROUP, facilitator)
        world.group = group_create(retro=retro, title="A group", by=facilitator)
        world.retro = advance_to(retro, phase, facilitator)
    else:
        world.retro = retro
    world.note.refresh_from_db()
    return world


def snapshot() -> tuple:
    """Everything a retro write could change, in every team."""
    return (
        list(
            Retro.objects.order_by("pk").values_list(
                "phase", "facilitator", "notes_revealed", "timer_ends_at", "discuss_group"
            )
        ),
        sorted(Note.objects.values_list("text", "hidden", "group"), key=str),
        list(Group.objects.order_by("pk").values_list("title", "votes")),
        Vote.objects.count(),
        sorted(SafetyAnswer.objects.values_list("value", flat=True)),
        sorted(Participation.objects.values_list("user", "votes_used", "safety_answered")),
        list(ActionItem.objects.order_by("pk").values_list("text", "status", "reviewed_in", "card")),
        list(RetroSettings.objects.values_list("team", "safety_minimum")),
    )


@dataclass(frozen=True)
class Route:
    name: str
    phase: str
    request: object  # (world, target world) -> (api?, path, data): target supplies the ids
    expected: dict  # role -> OK / 403


def html(path, data=None):
    return (False, path, data or {})


def api(path, data=None):
    return (True, path, data or {})


def u(world, target, tail=""):
    return f"/t/{world.team.slug}/retros/{target.retro.pk}/{tail}"


def a(world, target, tail=""):
    return f"/api/v1/teams/{world.team.slug}/retros/{target.retro.pk}/{tail}"


MEMBERS = {"member": OK, "owner": OK, "facilitator": OK}
FACILITATOR = {"member": FORBIDDEN, "owner": FORBIDDEN, "facilitator": OK}
ROUTES = [
    Route(
        "retro-new",
        "safety",
        lambda w, t: html(
            f"/t/{w.team.slug}/retros/new/",
            {"title": "x", "format": "mad_sad_glad", "vote_budget": 3, "group_vote_cap": 1},
        ),
        MEMBERS,
    ),
    Route(
        "settings",
        "safety",
        lambda w, t: html(f"/t/{w.team.slug}/retros/settings/", {"safety_minimum": 4}),
        {"member": FORBIDDEN, "owner": OK},
    ),
    Route("phase", "safety", lambda w, t: html(u(w, t, "phase/")), FACILITATOR),
    Route(
        "hand-off",
        "safety",
        lambda w, t: html(u(w, t, "hand-off/"), {"user": t.people["member"].pk}),
        {"member": FORBIDDEN, "owner": OK},
    ),
    Route("timer", "safety", lambda w, t: html(u(w, t, "timer/"), {"minutes": 9}), FACILITATOR),
    Route("safety", "safety", lambda w, t: html(u(w, t, "safety/"), {"value": 4}), MEMBERS),
    Route(
        "action-review",
        "open_actions",
        lambda w, t: html(u(w, t, f"actions/{t.action.pk}/review/"), {"decision": "drop"}),
        MEMBERS,
    ),
    Route("note-new", "reflect", lambda w, t: html(u(w, t, "notes/"), {"prompt": "Stop", "text": "t"}), MEMBERS),
    Route("reveal", "reflect", lambda w, t: html(u(w, t, "reveal/")), FACILITATOR),
    Route("note-hide", "group", lambda w, t: html(u(w, t, "notes/hide/"), {"note": t.note.pk}), FACILITATOR),
    Route("group-new", "group", lambda w, t: html(u(w, t, "groups/"), {"title": "new"}), MEMBERS),
    Route("group-rename", "group", lambda w, t: html(u(w, t, f"groups/{t.group.pk}/"), {"title": "renamed"}), MEMBERS),
    Route(
        "note-move",
        "group",
        lambda w, t: html(u(w, t, "notes/group/"), {"note": t.note.pk, "group": t.group.pk}),
        MEMBERS,
    ),
    Route("vote", "vote", lambda w, t: html(u(w, t, "vote/"), {"group": t.group.pk}), MEMBERS),
    Route("discuss", "discuss", lambda w, t: html(u(w, t, "discuss/"), {"group": t.group.pk}), FACILITATOR),
    Route("action-new", "discuss", lambda w, t: html(u(w, t, "actions/"), {"text": "do it"}), MEMBERS),
    Route("api-create", "safety", lambda w, t: api(f"/api/v1/teams/{w.team.slug}/retros/", {"title": "x"}), MEMBERS),
    Route("api-phase", "safety", lambda w, t: api(a(w, t, "phase/")), FACILITATOR),
    Route("api-safety", "safety", lambda w, t: api(a(w, t, "safety/"), {"value": 2}), MEMBERS),
    Route("api-notes", "reflect", lambda w, t: api(a(w, t, "notes/"), {"prompt": "Start", "text": "n"}), MEMBERS),
    Route("api-reveal", "reflect", lambda w, t: api(a(w, t, "reveal/")), FACILITATOR),
    Route("api-votes", "vote", lambda w, t: api(a(w, t, "votes/"), {"group": t.group.pk, "key": "ab" * 32}), MEMBERS),
    Route("api-actions", "discuss", lambda w, t: api(a(w, t, "actions/"), {"text": "act"}), MEMBERS),
]


def send(user, spec):
    is_api, path, data = spec
    if is_api:
        client = APIClient()
        client.force_authenticate(user)
        return client.post(path, data, format="json")
    client = Client()
    client.force_login(user)
    return client.post(path, data)


def outcome(response) -> object:
    if response.status_code in (200, 201, 204, 302):
        return OK
    return response.status_code


@pytest.mark.parametrize("route", ROUTES, ids=[r.name for r in ROUTES])
def test_each_write_route_answers_every_role_and_changes_nothing_when_it_refuses(route):
    mine, theirs = build(route.phase), build(route.phase)
    # Another team's ids under my team's path (or in my request's body): 404, nothing changed.
    targets_other_team = route.request(mine, theirs) != route.request(mine, mine)
    succeeded = False
    for role in ("outsider", "viewer", "member", "owner", "facilitator"):
        user = mine.people[role]
        # A viewer's write is refused by role before any lookup (403), so it cannot probe ids.
        if targets_other_team and role not in ("outsider", "viewer"):
            before = snapshot()
            assert outcome(send(user, route.request(mine, theirs))) == MISSING, (role, "other team's ids")
            assert snapshot() == before
        expected = {"outsider": MISSING, "viewer": FORBIDDEN}.get(role, route.expected.get(role))
        if expected is None:
            continue
        before = snapshot()
        got = outcome(send(user, route.request(mine, mine)))
        assert got == expected, (route.name, role, got)
        if expected != OK:
            assert snapshot() == before, (route.name, role)
        elif not succeeded:  # later successes may repeat the same change
            assert snapshot() != before, (route.name, role, "answered success but changed nothing")
            succeeded = True
