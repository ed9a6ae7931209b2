"""Retro pages: the list with trends, the meeting page per phase, its live poll and every change.

A change answers htmx with the fresh live region (the same partial the poll renders) and a
browser without JavaScript with a redirect back to the meeting page.
"""

import uuid
from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from core.live import live_pass_grant, live_poll, live_unchanged
from core.pages import attempt, refusal_status
from core.requests import TeamRequest, parse_int
from kanban.models import Board
from retros import live, privacy, queries
from retros.data import data_strip, open_actions_before, overdue_postmortem_actions
from retros.forms import ActionForm, NoteForm, RetroForm, SettingsForm
from retros.markdown import summary_markdown
from retros.models import (
    PHASE_ORDER,
    SAFETY_MINIMUM_FLOOR,
    SAFETY_SCALE,
    ActionItem,
    Group,
    Note,
    Phase,
    Retro,
    RetroSettings,
)
from retros.services import (
    RetroError,
    action_create,
    action_review,
    default_board,
    discuss_select,
    group_add_note,
    group_create,
    group_rename,
    note_add,
    note_delete,
    note_edit,
    note_hide,
    note_reveal,
    retro_advance_phase,
    retro_create,
    retro_hand_off,
    retro_set_board,
    retro_timer_start,
    safety_answer,
    series_create,
    vote_cast,
)
from teams.access import team_view
from teams.models import Membership, Team
from teams.profile import time_zone_activate


def _retro(team: Team, retro_id: int) -> Retro:
    return get_object_or_404(Retro.objects.for_team(team).select_related("team", "facilitator", "board"), pk=retro_id)


@team_view()
@require_GET
def index(request, team):
    settings = RetroSettings.of(team)
    context = {
        "trends": queries.trends(team),
        "form": RetroForm(team=team, default=default_board(team)),
        "settings_form": SettingsForm(
            team=team, initial={"safety_minimum": settings.safety_minimum, "board": settings.board_id}
        ),
        "safety_minimum": settings.safety_minimum,
    }
    return render(request, "retros/index.html", context)


@team_view()
@require_POST
def retro_new(request, team):
    form = RetroForm(request.POST, team=team, default=default_board(team))
    created = None
    if form.is_valid():
        data = form.cleaned_data
        create = series_create if data["weekly"] else retro_create
        created = attempt(
            request,
            create,
            team=team,
            title=data["title"],
            by=request.user,
            format=data["format"],
            prompts=form.prompt_list(),
            anonymous=data["anonymous"],
            facilitator=data["facilitator"],
            board=data["board"],
            vote_budget=data["vote_budget"],
            group_vote_cap=data["group_vote_cap"],
            on_form=form,
        )
        if created.value is not None:
            return redirect(created.value)
    settings = RetroSettings.of(team)
    context = {
        "trends": queries.trends(team),
        "form": form,
        "settings_form": SettingsForm(team=team, initial={"safety_minimum": settings.safety_minimum}),
        "safety_minimum": settings.safety_minimum,
    }
    return render(request, "retros/index.html", context, status=refusal_status(request, created))


@team_view("owner")
@require_POST
def settings_update(request, team):
    form = SettingsForm(request.POST, team=team)
    if not form.is_valid():
        messages.error(request, f"The minimum must be a whole number from {SAFETY_MINIMUM_FLOOR} to 50.")
        return redirect("retros:index", team=team.slug)
    settings = RetroSettings.of(team, stored=True)
    settings.safety_minimum = form.cleaned_data["safety_minimum"]
    settings.board = form.cleaned_data["board"]
    settings.save()
    messages.success(request, "Retro settings saved.")
    return redirect("retros:index", team=team.slug)


def _meeting_context(request: TeamRequest, retro: Retro, secret: str) -> dict:
    version = live.current_version(retro.pk)  # read first: a change while rendering shows on the next poll
    team = retro.team
    notes = queries.visible_notes(retro, request.user, secret)
    groups = Group.objects.filter(retro=retro)
    if retro.phase_index >= PHASE_ORDER.index(Phase.DISCUSS):
        groups = groups.order_by("-votes", "position", "id")
    by_group: dict = {}
    for note in notes:
        by_group.setdefault(note.group_id, []).append(note)
    my_votes = queries.my_votes(retro, request.user, secret) if retro.phase == Phase.VOTE else {}
    own = queries.own_state(retro, request.user)
    members = list(Membership.objects.for_team(team).select_related("user"))
    boards = list(Board.objects.for_team(team).order_by("name", "id")) if retro.board_id is None else []
    context = {
        "retro": retro,
        "version": version,
        "big": request.GET.get("big") == "1",
        "is_facilitator": retro.is_facilitator(request.user),
        "can_write": request.membership.has_role("member"),
        "phases": [(value, Phase(value).label) for value in PHASE_ORDER],
        "prompt_notes": [(p, [n for n in notes if n.prompt == p]) for p in retro.prompts],
        "loose_notes": by_group.get(None, []),
        "groups": [{"group": g, "notes": by_group.get(g.pk, []), "mine": my_votes.get(g.pk, 0)} for g in groups],
        "distribution": queries.safety_distribution(retro),
        "scale": SAFETY_SCALE,
        "own": own,
        "votes_left": retro.vote_budget - own.votes_used,
        "progress": queries.progress(retro),
        "actions": queries.actions_of(retro),
        "members": members,
        "notes_editable": retro.phase == Phase.REFLECT
        and not retro.notes_revealed
        and request.membership.has_role("member"),
        "boards": boards,
        "now": timezone.now(),
    }
    if retro.phase == Phase.OPEN_ACTIONS:
        context["open_actions"] = open_actions_before(retro)
        context["postmortem_actions"] = overdue_postmortem_actions(team)
    if retro.phase == Phase.REFLECT:
        context["strip"] = data_strip(team, start=retro.period_start, end=retro.scheduled_for)
        context["note_form"] = NoteForm()
    if retro.phase in (Phase.DISCUSS, Phase.SUMMARY):
        context["action_form"] = ActionForm(team=team)
    return context


