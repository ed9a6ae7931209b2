"""The webhooks page: what to enter in GitHub, recent deliveries with replay, board automation (issue 5)."""

from django import forms
from django.contrib import messages
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from integrations import webhook_services
from integrations.github.events import AUTOMATION_STEPS
from integrations.models import Connection, WebhookDelivery
from teams.access import team_object_or_404, team_view
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


class AutomationForm(forms.Form):
    board = forms.TypedChoiceField(coerce=int, required=False, label="Board", empty_value=None)
    label = forms.CharField(
        max_length=100,
        required=False,
        label="Label that makes an issue a card",
        help_text="Empty: issues never become cards by themselves.",
    )

    def __init__(self, *args, team, **kwargs):
        from kanban.models import Column

        super().__init__(*args, **kwargs)
        columns = list(Column.objects.filter(board__team=team).select_related("board").order_by("board_id", "position"))
        boards = {c.board_id: c.board.name for c in columns}
        self.fields["board"].choices = [("", "Off: events do not touch any board"), *boards.items()]
        column_choices = [("", "Do not move"), *[(c.pk, f"{c.board.name} / {c.name}") for c in columns]]
        self.board_of = {c.pk: c.board_id for c in columns}
        for step, text in AUTOMATION_STEPS.items():
            self.fields[step] = forms.TypedChoiceField(
                coerce=int, required=False, empty_value=None, label=text, choices=column_choices
            )

    def clean(self):
        data = super().clean()
        board = data.get("board")
        for step in AUTOMATION_STEPS:
            column = data.get(step)
            if column and self.board_of.get(column) != board:
                self.add_error(step, "Pick a column of the chosen board.")
        return data

    def automation(self) -> dict:
        data = self.cleaned_data
        if not data.get("board"):
            return {}
        columns = {step: data[step] for step in AUTOMATION_STEPS if data.get(step)}
        return {"board": data["board"], "label": data.get("label", "").strip(), "columns": columns}


def _automation_initial(connection: Connection) -> dict:
    config = connection.automation or {}
    return {"board": config.get("board"), "label": config.get("label", ""), **(config.get("columns") or {})}


@team_view()
def index(request, team):
    connections = list(Connection.objects.filter(team=team).prefetch_related("repositories"))
    status = request.GET.get("status", "")
    deliveries = WebhookDelivery.objects.filter(team=team).defer("body", "headers").order_by("-received_at", "-id")
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
    connection = team_object_or_404(Connection.objects.all(), team, pk=connection_id)
    audit_record(action="webhook.secret_revealed", actor=request.user, team=team, obj=connection)
    context = {"connection": connection, "secret": connection.webhook_secret}
    if request.htmx:
        return render(request, "integrations/webhooks/index.html#secret", context)
    return render(request, "integrations/webhooks/secret.html", context)


@team_view(role=Role.MEMBER)
@require_POST
def delivery_replay(request, team, delivery_id: int):
    delivery = team_object_or_404(WebhookDelivery.objects.defer("headers"), team, pk=delivery_id)
    try:
        delivery = webhook_services.delivery_replay(delivery=delivery, by=request.user)
    except webhook_services.ReplayError as error:
        if request.htmx:
            return render(
                request,
                "integrations/webhooks/index.html#delivery-row",
                {"delivery": delivery, "can_replay": True, "row_error": str(error)},
            )
        messages.error(request, str(error))
        return redirect("webhooks:index", team=team.slug)
    if request.htmx:
        return render(
            request, "integrations/webhooks/index.html#delivery-row", {"delivery": delivery, "can_replay": True}
        )
    messages.success(request, f"Delivery {delivery.guid} is queued to be processed again.")
    return redirect("webhooks:index", team=team.slug)


@team_view(role=Role.OWNER)
@require_POST
def automation_update(request, team, connection_id: int):
    connection = team_object_or_404(Connection.objects.all(), team, pk=connection_id)
    form = AutomationForm(request.POST, team=team)
    if not form.is_valid():
        connection.form = form
        connection.payload_url = request.build_absolute_uri(connection.webhook_path())
        return render(
            request, "integrations/webhooks/automation.html", {"connection": connection, "form": form}, status=400
        )
    webhook_services.connection_automation_set(connection=connection, automation=form.automation(), by=request.user)
    messages.success(request, f"Board automation of {connection} saved.")
    return redirect("webhooks:index", team=team.slug)
