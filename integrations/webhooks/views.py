"""The webhooks page: what to enter in GitHub, recent deliveries with replay, board automation."""

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from core.pages import attempt
from integrations.models import Connection, WebhookDelivery
from integrations.webhooks import services as webhook_services
from integrations.webhooks.forms import AutomationForm
from teams.access import team_view
from teams.audit import audit_record
from teams.models import Role

# What to tick under "Let me select individual events" in GitHub's webhook form.
GITHUB_EVENTS = [
    ("Issues", "issues"),
    ("Pull requests", "pull_request"),
    ("Pull request reviews", "pull_request_review"),
    ("Check suites", "check_suite"),
    ("Workflow runs", "workflow_run"),
    ("Dependabot alerts", "dependabot_alert"),
    ("Deployments", "deployment"),
    ("Deployment statuses", "deployment_status"),
    ("Releases", "release"),
    ("Pushes", "push"),
]
RECENT = 50


def _automation_initial(connection: Connection) -> dict:
    config = connection.automation or {}
    return {"board": config.get("board"), "label": config.get("label", ""), **(config.get("columns") or {})}


@team_view()
def index(request, team):
    connections = list(Connection.objects.for_team(team).prefetch_related("repositories"))
    status = request.GET.get("status", "")
    deliveries = WebhookDelivery.objects.for_team(team).defer("body", "headers").order_by("-received_at", "-id")
    if status in WebhookDelivery.Status.values:
        deliveries = deliveries.filter(status=status)
    is_owner = request.membership.has_role(Role.OWNER)
    for connection in connections:
        connection.payload_url = request.build_absolute_uri(connection.webhook_path())
        connection.form = AutomationForm(team=team, initial=_automation_initial(connection)) if is_owner else None
    context = {
        "connections": connections,
        "deliveries": deliveries[:RECENT],
        "status": status,
        "statuses": WebhookDelivery.Status.choices,
        "github_events": GITHUB_EVENTS,
        "can_replay": request.membership.has_role(Role.MEMBER),
        "is_owner": is_owner,
        "retention_days": webhook_services.retention_days(),
    }
    return render(request, "integrations/webhooks/index.html", context)


@never_cache
@team_view(role=Role.OWNER)
@require_POST
def secret_reveal(request, team, connection_id: int):
    """Show the webhook secret to an owner, once per click; the reveal is audited."""
    connection = get_object_or_404(Connection.objects.for_team(team), pk=connection_id)
    audit_record(action="webhook.secret_revealed", actor=request.user, team=team, obj=connection)
    context = {"connection": connection, "secret": connection.webhook_secret}
    if request.htmx:
        return render(request, "integrations/webhooks/index.html#secret", context)
    return render(request, "integrations/webhooks/secret.html", context)


@team_view(role=Role.MEMBER)
@require_POST
def delivery_replay(request, team, delivery_id: int):
    delivery = get_object_or_404(WebhookDelivery.objects.for_team(team).defer("headers"), pk=delivery_id)
    # htmx shows a refusal in the delivery's row; a plain request as a message on the page.
    replayed = attempt(
        request, webhook_services.delivery_replay, delivery=delivery, by=request.user, inline=bool(request.htmx)
    )
    delivery = replayed.value or delivery
    if request.htmx:
        context = {"delivery": delivery, "can_replay": True, "row_error": replayed.detail}
        return render(request, "integrations/webhooks/index.html#delivery-row", context)
    if replayed.refused:
        return redirect("github-webhooks:index", team=team.slug)
    messages.success(request, f"Delivery {delivery.guid} is queued to be processed again.")
    return redirect("github-webhooks:index", team=team.slug)


@team_view(role=Role.OWNER)
@require_POST
def automation_update(request, team, connection_id: int):
    connection = get_object_or_404(Connection.objects.for_team(team), pk=connection_id)
    form = AutomationForm(request.POST, team=team)
    if not form.is_valid():
        connection.form = form
        connection.payload_url = request.build_absolute_uri(connection.webhook_path())
        return render(
            request, "integrations/webhooks/automation.html", {"connection": connection, "form": form}, status=400
        )
    webhook_services.connection_automation_set(connection=connection, automation=form.automation(), by=request.user)
    messages.success(request, f"Board automation of {connection} saved.")
    return redirect("github-webhooks:index", team=team.slug)
