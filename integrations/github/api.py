"""Team-scoped API of synced GitHub data under /api/v1/teams/<team>/github/, registered by devopsboard/api.py."""

from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import URLValidator
from django.db.models import Q
from django.urls import reverse
from django.utils.encoding import iri_to_uri
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from core.api import ApiErrorSerializer, ApiModelSerializer, TeamScopedViewSet
from core.serializers import ReadOnlyRefusedMixin
from integrations.github.connections import repository_settings_update, repository_sync_request
from integrations.models import DependabotAlert, Issue, PullRequest, Repository, WorkflowRun

STRICT_URL = URLValidator(schemes=["http", "https"])


class GitHubUrlField(serializers.URLField):
    """A link to GitHub as a strict URI: non-ASCII percent-encoded; empty when unknown or not an http(s) URL.

    The value comes from GitHub's payloads (or a forged delivery), so it is checked when answered.
    """

    def __init__(self, **kwargs):
        super().__init__(read_only=True, allow_blank=True, help_text="On GitHub; empty for demo data.", **kwargs)

    def to_representation(self, value):
        uri = iri_to_uri(value or "")
        try:
            STRICT_URL(uri)
        except DjangoValidationError:
            return ""
        return uri if uri.isascii() and not any(c in uri for c in ' <>"{}|\\^`') else ""


class RepositorySerializer(ApiModelSerializer):
    """A connected repository and the state of its sync; credentials are never part of it."""

    page_url = serializers.SerializerMethodField(help_text="The team's GitHub page, with this repository's status.")
    html_url = GitHubUrlField()
    sync_progress = serializers.JSONField(
        read_only=True,
        help_text=(
            'While a sync runs: {"step": "issues", "pages": 3, "items": 300, "done": ["repository"], '
            '"requests": 4}; after it: {"step": "done", "summary": "issues: 2 updated", "finished_at": "..."}.'
        ),
    )
    last_error = serializers.CharField(
        read_only=True, help_text="Why the last sync failed or was partial, in plain words; empty when all went well."
    )

    class Meta:
        model = Repository
        fields = [
            "id",
            "full_name",
            "owner",
            "name",
            "github_id",
            "html_url",
            "page_url",
            "default_branch",
            "private",
            "sync_enabled",
            "sync_interval_minutes",
            "metrics_window_days",
            "sync_status",
            "sync_progress",
            "last_sync_started_at",
            "last_success_at",
            "last_error",
            "last_error_at",
            "rate_limit_remaining",
            "rate_limit_reset_at",
            "graphql_rate_limit_remaining",
            "graphql_rate_limit_reset_at",
        ]
        read_only_fields = fields

    def get_page_url(self, repository) -> str:
        path = reverse("github:index", kwargs={"team": self.context["team"].slug})
        return self.context["request"].build_absolute_uri(f"{path}#repository-{repository.pk}")


class RowSerializer(ApiModelSerializer):
    repository = serializers.CharField(source="repository.full_name", help_text="OWNER/NAME")
    html_url = GitHubUrlField()


class IssueSerializer(RowSerializer):
    class Meta:
        model = Issue
        fields = [
            "id",
            "github_id",
            "repository",
            "number",
            "title",
            "state",
            "state_reason",
            "author",
            "assignees",
            "labels",
            "created_at",
            "updated_at",
            "closed_at",
            "html_url",
        ]


class PullRequestSerializer(RowSerializer):
    class Meta:
        model = PullRequest
        fields = [
            "id",
            "github_id",
            "repository",
            "number",
            "title",
            "state",
            "draft",
            "author",
            "assignees",
            "labels",
            "requested_reviewers",
            "head_ref",
            "head_sha",
            "base_ref",
            "created_at",
            "updated_at",
            "closed_at",
            "merged_at",
            "review_state",
            "ci_state",
            "first_commit_at",
            "html_url",
        ]


