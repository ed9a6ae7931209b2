"""The GitHub page of a team: connected repositories, their sync status, connecting one."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Count
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from core.pages import attempt, refusal_status
from integrations.alert_cards import SEVERITIES, alert_card_rule_set
from integrations.github.connections import (
    repositories_visible,
    repository_connect,
    repository_disconnect,
    repository_settings_update,
    repository_sync_request,
)
from integrations.github.forms import INTERVAL_CHOICES, AlertCardRuleForm, ConnectForm, IntervalForm
from integrations.models import (
    DEFAULT_API_URL,
    AlertCardRule,
    DependabotAlert,
    Deployment,
    Issue,
    PullRequest,
    Release,
    Repository,
    WorkflowRun,
)
from kanban.models import Board, Column
from teams.access import team_view
from teams.confirm import confirmed
from teams.models import Role


def _repositories(team) -> list[Repository]:
    """The team's repositories with their row counts, in a constant number of queries."""
    repositories = list(Repository.objects.for_team(team).select_related("connection"))
    counts = {
        "open_issues": Issue.objects.filter(state="open", deleted_at__isnull=True),
        "open_pulls": PullRequest.objects.filter(state="open", deleted_at__isnull=True),
        "open_alerts": DependabotAlert.objects.filter(state="open"),
        "runs": WorkflowRun.objects.all(),
    }
    for name, queryset in counts.items():
        per_repository = dict(
            queryset.for_team(team).values("repository_id").annotate(n=Count("id")).values_list("repository_id", "n")
        )
        for repository in repositories:
            setattr(repository, name, per_repository.get(repository.pk, 0))
    for repository in repositories:
        repository.interval_form = IntervalForm(
            initial={"interval": repository.sync_interval_minutes, "window": repository.metrics_window_days}
        )
    return repositories


def _busy(repositories) -> bool:
    busy = {Repository.SyncStatus.RUNNING, Repository.SyncStatus.QUEUED}
    return any(r.sync_status in busy for r in repositories)


@team_view(write_role=Role.OWNER)
def index(request, team):
    """The repositories; owners connect one here (a connection holds the team's GitHub secrets)."""
    form = ConnectForm()
    outcome = None
    if request.method == "POST":  # team_view already demanded the owner role for a POST
        form = ConnectForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            connected = []
            # One at a time, in the order given; the first refusal stops there and says which one it was.
            for full_name in data["repository"]:
                outcome = attempt(
                    request,
                    repository_connect,
                    team=team,
                    full_name=full_name,
                    **_credentials(data),
                    webhook_secret=data["webhook_secret"],
                    sync_interval_minutes=data["interval"],
                    by=request.user,
                    on_form=form,
                )
                if outcome.value is None:
                    break
                connected.append(outcome.value[0].full_name)
            if connected:
                names = ", ".join(connected)
                messages.success(request, f"Connected {names}; the first sync is on its way.")
            if not form.errors:  # every one connected
                return redirect("github:index", team=team.slug)
    repositories = _repositories(team)
    context = {"repositories": repositories, "busy": _busy(repositories), "form": form}
    return render(
        request, "integrations/index.html", context, status=refusal_status(request, outcome) if form.errors else 200
    )


def _credentials(data: dict) -> dict:
    """The token, or the GitHub App's id, key and installation: only those of the way chosen."""
    app = data.get("auth_kind") == "app"
    return {
        "token": "" if app else data.get("token", ""),
        "app_id": data.get("app_id", "") if app else "",
        "private_key": data.get("private_key", "") if app else "",
        "installation_id": data.get("installation_id", "") if app else "",
        "api_url": data.get("api_url") or DEFAULT_API_URL,
    }


@team_view(role=Role.OWNER)
@require_POST
def repository_choices(request, team):
    """The repositories the connect form's credentials can see, as boxes to tick (htmx, into the form)."""
    fields = ("auth_kind", "token", "app_id", "private_key", "installation_id", "api_url")
    outcome = attempt(
        request, repositories_visible, inline=True, **_credentials({f: request.POST.get(f, "") for f in fields})
    )
    connected = set(Repository.objects.for_team(team).values_list("full_name", flat=True))
    context = {"choices": outcome.value or [], "listed": True, "connected": connected, "choices_error": outcome.detail}
    return render(request, "integrations/index.html#repository-choices", context)


