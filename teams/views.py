from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_POST

from core.pages import attempt, attempt_and_redirect
from teams.access import team_view
from teams.adapters import INVITATION_SESSION_KEY
from teams.audit import audit_record
from teams.auth_views import mail_configured
from teams.confirm import confirmed
from teams.forms import InvitationForm, ProfileForm, TeamForm
from teams.models import Invitation, Membership, Role, Team
from teams.names import display_names
from teams.profile import avatar, remember_time_zone, time_zone_of
from teams.services import (
    invitation_accept,
    invitation_create,
    invitation_revoke,
    invitation_send,
    membership_change_role,
    membership_remove,
    profile_update,
    team_create,
)


@login_required
def home(request):
    """Send the user to their first team, or to the team list to create one."""
    team = Team.objects.for_user(request.user).first()
    if team is None:
        return redirect("teams:list")
    return redirect(team)


@login_required
def team_list(request):
    go = request.GET.get("go", "")
    # The team switcher's "Go" button (pages without JavaScript) sends the chosen page here.
    if go.startswith("/") and url_has_allowed_host_and_scheme(go, allowed_hosts={request.get_host()}):
        return redirect(go)
    form = TeamForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        team = team_create(name=form.cleaned_data["name"], by=request.user)
        messages.success(request, f"Team {team.name} created. Invite your colleagues from its home page.")
        return redirect(team)
    teams = Team.objects.for_user(request.user)
    return render(request, "teams/list.html", {"teams": teams, "form": form})


@team_view()
@require_GET
def team_members(request, team):
    """Who is in the team, their roles and (for owners) invitations."""
    members = list(team.memberships.select_related("user"))
    for member, name in zip(members, display_names([m.user for m in members]), strict=True):
        member.display_name = name
    is_owner = request.membership.has_role(Role.OWNER)
    invitations = Invitation.objects.for_team(team).pending() if is_owner else []
    return render(
        request,
        "teams/home.html",
        {
            "members": members,
            "invitations": invitations,
            "invite_form": InvitationForm(),
            "mail": mail_configured(),
            "roles": Role.choices,
        },
    )


@team_view(role=Role.OWNER)
@require_GET
def audit_log(request, team):
    """The team's latest audit events (owners only)."""
    events = team.audit_events.select_related("actor")[:200]
    return render(request, "teams/audit.html", {"events": events})


def _url_base(request) -> str:
    return request.build_absolute_uri("/").rstrip("/")


@team_view(role=Role.OWNER)
@require_POST
def invitation_new(request, team):
    """Invite by e-mail (mailed when mail is configured) or as a link to share; the link is shown either way."""
    form = InvitationForm(request.POST)
    if not form.is_valid():
        errors = "; ".join(f"{form.fields[f].label or f}: {' '.join(map(str, e))}" for f, e in form.errors.items())
        messages.error(request, f"The invitation was not created. {errors}")
        return redirect("teams:members", team=team.slug)
    data = form.cleaned_data
    invitation = invitation_create(
        team=team,
        role=data["role"],
        by=request.user,
        email=data["email"],
        expires_in_days=data["expires_in_days"],
        max_uses=data["max_uses"],
        url_base=_url_base(request),
    )
    link = request.build_absolute_uri(invitation.get_absolute_url())
    uses = "one use" if invitation.max_uses == 1 else f"{invitation.max_uses} uses"
    if invitation.email and mail_configured():
        sent = f"Invitation mailed to {invitation.email}."
    elif invitation.email:
        sent = f"This server sends no mail (EMAIL_URL is not set): send the link to {invitation.email} yourself."
    else:
        sent = "Share this link."
    messages.success(request, f"{sent} Link (valid {data['expires_in_days']} days, {uses}): {link}")
    return redirect("teams:members", team=team.slug)


def _pending_invitation_or_404(team, invitation_id) -> Invitation:
    return get_object_or_404(Invitation.objects.for_team(team).pending(), pk=invitation_id)


@team_view(role=Role.OWNER)
@require_POST
def invitation_revoke_view(request, team, invitation_id):
    invitation = _pending_invitation_or_404(team, invitation_id)
    invitation_revoke(invitation=invitation, by=request.user)
    messages.success(request, "Invitation revoked: its link no longer works.")
    return redirect("teams:members", team=team.slug)


