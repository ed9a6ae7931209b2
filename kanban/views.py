"""Board pages. Every lookup goes through a `for_team(team)` QuerySet; every change through kanban.services."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST
from django_htmx.http import HttpResponseClientRedirect, trigger_client_event

from core.csv_export import csv_response
from core.live import live_poll, live_unchanged
from core.pages import attempt, attempt_and_redirect, refusal_status
from core.requests import parse_int
from kanban import flow
from kanban.annotations import cards_annotate
from kanban.forms import (
    BoardForm,
    BoardSettingsForm,
    CardForm,
    ChecklistItemForm,
    ColumnForm,
    CommentForm,
    LabelForm,
    MoveForm,
    QuickAddForm,
    SwimlaneForm,
)
from kanban.live import board_pass_grant, board_version, changed_columns, poll_scope, version_key
from kanban.models import Board, Card, ChecklistItem, Column, Swimlane
from kanban.queries import CardFilter, board_columns, cell_cards
from kanban.services import (
    board_create,
    board_delete,
    board_update,
    card_archive,
    card_create,
    card_delete,
    card_move,
    card_rank,
    card_restore,
    card_update,
    checklist_item_add,
    checklist_item_toggle,
    column_create,
    column_delete,
    column_update,
    comment_add,
    label_create,
    swimlane_create,
    swimlane_delete,
)
from teams.access import team_view
from teams.confirm import confirmed
from teams.models import Role
from teams.profile import time_zone_activate


def _board(team, board_id) -> Board:
    return get_object_or_404(Board.objects.for_team(team).select_related("team"), pk=board_id)


def _card(team, card_id) -> Card:
    return get_object_or_404(
        Card.objects.for_team(team).select_related("board", "column", "swimlane", "team"), pk=card_id
    )


@team_view()
@require_GET
def index(request, team):
    boards = team.boards.annotate(open_cards=Count("cards", filter=Q(cards__archived_at__isnull=True)))
    return render(request, "kanban/index.html", {"boards": boards, "form": BoardForm()})


@team_view()
@require_POST
def board_new(request, team):
    form = BoardForm(request.POST)
    if not form.is_valid():
        boards = team.boards.annotate(open_cards=Count("cards", filter=Q(cards__archived_at__isnull=True)))
        return render(request, "kanban/index.html", {"boards": boards, "form": form}, status=400)
    board = board_create(team=team, name=form.cleaned_data["name"], by=request.user, columns=form.column_specs())
    messages.success(request, f"Board {board.name} created. Add cards with the “Add a card” field of a column.")
    return redirect(board)


def _card_url_prefix(team) -> str:
    """The card URL without its id: one reverse() per page instead of one per card."""
    return reverse("kanban:card", kwargs={"team": team.slug, "card_id": 0}).removesuffix("0/")


def _board_context(request, board, filters):
    columns, swimlanes = board_columns(board, filters)
    return {
        "board": board,
        "card_url_prefix": _card_url_prefix(board.team),
        "today": timezone.localdate(),
        "columns": columns,
        "swimlanes": swimlanes,
        "filters": filters,
        "filter_qs": filters.querystring(),
        "can_write": request.membership.has_role("member"),
        "board_version": board_version(board.pk, start=True),
    }


@team_view()
@require_GET
def board_detail(request, team, board_id):
    board = _board(team, board_id)
    filters = CardFilter.from_query(request.GET)
    context = _board_context(request, board, filters)
    context["labels"] = team.labels.all()
    context["members"] = team.memberships.select_related("user")
    board_pass_grant(request, team=team, board_id=board.pk)
    return render(request, "kanban/board.html", context)


@team_view()
@require_GET
def board_csv(request, team, board_id):
    """The board's cards as CSV (archived ones included, marked), for a spreadsheet."""
    board = _board(team, board_id)
    cards = (
        Card.objects.for_team(team)
        .filter(board=board)
        .select_related("column", "swimlane")
        .prefetch_related("assignees", "labels")
        .order_by("column__position", "position", "id")
    )
    header = [
        "Id",
        "Title",
        "Column",
        "Swimlane",
        "Priority",
        "Assignees",
        "Labels",
        "Due",
        "Created",
        "Done",
        "Archived",
        "URL",
    ]
    rows = (
        [
            card.pk,
            card.title,
            card.column.name,
            card.swimlane.name if card.swimlane else "",
            card.get_priority_display(),
            [user.username for user in card.assignees.all()],
            [label.name for label in card.labels.all()],
            card.due_date,
            card.created_at,
            card.done_at,
            card.archived_at,
            request.build_absolute_uri(card.get_absolute_url()),
        ]
        for card in cards
    )
    return csv_response(f"{team.slug}-board-{board.pk}-cards.csv", header, rows)


