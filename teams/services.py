"""Team lifecycle: creating teams, inviting people, joining."""

from django.db import IntegrityError, transaction
from django.utils import timezone

from teams.audit import audit_record
from teams.models import Invitation, Membership, Role, Team


def team_create(*, name: str, by, slug: str | None = None) -> Team:
    """Create a team owned by `by`."""
    with transaction.atomic():
        team = Team.objects.create(name=name, slug=slug or Team.unique_slug(name))
        Membership.objects.create(team=team, user=by, role=Role.OWNER)
        audit_record(action="team.created", actor=by, team=team, obj=team)
    return team


def invitation_create(*, team: Team, role: str, by) -> Invitation:
    """Create an invitation link to `team` with `role`."""
    invitation = Invitation.objects.create(team=team, role=role, created_by=by)
    audit_record(action="invitation.created", actor=by, team=team, obj=invitation, data={"role": role})
    return invitation


class TeamError(Exception):
    pass


def invitation_accept(*, token: str, by) -> Membership:
    """Join the invitation's team; an existing member keeps the higher of the two roles."""
    with transaction.atomic():
        invitation = Invitation.objects.select_for_update().select_related("team").filter(token=token).first()
        if invitation is None or not invitation.is_usable():
            raise TeamError("This invitation link is not valid any more. Ask the team for a new one.")
        membership = Membership.objects.for_team(invitation.team).filter(user=by).first()
        if membership is None:
            try:
                with transaction.atomic():
                    membership = Membership.objects.create(team=invitation.team, user=by, role=invitation.role)
            except IntegrityError:
                membership = Membership.objects.for_team(invitation.team).get(user=by)
        elif not membership.has_role(invitation.role):
            membership.role = invitation.role
            membership.save(update_fields=["role"])
        invitation.accepted_by = by
        invitation.accepted_at = timezone.now()
        invitation.save(update_fields=["accepted_by", "accepted_at"])
        audit_record(action="invitation.accepted", actor=by, team=invitation.team, obj=invitation)
    return membership


def membership_remove(*, membership: Membership, by) -> None:
    """Remove a member; the last owner cannot be removed."""
    team = membership.team
    if membership.role == Role.OWNER and team.memberships.filter(role=Role.OWNER).count() == 1:
        raise TeamError("A team needs at least one owner. Make someone else owner first.")
    membership.delete()
    audit_record(action="membership.removed", actor=by, team=team, data={"user": membership.user.username})
