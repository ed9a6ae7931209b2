"""The team home (its dashboard), the report, the browsable GitHub data and the public badges."""

from collections.abc import Sequence
from datetime import timedelta
from typing import Any

from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from core import display
from core.csv_export import csv_response
from core.requests import parse_int
from core.search import search_terms
from dashboard import figures
from dashboard.badges import badge_svg
from dashboard.charts import weekly_bars
from dashboard.dora import boundaries, dora_metrics
from dashboard.dora_detail import KEYS, DoraData, dora_counted, dora_weekly, dora_with_previous
from dashboard.forms import ChecklistForm, DashboardSettingsForm
from dashboard.learning import learning_figures
from dashboard.lists import KINDS, DataFilterForm, data_rows
from dashboard.models import DashboardSettings, RepositoryBadge
from dashboard.report import CAPABILITIES, report_build
from dashboard.report_markdown import report_markdown_render
from dashboard.search import team_search
from integrations.models import Repository, WorkflowRun
from teams.access import team_view
from teams.audit import audit_record
from teams.models import Role, Team

PANELS = ("ci", "pulls", "dependabot", "board", "learning", "dora")
PERIODS = (7, 30, 90)
BADGE_MAX_AGE = 60
DETAIL_PAGE_SIZE = 50


def _period(request: HttpRequest) -> int:
    days = parse_int(request.GET.get("days"), 30)
    return days if days in PERIODS else 30


def _panel_context(team: Team, name: str, *, days: int, settings: DashboardSettings, data: DoraData) -> dict:
    """One panel's context; `data` (the DORA selectors of the period and the one before, each read once
    when first needed) is shared by the panels of one render."""
    now = data.until
    if name == "ci":
        return {"ci": figures.ci_summary(team=team, now=now)}
    if name == "pulls":
        return {
            "pulls": figures.open_pulls(team=team, stale_days=settings.stale_pr_days, now=now),
            "cycle": figures.pr_cycle_time(team=team, deployments=data.deployments, now=now),
            "stale_days": settings.stale_pr_days,
        }
    if name == "dependabot":
        alerts = figures.dependabot_summary(team=team, sla_days=settings.alert_sla_days, now=now)
        label = "Dependabot alerts opened and fixed per week, oldest first"
        chart = weekly_bars(alerts["history"], {"opened": "opened", "fixed": "fixed"}, label=label)
        return {"alerts": alerts, "alerts_chart": chart}
    if name == "board":
        flow = figures.board_summary(team=team, now=now)
        label = "Median cycle time per week, oldest first"
        chart = weekly_bars(flow["cycle_trend"], {"median_days": "median cycle time"}, label=label, unit=" days")
        return {"flow": flow, "cycle_chart": chart}
    start = now - timedelta(days=days)
    if name == "learning":
        incidents = [incident for incident in data.incidents if incident.opened_at > start]
        return {"learning": learning_figures(team=team, incidents=incidents, since=start, until=now)}
    current, previous = (counted.keys for counted in dora_with_previous(data=data, days=days))
    return {
        "dora": [(key, KEYS[key], current[key], previous[key]) for key in current],
        "definitions": data.definitions,
    }


def _dora_data(team: Team, settings: DashboardSettings, days: int) -> DoraData:
    """The DORA selectors of the last `days` days and the `days` before them, read when a panel needs them."""
    now = timezone.now()
    return DoraData(team=team, definitions=settings.dora_definitions(), since=now - timedelta(days=2 * days), until=now)


@team_view()
@require_GET
def home(request, team):
    """The team's dashboard: every panel rendered now, each refreshing itself with htmx."""
    days = _period(request)
    settings = DashboardSettings.of(team)
    context = {"days": days, "periods": PERIODS, "settings": settings, "panels": PANELS}
    data = _dora_data(team, settings, days)
    for name in PANELS:
        context.update(_panel_context(team, name, days=days, settings=settings, data=data))
    context["has_repositories"] = Repository.objects.for_team(team).exists()
    return render(request, "dashboard/home.html", context)


@team_view()
@require_GET
def panel(request, team, panel):
    """One panel, for its periodic htmx refresh."""
    if panel not in PANELS:
        raise Http404("No such panel.")
    days = _period(request)
    settings = DashboardSettings.of(team)
    data = _dora_data(team, settings, days)
    context = {"days": days, "settings": settings} | _panel_context(
        team, panel, days=days, settings=settings, data=data
    )
    return render(request, f"dashboard/home.html#panel-{panel}", context)