def _render_live(request: TeamRequest, retro: Retro, *, error: str = "", status: int = 200) -> HttpResponse:
    secret, fresh = privacy.browser_secret(request)
    context = _meeting_context(request, retro, secret)
    context["error"] = error
    template = "retros/retro.html#live" if request.htmx else "retros/retro.html"
    response = render(request, template, context, status=status)
    privacy.remember_secret(response, request, secret, fresh=fresh)
    live_pass_grant(request, scope=live.poll_scope(retro.team.slug, retro.pk))
    return response


@team_view()
@require_GET
def retro_detail(request, team, retro_id):
    return _render_live(request, _retro(team, retro_id))


@team_view()
@require_GET
def retro_live(request, team, retro_id):
    """The live region, re-rendered: what the poll falls back to when something changed."""
    return _render_live(request, _retro(team, retro_id))


@live_poll
def poll(request, team, retro_id):
    """204 when nothing changed since version `v` (one cache read, no table), else the live region.

    The pass (core.live) is granted only by a full render that passed the access check for this retro, in
    this session, so an unchanged answer never skips the check for someone who never passed it. Anything
    else (another method, no pass, a visitor not logged in) takes retro_live's checks.
    """
    scope, key = live.poll_scope(team, retro_id), live.version_key(retro_id)
    if live_unchanged(request, scope=scope, key=key, since=request.GET.get("v")):
        return HttpResponse(status=204)
    time_zone_activate(request)
    return retro_live(request, team, retro_id)


def _changed(
    request: TeamRequest, retro: Retro, change: Callable[..., object], /, *args: Any, **kwargs: Any
) -> HttpResponse:
    """Run one service call; answer with the live region (htmx) or a redirect, the refusal shown."""
    outcome = attempt(request, change, *args, inline=True, **kwargs)
    if outcome.refused:
        return _render_live(request, retro, error=outcome.detail, status=refusal_status(request, outcome))
    retro.refresh_from_db()
    if request.htmx:
        return _render_live(request, retro)
    response = redirect(retro.get_absolute_url() + ("?big=1" if request.GET.get("big") == "1" else ""))
    secret, fresh = privacy.browser_secret(request)
    privacy.remember_secret(response, request, secret, fresh=fresh)
    return response


@team_view()
@require_POST
def phase_change(request, team, retro_id):
    retro = _retro(team, retro_id)
    target = request.POST.get("to") or None
    return _changed(request, retro, retro_advance_phase, retro=retro, by=request.user, to=target)


@team_view()
@require_POST
def hand_off(request, team, retro_id):
    retro = _retro(team, retro_id)
    to = get_object_or_404(
        Membership.objects.for_team(team).select_related("user"), user_id=parse_int(request.POST.get("user"))
    )
    return _changed(request, retro, retro_hand_off, retro=retro, to=to.user, by=request.user)


@team_view()
@require_POST
def board(request, team, retro_id):
    retro = _retro(team, retro_id)
    chosen = get_object_or_404(Board.objects.for_team(team), pk=parse_int(request.POST.get("board")))
    return _changed(request, retro, retro_set_board, retro=retro, board=chosen, by=request.user)


@team_view()
@require_POST
def timer(request, team, retro_id):
    retro = _retro(team, retro_id)
    minutes = parse_int(request.POST.get("minutes"))
    return _changed(
        request, retro, retro_timer_start, retro=retro, minutes=-1 if minutes is None else minutes, by=request.user
    )


@privacy.unlogged_author
@team_view()
@require_POST
def safety(request, team, retro_id):
    retro = _retro(team, retro_id)
    value = parse_int(request.POST.get("value")) or 0
    return _changed(request, retro, safety_answer, retro=retro, value=value, by=request.user)


@privacy.unlogged_author
@team_view()
@require_POST
def note_new(request, team, retro_id):
    retro = _retro(team, retro_id)
    form = NoteForm(request.POST)
    if not form.is_valid():
        return _changed(request, retro, _refuse, "Write a note and pick a prompt.")
    secret, _ = privacy.browser_secret(request)
    data = form.cleaned_data
    return _changed(
        request, retro, note_add, retro=retro, prompt=data["prompt"], text=data["text"], by=request.user, secret=secret
    )


