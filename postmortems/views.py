"""Postmortem pages. Every lookup is scoped with `for_team`; every change goes through postmortems.services."""

from collections.abc import Callable
from datetime import datetime
from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST
from django_htmx.http import trigger_client_event

from core.csv_export import csv_response
from core.pages import attempt, attempt_and_redirect, refusal_status
from core.requests import TeamRequest
from postmortems import queries
from postmortems.alertmanager import alertmanager_token_create
from postmortems.attribution import attribution_choices
from postmortems.blameless import blame_hints
from postmortems.export import postmortem_markdown
from postmortems.forms import (
    ActionItemForm,
    NewPostmortemForm,
    PostmortemForm,
    ReviewForm,
    SettingsForm,
    TimelineEntryForm,
)
from postmortems.models import ActionItem, Postmortem, PostmortemSettings, Severity, Status, TimelineEntry
from postmortems.services import (
    action_item_create,
    action_item_delete,
    action_item_set_done,
    members_named,
    postmortem_approve,
    postmortem_create,
    postmortem_publish,
    postmortem_reopen,
    postmortem_request_review,
    postmortem_update,
    settings_update,
    timeline_entry_add,
    timeline_entry_delete,
    timeline_entry_update,
)
from postmortems.suggestions import suggestion_find, timeline_suggestions
from teams.access import team_view
from teams.models import Role, Team

PAGE_SIZE = 25


def _postmortem(team: Team, pm_id: int) -> Postmortem:
    return get_object_or_404(Postmortem.objects.for_team(team).select_related("team"), pk=pm_id)


@team_view()
@require_GET
def index(request, team):
    filters = queries.ListFilters.from_query(request.GET)
    page = Paginator(queries.postmortem_list(team=team, filters=filters), PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "page": page,
        "postmortems": page.object_list,
        "filters": filters,
        "filter_qs": filters.querystring(),
        "new_form": NewPostmortemForm(),
        "today": timezone.localdate(),
        "status_choices": Status.choices,
        "severities": Severity.values,
        "sorts": queries.SORTS.items(),
    }
    if request.htmx and request.htmx.target == "results":
        return render(request, "postmortems/index.html#results", context)
    return render(request, "postmortems/index.html", context)


@team_view()
@require_GET
def index_csv(request, team):
    """The postmortem list as CSV, with the list's filters and order, every row."""
    filters = queries.ListFilters.from_query(request.GET)
    header = ["Id", "Title", "Severity", "Status", "Owner", "Tags", "Started", "Resolved"]
    header += ["Time to detect (s)", "Time to restore (s)", "Open action items", "URL"]
    rows = (
        [
            pm.pk,
            pm.title,
            pm.severity,
            pm.get_status_display(),
            pm.owner.username if pm.owner else "",
            [tag.name for tag in pm.tags.all()],
            pm.started_at,
            pm.resolved_at,
            pm.time_to_detect,
            pm.time_to_restore,
            getattr(pm, "open_actions", 0),  # annotated by postmortem_list
            request.build_absolute_uri(pm.get_absolute_url()),
        ]
        for pm in queries.postmortem_list(team=team, filters=filters)
    )
    return csv_response(f"{team.slug}-postmortems.csv", header, rows)


@team_view()
@require_POST
def postmortem_new(request, team):
    form = NewPostmortemForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Give the postmortem a title and a severity.")
        return redirect("postmortems:index", team=team.slug)
    created = attempt(request, postmortem_create, team=team, by=request.user, **form.cleaned_data)
    if created.value is None:
        return redirect("postmortems:index", team=team.slug)
    messages.success(request, "Draft opened from the team's template: fill in the sections and the timeline.")
    return redirect(created.value)


