"""Who may use the team pages (see teams/tests/roles.py for the fields)."""

from typing import cast

from teams.models import Membership, Role
from teams.tests.factories import MembershipFactory
from teams.tests.roles import RoleCase


def colleague(setup) -> dict:
    membership = cast(Membership, MembershipFactory(team=setup.team, role=Role.MEMBER))
    return {"membership_id": membership.pk}


CASES = [
    RoleCase("teams:members", "GET", Role.VIEWER),
    RoleCase("teams:audit", "GET", Role.OWNER),
    RoleCase("teams:invitation-new", "POST", Role.OWNER, data=lambda o: {"role": Role.MEMBER}),
    RoleCase("teams:member-remove", "POST", Role.OWNER, build=colleague, data=lambda o: {"confirm": "yes"}),
    RoleCase("teams:member-remove", "POST", Role.OWNER, build=colleague, changes=False, label="asks first"),
]