def _render_columns(request, board, filters, column_ids, *, extra=None) -> list[dict]:
    columns, _ = board_columns(board, filters, only_column_ids=set(column_ids))
    base = {"board": board, "filters": filters, "filter_qs": filters.querystring(), **(extra or {})}
    base["card_url_prefix"] = _card_url_prefix(board.team)
    base["today"] = timezone.localdate()
    base["can_write"] = request.membership.has_role("member")
    return [
        {"id": column.pk, "html": render_to_string("kanban/board.html#column", {**base, "column": column}, request)}
        for column in columns
    ]


@team_view()
@require_GET
def column_detail(request, team, board_id, column_id):
    """The fresh column, for htmx refreshes after a change elsewhere on the page."""
    board = _board(team, board_id)
    get_object_or_404(Column.objects.for_team(team), pk=column_id, board=board)
    filters = CardFilter.from_query(request.GET)
    return HttpResponse(_render_columns(request, board, filters, [column_id])[0]["html"])


@live_poll
def board_changes(request, team, board_id):
    """What a live board polls: 204 while `since` is the board's version (no table read, no rendering).

    A session that opened the board (its access check passed, core.live's pass) is answered from one cache
    read; otherwise, or when something changed, `_board_changes` checks access and answers 204 (renewing the
    pass) or 200 with the new version and the changed columns, which the page refreshes.
    """
    since = request.GET.get("since")
    if live_unchanged(request, scope=poll_scope(team, board_id), key=version_key(board_id), since=since):
        return HttpResponse(status=204)
    time_zone_activate(request)
    return _board_changes(request, team, board_id)


@team_view()
@require_GET
def _board_changes(request, team, board_id):
    # The scoped lookup comes first: the version key names the board alone, and another team's board is a 404.
    board = _board(team, board_id)
    version = board_version(board.pk)
    since = parse_int(request.GET.get("since"), -1)
    if version is not None and since == version:
        board_pass_grant(request, team=team, board_id=board.pk)
        return HttpResponse(status=204)
    column_ids = list(board.columns.values_list("pk", flat=True))
    version, columns = changed_columns(board_id=board.pk, since=since, column_ids=column_ids)
    return JsonResponse({"version": version, "columns": columns})


@team_view()
@require_GET
def column_more(request, team, board_id, column_id):
    """The next page of cards of a column (and swimlane), after `after` (a position)."""
    board = _board(team, board_id)
    column = get_object_or_404(Column.objects.for_team(team), pk=column_id, board=board)
    swimlane = None
    if request.GET.get("swimlane"):
        swimlane = get_object_or_404(
            Swimlane.objects.for_team(team), pk=parse_int(request.GET["swimlane"]), board=board
        )
    filters = CardFilter.from_query(request.GET)
    cards, has_more = cell_cards(
        board, filters, column=column, swimlane=swimlane, after_position=parse_int(request.GET.get("after"), None)
    )
    context = {
        "board": board,
        "column": column,
        "swimlane": swimlane,
        "cards": cards,
        "has_more": has_more,
        "last_position": cards[-1].position if cards else None,
        "card_url_prefix": _card_url_prefix(team),
        "today": timezone.localdate(),
        "filter_qs": filters.querystring(),
    }
    return render(request, "kanban/board.html#more-cards", context)


def changed(response, *, status: str = "", error: bool = False, columns=()):
    """Tell the page what changed: each column in `columns` refreshes itself, the status line says `status`."""
    for column_id in sorted(set(columns)):
        trigger_client_event(response, f"column-changed-{column_id}")
    if status:
        # Not "error": htmx logs any event detail with that key as a console error.
        trigger_client_event(response, "board-status", {"text": status, "refused": error})
    return response