class AlertSerializer(RowSerializer):
    class Meta:
        model = DependabotAlert
        fields = [
            "id",
            "repository",
            "number",
            "state",
            "severity",
            "package",
            "ecosystem",
            "manifest_path",
            "ghsa_id",
            "cve_id",
            "summary",
            "created_at",
            "updated_at",
            "fixed_at",
            "dismissed_at",
            "auto_dismissed_at",
            "html_url",
        ]


class WorkflowRunSerializer(RowSerializer):
    class Meta:
        model = WorkflowRun
        fields = [
            "id",
            "github_id",
            "repository",
            "workflow_name",
            "run_number",
            "run_attempt",
            "event",
            "head_branch",
            "head_sha",
            "status",
            "conclusion",
            "created_at",
            "run_started_at",
            "updated_at",
            "html_url",
        ]


REPOSITORY = OpenApiParameter("repository", str, description="Only rows of this repository, as OWNER/NAME.")


def choices_parameter(name: str, choices: list[str]) -> OpenApiParameter:
    """A filter taking some of `choices`, comma-separated (spaces around them are ignored), as `_choice` reads it."""
    one = rf"\s*({'|'.join(choices)})?\s*"
    return OpenApiParameter(
        name,
        {"type": "string", "pattern": rf"^{one}(,{one})*$"},
        description=f"{', '.join(choices)} (comma-separated)",
    )


def _choice(params, name: str, allowed: list[str]) -> list[str]:
    """Comma-separated values of a filter, each one of `allowed` (else a 400 naming them)."""
    values = [v.strip() for v in params.get(name, "").split(",") if v.strip()]
    wrong = [v for v in values if v not in allowed]
    if wrong:
        raise ValidationError({name: f"Unknown {name} {', '.join(wrong)}; use one of: {', '.join(allowed)}."})
    return values


class RowViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, TeamScopedViewSet):
    """Read-only rows of the team, newest first, filterable by repository."""

    states: list[str] = []

    def get_queryset(self):
        queryset = self.get_team_queryset().for_team(self.team).select_related("repository")
        if self.action != "list":
            return queryset
        params = self.request.query_params
        if params.get("repository"):
            queryset = queryset.filter(repository__full_name__iexact=params["repository"].strip("/"))
        if self.states:
            states = _choice(params, "state", self.states)
            if states:
                queryset = queryset.filter(state__in=states)
        return self.filter(queryset, params)

    def filter(self, queryset, params):
        return queryset


class RepositorySettingsSerializer(ReadOnlyRefusedMixin, serializers.Serializer):
    sync_interval_minutes = serializers.IntegerField(min_value=1, max_value=1440, required=False)
    metrics_window_days = serializers.IntegerField(
        min_value=1, max_value=365, required=False, help_text="How far back workflow runs and PR details go."
    )


@extend_schema_view(
    list=extend_schema(summary="List the team's connected GitHub repositories and their sync status"),
    retrieve=extend_schema(summary="One connected repository"),
    partial_update=extend_schema(
        summary="Change the sync interval or the metrics window of a repository",
        request=RepositorySettingsSerializer,
        responses={200: RepositorySerializer},
    ),
)
class RepositoryViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, TeamScopedViewSet):
    serializer_class = RepositorySerializer
    queryset = Repository.objects.order_by("full_name")
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self):
        return self.queryset.for_team(self.team)

    def partial_update(self, request, team=None, pk=None):
        repository = self.get_object()
        settings = RepositorySettingsSerializer(data=request.data)
        settings.is_valid(raise_exception=True)
        repository_settings_update(repository=repository, by=request.user, **settings.validated_data)
        return Response(self.get_serializer(repository).data)

    @extend_schema(
        summary="Queue a sync of the repository now",
        request=None,
        parameters=[
            OpenApiParameter(
                "full", str, description="1 or true: re-read everything, ignoring watermarks and ETags; else: as usual."
            )
        ],
        responses={
            202: RepositorySerializer,
            409: OpenApiResponse(ApiErrorSerializer, description="Demo data: there is nothing to sync."),
            503: OpenApiResponse(ApiErrorSerializer, description="The task queue is not answering; try again."),
        },
    )
    @action(detail=True, methods=["post"])
    def sync(self, request, team=None, pk=None):
        repository = self.get_object()
        full = request.query_params.get("full") in ("1", "true")
        repository_sync_request(repository=repository, by=request.user, full=full)
        repository.refresh_from_db()
        return Response(self.get_serializer(repository).data, status=status.HTTP_202_ACCEPTED)