def _detail_context(request, postmortem, **forms):
    if not hasattr(postmortem, "_prefetched_objects_cache"):  # fresh after a change, with all it shows
        postmortem = queries.postmortem_detail(team=postmortem.team, pm_id=postmortem.pk)
    team_settings = PostmortemSettings.of(postmortem.team)
    prompts = {s["field"]: s["prompt"] for s in team_settings.template_sections()}
    initial = {**postmortem.text_fields(), "owner": postmortem.owner_id, "tags": ", ".join(postmortem.tag_names())}
    initial["caused_by_deployment"] = postmortem.caused_by_deployment_id
    for name in ("started_at", "detected_at", "mitigated_at", "resolved_at"):
        initial[name] = getattr(postmortem, name)
    deployments = attribution_choices(postmortem=postmortem)
    return {
        "postmortem": postmortem,
        "timeline": queries.timeline_with_gaps(postmortem.timeline.all()),
        "action_items": postmortem.action_items.all(),
        "severity_description": team_settings.severity_description(postmortem.severity),
        "prompts": prompts,
        "can_write": request.membership.has_role("member"),
        "today": timezone.localdate(),
        "form": forms.get("form")
        or PostmortemForm(
            team=postmortem.team,
            prompts=prompts,
            custom=postmortem.custom_sections,
            deployments=deployments,
            initial=initial,
        ),
        "entry_form": forms.get("entry_form") or TimelineEntryForm(initial={"at": _next_entry_at(postmortem)}),
        "window_deployments": deployments,
        "action_form": forms.get("action_form") or ActionItemForm(team=postmortem.team),
        "review_form": forms.get("review_form") or ReviewForm(team=postmortem.team),
    }


def _next_entry_at(postmortem: Postmortem) -> datetime:
    """Where a new timeline entry most likely goes: after the last one, else at the incident's start (not now)."""
    entries = [entry.at for entry in postmortem.timeline.all()]
    return max(entries, default=None) or postmortem.started_at or timezone.now()


@team_view()
@require_GET
def detail(request, team, pm_id):
    postmortem = queries.postmortem_detail(team=team, pm_id=pm_id)
    return render(request, "postmortems/detail.html", _detail_context(request, postmortem))


@team_view()
@require_POST
def edit(request, team, pm_id):
    postmortem = _postmortem(team, pm_id)
    form = PostmortemForm(
        request.POST,
        team=team,
        custom=postmortem.custom_sections,
        deployments=attribution_choices(postmortem=postmortem),
    )
    outcome = None
    if form.is_valid():
        data = dict(form.cleaned_data)
        tags = data.pop("tags")
        outcome = attempt(
            request, postmortem_update, postmortem=postmortem, by=request.user, tags=tags, **data, on_form=form
        )
        if not outcome.refused:
            messages.success(request, "Postmortem saved.")
            return redirect(postmortem)
    context = _detail_context(request, postmortem, form=form)
    return render(request, "postmortems/detail.html", context, status=refusal_status(request, outcome))


def _status_change(
    request: TeamRequest,
    postmortem: Postmortem,
    change: Callable[..., Postmortem],
    done_message: str,
    **kwargs: Any,
) -> HttpResponse:
    return attempt_and_redirect(
        request, change, postmortem=postmortem, by=request.user, **kwargs, back=postmortem, success=done_message
    )


@team_view()
@require_POST
def review(request, team, pm_id):
    postmortem = _postmortem(team, pm_id)
    form = ReviewForm(request.POST, team=team)
    if not form.is_valid():
        messages.error(request, "Pick at least one reviewer.")
        return redirect(postmortem)
    reviewers = form.cleaned_data["reviewers"]
    return _status_change(request, postmortem, postmortem_request_review, "Sent to review.", reviewers=reviewers)


@team_view()
@require_POST
def approve(request, team, pm_id):
    return _status_change(request, _postmortem(team, pm_id), postmortem_approve, "Approved.")


@team_view()
@require_POST
def publish(request, team, pm_id):
    return _status_change(
        request, _postmortem(team, pm_id), postmortem_publish, "Published: the text is now read-only."
    )


@team_view()
@require_POST
def reopen(request, team, pm_id):
    return _status_change(request, _postmortem(team, pm_id), postmortem_reopen, "Back to draft.")


# --- timeline (htmx: every change answers with the whole timeline, in order) --------------------------