@team_view()
@require_POST
def quick_add(request, team, board_id, column_id):
    """Add a card at the bottom of a column; htmx gets the fresh column (with the error, if any)."""
    board = _board(team, board_id)
    column = get_object_or_404(Column.objects.for_team(team), pk=column_id, board=board)
    swimlane = None
    if request.POST.get("swimlane"):
        swimlane = get_object_or_404(
            Swimlane.objects.for_team(team), pk=parse_int(request.POST["swimlane"]), board=board
        )
    form = QuickAddForm(request.POST)
    error = "Give the card a title."
    if form.is_valid():
        error = attempt(
            request,
            card_create,
            board=board,
            title=form.cleaned_data["title"],
            by=request.user,
            column=column,
            swimlane=swimlane,
            position=None,
            inline=True,  # shown in the column (htmx) or as a message below
        ).detail
    if not request.htmx:
        if error:
            messages.error(request, error)
        return redirect(board)
    filters = CardFilter.from_query(request.GET)
    extra = {"quick_add_error": error, "quick_add_column": column.pk, "quick_add_title": request.POST.get("title", "")}
    return HttpResponse(_render_columns(request, board, filters, [column.pk], extra=extra)[0]["html"])


def _card_context(
    card, *, edit_form=None, move_form=None, comment_form=None, checklist_form=None, confirm_delete=False
):
    board = card.board
    columns = list(board.columns.all())
    index = next(i for i, c in enumerate(columns) if c.pk == card.column_id)
    open_cards = Card.objects.open().filter(column_id=card.column_id)
    # The column's order is (position, id): the neighbours are the nearest cards on either side of it.
    earlier = Q(position__lt=card.position) | Q(position=card.position, pk__lt=card.pk)
    later = Q(position__gt=card.position) | Q(position=card.position, pk__gt=card.pk)
    above = open_cards.filter(earlier).order_by("-position", "-id").values_list("pk", flat=True)
    below = open_cards.filter(later).order_by("position", "id").values_list("pk", flat=True)
    cards_annotate([card], team=card.team)
    return {
        "card": card,
        "board": board,
        "rank": card_rank(card),
        "card_above": above.first(),
        "card_below": below.first(),
        "card_labels": card.labels.all(),
        "card_assignees": card.assignees.all(),
        "events": card.events.select_related("actor").order_by("-created_at", "-id"),
        "comments": card.comments.select_related("author"),
        "checklist": card.checklist.all(),
        "columns": columns,
        "previous_column": columns[index - 1] if index > 0 else None,
        "next_column": columns[index + 1] if index + 1 < len(columns) else None,
        "edit_form": edit_form or CardForm.for_card(card),
        "move_form": move_form or MoveForm(board_id=board.pk, initial={"column": card.column_id}),
        "comment_form": comment_form or CommentForm(),
        "checklist_form": checklist_form or ChecklistItemForm(),
        "wip_age": card.wip_age_days(),
        "confirm_delete": confirm_delete,
    }


def _card_response(request, card, *, trigger_columns=(), status=200, **forms):
    card = _card(card.team, card.pk)  # fresh after the change, still scoped to the team
    context = _card_context(card, **forms)
    if request.htmx:
        return changed(render(request, "kanban/card.html#panel", context, status=status), columns=trigger_columns)
    if status == 200 and request.method == "POST" and not forms.get("confirm_delete"):
        return redirect(card)
    return render(request, "kanban/card.html", context, status=status)


@team_view()
@require_GET
def card_detail(request, team, card_id):
    card = _card(team, card_id)
    return _card_response(request, card)


@team_view()
@require_POST
def card_edit(request, team, card_id):
    card = _card(team, card_id)
    form = CardForm.for_card(card, data=request.POST)
    outcome = None
    if form.is_valid():
        data = form.cleaned_data
        assignees, labels = data.pop("assignees"), data.pop("labels")
        outcome = attempt(
            request, card_update, card=card, by=request.user, assignees=assignees, labels=labels, **data, on_form=form
        )
        if not outcome.refused:
            messages.success(request, "Card saved.")
            return _card_response(request, card, trigger_columns=[card.column_id])
    return _card_response(request, card, edit_form=form, status=refusal_status(request, outcome))


