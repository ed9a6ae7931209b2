"""The one way to reach team data: every view and API query goes through here.

A non-member gets exactly what a missing object gets: 404. A member whose role is too
low for a write gets 403.
"""

from functools import wraps

from allauth.mfa.models import Authenticator
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.models import User
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404
from django.urls import reverse

from teams.audit import audit_record
from teams.models import ROLE_RANK, Membership, Role, Team


def get_membership_or_404(user, team_slug: str, *, role: str = Role.VIEWER) -> Membership:
    """Return the user's membership of the team, 404 if none, 403 if the role is too low."""
    if not user.is_authenticated:
        raise Http404("No such team.")
    membership = Membership.objects.select_related("team").filter(team__slug=team_slug, user=user).first()
    if membership is None:
        team = Team.objects.filter(slug=team_slug).first()
        if team is not None:
            audit_record(action="access.denied", actor=user, team=team, data={"reason": "not a member"})
        raise Http404("No such team.")
    if not membership.has_role(role):
        audit_record(action="access.denied", actor=user, team=membership.team, data={"reason": f"needs role {role}"})
        raise PermissionDenied(f"This needs the {role} role in {membership.team.name}.")
    return membership


def team_view(role: str = Role.VIEWER, *, write_role: str = Role.MEMBER):
    """Decorate a view taking `team` (a slug) so it receives the Team, after the access check.

    A read (GET, HEAD, OPTIONS) needs `role`; any other method needs the higher of `role` and
    `write_role` (members write by default; pass `write_role=Role.OWNER` for a page whose form
    administers the team). Sets `request.team` and `request.membership` for templates. Anonymous
    users are sent to the login page first.
    """

    def decorator(view):
        @wraps(view)
        def wrapper(request, team, *args, **kwargs):
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            needed = role if request.method in SAFE_METHODS else max(role, write_role, key=_rank)
            membership = get_membership_or_404(request.user, team, role=needed)
            if membership.team.require_mfa and not _has_mfa(request.user):
                messages.warning(
                    request, f"{membership.team.name} requires two-factor authentication: set it up to continue."
                )
                return redirect_to_login(request.get_full_path(), login_url=reverse("mfa_activate_totp"))
            request.team = membership.team
            request.membership = membership
            return view(request, membership.team, *args, **kwargs)

        return wrapper

    return decorator


SAFE_METHODS = ("GET", "HEAD", "OPTIONS")


def _has_mfa(user) -> bool:
    return Authenticator.objects.filter(user=user).exclude(type=Authenticator.Type.RECOVERY_CODES).exists()


def _rank(role: str) -> int:
    return ROLE_RANK[Role(role)]


def team_members(team: Team) -> QuerySet[User]:
    """The team's members by username: whom an owner, a facilitator or an assignee may be."""
    return get_user_model().objects.filter(memberships__team=team).order_by("username")
