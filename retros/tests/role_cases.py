"""Who may use each retro page and API route (see teams/tests/roles.py for the fields).

Viewers read every page and the API; members take part (safety answer, notes, groups, votes,
action items, reviewing earlier actions) and start retros; owners change the team's retro
settings and may hand facilitation over.

The phase, the timer, revealing and hiding notes and picking the topic belong to the retro's
facilitator, whatever their role. The matrix's people are fresh members, never the facilitator
(the build's owner is), so those cases say "no role is enough": `min_role` owner with 403 as
its only success and nothing changed. That the facilitator succeeds is in test_roles.py.
"""

import secrets
from collections.abc import Callable
from typing import Any, cast

from kanban.tests.factories import make_board
from retros.models import Phase, Retro
from retros.services import action_create, group_create, note_add, note_reveal
from retros.tests.factories import advance_to, make_retro
from teams.models import Membership, Role
from teams.tests.factories import MembershipFactory
from teams.tests.roles import RoleCase, Setup


def _ids(retro: Retro) -> dict[str, Any]:
    return {"retro": retro, "retro_id": retro.pk, "pk": retro.pk, "prompt": retro.prompts[0]}


def in_phase(phase: str) -> Callable[[Setup], dict[str, Any]]:
    """A builder: an anonymous retro of the team in `phase`, facilitated by the build's owner.

    From reflect on it holds a note; from group on the note is revealed and in a group. An
    earlier finished retro left an open action item (reviewed in the open actions phase).
    """

    def build(setup: Setup) -> dict[str, Any]:
        board = make_board(setup.team, by=setup.owner)
        earlier = advance_to(make_retro(setup.team, setup.owner, board=board), Phase.DISCUSS, setup.owner)
        action = action_create(retro=earlier, text="Pin the CI image", by=setup.owner)
        retro = make_retro(setup.team, setup.owner, board=board)
        member = cast(Membership, MembershipFactory(team=setup.team, role=Role.MEMBER))
        objects: dict[str, Any] = {"action_id": action.pk, "user": member.user_id, "board": board.pk}
        if Phase(phase) in (Phase.SAFETY, Phase.OPEN_ACTIONS):
            return objects | _ids(advance_to(retro, phase, setup.owner))
        retro = advance_to(retro, Phase.REFLECT, setup.owner)
        note = note_add(
            retro=retro, prompt=retro.prompts[0], text="Deploys were slow", by=setup.owner, secret=secrets.token_hex(32)
        )
        objects["note"] = str(note.pk)
        if phase != Phase.REFLECT:
            note_reveal(retro=retro, by=setup.owner)
            retro = advance_to(retro, Phase.GROUP, setup.owner)
            group = group_create(retro=retro, title="Deploys", by=setup.owner)
            objects["group_id"] = group.pk
            retro = advance_to(retro, phase, setup.owner)
        return objects | _ids(retro)

    build.__name__ = f"retro_in_{phase}"
    return build


def facilitator_only(
    route: str, phase: str, data: Callable[[dict[str, Any]], dict[str, Any]] = lambda o: {}, **kwargs: Any
) -> RoleCase:
    """The facilitator's route: every role of the matrix is refused (403) and nothing changes."""
    return RoleCase(
        route,
        "POST",
        Role.OWNER,
        build=in_phase(phase),
        data=data,
        success=(403,),
        changes=False,
        label="only the facilitator",
        **kwargs,
    )


SAFETY, OPEN_ACTIONS, REFLECT = in_phase(Phase.SAFETY), in_phase(Phase.OPEN_ACTIONS), in_phase(Phase.REFLECT)
GROUP, VOTE, DISCUSS, SUMMARY = (in_phase(p) for p in (Phase.GROUP, Phase.VOTE, Phase.DISCUSS, Phase.SUMMARY))

VIEWER_PAGES = [
    RoleCase("retros:index", "GET", Role.VIEWER, build=SUMMARY),
    RoleCase("retros:retro", "GET", Role.VIEWER, build=SAFETY, label="safety"),
    RoleCase("retros:retro", "GET", Role.VIEWER, build=OPEN_ACTIONS, label="open actions"),
    RoleCase("retros:retro", "GET", Role.VIEWER, build=REFLECT, label="reflect"),
    RoleCase("retros:retro", "GET", Role.VIEWER, build=VOTE, label="vote"),
    RoleCase("retros:retro", "GET", Role.VIEWER, build=DISCUSS, label="discuss"),
    RoleCase("retros:retro", "GET", Role.VIEWER, build=SUMMARY, label="summary"),
    RoleCase("retros:retro", "GET", Role.VIEWER, build=REFLECT, data=lambda o: {"big": "1"}, label="large type"),
    RoleCase("retros:live", "GET", Role.VIEWER, build=GROUP, htmx=True),
    RoleCase("retros:poll", "GET", Role.VIEWER, build=VOTE, data=lambda o: {"v": "0"}, htmx=True),
    RoleCase("retros:summary-md", "GET", Role.VIEWER, build=SUMMARY),
]

