"""Team lifecycle: creating teams, inviting people, joining."""

from datetime import timedelta

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from core.errors import DomainError
from core.tasks import task_enqueue
from teams.audit import audit_record
from teams.models import Invitation, Membership, Profile, Role, Team


def team_create(*, name: str, by, slug: str | None = None) -> Team:
    """Create a team owned by `by`."""
    with transaction.atomic():
        team = Team.objects.create(name=name, slug=slug or Team.unique_slug(name))
        Membership.objects.create(team=team, user=by, role=Role.OWNER)
        audit_record(action="team.created", actor=by, team=team, obj=team)
    return team


def invitation_create(
    *, team: Team, role: str, by, email: str = "", expires_in_days: int = 7, max_uses: int = 1, url_base: str = ""
) -> Invitation:
    """Create an invitation to `team` with `role`; one sent to `email` goes out by mail (when mail is configured).

    `url_base` is the scheme and host the invitee reaches the app at, for the link in the mail.
    """
    invitation = Invitation.objects.create(
        team=team,
        role=role,
        created_by=by,
        email=email,
        max_uses=1 if email else max_uses,
        expires_at=timezone.now() + timedelta(days=expires_in_days),
    )
    audit_record(action="invitation.created", actor=by, team=team, obj=invitation, data={"role": role, "email": email})
    if email:
        invitation_send(invitation=invitation, url_base=url_base)
    return invitation


def invitation_send(*, invitation: Invitation, url_base: str) -> None:
    """Mail the invitation's link to its address, after commit."""
    if not invitation.email or not invitation.is_usable():
        raise TeamError("Only a pending invitation to an e-mail address can be sent.")
    url = url_base.rstrip("/") + invitation.get_absolute_url()
    task_enqueue("teams.send_invitation", args=(invitation.pk, url))


def invitation_revoke(*, invitation: Invitation, by) -> None:
    """Stop the invitation from admitting anyone else."""
    Invitation.objects.filter(pk=invitation.pk, revoked_at__isnull=True).update(revoked_at=timezone.now())
    audit_record(action="invitation.revoked", actor=by, team=invitation.team, obj=invitation)


class TeamError(DomainError):
    """A change to a team's membership that cannot be made; the message says why, for a person."""


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
        Invitation.objects.filter(pk=invitation.pk).update(
            uses=F("uses") + 1, accepted_by=by, accepted_at=timezone.now()
        )
        audit_record(action="invitation.accepted", actor=by, team=invitation.team, obj=invitation)
    return membership


def membership_change_role(*, membership: Membership, role: str, by) -> Membership:
    """Give a member another role; the team's last owner cannot step down."""
    with transaction.atomic():
        owners = list(Membership.objects.for_team(membership.team).filter(role=Role.OWNER).select_for_update())
        if membership.role == Role.OWNER and role != Role.OWNER and len(owners) == 1:
            raise TeamError("A team needs at least one owner. Make someone else owner first.")
        before = membership.role
        membership.role = role
        membership.save(update_fields=["role"])
        audit_record(
            action="membership.role_changed",
            actor=by,
            team=membership.team,
            obj=membership,
            data={"user": membership.user.username, "from": before, "to": role},
        )
    return membership


def membership_remove(*, membership: Membership, by) -> None:
    """Remove a member; the last owner cannot be removed."""
    team = membership.team
    if membership.role == Role.OWNER and team.memberships.filter(role=Role.OWNER).count() == 1:
        raise TeamError("A team needs at least one owner. Make someone else owner first.")
    membership.delete()
    audit_record(action="membership.removed", actor=by, team=team, data={"user": membership.user.username})


def profile_update(*, user, display_name: str, time_zone: str) -> Profile:
    """Set how `user` is named on every page and the time zone their pages show dates in ("": the instance's)."""
    with transaction.atomic():
        user.first_name, user.last_name = display_name.strip(), ""
        user.save(update_fields=["first_name", "last_name"])
        profile, _ = Profile.objects.update_or_create(user=user, defaults={"time_zone": time_zone})
        audit_record(action="profile.updated", actor=user, obj=profile, data={"time_zone": time_zone})
    return profile
