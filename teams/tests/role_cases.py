"""Who may use the team pages (see teams/tests/roles.py for the fields)."""

from typing import cast

from teams.models import Invitation, Membership, Role
from teams.tests.factories import MembershipFactory
from teams.tests.roles import RoleCase


def colleague(setup) -> dict:
    membership = cast(Membership, MembershipFactory(team=setup.team, role=Role.MEMBER))
    return {"membership_id": membership.pk}


def invitation(setup) -> dict:
    created = Invitation.objects.create(team=setup.team, role=Role.MEMBER, email="new@example.com")
    return {"invitation_id": created.pk}


CASES = [
    RoleCase("teams:members", "GET", Role.VIEWER),
    RoleCase("teams:audit", "GET", Role.OWNER),
    RoleCase("teams:invitation-new", "POST", Role.OWNER, data=lambda o: {"role": Role.MEMBER, "expires_in_days": 7}),
    RoleCase("teams:invitation-revoke", "POST", Role.OWNER, build=invitation),
    RoleCase("teams:invitation-resend", "POST", Role.OWNER, build=invitation, changes=False),
    RoleCase("teams:member-remove", "POST", Role.OWNER, build=colleague, data=lambda o: {"confirm": "yes"}),
    RoleCase("teams:member-remove", "POST", Role.OWNER, build=colleague, changes=False, label="asks first"),
]
CASES.append(
    RoleCase("teams:member-role", "POST", Role.OWNER, build=colleague, data=lambda o: {"role": Role.VIEWER}),
)
CASES.append(RoleCase("teams:security", "POST", Role.OWNER, data=lambda o: {"require_mfa": "on"}))
