"""What the central role matrix cannot say about retros (its cases are in role_cases.py).

- The facilitator's routes succeed for the facilitator whatever their role (a member here);
  the matrix shows every other role refused.
- Ids that travel in the body (notes, groups, the person a retro is handed to) or in the path
  under the caller's own retro (a group, an earlier action) are looked up in the caller's team:
  another team's id answers exactly like a missing one and changes nothing.
"""

import uuid

import pytest

from retros.tests.role_cases import CASES
from teams.models import Role
from teams.tests.factories import TeamFactory
from teams.tests.roles import Setup, changed_tables, member, send, snapshot

pytestmark = pytest.mark.django_db

FACILITATOR_CASES = [case for case in CASES if case.label == "only the facilitator"]
HAND_OFF = next(case for case in CASES if case.route == "retros:hand-off")
# The ids each route looks up besides the retro's own, and a value no object has.
FOREIGN_IDS = {
    "retros:hand-off": {"user": 0},
    "retros:action-review": {"action_id": 2**31 - 1},
    "retros:note-hide": {"note": str(uuid.uuid4())},
    "retros:note-move": {"note": str(uuid.uuid4()), "group_id": 2**31 - 1},
    "retros:group-rename": {"group_id": 2**31 - 1},
    "retros:vote": {"group_id": 2**31 - 1},
    "retros:discuss": {"group_id": 2**31 - 1},
    "retro-votes": {"group_id": 2**31 - 1},
}


@pytest.mark.parametrize("case", [*FACILITATOR_CASES, HAND_OFF], ids=lambda case: case.route)
def test_the_facilitator_may_use_the_facilitators_routes_with_the_member_role(case, client, request):
    team = TeamFactory()
    facilitator = member(team, Role.MEMBER)
    objects = case.build(Setup(team=team, owner=facilitator, request=request))
    client.force_login(facilitator)
    before = snapshot()
    response = send(client, case, case.url(team.slug, objects), case.data(objects))
    assert response.status_code in (200, 201, 302), response.content[:300]
    assert changed_tables(before, snapshot())


def _answer(client, case, team_slug, objects):
    before = snapshot()
    response = send(client, case, case.url(team_slug, objects), case.data(objects))
    return response.status_code, changed_tables(before, snapshot())


@pytest.mark.parametrize("case", [c for c in CASES if c.route in FOREIGN_IDS], ids=lambda case: case.id)
def test_another_teams_id_under_your_own_retro_answers_like_a_missing_one(case, client, request):
    mine, theirs = TeamFactory(), TeamFactory()
    me = member(mine, Role.OWNER)  # the facilitator of my retro and an owner: nothing else refuses
    objects = case.build(Setup(team=mine, owner=me, request=request))
    foreign = case.build(Setup(team=theirs, owner=member(theirs), request=request))
    names = FOREIGN_IDS[case.route]
    client.force_login(me)

    status, changed = _answer(client, case, mine.slug, objects | {name: foreign[name] for name in names})
    missing, _ = _answer(client, case, mine.slug, objects | names)

    assert status == missing, f"another team's id answered {status}, a missing one {missing}"
    assert status in (400, 404)
    assert not changed
    # With its own ids the same request succeeds: the refusals above came from the ids alone.
    status, changed = _answer(client, case, mine.slug, objects)
    assert status in (200, 201, 302)
    assert changed or not case.must_change  # a vote waits in the ballot box
