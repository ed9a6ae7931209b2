"""The team's notification channels: list (everyone), add, edit, delete and test (owners), delivery log.

And a person's own: their inbox in the team (with the unread count the navigation shows) and their e-mail choices.
"""

from typing import cast

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import User
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.defaultfilters import pluralize
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from core.pages import attempt, attempt_and_redirect, refusal_status
from core.requests import TeamRequest
from notifications import people, services
from notifications import webhooks as hook_services
from notifications.forms import ChannelForm, EmailPreferenceForm, WebhookForm
from notifications.models import Channel, Delivery, HookDelivery, Notification, Webhook
from teams.access import team_view
from teams.auth_views import mail_configured
from teams.models import Role, Team

RECENT = 100


def _channel(team: Team, channel_id: int) -> Channel:
    return get_object_or_404(Channel.objects.for_team(team), pk=channel_id)


@team_view()
@require_GET
def index(request: TeamRequest, team: Team) -> HttpResponse:
    channels = Channel.objects.for_team(team)
    context = {"channels": channels, "is_owner": request.membership.has_role(Role.OWNER)}
    return render(request, "notifications/index.html", context)


@team_view(role=Role.OWNER)
def channel_new(request: TeamRequest, team: Team) -> HttpResponse:
    form = ChannelForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        made = attempt(request, services.channel_create, team=team, by=request.user, on_form=form, **form.cleaned_data)
        if not made.refused:
            messages.success(request, "Channel added. Send it a test message to check it works.")
            return redirect("notifications:index", team=team.slug)
    status = refusal_status(request, default=400) if request.method == "POST" else 200
    return render(request, "notifications/channel_form.html", {"form": form, "channel": None}, status=status)


@team_view(role=Role.OWNER)
def channel_edit(request: TeamRequest, team: Team, channel_id: int) -> HttpResponse:
    channel = _channel(team, channel_id)
    initial = {"name": channel.name, "events": channel.events}
    form = ChannelForm(request.POST or None, initial=initial, editing=True)
    if request.method == "POST" and form.is_valid():
        changed = attempt(
            request, services.channel_update, channel=channel, by=request.user, on_form=form, **form.cleaned_data
        )
        if not changed.refused:
            messages.success(request, "Channel saved.")
            return redirect("notifications:index", team=team.slug)
    status = refusal_status(request, default=400) if request.method == "POST" else 200
    return render(request, "notifications/channel_form.html", {"form": form, "channel": channel}, status=status)


@team_view(role=Role.OWNER)
def channel_delete(request: TeamRequest, team: Team, channel_id: int) -> HttpResponse:
    channel = _channel(team, channel_id)
    if request.method == "POST" and request.POST.get("confirm") == "yes":
        services.channel_delete(channel=channel, by=request.user)
        messages.success(request, f"Channel “{channel.name}” deleted.")
        return redirect("notifications:index", team=team.slug)
    context = {
        "title": f"Delete {channel.name}",
        "question": f"Delete the channel “{channel.name}”?",
        "consequence": "It stops receiving messages and its delivery log goes with it.",
        "button": "Delete channel",
        "action": reverse("notifications:channel-delete", kwargs={"team": team.slug, "channel_id": channel.pk}),
        "cancel": reverse("notifications:index", kwargs={"team": team.slug}),
    }
    return render(request, "confirm_delete.html", context)


@team_view(role=Role.OWNER)
@require_POST
def channel_test(request: TeamRequest, team: Team, channel_id: int) -> HttpResponse:
    channel = _channel(team, channel_id)
    back = reverse("notifications:deliveries", kwargs={"team": team.slug, "channel_id": channel.pk})
    return attempt_and_redirect(
        request,
        services.channel_test,
        channel=channel,
        by=request.user,
        back=back,
        success="Test message queued; its outcome shows below.",
    )


@team_view()
@require_GET
def deliveries(request: TeamRequest, team: Team, channel_id: int) -> HttpResponse:
    channel = _channel(team, channel_id)
    log = Delivery.objects.for_team(team).filter(channel=channel)[:RECENT]
    context = {"channel": channel, "deliveries": log, "is_owner": request.membership.has_role(Role.OWNER)}
    return render(request, "notifications/deliveries.html", context)


