from kanban.tests.factories import make_board
from retros.services import retro_advance_phase, retro_create
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