@team_view()
@require_POST
def card_move_view(request, team, card_id):
    """Move a card: drag and drop, the panel's Move buttons and the plain form all post here.

    An htmx request that targets the card panel gets the fresh panel; drag and drop (no
    target) an empty answer. Both carry HX-Trigger events: the changed columns refresh
    themselves and the board's status line says what happened (a refusal too, as 200:
    htmx would otherwise drop the answer). Without htmx: back to the card, with a message.
    """
    card = _card(team, card_id)
    form = MoveForm(request.POST, board_id=card.board_id)
    source_id = card.column_id
    to_panel = request.htmx and request.htmx.target == "card-detail"
    if not form.is_valid():
        if to_panel or not request.htmx:
            return _card_response(request, card, move_form=form, status=refusal_status(request))
        return changed(HttpResponse(status=200), status=form.error_text(), error=True, columns=[source_id])
    # The refusal goes on the panel's move form, into the status line (drag and drop) or a message
    # (no htmx, or the panel of an archived card, which shows no move form but shows messages).
    panel_form = to_panel and card.archived_at is None
    moved = attempt(
        request,
        card_move,
        card=card,
        by=request.user,
        **form.move_kwargs(),
        on_form=form if panel_form else None,
        inline=bool(request.htmx) and not to_panel,
    )
    if moved.value is None:  # refused
        if not request.htmx:
            return redirect(card)
        if to_panel:
            return _card_response(request, card, move_form=form)
        # Both columns: the dragged card sits in the target on the page and goes back to its source.
        columns = [source_id, form.cleaned_data["column"]]
        return changed(HttpResponse(status=200), status=moved.detail, error=True, columns=columns)
    card = moved.value
    if to_panel or not request.htmx:
        messages.success(request, f"Moved to {card.column.name}, position {card_rank(card)}.")
        return _card_response(request, card, trigger_columns=[source_id, card.column_id])
    # No rank here: counting the cards above would make a drop cost more in a long column.
    return changed(
        HttpResponse(status=200), status=f"Moved to {card.column.name}.", columns=[source_id, card.column_id]
    )


@team_view()
@require_POST
def comment_new(request, team, card_id):
    card = _card(team, card_id)
    form = CommentForm(request.POST)
    outcome = None
    if form.is_valid():
        outcome = attempt(
            request, comment_add, card=card, body=form.cleaned_data["body"], by=request.user, on_form=form
        )
        if not outcome.refused:
            return _card_response(request, card)
    return _card_response(request, card, comment_form=form, status=refusal_status(request, outcome))


@team_view()
@require_POST
def checklist_new(request, team, card_id):
    card = _card(team, card_id)
    form = ChecklistItemForm(request.POST)
    outcome = None
    if form.is_valid():
        outcome = attempt(
            request, checklist_item_add, card=card, text=form.cleaned_data["text"], by=request.user, on_form=form
        )
        if not outcome.refused:
            return _card_response(request, card, trigger_columns=[card.column_id])
    return _card_response(request, card, checklist_form=form, status=refusal_status(request, outcome))


@team_view()
@require_POST
def checklist_toggle(request, team, card_id, item_id):
    card = _card(team, card_id)
    item = get_object_or_404(ChecklistItem.objects.for_team(team).select_related("card__team"), pk=item_id)
    if item.card_id != card.pk:
        return HttpResponse("That item belongs to another card.", status=404)
    checklist_item_toggle(item=item, done=request.POST.get("done") == "1", by=request.user)
    return _card_response(request, card, trigger_columns=[card.column_id])


@team_view()
@require_POST
def card_archive_view(request, team, card_id):
    card = _card(team, card_id)
    if not attempt(request, card_archive, card=card, by=request.user).refused:
        messages.success(request, f"Archived “{card.title}”. Find it under Archived.")
    return _card_response(request, card, trigger_columns=[card.column_id])


@team_view()
@require_POST
def card_restore_view(request, team, card_id):
    card = _card(team, card_id)
    done = f"“{card.title}” is back on top of {card.column.name}."
    return attempt_and_redirect(request, card_restore, card=card, by=request.user, back=card, success=done)


@team_view()
@require_POST
def card_delete_view(request, team, card_id):
    """Delete a card for good, only once the person confirmed: the first click asks."""
    card = _card(team, card_id)
    if not confirmed(request):
        return _card_response(request, card, confirm_delete=True)
    board = card.board
    if not attempt(request, card_delete, card=card, by=request.user).refused:
        messages.success(request, f"Deleted “{card.title}”.")
    if request.htmx:
        return HttpResponseClientRedirect(board.get_absolute_url())
    return redirect(board)