PAGE_WRITES = [
    RoleCase(
        "retros:retro-new",
        "POST",
        Role.MEMBER,
        data=lambda o: {"title": "Sprint 12", "format": "mad_sad_glad", "vote_budget": 3, "group_vote_cap": 1},
    ),
    RoleCase("retros:settings", "POST", Role.OWNER, data=lambda o: {"safety_minimum": 4}),
    RoleCase("retros:hand-off", "POST", Role.OWNER, build=SAFETY, data=lambda o: {"user": o["user"]}),
    # Contributions wait in the ballot box (the cache): success changes no table.
    RoleCase("retros:safety", "POST", Role.MEMBER, build=SAFETY, data=lambda o: {"value": 4}, changes=False),
    RoleCase("retros:action-review", "POST", Role.MEMBER, build=OPEN_ACTIONS, data=lambda o: {"decision": "drop"}),
    RoleCase(
        "retros:note-new",
        "POST",
        Role.MEMBER,
        build=REFLECT,
        data=lambda o: {"prompt": o["prompt"], "text": "t"},
        changes=False,
    ),
    # Only the browser that wrote a note may change it: any other is refused (403), whatever its role.
    RoleCase(
        "retros:note-edit",
        "POST",
        Role.MEMBER,
        build=REFLECT,
        data=lambda o: {"note": o["note"], "text": "t"},
        success=(403,),
        changes=False,
        label="not the writer's browser",
    ),
    RoleCase(
        "retros:note-delete",
        "POST",
        Role.MEMBER,
        build=REFLECT,
        data=lambda o: {"note": o["note"]},
        success=(403,),
        changes=False,
        label="not the writer's browser",
    ),
    RoleCase(
        "retros:note-new",
        "POST",
        Role.MEMBER,
        build=REFLECT,
        data=lambda o: {"prompt": o["prompt"], "text": "t"},
        htmx=True,
        label="htmx",
        changes=False,
    ),
    RoleCase("retros:group-new", "POST", Role.MEMBER, build=GROUP, data=lambda o: {"title": "Tests"}),
    RoleCase("retros:group-rename", "POST", Role.MEMBER, build=GROUP, data=lambda o: {"title": "Slow deploys"}),
    RoleCase(
        "retros:note-move", "POST", Role.MEMBER, build=GROUP, data=lambda o: {"note": o["note"], "group": o["group_id"]}
    ),
    RoleCase("retros:vote", "POST", Role.MEMBER, build=VOTE, data=lambda o: {"group": o["group_id"]}, changes=False),
    RoleCase(
        "retros:vote",
        "POST",
        Role.MEMBER,
        build=VOTE,
        data=lambda o: {"group": o["group_id"]},
        htmx=True,
        label="htmx",
        changes=False,
    ),
    RoleCase("retros:action-new", "POST", Role.MEMBER, build=DISCUSS, data=lambda o: {"text": "Cache the wheels"}),
    facilitator_only("retros:phase", Phase.SAFETY),
    facilitator_only("retros:timer", Phase.SAFETY, data=lambda o: {"minutes": 9}),
    facilitator_only("retros:board", Phase.SAFETY, data=lambda o: {"board": o["board"]}),
    facilitator_only("retros:reveal", Phase.REFLECT),
    facilitator_only("retros:note-hide", Phase.GROUP, data=lambda o: {"note": o["note"]}),
    facilitator_only("retros:discuss", Phase.DISCUSS, data=lambda o: {"group": o["group_id"]}),
]

API = [
    RoleCase("retro-list", "GET", Role.VIEWER, build=SUMMARY),
    RoleCase("retro-list", "POST", Role.MEMBER, data=lambda o: {"title": "Sprint 12"}),
    RoleCase("retro-detail", "GET", Role.VIEWER, build=REFLECT, label="reflect"),
    RoleCase("retro-detail", "GET", Role.VIEWER, build=SUMMARY, label="summary"),
    RoleCase("retro-safety", "POST", Role.MEMBER, build=SAFETY, data=lambda o: {"value": 2}, changes=False),
    RoleCase(
        "retro-notes",
        "POST",
        Role.MEMBER,
        build=REFLECT,
        data=lambda o: {"prompt": o["prompt"], "text": "n"},
        changes=False,
    ),
    RoleCase(
        "retro-notes-edit",
        "POST",
        Role.MEMBER,
        build=REFLECT,
        data=lambda o: {"note": o["note"], "text": "n", "key": "ab" * 32},
        success=(403,),
        changes=False,
        label="not the writer's key",
    ),
    RoleCase(
        "retro-notes-delete",
        "POST",
        Role.MEMBER,
        build=REFLECT,
        data=lambda o: {"note": o["note"], "key": "ab" * 32},
        success=(403,),
        changes=False,
        label="not the writer's key",
    ),
    RoleCase(
        "retro-votes",
        "POST",
        Role.MEMBER,
        build=VOTE,
        data=lambda o: {"group": o["group_id"], "key": "ab" * 32},
        changes=False,
    ),
    RoleCase("retro-actions", "POST", Role.MEMBER, build=DISCUSS, data=lambda o: {"text": "Cache the wheels"}),
    facilitator_only("retro-phase", Phase.SAFETY),
    facilitator_only("retro-reveal", Phase.REFLECT),
]

CASES = VIEWER_PAGES + PAGE_WRITES + API
