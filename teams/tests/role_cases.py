"""Who may use the team pages (see teams/tests/roles.py for the fields)."""

from teams.models import Role
from teams.tests.roles import RoleCase

CASES = [
    RoleCase("teams:home", "GET", Role.VIEWER),
    RoleCase("teams:audit", "GET", Role.OWNER),
    RoleCase("teams:invitation-new", "POST", Role.OWNER, data=lambda o: {"role": Role.MEMBER}),
]
