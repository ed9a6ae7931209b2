"""Who may use the team pages (see teams/tests/roles.py for the fields)."""

from teams.models import Role
from teams.tests.factories import MembershipFactory
from teams.tests.roles import RoleCase


def colleague(setup) -> dict:
    return {"membership_id": MembershipFactory(team=setup.team, role=Role.MEMBER).pk}


CASES = [
    RoleCase("teams:members", "GET", Role.VIEWER),
    RoleCase("teams:audit", "GET", Role.OWNER),
    RoleCase("teams:invitation-new", "POST", Role.OWNER, data=lambda o: {"role": Role.MEMBER}),
    RoleCase("teams:member-remove", "POST", Role.OWNER, build=colleague, data=lambda o: {"confirm": "yes"}),
    RoleCase("teams:member-remove", "POST", Role.OWNER, build=colleague, changes=False, label="asks first"),
]