@team_view(role=Role.OWNER)
@require_POST
def invitation_resend_view(request, team, invitation_id):
    invitation = _pending_invitation_or_404(team, invitation_id)
    back = reverse("teams:members", kwargs={"team": team.slug})
    if not mail_configured():
        messages.error(request, "This server sends no mail (EMAIL_URL is not set): copy the link instead.")
        return redirect(back)
    return attempt_and_redirect(
        request,
        invitation_send,
        invitation=invitation,
        url_base=_url_base(request),
        back=back,
        success=f"Invitation mailed again to {invitation.email}.",
    )


def invitation_accept_view(request, token):
    """The page an invitation link opens: join (signed in), or sign up or log in to join."""
    invitation = Invitation.objects.select_related("team").filter(token=token).first()
    if request.method == "POST":
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        accepted = attempt(request, invitation_accept, token=token, by=request.user)
        if accepted.value is None:
            return redirect("home")
        messages.success(request, f"Welcome to {accepted.value.team.name}.")
        return redirect(accepted.value.team)
    usable = invitation is not None and invitation.is_usable()
    if usable and not request.user.is_authenticated:
        # Sign-up (by password or GitHub/SSO) joins the team once the account exists (teams/adapters.py).
        request.session[INVITATION_SESSION_KEY] = token
    return render(request, "teams/invitation.html", {"invitation": invitation if usable else None})


@team_view(role=Role.OWNER)
@require_POST
def team_security(request, team):
    """Require (or stop requiring) two-factor authentication of the team's members."""
    team.require_mfa = request.POST.get("require_mfa") == "on"
    team.save(update_fields=["require_mfa"])
    audit_record(action="team.mfa_required" if team.require_mfa else "team.mfa_optional", actor=request.user, team=team)
    state = "now requires" if team.require_mfa else "no longer requires"
    messages.success(request, f"{team.name} {state} two-factor authentication.")
    return redirect("teams:members", team=team.slug)


@team_view(role=Role.OWNER)
@require_POST
def member_role(request, team, membership_id):
    """Change a member's role (owners only; the last owner stays owner)."""
    membership = get_object_or_404(Membership.objects.for_team(team).select_related("user", "team"), pk=membership_id)
    role = request.POST.get("role", "")
    back = reverse("teams:members", kwargs={"team": team.slug})
    if role not in Role.values:
        messages.error(request, f"Choose one of the roles: {', '.join(Role.labels)}.")
        return redirect(back)
    name = display_names([membership.user])[0]
    done = f"{name} is now {Role(role).label.lower()} of {team.name}."
    return attempt_and_redirect(
        request, membership_change_role, membership=membership, role=role, by=request.user, back=back, success=done
    )


@team_view(role=Role.OWNER)
@require_POST
def member_remove(request, team, membership_id):
    """Remove someone from the team, once the owner confirmed: the first click only asks."""
    membership = get_object_or_404(Membership.objects.for_team(team).select_related("user", "team"), pk=membership_id)
    name = display_names([membership.user])[0]
    if not confirmed(request):
        context = {
            "title": f"Remove {name}",
            "question": f"Remove {name} from {team.name}?",
            "consequence": f"{name} loses access to the team's boards, postmortems and retros at once.",
            "button": f"Yes, remove {name}",
            "action": request.get_full_path(),
            "cancel": reverse("teams:members", kwargs={"team": team.slug}),
        }
        return render(request, "confirm_delete.html", context)
    done = f"{name} is no longer a member of {team.name}."
    members_url = reverse("teams:members", kwargs={"team": team.slug})
    return attempt_and_redirect(
        request, membership_remove, membership=membership, by=request.user, back=members_url, success=done
    )


@login_required
def profile(request):
    """The person's display name, avatar and time zone, with links to the rest of their account settings."""
    user = request.user
    initial = {"display_name": user.get_full_name().strip(), "time_zone": time_zone_of(user.pk)}
    form = ProfileForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        zone = form.cleaned_data["time_zone"]
        profile_update(user=user, display_name=form.cleaned_data["display_name"], time_zone=zone)
        remember_time_zone(request.session, user_id=user.pk, zone=zone)
        messages.success(request, "Profile saved. Dates are now shown in " + (zone or "the server's time zone") + ".")
        return redirect("teams:profile")
    status = 400 if request.method == "POST" else 200
    return render(request, "teams/profile.html", {"form": form, "avatar": avatar(user)}, status=status)