@team_view()
@require_GET
def dora_detail(request, team, key):
    """What one DORA key counted over the period: the deployments, PRs or incidents behind the number."""
    if key not in KEYS:
        raise Http404("No such DORA key.")
    days = _period(request)
    repository, repositories = _repository_choice(request, team)
    definitions = DashboardSettings.of(team).dora_definitions()
    counted = dora_counted(team=team, definitions=definitions, days=days, repository=repository)
    # Everything was counted in a fixed number of queries; a page shows 50 of what the key counted.
    rows: Sequence[object] = counted.deployments
    if key == "lead_time_for_changes":
        rows = counted.lead_times
    elif key == "time_to_restore":
        rows = counted.incidents
    page = Paginator(rows, DETAIL_PAGE_SIZE).get_page(request.GET.get("page"))
    context = {"key": key, "title": KEYS[key], "days": days, "periods": PERIODS, "counted": counted, "page": page}
    context |= {"definitions": definitions, "repository": repository, "repositories": repositories}
    return render(request, "dashboard/dora_detail.html", context)


@team_view()
@require_GET
def dora_trends(request, team):
    """Each DORA key week by week over the last 26 weeks, as charts with their bands and as a table."""
    repository, repositories = _repository_choice(request, team)
    definitions = DashboardSettings.of(team).dora_definitions()
    weeks = dora_weekly(team=team, definitions=definitions, repository=repository)
    context: dict[str, object] = {"weeks": weeks, "keys": KEYS, "repository": repository}
    context |= {"repositories": repositories, "bands": boundaries(definitions)}
    return render(request, "dashboard/dora_trends.html", context)


def _repository_choice(request: HttpRequest, team: Team) -> tuple[Repository | None, list[Repository]]:
    """The repository named by `?repository=OWNER/NAME` (404 if the team has none such), and the team's."""
    repositories = list(Repository.objects.for_team(team).order_by("full_name").only("id", "full_name"))
    name = request.GET.get("repository", "")
    if not name:
        return None, repositories
    found = next((r for r in repositories if r.full_name.lower() == name.lower()), None)
    if found is None:
        raise Http404("No such repository in this team.")
    return found, repositories


@team_view()
@require_GET
def report(request, team):
    built = report_build(team=team)
    settings = DashboardSettings.of(team)
    form = ChecklistForm(initial=settings.checklist)
    context = {"report": built, "form": form, "capabilities": CAPABILITIES, "coverage": built.coverage()}
    context |= {status: built.of_status(status) for status in ("yes", "not_yet", "unknown")}
    return render(request, "dashboard/report.html", context)


@team_view()
@require_GET
def report_markdown(request, team):
    response = HttpResponse(
        report_markdown_render(report_build(team=team)), content_type="text/markdown; charset=utf-8"
    )
    response["Content-Disposition"] = f'inline; filename="{team.slug}-devops-report.md"'
    return response


@team_view(role=Role.MEMBER)
@require_POST
def checklist_save(request, team):
    settings = DashboardSettings.of(team)
    form = ChecklistForm(request.POST)
    if form.is_valid():
        settings.checklist = form.answers()
        settings.save()
        audit_record(action="dashboard.checklist", actor=request.user, team=team, obj=settings)
    return redirect("dashboard:report", team=team.slug)


@team_view(role=Role.OWNER)
def settings_page(request, team):
    settings = DashboardSettings.of(team)
    form = DashboardSettingsForm(request.POST or None, instance=settings)
    if request.method == "POST" and form.is_valid():
        form.save()
        audit_record(action="dashboard.settings", actor=request.user, team=team, obj=settings)
        return redirect("dashboard:settings", team=team.slug)
    status = 400 if request.method == "POST" else 200
    badges = RepositoryBadge.objects.for_team(team).select_related("repository").order_by("repository__full_name")
    context = {"form": form, "settings": settings, "badges": badges}
    return render(request, "dashboard/settings.html", context, status=status)


def _filtered_data(request, team, kind):
    """The list's spec, its filter form (bound to the query string) and the rows the valid filters keep."""
    if kind not in KINDS:
        raise Http404("No such list.")
    spec = KINDS[kind]
    repositories = list(Repository.objects.for_team(team).order_by("full_name").values_list("full_name", flat=True))
    form = DataFilterForm(request.GET or None, kind=spec, repositories=repositories)
    filters = form.cleaned_data if form.is_valid() else {}
    return spec, form, data_rows(team=team, kind=spec, filters=filters)


