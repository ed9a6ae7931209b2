"""Admin for GitHub data. Secrets (tokens, keys, webhook secrets) are never shown or editable here."""

from django.contrib import admin
from django.db import models

from integrations.models import (
    Connection,
    DependabotAlert,
    Deployment,
    Issue,
    PullRequest,
    Release,
    Repository,
    SyncCursor,
    WorkflowRun,
)

SECRET_FIELDS = ["token", "app_private_key", "installation_token", "webhook_secret"]


@admin.register(Connection)
class ConnectionAdmin(admin.ModelAdmin):
    list_display = ["__str__", "team", "auth_kind", "api_url", "created_at"]
    list_filter = ["auth_kind"]
    exclude = SECRET_FIELDS
    readonly_fields = ["installation_token_expires_at", "created_by", "created_at"]
    # A GitHub Enterprise URL typed without a scheme means https.
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}


class SyncCursorInline(admin.TabularInline):
    model = SyncCursor
    extra = 0
    readonly_fields = ["resource", "since", "etag", "resume_url", "pending_since", "updated_at"]


@admin.register(Repository)
class RepositoryAdmin(admin.ModelAdmin):
    list_display = ["full_name", "team", "sync_status", "last_success_at", "rate_limit_remaining"]
    list_filter = ["sync_status"]
    search_fields = ["full_name"]
    readonly_fields = ["github_id", "sync_progress", "last_sync_started_at", "last_success_at", "last_error_at"]
    raw_id_fields = ["connection"]
    inlines = [SyncCursorInline]


class RowAdmin(admin.ModelAdmin):
    """Synced rows are GitHub's: browse them, never edit them here (the next sync would undo it)."""

    list_select_related = ["repository"]

    def has_change_permission(self, request, obj=None):
        return False

    def has_add_permission(self, request):
        return False


@admin.register(Issue)
class IssueAdmin(RowAdmin):
    list_display = ["number", "title", "repository", "state", "updated_at"]
    list_filter = ["state"]
    search_fields = ["title"]


@admin.register(PullRequest)
class PullRequestAdmin(RowAdmin):
    list_display = ["number", "title", "repository", "state", "merged_at", "review_state", "ci_state"]
    list_filter = ["state", "ci_state"]
    search_fields = ["title"]


@admin.register(DependabotAlert)
class DependabotAlertAdmin(RowAdmin):
    list_display = ["number", "package", "severity", "state", "repository", "updated_at"]
    list_filter = ["state", "severity"]


@admin.register(WorkflowRun)
class WorkflowRunAdmin(RowAdmin):
    list_display = ["workflow_name", "run_number", "head_branch", "status", "conclusion", "repository", "created_at"]
    list_filter = ["status", "conclusion"]


@admin.register(Deployment)
class DeploymentAdmin(RowAdmin):
    list_display = ["github_id", "environment", "status", "repository", "created_at"]


@admin.register(Release)
class ReleaseAdmin(RowAdmin):
    list_display = ["tag_name", "name", "repository", "published_at"]