@privacy.unlogged_author
@team_view()
@require_POST
def note_edit_view(request, team, retro_id):
    # The note id travels in the body, not the path: request logs carry the path.
    retro = _retro(team, retro_id)
    secret, _ = privacy.browser_secret(request)
    return _changed(
        request,
        retro,
        note_edit,
        retro=retro,
        note_id=_uuid(request.POST.get("note")),
        text=request.POST.get("text", ""),
        by=request.user,
        secret=secret,
    )


@privacy.unlogged_author
@team_view()
@require_POST
def note_delete_view(request, team, retro_id):
    retro = _retro(team, retro_id)
    secret, _ = privacy.browser_secret(request)
    note_id = _uuid(request.POST.get("note"))
    return _changed(request, retro, note_delete, retro=retro, note_id=note_id, by=request.user, secret=secret)


def _uuid(value: str | None) -> uuid.UUID | None:
    try:
        return uuid.UUID(str(value))
    except ValueError:
        return None


def _refuse(message: str) -> None:
    raise RetroError(message)


@team_view()
@require_POST
def reveal(request, team, retro_id):
    retro = _retro(team, retro_id)
    return _changed(request, retro, note_reveal, retro=retro, by=request.user)


def _note(retro: Retro, note_id: str | None) -> Note:
    # Note ids travel in the body, not the path: request logs carry the path and the user.
    try:
        key = uuid.UUID(str(note_id))
    except ValueError:
        raise Http404("No such note.") from None
    return get_object_or_404(Note.objects.for_team(retro.team).select_related("retro"), pk=key, retro=retro)


@team_view()
@require_POST
def note_hide_view(request, team, retro_id):
    retro = _retro(team, retro_id)
    note = _note(retro, request.POST.get("note"))
    return _changed(request, retro, note_hide, note=note, by=request.user, hidden=request.POST.get("hidden") != "0")


def _group(retro: Retro, group_id: str | int | None) -> Group:
    return get_object_or_404(Group.objects.for_team(retro.team), pk=parse_int(group_id), retro=retro)


@team_view()
@require_POST
def group_new(request, team, retro_id):
    retro = _retro(team, retro_id)
    return _changed(request, retro, group_create, retro=retro, title=request.POST.get("title", ""), by=request.user)


@team_view()
@require_POST
def group_rename_view(request, team, retro_id, group_id):
    retro = _retro(team, retro_id)
    group = _group(retro, group_id)
    return _changed(request, retro, group_rename, group=group, title=request.POST.get("title", ""), by=request.user)


@team_view()
@require_POST
def note_move(request, team, retro_id):
    retro = _retro(team, retro_id)
    note = _note(retro, request.POST.get("note"))
    group = _group(retro, request.POST["group"]) if request.POST.get("group") else None
    return _changed(request, retro, group_add_note, note=note, group=group, by=request.user)


@privacy.unlogged_author
@team_view()
@require_POST
def vote(request, team, retro_id):
    # The group travels in the body, not the path: request logs carry the path and the user.
    retro = _retro(team, retro_id)
    group = _group(retro, request.POST.get("group"))
    secret, _ = privacy.browser_secret(request)
    remove = request.POST.get("remove") == "1"
    return _changed(request, retro, vote_cast, retro=retro, group=group, by=request.user, secret=secret, remove=remove)


@team_view()
@require_POST
def discuss(request, team, retro_id):
    retro = _retro(team, retro_id)
    group = _group(retro, request.POST.get("group"))
    return _changed(request, retro, discuss_select, retro=retro, group=group, by=request.user)


@team_view()
@require_POST
def action_new(request, team, retro_id):
    retro = _retro(team, retro_id)
    form = ActionForm(request.POST, team=team)
    if not form.is_valid():
        return _changed(request, retro, _refuse, "Say what should be done; the owner must be a member.")
    group = _group(retro, request.POST["group"]) if request.POST.get("group") else None
    data = form.cleaned_data
    return _changed(
        request,
        retro,
        action_create,
        retro=retro,
        text=data["text"],
        by=request.user,
        owner=data["owner"],
        due_date=data["due_date"],
        group=group,
    )


@team_view()
@require_POST
def action_review_view(request, team, retro_id, action_id):
    retro = _retro(team, retro_id)
    action = get_object_or_404(
        ActionItem.objects.for_team(team).select_related("retro", "card__column", "card__board"), pk=action_id
    )
    return _changed(
        request,
        retro,
        action_review,
        action=action,
        retro=retro,
        decision=request.POST.get("decision", ""),
        by=request.user,
    )


@team_view()
@require_GET
def summary_md(request, team, retro_id):
    retro = _retro(team, retro_id)
    text = summary_markdown(retro)
    response = HttpResponse(text, content_type="text/markdown; charset=utf-8")
    response["Content-Disposition"] = f'inline; filename="retro-{retro.pk}.md"'
    return response