def _timeline_response(request, postmortem, *, entry_form=None, status=200):
    if not request.htmx:
        if status == 200:
            return redirect(postmortem)
        return render(
            request,
            "postmortems/detail.html",
            _detail_context(request, postmortem, entry_form=entry_form),
            status=status,
        )
    context = _detail_context(request, postmortem, entry_form=entry_form) | {"timeline_alone": True}
    return trigger_client_event(render(request, "postmortems/detail.html#timeline", context), "timeline-changed")


def _entry(postmortem: Postmortem, entry_id: int) -> TimelineEntry:
    return get_object_or_404(
        TimelineEntry.objects.filter(postmortem=postmortem).select_related("postmortem"), pk=entry_id
    )


@team_view()
@require_POST
def timeline_add(request, team, pm_id):
    postmortem = _postmortem(team, pm_id)
    form = TimelineEntryForm(request.POST)
    outcome = None
    if form.is_valid():
        # A published postmortem shows no entry form: its refusal goes into the timeline's messages.
        on_form = None if postmortem.is_published else form
        outcome = attempt(
            request, timeline_entry_add, postmortem=postmortem, by=request.user, **form.cleaned_data, on_form=on_form
        )
        if not outcome.refused:
            return _timeline_response(request, postmortem)
    return _timeline_response(request, postmortem, entry_form=form, status=refusal_status(request, outcome))


@team_view(Role.MEMBER)
def timeline_entry(request, team, pm_id, entry_id):
    """GET: the entry's edit form in place; POST: save it and answer with the timeline."""
    postmortem = _postmortem(team, pm_id)
    entry = _entry(postmortem, entry_id)
    if request.method == "GET":
        initial = {"at": entry.at, "kind": entry.kind, "text": entry.text}
        form = TimelineEntryForm(initial=initial, prefix=f"entry-{entry.pk}")
        return render(
            request, "postmortems/detail.html#entry-form", {"postmortem": postmortem, "entry": entry, "form": form}
        )
    form = TimelineEntryForm(request.POST, prefix=f"entry-{entry.pk}")
    outcome = None
    if form.is_valid():
        outcome = attempt(
            request, timeline_entry_update, entry=entry, by=request.user, **form.cleaned_data, on_form=form
        )
        if not outcome.refused:
            return _timeline_response(request, postmortem)
    if request.htmx:
        return render(
            request, "postmortems/detail.html#entry-form", {"postmortem": postmortem, "entry": entry, "form": form}
        )
    return _timeline_response(request, postmortem, status=refusal_status(request, outcome))


@team_view()
@require_POST
def timeline_delete(request, team, pm_id, entry_id):
    postmortem = _postmortem(team, pm_id)
    attempt(request, timeline_entry_delete, entry=_entry(postmortem, entry_id), by=request.user)
    return _timeline_response(request, postmortem)


@team_view()
@require_GET
def suggestions(request, team, pm_id):
    postmortem = _postmortem(team, pm_id)
    context = {"postmortem": postmortem, "suggestions": timeline_suggestions(postmortem=postmortem)}
    context["can_write"] = request.membership.has_role("member") and not postmortem.is_published
    return render(request, "postmortems/_suggestions.html", context)


@team_view()
@require_POST
def suggestion_add(request, team, pm_id):
    postmortem = _postmortem(team, pm_id)
    found = suggestion_find(postmortem=postmortem, source=request.POST.get("source", ""))
    if found is None:
        messages.error(request, "That suggestion is no longer there (already added, or outside the incident window).")
        return _timeline_response(request, postmortem)
    attempt(
        request,
        timeline_entry_add,
        postmortem=postmortem,
        at=found.at,
        kind=found.kind,
        text=found.text,
        source=found.source,
        by=request.user,
    )
    return _timeline_response(request, postmortem)


@team_view()
@require_POST
def hints(request, team, pm_id):
    """Blameless writing hints for the editor's text (advisory; nothing is saved)."""
    _postmortem(team, pm_id)
    phrases, names = PostmortemSettings.of(team).phrases(), members_named(team=team)
    found = []
    for field, text in request.POST.items():
        # Each field's hints quote that field alone: the page shows them under it.
        if field != "csrfmiddlewaretoken" and (hints := blame_hints(text=text[:50_000], phrases=phrases, names=names)):
            found.append((field, hints))
    return render(request, "postmortems/detail.html#hints", {"hints": found})