@team_view()
@require_GET
def archived(request, team, board_id):
    board = _board(team, board_id)
    q = request.GET.get("q", "").strip()[:200]
    cards = Card.objects.archived().filter(board=board).select_related("column").order_by("-archived_at", "-id")
    if q:
        cards = cards.filter(Q(title__icontains=q) | Q(description__icontains=q) | Q(source_id__icontains=q))
    page = Paginator(cards, 50).get_page(request.GET.get("page"))
    return render(request, "kanban/archived.html", {"board": board, "page": page, "q": q})


@team_view()
@require_GET
def flow_page(request, team, board_id):
    board = _board(team, board_id)
    days = max(7, min(parse_int(request.GET.get("days"), 30), 365))
    metrics = flow.board_flow_metrics(board=board, days=days)
    series = metrics["cfd"]["series"]
    cfd_rows = [(day, [s["counts"][i] for s in series]) for i, day in enumerate(metrics["cfd"]["dates"])]
    context = {"board": board, "metrics": metrics, "days": days, "cfd_rows": cfd_rows}
    context["json_url"] = reverse_flow_json(board, days)
    return render(request, "kanban/flow.html", context)


def reverse_flow_json(board, days) -> str:
    return reverse("kanban:flow-json", kwargs={"team": board.team.slug, "board_id": board.pk}) + f"?days={days}"


@team_view()
@require_GET
def flow_json(request, team, board_id):
    board = _board(team, board_id)
    days = max(7, min(parse_int(request.GET.get("days"), 30), 365))
    return JsonResponse(flow.board_flow_metrics(board=board, days=days))


@team_view(write_role=Role.OWNER)
def board_settings(request, team, board_id):
    board = _board(team, board_id)
    form = BoardSettingsForm(
        request.POST or None, initial={"name": board.name, "archive_after_days": board.archive_after_days}
    )
    outcome = None
    if request.method == "POST" and form.is_valid():
        outcome = attempt(request, board_update, board=board, by=request.user, **form.cleaned_data, on_form=form)
        if not outcome.refused:
            messages.success(request, "Board settings saved.")
            return redirect("kanban:settings", team=team.slug, board_id=board.pk)
    return _settings_page(
        request, board, form=form, status=refusal_status(request, outcome) if request.method == "POST" else 200
    )


def _settings_page(request, board, *, form=None, status=200, **forms):
    columns = board.columns.all()
    context = {
        "board": board,
        "form": form or BoardSettingsForm(initial={"name": board.name, "archive_after_days": board.archive_after_days}),
        "column_forms": [(c, ColumnForm(instance=c, prefix=f"c{c.pk}")) for c in columns],
        "new_column_form": forms.get("new_column_form") or ColumnForm(prefix="new", initial={"wip_mode": "soft"}),
        "swimlanes": board.swimlanes.all(),
        "swimlane_form": forms.get("swimlane_form") or SwimlaneForm(),
        "labels": board.team.labels.all(),
        "label_form": forms.get("label_form") or LabelForm(),
        # Board settings, columns, swimlanes and labels are the owners' to change; others read them.
        "can_administer": request.membership.has_role(Role.OWNER),
    }
    return render(request, "kanban/settings.html", context, status=status)


@team_view(role=Role.OWNER)
@require_POST
def column_new(request, team, board_id):
    board = _board(team, board_id)
    form = ColumnForm(request.POST, prefix="new")
    if not form.is_valid():
        return _settings_page(request, board, new_column_form=form, status=400)
    data = form.cleaned_data
    data.pop("position", None)
    column_create(board=board, by=request.user, **data)
    messages.success(request, f"Column {data['name']} added.")
    return redirect("kanban:settings", team=team.slug, board_id=board.pk)