@team_view()
@require_GET
def data_list(request, team, kind):
    """One kind of synced GitHub data, filtered by the query string, 50 rows a page."""
    spec, form, found = _filtered_data(request, team, kind)
    page = Paginator(found, 50).get_page(request.GET.get("page"))
    rows = [
        (row.repository.full_name, [(heading, _cell(row, field)) for field, heading in spec.columns], row.html_url)
        for row in page.object_list
    ]
    context = {"kind": kind, "spec": spec, "kinds": KINDS, "form": form, "page": page, "rows": rows}
    return render(request, "dashboard/data.html", context, status=200 if not form.errors else 400)


# Stored GitHub states (`changes_requested`, `auto_dismissed`, `in_progress`) shown as words.
WORD_FIELDS = {"shown_state", "state", "review_state", "ci_state", "status", "conclusion", "severity", "event"}


@team_view()
@require_GET
def data_csv(request, team, kind):
    """One kind of synced GitHub data as CSV, with the same filters as its page, every row."""
    spec, _, rows = _filtered_data(request, team, kind)
    found = rows.iterator(chunk_size=500)
    header = ["Repository", *(heading for _, heading in spec.columns), "URL"]
    lines = (
        [row.repository.full_name, *(_export_value(row, field) for field, _ in spec.columns), row.html_url]
        for row in found
    )
    return csv_response(f"{team.slug}-{kind}.csv", header, lines)


def _export_value(row: Any, field: str) -> Any:
    value = getattr(row, field)
    return display.words(value) if field in WORD_FIELDS and isinstance(value, str) else value


def _cell(row: Any, field: str) -> Any:
    value = getattr(row, field)
    if isinstance(value, list):
        return ", ".join(map(str, value))
    if field == "sha":
        return display.commit_link(value, row.repository.html_url or row.repository.full_name)
    if field in WORD_FIELDS and isinstance(value, str):
        return display.words(value)
    return value


def _badge_team(team_slug: str, token: str) -> Team:
    """The team whose badge token is `token`; 404 for anything else, the same as a missing team."""
    team = Team.objects.filter(slug=team_slug).first()
    if team is None or not DashboardSettings.of(team).badge_token_matches(token):
        raise Http404("No such badge.")
    return team


def _svg_response(svg: str) -> HttpResponse:
    response = HttpResponse(svg, content_type="image/svg+xml; charset=utf-8")
    response["Cache-Control"] = f"max-age={BADGE_MAX_AGE}, public"
    return response


@require_GET
def badge_workflow(request, team, owner, repo, workflow):
    """CI badge of a repository whose owners publish it: the latest run of `workflow` on its default branch.

    Every refusal is the same 404 (no such team, a repository without a badge, private or missing, a wrong
    token, then a workflow it never ran), so a badge URL tells nothing about what exists.
    """
    found = Team.objects.filter(slug=team).first()
    # One OWNER/NAME may be connected twice (github.com and an Enterprise server): each has its own badge token.
    badges = (
        RepositoryBadge.objects.for_team(found)
        .filter(repository__full_name__iexact=f"{owner}/{repo}")
        .select_related("repository")
        if found
        else RepositoryBadge.objects.none()
    )
    token = request.GET.get("token", "")
    badge = next((badge for badge in badges if badge.token_matches(token)), None)
    if badge is None:
        raise Http404("No such badge.")
    repository = badge.repository
    runs = WorkflowRun.objects.filter(repository=repository, workflow_name__iexact=workflow)
    if not runs.exists():
        raise Http404("No such workflow.")
    latest = runs.filter(head_branch=repository.default_branch).order_by("-created_at").first()
    state = figures.run_state(latest.status, latest.conclusion) if latest else "unknown"
    return _svg_response(badge_svg(label=workflow, message="no runs" if not latest else state, state=state))


@require_GET
def badge_dora(request, team):
    """DORA badge: deployment frequency over the last 30 days, with its band."""
    team = _badge_team(team, request.GET.get("token", ""))
    definitions = DashboardSettings.of(team).dora_definitions()
    key = dora_metrics(team=team, days=30, definitions=definitions)["deployment_frequency"]
    message = "no deployments" if key.value is None else f"{key.value * 7:.1f}/week ({key.band})"
    return _svg_response(badge_svg(label="deploys", message=message, state=key.band or "unknown"))


@team_view()
@require_GET
def search(request, team):
    """Everything of the team matching `q`, grouped by kind (the search box of every page)."""
    q = search_terms(request.GET.get("q"))
    return render(request, "dashboard/search.html", {"q": q, "groups": team_search(team=team, q=q)})
