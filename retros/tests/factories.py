import secrets

from kanban.tests.factories import make_board
from retros.models import Phase
from retros.services import group_add_note, group_create, note_add, retro_advance_phase, retro_create
from teams.tests.factories import MembershipFactory


def make_team(roles=("owner", "member", "member")):
    """A team with one membership per role (the first is the facilitator's) and a board for action items."""
    first = MembershipFactory(role=roles[0])
    others = [MembershipFactory(team=first.team, role=role) for role in roles[1:]]
    make_board(first.team)
    return first.team, [first.user] + [m.user for m in others]


def make_retro(team, facilitator, **kwargs):
    kwargs.setdefault("title", "Sprint retro")
    return retro_create(team=team, by=facilitator, **kwargs)


def advance_to(retro, phase, by):
    """Move `retro` forward phase by phase until it is in `phase`."""
    while retro.phase != phase:
        retro = retro_advance_phase(retro=retro, by=by)
    return retro


def voting(team, users, **kwargs):
    """A retro in the vote phase with two groups of one note each (`users[0]` facilitates)."""
    owner = users[0]
    retro = advance_to(make_retro(team, owner, **kwargs), Phase.REFLECT, owner)
    for n in range(2):
        note_add(retro=retro, prompt="Start", text=f"note {n}", by=owner, secret=secrets.token_hex(32))
    retro = advance_to(retro, Phase.GROUP, owner)
    groups = [group_create(retro=retro, title=f"group {g}", by=owner) for g in range(2)]
    for note, group in zip(retro.notes.order_by("text"), groups, strict=True):
        group_add_note(note=note, group=group, by=owner)
    return advance_to(retro, Phase.VOTE, owner), groups
