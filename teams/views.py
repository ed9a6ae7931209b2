from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_POST

from core.pages import attempt, attempt_and_redirect
from teams.access import team_view
from teams.confirm import confirmed
from teams.forms import InvitationForm, TeamForm
from teams.models import Invitation, Membership, Role, Team
from teams.services import invitation_accept, invitation_create, membership_remove, team_create


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
    members = team.memberships.select_related("user")
    invitations = team.invitations.filter(accepted_at__isnull=True) if request.membership.has_role(Role.OWNER) else []
    return render(
        request,
        "teams/home.html",
        {"members": members, "invitations": invitations, "invite_form": InvitationForm()},
    )


@team_view(role=Role.OWNER)
@require_GET
def audit_log(request, team):
    """The team's latest audit events (owners only)."""
    events = team.audit_events.select_related("actor")[:200]
    return render(request, "teams/audit.html", {"events": events})


@team_view(role=Role.OWNER)
@require_POST
def invitation_new(request, team):
    form = InvitationForm(request.POST)
    if form.is_valid():
        invitation = invitation_create(team=team, role=form.cleaned_data["role"], by=request.user)
        link = request.build_absolute_uri(invitation.get_absolute_url())
        messages.success(request, f"Invitation link (valid 7 days, one use): {link}")
    else:
        messages.error(request, "Pick a role for the invitation.")
    return redirect("teams:members", team=team.slug)


@login_required
def invitation_accept_view(request, token):
    invitation = Invitation.objects.select_related("team").filter(token=token).first()
    if request.method == "POST":
        accepted = attempt(request, invitation_accept, token=token, by=request.user)
        if accepted.value is None:
            return redirect("home")
        messages.success(request, f"Welcome to {accepted.value.team.name}.")
        return redirect(accepted.value.team)
    usable = invitation is not None and invitation.is_usable()
    return render(request, "teams/invitation.html", {"invitation": invitation if usable else None})


@team_view(role=Role.OWNER)
@require_POST
def member_remove(request, team, membership_id):
    """Remove someone from the team, once the owner confirmed: the first click only asks."""
    membership = get_object_or_404(Membership.objects.for_team(team).select_related("user", "team"), pk=membership_id)
    name = membership.user.get_full_name() or membership.user.get_username()
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