def _status(request, team, notice: str = ""):
    repositories = _repositories(team)
    context = {"repositories": repositories, "busy": _busy(repositories), "notice": notice}
    return render(request, "integrations/index.html#repositories", context)


@team_view()
def status(request, team):
    """The repositories table alone, polled by htmx while a sync runs."""
    return _status(request, team)


@team_view(role=Role.MEMBER)
@require_POST
def repository_sync(request, team, repository_id: int):
    repository = get_object_or_404(Repository.objects.for_team(team), pk=repository_id)
    full = request.POST.get("full") == "1"
    # htmx shows a refusal as the table's notice; a plain request as a message on the page.
    outcome = attempt(
        request, repository_sync_request, repository=repository, by=request.user, full=full, inline=bool(request.htmx)
    )
    if request.htmx:
        return _status(request, team, notice=outcome.detail)
    if outcome.refused:
        return redirect("github:index", team=team.slug)
    messages.success(request, f"A sync of {repository.full_name} is queued.")
    return redirect("github:index", team=team.slug)


@team_view(role=Role.MEMBER)
@require_POST
def repository_schedule(request, team, repository_id: int):
    repository = get_object_or_404(Repository.objects.for_team(team), pk=repository_id)
    form = IntervalForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        repository_settings_update(
            repository=repository,
            sync_interval_minutes=data["interval"],
            metrics_window_days=data["window"],
            by=request.user,
        )
        every = dict(INTERVAL_CHOICES)[data["interval"]]
        messages.success(
            request, f"{repository.full_name} now syncs {every}, with the last {repository.metrics_window_days} days."
        )
    else:
        messages.error(request, "Pick one of the offered intervals.")
    return redirect("github:index", team=team.slug)


@team_view(role=Role.OWNER)
def repository_remove(request, team, repository_id: int):
    """Ask first (what is deleted, how many rows), then disconnect on the confirming POST."""
    repository = get_object_or_404(Repository.objects.for_team(team), pk=repository_id)
    if not confirmed(request):
        rows = sum(
            model.objects.filter(repository=repository).count()
            for model in (Issue, PullRequest, DependabotAlert, WorkflowRun, Deployment, Release)
        )
        return render(request, "integrations/remove.html", {"repository": repository, "rows": rows})
    repository_disconnect(repository=repository, by=request.user)
    messages.success(request, f"Disconnected {repository.full_name} and removed its synced data.")
    return redirect("github:index", team=team.slug)


def _rule_lines(rule: AlertCardRule | None) -> list[tuple[str, str]]:
    """(severity, column name or "") of the rule, in severity order."""
    if rule is None:
        return []
    names = dict(Column.objects.filter(board_id=rule.board_id).values_list("pk", "name"))
    return [(severity, names.get(rule.columns.get(severity) or 0, "")) for severity in SEVERITIES]


@team_view()
def alert_cards(request, team):
    """Which Dependabot alerts become cards: everyone reads the rule, owners change it."""
    rule = AlertCardRule.objects.for_team(team).select_related("board").first()
    is_owner = request.membership.has_role(Role.OWNER)
    form = AlertCardRuleForm.for_rule(rule, team=team) if is_owner else None
    if request.method == "POST":
        if not is_owner:
            raise PermissionDenied("Only the team's owners change which alerts become cards.")
        form = AlertCardRuleForm(request.POST, team=team)
        if form.is_valid():
            board = Board.objects.for_team(team).filter(pk=form.cleaned_data["board"] or 0).first()
            notes = alert_card_rule_set(team=team, board=board, columns=form.columns(), by=request.user)
            made = sum(note.startswith("Card made") for note in notes)
            saved = "Alert cards saved" if board else "Alert cards turned off"
            messages.success(request, f"{saved}. {made} card(s) made for open alerts." if board else f"{saved}.")
            return redirect("github:alert-cards", team=team.slug)
    context = {"rule": rule, "rule_lines": _rule_lines(rule), "form": form, "is_owner": is_owner}
    return render(request, "integrations/alert_cards.html", context, status=400 if form and form.errors else 200)
