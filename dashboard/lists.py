"""The synced GitHub data as browsable lists: one description per kind, one filter form for all.

A kind names its model, the columns it shows and the filters people expect for it; every
filter is a plain field lookup, so a list costs the same two queries (count, page) whatever
the data.
"""

from dataclasses import dataclass
from typing import Any

from django import forms
from django.db import models

from integrations.models import DependabotAlert, Deployment, GitHubRow, Issue, PullRequest, Release, WorkflowRun
from teams.models import Team


@dataclass(frozen=True)
class Kind:
    title: str
    model: type[GitHubRow]
    columns: tuple[tuple[str, str], ...]  # (field, heading)
    filters: tuple[str, ...]
    order: str
    states: tuple[str, ...] = ()
    date_field: str = "created_at"
    author_field: str = "author"


KINDS = {
    "pulls": Kind(
        "Pull requests",
        PullRequest,
        (
            ("number", "#"),
            ("title", "Title"),
            ("author", "Author"),
            ("shown_state", "State"),
            ("review_state", "Review"),
            ("ci_state", "CI"),
            ("created_at", "Opened"),
            ("merged_at", "Merged"),
        ),
        ("repository", "state", "author", "label", "since"),
        "-created_at",
        ("open", "closed", "merged"),
    ),
    "issues": Kind(
        "Issues",
        Issue,
        (
            ("number", "#"),
            ("title", "Title"),
            ("author", "Author"),
            ("state", "State"),
            ("labels", "Labels"),
            ("created_at", "Opened"),
            ("closed_at", "Closed"),
        ),
        ("repository", "state", "author", "label", "since"),
        "-created_at",
        ("open", "closed"),
    ),
    "alerts": Kind(
        "Dependabot alerts",
        DependabotAlert,
        (
            ("number", "#"),
            ("package", "Package"),
            ("severity", "Severity"),
            ("state", "State"),
            ("summary", "Summary"),
            ("created_at", "Opened"),
            ("fixed_at", "Fixed"),
        ),
        ("repository", "state", "severity", "since"),
        "created_at",
        ("open", "fixed", "dismissed", "auto_dismissed"),
    ),
    "runs": Kind(
        "Workflow runs",
        WorkflowRun,
        (
            ("workflow_name", "Workflow"),
            ("run_number", "Run"),
            ("head_branch", "Branch"),
            ("event", "Event"),
            ("status", "Status"),
            ("conclusion", "Conclusion"),
            ("created_at", "Started"),
        ),
        ("repository", "workflow", "branch", "state", "since"),
        "-created_at",
        ("success", "failure", "cancelled", "in_progress", "queued"),
    ),
    "deployments": Kind(
        "Deployments",
        Deployment,
        (
            ("environment", "Environment"),
            ("ref", "Ref"),
            ("sha", "Commit"),
            ("creator", "By"),
            ("status", "Status"),
            ("created_at", "Created"),
        ),
        ("repository", "environment", "state", "author", "since"),
        "-created_at",
        ("success", "failure", "error", "in_progress", "pending", "inactive"),
        author_field="creator",
    ),
    "releases": Kind(
        "Releases",
        Release,
        (
            ("tag_name", "Tag"),
            ("name", "Name"),
            ("author", "Author"),
            ("prerelease", "Pre-release"),
            ("published_at", "Published"),
        ),
        ("repository", "author", "since"),
        "-created_at",
    ),
}


class DataFilterForm(forms.Form):
    repository = forms.ChoiceField(required=False, label="Repository")
    state = forms.ChoiceField(required=False, label="State")
    author = forms.CharField(required=False, max_length=100, label="Author")
    label = forms.CharField(required=False, max_length=100, label="Label")
    severity = forms.ChoiceField(
        required=False,
        label="Severity",
        choices=[("", "Any"), ("critical", "Critical"), ("high", "High"), ("medium", "Medium"), ("low", "Low")],
    )
    workflow = forms.CharField(required=False, max_length=255, label="Workflow")
    branch = forms.CharField(required=False, max_length=255, label="Branch")
    environment = forms.CharField(required=False, max_length=255, label="Environment")
    since = forms.DateField(required=False, label="Since", widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args: Any, kind: Kind, repositories: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in list(self.fields):
            if name not in kind.filters:
                del self.fields[name]
            else:
                # Filters apply as soon as they change (static/js/autosubmit.js); the button stays for no-JS.
                self.fields[name].widget.attrs["data-autosubmit"] = ""
        if isinstance(repository := self.fields.get("repository"), forms.ChoiceField):
            repository.choices = [("", "All")] + [(r, r) for r in repositories]
        if isinstance(state := self.fields.get("state"), forms.ChoiceField):
            state.choices = [("", "Any")] + [(s, s.replace("_", " ")) for s in kind.states]


def data_rows(*, team: Team, kind: Kind, filters: dict[str, Any]) -> models.QuerySet[Any]:
    """The kind's rows of the team, filtered; a queryset to paginate."""
    # Typed as any model's rows: each filter below is a field of the kinds whose `filters` name it.
    rows: models.QuerySet[Any] = (
        kind.model.objects.for_team(team).select_related("repository").order_by(kind.order, "-id")
    )
    if hasattr(kind.model, "deleted_at"):
        rows = rows.filter(deleted_at=None)
    if value := filters.get("repository"):
        rows = rows.filter(repository__full_name=value)
    if value := filters.get("state"):
        rows = _state_filter(rows, kind, value)
    if value := filters.get("author"):
        rows = rows.filter(**{f"{kind.author_field}__iexact": value})
    if value := filters.get("label"):
        # Labels are a JSON list of names: match the quoted name inside its text, the same on every database.
        rows = rows.filter(labels__icontains=f'"{value}"')
    if value := filters.get("severity"):
        rows = rows.filter(severity=value)
    if value := filters.get("workflow"):
        rows = rows.filter(workflow_name__icontains=value)
    if value := filters.get("branch"):
        rows = rows.filter(head_branch=value)
    if value := filters.get("environment"):
        rows = rows.filter(environment=value)
    if value := filters.get("since"):
        rows = rows.filter(**{f"{kind.date_field}__date__gte": value})
    return rows


def _state_filter(rows: models.QuerySet[Any], kind: Kind, value: str) -> models.QuerySet[Any]:
    if kind.model is PullRequest and value == "merged":
        return rows.exclude(merged_at=None)
    if kind.model is PullRequest and value == "closed":
        return rows.filter(state="closed", merged_at=None)
    if kind.model is WorkflowRun:
        return rows.filter(status=value) if value in ("in_progress", "queued") else rows.filter(conclusion=value)
    return rows.filter(state=value) if kind.model is not Deployment else rows.filter(status=value)