# --- action items --------------------------------------------------------------------


def _item(postmortem: Postmortem, item_id: int) -> ActionItem:
    items = ActionItem.objects.filter(postmortem=postmortem).select_related(
        "postmortem__team", "card__column", "card__board"
    )
    return get_object_or_404(items, pk=item_id)


@team_view()
@require_POST
def action_add(request, team, pm_id):
    postmortem = _postmortem(team, pm_id)
    form = ActionItemForm(request.POST, team=team)
    outcome = None
    if form.is_valid():
        outcome = attempt(
            request, action_item_create, postmortem=postmortem, by=request.user, **form.cleaned_data, on_form=form
        )
        if not outcome.refused:
            messages.success(request, "Action item added.")
            return redirect(postmortem)
    context = _detail_context(request, postmortem, action_form=form)
    return render(request, "postmortems/detail.html", context, status=refusal_status(request, outcome))


@team_view()
@require_POST
def action_done(request, team, pm_id, item_id):
    postmortem = _postmortem(team, pm_id)
    done = request.POST.get("done", "1") == "1"
    return attempt_and_redirect(
        request, action_item_set_done, item=_item(postmortem, item_id), done=done, by=request.user, back=postmortem
    )


@team_view()
@require_POST
def action_delete(request, team, pm_id, item_id):
    postmortem = _postmortem(team, pm_id)
    return attempt_and_redirect(
        request, action_item_delete, item=_item(postmortem, item_id), by=request.user, back=postmortem
    )


# --- exports -------------------------------------------------------------------------


@team_view()
@require_GET
def markdown(request, team, pm_id):
    postmortem = queries.postmortem_detail(team=team, pm_id=pm_id)
    text = postmortem_markdown(
        postmortem=postmortem, timeline=postmortem.timeline.all(), action_items=postmortem.action_items.all()
    )
    response = HttpResponse(text, content_type="text/markdown; charset=utf-8")
    response["Content-Disposition"] = f'inline; filename="postmortem-{postmortem.pk}.md"'
    return response


@team_view()
@require_GET
def print_view(request, team, pm_id):
    postmortem = queries.postmortem_detail(team=team, pm_id=pm_id)
    context = {
        "postmortem": postmortem,
        "timeline": queries.timeline_with_gaps(postmortem.timeline.all()),
        "action_items": postmortem.action_items.all(),
        "today": timezone.localdate(),
    }
    return render(request, "postmortems/print.html", context)


@team_view()
@require_GET
def reminders(request, team):
    """Open action items, overdue first: the in-app reminder list."""
    items = queries.open_action_items(team=team)
    return render(request, "postmortems/reminders.html", {"items": items, "today": timezone.localdate()})


# --- team settings (owners) ----------------------------------------------------------


@team_view("owner")
def settings_page(request, team):
    found = PostmortemSettings.of(team)
    form = SettingsForm(request.POST or None, team=team, initial=SettingsForm.initial_for(found))
    outcome = None
    if request.method == "POST" and form.is_valid():
        outcome = attempt(request, settings_update, team=team, by=request.user, **form.changes(), on_form=form)
        if not outcome.refused:
            messages.success(request, "Postmortem settings saved.")
            return redirect("postmortems:settings", team=team.slug)
    context = {"form": form, "has_token": bool(found.alertmanager_token_hash)}
    context["intake_url"] = request.build_absolute_uri(reverse("alertmanager:webhook", kwargs={"team": team.slug}))
    return render(
        request, "postmortems/settings.html", context, status=refusal_status(request, outcome) if form.errors else 200
    )


@team_view("owner")
@require_POST
def alertmanager_token_new(request, team):
    token = alertmanager_token_create(team=team, by=request.user)
    form = SettingsForm(team=team, initial=SettingsForm.initial_for(PostmortemSettings.of(team)))
    context: dict[str, Any] = {"form": form}
    context["intake_url"] = request.build_absolute_uri(reverse("alertmanager:webhook", kwargs={"team": team.slug}))
    context.update(has_token=True, new_token=token)
    return render(request, "postmortems/settings.html", context)