@never_cache  # a new webhook's secret is shown on this page: no cache keeps it
@team_view(role=Role.OWNER)
def webhooks(request: TeamRequest, team: Team) -> HttpResponse:
    """The team's outbound webhooks and their recent deliveries; a new one's secret is shown once, here."""
    form = WebhookForm(request.POST or None)
    created = None
    if request.method == "POST" and form.is_valid():
        made = attempt(
            request, hook_services.webhook_create, team=team, by=request.user, on_form=form, **form.cleaned_data
        )
        created = made.value
        if created is not None:
            form = WebhookForm()
    context = {
        "form": form,
        "created": created,
        "webhooks": Webhook.objects.for_team(team),
        "deliveries": HookDelivery.objects.for_team(team).select_related("webhook")[:RECENT],
        "signature_header": hook_services.SIGNATURE_HEADER,
    }
    status = 400 if request.method == "POST" and created is None else 200
    return render(request, "notifications/webhooks.html", context, status=status)


@team_view(role=Role.OWNER)
@require_POST
def webhook_delete(request: TeamRequest, team: Team, webhook_id: int) -> HttpResponse:
    webhook = get_object_or_404(Webhook.objects.for_team(team), pk=webhook_id)
    hook_services.webhook_delete(webhook=webhook, by=request.user)
    messages.success(request, "Webhook deleted.")
    return redirect("notifications:webhooks", team=team.slug)


@team_view(role=Role.OWNER)
@require_POST
def webhook_redeliver(request: TeamRequest, team: Team, delivery_id: int) -> HttpResponse:
    delivery = get_object_or_404(HookDelivery.objects.for_team(team).select_related("webhook__team"), pk=delivery_id)
    hook_services.hook_redeliver(delivery=delivery, by=request.user)
    messages.success(request, f"Delivery {delivery.delivery_id} queued again, with the same delivery id.")
    return redirect("notifications:webhooks", team=team.slug)


# --- a person's own notifications ------------------------------------------------------------

INBOX_PAGE = 25


@team_view()
@require_GET
def inbox(request: TeamRequest, team: Team) -> HttpResponse:
    """The person's notifications in this team, newest first."""
    mine = Notification.objects.for_team(team).of(request.user)
    page = Paginator(mine, INBOX_PAGE).get_page(request.GET.get("page"))
    context = {"page": page, "unread": mine.unread().exists()}
    return render(request, "notifications/inbox.html", context)


@never_cache
@team_view()
@require_GET
def inbox_unread(request: TeamRequest, team: Team) -> HttpResponse:
    """The unread count beside "Inbox" in the navigation (htmx: on load and every minute)."""
    count = Notification.objects.for_team(team).of(request.user).unread().count()
    return render(request, "notifications/inbox.html#unread-count", {"count": count})


@team_view()
@require_GET
def inbox_open(request: TeamRequest, team: Team, notification_id: int) -> HttpResponse:
    """Mark one of the person's notifications read and go where it points.

    The team is the boundary (another team's id is a 404, as everywhere); a teammate's notification opens the
    person's own inbox and stays unread for its recipient.
    """
    notification = get_object_or_404(Notification.objects.for_team(team), pk=notification_id)
    mine = notification.recipient_id == request.user.pk
    if not mine or not url_has_allowed_host_and_scheme(notification.path, allowed_hosts=None):
        return redirect("notifications:inbox", team=team.slug)
    people.notification_open(notification=notification)
    return redirect(notification.path)


@team_view(write_role=Role.VIEWER)
@require_POST
def inbox_read_all(request: TeamRequest, team: Team) -> HttpResponse:
    count = people.notifications_read_all(person=request.user, team=team)
    said = f"{count} notification{pluralize(count)} marked read." if count else "Nothing was unread."
    messages.success(request, said)
    return redirect("notifications:inbox", team=team.slug)


@login_required
def email_settings(request: HttpRequest) -> HttpResponse:
    """Which of their notifications a person also gets by e-mail (for every team they are in)."""
    user = cast(User, request.user)
    chosen = people.email_events_of([user.pk])[user.pk]
    form = EmailPreferenceForm(request.POST or None, initial={"events": chosen})
    if request.method == "POST" and form.is_valid():
        made = attempt(request, people.email_preferences_update, user=user, on_form=form, **form.cleaned_data)
        if not made.refused:
            messages.success(request, "E-mail preferences saved.")
            return redirect("notification-settings")
    status = 400 if request.method == "POST" else 200
    context = {"form": form, "mail": mail_configured(), "address": user.email}
    return render(request, "notifications/email_settings.html", context, status=status)