@team_view(role=Role.OWNER)
@require_POST
def column_edit(request, team, board_id, column_id):
    board = _board(team, board_id)
    column = get_object_or_404(Column.objects.for_team(team), pk=column_id, board=board)
    name = column.name
    form = ColumnForm(request.POST, instance=column, prefix=f"c{column.pk}")
    if not form.is_valid():
        errors = "; ".join(str(error) for errors in form.errors.values() for error in errors)
        messages.error(request, f"Column {name} was not saved: {errors}")
        return redirect("kanban:settings", team=team.slug, board_id=board.pk)
    settings_url = reverse("kanban:settings", kwargs={"team": team.slug, "board_id": board.pk})
    done = f"Column {form.cleaned_data.get('name', name)} saved."
    return attempt_and_redirect(
        request, column_update, column=column, by=request.user, **form.cleaned_data, back=settings_url, success=done
    )


@team_view(role=Role.OWNER)
@require_POST
def swimlane_new(request, team, board_id):
    board = _board(team, board_id)
    form = SwimlaneForm(request.POST)
    if not form.is_valid():
        return _settings_page(request, board, swimlane_form=form, status=400)
    swimlane_create(board=board, by=request.user, **form.cleaned_data)
    messages.success(request, f"Swimlane {form.cleaned_data['name']} added.")
    return redirect("kanban:settings", team=team.slug, board_id=board.pk)


@team_view(role=Role.OWNER)
@require_POST
def label_new(request, team, board_id):
    board = _board(team, board_id)
    form = LabelForm(request.POST)
    if not form.is_valid():
        return _settings_page(request, board, label_form=form, status=400)
    label_create(team=team, by=request.user, **form.cleaned_data)
    messages.success(request, f"Label {form.cleaned_data['name']} added.")
    return redirect("kanban:settings", team=team.slug, board_id=board.pk)


def confirm_page(request, *, title: str, question: str, consequence: str, button: str, cancel: str):
    """The page a destructive action answers its first click with: it asks, and deletes nothing."""
    context = {
        "title": title,
        "question": question,
        "consequence": consequence,
        "button": button,
        "action": request.get_full_path(),
        "cancel": cancel,
    }
    return render(request, "confirm_delete.html", context)


@team_view(Role.OWNER)
@require_POST
def board_delete_view(request, team, board_id):
    board = _board(team, board_id)
    if not confirmed(request):
        count = board.cards.count()
        return confirm_page(
            request,
            title=f"Delete board {board.name}",
            question=f"Delete the board “{board.name}” for good?",
            consequence=f"Its columns, swimlanes and {count} card(s) go with it, history included.",
            button=f"Yes, delete “{board.name}”",
            cancel=reverse("kanban:settings", kwargs={"team": team.slug, "board_id": board.pk}),
        )
    board_delete(board=board, by=request.user)
    messages.success(request, f"Deleted the board “{board.name}”.")
    return redirect("kanban:index", team=team.slug)


@team_view(Role.OWNER)
@require_POST
def column_delete_view(request, team, board_id, column_id):
    board = _board(team, board_id)
    column = get_object_or_404(Column.objects.for_team(team), pk=column_id, board=board)
    settings_url = reverse("kanban:settings", kwargs={"team": team.slug, "board_id": board.pk})
    if not confirmed(request):
        return confirm_page(
            request,
            title=f"Delete column {column.name}",
            question=f"Delete the column “{column.name}”?",
            consequence="Only an empty column can go; its history lines keep their text.",
            button=f"Yes, delete “{column.name}”",
            cancel=settings_url,
        )
    done = f"Deleted the column “{column.name}”."
    return attempt_and_redirect(request, column_delete, column=column, by=request.user, back=settings_url, success=done)


@team_view(Role.OWNER)
@require_POST
def swimlane_delete_view(request, team, board_id, swimlane_id):
    board = _board(team, board_id)
    swimlane = get_object_or_404(Swimlane.objects.for_team(team), pk=swimlane_id, board=board)
    settings_url = reverse("kanban:settings", kwargs={"team": team.slug, "board_id": board.pk})
    if not confirmed(request):
        return confirm_page(
            request,
            title=f"Delete swimlane {swimlane.name}",
            question=f"Delete the swimlane “{swimlane.name}”?",
            consequence="Its cards stay on the board, in no swimlane.",
            button=f"Yes, delete “{swimlane.name}”",
            cancel=settings_url,
        )
    swimlane_delete(swimlane=swimlane, by=request.user)
    messages.success(request, f"Deleted the swimlane “{swimlane.name}”.")
    return redirect(settings_url)