@extend_schema_view(
    list=extend_schema(
        summary="List synced issues (not pull requests)",
        parameters=[REPOSITORY, choices_parameter("state", ["open", "closed"])],
    ),
    retrieve=extend_schema(summary="One synced issue"),
)
class IssueViewSet(RowViewSet):
    serializer_class = IssueSerializer
    queryset = Issue.objects.filter(deleted_at__isnull=True).order_by("-updated_at", "-id")
    states = ["open", "closed"]


@extend_schema_view(
    list=extend_schema(
        summary="List synced pull requests",
        parameters=[
            REPOSITORY,
            choices_parameter("state", ["open", "closed", "merged"]),
            OpenApiParameter("branch", str, description="Only PRs into this base branch."),
        ],
    ),
    retrieve=extend_schema(summary="One synced pull request"),
)
class PullRequestViewSet(RowViewSet):
    serializer_class = PullRequestSerializer
    queryset = PullRequest.objects.filter(deleted_at__isnull=True).order_by("-updated_at", "-id")

    def filter(self, queryset, params):
        states = _choice(params, "state", ["open", "closed", "merged"])
        if states:
            condition = Q()
            if "open" in states:
                condition |= Q(state="open")
            if "closed" in states:
                condition |= Q(state="closed", merged_at__isnull=True)
            if "merged" in states:
                condition |= Q(merged_at__isnull=False)
            queryset = queryset.filter(condition)
        if params.get("branch"):
            queryset = queryset.filter(base_ref=params["branch"])
        return queryset


@extend_schema_view(
    list=extend_schema(
        summary="List Dependabot alerts in every state",
        parameters=[
            REPOSITORY,
            choices_parameter("state", ["open", "dismissed", "fixed", "auto_dismissed"]),
            choices_parameter("severity", ["low", "medium", "high", "critical"]),
        ],
    ),
    retrieve=extend_schema(summary="One Dependabot alert"),
)
class AlertViewSet(RowViewSet):
    serializer_class = AlertSerializer
    queryset = DependabotAlert.objects.order_by("-updated_at", "-id")
    states = ["open", "dismissed", "fixed", "auto_dismissed"]

    def filter(self, queryset, params):
        severities = _choice(params, "severity", ["low", "medium", "high", "critical"])
        return queryset.filter(severity__in=severities) if severities else queryset


@extend_schema_view(
    list=extend_schema(
        summary="List GitHub Actions workflow runs",
        parameters=[
            REPOSITORY,
            OpenApiParameter("workflow", str, description="Only runs of this workflow (its name)."),
            OpenApiParameter("branch", str, description="Only runs on this head branch."),
            OpenApiParameter("status", str, description="queued, in_progress, completed ..."),
            OpenApiParameter("conclusion", str, description="success, failure, cancelled ..."),
        ],
    ),
    retrieve=extend_schema(summary="One workflow run"),
)
class WorkflowRunViewSet(RowViewSet):
    serializer_class = WorkflowRunSerializer
    queryset = WorkflowRun.objects.order_by("-created_at", "-id")

    def filter(self, queryset, params):
        for param, field in (
            ("workflow", "workflow_name"),
            ("branch", "head_branch"),
            ("status", "status"),
            ("conclusion", "conclusion"),
        ):
            if params.get(param):
                queryset = queryset.filter(**{field: params[param]})
        return queryset


routes: list = [
    ("github/repositories", RepositoryViewSet, "github-repository"),
    ("github/issues", IssueViewSet, "github-issue"),
    ("github/pulls", PullRequestViewSet, "github-pull"),
    ("github/alerts", AlertViewSet, "github-alert"),
    ("github/runs", WorkflowRunViewSet, "github-run"),
]
